package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceOfManyHandles: two handles on one SQLite file (as two iamd processes on one data directory) behave
// as one store.
func TestConformanceOfManyHandles(t *testing.T) {
	storetest.RunNodes(t, func(t *testing.T) func(t *testing.T) store.Store {
		path := filepath.Join(t.TempDir(), "iamd.db")
		return func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(ctx, func(ctx context.Context, r store.Reader) error {
		_, err := r.Setting(ctx, "1", "k")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNewDatabaseFilesAreOwnerOnly: the database, its WAL and its shared-memory file hold sealed secrets and
// password hashes; created in a directory others can enter, with the common umask 022, none may be readable by
// them. SQLite creates -wal and -shm with the database file's mode (and fchmods them to it whatever the umask);
// the test checks that modernc.org/sqlite does so too.
func TestNewDatabaseFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "iamd.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(ctx context.Context, r store.Reader) error { _, err := r.Accounts(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// TestExistingWorldReadableDatabaseIsMadeOwnerOnly: a database created by an earlier iamd (0644) is tightened when
// opened.
func TestExistingWorldReadableDatabaseIsMadeOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want -rw-------", fi.Mode().Perm(), err)
	}
}

// TestDamagedDatabaseIsRefused: a database whose pages are damaged is refused at open with ErrDamaged and a message
// that names the file, instead of serving what can still be read.
func TestDamagedDatabaseIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Fill(t, s, 2000)
	s.Close()
	DamageDatabase(t, path)
	s, err = sqlite.Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("a damaged database opened")
	}
	if !errors.Is(err, sqlite.ErrDamaged) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want ErrDamaged naming %s", err, path)
	}
	t.Log(err)
}

// DamageDatabase overwrites one page in the middle of a closed database file, as a failing disk or a stray write
// would.
func DamageDatabase(t *testing.T, path string) {
	t.Helper()
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Fatalf("%s-wal holds %d bytes: the database was not checkpointed on close", path, fi.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(data[16])<<8 | int(data[17])
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := len(data) / pageSize
	if pages < 10 {
		t.Fatalf("only %d pages: too small to damage in the middle", pages)
	}
	middle := pages / 2 * pageSize
	for i := middle; i < middle+pageSize; i++ {
		data[i] = 0x5a
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestListByARNUsesAnIndex: the decision API finds the sessions of an assumed-role ARN on the request path, so the
// query that selects entities by ARN must search an index, never scan the account's entities (EXPLAIN QUERY PLAN
// of the exact statement List runs).
func TestListByARNUsesAnIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := sqlite.ListStatement(store.ListQuery{Account: "1", Kind: "session", ARN: "arn:aws:sts::1:assumed-role/R/s", Limit: 10})
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "USING INDEX entities_arn (account=? AND kind=? AND arn=?)") || strings.Contains(joined, "TEMP B-TREE") {
		t.Fatalf("plan of %q: %s", q.SQL, joined)
	}
}

// BenchmarkSyncNothingNew is the cost every API request pays on one node: a Sync that finds no other handle's
// commit.
func BenchmarkSyncNothingNew(b *testing.B) {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "iamd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Sync(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSyncWithNothingNewQueriesNothing: a Sync that finds no commit since the last one reads the WAL-index header
// only (no query, no allocation); after another handle's commit it reads the database and sees it.
func TestSyncWithNothingNewQueriesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	a, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := a.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		// A query allocates five times or more; the header's read none (one under the race detector).
		t.Fatalf("Sync with nothing new: %v allocations, want none: it queried the database", n)
	}
	g := a.PolicyGeneration()
	if err := b.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a.PolicyGeneration() <= g {
		t.Fatalf("policy generation %d after another handle's commit, was %d", a.PolicyGeneration(), g)
	}
}

// TestOpenTakesAPathWithURICharacters: a database whose path holds '#', '?' or '%' is opened at that path, not at
// the path cut where a URI would end it.
func TestOpenTakesAPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a#b?c%20d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "iamd.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		return tx.PutMeta(ctx, "k", []byte("v"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("%s: %v (the directory above holds %q)", path, err, names)
	}
	if len(names) != 1 {
		t.Fatalf("files beside the data directory: %q; want only it", names)
	}
}
