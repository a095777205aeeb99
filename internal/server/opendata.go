package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// ErrNoData is returned by OpenData for a data directory without a database.
var ErrNoData = errors.New("no iamd database")

// OpenData opens the database of an existing data directory with its master key, as serve does (openData refuses
// a key and a database that do not belong together), for a command that reads the stored data, such as
// "iamd events export". It works beside a running server on the same directory (SQLite in WAL mode) or database
// (cfg.Store, PostgreSQL). A directory without a SQLite database is refused with ErrNoData, never created. The
// caller closes the store.
func OpenData(ctx context.Context, cfg config.Config, logger *slog.Logger) (store.Store, *secret.Box, error) {
	if cfg.UsesPostgres() {
		// The database is on the server; the data directory holds the master key.
	} else if _, err := os.Stat(cfg.DatabasePath()); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%w in %s (%s is missing)", ErrNoData, cfg.DataDir, cfg.DatabasePath())
	} else if err != nil {
		return nil, nil, err
	}
	box, st, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	return st, box, nil
}
