package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5/pgconn"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/iamd-dev/iamd/internal/store/storetest"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// open opens a store on url, closed when t ends.
func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestConformance runs every behaviour of the store contract, then checks the query plan of every statement the
// behaviours and storetest.Exercise run (checkPlans).
func TestConformance(t *testing.T) {
	seen := &statements{seen: map[string][]any{}}
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		postgres.SetTrace(s, seen.trace)
		return s
	})
	t.Run("EveryStatementUsesAnIndex", func(t *testing.T) { checkPlans(t, seen) })
}

// TestNodesConformance: the behaviours of many handles (nodes) on one database.
func TestNodesConformance(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) func(t *testing.T) store.Store {
		url := pgtest.Database(t)
		return func(t *testing.T) store.Store {
			s, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	})
}

// TestUpdateIsNotRetriedOnceItsFunctionRan: the contract runs an Update's function once, so a serialization
// failure raised after it began is returned, not retried.
func TestUpdateIsNotRetriedOnceItsFunctionRan(t *testing.T) {
	s := open(t, pgtest.Database(t))
	calls := 0
	err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		calls++
		return &pgconn.PgError{Code: "40001", Message: "test"}
	})
	if err == nil || calls != 1 {
		t.Fatalf("Update ran its function %d times, err %v; want once, with the error", calls, err)
	}
}

// TestTwoNodesSeeEachOthersWrites: two stores on one database are two iamd nodes; a write committed through one
// is read by the next transaction of the other, and the database's generations count the writes of both.
func TestTwoNodesSeeEachOthersWrites(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	a, b := open(t, url), open(t, url)
	g0, p0, err := b.DatabaseGenerations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, a, func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, ent("1", "user", "Alice", "AIDA1"))
	})
	err = b.View(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, "AIDA1")
		if err == nil && e.Name != "Alice" {
			err = fmt.Errorf("got %+v", e)
		}
		return err
	})
	if err != nil {
		t.Fatalf("node b after node a's insert: %v", err)
	}
	mustUpdate(t, b, func(ctx context.Context, tx store.Tx) error { return tx.Delete(ctx, "1", "user", "alice") })
	err = a.View(ctx, func(ctx context.Context, r store.Reader) error {
		_, err := r.Get(ctx, "1", "user", "ALICE")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("node a after node b's delete: %v, want ErrNotFound", err)
	}
	if err := a.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	g1, p1, err := a.DatabaseGenerations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g1-g0 != 3 || p1-p0 != 2 {
		t.Fatalf("database generations moved by %d and %d; want 3 (two updates and a stamp) and 2 (the updates)", g1-g0, p1-p0)
	}
}

// TestConcurrentConflictingInsertsOnTwoNodes: the same name (in another case) or the same ID inserted at once
// through two nodes: one insert wins, the other gets ErrConflict, never both or neither; and a quota checked by
// counting in the transaction holds across nodes.
func TestConcurrentConflictingInsertsOnTwoNodes(t *testing.T) {
	url := pgtest.Database(t)
	nodes := []*postgres.Store{open(t, url), open(t, url)}
	race := func(round int, mk func(node int) *store.Entity) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, len(nodes))
		startGate := make(chan struct{})
		for i, s := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startGate
				errs[i] = s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error { return tx.Insert(ctx, mk(i)) })
			}()
		}
		close(startGate)
		wg.Wait()
		wins, conflicts := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if wins != 1 || conflicts != 1 {
			t.Fatalf("round %d: %d inserts won and %d conflicted (%v); want one of each", round, wins, conflicts, errs)
		}
	}
	for round := range 20 {
		race(round, func(node int) *store.Entity {
			name := fmt.Sprintf("user%d", round)
			if node == 1 {
				name = strings.ToUpper(name)
			}
			return ent("1", "user", name, fmt.Sprintf("AIDA%d-%d", round, node))
		})
		race(round, func(node int) *store.Entity {
			return ent("1", "role", fmt.Sprintf("role%d-%d", round, node), fmt.Sprintf("AROA%d", round))
		})
	}

	// A quota of 5 groups, counted in the transaction by 2 nodes × 5 writers racing to add 20.
	const quota = 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2 {
				err := nodes[w%2].Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
					n, err := tx.Count(ctx, store.ListQuery{Account: "1", Kind: "group"})
					if err != nil || n >= quota {
						return err
					}
					if err := tx.Insert(ctx, ent("1", "group", fmt.Sprintf("g%d-%d", w, i), "")); err != nil {
						return err
					}
					mu.Lock()
					created++
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var n int
	err := nodes[0].View(context.Background(), func(ctx context.Context, r store.Reader) (err error) {
		n, err = r.Count(ctx, store.ListQuery{Account: "1", Kind: "group"})
		return err
	})
	if err != nil || n != quota || created != quota {
		t.Fatalf("%d groups stored, %d inserts committed (%v); want the quota, %d", n, created, err, quota)
	}
}

// TestOpenRefusesNewerSchema: a database a newer iamd migrated is refused with a SchemaTooNewError that says what to
// do, and is left as it was.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	newer := postgres.KnownSchemaVersion() + 1
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, "INSERT INTO schema_version (version, applied) VALUES ($1, 0)", newer); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, url)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
	var tooNew *postgres.SchemaTooNewError
	if !errors.As(err, &tooNew) || tooNew.Database != newer || tooNew.Known != newer-1 {
		t.Fatalf("err = %#v, want a SchemaTooNewError of version %d", err, newer)
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(newer)) || !strings.Contains(msg, "newer") {
		t.Fatalf("message %q does not say the schema is newer", msg)
	}
	var version int
	if err := conn.QueryRow(ctx, "SELECT max(version) FROM schema_version").Scan(&version); err != nil || version != newer {
		t.Fatalf("schema version after the refusal: %d, %v", version, err)
	}
}

// TestNodesStartingTogetherMigrateOnce: nodes that open an empty database at once apply the migrations once (the
// advisory lock makes the others wait, then find the schema current), and all start.
func TestNodesStartingTogetherMigrateOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	const nodes = 4
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			s, err := postgres.Open(ctx, url)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var rows, version int
	if err := conn.QueryRow(ctx, "SELECT count(*), max(version) FROM schema_version").Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if known := postgres.KnownSchemaVersion(); rows != known || version != known {
		t.Fatalf("schema_version has %d rows up to %d; want each of the %d migrations once", rows, version, known)
	}
}

// TestEventsByID: EventQuery.ID keeps the one event with that ID, within the account and with the other filters.
func TestEventsByID(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	evs := []*store.Event{
		{Account: "1", ID: "a", Time: t0, Data: []byte("a"), Attrs: []store.EventAttr{{Name: "Username", Value: "alice"}}},
		{Account: "1", ID: "b", Time: t0.Add(time.Second), Data: []byte("b"), Attrs: []store.EventAttr{{Name: "Username", Value: "alice"}}},
		{Account: "2", ID: "c", Time: t0, Data: []byte("c")},
	}
	if err := s.AppendEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    store.EventQuery
		want string
	}{
		{store.EventQuery{Account: "1", ID: "a"}, "a"},
		{store.EventQuery{Account: "1", ID: "c"}, ""},
		{store.EventQuery{Account: "1", ID: "b", Attr: store.EventAttr{Name: "Username", Value: "alice"}}, "b"},
		{store.EventQuery{Account: "1", ID: "b", Attr: store.EventAttr{Name: "Username", Value: "bob"}}, ""},
		{store.EventQuery{Account: "1", ID: "b", To: t0}, ""},
		{store.EventQuery{Account: "1", ID: "nope"}, ""},
	} {
		var got []string
		err := s.View(ctx, func(ctx context.Context, r store.Reader) error {
			evs, err := r.Events(ctx, tc.q)
			for _, e := range evs {
				got = append(got, e.ID)
				if !e.Time.Equal(evs[0].Time) || e.Seq == 0 {
					return fmt.Errorf("event read back as %+v", e)
				}
			}
			return err
		})
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%+v: got %q, %v; want %q", tc.q, got, err, tc.want)
		}
	}
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func ent(account string, kind store.Kind, name, id string) *store.Entity {
	return &store.Entity{Account: account, Kind: kind, Name: name, Path: "/", ID: id, ARN: "arn:aws:iam::" + account + ":" + string(kind) + "/" + name,
		Created: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Data: []byte(`{}`)}
}

func mustUpdate(t testing.TB, s store.Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// TestSerializationFailuresAndDeadlocksAreRetried: one of the store's own writes (events) that fails with a
// serialization failure (40001) or a deadlock (40P01) runs again, a bounded number of times, and its error comes
// back once they are spent; other errors are not retried. (An Update's function is not: see
// TestUpdateIsNotRetriedOnceItsFunctionRan.)
func TestSerializationFailuresAndDeadlocksAreRetried(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	raise := func(code string) string {
		return "DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '" + code + "'; END $$"
	}
	for _, tc := range []struct {
		code     string
		failures int // attempts that fail before one succeeds
		attempts int
		ok       bool
	}{
		{"40001", 2, 3, true},
		{"40P01", 1, 2, true},
		{"40001", 100, postgres.MaxAttempts, false},
		{"23505", 1, 1, false},
		{"XX000", 1, 1, false},
	} {
		attempts := 0
		err := postgres.WriteRaw(s, ctx, func(ctx context.Context, exec func(string) error) error {
			attempts++
			if attempts <= tc.failures {
				return exec(raise(tc.code))
			}
			return exec("SELECT 1")
		})
		if attempts != tc.attempts || (err == nil) != tc.ok {
			t.Errorf("SQLSTATE %s failing %d times: %d attempts, err %v; want %d attempts, success %t", tc.code, tc.failures, attempts, err, tc.attempts, tc.ok)
		}
	}
}

// TestUpdateToATakenIDConflicts: an Update that gives an entity another's ID breaks the unique index (SQLSTATE
// 23505), which is ErrConflict, and changes nothing.
func TestUpdateToATakenIDConflicts(t *testing.T) {
	s := open(t, pgtest.Database(t))
	mustUpdate(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, ent("1", "user", "a", "AIDA1")); err != nil {
			return err
		}
		return tx.Insert(ctx, ent("1", "user", "b", "AIDA2"))
	})
	err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error { return tx.Update(ctx, ent("1", "user", "b", "AIDA1")) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	err = s.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, "AIDA2")
		if err == nil && e.Name != "b" {
			err = fmt.Errorf("got %+v", e)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenWithoutMigrating: opened with NoMigrate, a new database (no schema) or one that lacks a migration is
// refused with a SchemaBehindError that says to run iamd migrate, and is left as it was; a newer schema is refused as
// by Open; Open migrates and says from which version; then NoMigrate opens it.
func TestOpenWithoutMigrating(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	conn := connect(t, url)
	known := postgres.KnownSchemaVersion()
	noMigrate := postgres.Options{NoMigrate: true}

	s, err := postgres.OpenWith(ctx, url, noMigrate)
	if err != nil {
		t.Fatalf("OpenWith(NoMigrate) of a migrated database: %v", err)
	}
	if got := s.Schema(); got != (store.SchemaVersion{Found: known, Current: known}) {
		t.Errorf("Schema() = %+v, want %d, nothing applied", got, known)
	}
	s.Close()

	if _, err := conn.Exec(ctx, "INSERT INTO schema_version (version, applied) VALUES ($1, 0)", known+1); err != nil {
		t.Fatal(err)
	}
	var tooNew *postgres.SchemaTooNewError
	if _, err := postgres.OpenWith(ctx, url, noMigrate); !errors.As(err, &tooNew) {
		t.Fatalf("OpenWith(NoMigrate) of a newer schema: err = %v, want a SchemaTooNewError", err)
	}

	if _, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	var behind *store.SchemaBehindError
	_, err = postgres.OpenWith(ctx, url, noMigrate)
	if !errors.As(err, &behind) || behind.Database != 0 || behind.Known != known || !strings.Contains(err.Error(), "iamd migrate") {
		t.Fatalf("OpenWith(NoMigrate) of a new database: err = %v, want a SchemaBehindError naming iamd migrate", err)
	}
	var tables int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("the refused open left %d tables (%v)", tables, err)
	}
	s, err = postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Schema(); got != (store.SchemaVersion{Found: 0, Current: known}) {
		t.Errorf("Schema() after migrating a new database = %+v, want 0 → %d", got, known)
	}
	s.Close()
}
