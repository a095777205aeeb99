package sqlite_test

import (
	"os"
	"testing"

	"github.com/iamd-dev/iamd/internal/store/storetest"
)

// TestMigrationsAreSafeWhileOlderNodesDrain: no migration drops, renames or retypes what nodes of the release
// before use, or adds a NOT NULL column without a default, unless it carries a documented exception
// (docs/migrations.md).
func TestMigrationsAreSafeWhileOlderNodesDrain(t *testing.T) {
	storetest.MigrationsSafeWhileDraining(t, os.DirFS("migrations"), "internal/store/sqlite/migrations", "../../../docs/migrations.md")
}
