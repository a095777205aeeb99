package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// The helpers of the query-plan tests: a backend's test fills a store with Fill, runs Exercise on it with the
// store's statement trace on (and the conformance suite), then asks its database for the plan of every statement
// it saw and fails on a full scan of a table that grows with the data.

// Fill inserts n entities (users with IDs, access keys owned by them) in three accounts, links, settings and
// events with lookup attributes, in one transaction.
func Fill(t testing.TB, s store.Store, n int) {
	t.Helper()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		for i := range n {
			account := fmt.Sprintf("%012d", 111111111111*(i%3+1))
			name := fmt.Sprintf("user%06d", i)
			e := &store.Entity{Account: account, Kind: "user", Name: name, Path: "/team/", ID: fmt.Sprintf("AIDA%017d", i),
				ARN: "arn:aws:iam::" + account + ":user/team/" + name, Created: created, Data: []byte(`{"n":"` + name + `"}`)}
			if i%2 == 1 {
				e.Kind, e.Name, e.Parent, e.ID = "accesskey", fmt.Sprintf("AKIA%016d", i), fmt.Sprintf("user%06d", i-1), fmt.Sprintf("AKIA%016d", i)
			}
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
			if i%10 == 0 {
				if err := tx.Link(ctx, store.Link{Account: account, Kind: "member", From: "user/" + name, To: "group/g", Created: created}); err != nil {
					return err
				}
				if err := tx.PutSetting(ctx, account, "k"+name, []byte("v")); err != nil {
					return err
				}
			}
			ev := &store.Event{Account: account, ID: fmt.Sprintf("event%06d", i), Time: created.Add(time.Duration(i) * time.Second), Data: []byte("{}"),
				Attrs: []store.EventAttr{{Name: "Username", Value: name}, {Name: "EventName", Value: "CreateUser"}, {Name: "AccessKeyId", Value: e.ID, Latest: true}}}
			if err := tx.AppendEvent(ctx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// errRollback ends a transaction that only exercises statements.
var errRollback = errors.New("rollback")

// Exercise runs every operation of the store contract on a store filled by Fill, with every optional filter of
// List, Count, Links, CountLinks, UnlinkAll and Events set and unset, in views and in write transactions, which it
// rolls back (pruning aside, which removes nothing Fill made).
func Exercise(t testing.TB, s store.Store) {
	t.Helper()
	ctx := context.Background()
	const account = "111111111111"
	var lists []store.ListQuery
	for _, prefix := range []string{"", "/", "/team/"} {
		for _, parent := range []string{"", "user000000"} {
			for _, after := range []string{"", "user000500"} {
				for _, limit := range []int{0, 10} {
					lists = append(lists, store.ListQuery{Account: account, Kind: "user", PathPrefix: prefix, Parent: parent, After: after, Limit: limit})
				}
			}
		}
	}
	lists = append(lists, store.ListQuery{Account: account, Kind: "user", ARN: "arn:aws:iam::" + account + ":user/team/user000000"})
	var links []store.LinkQuery
	for _, from := range []string{"", "user/user000000"} {
		for _, to := range []string{"", "group/g"} {
			links = append(links, store.LinkQuery{Account: account, Kind: "member", From: from, To: to})
		}
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var events []store.EventQuery
	for _, attr := range []store.EventAttr{{}, {Name: "Username", Value: "user000000"}} {
		for _, id := range []string{"", "event000000"} {
			for _, after := range []store.EventCursor{{}, {Time: t0.Add(time.Hour), Seq: 100}} {
				for _, limit := range []int{0, 10} {
					events = append(events, store.EventQuery{Account: account, Attr: attr, ID: id, From: t0, To: t0.Add(24 * time.Hour), After: after, Limit: limit})
				}
			}
		}
	}
	reads := func(ctx context.Context, r store.Reader) error {
		for _, q := range lists {
			if _, err := r.List(ctx, q); err != nil {
				return err
			}
			if _, err := r.Count(ctx, q); err != nil {
				return err
			}
		}
		for _, q := range links {
			if _, err := r.Links(ctx, q); err != nil {
				return err
			}
			if _, err := r.CountLinks(ctx, q); err != nil {
				return err
			}
		}
		for _, name := range []string{"user000000", "nobody"} {
			if _, err := r.Get(ctx, account, "user", name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		for _, id := range []string{"AIDA00000000000000000", "AKIAUNKNOWNUNKNOWN00"} {
			if _, err := r.GetByID(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		for _, k := range []string{"kuser000000", "nothing"} {
			if _, err := r.Setting(ctx, account, k); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if _, err := r.Meta(ctx, "nothing"); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, q := range events {
			evs, err := r.Events(ctx, q)
			if err != nil {
				return err
			}
			if err := r.ReadEventAttrs(ctx, evs); err != nil {
				return err
			}
		}
		if _, err := r.Kinds(ctx, account); err != nil {
			return err
		}
		if _, err := r.LinkKinds(ctx, account); err != nil {
			return err
		}
		if _, err := r.SettingKeys(ctx, account); err != nil {
			return err
		}
		if _, err := r.MetaKeys(ctx); err != nil {
			return err
		}
		for _, limit := range []int{0, 10} {
			if _, err := r.EventsSince(ctx, 100, limit); err != nil {
				return err
			}
		}
		_, err := r.Accounts(ctx)
		return err
	}
	if err := s.View(ctx, reads); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := reads(ctx, tx); err != nil {
			return err
		}
		e := &store.Entity{Account: account, Kind: "user", Name: "new", Path: "/", ID: "AIDANEWNEWNEWNEWNEW01", Created: time.Now(), Data: []byte("{}")}
		if err := tx.Insert(ctx, e); err != nil {
			return err
		}
		if err := tx.Update(ctx, e); err != nil {
			return err
		}
		if err := tx.Delete(ctx, account, "user", "new"); err != nil {
			return err
		}
		l := store.Link{Account: account, Kind: "member", From: "user/x", To: "group/y", Created: time.Now()}
		if err := tx.Link(ctx, l); err != nil {
			return err
		}
		if err := tx.Unlink(ctx, l); err != nil {
			return err
		}
		for _, q := range links {
			if _, err := tx.UnlinkAll(ctx, q); err != nil {
				return err
			}
		}
		if err := tx.PutSetting(ctx, account, "s", []byte("v")); err != nil {
			return err
		}
		if err := tx.DeleteSetting(ctx, account, "s"); err != nil {
			return err
		}
		if err := tx.PutMeta(ctx, "m", []byte("v")); err != nil {
			return err
		}
		// A new event, and the replacement of one Fill made.
		for _, id := range []string{"event-new", "event000000"} {
			if err := tx.AppendEvent(ctx, &store.Event{Account: account, ID: id, Time: t0, Data: []byte("{}"), Attrs: []store.EventAttr{{Name: "Username", Value: "user000000"}}}); err != nil {
				return err
			}
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if _, err := s.PruneEvents(ctx, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}
