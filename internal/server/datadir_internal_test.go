package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
)

// TestOpenDataCompletesAKeyLeftStagedByACrash: a first start writes its key to master.key.new, stores the key
// check, then renames the key. A crash before the rename leaves the check and the staged key: the next start
// takes the staged key (it opens the check) instead of refusing or making another; a staged key that does not
// open the check is refused like a missing key.
func TestOpenDataCompletesAKeyLeftStagedByACrash(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	logger := slog.New(slog.DiscardHandler)
	keyPath, staged := cfg.MasterKeyPath(), cfg.MasterKeyPath()+".new"
	open := func() error {
		_, st, err := openData(ctx, cfg, logger)
		if err == nil {
			st.Close()
		}
		return err
	}
	if err := open(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(staged); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the staged key is left after a first start: %v", err)
	}
	key, err := secret.ReadKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}

	if err := os.Rename(keyPath, staged); err != nil { // the crash before the rename
		t.Fatal(err)
	}
	if err := open(); err != nil {
		t.Fatalf("a start after the crash: %v", err)
	}
	if got, err := secret.ReadKey(keyPath); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("the key after recovery differs or is missing: %v", err)
	}

	if err := os.Rename(keyPath, staged); err != nil {
		t.Fatal(err)
	}
	os.Remove(staged)
	if err := secret.WriteKey(staged, secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	if err := open(); !errors.Is(err, ErrDataDir) {
		t.Fatalf("a staged key that does not open the check: %v, want ErrDataDir", err)
	}
	if _, err := os.Stat(keyPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a staged key that does not open the check was put in place")
	}
}

// TestOpenDataStartsAfreshAfterACrashBeforeTheCheck: a crash after the staged key was written but before the check
// was stored leaves a database without data: the next start is a first start again.
func TestOpenDataStartsAfreshAfterACrashBeforeTheCheck(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if err := secret.WriteKey(filepath.Join(cfg.DataDir, "master.key.new"), secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	_, st, err := openData(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := secret.ReadKey(cfg.MasterKeyPath()); err != nil {
		t.Fatal(err)
	}
}
