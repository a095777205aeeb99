package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// givenKeyConfig is a configuration of a new data directory whose master key is given in IAMD_MASTER_KEY.
func givenKeyConfig(t *testing.T) (config.Config, []byte) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	key := secret.NewKey()
	cfg.MasterKey = base64.StdEncoding.EncodeToString(key)
	if err := cfg.EnsureDataDir(); err != nil {
		t.Fatal(err)
	}
	return cfg, key
}

// TestOpenDataRefusesAWrongMasterKeyWithATypedError: a master key that does not wrap the stored data keys is
// refused with an error that is both ErrDataDir and secret.ErrWrongMasterKey, names where the key came from and
// holds no key material; nothing is written.
func TestOpenDataRefusesAWrongMasterKeyWithATypedError(t *testing.T) {
	ctx := context.Background()
	cfg, key := givenKeyConfig(t)
	logger := slog.New(slog.DiscardHandler)
	_, st, err := openData(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	before := storedMeta(t, st, dataKeysMeta)
	st.Close()

	other := secret.NewKey()
	wrong := cfg
	wrong.MasterKey = base64.StdEncoding.EncodeToString(other)
	_, _, err = openData(ctx, wrong, logger)
	if !errors.Is(err, ErrDataDir) || !errors.Is(err, secret.ErrWrongMasterKey) {
		t.Fatalf("a wrong master key: %v, want ErrDataDir and secret.ErrWrongMasterKey", err)
	}
	for _, k := range [][]byte{key, other} {
		if strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(k)) {
			t.Fatalf("the error shows a key: %v", err)
		}
	}
	if !strings.Contains(err.Error(), config.EnvMasterKey) {
		t.Errorf("the error does not say where the key came from: %v", err)
	}
	_, st, err = openData(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if string(storedMeta(t, st, dataKeysMeta)) != string(before) {
		t.Fatal("the refused start changed the data keys")
	}
}

func storedMeta(t *testing.T, st store.Store, key string) []byte {
	t.Helper()
	var b []byte
	if err := st.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		var err error
		b, err = r.Meta(ctx, key)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestADataKeyAddedWhileANodeRunsOpensThereAtOnce: node A runs; "iamd keys rotate --data-key" adds data key 2; node
// B, started after, seals a new root key with data key 2; node A, which started with data key 1 only, opens it
// at once (it reloads the data keys for a key ID it does not know), and both open what A sealed before.
func TestADataKeyAddedWhileANodeRunsOpensThereAtOnce(t *testing.T) {
	ctx := context.Background()
	cfg, _ := givenKeyConfig(t)
	logger := slog.New(slog.DiscardHandler)
	a, err := bootstrap(ctx, cfg, logger, time.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	before, err := a.iam.CreateAccount(ctx, "111122223333", "", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := RotateKeys(ctx, cfg, KeyRotation{DataKey: true}, logger)
	if err != nil || !res.AddedDataKey || res.ActiveDataKey != 2 || res.DataKeys != 2 {
		t.Fatalf("rotate --data-key: %+v, %v", res, err)
	}
	b, err := bootstrap(ctx, cfg, logger, time.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.store.Close()
	if id, ok := b.iam.Box.ActiveKeyID(); !ok || id != 2 {
		t.Fatalf("a node started after the rotation seals with data key %d", id)
	}
	after, err := b.iam.CreateAccount(ctx, "444455556666", "", "")
	if err != nil {
		t.Fatal(err)
	}
	for name, node := range map[string]*core{"A": a, "B": b} {
		for _, rc := range []struct{ id, secret string }{{before.AccessKeyID, before.SecretAccessKey}, {after.AccessKeyID, after.SecretAccessKey}} {
			cred, err := node.iam.LookupAccessKey(ctx, rc.id)
			if err != nil || string(cred.Secret) != rc.secret {
				t.Fatalf("node %s does not open the root key %s: %v", name, rc.id, err)
			}
		}
	}
}

// TestRotateKeysRefusesWhatWouldLockNodesOut: a rotation that changes nothing, a data key added while a master
// key rotation is pending without its other key (the nodes given that key could not open it), and a rotation on a
// directory without a database are refused, changing nothing.
func TestRotateKeysRefusesWhatWouldLockNodesOut(t *testing.T) {
	ctx := context.Background()
	cfg, _ := givenKeyConfig(t)
	logger := slog.New(slog.DiscardHandler)
	if _, err := RotateKeys(ctx, cfg, KeyRotation{DataKey: true}, logger); !errors.Is(err, ErrNoData) {
		t.Fatalf("a directory without a database: %v, want ErrNoData", err)
	}
	_, st, err := openData(ctx, cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := RotateKeys(ctx, cfg, KeyRotation{}, logger); !errors.Is(err, ErrNothingToRotate) {
		t.Fatalf("nothing to rotate: %v", err)
	}
	next := secret.NewKey()
	if res, err := RotateKeys(ctx, cfg, KeyRotation{NewMasterKey: next}, logger); err != nil || len(res.MasterKeyIDs) != 2 {
		t.Fatalf("a new master key: %+v, %v", res, err)
	}
	pending := storedMeta(t, st, dataKeysMeta)
	if _, err := RotateKeys(ctx, cfg, KeyRotation{DataKey: true}, logger); err == nil || !strings.Contains(err.Error(), "finish its rotation") {
		t.Fatalf("a data key during a pending rotation without the new key: %v", err)
	}
	if string(storedMeta(t, st, dataKeysMeta)) != string(pending) {
		t.Fatal("a refused rotation changed the data keys")
	}
	res, err := RotateKeys(ctx, cfg, KeyRotation{NewMasterKey: next, DataKey: true, Finish: true}, logger)
	if err != nil || len(res.MasterKeyIDs) != 1 || res.MasterKeyIDs[0] != res.New || len(res.Removed) != 1 || res.ActiveDataKey != 2 {
		t.Fatalf("new key, data key and finish in one step: %+v, %v", res, err)
	}
	if _, _, err := openData(ctx, cfg, logger); !errors.Is(err, secret.ErrWrongMasterKey) {
		t.Fatalf("the old master key after the finish: %v", err)
	}
}

// TestOpenDataRefusesAWrongKeyForADatabaseFromBeforeDataKeys: a database from before data keys, whose key check
// another key sealed, is refused with the same typed error, and is not migrated.
func TestOpenDataRefusesAWrongKeyForADatabaseFromBeforeDataKeys(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	st, err := sqlite.Open(ctx, cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := secret.NewBox(secret.NewKey())
	if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutMeta(ctx, keyCheckMeta, sealer.NewCheck()) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := secret.WriteKey(cfg.MasterKeyPath(), secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	_, _, err = openData(ctx, cfg, slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrDataDir) || !errors.Is(err, secret.ErrWrongMasterKey) || !strings.Contains(err.Error(), cfg.MasterKeyPath()) {
		t.Fatalf("another key for a database from before data keys: %v", err)
	}
	st, err = sqlite.Open(ctx, cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		_, err := r.Meta(ctx, dataKeysMeta)
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused database got data keys: %v", err)
	}
}

// TestTheDatabaseFilesHoldNoKeyInTheClear: after a start with a given master key, a rotation to a new master key
// and a new data key, neither master key nor any data key appears in the database file or its write-ahead log,
// in raw bytes or base64.
func TestTheDatabaseFilesHoldNoKeyInTheClear(t *testing.T) {
	ctx := context.Background()
	cfg, key := givenKeyConfig(t)
	logger := slog.New(slog.DiscardHandler)
	c, err := bootstrap(ctx, cfg, logger, time.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.iam.CreateAccount(ctx, "111122223333", "", ""); err != nil {
		t.Fatal(err)
	}
	next := secret.NewKey()
	if _, err := RotateKeys(ctx, cfg, KeyRotation{NewMasterKey: next, DataKey: true}, logger); err != nil {
		t.Fatal(err)
	}
	mk, _ := secret.NewMasterKey(next)
	ring, err := loadKeyring(ctx, c.store)
	if err != nil {
		t.Fatal(err)
	}
	dataKeys, err := ring.Unwrap(mk)
	if err != nil || len(dataKeys) != 2 {
		t.Fatalf("%d data keys, %v", len(dataKeys), err)
	}
	var files []byte
	for _, name := range []string{cfg.DatabasePath(), cfg.DatabasePath() + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	c.store.Close()
	keys := map[string][]byte{"the first master key": key, "the new master key": next}
	for _, k := range dataKeys {
		keys[fmt.Sprintf("data key %d", k.ID)] = k.Key
	}
	for what, k := range keys {
		for _, form := range [][]byte{k, []byte(base64.StdEncoding.EncodeToString(k)), []byte(base64.StdEncoding.EncodeToString(k)[:40])} {
			if bytes.Contains(files, form) {
				t.Errorf("the database files hold %s", what)
			}
		}
	}
}
