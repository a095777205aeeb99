package sqlite

import (
	"context"
	"database/sql"

	"github.com/iamd-dev/iamd/internal/store"
)

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

// MigrateTo creates the database at path with the migrations up to version only, and returns it open: a database
// as an older iamd left it.
func MigrateTo(ctx context.Context, path string, version int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(ON)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	s := &Store{w: db}
	if err := s.migrate(ctx, version); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
