package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/cachestore"
)

// core is what `iamd serve` (New) and `iamd account create` with no server running (CreateAccountInDir) both stand
// on: the data directory's database, opened with its master key, and the IAM service over it and the AWS data.
type core struct {
	store store.Store
	iam   *iam.Service
}

// bootstrap creates the data directory of cfg as needed, loads the AWS data (from cfg.AWSData, or the built-in
// copy), opens the directory's database with its master key (openData: a new directory gets both; a key and a
// database that do not belong together are refused), puts the read cache in front of it (cachestore) and builds the
// IAM service on them with now as its clock and the options that opts makes for the store (none when opts is nil:
// serve passes its quotas, metrics and view of organizations). wrap, when not nil, gives the store the services
// use in place of the cached one (serve's audit trail, which writes a change's event with it). The caller closes
// core.store.
func bootstrap(ctx context.Context, cfg config.Config, logger *slog.Logger, now func() time.Time, wrap func(store.Store) store.Store, opts func(store.Store) iam.Options) (*core, error) {
	if err := cfg.EnsureDataDir(); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	cat, err := loadCatalog(cfg)
	if err != nil {
		return nil, err
	}
	box, db, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	// Point reads are answered from a cache of the store's current generation, in front of the store.
	var st store.Store = cachestore.New(db)
	if wrap != nil {
		st = wrap(st)
	}
	var o iam.Options
	if opts != nil {
		o = opts(st)
	}
	return &core{store: st, iam: iam.New(st, cat, box, now, cfg.Region, o)}, nil
}

// loadCatalog loads AWS's service authorization data: --aws-data's copy, or the one iamd ships.
func loadCatalog(cfg config.Config) (*catalog.Catalog, error) {
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
	return cat, nil
}
