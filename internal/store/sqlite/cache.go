package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/iamd-dev/iamd/internal/store"
)

// maxCached bounds the read cache's values and maxMissing its not-founds; each part is emptied when full, and both
// whenever the generation changes. Not-founds are kept apart because anyone can ask for what does not exist (an
// unknown access key ID is looked up before its signature is checked): a flood of them may cycle the small map of
// misses but can neither grow memory beyond it nor evict what exists.
const (
	maxCached  = 50000
	maxMissing = 4096
)

// readCache keeps point reads of one store generation. A value read by a view that began at generation g is kept
// under g and served only while the store is still at g, so a commit (which moves the generation on) retires every
// entry at once, including one written late by a view that overlapped the commit.
type readCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]cached // values found
	missing map[string]cached // not-founds
}

type cached struct {
	entity  *store.Entity
	links   []store.Link
	setting []byte
	err     error // a cached not-found
}

func (c *readCache) get(gen uint64, key string) (cached, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return cached{}, false
	}
	if v, ok := c.entries[key]; ok {
		return v, true
	}
	v, ok := c.missing[key]
	return v, ok
}

func (c *readCache) put(viewGen, currentGen uint64, key string, v cached) {
	if viewGen != currentGen {
		return // the store moved on while this view read: the value may be stale
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != viewGen {
		c.gen, c.entries, c.missing = viewGen, nil, nil
	}
	if v.err != nil {
		if c.missing == nil || len(c.missing) >= maxMissing {
			c.missing = map[string]cached{}
		}
		c.missing[key] = v
		return
	}
	if c.entries == nil || len(c.entries) >= maxCached {
		c.entries = map[string]cached{}
	}
	c.entries[key] = v
}

// size reports how many values and not-founds the cache holds.
func (c *readCache) size() (values, missing int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), len(c.missing)
}

// view is a read transaction that begins lazily.
type view struct {
	s   *Store
	gen uint64
	t   *txn
}

func (v *view) tx(ctx context.Context) (*txn, error) {
	if v.t == nil {
		tx, err := v.s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("begin read: %w", err)
		}
		v.t = &txn{tx: tx, stmts: &v.s.rStmts, trace: v.s.trace}
	}
	return v.t, nil
}

// cachedRead answers from the cache or runs read and caches its result (including a not-found).
func (v *view) cachedRead(ctx context.Context, key string, read func(t *txn) (cached, error)) (cached, error) {
	if c, ok := v.s.cache.get(v.gen, key); ok && v.s.gen.Load() == v.gen {
		return c, c.err
	}
	t, err := v.tx(ctx)
	if err != nil {
		return cached{}, err
	}
	c, err := read(t)
	if err != nil && !isNotFound(err) {
		return cached{}, err
	}
	c.err = err
	v.s.cache.put(v.gen, v.s.gen.Load(), key, c)
	return c, err
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func copyEntity(e *store.Entity) *store.Entity {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

func (v *view) Get(ctx context.Context, account string, kind store.Kind, name string) (*store.Entity, error) {
	c, err := v.cachedRead(ctx, "g\x00"+account+"\x00"+string(kind)+"\x00"+key(name), func(t *txn) (cached, error) {
		e, err := t.Get(ctx, account, kind, name)
		return cached{entity: e}, err
	})
	return copyEntity(c.entity), err
}

func (v *view) GetByID(ctx context.Context, id string) (*store.Entity, error) {
	c, err := v.cachedRead(ctx, "i\x00"+id, func(t *txn) (cached, error) {
		e, err := t.GetByID(ctx, id)
		return cached{entity: e}, err
	})
	return copyEntity(c.entity), err
}

func (v *view) Links(ctx context.Context, q store.LinkQuery) ([]store.Link, error) {
	c, err := v.cachedRead(ctx, "l\x00"+q.Account+"\x00"+q.Kind+"\x00"+q.From+"\x00"+q.To, func(t *txn) (cached, error) {
		ls, err := t.Links(ctx, q)
		return cached{links: ls}, err
	})
	return append([]store.Link(nil), c.links...), err
}

func (v *view) Setting(ctx context.Context, account, k string) ([]byte, error) {
	c, err := v.cachedRead(ctx, "s\x00"+account+"\x00"+k, func(t *txn) (cached, error) {
		val, err := t.Setting(ctx, account, k)
		return cached{setting: val}, err
	})
	return append([]byte(nil), c.setting...), err
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

// Meta is read at start only: it is not cached.
func (v *view) Meta(ctx context.Context, k string) ([]byte, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Meta(ctx, k)
}
