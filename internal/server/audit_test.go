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

// TestTrailRecordsDecisionAPICallsAsDataEventsOfTheServiceAsked: an authorization asked of the decision API is
// recorded as a data event of the service asked about (eventSource notes.amazonaws.com, eventName GetNote), by the
// principal asked about, denied with AccessDenied and the engine's explanation, with the caller of the decision
// API named in additionalEventData.
func TestTrailRecordsDecisionAPICallsAsDataEventsOfTheServiceAsked(t *testing.T) {
	s := startServer(t)
	credsUserWithKey(t, s, "dave")
	for _, action := range []string{"notes:GetNote", "notes:DeleteNote"} {
		status, out := s.authorizeRaw(t, rootCreds, `{"principal":"arn:aws:iam::123456789012:user/dave","action":"`+action+`","resource":"arn:aws:notes:us-east-1:123456789012:note/n1"}`)
		if status != 200 || out["decision"] != "implicitDeny" {
			t.Fatalf("authorize %s: %d %v", action, status, out)
		}
	}
	evs := trailEvents(t, s, "123456789012", store.EventAttr{Name: audit.AttrEventSource, Value: "notes.amazonaws.com"})
	if len(evs) != 2 {
		t.Fatalf("%d events of notes.amazonaws.com", len(evs))
	}
	ev := evs[1] // newest first: GetNote was asked first
	if ev.EventName != "GetNote" || ev.EventCategory != audit.CategoryData || ev.ManagementEvent || !ev.ReadOnly ||
		ev.UserIdentity.Type != "IAMUser" || ev.UserIdentity.UserName != "dave" || ev.ErrorCode != "AccessDenied" ||
		len(ev.Resources) != 1 || ev.Resources[0].ARN != "arn:aws:notes:us-east-1:123456789012:note/n1" {
		t.Fatalf("event %+v", ev)
	}
	if evs[0].EventName != "DeleteNote" || evs[0].ReadOnly {
		t.Fatalf("DeleteNote event %+v", evs[0])
	}
	var add struct {
		Decision audit.Explanation `json:"iamdDecision"`
		Caller   struct {
			Caller string `json:"caller"`
		} `json:"iamdDecisionAPI"`
	}
	if err := json.Unmarshal(ev.AdditionalEventData, &add); err != nil || add.Decision.Decision != "implicitDeny" ||
		add.Caller.Caller != "arn:aws:iam::123456789012:root" {
		t.Fatalf("additionalEventData %s (%v)", ev.AdditionalEventData, err)
	}
	// Found by the principal's user name, as LookupEvents finds it.
	if got := trailEvents(t, s, "123456789012", store.EventAttr{Name: audit.AttrUsername, Value: "dave"}); len(got) < 2 {
		t.Fatalf("%d events of dave", len(got))
	}
}
