package iam

// CachedEvaluators reports how many callers' evaluators of the store's current policy generation s holds.
func CachedEvaluators(s *Service) int { return s.compiler.cachedEvaluators(s.Store.PolicyGeneration()) }
