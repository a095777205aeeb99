package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestBootstrapOpensOneDataDirectoryForServeAndAccountCreate checks the start shared by serve and account create:
// a first bootstrap creates the data directory, master key and database and gives an IAM service on the clock it
// was handed; a later one opens the same data (what the first wrote is there, and the key is not replaced).
func TestBootstrapOpensOneDataDirectoryForServeAndAccountCreate(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "new", "data")
	logger := slog.New(slog.DiscardHandler)
	fixed := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	first, err := bootstrap(ctx, cfg, logger, func() time.Time { return fixed }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.iam.Now(); !got.Equal(fixed) {
		t.Fatalf("the service's clock says %s, want the one handed in (%s)", got, fixed)
	}
	if first.iam.Catalog == nil || len(first.iam.Catalog.ManagedPolicies()) == 0 {
		t.Fatal("the service has no AWS data")
	}
	created, err := first.iam.CreateAccount(ctx, "111122223333", "", "")
	if err != nil {
		t.Fatal(err)
	}
	first.store.Close()
	key, err := os.ReadFile(cfg.MasterKeyPath())
	if err != nil {
		t.Fatalf("no master key after a first bootstrap: %v", err)
	}

	again, err := bootstrap(ctx, cfg, logger, time.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.store.Close()
	if _, err := again.iam.CreateAccount(ctx, "111122223333", "", ""); !errors.Is(err, iam.ErrAccountExists) {
		t.Fatalf("the account the first bootstrap's service created is not there: %v", err)
	}
	cred, err := again.iam.LookupAccessKey(ctx, created.AccessKeyID)
	if err != nil || string(cred.Secret) != created.SecretAccessKey {
		t.Fatalf("the root key created before does not open with the same master key: %v", err)
	}
	if now, _ := os.ReadFile(cfg.MasterKeyPath()); string(now) != string(key) {
		t.Fatal("a second bootstrap replaced the master key")
	}
}

// TestBootstrapRefusesBadAWSDataBeforeOpeningTheDatabase: AWS data that does not load is an "AWS data" error, and
// no database or master key is made for it.
func TestBootstrapRefusesBadAWSDataBeforeOpeningTheDatabase(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.AWSData = filepath.Join(t.TempDir(), "absent")
	_, err := bootstrap(context.Background(), cfg, slog.New(slog.DiscardHandler), time.Now, nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "AWS data: ") {
		t.Fatalf("err %v, want an AWS data error", err)
	}
	for _, p := range []string{cfg.DatabasePath(), cfg.MasterKeyPath()} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s exists after a refused bootstrap: %v", filepath.Base(p), err)
		}
	}
}
