package server

import (
	"context"
	"log/slog"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/store"
)

// StoreOf is the store the server's services use, for tests that read what it keeps (the audit trail).
func StoreOf(s *Server) store.Store { return s.store }

// NewUntrailed is New without the audit trail's recorder: no request is recorded (the benchmarks' baseline).
func NewUntrailed(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Server, error) {
	return New(ctx, cfg, logger, func(o *options) { o.untrailed = true })
}

// AdmissionInUse is how many requests hold a slot of the server's admission now.
func AdmissionInUse(s *Server) int { return s.admission.InUse() }
