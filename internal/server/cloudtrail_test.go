package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

// trailEvent is an event the CloudTrail tests store in the server's trail: who called what, when.
type trailEvent struct {
	id, user, name, source string
	at                     time.Time
	readOnly               bool
}

// seedTrail appends events of the default account to the running server's trail, with the lookup attributes the
// trail indexes: a trail of fixed times, beside the events of the test's own calls.
func (s *testServer) seedTrail(t *testing.T, events ...trailEvent) {
	t.Helper()
	var stored []*store.Event
	for _, e := range events {
		key := "AKIA" + strings.ToUpper(e.user) + "EXAMPLE"
		rec := audit.Event{EventVersion: audit.EventVersion, EventTime: e.at.Format(audit.TimeFormat), EventSource: e.source,
			EventName: e.name, AWSRegion: "us-east-1", SourceIPAddress: "127.0.0.1", UserAgent: "aws-cli/2", RequestParameters: json.RawMessage("null"),
			ResponseElements: json.RawMessage("null"), RequestID: "req-" + e.id, EventID: e.id, ReadOnly: e.readOnly,
			EventType: audit.TypeAPICall, ManagementEvent: true, RecipientAccountID: account, EventCategory: audit.CategoryManagement,
			UserIdentity: audit.UserIdentity{Type: "IAMUser", PrincipalID: "AIDAEXAMPLE" + strings.ToUpper(e.user), AccountID: account,
				ARN: "arn:aws:iam::" + account + ":user/" + e.user, UserName: e.user, AccessKeyID: key}}
		data, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, &store.Event{Account: account, ID: e.id, Time: e.at, Data: data, Attrs: []store.EventAttr{
			{Name: audit.AttrEventID, Value: e.id}, {Name: audit.AttrEventName, Value: e.name}, {Name: audit.AttrUsername, Value: e.user},
			{Name: audit.AttrReadOnly, Value: fmt.Sprint(e.readOnly)}, {Name: audit.AttrEventSource, Value: e.source},
			{Name: audit.AttrAccessKeyID, Value: key}}})
	}
	if err := server.StoreOf(s.srv).AppendEvents(context.Background(), stored); err != nil {
		t.Fatal(err)
	}
}

// goldenTrail is a fixed trail, early in 2026: alice's three calls and one of bob.
var goldenTrail = []trailEvent{
	{id: "11111111-1111-4111-8111-111111111111", user: "alice", name: "CreateUser", source: "iam.amazonaws.com", at: time.Date(2026, 1, 2, 10, 0, 3, 0, time.UTC)},
	{id: "22222222-2222-4222-8222-222222222222", user: "alice", name: "ListUsers", source: "iam.amazonaws.com", at: time.Date(2026, 1, 2, 10, 0, 2, 0, time.UTC), readOnly: true},
	{id: "33333333-3333-4333-8333-333333333333", user: "bob", name: "GetCallerIdentity", source: "sts.amazonaws.com", at: time.Date(2026, 1, 2, 10, 0, 1, 0, time.UTC), readOnly: true},
	{id: "44444444-4444-4444-8444-444444444444", user: "alice", name: "DeleteUser", source: "iam.amazonaws.com", at: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)},
}

// ctNormalizers replace what varies in CloudTrail answers: tokens (the place of an event in the trail) and the
// times of the trail's status.
var ctNormalizers = []jsonNormalizer{
	{regexp.MustCompile(`"NextToken":"[A-Za-z0-9_-]+"`), `"NextToken":"token"`},
	{regexp.MustCompile(`"(StartLoggingTime|LatestDeliveryTime)":[0-9.]+`), `"$1":1767225600`},
	{regexp.MustCompile(`"(TimeLoggingStarted|LatestDeliveryAttemptTime|LatestDeliveryAttemptSucceeded)":"[0-9TZ:-]+"`), `"$1":"2026-01-01T00:00:00Z"`},
}

// TestGoldenCloudTrail pins the JSON wire format of CloudTrail's answers and errors.
func TestGoldenCloudTrail(t *testing.T) {
	s := startServer(t, keepTrail)
	s.seedTrail(t, goldenTrail...)
	call := func(name, op, body string) string {
		t.Helper()
		status, out := s.callJSONService(t, rootCreds, "cloudtrail", cttypes.TargetPrefix, op, body)
		goldenJSONIn(t, "cloudtrail", ctNormalizers, name, status, out)
		return out
	}
	window := `"StartTime":1767312000,"EndTime":"2026-01-02T23:59:59Z"`
	first := call("LookupEvents", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"alice"}],`+window+`,"MaxResults":2}`)
	var page struct{ NextToken string }
	if err := json.Unmarshal([]byte(first), &page); err != nil || page.NextToken == "" {
		t.Fatalf("first page %s: %v", first, err)
	}
	call("LookupEvents-nextpage", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"alice"}],`+window+`,"NextToken":"`+page.NextToken+`"}`)
	call("LookupEvents-token-of-another-query", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"bob"}],`+window+`,"NextToken":"`+page.NextToken+`"}`)
	call("LookupEvents-readonly", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"ReadOnly","AttributeValue":"true"}],`+window+`}`)
	call("LookupEvents-insight", "LookupEvents", `{"EventCategory":"insight"}`)
	call("LookupEvents-maxresults", "LookupEvents", `{"MaxResults":51}`)
	call("LookupEvents-unknown-key", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"UserName","AttributeValue":"alice"}]}`)
	call("LookupEvents-two-attributes", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"Username","AttributeValue":"alice"},{"AttributeKey":"EventName","AttributeValue":"ListUsers"}]}`)
	call("LookupEvents-time-range", "LookupEvents", `{"StartTime":1767312000,"EndTime":1767225600}`)
	call("LookupEvents-event-category", "LookupEvents", `{"EventCategory":"management"}`)
	call("DescribeTrails", "DescribeTrails", `{}`)
	call("DescribeTrails-by-name", "DescribeTrails", `{"trailNameList":["iamd","other"],"includeShadowTrails":false}`)
	call("GetTrailStatus", "GetTrailStatus", `{"Name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/iamd"}`)
	call("GetTrailStatus-unknown", "GetTrailStatus", `{"Name":"other"}`)
	call("GetTrail", "GetTrail", `{"Name":"iamd"}`)
	call("GetTrail-bad-name", "GetTrail", `{"Name":"my-_trail"}`)
	call("GetEventSelectors", "GetEventSelectors", `{"TrailName":"arn:aws:cloudtrail:us-east-1:123456789012:trail/iamd"}`)
	call("GetEventSelectors-unknown", "GetEventSelectors", `{"TrailName":"other"}`)
	call("GetEventSelectors-no-name", "GetEventSelectors", `{}`)
	call("ListTrails", "ListTrails", `{}`)
	call("ListPublicKeys", "ListPublicKeys", `{}`)
	call("CreateTrail-not-implemented", "CreateTrail", `{"Name":"t2","S3BucketName":"b"}`)
}

// TestCloudTrailWithTheAWSCLI: the AWS CLI finds alice's calls by Username (its paginator following NextToken
// through pages of one), sees the account's trail on and logging, and gets CloudTrail's errors.
func TestCloudTrailWithTheAWSCLI(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t, keepTrail)
	s.seedTrail(t, goldenTrail...)
	var found struct {
		Events []struct {
			EventId, EventName, Username, ReadOnly, AccessKeyId, CloudTrailEvent string
		}
	}
	s.mustCLI(t, rootCreds, &found, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=Username,AttributeValue=alice",
		"--start-time", "2026-01-01T00:00:00Z", "--page-size", "1")
	var names []string
	for _, e := range found.Events {
		names = append(names, e.EventName)
		if e.Username != "alice" || e.AccessKeyId != "AKIAALICEEXAMPLE" || !strings.Contains(e.CloudTrailEvent, `"eventID":"`+e.EventId+`"`) {
			t.Errorf("event %+v", e)
		}
	}
	if strings.Join(names, ",") != "CreateUser,ListUsers,DeleteUser" {
		t.Fatalf("alice's events: %v", names)
	}
	var trails struct {
		TrailList []struct {
			Name, TrailARN, HomeRegion                                               string
			IsMultiRegionTrail, LogFileValidationEnabled, IncludeGlobalServiceEvents bool
		} `json:"trailList"`
	}
	s.mustCLI(t, rootCreds, &trails, "cloudtrail", "describe-trails")
	if len(trails.TrailList) != 1 || trails.TrailList[0].TrailARN != "arn:aws:cloudtrail:us-east-1:123456789012:trail/iamd" ||
		!trails.TrailList[0].IsMultiRegionTrail || !trails.TrailList[0].LogFileValidationEnabled || !trails.TrailList[0].IncludeGlobalServiceEvents {
		t.Fatalf("describe-trails: %+v", trails)
	}
	var status struct{ IsLogging bool }
	s.mustCLI(t, rootCreds, &status, "cloudtrail", "get-trail-status", "--name", "iamd")
	if !status.IsLogging {
		t.Fatal("get-trail-status: not logging")
	}
	// What the checks of "a multi-Region trail logging read and write management events" read (CIS 3.1).
	var trail struct{ Trail struct{ Name string } }
	s.mustCLI(t, rootCreds, &trail, "cloudtrail", "get-trail", "--name", "arn:aws:cloudtrail:us-east-1:123456789012:trail/iamd")
	if trail.Trail.Name != "iamd" {
		t.Fatalf("get-trail: %+v", trail)
	}
	var selectors struct {
		TrailARN       string
		EventSelectors []struct {
			ReadWriteType           string
			IncludeManagementEvents bool
		}
	}
	s.mustCLI(t, rootCreds, &selectors, "cloudtrail", "get-event-selectors", "--trail-name", "iamd")
	if selectors.TrailARN != "arn:aws:cloudtrail:us-east-1:123456789012:trail/iamd" || len(selectors.EventSelectors) != 1 ||
		selectors.EventSelectors[0].ReadWriteType != "All" || !selectors.EventSelectors[0].IncludeManagementEvents {
		t.Fatalf("get-event-selectors: %+v", selectors)
	}
	for _, tc := range []struct {
		args      []string
		code, msg string
	}{
		{[]string{"cloudtrail", "lookup-events", "--max-results", "51"}, "InvalidMaxResultsException", "limit specified is not valid"},
		{[]string{"cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=Bogus,AttributeValue=x"}, "InvalidLookupAttributesException", "not valid"},
		{[]string{"cloudtrail", "get-trail-status", "--name", "other"}, "TrailNotFoundException", "Unknown trail: other for the user: 123456789012"},
		{[]string{"cloudtrail", "get-event-selectors", "--trail-name", "other"}, "TrailNotFoundException", "Unknown trail: other for the user: 123456789012"},
	} {
		out, errOut, code := s.awsCLI(t, rootCreds, tc.args...)
		wantCLIError(t, out, errOut, code, tc.code, tc.msg)
	}
}

// TestCloudTrailWithBoto3: boto3's paginator reads the whole trail of a Username, its modelled exceptions are
// raised for CloudTrail's errors, and the trail status says logging.
func TestCloudTrailWithBoto3(t *testing.T) {
	needRealClient(t, "boto3")
	s := startServer(t, keepTrail)
	var many []trailEvent
	base := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	for i := range 120 {
		many = append(many, trailEvent{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), user: "carol", name: "GetUser",
			source: "iam.amazonaws.com", at: base.Add(time.Duration(i/3) * time.Second), readOnly: true})
	}
	s.seedTrail(t, append(many, goldenTrail...)...)
	out, errOut, code := s.python(t, rootCreds, `
import os, datetime, boto3
ct = boto3.client("cloudtrail", endpoint_url=os.environ["IAMD_ENDPOINT"])
start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
ids = []
for page in ct.get_paginator("lookup_events").paginate(LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "carol"}], StartTime=start):
    ids += [e["EventId"] for e in page["Events"]]
assert len(ids) == 120 and len(set(ids)) == 120, len(ids)
bob = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "sts.amazonaws.com"}], StartTime=start)["Events"]
assert [e["Username"] for e in bob] == ["bob"], bob
assert bob[0]["EventTime"] == datetime.datetime(2026, 1, 2, 10, 0, 1, tzinfo=datetime.timezone.utc) or bob[0]["EventTime"].timestamp() == 1767348001, bob
try:
    ct.lookup_events(StartTime=datetime.datetime(2026, 2, 1), EndTime=datetime.datetime(2026, 1, 1))
    raise SystemExit("time range accepted")
except ct.exceptions.InvalidTimeRangeException:
    pass
try:
    ct.lookup_events(NextToken="forged")
    raise SystemExit("token accepted")
except ct.exceptions.InvalidNextTokenException:
    pass
assert ct.get_trail_status(Name="iamd")["IsLogging"] is True
trail = ct.describe_trails(trailNameList=["iamd"])["trailList"][0]
assert trail["HomeRegion"] == "us-east-1" and trail["IsMultiRegionTrail"], trail
assert ct.list_public_keys()["PublicKeyList"] == []
assert ct.get_trail(Name="iamd")["Trail"]["IsMultiRegionTrail"] is True
sel = ct.get_event_selectors(TrailName="iamd")["EventSelectors"]
assert sel == [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [], "ExcludeManagementEventSources": []}], sel
try:
    ct.get_trail(Name="other")
    raise SystemExit("another trail found")
except ct.exceptions.TrailNotFoundException:
    pass
print("ok")
`)
	if code != 0 || strings.TrimSpace(out) != "ok" {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestLookupEventsFindsADeniedCall: the calls the server records are what LookupEvents answers. A call iamd denies
// is found with the AWS CLI by Username and with boto3 by EventName, with AccessDenied, AWS's message and the
// engine's explanation in its CloudTrailEvent.
func TestLookupEventsFindsADeniedCall(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t, keepTrail)
	dora := credsUserWithKey(t, s, "ct-dora")
	out, errOut, code := s.awsCLI(t, dora, "iam", "list-roles")
	wantCLIError(t, out, errOut, code, "AccessDenied", "iam:ListRoles")
	if err := s.srv.FlushTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
	var found struct {
		Events []struct{ EventName, Username, ReadOnly, CloudTrailEvent string }
	}
	s.mustCLI(t, rootCreds, &found, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=Username,AttributeValue=ct-dora")
	if len(found.Events) == 0 {
		t.Fatal("no event of ct-dora")
	}
	e := found.Events[0]
	var rec audit.Event
	if err := json.Unmarshal([]byte(e.CloudTrailEvent), &rec); err != nil {
		t.Fatal(err)
	}
	if e.EventName != "ListRoles" || e.Username != "ct-dora" || e.ReadOnly != "true" || rec.ErrorCode != "AccessDenied" ||
		!strings.Contains(rec.ErrorMessage, "is not authorized to perform: iam:ListRoles") || !strings.Contains(string(rec.AdditionalEventData), "implicitDeny") {
		t.Fatalf("event %+v\n%s", e, e.CloudTrailEvent)
	}
	needRealClient(t, "boto3")
	py, errOut, code := s.python(t, rootCreds, `
import os, json, boto3
ct = boto3.client("cloudtrail", endpoint_url=os.environ["IAMD_ENDPOINT"])
evs = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListRoles"}])["Events"]
rec = json.loads(evs[0]["CloudTrailEvent"])
print(evs[0]["Username"], rec["errorCode"], rec["additionalEventData"]["iamdDecision"]["decision"])
`)
	if code != 0 || strings.TrimSpace(py) != "ct-dora AccessDenied implicitDeny" {
		t.Fatalf("boto3: exit %d\n%s\n%s", code, py, errOut)
	}
}

// TestCloudTrailCallsAreInTheTrail: a call of CloudTrail's API is recorded like any other, as an event of
// cloudtrail.amazonaws.com that LookupEvents finds.
func TestCloudTrailCallsAreInTheTrail(t *testing.T) {
	s := startServer(t, keepTrail)
	if status, body := s.callJSONService(t, rootCreds, "cloudtrail", cttypes.TargetPrefix, "DescribeTrails", `{}`); status != 200 {
		t.Fatalf("DescribeTrails: %d %s", status, body)
	}
	if err := s.srv.FlushTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
	status, body := s.callJSONService(t, rootCreds, "cloudtrail", cttypes.TargetPrefix, "LookupEvents",
		`{"LookupAttributes":[{"AttributeKey":"EventSource","AttributeValue":"cloudtrail.amazonaws.com"}]}`)
	var out struct {
		Events []struct{ EventName, ReadOnly, Username string }
	}
	if err := json.Unmarshal([]byte(body), &out); status != 200 || err != nil {
		t.Fatalf("LookupEvents: %d %s (%v)", status, body, err)
	}
	if len(out.Events) != 1 || out.Events[0].EventName != "DescribeTrails" || out.Events[0].ReadOnly != "true" || out.Events[0].Username != "root" {
		t.Fatalf("events %+v", out.Events)
	}
}

// keepTrail keeps every event (--audit-retention 0): the seeded trail is early in 2026, older than the default 90
// days, and a server prunes at start.
func keepTrail(c *config.Config) { c.AuditRetention = "0" }
