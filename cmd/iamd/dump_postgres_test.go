package main

import (
	"bytes"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

// wroteEventsRE reads the number of events from the summary of "iamd export".
var wroteEventsRE = regexp.MustCompile(`, ([0-9]+) events,`)

// TestMoveFromSQLiteToPostgresAndBackLosesNothing: a served SQLite data directory (users, the root key, the audit
// trail) is exported, imported into a new PostgreSQL database (--store), exported from there, imported into a new
// SQLite directory and exported again: the three dumps are the same bytes, events included, secrets still sealed
// with the same data keys (the master key opens them on every store). iamd serves the PostgreSQL database with the
// root key of the SQLite directory; a second import into it is refused as not empty; and "iamd backup" on it says
// to use pg_dump or iamd export.
func TestMoveFromSQLiteToPostgresAndBackLosesNothing(t *testing.T) {
	url := pgtest.Database(t)
	data, root := firstStart(t)
	tmp := t.TempDir()

	fromSQLite := filepath.Join(tmp, "sqlite.dump")
	r := runIamd(t, nil, "", "export", "--data", data, "-o", fromSQLite)
	if r.code != exitOK {
		t.Fatalf("export of the SQLite directory: exit %d\n%s", r.code, r.stderr)
	}
	t.Log(r.stderr)
	if m := wroteEventsRE.FindStringSubmatch(r.stderr); m == nil || m[1] == "0" {
		t.Fatalf("the dump holds no events: %s", r.stderr)
	}
	first := readFile(t, fromSQLite)

	// Into PostgreSQL: the database named by IAMD_STORE, the master key in the node's data directory.
	pgDir := newDirWithKey(t, data)
	env := map[string]string{"IAMD_STORE": url}
	if r := runIamd(t, env, "", "import", "--data", pgDir, fromSQLite); r.code != exitOK || !strings.Contains(r.stderr, "postgres://") {
		t.Fatalf("import into PostgreSQL: exit %d\n%s", r.code, r.stderr)
	}
	fromPG := filepath.Join(tmp, "pg.dump")
	if r := runIamd(t, nil, "", "export", "--store", url, "--data", pgDir, "-o", fromPG); r.code != exitOK {
		t.Fatalf("export of the PostgreSQL database: exit %d\n%s", r.code, r.stderr)
	}
	if !bytes.Equal(readFile(t, fromPG), first) {
		t.Errorf("export(SQLite) → import(PostgreSQL) → export gives another dump (%d bytes, then %d)", len(first), len(readFile(t, fromPG)))
	}
	if r := runIamd(t, env, "", "import", "--data", pgDir, fromSQLite); r.code != exitFail || !strings.Contains(r.stderr, "not empty") {
		t.Errorf("a second import into PostgreSQL: exit %d\n%s", r.code, r.stderr)
	}

	// And back into SQLite.
	back := newDirWithKey(t, data)
	if r := runIamd(t, nil, "", "import", "--data", back, fromPG); r.code != exitOK {
		t.Fatalf("import into SQLite: exit %d\n%s", r.code, r.stderr)
	}
	again := filepath.Join(tmp, "again.dump")
	if r := runIamd(t, nil, "", "export", "--data", back, "-o", again); r.code != exitOK {
		t.Fatalf("export of the SQLite directory imported from PostgreSQL: exit %d\n%s", r.code, r.stderr)
	}
	if !bytes.Equal(readFile(t, again), first) {
		t.Errorf("… → import(SQLite) → export gives another dump (%d bytes, then %d)", len(first), len(readFile(t, again)))
	}

	// Backups of PostgreSQL are PostgreSQL's.
	if r := runIamd(t, nil, "", "backup", "--store", url, "--data", pgDir, "-o", filepath.Join(tmp, "pg.db")); r.code != exitFail ||
		!strings.Contains(r.stderr, "pg_dump") || !strings.Contains(r.stderr, "iamd export --store") {
		t.Errorf("backup of PostgreSQL: exit %d\n%s", r.code, r.stderr)
	} else if strings.Contains(r.stderr, "password") {
		t.Errorf("the message names a password:\n%s", r.stderr)
	}

	// The sealed root key opens on PostgreSQL: iamd serves the moved store.
	client := newClient(t)
	s := startServe(t, env, "--data", pgDir)
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity with the root key on PostgreSQL: %d %s", code, body)
	}
	name := "user07-" + strings.Repeat("x", 50)
	if code, body := callIAM(t, client, endpoint, root, "Action=GetUser&UserName="+name); code != http.StatusOK {
		t.Errorf("GetUser %s on PostgreSQL: %d %s", name, code, body)
	}
	client.CloseIdleConnections()
	s.stop(t)
}
