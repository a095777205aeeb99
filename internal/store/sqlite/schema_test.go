package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// schemaVersionOf reads the schema version of the SQLite database at path, and sets it first when set >= 0.
func schemaVersionOf(t *testing.T, path string, set int) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if set >= 0 {
		if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", set)); err != nil {
			t.Fatal(err)
		}
	}
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestOpenRefusesNewerSchema: a database a newer iamd migrated is refused, with or without migrations, with a
// SchemaTooNewError that says what to do, and is left as it was.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	newer := sqlite.KnownSchemaVersion() + 1
	schemaVersionOf(t, path, newer)
	for _, o := range []sqlite.Options{{}, {NoMigrate: true}} {
		s, err := sqlite.OpenWith(ctx, path, o)
		if err == nil {
			s.Close()
			t.Fatalf("OpenWith(%+v) accepted a database with a newer schema", o)
		}
		var tooNew *store.SchemaTooNewError
		if !errors.As(err, &tooNew) || tooNew.Database != newer || tooNew.Known != newer-1 {
			t.Fatalf("OpenWith(%+v): err = %#v, want a SchemaTooNewError of version %d", o, err, newer)
		}
		if msg := err.Error(); !strings.Contains(msg, fmt.Sprint(newer)) || !strings.Contains(msg, "newer iamd") {
			t.Fatalf("message %q does not say the schema is newer", msg)
		}
	}
	if v := schemaVersionOf(t, path, -1); v != newer {
		t.Fatalf("schema version after the refusals: %d, want %d", v, newer)
	}
}

// TestOpenWithoutMigratingRefusesAnOlderSchema: opened with NoMigrate, a database that lacks migrations (one an
// older iamd left, or a new file) is refused with a SchemaBehindError that says to run iamd migrate, and is not
// migrated; Open migrates it and says from which version; then NoMigrate opens it.
func TestOpenWithoutMigratingRefusesAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	known := sqlite.KnownSchemaVersion()
	path := filepath.Join(t.TempDir(), "iamd.db")
	db, err := sqlite.MigrateTo(ctx, path, known-1)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlite.OpenWith(ctx, path, sqlite.Options{NoMigrate: true})
	var behind *store.SchemaBehindError
	if !errors.As(err, &behind) || behind.Database != known-1 || behind.Known != known || !strings.Contains(err.Error(), "iamd migrate") {
		t.Fatalf("OpenWith(NoMigrate) of version %d: err = %v, want a SchemaBehindError naming iamd migrate", known-1, err)
	}
	if v := schemaVersionOf(t, path, -1); v != known-1 {
		t.Fatalf("the refused open moved the schema to %d", v)
	}
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Schema(); got != (store.SchemaVersion{Found: known - 1, Current: known}) || got.Applied() != 1 {
		t.Errorf("Schema() = %+v, want found %d, current %d", got, known-1, known)
	}
	s.Close()
	s, err = sqlite.OpenWith(ctx, path, sqlite.Options{NoMigrate: true})
	if err != nil {
		t.Fatalf("OpenWith(NoMigrate) of a current schema: %v", err)
	}
	if got := s.Schema(); got.Applied() != 0 || got.Current != known {
		t.Errorf("Schema() = %+v, want current %d and nothing applied", got, known)
	}
	s.Close()

	_, err = sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "new.db"), sqlite.Options{NoMigrate: true})
	if !errors.As(err, &behind) || behind.Database != 0 {
		t.Fatalf("OpenWith(NoMigrate) of a new file: err = %v, want a SchemaBehindError of version 0", err)
	}
}
