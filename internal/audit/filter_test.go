package audit_test

import (
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestFilterMatchesByEveryFieldItNames: each field of a tail filter keeps only the events it names; Attr picks the
// most selective indexed attribute.
func TestFilterMatchesByEveryFieldItNames(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	denied := &store.Event{Account: "123456789012", Time: now, Data: []byte(`{"eventName":"ListRoles","eventSource":"iam.amazonaws.com",` +
		`"errorCode":"AccessDenied","userIdentity":{"type":"IAMUser","userName":"bob"}}`)}
	failedSignIn := &store.Event{Account: "123456789012", Time: now, Data: []byte(`{"eventName":"ConsoleLogin","eventSource":"signin.amazonaws.com",` +
		`"errorMessage":"Failed authentication","userIdentity":{"type":"IAMUser","userName":"bob"}}`)}
	rootCall := &store.Event{Account: "210987654321", Time: now.Add(-2 * time.Hour), Data: []byte(`{"eventName":"CreateUser","eventSource":"iam.amazonaws.com",` +
		`"userIdentity":{"type":"Root","arn":"arn:aws:iam::210987654321:root"}}`)}
	broken := &store.Event{Account: "123456789012", Time: now, Data: []byte(`{`)}
	tests := []struct {
		name string
		f    audit.Filter
		want []bool // denied, failedSignIn, rootCall, broken
		attr string
	}{
		{"no filter", audit.Filter{}, []bool{true, true, true, false}, ""},
		{"account", audit.Filter{Account: "210987654321"}, []bool{false, false, true, false}, ""},
		{"username", audit.Filter{Username: "bob"}, []bool{true, true, false, false}, audit.AttrUsername},
		{"username root", audit.Filter{Username: "root"}, []bool{false, false, true, false}, audit.AttrUsername},
		{"event name", audit.Filter{EventName: "CreateUser"}, []bool{false, false, true, false}, audit.AttrEventName},
		{"event source", audit.Filter{EventSource: "iam.amazonaws.com"}, []bool{true, false, true, false}, audit.AttrEventSource},
		{"errors only", audit.Filter{ErrorsOnly: true}, []bool{true, true, false, false}, ""},
		{"since", audit.Filter{Since: now.Add(-time.Hour)}, []bool{true, true, false, false}, ""},
		{"username and event name", audit.Filter{Username: "bob", EventName: "ConsoleLogin"}, []bool{false, true, false, false}, audit.AttrUsername},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, e := range []*store.Event{denied, failedSignIn, rootCall, broken} {
				if got := tt.f.Match(e); got != tt.want[i] {
					t.Errorf("event %d: match %t, want %t", i, got, tt.want[i])
				}
			}
			if got := tt.f.Attr().Name; got != tt.attr {
				t.Errorf("Attr %q, want %q", got, tt.attr)
			}
		})
	}
}
