package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store/dump"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// ErrDumpKey is wrapped by the error of ImportData for a dump whose secrets the data directory's master key does
// not open (or a directory without a key).
var ErrDumpKey = errors.New("the master key does not open the dump")

// ExportData writes a dump of the data directory's store to w ("iamd export"); the directory's key must open its
// database, as for serve, so that the dump opens wherever that key is. It works beside a running server: the dump
// is one consistent state of the store.
func ExportData(ctx context.Context, cfg config.Config, w io.Writer, logger *slog.Logger) (dump.Counts, error) {
	st, _, err := OpenData(ctx, cfg, logger)
	if err != nil {
		return dump.Counts{}, err
	}
	defer st.Close()
	return dump.Export(ctx, st, w)
}

// ImportData reads a dump into the data directory ("iamd import"), all or nothing. The directory must hold the
// master key of the directory the dump was exported from (its secrets are sealed with that key; the dump's key
// check says whether it does) and no data: no database, or one that holds nothing but the key check of a first
// start. A database the import created is removed again when the import fails.
func ImportData(ctx context.Context, cfg config.Config, r io.Reader) (dump.Counts, error) {
	keyPath, dbPath := cfg.MasterKeyPath(), cfg.DatabasePath()
	key, err := secret.ReadKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		return dump.Counts{}, fmt.Errorf("%w: %s has no master key (%s): a dump's secrets are sealed with the master key of the data directory it was exported from; copy that key file there first",
			ErrDumpKey, cfg.DataDir, keyPath)
	}
	if err != nil {
		return dump.Counts{}, fmt.Errorf("master key: %w", err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return dump.Counts{}, fmt.Errorf("master key %s: %w", keyPath, err)
	}
	_, statErr := os.Stat(dbPath)
	created := errors.Is(statErr, fs.ErrNotExist)
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return dump.Counts{}, err
	}
	n, err := dump.Import(ctx, st, r, dump.Options{
		Replace: []string{keyCheckMeta},
		CheckMeta: func(meta map[string][]byte) error {
			check, ok := meta[keyCheckMeta]
			if !ok {
				return fmt.Errorf("%w: the dump holds no master key check, so nothing tells which key its secrets are sealed with", ErrDumpKey)
			}
			if box.Verify(check) != nil {
				return fmt.Errorf("%w: the master key %s is not the key the dump's secrets are sealed with: copy the master key of the data directory it was exported from to %s",
					ErrDumpKey, keyPath, keyPath)
			}
			return nil
		},
	})
	closeErr := st.Close()
	if err == nil {
		err = closeErr
	}
	if err != nil && created {
		for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
			os.Remove(p)
		}
	}
	if errors.Is(err, dump.ErrNotEmpty) {
		err = fmt.Errorf("%w (%s); import into a new data directory that holds only the master key", err, dbPath)
	}
	return n, err
}

// BackupData writes a consistent copy of the data directory's SQLite database to a new file at path ("iamd
// backup"), readable by its owner only, while a server may be serving from it. The master key is not in the copy:
// it is restored with the key file of the directory.
func BackupData(ctx context.Context, cfg config.Config, path string) error {
	dbPath := cfg.DatabasePath()
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w in %s (%s is missing)", ErrNoData, cfg.DataDir, dbPath)
	} else if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer st.Close()
	return st.Backup(ctx, path)
}

// WriteNewFile writes a new file at path, readable by its owner only, with write: the content goes to a
// temporary file next to it, which is synced and then linked into place, so that path never holds a part of it.
// An existing file at path is an error, never overwritten.
func WriteNewFile(path string, write func(w io.Writer) error) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s: %w", path, fs.ErrExist)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(f.Name(), path)
}
