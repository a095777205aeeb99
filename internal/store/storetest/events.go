package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// eventTests are the behaviours of the audit trail's part of the contract.
var eventTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"EventAppendedInUpdateCommitsWithIt", eventInUpdate},
	{"EventsNewestFirstPagedByCursor", eventsNewestFirst},
	{"EventsByAttributeWithinInclusiveTimes", eventsByAttribute},
	{"EventsOfOtherAccountsAreNotSeen", eventsOtherAccounts},
	{"EventReplacedTakesNewSeqAndAttributes", eventReplaced},
	{"EventsSinceFollowsSeqAcrossAccounts", eventsSince},
	{"AppendEventsMovesNoGeneration", appendEventsNoGeneration},
	{"PruneEventsRemovesOlderWithAttributes", pruneEvents},
	{"PruneKeepsTheNewestEventOfALatestAttribute", pruneKeepsLatest},
	{"EventFoundByItsID", eventByID},
	{"EventReplacedByTheSeqItWasGiven", eventReplacedBySeq},
	{"EventsOfChangesAndBatchesMergeNewestFirst", eventsMerged},
}

func ev(account, id string, at time.Time, attrs ...string) *store.Event {
	e := &store.Event{Account: account, ID: id, Time: at, Data: []byte(`{"eventID":"` + id + `"}`)}
	for _, a := range attrs {
		name, value, _ := strings.Cut(a, "=")
		e.Attrs = append(e.Attrs, store.EventAttr{Name: name, Value: value})
	}
	return e
}

func events(t *testing.T, s store.Store, q store.EventQuery) string {
	t.Helper()
	var ids []string
	view(t, s, func(ctx context.Context, r store.Reader) error {
		got, err := r.Events(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		return nil
	})
	return strings.Join(ids, " ")
}

func appendEvents(t *testing.T, s store.Store, evs ...*store.Event) {
	t.Helper()
	if err := s.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

func eventInUpdate(t *testing.T, s store.Store) {
	err := update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, ent("1", "user", "a", "")); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, ev("1", "e-failed", t0, "EventName=CreateUser")); err != nil {
			return err
		}
		return errors.New("the change fails")
	})
	if err == nil {
		t.Fatal("a failed Update committed")
	}
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, ent("1", "user", "b", "")); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, ev("1", "e-ok", t0, "EventName=CreateUser"))
	})
	if got := events(t, s, store.EventQuery{Account: "1"}); got != "e-ok" {
		t.Fatalf("events = %q; want only the committed change's event", got)
	}
	if got := events(t, s, store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "EventName", Value: "CreateUser"}}); got != "e-ok" {
		t.Fatalf("events by name = %q; the rolled-back event's attributes must be gone too", got)
	}
}

func eventsNewestFirst(t *testing.T, s store.Store) {
	// Two events share a time: the later appended (greater Seq) comes first.
	appendEvents(t, s, ev("1", "a", t0), ev("1", "b", t0.Add(time.Second)), ev("1", "c", t0.Add(time.Second)), ev("1", "d", t0.Add(2*time.Second)))
	if got := events(t, s, store.EventQuery{Account: "1"}); got != "d c b a" {
		t.Fatalf("events = %q; want newest first, then by Seq", got)
	}
	var pages []string
	var after store.EventCursor
	for range 5 {
		var page []*store.Event
		view(t, s, func(ctx context.Context, r store.Reader) error {
			var err error
			page, err = r.Events(ctx, store.EventQuery{Account: "1", After: after, Limit: 2})
			return err
		})
		if len(page) == 0 {
			break
		}
		var ids []string
		for _, e := range page {
			ids = append(ids, e.ID)
			if e.Seq == 0 || e.Account != "1" || e.Time.IsZero() || len(e.Data) == 0 {
				t.Fatalf("event read back without its fields: %+v", e)
			}
		}
		pages = append(pages, strings.Join(ids, " "))
		after = page[len(page)-1].Cursor()
	}
	if fmt.Sprint(pages) != "[d c b a]" {
		t.Fatalf("pages = %q; want [d c] then [b a]", pages)
	}
}

func eventsByAttribute(t *testing.T, s store.Store) {
	appendEvents(t, s,
		ev("1", "a", t0, "Username=alice", "EventName=CreateUser", "ResourceName=x", "ResourceName=y"),
		ev("1", "b", t0.Add(time.Second), "Username=bob", "EventName=CreateUser"),
		ev("1", "c", t0.Add(2*time.Second), "Username=alice", "EventName=GetUser"),
		ev("1", "d", t0.Add(3*time.Second), "Username=Alice"))
	for _, tc := range []struct {
		q    store.EventQuery
		want string
	}{
		{store.EventQuery{Attr: store.EventAttr{Name: "Username", Value: "alice"}}, "c a"},
		{store.EventQuery{Attr: store.EventAttr{Name: "Username", Value: "Alice"}}, "d"},
		{store.EventQuery{Attr: store.EventAttr{Name: "EventName", Value: "CreateUser"}}, "b a"},
		{store.EventQuery{Attr: store.EventAttr{Name: "ResourceName", Value: "y"}}, "a"},
		{store.EventQuery{Attr: store.EventAttr{Name: "Username", Value: "alice"}, From: t0, To: t0}, "a"},
		{store.EventQuery{Attr: store.EventAttr{Name: "Username", Value: "alice"}, From: t0.Add(time.Nanosecond)}, "c"},
		{store.EventQuery{From: t0.Add(time.Second), To: t0.Add(2 * time.Second)}, "c b"},
		{store.EventQuery{Attr: store.EventAttr{Name: "Username", Value: "carol"}}, ""},
	} {
		tc.q.Account = "1"
		if got := events(t, s, tc.q); got != tc.want {
			t.Errorf("%+v: events = %q, want %q", tc.q, got, tc.want)
		}
	}
}

func eventsOtherAccounts(t *testing.T, s store.Store) {
	appendEvents(t, s, ev("1", "a", t0, "Username=alice"), ev("2", "b", t0, "Username=alice"))
	if got := events(t, s, store.EventQuery{Account: "2", Attr: store.EventAttr{Name: "Username", Value: "alice"}}); got != "b" {
		t.Fatalf("account 2's events = %q", got)
	}
	if got := events(t, s, store.EventQuery{Account: "3"}); got != "" {
		t.Fatalf("account 3's events = %q", got)
	}
}

func eventReplaced(t *testing.T, s store.Store) {
	appendEvents(t, s, ev("1", "a", t0, "EventName=CreateUser"), ev("1", "b", t0))
	var before, after []*store.Event
	view(t, s, func(ctx context.Context, r store.Reader) (err error) { before, err = r.EventsSince(ctx, 0, 0); return })
	done := ev("1", "a", t0, "EventName=CreateUser", "ErrorCode=none")
	done.Data = []byte(`{"eventID":"a","done":true}`)
	appendEvents(t, s, done)
	view(t, s, func(ctx context.Context, r store.Reader) (err error) { after, err = r.EventsSince(ctx, 0, 0); return })
	if len(before) != 2 || len(after) != 2 || after[1].ID != "a" || after[1].Seq <= before[1].Seq || string(after[1].Data) != string(done.Data) {
		t.Fatalf("after replacing a: %v; want b then the new a, with a Seq past b's", after)
	}
	if got := events(t, s, store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "ErrorCode", Value: "none"}}); got != "a" {
		t.Fatalf("the replacement's attribute finds %q", got)
	}
	if got := events(t, s, store.EventQuery{Account: "1"}); got != "a b" {
		t.Fatalf("events = %q; the replaced event is one event", got)
	}
}

func eventsSince(t *testing.T, s store.Store) {
	appendEvents(t, s, ev("2", "a", t0.Add(time.Hour)), ev("1", "b", t0))
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, ev("3", "c", t0)) })
	var all []*store.Event
	view(t, s, func(ctx context.Context, r store.Reader) (err error) { all, err = r.EventsSince(ctx, 0, 0); return })
	if len(all) != 3 || all[0].ID != "a" || all[1].ID != "b" || all[2].ID != "c" || !(all[0].Seq < all[1].Seq && all[1].Seq < all[2].Seq) {
		t.Fatalf("EventsSince(0) = %v; want a, b, c in append order", all)
	}
	var rest []*store.Event
	view(t, s, func(ctx context.Context, r store.Reader) (err error) {
		rest, err = r.EventsSince(ctx, all[0].Seq, 1)
		return
	})
	if len(rest) != 1 || rest[0].ID != "b" {
		t.Fatalf("EventsSince(a, 1) = %v; want b", rest)
	}
}

func appendEventsNoGeneration(t *testing.T, s store.Store) {
	g, pg := s.Generation(), s.PolicyGeneration()
	appendEvents(t, s, ev("1", "a", t0))
	if _, err := s.PruneEvents(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s.Generation() != g || s.PolicyGeneration() != pg {
		t.Fatalf("generations moved: %d→%d, %d→%d", g, s.Generation(), pg, s.PolicyGeneration())
	}
}

func pruneEvents(t *testing.T, s store.Store) {
	appendEvents(t, s, ev("1", "old", t0, "Username=alice"), ev("1", "new", t0.Add(24*time.Hour), "Username=alice"))
	n, err := s.PruneEvents(context.Background(), t0.Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneEvents = %d, %v; want 1", n, err)
	}
	if got := events(t, s, store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "Username", Value: "alice"}}); got != "new" {
		t.Fatalf("after pruning: %q", got)
	}
	// A new event after pruning still follows the pruned ones in Seq.
	appendEvents(t, s, ev("1", "newer", t0.Add(48*time.Hour)))
	var all []*store.Event
	view(t, s, func(ctx context.Context, r store.Reader) (err error) { all, err = r.EventsSince(ctx, 0, 0); return })
	if len(all) != 2 || all[1].ID != "newer" || all[1].Seq <= 2 {
		t.Fatalf("after pruning and appending: %v", all)
	}
}

func pruneKeepsLatest(t *testing.T, s store.Store) {
	latest := func(e *store.Event, name, value string) *store.Event {
		e.Attrs = append(e.Attrs, store.EventAttr{Name: name, Value: value, Latest: true})
		return e
	}
	appendEvents(t, s,
		latest(ev("1", "k-old", t0, "Username=alice"), "AccessKeyId", "AKIA1"),
		latest(ev("1", "k-new", t0.Add(time.Hour), "Username=alice"), "AccessKeyId", "AKIA1"),
		latest(ev("1", "k2", t0.Add(time.Minute)), "AccessKeyId", "AKIA2"),
		ev("1", "plain", t0.Add(time.Minute), "Username=alice"))
	// The replacement of k2 (a new Seq) stays the newest of AKIA2.
	appendEvents(t, s, latest(ev("1", "k2", t0.Add(time.Minute)), "AccessKeyId", "AKIA2"))
	n, err := s.PruneEvents(context.Background(), t0.Add(48*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneEvents = %d, %v; want k-old and plain removed", n, err)
	}
	if got := events(t, s, store.EventQuery{Account: "1"}); got != "k-new k2" {
		t.Fatalf("after pruning: %q; want the newest of each Latest value", got)
	}
	if got := events(t, s, store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "Username", Value: "alice"}}); got != "k-new" {
		t.Fatalf("a kept event keeps its attributes: %q", got)
	}
	// Once a newer event carries the value, the old one may go.
	appendEvents(t, s, latest(ev("1", "k-newest", t0.Add(72*time.Hour)), "AccessKeyId", "AKIA1"))
	if n, err := s.PruneEvents(context.Background(), t0.Add(48*time.Hour)); err != nil || n != 1 {
		t.Fatalf("second PruneEvents = %d, %v; want k-new removed", n, err)
	}
}

func eventByID(t *testing.T, s store.Store) {
	appendEvents(t, s, ev("1", "a", t0, "Username=alice"), ev("2", "b", t0))
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.AppendEvent(ctx, ev("1", "c", t0.Add(time.Second)))
	})
	for _, tc := range []struct {
		q    store.EventQuery
		want string
	}{
		{store.EventQuery{Account: "1", ID: "a"}, "a"},
		{store.EventQuery{Account: "1", ID: "c"}, "c"}, // appended with a change, not yet with a batch
		{store.EventQuery{Account: "1", ID: "b"}, ""},  // another account's
		{store.EventQuery{Account: "1", ID: "nope"}, ""},
		{store.EventQuery{Account: "1", ID: "a", From: t0.Add(time.Nanosecond)}, ""},
		{store.EventQuery{Account: "1", ID: "c", To: t0}, ""},
	} {
		if got := events(t, s, tc.q); got != tc.want {
			t.Errorf("%+v: events = %q, want %q", tc.q, got, tc.want)
		}
	}
	// A replaced event is found by its ID once.
	appendEvents(t, s, ev("1", "c", t0.Add(time.Second)))
	if got := events(t, s, store.EventQuery{Account: "1", ID: "c"}); got != "c" {
		t.Fatalf("after replacing c: %q", got)
	}
}

// eventsMerged: events appended with changes (one at a time) and in batches, with times that do not follow the
// order they were appended in (a long call's event carries its start time), are read newest first by time, then
// Seq, with and without an attribute, page by page.
func eventsMerged(t *testing.T, s store.Store) {
	r := rand.New(rand.NewPCG(1, 2))
	type want struct {
		id   string
		time time.Time
		odd  bool
	}
	var all []want
	n := 0
	next := func() *store.Event {
		n++
		at := t0.Add(time.Duration(n)*time.Second - time.Duration(r.IntN(40))*time.Second)
		id := fmt.Sprintf("e%03d", n)
		attr := "Parity=even"
		if n%2 == 1 {
			attr = "Parity=odd"
		}
		all = append(all, want{id, at, n%2 == 1})
		return ev("1", id, at, attr)
	}
	for round := range 8 {
		if round%2 == 0 {
			for range 5 {
				mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, next()) })
			}
		}
		batch := make([]*store.Event, 12)
		for i := range batch {
			batch[i] = next()
		}
		appendEvents(t, s, batch...)
	}
	for range 3 {
		mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, next()) })
	}
	// Seq follows the append order, so ties on time are broken by the later append.
	order := slices.Clone(all)
	slices.SortFunc(order, func(a, b want) int {
		if c := b.time.Compare(a.time); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
	expect := func(keep func(w want) bool) string {
		var ids []string
		for _, w := range order {
			if keep(w) {
				ids = append(ids, w.id)
			}
		}
		return strings.Join(ids, " ")
	}
	from, to := t0.Add(20*time.Second), t0.Add(60*time.Second)
	for _, tc := range []struct {
		name string
		q    store.EventQuery
		keep func(w want) bool
	}{
		{"all", store.EventQuery{}, func(want) bool { return true }},
		{"odd", store.EventQuery{Attr: store.EventAttr{Name: "Parity", Value: "odd"}}, func(w want) bool { return w.odd }},
		{"even in a time range", store.EventQuery{Attr: store.EventAttr{Name: "Parity", Value: "even"}, From: from, To: to},
			func(w want) bool { return !w.odd && !w.time.Before(from) && !w.time.After(to) }},
	} {
		tc.q.Account = "1"
		if got, want := events(t, s, tc.q), expect(tc.keep); got != want {
			t.Errorf("%s: events =\n%s\nwant\n%s", tc.name, got, want)
		}
		var pages []string
		q := tc.q
		q.Limit = 7
		for {
			var page []*store.Event
			view(t, s, func(ctx context.Context, r store.Reader) (err error) { page, err = r.Events(ctx, q); return })
			for _, e := range page {
				pages = append(pages, e.ID)
			}
			if len(page) < q.Limit {
				break
			}
			q.After = page[len(page)-1].Cursor()
		}
		if got, want := strings.Join(pages, " "), expect(tc.keep); got != want {
			t.Errorf("%s, paged by 7: events =\n%s\nwant\n%s", tc.name, got, want)
		}
	}
}

func eventReplacedBySeq(t *testing.T, s store.Store) {
	first := ev("1", "a", t0, "EventName=CreateUser")
	first.Fresh = true
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.AppendEvent(ctx, first) })
	if first.Seq == 0 {
		t.Fatal("AppendEvent left the event's Seq unset")
	}
	appendEvents(t, s, ev("1", "b", t0, "EventName=GetUser"))
	done := ev("1", "a", t0, "EventName=CreateUser", "ErrorCode=none")
	done.Seq, done.Data = first.Seq, []byte(`{"eventID":"a","done":true}`)
	appendEvents(t, s, done)
	if done.Seq <= first.Seq {
		t.Fatalf("the replacement's Seq %d does not follow %d", done.Seq, first.Seq)
	}
	var all []*store.Event
	view(t, s, func(ctx context.Context, r store.Reader) (err error) { all, err = r.EventsSince(ctx, 0, 0); return })
	if len(all) != 2 || all[0].ID != "b" || all[1].ID != "a" || string(all[1].Data) != string(done.Data) {
		t.Fatalf("after replacing a by its Seq: %v", all)
	}
	if got := events(t, s, store.EventQuery{Account: "1", Attr: store.EventAttr{Name: "EventName", Value: "CreateUser"}}); got != "a" {
		t.Fatalf("by name: %q; want the one event a", got)
	}
	if got := events(t, s, store.EventQuery{Account: "1", ID: "a"}); got != "a" {
		t.Fatalf("by ID: %q", got)
	}
}
