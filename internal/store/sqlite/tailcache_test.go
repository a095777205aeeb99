package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// TestTailCacheServesOnlyWhatTheTableHolds: the events a store appended and has not indexed are indexed and read
// from its memory, not read back from the table; events another store appended to the same database are read
// back, an event replaced since is read in its new version only, and indexing covers all of them.
func TestTailCacheServesOnlyWhatTheTableHolds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	var mu sync.Mutex
	readBack := 0
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	SetTrace(a, func(q string, _ []any) {
		if strings.HasPrefix(q, "SELECT seq, account, id, time, attrs FROM events WHERE seq >") {
			mu.Lock()
			readBack++
			mu.Unlock()
		}
	})
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	n := 0
	events := func(count int, user string) []*store.Event {
		evs := make([]*store.Event, count)
		for i := range evs {
			evs[i] = &store.Event{Account: "123456789012", ID: fmt.Sprintf("ev-%d", n), Time: at.Add(time.Duration(n) * time.Second),
				Data: []byte(fmt.Sprintf(`{"n":%d}`, n)), Attrs: []store.EventAttr{{Name: "Username", Value: user}}}
			n++
		}
		return evs
	}
	byUser := func(s *Store, user string) []string {
		t.Helper()
		var ids []string
		if err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
			evs, err := r.Events(ctx, store.EventQuery{Account: "123456789012", Attr: store.EventAttr{Name: "Username", Value: user}})
			for _, e := range evs {
				ids = append(ids, e.ID+"="+string(e.Data))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if err := a.AppendEvents(ctx, events(10, "alice")); err != nil {
		t.Fatal(err)
	}
	if got := byUser(a, "alice"); len(got) != 10 || readBack != 0 {
		t.Fatalf("alice's events: %v, read back %d times; want 10 from memory", got, readBack)
	}
	if err := b.AppendEvents(ctx, events(5, "alice")); err != nil {
		t.Fatal(err)
	}
	if got := byUser(a, "alice"); len(got) != 15 || readBack != 1 {
		t.Fatalf("after another store's events: %v, read back %d times; want 15, read back once", got, readBack)
	}
	// The other store replaces one of a's events: a reads the new version only.
	replaced := &store.Event{Account: "123456789012", ID: "ev-3", Time: at.Add(3 * time.Second), Data: []byte(`{"n":"new"}`),
		Attrs: []store.EventAttr{{Name: "Username", Value: "bob"}}}
	if err := b.AppendEvents(ctx, []*store.Event{replaced}); err != nil {
		t.Fatal(err)
	}
	if got := byUser(a, "alice"); len(got) != 14 || strings.Contains(strings.Join(got, " "), "ev-3=") {
		t.Fatalf("alice after ev-3 went to bob: %v", got)
	}
	if got := byUser(a, "bob"); len(got) != 1 || got[0] != `ev-3={"n":"new"}` {
		t.Fatalf("bob: %v", got)
	}
	// a indexes the tail with a batch past lazyTail: the posting lists cover every store's events.
	if err := a.AppendEvents(ctx, events(lazyTail, "carol")); err != nil {
		t.Fatal(err)
	}
	if a.indexed.Load() != a.appended.Load() {
		t.Fatalf("watermark %d, newest %d: the tail is not indexed", a.indexed.Load(), a.appended.Load())
	}
	if got := byUser(a, "alice"); len(got) != 14 {
		t.Fatalf("alice after indexing: %d events", len(got))
	}
	if got := byUser(b, "bob"); len(got) != 1 || got[0] != `ev-3={"n":"new"}` {
		t.Fatalf("bob after indexing, read by the other store: %v", got)
	}
	if got := byUser(a, "carol"); len(got) != lazyTail {
		t.Fatalf("carol: %d events", len(got))
	}
	a.tailCache.mu.Lock()
	left := len(a.tailCache.events)
	a.tailCache.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d events left in the tail cache after indexing", left)
	}
}
