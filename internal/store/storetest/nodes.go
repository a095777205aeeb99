package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
)

// NewDatabase makes a fresh, empty database for one test and returns how to open a handle on it: each call of
// the function it returns opens one more handle (one more iamd node) on that same database. The suite closes
// every handle it opens.
type NewDatabase func(t *testing.T) (open func(t *testing.T) store.Store)

// RunNodes runs the behaviours of many handles on one database (the store contract's "Many handles on one
// database"): what one handle commits, another sees by Sync; names stay unique and read-then-write checks hold
// when the handles write at once.
func RunNodes(t *testing.T, newDatabase NewDatabase) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b store.Store)
	}{
		{"SyncSeesAnotherHandlesCommit", syncSeesCommit},
		{"SyncAfterAnotherHandlesStampsMovesOnlyGeneration", syncSeesStamps},
		{"SyncWithNothingNewMovesNothing", syncNothingNew},
		{"ForeignPolicyGenerationMovesForAnotherHandlesUpdateOnly", foreignPolicyGeneration},
		{"ACommitOverAnUnseenUpdateMovesForeignPolicyGeneration", foreignAbsorbed},
		{"ForeignPolicyGenerationMovesUnderConcurrentSyncsAndCommits", foreignConcurrent},
		{"SyncIgnoresRolledBackUpdates", syncIgnoresRollback},
		{"CachedReadsAreRetiredBySync", syncRetiresCachedReads},
		{"NamesStayUniqueUnderConcurrentInsertsOnTwoHandles", uniqueAcrossHandles},
		{"ReadThenWriteChecksHoldAcrossHandles", quotaAcrossHandles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := newDatabase(t)
			a := open(t)
			t.Cleanup(func() { a.Close() })
			b := open(t)
			t.Cleanup(func() { b.Close() })
			tt.fn(t, a, b)
		})
	}
}

func mustSync(t *testing.T, s store.Store) {
	t.Helper()
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func readSetting(t *testing.T, s store.Store, key string) string {
	t.Helper()
	var v []byte
	err := s.View(context.Background(), func(ctx context.Context, r store.Reader) (err error) {
		v, err = r.Setting(ctx, "1", key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "<none>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func syncSeesCommit(t *testing.T, a, b store.Store) {
	mustSync(t, b)
	g0, p0 := b.Generation(), b.PolicyGeneration()
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) })
	mustSync(t, b)
	if g, p := b.Generation(), b.PolicyGeneration(); g <= g0 || p <= p0 {
		t.Fatalf("after another handle's Update and Sync: generation %d (was %d), policy generation %d (was %d); want both moved", g, g0, p, p0)
	}
	if got := readSetting(t, b, "k"); got != "v" {
		t.Fatalf("setting read through the other handle = %s, want v", got)
	}
}

func syncSeesStamps(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	mustSync(t, b)
	g0, p0 := b.Generation(), b.PolicyGeneration()
	if err := a.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	if g, p := b.Generation(), b.PolicyGeneration(); g <= g0 || p != p0 {
		t.Fatalf("after another handle's UpdateStamps and Sync: generation %d (was %d), policy generation %d (was %d); want only the first moved", g, g0, p, p0)
	}
}

// syncNothingNew: a Sync that finds no commit of another handle (none at all, or only this handle's own) moves
// nothing, so a single node's caches are not retired by the Sync of every request.
func syncNothingNew(t *testing.T, a, b store.Store) {
	mustSync(t, a)
	g0, p0 := a.Generation(), a.PolicyGeneration()
	mustSync(t, a)
	if a.Generation() != g0 || a.PolicyGeneration() != p0 {
		t.Fatal("a Sync with no commit anywhere moved a generation")
	}
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) })
	g1, p1 := a.Generation(), a.PolicyGeneration()
	mustSync(t, a)
	if a.Generation() != g1 || a.PolicyGeneration() != p1 {
		t.Fatalf("Sync after the handle's own commit moved generations %d/%d to %d/%d", g1, p1, a.Generation(), a.PolicyGeneration())
	}
}

// foreignPolicyGeneration: ForeignPolicyGeneration stays where it is through the handle's own commits and the Syncs
// after them, and through another handle's UpdateStamps; Sync after another handle's Update moves it to the
// handle's PolicyGeneration.
func foreignPolicyGeneration(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	mustSync(t, b)
	f0 := b.ForeignPolicyGeneration()
	if f0 > b.PolicyGeneration() {
		t.Fatalf("ForeignPolicyGeneration %d past PolicyGeneration %d", f0, b.PolicyGeneration())
	}
	mustUpdate(t, b, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("own")) })
	if err := b.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "s", []byte("own")) }); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	if f := b.ForeignPolicyGeneration(); f != f0 {
		t.Fatalf("the handle's own commits moved ForeignPolicyGeneration %d to %d", f0, f)
	}
	if err := a.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "s", []byte("a")) }); err != nil {
		t.Fatal(err)
	}
	mustSync(t, b)
	if f := b.ForeignPolicyGeneration(); f != f0 {
		t.Fatalf("another handle's UpdateStamps moved ForeignPolicyGeneration %d to %d", f0, f)
	}
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("a")) })
	mustSync(t, b)
	if f, p := b.ForeignPolicyGeneration(), b.PolicyGeneration(); f <= f0 || f != p {
		t.Fatalf("after another handle's Update and Sync: ForeignPolicyGeneration %d (was %d), PolicyGeneration %d; want it moved to PolicyGeneration", f, f0, p)
	}
}

// foreignAbsorbed: a commit (Update or UpdateStamps) through a handle that has not yet seen another handle's Update
// moves PolicyGeneration past it, and ForeignPolicyGeneration with it: a consumer that follows other handles'
// changes misses none of them for a commit of its own that came first.
func foreignAbsorbed(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	for _, own := range []struct {
		name  string
		write func(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error
	}{{"Update", b.Update}, {"UpdateStamps", b.UpdateStamps}} {
		mustSync(t, b)
		f0 := b.ForeignPolicyGeneration()
		mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte(own.name)) })
		if err := own.write(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "o", []byte(own.name)) }); err != nil {
			t.Fatal(err)
		}
		if f, p := b.ForeignPolicyGeneration(), b.PolicyGeneration(); f <= f0 || f > p {
			t.Fatalf("%s over another handle's unseen Update: ForeignPolicyGeneration %d (was %d), PolicyGeneration %d", own.name, f, f0, p)
		}
	}
}

// foreignConcurrent: while the handle syncs and commits from other goroutines, a Sync that begins after another
// handle's Update returned has moved ForeignPolicyGeneration past where it was before that Update, whichever call
// (this Sync, a concurrent one, or a commit of the handle) brought the Update in.
func foreignConcurrent(t *testing.T, a, b store.Store) {
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				if i == 0 {
					err = b.Update(ctx, func(ctx context.Context, tx store.Tx) error {
						return tx.PutSetting(ctx, "1", "own", []byte(fmt.Sprint(n)))
					})
				} else {
					err = b.Sync(ctx)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()
	for n := range 50 {
		f0 := b.ForeignPolicyGeneration()
		mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error {
			return tx.PutSetting(ctx, "1", "k", []byte(fmt.Sprint(n)))
		})
		mustSync(t, b)
		if f := b.ForeignPolicyGeneration(); f <= f0 {
			t.Fatalf("update %d: ForeignPolicyGeneration %d after another handle's Update and a Sync, was %d", n, f, f0)
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
	}
}

func syncIgnoresRollback(t *testing.T, a, b store.Store) {
	mustSync(t, b)
	g0, p0 := b.Generation(), b.PolicyGeneration()
	if err := update(t, a, func(ctx context.Context, tx store.Tx) error {
		if err := tx.PutSetting(ctx, "1", "k", []byte("v")); err != nil {
			return err
		}
		return errors.New("rollback")
	}); err == nil {
		t.Fatal("Update hid the function's error")
	}
	mustSync(t, b)
	if b.Generation() != g0 || b.PolicyGeneration() != p0 {
		t.Fatal("Sync moved a generation for a rolled-back Update of another handle")
	}
}

// syncRetiresCachedReads: a read that a cache in front of the store may keep (a point read, the same one twice)
// gives the other handle's new value once Sync has run.
func syncRetiresCachedReads(t *testing.T, a, b store.Store) {
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v1")) })
	mustSync(t, b)
	for range 2 {
		if got := readSetting(t, b, "k"); got != "v1" {
			t.Fatalf("setting = %s, want v1", got)
		}
	}
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v2")) })
	mustSync(t, b)
	if got := readSetting(t, b, "k"); got != "v2" {
		t.Fatalf("setting after another handle's commit and Sync = %s, want v2", got)
	}
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error { return tx.DeleteSetting(ctx, "1", "k") })
	mustSync(t, b)
	if got := readSetting(t, b, "k"); got != "<none>" {
		t.Fatalf("setting after another handle deleted it and Sync = %s, want none", got)
	}
}

// uniqueAcrossHandles: writers on two handles insert the same name in different cases at once: exactly one wins,
// every other gets ErrConflict.
func uniqueAcrossHandles(t *testing.T, a, b store.Store) {
	const perHandle = 8
	names := []string{"Alice", "ALICE", "alice", "aLiCe"}
	var wg sync.WaitGroup
	results := make(chan error, 2*perHandle)
	for i, s := range []store.Store{a, b} {
		for j := range perHandle {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := names[(i+j)%len(names)]
				results <- s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
					return tx.Insert(ctx, ent("1", "user", name, fmt.Sprintf("AIDA%d%d", i, j)))
				})
			}()
		}
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("insert: %v, want nil or ErrConflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d inserts of the same name succeeded, want exactly 1", won)
	}
}

// quotaAcrossHandles: writers on two handles each count a user's keys and add one if fewer than the quota: the
// count must never pass the quota (a check made on what the transaction read holds at its commit).
func quotaAcrossHandles(t *testing.T, a, b store.Store) {
	const quota, perHandle = 2, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	for i, s := range []store.Store{a, b} {
		for j := range perHandle {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
					n, err := tx.Count(ctx, store.ListQuery{Account: "1", Kind: "accesskey", Parent: "alice"})
					if err != nil || n >= quota {
						return err
					}
					e := ent("1", "accesskey", fmt.Sprintf("AKIA%d%d", i, j), fmt.Sprintf("AKIA%d%d", i, j))
					e.Parent = "alice"
					return tx.Insert(ctx, e)
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, err.Error())
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("updates failed: %s", strings.Join(errs, "; "))
	}
	mustSync(t, a)
	var n int
	view(t, a, func(ctx context.Context, r store.Reader) (err error) {
		n, err = r.Count(ctx, store.ListQuery{Account: "1", Kind: "accesskey", Parent: "alice"})
		return err
	})
	if n != quota {
		t.Fatalf("%d keys after concurrent writers on two handles checked a quota of %d", n, quota)
	}
}
