package sqlite

import "github.com/iamd-dev/iamd/internal/store"

// SetTrace makes s report every statement its transactions run; call it before s is used.
func SetTrace(s *Store, fn func(query string, args []any)) { s.trace = fn }

// CacheSize reports how many values and not-founds s's read cache holds.
func CacheSize(s *Store) (values, missing int) { return s.cache.size() }

// MaxMissing is the bound on cached not-founds.
const MaxMissing = maxMissing

// Statement is one SQL statement the store runs, with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// ListStatement is the statement List runs for q.
func ListStatement(q store.ListQuery) Statement {
	query, args := listQuery(q)
	return Statement{SQL: query, Args: args}
}
