// Package cachestore is a read cache in front of any store.Store: point reads (Get, GetByID, Links, Setting) of
// one store generation are answered from memory, and every commit, which moves the generation on, retires them all
// at once. It knows nothing of the store beneath it but the contract, so it serves SQLite and PostgreSQL alike.
package cachestore

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// maxCached bounds the cache's values and maxMissing its not-founds; each part is emptied when full, and both
// whenever the generation changes. Not-founds are kept apart because anyone can ask for what does not exist (an
// unknown access key ID is looked up before its signature is checked): a flood of them may cycle the small map of
// misses but can neither grow memory beyond it nor evict what exists.
const (
	maxCached  = 50000
	maxMissing = 4096
)

// Store is a store.Store that caches the point reads of the store it wraps.
type Store struct {
	inner store.Store
	cache readCache
	views sync.Pool // *view, reused: a View's function must not keep its reader (store.Store's contract)
}

var _ store.Store = (*Store)(nil)

// New returns inner behind a read cache. The cache compares inner's own Generation, so a write committed to inner
// directly (not through the returned store) retires it just the same.
func New(inner store.Store) *Store {
	s := &Store{inner: inner}
	s.views.New = func() any {
		v := &view{s: s}
		v.run = v.call
		return v
	}
	return s
}

// View runs fn in a read transaction of the wrapped store; its point reads are answered from the cache of the
// current generation when they can. A store that begins its transaction at the first read (as sqlite does) is
// not touched by a View the cache answers entirely.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	v := s.views.Get().(*view)
	v.gen, v.fn = s.inner.Generation(), fn
	err := s.inner.View(ctx, v.run)
	v.fn, v.r = nil, nil
	s.views.Put(v)
	return err
}

// Update runs fn in a write transaction of the wrapped store. Reads inside it are not cached: they must see the
// transaction's own writes.
func (s *Store) Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.inner.Update(ctx, fn)
}

// UpdateStamps is the wrapped store's UpdateStamps; its commit moves Generation, which retires the cache.
func (s *Store) UpdateStamps(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.inner.UpdateStamps(ctx, fn)
}

// AppendEvents is the wrapped store's; events are read by no cache.
func (s *Store) AppendEvents(ctx context.Context, events []*store.Event) error {
	return s.inner.AppendEvents(ctx, events)
}

// PruneEvents is the wrapped store's.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	return s.inner.PruneEvents(ctx, before)
}

// Sync is the wrapped store's: it moves the wrapped store's Generation when another handle committed, which
// retires this cache.
func (s *Store) Sync(ctx context.Context) error { return s.inner.Sync(ctx) }

// Generation is the wrapped store's.
func (s *Store) Generation() uint64 { return s.inner.Generation() }

// PolicyGeneration is the wrapped store's.
func (s *Store) PolicyGeneration() uint64 { return s.inner.PolicyGeneration() }

// ForeignPolicyGeneration is the wrapped store's.
func (s *Store) ForeignPolicyGeneration() uint64 { return s.inner.ForeignPolicyGeneration() }

// Close closes the wrapped store.
func (s *Store) Close() error { return s.inner.Close() }

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

// view is the reader a View's function gets: the wrapped store's reader behind the cache.
type view struct {
	s   *Store
	run func(ctx context.Context, r store.Reader) error // v.call, bound once
	gen uint64
	fn  func(ctx context.Context, r store.Reader) error
	r   store.Reader
}

func (v *view) call(ctx context.Context, r store.Reader) error {
	v.r = r
	return v.fn(ctx, v)
}

// cachedRead answers from the cache or runs read and caches its result (including a not-found).
func (v *view) cachedRead(key string, read func() (cached, error)) (cached, error) {
	if c, ok := v.s.cache.get(v.gen, key); ok && v.s.inner.Generation() == v.gen {
		return c, c.err
	}
	c, err := read()
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return cached{}, err
	}
	c.err = err
	v.s.cache.put(v.gen, v.s.inner.Generation(), key, c)
	return c, err
}

func copyEntity(e *store.Entity) *store.Entity {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// nameKey folds a name as the contract compares names: case-insensitively.
func nameKey(name string) string { return strings.ToLower(name) }

func (v *view) Get(ctx context.Context, account string, kind store.Kind, name string) (*store.Entity, error) {
	c, err := v.cachedRead("g\x00"+account+"\x00"+string(kind)+"\x00"+nameKey(name), func() (cached, error) {
		e, err := v.r.Get(ctx, account, kind, name)
		return cached{entity: e}, err
	})
	return copyEntity(c.entity), err
}

func (v *view) GetByID(ctx context.Context, id string) (*store.Entity, error) {
	c, err := v.cachedRead("i\x00"+id, func() (cached, error) {
		e, err := v.r.GetByID(ctx, id)
		return cached{entity: e}, err
	})
	return copyEntity(c.entity), err
}

func (v *view) Links(ctx context.Context, q store.LinkQuery) ([]store.Link, error) {
	c, err := v.cachedRead("l\x00"+q.Account+"\x00"+q.Kind+"\x00"+q.From+"\x00"+q.To, func() (cached, error) {
		ls, err := v.r.Links(ctx, q)
		return cached{links: ls}, err
	})
	return append([]store.Link(nil), c.links...), err
}

func (v *view) Setting(ctx context.Context, account, k string) ([]byte, error) {
	c, err := v.cachedRead("s\x00"+account+"\x00"+k, func() (cached, error) {
		val, err := v.r.Setting(ctx, account, k)
		return cached{setting: val}, err
	})
	return append([]byte(nil), c.setting...), err
}

func (v *view) List(ctx context.Context, q store.ListQuery) (store.Page, error) {
	return v.r.List(ctx, q)
}

func (v *view) Count(ctx context.Context, q store.ListQuery) (int, error) { return v.r.Count(ctx, q) }

func (v *view) CountLinks(ctx context.Context, q store.LinkQuery) (int, error) {
	return v.r.CountLinks(ctx, q)
}

func (v *view) Accounts(ctx context.Context) ([]string, error) { return v.r.Accounts(ctx) }

// Meta is read at start only: it is not cached.
func (v *view) Meta(ctx context.Context, k string) ([]byte, error) { return v.r.Meta(ctx, k) }

// Events are not cached: the trail grows with every request.
func (v *view) Events(ctx context.Context, q store.EventQuery) ([]*store.Event, error) {
	return v.r.Events(ctx, q)
}

// EventsSince is not cached.
func (v *view) EventsSince(ctx context.Context, seq int64, limit int) ([]*store.Event, error) {
	return v.r.EventsSince(ctx, seq, limit)
}

// The enumeration (an export's reads) is not cached.

func (v *view) Kinds(ctx context.Context, account string) ([]store.Kind, error) {
	return v.r.Kinds(ctx, account)
}

func (v *view) LinkKinds(ctx context.Context, account string) ([]string, error) {
	return v.r.LinkKinds(ctx, account)
}

func (v *view) SettingKeys(ctx context.Context, account string) ([]string, error) {
	return v.r.SettingKeys(ctx, account)
}

func (v *view) MetaKeys(ctx context.Context) ([]string, error) { return v.r.MetaKeys(ctx) }

func (v *view) ReadEventAttrs(ctx context.Context, events []*store.Event) error {
	return v.r.ReadEventAttrs(ctx, events)
}
