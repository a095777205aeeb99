package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/reason"
)

// AnalyzeFindings answers what an external-access analyzer of type t (ACCOUNT or ORGANIZATION) in account would
// report over the store cfg names ("iamd analyze findings"), reading it in one transaction and writing nothing; it
// works beside a running server.
func AnalyzeFindings(ctx context.Context, cfg config.Config, account string, t aatypes.Type, logger *slog.Logger) ([]analyzer.Detected, error) {
	st, _, err := OpenData(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []analyzer.Detected
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		out, err = analyzer.ExternalAccessFindings(ctx, r, org.NewView(st), reason.New(reason.Options{}), account, t)
		return err
	})
	return out, err
}

// AnalyzeUnusedAccess answers what an unused-access analyzer (ACCOUNT_UNUSED_ACCESS) in account with an
// unusedAccessAge of age would report now, by the server's clock (--clock-offset), over the store cfg names and its
// audit trail ("iamd analyze findings --unused-access-age"); it reads in one transaction and writes nothing.
func AnalyzeUnusedAccess(ctx context.Context, cfg config.Config, account string, age time.Duration, logger *slog.Logger) ([]analyzer.Detected, error) {
	cat, err := loadCatalog(cfg)
	if err != nil {
		return nil, err
	}
	clk, err := newClock(cfg, logger)
	if err != nil {
		return nil, err
	}
	st, box, err := OpenData(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	svc := iam.New(st, cat, box, clk.Now, cfg.Region, iam.Options{})
	a, err := analyzer.New(st, svc, analyzer.Options{Validator: policyValidator{cat: cat}, History: audit.History{}, Principals: svc})
	if err != nil {
		return nil, err
	}
	var out []analyzer.Detected
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		out, err = a.DetectUnused(ctx, r, analyzer.UnusedOptions{Account: account, Now: clk.Now().UTC(), Age: age})
		return err
	})
	return out, err
}
