package postgres

import (
	"context"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/jackc/pgx/v5"
)

// The enumeration of the store (iamd export). Every column is in the "C" collation, so ORDER BY is byte order.

// column runs a query of one text column and returns its values (nil when none).
func (t *txn) column(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows([]string(nil), rows, pgx.RowTo[string])
}

func (t *txn) Kinds(ctx context.Context, account string) ([]store.Kind, error) {
	ks, err := t.column(ctx, "SELECT DISTINCT kind FROM entities WHERE account = $1 ORDER BY kind", account)
	out := make([]store.Kind, len(ks))
	for i, k := range ks {
		out[i] = store.Kind(k)
	}
	return out, err
}

func (t *txn) LinkKinds(ctx context.Context, account string) ([]string, error) {
	return t.column(ctx, "SELECT DISTINCT kind FROM links WHERE account = $1 ORDER BY kind", account)
}

func (t *txn) SettingKeys(ctx context.Context, account string) ([]string, error) {
	return t.column(ctx, "SELECT key FROM settings WHERE account = $1 ORDER BY key", account)
}

func (t *txn) MetaKeys(ctx context.Context) ([]string, error) {
	return t.column(ctx, "SELECT key FROM meta ORDER BY key")
}
