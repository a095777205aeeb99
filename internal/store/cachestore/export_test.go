package cachestore

// CacheSize reports how many values and not-founds s's read cache holds.
func CacheSize(s *Store) (values, missing int) { return s.cache.size() }

// MaxMissing is the bound on cached not-founds.
const MaxMissing = maxMissing
