package server

import (
	"context"
	"fmt"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// MigrateStore applies the migrations the store cfg names lacks ("iamd migrate"): the PostgreSQL database of
// cfg.Store, or the data directory's SQLite database (created, with the directory, when absent; refused when
// missing next to the directory's master key, as serve refuses it). It needs no master key and writes no data, only
// the schema. It returns the version found and the version left, and names the store (without a password). A
// schema newer than this iamd knows is refused (*store.SchemaTooNewError), as serve refuses it. It runs beside
// serving nodes: the migrations that docs/migrations.md allows keep the nodes of the release before working.
func MigrateStore(ctx context.Context, cfg config.Config) (store.SchemaVersion, string, error) {
	if cfg.UsesPostgres() {
		st, err := postgres.Open(ctx, cfg.Store)
		if err != nil {
			return store.SchemaVersion{}, cfg.StoreRedacted(), fmt.Errorf("open %s: %w", cfg.StoreRedacted(), err)
		}
		defer st.Close()
		return st.Schema(), cfg.StoreRedacted(), nil
	}
	if err := checkMissingDatabase(cfg); err != nil {
		return store.SchemaVersion{}, cfg.DatabasePath(), err
	}
	if err := cfg.EnsureDataDir(); err != nil {
		return store.SchemaVersion{}, cfg.DatabasePath(), err
	}
	st, err := sqlite.Open(ctx, cfg.DatabasePath())
	if err != nil {
		return store.SchemaVersion{}, cfg.DatabasePath(), err
	}
	defer st.Close()
	return st.Schema(), cfg.DatabasePath(), nil
}
