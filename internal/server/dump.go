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
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/dump"
	"github.com/iamd-dev/iamd/internal/store/postgres"
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

// ImportData reads a dump into the store cfg names ("iamd import"), all or nothing: the PostgreSQL database of
// cfg.Store, or else the data directory's SQLite database. The master key given (by default the data directory's)
// must be the key of the store the dump was exported from (its secrets are sealed with the data keys that key
// wraps; the dump's key check says whether it does), and the store must hold no data: no database, or one that
// holds nothing but what a first start wrote before any account existed. A SQLite database the import created is
// removed again when the import fails; on PostgreSQL the import's one transaction leaves nothing behind.
func ImportData(ctx context.Context, cfg config.Config, r io.Reader) (dump.Counts, error) {
	keySource, dbPath := cfg.MasterKeySource(), cfg.DatabasePath()
	key, err := readMasterKey(cfg)
	if err != nil {
		return dump.Counts{}, err
	}
	if key == nil {
		return dump.Counts{}, fmt.Errorf("%w: %s has no master key (%s): a dump's secrets are sealed with the data keys of the data directory it was exported from, which its master key opens; give that key (copy its file there, or --master-key-file / IAMD_MASTER_KEY)",
			ErrDumpKey, cfg.DataDir, cfg.MasterKeyPath())
	}
	mk, err := secret.NewMasterKey(key)
	if err != nil {
		return dump.Counts{}, fmt.Errorf("master key %s: %w", keySource, err)
	}
	wrongKey := fmt.Errorf("%w: the master key %s does not open the dump's secrets: give the master key of the data directory it was exported from",
		ErrDumpKey, keySource)
	checkMeta := func(meta map[string][]byte) error {
		if ring, ok := meta[dataKeysMeta]; ok {
			kr, err := secret.ParseKeyring(ring)
			if err != nil {
				return fmt.Errorf("%w: the dump's data keys: %w", dump.ErrBadDump, err)
			}
			if _, err := kr.Unwrap(mk); err != nil {
				return wrongKey
			}
			return nil
		}
		// A dump from before data keys: its secrets are sealed with the master key itself, which its check proves.
		check, ok := meta[keyCheckMeta]
		if !ok {
			return fmt.Errorf("%w: the dump holds neither data keys nor a master key check, so nothing tells which key its secrets are sealed with", ErrDumpKey)
		}
		box, err := secret.NewBox(key)
		if err != nil {
			return err
		}
		if box.Verify(check) != nil {
			return wrongKey
		}
		return nil
	}
	st, target, created, err := openImportTarget(ctx, cfg)
	if err != nil {
		return dump.Counts{}, err
	}
	n, err := dump.Import(ctx, st, r, dump.Options{
		// What a first start wrote (the key check, a new directory's data keys) gives way to the dump's.
		Replace:   []string{keyCheckMeta, dataKeysMeta},
		CheckMeta: checkMeta,
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
		err = fmt.Errorf("%w (%s); import into a new, empty store (a new data directory that holds only the master key, or a new PostgreSQL database)", err, target)
	}
	return n, err
}

// openImportTarget opens the store an import writes to, as cfg names it, applying its migrations: the PostgreSQL
// database of cfg.Store, or the data directory's SQLite database (created says the import created the file, which
// a failed import removes again). target names the store in messages, without a password.
func openImportTarget(ctx context.Context, cfg config.Config) (st store.Store, target string, created bool, err error) {
	if cfg.UsesPostgres() {
		pg, err := postgres.Open(ctx, cfg.Store)
		if err != nil {
			return nil, "", false, fmt.Errorf("open %s: %w", cfg.StoreRedacted(), err)
		}
		return pg, cfg.StoreRedacted(), false, nil
	}
	dbPath := cfg.DatabasePath()
	_, statErr := os.Stat(dbPath)
	created = errors.Is(statErr, fs.ErrNotExist)
	lite, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, "", false, err
	}
	return lite, dbPath, created, nil
}

// ErrBackupPostgres is returned by BackupData for a store on PostgreSQL, which "iamd backup" does not copy: the
// database's own tools do (pg_dump), and "iamd export" writes a dump of it that any backend imports.
var ErrBackupPostgres = errors.New("iamd backup copies a SQLite database")

// BackupData writes a consistent copy of the data directory's SQLite database to a new file at path ("iamd
// backup"), readable by its owner only, while a server may be serving from it. The master key is not in the copy:
// it is restored with the key file of the directory.
//
// A store on PostgreSQL is refused with ErrBackupPostgres and a message that names what to use instead: pg_dump
// (with the database's roles, settings and history, restored with pg_restore), or "iamd export", a dump of one
// consistent state (one REPEATABLE READ snapshot) that imports into either backend.
func BackupData(ctx context.Context, cfg config.Config, path string) error {
	if cfg.UsesPostgres() {
		return fmt.Errorf("%w; the store is the PostgreSQL database %s: back it up with PostgreSQL's tools (pg_dump --format=custom --file FILE URL, restored with pg_restore), or write a dump of one consistent state with: iamd export --store URL -o FILE",
			ErrBackupPostgres, cfg.StoreRedacted())
	}
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
