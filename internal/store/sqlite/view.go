package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/iamd-dev/iamd/internal/store"
)

// view is a read transaction that begins lazily, at its first read.
type view struct {
	s *Store
	t *txn
}

func (v *view) tx(ctx context.Context) (*txn, error) {
	if v.t == nil {
		tx, err := v.s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("begin read: %w", err)
		}
		v.t = &txn{tx: tx, stmts: &v.s.rStmts, trace: v.s.trace, codec: v.s.codec, cache: &v.s.tailCache}
	}
	return v.t, nil
}

func (v *view) Get(ctx context.Context, account string, kind store.Kind, name string) (*store.Entity, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Get(ctx, account, kind, name)
}

func (v *view) GetByID(ctx context.Context, id string) (*store.Entity, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.GetByID(ctx, id)
}

func (v *view) Links(ctx context.Context, q store.LinkQuery) ([]store.Link, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Links(ctx, q)
}

func (v *view) Setting(ctx context.Context, account, k string) ([]byte, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Setting(ctx, account, k)
}

func (v *view) List(ctx context.Context, q store.ListQuery) (store.Page, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return store.Page{}, err
	}
	return t.List(ctx, q)
}

func (v *view) Count(ctx context.Context, q store.ListQuery) (int, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return 0, err
	}
	return t.Count(ctx, q)
}

func (v *view) CountLinks(ctx context.Context, q store.LinkQuery) (int, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return 0, err
	}
	return t.CountLinks(ctx, q)
}

func (v *view) Accounts(ctx context.Context) ([]string, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Accounts(ctx)
}

func (v *view) Meta(ctx context.Context, k string) ([]byte, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Meta(ctx, k)
}
