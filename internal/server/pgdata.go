package server

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/postgres"
)

// openStore opens the store cfg names with its master key: PostgreSQL when cfg.Store is a PostgreSQL URL
// (openPostgres), else the data directory's SQLite database (openData).
func openStore(ctx context.Context, cfg config.Config, logger *slog.Logger) (*secret.Box, store.Store, error) {
	if cfg.UsesPostgres() {
		return openPostgres(ctx, cfg, logger)
	}
	return openData(ctx, cfg, logger)
}

// openPostgres opens the PostgreSQL database of cfg.Store (applying its migrations) and opens its data keys with the
// node's master key (openBox, as openData does for SQLite): every node on one database is given a master key that
// wraps its data keys (the same master.key, --master-key-file or IAMD_MASTER_KEY). Messages name the database by its
// URL without the password.
func openPostgres(ctx context.Context, cfg config.Config, logger *slog.Logger) (*secret.Box, store.Store, error) {
	st, err := postgres.OpenWith(ctx, cfg.Store, postgres.Options{NoMigrate: cfg.NoMigrate})
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", cfg.StoreRedacted(), err)
	}
	box, err := openBox(ctx, st, cfg, cfg.StoreRedacted(), logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return box, st, nil
}
