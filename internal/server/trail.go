package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/config"
)

// Option changes how New builds a server.
type Option func(*options)

type options struct {
	stdout io.Writer
	// untrailed leaves the handlers without the audit trail's recorder: no request is recorded. Only tests set it
	// (NewUntrailed): the benchmarks compare a server without it, to measure what the trail costs.
	untrailed bool
}

// WithStdout makes "--audit-log -" write to w (the command's standard output) rather than the process's.
func WithStdout(w io.Writer) Option { return func(o *options) { o.stdout = w } }

// trailOptions are the audit trail's options from the configuration: its metrics, the JSON-lines log of
// --audit-log (opened here; the caller closes it after the trail; "-" writes to stdout, os.Stdout when nil) and
// --audit-fail-closed.
func trailOptions(cfg config.Config, logger *slog.Logger, metrics audit.Metrics, stdout io.Writer) (audit.Options, *audit.JSONLines, error) {
	o := audit.Options{Logger: logger, FailClosed: cfg.AuditFailClosed, Metrics: metrics}
	var sink *audit.JSONLines
	switch cfg.AuditLog {
	case "":
	case "-":
		if stdout == nil {
			stdout = os.Stdout
		}
		sink = audit.NewJSONLines(stdout)
	default:
		var err error
		if sink, err = audit.OpenJSONLines(cfg.AuditLog); err != nil {
			return o, nil, fmt.Errorf("--audit-log: %w", err)
		}
	}
	if sink != nil {
		o.Sinks = []audit.Sink{sink}
	}
	return o, sink, nil
}

func closeSink(s *audit.JSONLines) error {
	if s == nil {
		return nil
	}
	return s.Close()
}

// pruneInterval is how often a running server prunes the trail of events older than --audit-retention.
const pruneInterval = time.Hour

// PruneTrail removes the events older than the retention period (--audit-retention, 90 days by default) on the
// server's clock, the clock their eventTime was taken from, and returns how many. With a retention of 0 it keeps
// everything.
func (s *Server) PruneTrail(ctx context.Context) (int, error) {
	keep, err := s.cfg.AuditRetentionPeriod()
	if err != nil || keep == 0 {
		return 0, err
	}
	// Events still queued are written first: a complete event written after the pruning would bring back the one
	// its change wrote.
	if err := s.trail.Flush(ctx); err != nil {
		return 0, err
	}
	return s.store.PruneEvents(ctx, s.Clock.Now().Add(-keep))
}

// pruneTrailHourly prunes the trail now and then every pruneInterval until ctx ends; the channel closes when it
// has stopped.
func (s *Server) pruneTrailHourly(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(pruneInterval)
		defer tick.Stop()
		for {
			n, err := s.PruneTrail(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.logger.Error("audit: pruning events past the retention period", "err", err)
			case n > 0:
				s.logger.Info("audit: pruned events past the retention period", "events", n, "retention", s.cfg.AuditRetention)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return done
}
