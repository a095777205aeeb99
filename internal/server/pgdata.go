package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// openPostgres opens the PostgreSQL database of cfg.Store (applying its migrations) with the master key of the
// data directory, which it checks, or creates for an empty database, as openData does for SQLite (matchKey): every
// node on one database needs a copy of the same master.key in its data directory. Messages name the database by
// its URL without the password.
func openPostgres(ctx context.Context, cfg config.Config, logger *slog.Logger) (*secret.Box, store.Store, error) {
	keyPath := cfg.MasterKeyPath()
	key, err := secret.ReadKey(keyPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("master key: %w", err)
	}
	st, err := postgres.Open(ctx, cfg.Store)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", cfg.StoreRedacted(), err)
	}
	box, err := matchKey(ctx, st, key, keyPath, cfg.StoreRedacted(), keyPath+".new", logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return box, st, nil
}
