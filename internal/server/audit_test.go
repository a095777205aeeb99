package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

// trailEvents reads the account's events (newest first) that carry attr, once every answered request has its event.
func trailEvents(t *testing.T, s *testServer, account string, attr store.EventAttr) []audit.Event {
	t.Helper()
	ctx := context.Background()
	if err := s.srv.FlushTrail(ctx); err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	err := server.StoreOf(s.srv).View(ctx, func(ctx context.Context, r store.Reader) error {
		evs, err := r.Events(ctx, store.EventQuery{Account: account, Attr: attr})
		for _, e := range evs {
			var ev audit.Event
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				return err
			}
			out = append(out, ev)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTrailRecordsAChangeWithItsEventAndADenialWithItsExplanation: a change's event is in the store as soon as
// the change is answered (it was written in the change's transaction), and a denied call is recorded with
// AccessDenied, AWS's message and the engine's explanation.
func TestTrailRecordsAChangeWithItsEventAndADenialWithItsExplanation(t *testing.T) {
	s := startServer(t)
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"trail-alice"}}); status != 200 {
		t.Fatalf("CreateUser: %d %s", status, body)
	}
	// Without waiting for the trail's writer: the change's event came with the change.
	var found bool
	server.StoreOf(s.srv).View(context.Background(), func(ctx context.Context, r store.Reader) error {
		evs, _ := r.Events(ctx, store.EventQuery{Account: "123456789012", Attr: store.EventAttr{Name: audit.AttrEventName, Value: "CreateUser"}})
		found = len(evs) == 1
		return nil
	})
	if !found {
		t.Fatal("CreateUser answered, but its event is not in the store")
	}
	alice := credsUserWithKey(t, s, "trail-bob")
	if status, body := s.call(t, alice, "iam", url.Values{"Action": {"ListRoles"}}); status != 403 {
		t.Fatalf("ListRoles as bob: %d %s", status, body)
	}
	evs := trailEvents(t, s, "123456789012", store.EventAttr{Name: audit.AttrUsername, Value: "trail-bob"})
	if len(evs) == 0 {
		t.Fatal("no event of trail-bob")
	}
	ev := evs[0]
	if ev.EventName != "ListRoles" || ev.ErrorCode != "AccessDenied" || ev.EventSource != "iam.amazonaws.com" || ev.UserIdentity.Type != "IAMUser" ||
		ev.UserIdentity.UserName != "trail-bob" || !ev.ReadOnly || ev.EventVersion != audit.EventVersion {
		t.Fatalf("event %+v", ev)
	}
	if _, err := time.Parse(audit.TimeFormat, ev.EventTime); err != nil {
		t.Fatal(err)
	}
	var add struct {
		Decision audit.Explanation `json:"iamdDecision"`
	}
	if err := json.Unmarshal(ev.AdditionalEventData, &add); err != nil || add.Decision.Decision != "implicitDeny" || add.Decision.MissingLayer == "" {
		t.Fatalf("additionalEventData %s (%v)", ev.AdditionalEventData, err)
	}
	// An allowed call names the statement that allowed it.
	carol := s.userWithPolicy(t, "trail-carol", `{"Version":"2012-10-17","Statement":[{"Sid":"Lists","Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
	if status, body := s.call(t, carol, "iam", url.Values{"Action": {"ListUsers"}}); status != 200 {
		t.Fatalf("ListUsers as carol: %d %s", status, body)
	}
	evs = trailEvents(t, s, "123456789012", store.EventAttr{Name: audit.AttrUsername, Value: "trail-carol"})
	if len(evs) == 0 {
		t.Fatal("no event of trail-carol")
	}
	if err := json.Unmarshal(evs[0].AdditionalEventData, &add); err != nil || add.Decision.Decision != "allowed" || len(add.Decision.Statements) != 1 ||
		add.Decision.Statements[0].Sid != "Lists" || add.Decision.Statements[0].Effect != "Allow" {
		t.Fatalf("allowed call's additionalEventData %s (%v)", evs[0].AdditionalEventData, err)
	}
}
