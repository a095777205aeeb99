package sqlite

// SetTrace makes s report every statement its transactions run; call it before s is used.
func SetTrace(s *Store, fn func(query string, args []any)) { s.trace = fn }

// CacheSize reports how many values and not-founds s's read cache holds.
func CacheSize(s *Store) (values, missing int) { return s.cache.size() }

// MaxMissing is the bound on cached not-founds.
const MaxMissing = maxMissing
