package audit_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
)

// trailSeeds is a small trail of account acct (newest first) and one event of another account.
var trailSeeds = []seed{
	{id: "e1", name: "CreateUser", source: "iam.amazonaws.com", user: "alice", key: "AKIAALICE", ago: 1 * time.Minute,
		resources: []audit.Resource{{ARN: "arn:aws:iam::111111111111:user/bob", Type: "AWS::IAM::User"}}},
	{id: "e2", name: "ListUsers", source: "iam.amazonaws.com", user: "alice", key: "AKIAALICE", ago: 2 * time.Minute, readOnly: true},
	{id: "e3", name: "GetCallerIdentity", source: "sts.amazonaws.com", user: "ci", identity: "AssumedRole", key: "ASIACI", ago: 3 * time.Minute, readOnly: true},
	{id: "e4", name: "CreateUser", source: "iam.amazonaws.com", user: "bob", key: "AKIABOB", ago: 4 * time.Minute,
		resources: []audit.Resource{{ARN: "arn:aws:iam::111111111111:user/carol", Type: "AWS::IAM::User"}}},
	{id: "e5", name: "DescribeOrganization", source: "organizations.amazonaws.com", identity: "Root", ago: 5 * time.Minute, readOnly: true},
	{id: "x1", name: "CreateUser", source: "iam.amazonaws.com", user: "alice", key: "AKIAOTHER", account: other, ago: 30 * time.Second},
}

func ids(out *cttypes.LookupEventsResponse) []string {
	var s []string
	for _, e := range out.Events {
		s = append(s, *e.EventId)
	}
	return s
}

func attr(key cttypes.LookupAttributeKey, value string) []cttypes.LookupAttribute {
	return []cttypes.LookupAttribute{{AttributeKey: key, AttributeValue: value}}
}

// TestLookupEventsFindsByEachAttribute: each of CloudTrail's eight lookup attributes selects exactly the caller's
// account's events that carry it, newest first; values compare exactly.
func TestLookupEventsFindsByEachAttribute(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	f.appendEvents(t, trailSeeds...)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   []cttypes.LookupAttribute
		want []string
	}{
		{"no attribute: the whole account", nil, []string{"e1", "e2", "e3", "e4", "e5"}},
		{"EventId", attr(cttypes.LookupAttributeKeyEventId, "e3"), []string{"e3"}},
		{"EventName", attr(cttypes.LookupAttributeKeyEventName, "CreateUser"), []string{"e1", "e4"}},
		{"EventName is case-sensitive", attr(cttypes.LookupAttributeKeyEventName, "createuser"), nil},
		{"ReadOnly true", attr(cttypes.LookupAttributeKeyReadOnly, "true"), []string{"e2", "e3", "e5"}},
		{"ReadOnly false", attr(cttypes.LookupAttributeKeyReadOnly, "false"), []string{"e1", "e4"}},
		{"Username of a user", attr(cttypes.LookupAttributeKeyUsername, "alice"), []string{"e1", "e2"}},
		{"Username of a role session", attr(cttypes.LookupAttributeKeyUsername, "ci"), []string{"e3"}},
		{"Username of root", attr(cttypes.LookupAttributeKeyUsername, "root"), []string{"e5"}},
		{"ResourceType", attr(cttypes.LookupAttributeKeyResourceType, "AWS::IAM::User"), []string{"e1", "e4"}},
		{"ResourceName", attr(cttypes.LookupAttributeKeyResourceName, "arn:aws:iam::111111111111:user/carol"), []string{"e4"}},
		{"EventSource", attr(cttypes.LookupAttributeKeyEventSource, "sts.amazonaws.com"), []string{"e3"}},
		{"AccessKeyId", attr(cttypes.LookupAttributeKeyAccessKeyId, "AKIABOB"), []string{"e4"}},
		{"another account's key finds nothing", attr(cttypes.LookupAttributeKeyAccessKeyId, "AKIAOTHER"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.LookupEvents(ctx, rootOf(acct), &cttypes.LookupEventsRequest{LookupAttributes: tc.in})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(out); !slices.Equal(got, tc.want) || out.NextToken != nil {
				t.Fatalf("events %v (next %v), want %v", got, out.NextToken, tc.want)
			}
		})
	}
}

// TestLookupEventsAnswersEventFields: each event carries its ID, name, ReadOnly as "true"/"false", access key,
// time (to the second), source, Username, resources (type and name; [] when none) and the stored record as
// CloudTrailEvent.
func TestLookupEventsAnswersEventFields(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	f.appendEvents(t, trailSeeds...)
	out, err := f.LookupEvents(context.Background(), rootOf(acct), &cttypes.LookupEventsRequest{MaxResults: ptr[int32](2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 || out.NextToken == nil {
		t.Fatalf("%d events, next %v", len(out.Events), out.NextToken)
	}
	e := out.Events[0]
	if *e.EventId != "e1" || *e.EventName != "CreateUser" || *e.ReadOnly != "false" || *e.AccessKeyId != "AKIAALICE" ||
		!e.EventTime.Equal(now.Add(-time.Minute)) || *e.EventSource != "iam.amazonaws.com" || *e.Username != "alice" ||
		len(e.Resources) != 1 || *e.Resources[0].ResourceType != "AWS::IAM::User" || *e.Resources[0].ResourceName != "arn:aws:iam::111111111111:user/bob" {
		t.Fatalf("event %+v", e)
	}
	var rec audit.Event
	if err := json.Unmarshal([]byte(*e.CloudTrailEvent), &rec); err != nil || rec.EventID != "e1" || rec.UserIdentity.UserName != "alice" {
		t.Fatalf("CloudTrailEvent %s: %v", *e.CloudTrailEvent, err)
	}
	if r := out.Events[1].Resources; r == nil || len(r) != 0 || *out.Events[1].ReadOnly != "true" {
		t.Fatalf("second event %+v", out.Events[1])
	}
}

// TestLookupEventsPagesWithNextToken: MaxResults pages through every event once, newest first, and the last page
// has no token; a token belongs to its query: used with another attribute, time range or account, or altered, it
// is InvalidNextTokenException. MaxResults may change between pages.
func TestLookupEventsPagesWithNextToken(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	var seeds []seed
	for i := range 7 {
		// two events share each second, so pages split ties by Seq
		seeds = append(seeds, seed{id: "p" + string(rune('a'+i)), name: "GetUser", source: "iam.amazonaws.com", user: "alice",
			ago: time.Duration(i/2) * time.Second, readOnly: true})
	}
	f.appendEvents(t, seeds...)
	ctx := context.Background()
	in := &cttypes.LookupEventsRequest{LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "alice"), MaxResults: ptr[int32](3)}
	var got []string
	var pages int
	for {
		out, err := f.LookupEvents(ctx, rootOf(acct), in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, ids(out)...)
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	slices.Sort(got)
	if pages != 3 || !slices.Equal(got, []string{"pa", "pb", "pc", "pd", "pe", "pf", "pg"}) {
		t.Fatalf("%d pages: %v", pages, got)
	}

	first, err := f.LookupEvents(ctx, rootOf(acct), &cttypes.LookupEventsRequest{LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "alice"), MaxResults: ptr[int32](2)})
	if err != nil || first.NextToken == nil {
		t.Fatal(err)
	}
	tok := first.NextToken
	// another page size is fine
	if out, err := f.LookupEvents(ctx, rootOf(acct), &cttypes.LookupEventsRequest{LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "alice"),
		MaxResults: ptr[int32](50), NextToken: tok}); err != nil || len(out.Events) != 5 {
		t.Fatalf("another page size: %v %v", err, out)
	}
	altered := []byte(*tok)
	altered[len(altered)/2] ^= 1
	for name, in := range map[string]*cttypes.LookupEventsRequest{
		"another attribute": {LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "bob"), NextToken: tok},
		"no attribute":      {NextToken: tok},
		"a time range":      {LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "alice"), StartTime: ptr(now.Add(-time.Hour)), NextToken: tok},
		"altered":           {LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "alice"), NextToken: ptr(string(altered))},
		"not base64":        {NextToken: ptr("not a token!")},
	} {
		_, err := f.LookupEvents(ctx, rootOf(acct), in)
		if err == nil {
			t.Errorf("%s: token accepted", name)
			continue
		}
		wantCTError(t, err, "InvalidNextTokenException")
	}
	_, err = f.LookupEvents(ctx, rootOf(other), &cttypes.LookupEventsRequest{LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "alice"), NextToken: tok})
	wantCTError(t, err, "InvalidNextTokenException")
}

// TestLookupEventsTimeRange: StartTime and EndTime are inclusive to the second; without them the last 90 days
// (Options.Retention) are searched, counted back from EndTime when it is earlier than now.
func TestLookupEventsTimeRange(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	f.appendEvents(t,
		seed{id: "t0", name: "GetUser", source: "iam.amazonaws.com", user: "u", ago: 0},
		seed{id: "t10", name: "GetUser", source: "iam.amazonaws.com", user: "u", ago: 10*time.Second - 300*time.Millisecond},
		seed{id: "t20", name: "GetUser", source: "iam.amazonaws.com", user: "u", ago: 20 * time.Second},
		seed{id: "d89", name: "GetUser", source: "iam.amazonaws.com", user: "u", ago: 89 * 24 * time.Hour},
		seed{id: "d91", name: "GetUser", source: "iam.amazonaws.com", user: "u", ago: 91 * 24 * time.Hour},
		seed{id: "d150", name: "GetUser", source: "iam.amazonaws.com", user: "u", ago: 150 * 24 * time.Hour},
	)
	at := func(ago time.Duration) *time.Time { return ptr(now.Add(-ago)) }
	for _, tc := range []struct {
		name       string
		start, end *time.Time
		want       []string
	}{
		{"default: the last 90 days", nil, nil, []string{"t0", "t10", "t20", "d89"}},
		{"inclusive bounds, to the second", at(20 * time.Second), at(10 * time.Second), []string{"t10", "t20"}},
		{"one second", at(20 * time.Second), at(20 * time.Second), []string{"t20"}},
		{"StartTime only: until now", at(15 * time.Second), nil, []string{"t0", "t10"}},
		{"EndTime only: 90 days before it", nil, at(2 * 24 * time.Hour), []string{"d89", "d91"}},
		{"an explicit StartTime reaches past 90 days", at(200 * 24 * time.Hour), at(90 * 24 * time.Hour), []string{"d91", "d150"}},
		{"StartTime in the future", at(-time.Hour), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.LookupEvents(context.Background(), rootOf(acct), &cttypes.LookupEventsRequest{StartTime: tc.start, EndTime: tc.end})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(out); !slices.Equal(got, tc.want) {
				t.Fatalf("events %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLookupEventsInsightAnswersNone: iamd records no Insights events, so EventCategory insight answers an empty
// list (after authorization).
func TestLookupEventsInsightAnswersNone(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	f.appendEvents(t, trailSeeds...)
	out, err := f.LookupEvents(context.Background(), rootOf(acct), &cttypes.LookupEventsRequest{EventCategory: ptr(cttypes.EventCategoryInsight)})
	if err != nil || out.Events == nil || len(out.Events) != 0 || out.NextToken != nil {
		t.Fatalf("%v %+v", err, out)
	}
}

// lookupErrorCase is one case of testdata/lookup_errors.json: a request CloudTrail refuses, the error code and
// the words the message must hold, and where AWS says so.
type lookupErrorCase struct {
	Name    string                      `json:"name"`
	Source  string                      `json:"source"`
	Request json.RawMessage             `json:"request"`
	Code    string                      `json:"code"`
	Message string                      `json:"message"`
	Op      string                      `json:"op"` // LookupEvents when empty
	in      cttypes.LookupEventsRequest `json:"-"`
}

// caseRequest is the JSON form of the requests in the case file (times as RFC 3339).
type caseRequest struct {
	LookupAttributes []struct{ AttributeKey, AttributeValue string }
	StartTime        *time.Time
	EndTime          *time.Time
	EventCategory    *string
	MaxResults       *int32
	NextToken        *string
	Name             string
	TrailNameList    []string
}

// TestErrorsAsCloudTrailAnswersThem: the requests of testdata/lookup_errors.json, each refused with CloudTrail's
// error for it, by the domain (the wire layer maps the model's constraints to the same codes: internal/server).
func TestErrorsAsCloudTrailAnswersThem(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "lookup_errors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []lookupErrorCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, audit.ServiceOptions{})
	f.appendEvents(t, trailSeeds...)
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Source == "" {
				t.Fatal("case without a source")
			}
			var r caseRequest
			if err := json.Unmarshal(tc.Request, &r); err != nil {
				t.Fatal(err)
			}
			var err error
			switch tc.Op {
			case "", "LookupEvents":
				in := &cttypes.LookupEventsRequest{StartTime: r.StartTime, EndTime: r.EndTime, MaxResults: r.MaxResults, NextToken: r.NextToken}
				for _, a := range r.LookupAttributes {
					in.LookupAttributes = append(in.LookupAttributes, cttypes.LookupAttribute{AttributeKey: cttypes.LookupAttributeKey(a.AttributeKey), AttributeValue: a.AttributeValue})
				}
				if r.EventCategory != nil {
					in.EventCategory = ptr(cttypes.EventCategory(*r.EventCategory))
				}
				_, err = f.LookupEvents(ctx, rootOf(acct), in)
			case "GetTrailStatus":
				_, err = f.GetTrailStatus(ctx, rootOf(acct), &cttypes.GetTrailStatusRequest{Name: r.Name})
			case "DescribeTrails":
				_, err = f.DescribeTrails(ctx, rootOf(acct), &cttypes.DescribeTrailsRequest{TrailNameList: r.TrailNameList})
			case "ListPublicKeys":
				_, err = f.ListPublicKeys(ctx, rootOf(acct), &cttypes.ListPublicKeysRequest{StartTime: r.StartTime, EndTime: r.EndTime})
			default:
				t.Fatalf("unknown op %s", tc.Op)
			}
			ae := wantCTError(t, err, tc.Code)
			if ae.HTTPStatus != 400 || !strings.Contains(ae.Message, tc.Message) {
				t.Fatalf("%d %q, want 400 and a message with %q", ae.HTTPStatus, ae.Message, tc.Message)
			}
		})
	}
}

// TestLookupEventsIsAuthorized: an IAM user needs cloudtrail:LookupEvents (on "*"); the refusal is CloudTrail's
// AccessDeniedException, whose message names no resource, as AWS's does for an action without a resource type.
func TestLookupEventsIsAuthorized(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	f.appendEvents(t, trailSeeds...)
	ctx := context.Background()
	u, err := f.IAM.CreateUser(ctx, rootOf(acct), &iamtypes.CreateUserRequest{UserName: "dave"})
	if err != nil {
		t.Fatal(err)
	}
	dave := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.User.Arn, Account: acct}, Name: "dave", UserID: u.User.UserId}
	_, err = f.LookupEvents(ctx, dave, &cttypes.LookupEventsRequest{})
	ae := wantCTError(t, err, "AccessDeniedException")
	want := "User: arn:aws:iam::111111111111:user/dave is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action"
	if ae.Message != want || ae.HTTPStatus != 400 {
		t.Fatalf("%d %q\nwant %q", ae.HTTPStatus, ae.Message, want)
	}
	if err := f.IAM.PutUserPolicy(ctx, rootOf(acct), &iamtypes.PutUserPolicyRequest{UserName: "dave", PolicyName: "trail",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	out, err := f.LookupEvents(ctx, dave, &cttypes.LookupEventsRequest{})
	if err != nil || len(out.Events) != 5 {
		t.Fatalf("%v %v", err, out)
	}
	_, err = f.DescribeTrails(ctx, dave, &cttypes.DescribeTrailsRequest{})
	wantCTError(t, err, "AccessDeniedException")
}
