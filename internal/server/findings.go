package server

import (
	"context"
	"log/slog"

	"github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/config"
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
