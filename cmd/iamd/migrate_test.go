package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
	"github.com/jackc/pgx/v5"
)

// migrateBackend is a store for the migrate tests: the flags that name it, and how to make its schema newer than
// this iamd knows (as a newer iamd leaves it).
type migrateBackend struct {
	name     string
	args     func(t *testing.T, data string) []string
	known    int
	newerBy1 func(t *testing.T, data string, args []string)
}

func migrateBackends() []migrateBackend {
	return []migrateBackend{
		{name: "SQLite", known: sqlite.KnownSchemaVersion(),
			args: func(t *testing.T, data string) []string { return []string{"--data", data} },
			newerBy1: func(t *testing.T, data string, _ []string) {
				db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "iamd.db"))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", sqlite.KnownSchemaVersion()+1)); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "PostgreSQL", known: postgres.KnownSchemaVersion(),
			args: func(t *testing.T, data string) []string {
				url := pgtest.Database(t) // migrated already: emptied, as a new database is
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				if _, err := conn.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
					t.Fatal(err)
				}
				return []string{"--data", data, "--store", url}
			},
			newerBy1: func(t *testing.T, _ string, args []string) {
				ctx := context.Background()
				conn, err := pgx.Connect(ctx, args[3])
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(ctx)
				if _, err := conn.Exec(ctx, "INSERT INTO schema_version (version, applied) VALUES ($1, 0)", postgres.KnownSchemaVersion()+1); err != nil {
					t.Fatal(err)
				}
			}},
	}
}

// refusedServe runs "iamd serve" with args, expecting it to refuse to start: a serve that starts is stopped after
// a while (so that the test fails instead of hanging).
func refusedServe(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout, stderr lockedBuffer
	code := run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// TestMigrateThenServeWithoutMigrating, on each backend: "iamd serve --no-migrate" refuses a new store (its schema
// lacks every migration) and says to run iamd migrate; "iamd migrate" applies them and says from which version to
// which, and again finds nothing to do; then "iamd serve --no-migrate" serves. Once a newer iamd has migrated the
// store, serve (with or without --no-migrate) and migrate refuse it, saying the schema is newer.
func TestMigrateThenServeWithoutMigrating(t *testing.T) {
	for _, b := range migrateBackends() {
		t.Run(b.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			args := b.args(t, data)
			r := refusedServe(t, append(args, "--no-migrate")...)
			if r.code != exitFail || !strings.Contains(r.stderr, "iamd migrate") {
				t.Fatalf("serve --no-migrate on a new store: exit %d, want %d naming iamd migrate\n%s", r.code, exitFail, r.stderr)
			}
			r = runIamd(t, nil, "", append([]string{"migrate"}, args...)...)
			want := regexp.MustCompile(fmt.Sprintf(`schema version 0 → %d \(%d migrations? applied\)`, b.known, b.known))
			if r.code != exitOK || !want.MatchString(r.stdout) {
				t.Fatalf("migrate of a new store: exit %d, stdout %q, want %s\n%s", r.code, r.stdout, want, r.stderr)
			}
			t.Log(strings.TrimSpace(r.stdout))
			if strings.Contains(r.stdout, "password") {
				t.Errorf("migrate names a password: %s", r.stdout)
			}
			r = runIamd(t, nil, "", append([]string{"migrate"}, args...)...)
			if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("schema version %d, up to date", b.known)) {
				t.Fatalf("a second migrate: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
			}

			s := startServe(t, nil, append(args, "--no-migrate")...)
			s.waitFor(t, s.stderr, servingLogRE)
			s.stop(t)

			b.newerBy1(t, data, args)
			for _, extra := range [][]string{nil, {"--no-migrate"}} {
				r := refusedServe(t, append(args, extra...)...)
				if r.code != exitFail || !strings.Contains(r.stderr, "newer than the version") {
					t.Errorf("serve %q on a newer schema: exit %d, want %d saying the schema is newer\n%s", extra, r.code, exitFail, r.stderr)
				}
			}
			r = runIamd(t, nil, "", append([]string{"migrate"}, args...)...)
			if r.code != exitFail || !strings.Contains(r.stderr, "newer than the version") || !strings.Contains(r.stderr, "only go forward") {
				t.Errorf("migrate of a newer schema: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

// TestServeWithoutMigratingRefusesAnOlderSchema: a SQLite database an older iamd left (a migration short) is
// refused by "serve --no-migrate", untouched, and served once "iamd migrate" brought it up.
func TestServeWithoutMigratingRefusesAnOlderSchema(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if r := runIamd(t, nil, "", "migrate", "--data", data); r.code != exitOK {
		t.Fatalf("migrate: exit %d\n%s", r.code, r.stderr)
	}
	known := sqlite.KnownSchemaVersion()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", known-1)); err != nil {
		t.Fatal(err)
	}
	r := refusedServe(t, "--data", data, "--no-migrate")
	if r.code != exitFail || !strings.Contains(r.stderr, fmt.Sprintf("version %d, older than the version %d", known-1, known)) || !strings.Contains(r.stderr, "iamd migrate") {
		t.Fatalf("serve --no-migrate on an older schema: exit %d\n%s", r.code, r.stderr)
	}
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != known-1 {
		t.Fatalf("the refused start moved the schema to %d (%v)", v, err)
	}
}
