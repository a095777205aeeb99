package telemetry

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iamd-dev/iamd/internal/audit"
)

// MaxPrincipals bounds the distinct values of the principal label of iamd_access_denied_total (and of the action
// label, and the account label of iamd_signin_failures_total): past it, new values are counted as "other". Each
// distinct value is a series kept for the life of the process; a thousand principals is more than a test fixture
// or a dev account holds, and an alert on "other" still fires.
const MaxPrincipals = 1000

// otherLabel is the value that stands for every value past a label's bound.
const otherLabel = "other"

// AuditMetrics are the alerting counters of the audit trail (docs/alerting.md): root-user calls, AccessDenied by
// principal and action, failed console sign-ins and failed writes of the trail. They implement audit.Metrics.
type AuditMetrics struct {
	root, denied, signinFailures, trailFailures *prometheus.CounterVec

	principals, actions, accounts boundedLabel
}

var _ audit.Metrics = (*AuditMetrics)(nil)

// NewAuditMetrics creates the audit trail's counters and registers them on reg.
func NewAuditMetrics(reg prometheus.Registerer) *AuditMetrics {
	m := &AuditMetrics{
		root: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_root_calls_total",
			Help: "Calls made with the root user's credentials (and root console sign-ins), by service and event name (CIS AWS Foundations: monitor root account usage).",
		}, []string{"service", "event_name"}),
		denied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_access_denied_total",
			Help: "Calls and decision API asks answered AccessDenied, by principal (IAM user, role or root ARN; \"other\" past 1000 distinct) and action (service:Operation).",
		}, []string{"principal", "action"}),
		signinFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_signin_failures_total",
			Help: "Failed console sign-ins, by account (\"unknown\" for an account that does not exist).",
		}, []string{"account"}),
		trailFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "iamd_trail_write_failures_total",
			Help: "Failed writes of audit events, by where: store (the database), sink (the JSON-lines log), build (an event that could not be made).",
		}, []string{"where"}),
		principals: boundedLabel{max: MaxPrincipals},
		actions:    boundedLabel{max: MaxPrincipals},
		accounts:   boundedLabel{max: MaxPrincipals},
	}
	reg.MustRegister(m.root, m.denied, m.signinFailures, m.trailFailures)
	// Series that exist from the start, so that an alert on a rate sees the first failure.
	for _, where := range []string{"store", "sink", "build"} {
		m.trailFailures.WithLabelValues(where)
	}
	return m
}

// EventRecorded counts an event in the counters it belongs to.
func (m *AuditMetrics) EventRecorded(ev *audit.Event) {
	service, _, _ := strings.Cut(ev.EventSource, ".")
	switch {
	case ev.EventType == audit.TypeConsoleSignIn:
		if ev.UserIdentity.Type == "Root" {
			m.root.WithLabelValues(service, ev.EventName).Inc()
		}
		if ev.ErrorMessage == audit.SignInFailed {
			account := ev.RecipientAccountID
			if account == "" {
				account = "unknown"
			}
			m.signinFailures.WithLabelValues(m.accounts.value(account)).Inc()
		}
		return
	case ev.UserIdentity.Type == "Root" && ev.ManagementEvent:
		// A call the root user made. A decision API ask about the root (a data event) is not the root calling.
		m.root.WithLabelValues(service, ev.EventName).Inc()
	}
	if accessDenied(ev.ErrorCode) {
		principal := principalLabel(&ev.UserIdentity)
		m.denied.WithLabelValues(m.principals.value(principal), m.actions.value(service+":"+ev.EventName)).Inc()
	}
}

// TrailFailed counts a failed write of the trail.
func (m *AuditMetrics) TrailFailed(where string) { m.trailFailures.WithLabelValues(where).Inc() }

// accessDenied reports whether an error code is a refusal for want of permission, as the CIS benchmark's metric
// filter for unauthorized API calls matches them ("AccessDenied*", "*UnauthorizedOperation").
func accessDenied(code string) bool {
	return strings.HasPrefix(code, "AccessDenied") || strings.HasSuffix(code, "UnauthorizedOperation")
}

// principalLabel is the IAM entity whose permissions a call used: the user's or the root's ARN, the role's ARN of
// a role session, else the identity's ARN; "unknown" when it has none.
func principalLabel(u *audit.UserIdentity) string {
	if u.Type == "AssumedRole" && u.SessionContext != nil && u.SessionContext.SessionIssuer != nil && u.SessionContext.SessionIssuer.ARN != "" {
		return u.SessionContext.SessionIssuer.ARN
	}
	if u.ARN != "" {
		return u.ARN
	}
	return "unknown"
}

// boundedLabel admits at most max distinct values of a label; later ones read "other".
type boundedLabel struct {
	mu   sync.Mutex
	max  int
	seen map[string]struct{}
}

func (b *boundedLabel) value(v string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return v
	}
	if len(b.seen) >= b.max {
		return otherLabel
	}
	if b.seen == nil {
		b.seen = map[string]struct{}{}
	}
	b.seen[v] = struct{}{}
	return v
}
