package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// TestEventsOfSchema5SurviveTheMove: a trail written by schema 5 (one index row per attribute and event) is read
// the same after migration 0006 (posting lists), with each event's attributes, and keeps its Latest events through
// pruning. New events follow the greatest stored seq (0006 drops AUTOINCREMENT: the seq of a newest event pruned
// before the migration is handed out again, as the migration says).
func TestEventsOfSchema5SurviveTheMove(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	db, err := sqlite.MigrateTo(ctx, path, 5)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	insert := func(seq int, account, id string, at time.Time, attrs ...string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, "INSERT INTO events (seq, account, id, time, data) VALUES (?, ?, ?, ?, ?)", seq, account, id, at.UnixNano(), `{"eventID":"`+id+`"}`); err != nil {
			t.Fatal(err)
		}
		for _, a := range attrs {
			name, value, _ := strings.Cut(a, "=")
			latest := strings.HasPrefix(name, "+")
			name = strings.TrimPrefix(name, "+")
			if _, err := db.ExecContext(ctx, "INSERT INTO event_attrs (account, name, value, time, seq, latest) VALUES (?, ?, ?, ?, ?, ?)",
				account, name, value, at.UnixNano(), seq, latest); err != nil {
				t.Fatal(err)
			}
		}
	}
	insert(1, "1", "a", t0, "Username=alice", "+AccessKeyId=AKIA1")
	insert(2, "1", "b", t0.Add(time.Hour), "Username=bob", "+AccessKeyId=AKIA1")
	insert(3, "2", "c", t0.Add(time.Minute), "Username=alice")
	insert(4, "1", "d", t0.Add(2*time.Hour), "Username=alice")
	insert(5, "1", "gone", t0.Add(3*time.Hour))
	if _, err := db.ExecContext(ctx, "DELETE FROM events WHERE seq = 5"); err != nil { // pruned or replaced: seq 5 is used up
		t.Fatal(err)
	}
	db.Close()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	read := func(q store.EventQuery) string {
		t.Helper()
		var ids []string
		if err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
			evs, err := r.Events(ctx, q)
			for _, e := range evs {
				ids = append(ids, fmt.Sprintf("%s@%d", e.ID, e.Seq))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return strings.Join(ids, " ")
	}
	for _, tc := range []struct {
		q    store.EventQuery
		want string
	}{
		{store.EventQuery{Account: "1"}, "d@4 b@2 a@1"},
		{store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "Username", Value: "alice"}}, "d@4 a@1"},
		{store.EventQuery{Account: "2", Attr: store.EventAttr{Name: "Username", Value: "alice"}}, "c@3"},
		{store.EventQuery{Account: "1", ID: "b"}, "b@2"},
	} {
		if got := read(tc.q); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.q, got, tc.want)
		}
	}
	// New events follow the greatest seq (4: seq 5 was removed before the migration), and both generations of the
	// index answer together.
	if err := s.AppendEvents(ctx, []*store.Event{{Account: "1", ID: "e", Time: t0.Add(4 * time.Hour), Data: []byte(`{}`),
		Attrs: []store.EventAttr{{Name: "Username", Value: "alice"}}}}); err != nil {
		t.Fatal(err)
	}
	if got := read(store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "Username", Value: "alice"}}); got != "e@5 d@4 a@1" {
		t.Fatalf("after an append: %q", got)
	}
	// The newest event of AKIA1 (b) outlives pruning; a goes.
	if n, err := s.PruneEvents(ctx, t0.Add(90*time.Minute)); err != nil || n != 2 {
		t.Fatalf("PruneEvents = %d, %v; want a and c", n, err)
	}
	if got := read(store.EventQuery{Account: "1"}); got != "e@5 d@4 b@2" {
		t.Fatalf("after pruning: %q", got)
	}
}
