package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// keyCheckMeta is the store-wide value that held the master key check (secret.Box.NewCheck) before data keys.
// Once the data keys are stored it holds supersededCheck, which opens with no key, so that an iamd from before
// data keys refuses the database instead of sealing secrets that the data keys' iamd could not tell apart.
const keyCheckMeta = "master-key-check"

// dataKeysMeta is the store-wide value that holds the data keys, wrapped by the master keys (secret.Keyring).
const dataKeysMeta = "data-keys"

var supersededCheck = []byte("superseded by the data keys in data-keys: this database needs a newer iamd")

// ErrDataDir is wrapped by the errors that refuse a data directory whose database and master key do not belong
// together: serving from it would answer 500 to every stored key, or serve an empty IAM in place of lost data.
// When the master key does not open the stored data keys, the error also wraps secret.ErrWrongMasterKey.
var ErrDataDir = errors.New("refusing the data directory")

// openData opens the data directory's database with its master key, or refuses to. The master key is the
// key-encryption key: it opens the data keys stored in the database (secret.Keyring), which seal the secrets.
//
//   - the master key is IAMD_MASTER_KEY, the file of --master-key-file, or by default master.key in the data
//     directory;
//   - a new directory (no key, no data) gets a new master.key, unless a master key is given; the key file appears
//     only once the database holds the data keys it wraps (the key is written to master.key.new first and renamed
//     after), so that a crash in between leaves no key without its data keys;
//   - a database from before data keys is migrated on its first start: its master key (which sealed its secrets
//     itself) becomes the master key and the legacy data key, checked first against the old key check or a stored
//     secret; a new data key seals from then on;
//   - a master key that does not open the stored data keys is refused (ErrDataDir and secret.ErrWrongMasterKey),
//     as are a missing default key next to a database that holds data, a missing or empty database next to the
//     default key, and a damaged database, with a message that names the files.
//
// No message holds key material.
func openData(ctx context.Context, cfg config.Config, logger *slog.Logger) (*secret.Box, *sqlite.Store, error) {
	dbPath := cfg.DatabasePath()
	if err := checkMissingDatabase(cfg); err != nil {
		return nil, nil, err
	}
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) && cfg.NoMigrate {
		return nil, nil, fmt.Errorf("%w: the database %s does not exist and migrations are off (--no-migrate): create it with \"iamd migrate --data %s\" first",
			ErrDataDir, dbPath, cfg.DataDir)
	}
	st, err := sqlite.OpenWith(ctx, dbPath, sqlite.Options{NoMigrate: cfg.NoMigrate})
	if err != nil {
		return nil, nil, err
	}
	box, err := openBox(ctx, st, cfg, dbPath, logger)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return box, st, nil
}

// checkMissingDatabase refuses a data directory whose database is missing next to its default master key: data
// existed, and a new database would serve an empty IAM in its place.
func checkMissingDatabase(cfg config.Config) error {
	dbPath := cfg.DatabasePath()
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) && !cfg.MasterKeyGiven() {
		if _, err := os.Stat(cfg.MasterKeyPath()); err == nil {
			return fmt.Errorf("%w: the database %s is missing but the master key %s exists, so data existed: restore the database from a backup (or, to start afresh, move the key away)",
				ErrDataDir, dbPath, cfg.MasterKeyPath())
		}
	}
	return nil
}

// openBox reads the master key of cfg and opens the data keys of st with it (matchKey): the part of openData that
// any store shares. db names the store in messages (a file, or a database URL without its password).
func openBox(ctx context.Context, st store.Store, cfg config.Config, db string, logger *slog.Logger) (*secret.Box, error) {
	key, err := readMasterKey(cfg)
	if err != nil {
		return nil, err
	}
	return matchKey(ctx, st, key, cfg, db, logger)
}

// readMasterKey returns the master key of cfg, or nil when it is the default master.key and the file is missing.
func readMasterKey(cfg config.Config) ([]byte, error) {
	if cfg.MasterKey != "" {
		return cfg.MasterKeyFromEnv()
	}
	key, err := secret.ReadKey(cfg.MasterKeyPath())
	if errors.Is(err, fs.ErrNotExist) && !cfg.MasterKeyGiven() {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return key, nil
}

// matchKey returns the box of the store's data keys opened with the master key (key is nil when the default key
// file is missing), creating the key of a new directory or migrating a store from before data keys, or the error
// that refuses the store. db names the store in messages.
func matchKey(ctx context.Context, st store.Store, key []byte, cfg config.Config, db string, logger *slog.Logger) (*secret.Box, error) {
	keyName, stagedPath := cfg.MasterKeySource(), cfg.DefaultMasterKeyPath()+".new"
	var ringData, check []byte
	var accounts []string
	err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		if ringData, err = r.Meta(ctx, dataKeysMeta); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if check, err = r.Meta(ctx, keyCheckMeta); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		accounts, err = r.Accounts(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", db, err)
	}
	if ringData != nil {
		ring, err := secret.ParseKeyring(ringData)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrDataDir, db, err)
		}
		if key == nil {
			if mk := stagedKey(stagedPath, func(mk *secret.MasterKey, _ []byte) bool { _, err := ring.Unwrap(mk); return err == nil }); mk != nil {
				// a first start that stopped before renaming its key
				if err := commitKey(stagedPath, cfg.DefaultMasterKeyPath()); err != nil {
					return nil, err
				}
				return keyringBox(st, ring, mk, keyName, db)
			}
			return nil, missingKey(cfg, db)
		}
		mk, err := secret.NewMasterKey(key)
		if err != nil {
			return nil, fmt.Errorf("master key %s: %w", keyName, err)
		}
		return keyringBox(st, ring, mk, keyName, db)
	}
	hasData := check != nil || len(accounts) > 0
	if key == nil {
		if !hasData {
			return createKey(ctx, st, cfg.DefaultMasterKeyPath(), stagedPath, keyName, db)
		}
		if check != nil {
			var staged []byte
			if mk := stagedKey(stagedPath, func(_ *secret.MasterKey, k []byte) bool {
				box, err := secret.NewBox(k)
				staged = k
				return err == nil && box.Verify(check) == nil
			}); mk != nil { // a first start of an iamd from before data keys that stopped before renaming its key
				if err := commitKey(stagedPath, cfg.DefaultMasterKeyPath()); err != nil {
					return nil, err
				}
				return migrate(ctx, st, staged, keyName, db)
			}
		}
		return nil, missingKey(cfg, db)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", keyName, err)
	}
	switch {
	case check != nil:
		if err := box.Verify(check); err != nil {
			return nil, wrongLegacyKey(fmt.Sprintf("the master key %s does not open the database %s (it is not the key its secrets were sealed with): restore the original key file",
				keyName, db))
		}
		return migrate(ctx, st, key, keyName, db)
	case !hasData:
		if cfg.MasterKeyGiven() {
			return newKeyring(ctx, st, key, keyName, db)
		}
		return nil, fmt.Errorf("%w: the database %s is empty but the master key %s exists, so data existed: restore the database from a backup (or, to start afresh, move the key away)",
			ErrDataDir, db, keyName)
	}
	// A database written before the key check existed: check the key against a stored secret, then migrate.
	var found bool
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		found, err = iam.OpensStoredSecret(ctx, r, box)
		return err
	})
	if errors.Is(err, secret.ErrDecrypt) {
		return nil, wrongLegacyKey(fmt.Sprintf("the master key %s does not open the secrets in the database %s (it is not the key they were sealed with): restore the original key file",
			keyName, db))
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", db, err)
	}
	if !found {
		logger.Warn("the database holds no access key to check the master key against; keeping this key", "master_key", keyName, "database", db)
	}
	return migrate(ctx, st, key, keyName, db)
}

// refusal is an error that refuses a store for several reasons callers branch on, e.g. ErrDataDir and
// secret.ErrWrongMasterKey, with a message of its own.
type refusal struct {
	msg     string
	reasons []error
}

func (e *refusal) Error() string   { return e.msg }
func (e *refusal) Unwrap() []error { return e.reasons }

// wrongLegacyKey refuses a master key that does not open a store from before data keys: it is ErrDataDir and
// secret.ErrWrongMasterKey, as the refusal of a key that does not open the data keys.
func wrongLegacyKey(msg string) error {
	return &refusal{msg: ErrDataDir.Error() + ": " + msg, reasons: []error{ErrDataDir, secret.ErrWrongMasterKey}}
}

// missingKey is the error that refuses a store whose default master key file is missing.
func missingKey(cfg config.Config, db string) error {
	return fmt.Errorf("%w: the master key %s is missing but the database %s holds secrets sealed with it: restore the key file from a backup, or give the master key with --master-key-file or %s (iamd does not make a new key for existing data, which could not open them)",
		ErrDataDir, cfg.DefaultMasterKeyPath(), db, config.EnvMasterKey)
}

// keyringBox opens ring with mk and returns the box of its data keys, reloading them from st when a secret names
// a data key that was added since; or the error that refuses mk.
func keyringBox(st store.Store, ring *secret.Keyring, mk *secret.MasterKey, keyName, db string) (*secret.Box, error) {
	keys, err := ring.Unwrap(mk)
	if err != nil {
		return nil, fmt.Errorf("%w: the master key %s does not open the database %s (%w): give this node a master key that wraps its data keys (--master-key-file or %s), or restore the original key file",
			ErrDataDir, keyName, db, err, config.EnvMasterKey)
	}
	reload := func() ([]secret.DataKey, uint32, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ring, err := loadKeyring(ctx, st)
		if err != nil {
			return nil, 0, err
		}
		keys, err := ring.Unwrap(mk)
		return keys, ring.Active, err
	}
	return secret.NewKeyringBox(keys, ring.Active, reload)
}

// loadKeyring reads the store's data keys.
func loadKeyring(ctx context.Context, st store.Store) (*secret.Keyring, error) {
	var ring *secret.Keyring
	err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		b, err := r.Meta(ctx, dataKeysMeta)
		if err != nil {
			return err
		}
		ring, err = secret.ParseKeyring(b)
		return err
	})
	return ring, err
}

// migrate stores the data keys of a store from before data keys, whose secrets key sealed: key becomes the master
// key and the legacy data key, and a new data key seals from now on.
func migrate(ctx context.Context, st store.Store, key []byte, keyName, db string) (*secret.Box, error) {
	return storeKeyring(ctx, st, key, key, keyName, db)
}

// newKeyring stores the data keys of a new store, wrapped by the master key given.
func newKeyring(ctx context.Context, st store.Store, key []byte, keyName, db string) (*secret.Box, error) {
	return storeKeyring(ctx, st, key, nil, keyName, db)
}

// storeKeyring stores a new keyring wrapped by key (with legacy as its legacy data key, when not nil), unless a
// keyring is stored already (another node started first): then that one is opened.
func storeKeyring(ctx context.Context, st store.Store, key, legacy []byte, keyName, db string) (*secret.Box, error) {
	mk, err := secret.NewMasterKey(key)
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", keyName, err)
	}
	ring, err := secret.NewKeyring(mk, legacy, time.Now())
	if err != nil {
		return nil, err
	}
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		b, err := tx.Meta(ctx, dataKeysMeta)
		if err == nil {
			ring, err = secret.ParseKeyring(b)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.PutMeta(ctx, dataKeysMeta, ring.Marshal()); err != nil {
			return err
		}
		return tx.PutMeta(ctx, keyCheckMeta, supersededCheck)
	})
	if err != nil {
		return nil, fmt.Errorf("write the data keys in %s: %w", db, err)
	}
	return keyringBox(st, ring, mk, keyName, db)
}

// createKey makes the master key of a new data directory: written to stagedPath, the data keys it wraps stored in
// the database, then renamed to keyPath.
func createKey(ctx context.Context, st store.Store, keyPath, stagedPath, keyName, db string) (*secret.Box, error) {
	key := secret.NewKey()
	if err := os.Remove(stagedPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := secret.WriteKey(stagedPath, key); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	box, err := newKeyring(ctx, st, key, keyName, db)
	if err != nil {
		return nil, err
	}
	if err := commitKey(stagedPath, keyPath); err != nil {
		return nil, err
	}
	return box, nil
}

// stagedKey returns the master key at stagedPath when opens accepts it (as a master key, and its bytes), else nil.
func stagedKey(stagedPath string, opens func(mk *secret.MasterKey, key []byte) bool) *secret.MasterKey {
	key, err := secret.ReadKey(stagedPath)
	if err != nil {
		return nil
	}
	mk, err := secret.NewMasterKey(key)
	if err != nil || !opens(mk, key) {
		return nil
	}
	return mk
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
