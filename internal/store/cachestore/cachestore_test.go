package cachestore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/cachestore"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/store/storetest"
)

func open(t *testing.T) *cachestore.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	c := cachestore.New(s)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestConformance: the cache in front of a store keeps every behaviour of the store contract.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t) })
}

// TestConformanceOfManyHandles: caches in front of two handles on one database are retired by Sync when the other
// handle commits.
func TestConformanceOfManyHandles(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) func(t *testing.T) store.Store {
		path := filepath.Join(t.TempDir(), "iamd.db")
		return func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return cachestore.New(s)
		}
	})
}

// TestUnknownIDLookupsCannotGrowOrFlushTheCache: access key IDs are looked up before the signature is checked, so
// anyone can send unknown ones by the million. Their not-founds must stay within a small bound and must not push
// out what the cache holds of what exists.
func TestUnknownIDLookupsCannotGrowOrFlushTheCache(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, &store.Entity{Account: "1", Kind: "accesskey", Name: "AKIAKNOWN", Path: "/", ID: "AKIAKNOWN", Data: []byte("{}")})
	}); err != nil {
		t.Fatal(err)
	}
	getByID := func(id string) error {
		return s.View(ctx, func(ctx context.Context, r store.Reader) error { _, err := r.GetByID(ctx, id); return err })
	}
	if err := getByID("AKIAKNOWN"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 * cachestore.MaxMissing {
		if err := getByID(fmt.Sprintf("AKIAUNKNOWN%09d", i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown ID: %v", err)
		}
	}
	values, missing := cachestore.CacheSize(s)
	if missing > cachestore.MaxMissing {
		t.Errorf("%d not-founds cached, want at most %d", missing, cachestore.MaxMissing)
	}
	if values != 1 {
		t.Errorf("%d values cached after the flood of unknown IDs, want the 1 known key still there", values)
	}
}

// counting is a store that counts the reads that reach it.
type counting struct {
	store.Store
	reads *int
}

func (c counting) View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	return c.Store.View(ctx, func(ctx context.Context, r store.Reader) error { return fn(ctx, countingReader{r, c.reads}) })
}

type countingReader struct {
	store.Reader
	reads *int
}

func (c countingReader) Get(ctx context.Context, account string, kind store.Kind, name string) (*store.Entity, error) {
	*c.reads++
	return c.Reader.Get(ctx, account, kind, name)
}

// TestPointReadsServedUntilACommit: a point read of one generation is answered from memory (names compared
// ignoring case, as the contract does), a copy each time; any commit, a usage stamp's included, retires it.
func TestPointReadsServedUntilACommit(t *testing.T) {
	ctx := context.Background()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	reads := 0
	s := cachestore.New(counting{inner, &reads})
	defer s.Close()
	put := func(update func(context.Context, func(context.Context, store.Tx) error) error, data string) {
		t.Helper()
		err := update(ctx, func(ctx context.Context, tx store.Tx) error {
			e := &store.Entity{Account: "1", Kind: "user", Name: "Alice", Path: "/", Data: []byte(data)}
			if err := tx.Update(ctx, e); !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return tx.Insert(ctx, e)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) string {
		t.Helper()
		var data string
		if err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
			e, err := r.Get(ctx, "1", "user", name)
			if err == nil {
				data = string(e.Data) + " " + e.Name
				e.Name = "mallory" // the caller's copy of the entity: the cache must not see this (Data is shared, read-only)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return data
	}
	put(s.Update, "v1")
	tests := []struct {
		name      string
		before    func()
		get       string
		want      string
		wantReads int
	}{
		{"first read reaches the store", nil, "Alice", "v1 Alice", 1},
		{"second read is served", nil, "alice", "v1 Alice", 1},
		{"a commit retires it", func() { put(s.Update, "v2") }, "ALICE", "v2 Alice", 2},
		{"served again", nil, "Alice", "v2 Alice", 2},
		{"a usage stamp retires it too", func() { put(s.UpdateStamps, "v3") }, "alice", "v3 Alice", 3},
	}
	for _, tc := range tests {
		if tc.before != nil {
			tc.before()
		}
		if got := get(tc.get); got != tc.want || reads != tc.wantReads {
			t.Errorf("%s: got %q after %d store reads, want %q after %d", tc.name, got, reads, tc.want, tc.wantReads)
		}
	}
}

// TestConcurrentSyncsSeeEveryCommitMadeBeforeThem: readers on one handle, behind the cache, Sync and read a counter
// that a writer on another handle raises, all at once: every reader sees at least the value committed before its
// Sync began, though concurrent Syncs share their reads of the database.
func TestConcurrentSyncsSeeEveryCommitMadeBeforeThem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	ctx := context.Background()
	openAt := func() store.Store {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		c := cachestore.New(s)
		t.Cleanup(func() { c.Close() })
		return c
	}
	w, r := openAt(), openAt()
	const commits, readers = 60, 4
	var committed atomic.Int64
	done := make(chan struct{})
	errs := make(chan error, readers+1)
	go func() {
		defer close(done)
		for i := 1; i <= commits; i++ {
			if err := w.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				return tx.PutSetting(ctx, "1", "n", []byte(strconv.Itoa(i)))
			}); err != nil {
				errs <- err
				return
			}
			committed.Store(int64(i))
		}
	}()
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				before := committed.Load()
				if err := r.Sync(ctx); err != nil {
					errs <- err
					return
				}
				var got int64
				err := r.View(ctx, func(ctx context.Context, rd store.Reader) error {
					v, err := rd.Setting(ctx, "1", "n")
					if errors.Is(err, store.ErrNotFound) {
						return nil
					}
					if err == nil {
						got, err = strconv.ParseInt(string(v), 10, 64)
					}
					return err
				})
				if err == nil && got < before {
					err = fmt.Errorf("read %d after a Sync that began when %d was committed", got, before)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
