package telemetry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/telemetry"
)

func deniedEvent(principal string) *audit.Event {
	return &audit.Event{EventSource: "iam.amazonaws.com", EventName: "ListRoles", ErrorCode: "AccessDenied", ManagementEvent: true,
		EventType: audit.TypeAPICall, UserIdentity: audit.UserIdentity{Type: "IAMUser", ARN: principal}}
}

// series returns the counters of a metric by the value of one label.
func series(t *testing.T, reg *prometheus.Registry, name, label string) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// TestAccessDeniedPrincipalsAreBounded: past MaxPrincipals distinct principals, denials count as principal="other",
// so that /metrics cannot grow without bound; a principal seen before keeps its own series.
func TestAccessDeniedPrincipalsAreBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := telemetry.NewAuditMetrics(reg)
	for i := range telemetry.MaxPrincipals + 5 {
		m.EventRecorded(deniedEvent(fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", i)))
	}
	m.EventRecorded(deniedEvent("arn:aws:iam::123456789012:user/u0"))
	got := series(t, reg, "iamd_access_denied_total", "principal")
	if len(got) != telemetry.MaxPrincipals+1 || got["other"] != 5 || got["arn:aws:iam::123456789012:user/u0"] != 2 {
		t.Fatalf("%d series, other=%v, u0=%v", len(got), got["other"], got["arn:aws:iam::123456789012:user/u0"])
	}
}

// TestRootCallsCountCallsNotAsksAboutTheRoot: a call by the root user counts; a decision API ask about the root (a
// data event) does not; a denied call of a role session counts under the role's ARN.
func TestRootCallsCountCallsNotAsksAboutTheRoot(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := telemetry.NewAuditMetrics(reg)
	root := audit.UserIdentity{Type: "Root", ARN: "arn:aws:iam::123456789012:root"}
	m.EventRecorded(&audit.Event{EventSource: "iam.amazonaws.com", EventName: "CreateUser", ManagementEvent: true, UserIdentity: root})
	m.EventRecorded(&audit.Event{EventSource: "s3.amazonaws.com", EventName: "GetObject", ManagementEvent: false, UserIdentity: root})
	if got := series(t, reg, "iamd_root_calls_total", "event_name"); len(got) != 1 || got["CreateUser"] != 1 {
		t.Fatalf("root calls %v", got)
	}
	session := audit.UserIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::123456789012:assumed-role/dev/s1",
		SessionContext: &audit.SessionContext{SessionIssuer: &audit.SessionIssuer{ARN: "arn:aws:iam::123456789012:role/dev"}}}
	m.EventRecorded(&audit.Event{EventSource: "sts.amazonaws.com", EventName: "GetCallerIdentity", ErrorCode: "AccessDenied", UserIdentity: session})
	if got := series(t, reg, "iamd_access_denied_total", "principal"); got["arn:aws:iam::123456789012:role/dev"] != 1 {
		t.Fatalf("denied %v", got)
	}
	if got := series(t, reg, "iamd_access_denied_total", "action"); !strings.HasPrefix(fmt.Sprint(got), "map[sts:GetCallerIdentity:1]") {
		t.Fatalf("actions %v", got)
	}
}
