package sqlite

import "github.com/iamd-dev/iamd/internal/store"

// SetTrace makes s report every statement its transactions run; call it before s is used.
func SetTrace(s *Store, fn func(query string, args []any)) { s.trace = fn }

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
