package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// keyCheckMeta is the store-wide value that holds the master key check (secret.Box.NewCheck).
const keyCheckMeta = "master-key-check"

// ErrDataDir is wrapped by the errors that refuse a data directory whose database and master key do not belong
// together: serving from it would answer 500 to every stored key, or serve an empty IAM in place of lost data.
var ErrDataDir = errors.New("refusing the data directory")

// openData opens the data directory's database with its master key, or refuses to:
//
//   - a new directory (no key, no data) gets a new key; the key file appears only once the database holds the
//     check that the key opens it (the key is written to master.key.new first and renamed after), so that a crash
//     in between leaves no key without its check;
//   - a key must open the database's key check; a database written before the check existed is checked once
//     against a stored secret (the root access key) before the check is written;
//   - a missing key next to a database that holds data, a missing or empty database next to a key, and a damaged
//     database are refused with a message that names the files.
//
// No message holds key material.
func openData(ctx context.Context, cfg config.Config, logger *slog.Logger) (*secret.Box, *sqlite.Store, error) {
	keyPath, dbPath := cfg.MasterKeyPath(), cfg.DatabasePath()
	stagedPath := keyPath + ".new"
	key, err := secret.ReadKey(keyPath)
	keyMissing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !keyMissing {
		return nil, nil, fmt.Errorf("master key: %w", err)
	}
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) && !keyMissing {
		return nil, nil, fmt.Errorf("%w: the database %s is missing but the master key %s exists, so data existed: restore the database from a backup (or, to start afresh, move the key away)",
			ErrDataDir, dbPath, keyPath)
	}
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, nil, err
	}
	box, err := matchKey(ctx, st, key, keyPath, dbPath, stagedPath, logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return box, st, nil
}

// matchKey returns the box of the data directory's key (key is nil when the key file is missing), creating the
// key of a new directory, or the error that refuses the directory.
func matchKey(ctx context.Context, st store.Store, key []byte, keyPath, dbPath, stagedPath string, logger *slog.Logger) (*secret.Box, error) {
	var check []byte
	var accounts []string
	err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		if check, err = r.Meta(ctx, keyCheckMeta); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		accounts, err = r.Accounts(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dbPath, err)
	}
	hasData := check != nil || len(accounts) > 0
	if key == nil {
		if !hasData {
			return createKey(ctx, st, keyPath, stagedPath)
		}
		if box := stagedKey(stagedPath, check); box != nil { // a first start that stopped before renaming its key
			if err := commitKey(stagedPath, keyPath); err != nil {
				return nil, err
			}
			return box, nil
		}
		return nil, fmt.Errorf("%w: the master key %s is missing but the database %s holds secrets sealed with it: restore the key file from a backup (iamd does not make a new key for existing data, which could not open them)",
			ErrDataDir, keyPath, dbPath)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", keyPath, err)
	}
	switch {
	case check != nil:
		if err := box.Verify(check); err != nil {
			return nil, fmt.Errorf("%w: the master key %s does not open the database %s (it is not the key its secrets were sealed with): restore the original key file",
				ErrDataDir, keyPath, dbPath)
		}
		return box, nil
	case !hasData:
		return nil, fmt.Errorf("%w: the database %s is empty but the master key %s exists, so data existed: restore the database from a backup (or, to start afresh, move the key away)",
			ErrDataDir, dbPath, keyPath)
	}
	// A database written before the key check existed: check the key against a stored secret, then keep the check.
	var found bool
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		found, err = iam.OpensStoredSecret(ctx, r, box)
		return err
	})
	if errors.Is(err, secret.ErrDecrypt) {
		return nil, fmt.Errorf("%w: the master key %s does not open the secrets in the database %s (it is not the key they were sealed with): restore the original key file",
			ErrDataDir, keyPath, dbPath)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dbPath, err)
	}
	if !found {
		logger.Warn("the database holds no access key to check the master key against; keeping the key check of this key", "master_key", keyPath, "database", dbPath)
	}
	if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutMeta(ctx, keyCheckMeta, box.NewCheck()) }); err != nil {
		return nil, fmt.Errorf("write the master key check in %s: %w", dbPath, err)
	}
	return box, nil
}

// createKey makes the key of a new data directory: written to stagedPath, its check stored in the database, then
// renamed to keyPath.
func createKey(ctx context.Context, st store.Store, keyPath, stagedPath string) (*secret.Box, error) {
	key := secret.NewKey()
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, err
	}
	if err := os.Remove(stagedPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := secret.WriteKey(stagedPath, key); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutMeta(ctx, keyCheckMeta, box.NewCheck()) }); err != nil {
		return nil, fmt.Errorf("write the master key check: %w", err)
	}
	if err := commitKey(stagedPath, keyPath); err != nil {
		return nil, err
	}
	return box, nil
}

// stagedKey returns the box of the key at stagedPath when it opens check, else nil.
func stagedKey(stagedPath string, check []byte) *secret.Box {
	if check == nil {
		return nil
	}
	key, err := secret.ReadKey(stagedPath)
	if err != nil {
		return nil
	}
	box, err := secret.NewBox(key)
	if err != nil || box.Verify(check) != nil {
		return nil
	}
	return box
}

// commitKey renames the staged key file to its place and syncs the directory, so that the rename survives a crash.
func commitKey(stagedPath, keyPath string) error {
	if err := os.Rename(stagedPath, keyPath); err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	d, err := os.Open(filepath.Dir(keyPath))
	if err != nil {
		return fmt.Errorf("master key: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("master key: sync %s: %w", filepath.Dir(keyPath), err)
	}
	return nil
}
