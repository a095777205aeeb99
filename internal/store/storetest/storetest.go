// Package storetest is the conformance suite every store implementation must pass: one named test per behaviour
// of the store contract, each on a fresh store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// Run runs every behaviour against stores made by newStore, which must return a fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"InsertThenGetIgnoresCase", insertThenGetIgnoresCase},
		{"InsertRejectsDuplicateNameInAnyCase", insertRejectsDuplicateName},
		{"InsertRejectsDuplicateID", insertRejectsDuplicateID},
		{"SameNameInOtherAccountOrKindIsFine", sameNameElsewhere},
		{"GetByID", getByID},
		{"UpdateReplacesAndMayChangeCase", updateReplaces},
		{"UpdateMissingIsNotFound", updateMissing},
		{"DeleteRemovesAndMissingIsNotFound", deleteRemoves},
		{"ListPagesInNameOrder", listPages},
		{"ListFiltersPathPrefixAndParent", listFilters},
		{"ListFiltersExactARN", listFiltersARN},
		{"CountMatchesList", countMatchesList},
		{"LinksAddListCountRemove", links},
		{"Settings", settings},
		{"FailedUpdateChangesNothing", failedUpdateChangesNothing},
		{"GenerationIncreasesOnCommitOnly", generation},
		{"StampsMoveGenerationNotPolicyGeneration", stampGeneration},
		{"ConcurrentWritersSerialize", concurrentWriters},
		{"Accounts", accounts},
		{"MetaIsStoreWideAndMakesNoAccount", meta},
		{"GetByIDOfUnknownOrEmptyIDIsNotFound", getByIDUnknown},
	}
	tests = append(tests, eventTests...)
	tests = append(tests, enumerateTests...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
	t.Run("DumpExportImportExportGivesTheSameBytes", func(t *testing.T) { dumpRoundTrip(t, newStore) })
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)

func ent(account string, kind store.Kind, name, id string) *store.Entity {
	return &store.Entity{Account: account, Kind: kind, Name: name, Path: "/", ID: id, ARN: "arn:aws:iam::" + account + ":" + string(kind) + "/" + name,
		Created: t0, Data: []byte(`{"n":"` + name + `"}`)}
}

func update(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) error) error {
	t.Helper()
	return s.Update(context.Background(), fn)
}

func mustUpdate(t *testing.T, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := update(t, s, fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s store.Store, fn func(ctx context.Context, r store.Reader) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func insertThenGetIgnoresCase(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, ent("111122223333", "user", "Alice", "AIDA1"))
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		e, err := r.Get(ctx, "111122223333", "user", "aLiCe")
		if err != nil {
			return err
		}
		if e.Name != "Alice" || e.ID != "AIDA1" || !e.Created.Equal(t0) || string(e.Data) != `{"n":"Alice"}` || e.Path != "/" {
			return fmt.Errorf("got %+v", e)
		}
		return nil
	})
}

func insertRejectsDuplicateName(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, ent("1", "user", "Alice", "AIDA1"))
	})
	err := update(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, ent("1", "user", "ALICE", "AIDA2"))
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
}

func insertRejectsDuplicateID(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, ent("1", "user", "a", "AIDA1")) })
	err := update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, ent("2", "role", "b", "AIDA1")) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	// Empty IDs never conflict.
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, ent("1", "setting-like", "x", "")); err != nil {
			return err
		}
		return tx.Insert(ctx, ent("1", "setting-like", "y", ""))
	})
}

func sameNameElsewhere(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, e := range []*store.Entity{ent("1", "user", "a", "U1"), ent("2", "user", "a", "U2"), ent("1", "role", "a", "R1")} {
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func getByID(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, ent("1", "access-key", "AKIA1", "AKIA1"))
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, "AKIA1")
		if err != nil || e.Kind != "access-key" || e.Account != "1" {
			return fmt.Errorf("got %+v, %v", e, err)
		}
		if _, err := r.GetByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing id: %v", err)
		}
		if _, err := r.Get(ctx, "1", "user", "nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing name: %v", err)
		}
		return nil
	})
}

func updateReplaces(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, ent("1", "user", "alice", "U1")) })
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		e := ent("1", "user", "Alice", "U1")
		e.Path, e.Data = "/ops/", []byte(`{"v":2}`)
		return tx.Update(ctx, e)
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		e, err := r.Get(ctx, "1", "user", "alice")
		if err != nil || e.Name != "Alice" || e.Path != "/ops/" || string(e.Data) != `{"v":2}` || !e.Created.Equal(t0) {
			return fmt.Errorf("got %+v, %v", e, err)
		}
		return nil
	})
}

func updateMissing(t *testing.T, s store.Store) {
	err := update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Update(ctx, ent("1", "user", "ghost", "")) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func deleteRemoves(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, ent("1", "user", "alice", "U1")) })
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Delete(ctx, "1", "user", "ALICE") })
	err := update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Delete(ctx, "1", "user", "alice") })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	// The ID is free again.
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, ent("1", "user", "bob", "U1")) })
}

func listPages(t *testing.T, s store.Store) {
	names := []string{"d", "B", "a", "C", "e"}
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, n := range names {
			if err := tx.Insert(ctx, ent("1", "user", n, fmt.Sprint("U", i))); err != nil {
				return err
			}
		}
		return nil
	})
	var got []string
	after := ""
	pages := 0
	for {
		var page store.Page
		view(t, s, func(ctx context.Context, r store.Reader) error {
			var err error
			page, err = r.List(ctx, store.ListQuery{Account: "1", Kind: "user", After: after, Limit: 2})
			return err
		})
		pages++
		for _, e := range page.Entities {
			got = append(got, e.Name)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if fmt.Sprint(got) != "[a B C d e]" || pages != 3 {
		t.Fatalf("got %v in %d pages", got, pages)
	}
}

func listFilters(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, p := range []struct{ name, path, parent string }{{"a", "/", "x"}, {"b", "/ops/", "y"}, {"c", "/ops/db/", "x"}, {"d", "/opsx/", ""}} {
			e := ent("1", "k", p.name, fmt.Sprint("K", i))
			e.Path, e.Parent = p.path, p.parent
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	check := func(q store.ListQuery, want string) {
		t.Helper()
		q.Account, q.Kind = "1", "k"
		view(t, s, func(ctx context.Context, r store.Reader) error {
			page, err := r.List(ctx, q)
			if err != nil {
				return err
			}
			var got []string
			for _, e := range page.Entities {
				got = append(got, e.Name)
			}
			if fmt.Sprint(got) != want {
				return fmt.Errorf("%+v: got %v, want %s", q, got, want)
			}
			return nil
		})
	}
	check(store.ListQuery{}, "[a b c d]")
	check(store.ListQuery{PathPrefix: "/"}, "[a b c d]")
	check(store.ListQuery{PathPrefix: "/ops/"}, "[b c]")
	check(store.ListQuery{PathPrefix: "/ops"}, "[b c d]")
	check(store.ListQuery{Parent: "x"}, "[a c]")
	check(store.ListQuery{Parent: "x", PathPrefix: "/ops/"}, "[c]")
}

// listFiltersARN: ListQuery.ARN selects the entities whose ARN is exactly the one given, in name order, paged
// like any List, never another account's or kind's, and ARNs differing only in case do not match.
func listFiltersARN(t *testing.T, s store.Store) {
	const a1, a2 = "arn:aws:sts::1:assumed-role/R/s1", "arn:aws:sts::1:assumed-role/R/s2"
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for i, p := range []struct {
			account string
			kind    store.Kind
			name    string
			arn     string
		}{{"1", "session", "d", a1}, {"1", "session", "b", a2}, {"1", "session", "a", a1}, {"1", "session", "c", a1},
			{"1", "other", "e", a1}, {"2", "session", "f", a1}, {"1", "session", "g", "arn:aws:sts::1:assumed-role/r/s1"}} {
			e := ent(p.account, p.kind, p.name, fmt.Sprint("S", i))
			e.ARN = p.arn
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		var got []string
		q := store.ListQuery{Account: "1", Kind: "session", ARN: a1, Limit: 2}
		for {
			page, err := r.List(ctx, q)
			if err != nil {
				return err
			}
			for _, e := range page.Entities {
				got = append(got, e.Name)
			}
			if page.Next == "" {
				break
			}
			q.After = page.Next
		}
		if fmt.Sprint(got) != "[a c d]" {
			return fmt.Errorf("ARN %s: got %v, want [a c d]", a1, got)
		}
		n, err := r.Count(ctx, store.ListQuery{Account: "1", Kind: "session", ARN: a1})
		if err != nil || n != 3 {
			return fmt.Errorf("Count = %d, %v; want 3", n, err)
		}
		return nil
	})
}

func countMatchesList(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for i := 0; i < 7; i++ {
			if err := tx.Insert(ctx, ent("1", "user", fmt.Sprint("u", i), fmt.Sprint("U", i))); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		n, err := r.Count(ctx, store.ListQuery{Account: "1", Kind: "user"})
		if err != nil || n != 7 {
			return fmt.Errorf("count = %d, %v", n, err)
		}
		return nil
	})
}

func links(t *testing.T, s store.Store) {
	l := func(from, to string) store.Link {
		return store.Link{Account: "1", Kind: "member", From: from, To: to, Created: t0}
	}
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, x := range []store.Link{l("alice", "dev"), l("alice", "ops"), l("bob", "dev")} {
			if err := tx.Link(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	if err := update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Link(ctx, l("alice", "dev")) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate link: %v", err)
	}
	view(t, s, func(ctx context.Context, r store.Reader) error {
		byUser, err := r.Links(ctx, store.LinkQuery{Account: "1", Kind: "member", From: "alice"})
		if err != nil || len(byUser) != 2 || byUser[0].To != "dev" || byUser[1].To != "ops" || !byUser[0].Created.Equal(t0) {
			return fmt.Errorf("by user: %+v %v", byUser, err)
		}
		n, err := r.CountLinks(ctx, store.LinkQuery{Account: "1", Kind: "member", To: "dev"})
		if err != nil || n != 2 {
			return fmt.Errorf("count to dev = %d, %v", n, err)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Unlink(ctx, l("bob", "dev")) })
	if err := update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Unlink(ctx, l("bob", "dev")) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second unlink: %v", err)
	}
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		n, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: "1", Kind: "member", From: "alice"})
		if err != nil || n != 2 {
			return fmt.Errorf("unlink all = %d, %v", n, err)
		}
		return nil
	})
}

func settings(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "alias", []byte("a")) })
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "alias", []byte("b")) })
	view(t, s, func(ctx context.Context, r store.Reader) error {
		v, err := r.Setting(ctx, "1", "alias")
		if err != nil || string(v) != "b" {
			return fmt.Errorf("got %q, %v", v, err)
		}
		if _, err := r.Setting(ctx, "2", "alias"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("other account: %v", err)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteSetting(ctx, "1", "alias") })
	if err := update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteSetting(ctx, "1", "alias") }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func failedUpdateChangesNothing(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, ent("1", "user", "alice", "U1")); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "1", "alias", []byte("x")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	view(t, s, func(ctx context.Context, r store.Reader) error {
		if _, err := r.Get(ctx, "1", "user", "alice"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("user survived a rolled-back transaction: %v", err)
		}
		if _, err := r.Setting(ctx, "1", "alias"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("setting survived a rolled-back transaction: %v", err)
		}
		return nil
	})
}

func generation(t *testing.T, s store.Store) {
	g0 := s.Generation()
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) })
	g1 := s.Generation()
	if g1 <= g0 {
		t.Fatalf("generation %d after a commit, was %d", g1, g0)
	}
	_ = update(t, s, func(ctx context.Context, tx store.Tx) error { return errors.New("rollback") })
	if s.Generation() != g1 {
		t.Fatal("generation moved on a rollback")
	}
}

func stampGeneration(t *testing.T, s store.Store) {
	ctx := context.Background()
	g0, p0 := s.Generation(), s.PolicyGeneration()
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) })
	g1, p1 := s.Generation(), s.PolicyGeneration()
	if g1 <= g0 || p1 <= p0 {
		t.Fatalf("after an Update: generation %d (was %d), policy generation %d (was %d); want both moved", g1, g0, p1, p0)
	}
	if err := s.View(ctx, func(ctx context.Context, r store.Reader) error { _, err := r.Setting(ctx, "1", "k"); return err }); err != nil {
		t.Fatal(err) // a read a cache may keep
	}
	if err := s.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("w")) }); err != nil {
		t.Fatal(err)
	}
	g2, p2 := s.Generation(), s.PolicyGeneration()
	if g2 <= g1 || p2 != p1 {
		t.Fatalf("after UpdateStamps: generation %d (was %d), policy generation %d (was %d); want only the first moved", g2, g1, p2, p1)
	}
	err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
		v, err := r.Setting(ctx, "1", "k")
		if err == nil && string(v) != "w" {
			err = fmt.Errorf("setting %q after the stamp, want %q", v, "w")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error { return errors.New("rollback") }); err == nil {
		t.Fatal("UpdateStamps hid the function's error")
	}
	if s.Generation() != g2 || s.PolicyGeneration() != p2 {
		t.Fatal("a generation moved on a rolled-back UpdateStamps")
	}
}

func concurrentWriters(t *testing.T, s store.Store) {
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
					// Read-modify-write of one counter: lost updates would show as a wrong total.
					v, err := tx.Setting(ctx, "1", "counter")
					n := 0
					if err == nil {
						fmt.Sscan(string(v), &n)
					} else if !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return tx.PutSetting(ctx, "1", "counter", []byte(fmt.Sprint(n+1)))
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	view(t, s, func(ctx context.Context, r store.Reader) error {
		v, err := r.Setting(ctx, "1", "counter")
		if err != nil || string(v) != fmt.Sprint(writers*each) {
			return fmt.Errorf("counter = %s, %v", v, err)
		}
		return nil
	})
}

func accounts(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, ent("222", "user", "a", "")); err != nil {
			return err
		}
		return tx.PutSetting(ctx, "111", "alias", []byte("x"))
	})
	view(t, s, func(ctx context.Context, r store.Reader) error {
		got, err := r.Accounts(ctx)
		if err != nil || fmt.Sprint(got) != "[111 222]" {
			return fmt.Errorf("accounts = %v, %v", got, err)
		}
		return nil
	})
}

func meta(t *testing.T, s store.Store) {
	view(t, s, func(ctx context.Context, r store.Reader) error {
		if _, err := r.Meta(ctx, "check"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("missing meta: %v, want ErrNotFound", err)
		}
		return nil
	})
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutMeta(ctx, "check", []byte("a")) })
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.PutMeta(ctx, "check", []byte("b")) })
	view(t, s, func(ctx context.Context, r store.Reader) error {
		v, err := r.Meta(ctx, "check")
		if err != nil || string(v) != "b" {
			return fmt.Errorf("meta = %q, %v", v, err)
		}
		if got, err := r.Accounts(ctx); err != nil || len(got) != 0 {
			return fmt.Errorf("accounts = %v, %v; a meta value belongs to no account", got, err)
		}
		return nil
	})
}

// getByIDUnknown: IDs come from requests before they are authenticated; an unknown one, or none, is simply absent,
// again and again.
func getByIDUnknown(t *testing.T, s store.Store) {
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, ent("1", "user", "a", "")) })
	for range 3 {
		view(t, s, func(ctx context.Context, r store.Reader) error {
			for _, id := range []string{"", "AKIAUNKNOWN", "AKIAunknown"} {
				if e, err := r.GetByID(ctx, id); !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("GetByID(%q) = %+v, %v; want ErrNotFound", id, e, err)
				}
			}
			return nil
		})
	}
}
