package postgres

// SetTrace makes s report every statement its transactions run; call it before s is used.
func SetTrace(s *Store, fn func(query string, args []any)) { s.trace = fn }
