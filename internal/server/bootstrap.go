package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// core is what `iamd serve` (New) and `iamd account create` with no server running (CreateAccountInDir) both stand
// on: the data directory's database, opened with its master key, and the IAM service over it and the AWS data.
type core struct {
	store *sqlite.Store
	iam   *iam.Service
}

// bootstrap creates the data directory of cfg as needed, loads the AWS data (from cfg.AWSData, or the built-in
// copy), opens the directory's database with its master key (openData: a new directory gets both; a key and a
// database that do not belong together are refused) and builds the IAM service on them with now as its clock. The
// caller closes core.store. Nothing else is set on the service: serve adds its quotas, metrics and organizations.
func bootstrap(ctx context.Context, cfg config.Config, logger *slog.Logger, now func() time.Time) (*core, error) {
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	var cat *catalog.Catalog
	var err error
	if cfg.AWSData != "" {
		cat, err = catalog.LoadDir(cfg.AWSData)
	} else {
		cat, err = catalog.Embedded()
	}
	if err != nil {
		return nil, fmt.Errorf("AWS data: %w", err)
	}
	box, st, err := openData(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	return &core{store: st, iam: iam.New(st, cat, box, now, cfg.Region)}, nil
}
