// Package telemetry sets up iamd's structured logs (log/slog) and its Prometheus metrics: requests by service,
// action and outcome, their latency, and authorization decisions by result. Metrics register on the registry they
// are given; nothing is global.
//
// Every label value must come from a set iamd fixes (the services it serves, the operations of their models,
// its outcomes and decision results), never from a request as sent: each distinct value is a series kept for the
// life of the process, so a label taken from an unauthenticated request would let anyone grow /metrics and the
// server's memory without bound. Callers map anything else to "unknown". The audit trail's alerting counters
// (AuditMetrics) name authenticated principals, actions and accounts; those labels are capped at MaxPrincipals
// distinct values each, past which they read "other".
package telemetry

import (
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// NewLogger returns a logger writing text or JSON at the given level.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Metrics are the server's Prometheus metrics.
type Metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_requests_total", Help: "AWS API requests by service, action and outcome (ok, denied, client_error, error, canceled).",
		}, []string{"service", "action", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "iamd_request_duration_seconds", Help: "Time to answer an AWS API request.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"service", "action"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_authorization_decisions_total", Help: "Policy engine decisions by result (allowed, explicitDeny, implicitDeny).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.decisions)
	return m
}

// ObserveRequest records one request. service, action and outcome must be bounded (see the package comment).
func (m *Metrics) ObserveRequest(service, action, outcome string, d time.Duration) {
	if action == "" {
		action = "unknown"
	}
	m.requests.WithLabelValues(service, action, outcome).Inc()
	m.latency.WithLabelValues(service, action).Observe(d.Seconds())
}

// ObserveDecision records one authorization decision.
func (m *Metrics) ObserveDecision(result string) { m.decisions.WithLabelValues(result).Inc() }
