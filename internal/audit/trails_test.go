package audit_test

import (
	"context"
	"crypto/x509"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

const trailARN = "arn:aws:cloudtrail:us-east-1:111111111111:trail/iamd"

// TestDescribeTrailsShowsTheAccountsTrail: the account's one trail, multi-Region with global service events and
// log file validation, home us-east-1; named by name or ARN or not at all; names of other trails are left out;
// outside its home Region it is a shadow trail, left out when IncludeShadowTrails is false.
func TestDescribeTrailsShowsTheAccountsTrail(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	ctx := context.Background()
	inRegion := func(region string) *iam.Caller { c := rootOf(acct); c.Region = region; return c }
	for _, tc := range []struct {
		name   string
		region string
		in     cttypes.DescribeTrailsRequest
		found  bool
	}{
		{"no names", "us-east-1", cttypes.DescribeTrailsRequest{}, true},
		{"by name", "us-east-1", cttypes.DescribeTrailsRequest{TrailNameList: []string{"iamd"}}, true},
		{"by ARN", "us-east-1", cttypes.DescribeTrailsRequest{TrailNameList: []string{trailARN}}, true},
		{"another trail's name", "us-east-1", cttypes.DescribeTrailsRequest{TrailNameList: []string{"other"}}, false},
		{"another account's trail", "us-east-1", cttypes.DescribeTrailsRequest{TrailNameList: []string{"arn:aws:cloudtrail:us-east-1:222222222222:trail/iamd"}}, false},
		{"a shadow trail by default", "eu-west-1", cttypes.DescribeTrailsRequest{}, true},
		{"shadow trails left out", "eu-west-1", cttypes.DescribeTrailsRequest{IncludeShadowTrails: ptr(false)}, false},
		{"the home Region without shadow trails", "us-east-1", cttypes.DescribeTrailsRequest{IncludeShadowTrails: ptr(false)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.DescribeTrails(ctx, inRegion(tc.region), &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.found {
				if out.TrailList == nil || len(out.TrailList) != 0 {
					t.Fatalf("trails %+v", out.TrailList)
				}
				return
			}
			if len(out.TrailList) != 1 {
				t.Fatalf("trails %+v", out.TrailList)
			}
			tr := out.TrailList[0]
			if *tr.Name != "iamd" || *tr.TrailARN != trailARN || *tr.HomeRegion != "us-east-1" || !*tr.IsMultiRegionTrail ||
				!*tr.IncludeGlobalServiceEvents || !*tr.LogFileValidationEnabled || *tr.IsOrganizationTrail || *tr.HasCustomEventSelectors ||
				*tr.HasInsightSelectors {
				t.Fatalf("trail %+v", tr)
			}
		})
	}
}

// TestTrailOfAnotherPartition: an account of the China partition has its trail there, home cn-north-1.
func TestTrailOfAnotherPartition(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	ctx := context.Background()
	const cn = "333333333333"
	if err := f.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return f.IAM.EnsureAccountInTx(ctx, tx, awsregion.China, cn)
	}); err != nil {
		t.Fatal(err)
	}
	c := rootOf(cn)
	c.Principal.ARN = "arn:aws-cn:iam::" + cn + ":root"
	out, err := f.ListTrails(ctx, c, &cttypes.ListTrailsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Trails) != 1 || *out.Trails[0].TrailARN != "arn:aws-cn:cloudtrail:cn-north-1:"+cn+":trail/iamd" || *out.Trails[0].HomeRegion != "cn-north-1" {
		t.Fatalf("trails %+v", out.Trails)
	}
}

// TestListTrailsListsTheAccountsTrail: ListTrails names the trail with its ARN and home Region.
func TestListTrailsListsTheAccountsTrail(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	out, err := f.ListTrails(context.Background(), rootOf(acct), &cttypes.ListTrailsRequest{})
	if err != nil || len(out.Trails) != 1 || *out.Trails[0].TrailARN != trailARN || *out.Trails[0].Name != "iamd" || *out.Trails[0].HomeRegion != "us-east-1" || out.NextToken != nil {
		t.Fatalf("%v %+v", err, out)
	}
}

// TestGetTrailStatusIsLogging: by name or ARN the trail is logging since the trail began (Options.Started), and
// its latest delivery is the account's newest event; before any event there is none.
func TestGetTrailStatusIsLogging(t *testing.T) {
	started := now.Add(-time.Hour)
	f := newFixture(t, audit.ServiceOptions{Started: started})
	ctx := context.Background()
	out, err := f.GetTrailStatus(ctx, rootOf(acct), &cttypes.GetTrailStatusRequest{Name: "iamd"})
	if err != nil {
		t.Fatal(err)
	}
	if !*out.IsLogging || !out.StartLoggingTime.Equal(started) || *out.TimeLoggingStarted != "2026-12-06T11:00:00Z" ||
		out.LatestDeliveryTime != nil || out.StopLoggingTime != nil || out.LatestDeliveryError != nil {
		t.Fatalf("status %+v", out)
	}
	f.appendEvents(t, trailSeeds...)
	out, err = f.GetTrailStatus(ctx, rootOf(acct), &cttypes.GetTrailStatusRequest{Name: trailARN})
	if err != nil {
		t.Fatal(err)
	}
	// x1, of the other account, is newer than e1: it is not this account's delivery
	if !*out.IsLogging || !out.LatestDeliveryTime.Equal(now.Add(-time.Minute)) || *out.LatestDeliveryAttemptSucceeded != "2026-12-06T11:59:00Z" {
		t.Fatalf("status %+v", out)
	}
}

// TestListPublicKeysListsTheDigestKeys: before the trail's first export made the digest signing key the list is
// empty; then it holds that key (PKCS#1 DER, its fingerprint, valid since it was made, no end) for the default
// time (now), and none for a range before it was made.
func TestListPublicKeysListsTheDigestKeys(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, audit.ServiceOptions{})
	out, err := f.ListPublicKeys(ctx, rootOf(acct), &cttypes.ListPublicKeysRequest{})
	if err != nil || out.PublicKeyList == nil || len(out.PublicKeyList) != 0 {
		t.Fatalf("%v %+v", err, out)
	}
	made := now.Add(-time.Hour)
	signer, err := audit.DigestSigningKey(ctx, f.Store, f.box, made)
	if err != nil {
		t.Fatal(err)
	}
	out, err = f.ListPublicKeys(ctx, rootOf(acct), &cttypes.ListPublicKeysRequest{})
	if err != nil || len(out.PublicKeyList) != 1 {
		t.Fatalf("%v %+v", err, out)
	}
	k := out.PublicKeyList[0]
	pub, err := x509.ParsePKCS1PublicKey(k.Value)
	if err != nil || *k.Fingerprint != signer.Fingerprint() || *k.Fingerprint != audit.DigestKeyFingerprint(pub) ||
		!k.ValidityStartTime.Equal(made) || k.ValidityEndTime != nil {
		t.Fatalf("key %+v: %v", k, err)
	}
	out, err = f.ListPublicKeys(ctx, rootOf(acct), &cttypes.ListPublicKeysRequest{StartTime: ptr(now.Add(-3 * time.Hour)), EndTime: ptr(now.Add(-2 * time.Hour))})
	if err != nil || len(out.PublicKeyList) != 0 {
		t.Fatalf("before the key: %v %+v", err, out)
	}
}

// TestGetTrailStatusIsAuthorizedOnTheTrail: cloudtrail:GetTrailStatus is decided on the trail's ARN (the action's
// resource type is trail), and AWS's refusal names it.
func TestGetTrailStatusIsAuthorizedOnTheTrail(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	ctx := context.Background()
	erin := f.userAllowed(t, "erin", "cloudtrail:GetTrailStatus", "arn:aws:cloudtrail:*:111111111111:trail/other")
	_, err := f.GetTrailStatus(ctx, erin, &cttypes.GetTrailStatusRequest{Name: "iamd"})
	ae := wantCTError(t, err, "AccessDeniedException")
	if !strings.Contains(ae.Message, "cloudtrail:GetTrailStatus on resource: "+trailARN+" ") {
		t.Fatalf("message %q", ae.Message)
	}
	if err := f.IAM.PutUserPolicy(ctx, rootOf(acct), &iamtypes.PutUserPolicyRequest{UserName: "erin", PolicyName: "allowed",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:GetTrailStatus","Resource":"arn:aws:cloudtrail:*:111111111111:trail/iamd"}]}`}); err != nil {
		t.Fatal(err)
	}
	if out, err := f.GetTrailStatus(ctx, erin, &cttypes.GetTrailStatusRequest{Name: "iamd"}); err != nil || !*out.IsLogging {
		t.Fatalf("%v %+v", err, out)
	}
}

// TestGetTrailDescribesTheAccountsTrail: by name or ARN, GetTrail answers the trail as DescribeTrails does; another
// trail is TrailNotFoundException, a malformed name InvalidTrailNameException and a malformed ARN
// CloudTrailARNInvalidException.
func TestGetTrailDescribesTheAccountsTrail(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	ctx := context.Background()
	described, err := f.DescribeTrails(ctx, rootOf(acct), &cttypes.DescribeTrailsRequest{})
	if err != nil || len(described.TrailList) != 1 {
		t.Fatalf("%v %+v", err, described)
	}
	for _, name := range []string{"iamd", trailARN} {
		out, err := f.GetTrail(ctx, rootOf(acct), &cttypes.GetTrailRequest{Name: name})
		if err != nil || out.Trail == nil || !reflect.DeepEqual(*out.Trail, described.TrailList[0]) {
			t.Fatalf("%s: %v %+v", name, err, out)
		}
	}
	_, err = f.GetTrail(ctx, rootOf(acct), &cttypes.GetTrailRequest{Name: "other"})
	if ae := wantCTError(t, err, "TrailNotFoundException"); ae.Message != "Unknown trail: other for the user: "+acct {
		t.Fatalf("message %q", ae.Message)
	}
	_, err = f.GetTrail(ctx, rootOf(acct), &cttypes.GetTrailRequest{Name: "a..b"})
	wantCTError(t, err, "InvalidTrailNameException")
	_, err = f.GetTrail(ctx, rootOf(acct), &cttypes.GetTrailRequest{Name: "arn:aws:s3:::bucket"})
	wantCTError(t, err, "CloudTrailARNInvalidException")
}

// TestGetEventSelectorsAreThoseOfADefaultTrail: the trail's one event selector logs every read and write management
// event and no data resources, as a trail created without selectors does; by name or ARN, with the trail's ARN.
func TestGetEventSelectorsAreThoseOfADefaultTrail(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	ctx := context.Background()
	for _, name := range []string{"iamd", trailARN} {
		out, err := f.GetEventSelectors(ctx, rootOf(acct), &cttypes.GetEventSelectorsRequest{TrailName: name})
		if err != nil || *out.TrailARN != trailARN || len(out.EventSelectors) != 1 || out.AdvancedEventSelectors != nil {
			t.Fatalf("%s: %v %+v", name, err, out)
		}
		sel := out.EventSelectors[0]
		if *sel.ReadWriteType != cttypes.ReadWriteTypeAll || !*sel.IncludeManagementEvents || sel.DataResources == nil || len(sel.DataResources) != 0 ||
			sel.ExcludeManagementEventSources == nil || len(sel.ExcludeManagementEventSources) != 0 {
			t.Fatalf("selector %+v", sel)
		}
	}
	_, err := f.GetEventSelectors(ctx, rootOf(acct), &cttypes.GetEventSelectorsRequest{TrailName: "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/other"})
	wantCTError(t, err, "TrailNotFoundException")
}

// TestGetTrailAndEventSelectorsAreAuthorizedOnTheTrail: cloudtrail:GetTrail and cloudtrail:GetEventSelectors are
// decided on the trail's ARN, each by its own action.
func TestGetTrailAndEventSelectorsAreAuthorizedOnTheTrail(t *testing.T) {
	f := newFixture(t, audit.ServiceOptions{})
	ctx := context.Background()
	erin := f.userAllowed(t, "erin", "cloudtrail:GetTrail", trailARN)
	if _, err := f.GetTrail(ctx, erin, &cttypes.GetTrailRequest{Name: "iamd"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.GetEventSelectors(ctx, erin, &cttypes.GetEventSelectorsRequest{TrailName: "iamd"})
	if ae := wantCTError(t, err, "AccessDeniedException"); !strings.Contains(ae.Message, "cloudtrail:GetEventSelectors on resource: "+trailARN+" ") {
		t.Fatalf("message %q", ae.Message)
	}
}

// userAllowed creates an IAM user of acct whose inline policy allows action on resource, and returns it as a caller.
func (f *fixture) userAllowed(t *testing.T, name, action, resource string) *iam.Caller {
	t.Helper()
	ctx := context.Background()
	u, err := f.IAM.CreateUser(ctx, rootOf(acct), &iamtypes.CreateUserRequest{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.IAM.PutUserPolicy(ctx, rootOf(acct), &iamtypes.PutUserPolicyRequest{UserName: name, PolicyName: "allowed",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"` + resource + `"}]}`}); err != nil {
		t.Fatal(err)
	}
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.User.Arn, Account: acct}, Name: name, UserID: u.User.UserId}
}
