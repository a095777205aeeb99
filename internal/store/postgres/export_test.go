package postgres

import (
	"context"
)

// SetTrace makes s report every statement its transactions run; call it before s is used.
func SetTrace(s *Store, fn func(query string, args []any)) { s.trace = fn }

// MaxAttempts is how many times a write is run at most.
const MaxAttempts = maxAttempts

// WriteRaw runs fn in a write transaction as the store's own writes do (AppendEvents, PruneEvents: retries
// included), with a way to run raw SQL in it.
func WriteRaw(s *Store, ctx context.Context, fn func(ctx context.Context, exec func(sql string) error) error) error {
	return s.write(ctx, func(ctx context.Context, t *txn) error {
		return fn(ctx, func(sql string) error { _, err := t.exec(ctx, sql); return err })
	})
}

// Unavailable is unavailable: err wrapped with store.ErrUnavailable when it says the database is away.
var Unavailable = unavailable
