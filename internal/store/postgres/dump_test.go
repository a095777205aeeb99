package postgres_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/store/storetest"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

// TestDumpMovesBetweenSQLiteAndPostgres: the conformance suite's dump round trip across the backends, both ways
// (SQLite → PostgreSQL → SQLite, and PostgreSQL → SQLite → PostgreSQL): every dump is the first one, byte for byte,
// so names in mixed case, binary data, links, settings, store-wide values and the trail survive either move.
func TestDumpMovesBetweenSQLiteAndPostgres(t *testing.T) {
	lite := func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	pg := func(t *testing.T) store.Store { return open(t, pgtest.Database(t)) }
	t.Run("FromSQLite", func(t *testing.T) { storetest.DumpAcross(t, lite, pg, lite) })
	t.Run("FromPostgreSQL", func(t *testing.T) { storetest.DumpAcross(t, pg, lite, pg) })
}
