package sqlite

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

const stagedAccount = "123456789012"

// stagedEv is a change's new event (Fresh, as the trail appends it) with a record of about size bytes that
// compresses poorly, so that a few fill stagedBudget.
func stagedEv(n, size int) *store.Event {
	data := fmt.Appendf(nil, `{"eventID":"ev-%d","requestParameters":{"policyDocument":"`, n)
	for i := 0; len(data) < size; i++ {
		data = binary.BigEndian.AppendUint32(data, uint32(i*2654435761+n))
		data = fmt.Appendf(data, "%x", uint32(i*40503+n*7))
	}
	data = append(bytes.ReplaceAll(data, []byte{'"'}, []byte{'x'}), `"}}`...)
	return &store.Event{Account: stagedAccount, ID: fmt.Sprintf("ev-%d", n), Fresh: true,
		Time: time.Date(2026, 12, 6, 12, 0, n, 0, time.UTC), Data: data,
		Attrs: []store.EventAttr{{Name: "EventName", Value: "PutUserPolicy"}, {Name: "Username", Value: "alice"}}}
}

// walPages returns the pages of the WAL frames written since the WAL held size bytes.
func walPages(t *testing.T, path string, size int64) []uint32 {
	t.Helper()
	wal, err := os.ReadFile(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	var pages []uint32
	for off := max(int(size), 32); off+24 <= len(wal); off += 24 + 4096 {
		pages = append(pages, binary.BigEndian.Uint32(wal[off:]))
	}
	return pages
}

func walSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestChangeEventCostsTheCommitNoPage: a change's new event is staged in the page of the shared generations, which
// the change's commit writes anyway, so a commit with its event writes the pages it writes without one — until the
// staged events outgrow their budget, when that commit moves them to rows of events.
func TestChangeEventCostsTheCommitNoPage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	change := func(i int, withEvent bool) []uint32 {
		t.Helper()
		size := walSize(t, path)
		if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			if err := tx.PutSetting(ctx, stagedAccount, "bench", fmt.Appendf(nil, "value %d", i)); err != nil {
				return err
			}
			if withEvent {
				return tx.AppendEvent(ctx, stagedEv(i, 400))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return walPages(t, path, size)
	}
	change(0, false) // the setting's first write
	without := change(1, false)
	var withEvent, moved int
	for i := 2; i < 40; i++ {
		pages := change(i, true)
		if slices.Equal(pages, without) {
			withEvent++
		} else {
			moved++
		}
	}
	t.Logf("%d commits wrote the pages of the change alone (%v), %d more", withEvent, without, moved)
	// About 400 bytes an event: the budget holds several, then a commit moves them.
	if withEvent < 30 || moved == 0 || moved > 8 {
		t.Fatalf("of 38 commits with an event, %d wrote the pages of the change alone (%v) and %d more; want most the same, a few moving",
			withEvent, without, moved)
	}
	var staged int64
	if err := s.w.QueryRowContext(ctx, "SELECT coalesce(length(staged), 0) FROM generations").Scan(&staged); err != nil {
		t.Fatal(err)
	}
	if staged == 0 || staged > stagedBudget {
		t.Fatalf("staged %d bytes; want some, at most %d", staged, stagedBudget)
	}
}

// TestStagedEventsReadAsRows: every read finds a staged event as it finds a row of events — by attribute, by ID,
// following the trail, its attributes — in seq order with the rows, and the trail's next write moves them to rows
// with the same seqs. They survive a reopen, after which new events take the seqs after them.
func TestStagedEventsReadAsRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	// Two rows written by the trail's writer, then three events of changes, staged.
	first := []*store.Event{stagedEv(0, 100), stagedEv(1, 100)}
	for _, e := range first {
		e.Fresh = false
	}
	if err := s.AppendEvents(ctx, first); err != nil {
		t.Fatal(err)
	}
	var staged []*store.Event
	for i := 2; i < 5; i++ {
		e := stagedEv(i, 200)
		if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
			t.Fatal(err)
		}
		staged = append(staged, e)
	}
	stagedCount := func() int {
		var n int64
		var last any
		if err := s.w.QueryRowContext(ctx, "SELECT coalesce(length(staged), 0), staged_seq FROM generations").Scan(&n, &last); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return 0
		}
		var b []byte
		s.w.QueryRowContext(ctx, "SELECT staged FROM generations").Scan(&b)
		evs, err := decodeStaged(b, last.(int64))
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if n := stagedCount(); n != 3 {
		t.Fatalf("%d events staged; want the 3 of the changes", n)
	}
	for i, e := range staged {
		if want := int64(3 + i); e.Seq != want {
			t.Fatalf("staged event %d has seq %d; want %d", i, e.Seq, want)
		}
	}
	check := func(when string) {
		t.Helper()
		err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
			evs, err := r.Events(ctx, store.EventQuery{Account: stagedAccount, Attr: store.EventAttr{Name: "Username", Value: "alice"}})
			if err != nil {
				return err
			}
			var ids []string
			for _, e := range evs {
				ids = append(ids, fmt.Sprintf("%s@%d", e.ID, e.Seq))
			}
			if want := []string{"ev-4@5", "ev-3@4", "ev-2@3", "ev-1@2", "ev-0@1"}; !slices.Equal(ids, want) {
				t.Errorf("%s: by Username: %v; want %v", when, ids, want)
			}
			byID, err := r.Events(ctx, store.EventQuery{Account: stagedAccount, ID: "ev-3"})
			if err != nil {
				return err
			}
			if len(byID) != 1 || !bytes.Equal(byID[0].Data, staged[1].Data) || !byID[0].Time.Equal(staged[1].Time) {
				t.Errorf("%s: by ID ev-3: %v", when, byID)
			}
			since, err := r.EventsSince(ctx, 1, 3)
			if err != nil {
				return err
			}
			var seqs []int64
			for _, e := range since {
				seqs = append(seqs, e.Seq)
			}
			if !slices.Equal(seqs, []int64{2, 3, 4}) {
				t.Errorf("%s: since 1, 3 of them: seqs %v; want [2 3 4]", when, seqs)
			}
			all, err := r.EventsSince(ctx, 0, 0)
			if err != nil {
				return err
			}
			if len(all) != 5 || !bytes.Equal(all[4].Data, staged[2].Data) {
				t.Errorf("%s: since 0: %d events", when, len(all))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
			e := &store.Event{Seq: staged[0].Seq}
			if err := r.(interface {
				ReadEventAttrs(context.Context, []*store.Event) error
			}).ReadEventAttrs(ctx, []*store.Event{e}); err != nil {
				return err
			}
			if len(e.Attrs) != 2 {
				t.Errorf("%s: attributes of seq %d: %v", when, e.Seq, e.Attrs)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	check("staged")
	// Reopened: still staged, and the next event follows them.
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	check("staged, reopened")
	if !s.staged.Load() {
		t.Fatal("reopened with staged events, the store does not know it")
	}
	// The trail's writer's next AppendEvents, even of nothing, moves them.
	if err := s.AppendEvents(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := stagedCount(); n != 0 {
		t.Fatalf("%d events staged after AppendEvents; want none", n)
	}
	check("moved")
	next := stagedEv(5, 100)
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, next) }); err != nil {
		t.Fatal(err)
	}
	if next.Seq != 6 {
		t.Fatalf("the next event has seq %d; want 6", next.Seq)
	}
}

// TestStagedEventReplacedBySeq: the trail's writer replaces a change's staged event by the Seq the append set, as it
// replaces a row; and when a node that knows nothing of staged events appended a row with a staged event's seq, the
// move renumbers the staged ones after it and the replacement still finds its event, by ID, never the other.
func TestStagedEventReplacedBySeq(t *testing.T) {
	for _, olderNode := range []bool{false, true} {
		t.Run(fmt.Sprintf("older node %v", olderNode), func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			e := stagedEv(1, 100)
			if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, e) }); err != nil {
				t.Fatal(err)
			}
			if olderNode {
				// An older node's append: a row taking the greatest seq of events plus one, the staged event's.
				if _, err := s.w.ExecContext(ctx, "INSERT INTO events (account, id, time, attrs, data) VALUES (?, 'older', 0, x'', x'7b7d')", stagedAccount); err != nil {
					t.Fatal(err)
				}
			}
			complete := stagedEv(1, 120)
			complete.Fresh, complete.Seq = false, e.Seq
			if err := s.AppendEvents(ctx, []*store.Event{complete}); err != nil {
				t.Fatal(err)
			}
			err = s.View(ctx, func(ctx context.Context, r store.Reader) error {
				all, err := r.EventsSince(ctx, 0, 0)
				if err != nil {
					return err
				}
				var got []string
				for _, ev := range all {
					got = append(got, ev.ID)
					if ev.ID == "ev-1" && !bytes.Equal(ev.Data, complete.Data) {
						t.Errorf("ev-1 is not the complete version")
					}
				}
				want := []string{"ev-1"}
				if olderNode {
					want = []string{"older", "ev-1"}
				}
				if !slices.Equal(got, want) {
					t.Errorf("events %v; want %v", got, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// FuzzDecodeStaged: any bytes decode to staged events or an error, never a panic; what decodes encodes back.
func FuzzDecodeStaged(f *testing.F) {
	f.Add(appendStaged(appendStaged(nil, stagedAccount, "ev-1", 1, []byte("0"), []byte("{}")), "", "", -5, nil, nil))
	f.Add([]byte{0x80})
	f.Add([]byte{1, 'a', 1, 'b', 2, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := decodeStaged(b, 100)
		if err != nil {
			return
		}
		var again []byte
		for i, e := range evs {
			if e.seq != 100-int64(len(evs)-1-i) {
				t.Fatalf("seq %d at %d of %d", e.seq, i, len(evs))
			}
			again = appendStaged(again, e.account, e.id, e.time, e.attrs, e.data)
		}
		if back, err := decodeStaged(again, 100); err != nil || len(back) != len(evs) {
			t.Fatalf("%x re-encoded as %x decodes to %d events, %v", b, again, len(back), err)
		}
	})
}
