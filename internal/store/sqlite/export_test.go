package sqlite

import "github.com/iamd-dev/iamd/internal/store"

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
