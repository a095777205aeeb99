package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

const (
	acct  = "111111111111"
	other = "222222222222"
)

// now is the tests' clock: events are seeded relative to it.
var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// fixture is the CloudTrail service over a real SQLite store, with IAM on the tests' clock and two accounts.
type fixture struct {
	*audit.Service
	IAM   *iam.Service
	Store store.Store
	box   *secret.Box
}

func newFixture(t testing.TB, opts audit.ServiceOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	svc := iam.New(st, cat, box, func() time.Time { return now }, "us-east-1", iam.Options{})
	for _, a := range []string{acct, other} {
		if _, err := svc.EnsureAccount(ctx, a, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{audit.NewService(st, svc, opts), svc, st, box}
}

func rootOf(account string) *iam.Caller {
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + account + ":root", Account: account},
		UserID: account, Region: "us-east-1"}
}

// wantCTError requires err to be the AWS error code and returns it.
func wantCTError(t *testing.T, err error, code string) *awserr.Error {
	t.Helper()
	ae, ok := awserr.As(err)
	if !ok || ae.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
	return ae
}

// seed is an event to store: the record's lookup fields, and its time as an offset from now.
type seed struct {
	id, name, source, user, key string
	account                     string // acct when empty
	ago                         time.Duration
	readOnly                    bool
	resources                   []audit.Resource
	identity                    string // the userIdentity type; IAMUser when empty
}

// record is the CloudTrail record of s.
func (s seed) record() (*audit.Event, time.Time) {
	account := s.account
	if account == "" {
		account = acct
	}
	typ := s.identity
	if typ == "" {
		typ = "IAMUser"
	}
	at := now.Add(-s.ago)
	ui := audit.UserIdentity{Type: typ, AccountID: account, AccessKeyID: s.key, PrincipalID: "AIDAEXAMPLE"}
	switch typ {
	case "IAMUser":
		ui.ARN, ui.UserName = "arn:aws:iam::"+account+":user/"+s.user, s.user
	case "AssumedRole":
		ui.ARN = "arn:aws:sts::" + account + ":assumed-role/deploy/" + s.user
	case "Root":
		ui.ARN = "arn:aws:iam::" + account + ":root"
	}
	return &audit.Event{EventVersion: audit.EventVersion, UserIdentity: ui, EventTime: at.Format(audit.TimeFormat),
		EventSource: s.source, EventName: s.name, AWSRegion: "us-east-1", SourceIPAddress: "127.0.0.1", UserAgent: "test",
		RequestParameters: json.RawMessage("null"), ResponseElements: json.RawMessage("null"), RequestID: "req-" + s.id,
		EventID: s.id, ReadOnly: s.readOnly, Resources: s.resources, EventType: audit.TypeAPICall, ManagementEvent: true,
		RecipientAccountID: account, EventCategory: audit.CategoryManagement}, at
}

// appendEvents stores the seeds with store.AppendEvents, with the lookup attributes the trail indexes.
func (f *fixture) appendEvents(t *testing.T, seeds ...seed) {
	t.Helper()
	var events []*store.Event
	for _, s := range seeds {
		rec, at := s.record()
		data, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		attrs := []store.EventAttr{{Name: audit.AttrEventID, Value: rec.EventID}, {Name: audit.AttrEventName, Value: rec.EventName},
			{Name: audit.AttrReadOnly, Value: strconv.FormatBool(rec.ReadOnly)}, {Name: audit.AttrEventSource, Value: rec.EventSource}}
		// LookupEvents' Username: the user's name, the role session's, root
		if u := map[string]string{"IAMUser": s.user, "AssumedRole": s.user, "Root": "root"}[rec.UserIdentity.Type]; u != "" {
			attrs = append(attrs, store.EventAttr{Name: audit.AttrUsername, Value: u})
		}
		if rec.UserIdentity.AccessKeyID != "" {
			attrs = append(attrs, store.EventAttr{Name: audit.AttrAccessKeyID, Value: rec.UserIdentity.AccessKeyID})
		}
		for _, r := range rec.Resources {
			attrs = append(attrs, store.EventAttr{Name: audit.AttrResourceType, Value: r.Type}, store.EventAttr{Name: audit.AttrResourceName, Value: r.ARN})
		}
		events = append(events, &store.Event{Account: rec.RecipientAccountID, ID: rec.EventID, Time: at, Attrs: attrs, Data: data})
	}
	if err := f.Store.AppendEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}
