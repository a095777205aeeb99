package iam_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

var updateSummary = flag.Bool("update", false, "rewrite the golden files of testdata/summary")

const delegPartner = "111122223333"

// delegClock is a settable service clock.
type delegClock struct{ t time.Time }

func (c *delegClock) now() time.Time { return c.t }

// delegFixture is a customer account (testAccount) and a partner account with a policy template.
type delegFixture struct {
	svc      *iam.Service
	clk      *delegClock
	root     *iam.Caller // the customer's root
	partner  *iam.Caller // the partner's root
	template string
}

func newDelegFixture(t *testing.T) *delegFixture {
	t.Helper()
	svc, root := newService(t)
	clk := &delegClock{t: time.Unix(1_800_000_000, 0).UTC()}
	svc.Now = clk.now
	ctx := context.Background()
	if _, err := svc.EnsureAccount(ctx, delegPartner, "", ""); err != nil {
		t.Fatal(err)
	}
	partner := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + delegPartner + ":root", Account: delegPartner}, UserID: delegPartner}
	out, err := svc.CreatePolicy(ctx, partner, &iamtypes.CreatePolicyRequest{PolicyName: "onboarding", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::{{Bucket}}/*"},
		{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	return &delegFixture{svc: svc, clk: clk, root: root, partner: partner, template: *out.Policy.Arn}
}

// create files a request from the partner to the customer account.
func (f *delegFixture) create(t *testing.T, workflow string, mod func(*iamtypes.CreateDelegationRequestRequest)) string {
	t.Helper()
	in := &iamtypes.CreateDelegationRequestRequest{OwnerAccountId: str(testAccount), Description: "Set up the Example backup product",
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: str(f.template),
			Parameters: []iamtypes.PolicyParameter{{Name: str("Bucket"), Values: []string{"backups"}}}},
		RequestorWorkflowId: workflow, NotificationChannel: "arn:aws:sns:us-east-1:" + delegPartner + ":delegations", SessionDuration: 3600}
	if mod != nil {
		mod(in)
	}
	out, err := f.svc.CreateDelegationRequest(context.Background(), f.partner, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.DelegationRequestId
}

func (f *delegFixture) state(t *testing.T, c *iam.Caller, id string) iamtypes.StateType {
	t.Helper()
	out, err := f.svc.GetDelegationRequest(context.Background(), c, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: id})
	if err != nil {
		t.Fatal(err)
	}
	return *out.DelegationRequest.State
}

const delegAdminPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["iam:AssociateDelegationRequest","iam:AcceptDelegationRequest","iam:RejectDelegationRequest","iam:SendDelegationToken","iam:ListDelegationRequests","iam:GetDelegationRequest"],"Resource":"*"},
	{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::backups/a*"}]}`

func TestSetSecurityTokenServicePreferencesShowsInAccountSummary(t *testing.T) {
	svc, root := newService(t)
	ctx := context.Background()
	summary := func() int32 {
		out, err := svc.GetAccountSummary(ctx, root)
		if err != nil {
			t.Fatal(err)
		}
		return out.SummaryMap[iamtypes.SummaryKeyTypeGlobalEndpointTokenVersion]
	}
	if v := summary(); v != 1 {
		t.Fatalf("default GlobalEndpointTokenVersion = %d, want 1", v)
	}
	for _, tc := range []struct {
		version iamtypes.GlobalEndpointTokenVersion
		want    int32
	}{{iamtypes.GlobalEndpointTokenVersionV2Token, 2}, {iamtypes.GlobalEndpointTokenVersionV1Token, 1}} {
		if err := svc.SetSecurityTokenServicePreferences(ctx, root, &iamtypes.SetSecurityTokenServicePreferencesRequest{GlobalEndpointTokenVersion: tc.version}); err != nil {
			t.Fatal(err)
		}
		if v := summary(); v != tc.want {
			t.Fatalf("after %s GlobalEndpointTokenVersion = %d, want %d", tc.version, v, tc.want)
		}
	}
	bob := userCaller(t, svc, root, "bob")
	err := svc.SetSecurityTokenServicePreferences(ctx, bob, &iamtypes.SetSecurityTokenServicePreferencesRequest{GlobalEndpointTokenVersion: iamtypes.GlobalEndpointTokenVersionV2Token})
	wantCode(t, err, "AccessDenied")
}

// TestDelegationDelegatedSessionNeverExceedsRequestOrApprover runs a request through its whole life and checks
// what the exchanged credentials may do: only what both the request's policy and the approver allow.
func TestDelegationDelegatedSessionNeverExceedsRequestOrApprover(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	id := f.create(t, "workflow-0001", nil)
	admin := userCaller(t, f.svc, f.root, "admin")
	gkGrant(t, f.svc, f.root, admin, delegAdminPolicy)

	if err := f.svc.AssociateDelegationRequest(ctx, admin, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: id}); err != nil {
		t.Fatal(err)
	}
	if st := f.state(t, admin, id); st != iamtypes.StateTypeASSIGNED {
		t.Fatalf("state after associate = %s", st)
	}
	if err := f.svc.UpdateDelegationRequest(ctx, admin, &iamtypes.UpdateDelegationRequestRequest{DelegationRequestId: id, Notes: str("please review")}); err != nil {
		t.Fatal(err) // the owner's default permission
	}
	if st := f.state(t, admin, id); st != iamtypes.StateTypePENDINGAPPROVAL {
		t.Fatalf("state after update = %s", st)
	}
	if err := f.svc.AcceptDelegationRequest(ctx, admin, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: id}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SendDelegationToken(ctx, admin, &iamtypes.SendDelegationTokenRequest{DelegationRequestId: id}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetDelegationRequest(ctx, admin, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: id})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.DelegationRequest; *d.State != iamtypes.StateTypeFINALIZED || *d.ApproverId != admin.Principal.ARN || *d.OwnerId != admin.Principal.ARN ||
		!strings.Contains(*d.PermissionPolicy, "arn:aws:s3:::backups/*") || *d.Notes != "please review" {
		t.Fatalf("finalized request = %+v", d)
	}
	channel, token, err := f.svc.DelegationToken(ctx, id)
	if err != nil || channel != "arn:aws:sns:us-east-1:"+delegPartner+":delegations" {
		t.Fatalf("DelegationToken = %q, %v", channel, err)
	}

	var ds *iam.DelegatedSession
	if err := f.svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		ds, err = f.svc.ExchangeDelegationToken(ctx, tx, f.partner, token)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if ds.AssumedPrincipal != admin.Principal.ARN || !ds.Credentials.Expiration.Equal(f.clk.t.Add(time.Hour)) {
		t.Fatalf("delegated session = %s until %s", ds.AssumedPrincipal, ds.Credentials.Expiration)
	}
	cred, err := f.svc.LookupAccessKey(ctx, ds.Credentials.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	delegated := &cred.Caller
	for _, tc := range []struct {
		name, action, resource string
		allowed                bool
	}{
		{"in the request and the approver's", "s3:GetObject", "arn:aws:s3:::backups/a1", true},
		{"in the request but not the approver's resources", "s3:GetObject", "arn:aws:s3:::backups/b1", false},
		{"in the request but not the approver's actions", "s3:PutObject", "arn:aws:s3:::backups/a1", false},
		{"the approver's but not in the request", "iam:ListDelegationRequests", "*", false},
		{"an IAM action in both, without MFA", "iam:GetDelegationRequest", "*", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
				return f.svc.Authorize(ctx, r, delegated, iam.Authorization{Action: tc.action, Resource: tc.resource})
			})
			if (err == nil) != tc.allowed {
				t.Fatalf("%s on %s: err = %v, want allowed=%v", tc.action, tc.resource, err, tc.allowed)
			}
		})
	}

	// A trust policy that names the approving user does not lift the request's limits: the request allows no
	// sts:AssumeRole.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + admin.Principal.ARN + `"},"Action":"sts:AssumeRole"}]}`
	err = f.svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		return f.svc.AuthorizeWithResourcePolicy(ctx, r, delegated, iam.Authorization{Action: "sts:AssumeRole",
			Resource: "arn:aws:iam::" + testAccount + ":role/trusting"}, trust, policy.TypeTrust, "trusting")
	})
	wantCode(t, err, "AccessDenied")

	// The token is used once.
	err = f.svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := f.svc.ExchangeDelegationToken(ctx, tx, f.partner, token)
		return err
	})
	wantCode(t, err, "ExpiredTradeInTokenException")
}

// TestDelegationRootApprovalLimitsTheRootSession: the root user approves up to 4 hours, and its delegated session
// is limited by the request's policy like any other.
func TestDelegationRootApprovalLimitsTheRootSession(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	long := f.create(t, "workflow-long", func(in *iamtypes.CreateDelegationRequestRequest) { in.SessionDuration = 43200 })
	must(t, f.svc.AssociateDelegationRequest(ctx, f.root, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: long}))
	err := f.svc.AcceptDelegationRequest(ctx, f.root, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: long})
	wantCode(t, err, "InvalidInput")

	id := f.create(t, "workflow-short", nil)
	must(t, f.svc.AssociateDelegationRequest(ctx, f.root, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: id}))
	must(t, f.svc.AcceptDelegationRequest(ctx, f.root, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: id}))
	must(t, f.svc.SendDelegationToken(ctx, f.root, &iamtypes.SendDelegationTokenRequest{DelegationRequestId: id}))
	_, token, err := f.svc.DelegationToken(ctx, id)
	must(t, err)
	var ds *iam.DelegatedSession
	must(t, f.svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		ds, err = f.svc.ExchangeDelegationToken(ctx, tx, f.partner, token)
		return err
	}))
	cred, err := f.svc.LookupAccessKey(ctx, ds.Credentials.AccessKeyID)
	must(t, err)
	decide := func(action, resource string) error {
		return f.svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
			return f.svc.Authorize(ctx, r, &cred.Caller, iam.Authorization{Action: action, Resource: resource})
		})
	}
	if err := decide("s3:PutObject", "arn:aws:s3:::backups/x"); err != nil {
		t.Fatalf("requested action refused: %v", err)
	}
	wantCode(t, decide("s3:DeleteBucket", "arn:aws:s3:::backups"), "AccessDenied")
	if err := decide("iam:GetRole", "arn:aws:iam::"+testAccount+":role/x"); err != nil {
		t.Fatalf("requested IAM action refused: %v", err)
	}
	wantCode(t, decide("iam:CreateUser", "arn:aws:iam::"+testAccount+":user/x"), "AccessDenied")
}

func TestDelegationRefusesWhatAWSRefuses(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	id := f.create(t, "workflow-0001", func(in *iamtypes.CreateDelegationRequestRequest) { in.OnlySendByOwner = gkPtr(true) })
	alice := userCaller(t, f.svc, f.root, "alice")
	gkGrant(t, f.svc, f.root, alice, delegAdminPolicy)
	other := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::444455556666:root", Account: "444455556666"}, UserID: "444455556666"}

	create := func(mod func(*iamtypes.CreateDelegationRequestRequest)) error {
		in := &iamtypes.CreateDelegationRequestRequest{Description: "d", RequestorWorkflowId: "workflow-x", SessionDuration: 900,
			NotificationChannel: "arn:aws:sns:us-east-1:" + delegPartner + ":t",
			Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: str(f.template),
				Parameters: []iamtypes.PolicyParameter{{Name: str("Bucket"), Values: []string{"b"}}}}}
		mod(in)
		_, err := f.svc.CreateDelegationRequest(ctx, f.partner, in)
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"a workflow ID already used", create(func(in *iamtypes.CreateDelegationRequestRequest) { in.RequestorWorkflowId = "workflow-0001" }), "EntityAlreadyExists"},
		{"a template parameter without value", create(func(in *iamtypes.CreateDelegationRequestRequest) { in.Permissions.Parameters = nil }), "InvalidInput"},
		{"a parameter the template does not use", create(func(in *iamtypes.CreateDelegationRequestRequest) {
			in.Permissions.Parameters = append(in.Permissions.Parameters, iamtypes.PolicyParameter{Name: str("Extra"), Values: []string{"x"}})
		}), "InvalidInput"},
		{"a template of another account", create(func(in *iamtypes.CreateDelegationRequestRequest) {
			in.Permissions.PolicyTemplateArn = str("arn:aws:iam::" + testAccount + ":policy/x")
		}), "InvalidInput"},
		{"a channel that is not an SNS topic", create(func(in *iamtypes.CreateDelegationRequestRequest) { in.NotificationChannel = "https-hook" }), "InvalidInput"},
		{"no policy template", func() error {
			_, err := f.svc.CreateDelegationRequest(ctx, alice, &iamtypes.CreateDelegationRequestRequest{})
			return err
		}(), "InvalidInput"},
		{"another account reading a targeted request", func() error {
			_, err := f.svc.GetDelegationRequest(ctx, other, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: id})
			return err
		}(), "NoSuchEntity"},
		{"accepting before association", f.svc.AcceptDelegationRequest(ctx, f.root, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: id}), "InvalidInput"},
		{"an unknown request", f.svc.AssociateDelegationRequest(ctx, alice, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: "0000000000000000"}), "NoSuchEntity"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.err, tc.code) })
	}

	must(t, f.svc.AssociateDelegationRequest(ctx, alice, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: id}))
	wantCode(t, f.svc.AssociateDelegationRequest(ctx, f.root, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: id}), "InvalidInput")
	must(t, f.svc.AcceptDelegationRequest(ctx, f.root, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: id}))
	// OnlySendByOwner: the root user, who accepted, is not the owner.
	wantCode(t, f.svc.SendDelegationToken(ctx, f.root, &iamtypes.SendDelegationTokenRequest{DelegationRequestId: id}), "AccessDenied")
	// An accepted request may still be rejected; then nothing more.
	must(t, f.svc.RejectDelegationRequest(ctx, alice, &iamtypes.RejectDelegationRequestRequest{DelegationRequestId: id, Notes: str("not now")}))
	wantCode(t, f.svc.SendDelegationToken(ctx, alice, &iamtypes.SendDelegationTokenRequest{DelegationRequestId: id}), "InvalidInput")
	out, err := f.svc.GetDelegationRequest(ctx, alice, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: id})
	must(t, err)
	if *out.DelegationRequest.State != iamtypes.StateTypeREJECTED || *out.DelegationRequest.RejectionReason != "not now" {
		t.Fatalf("rejected request = %+v", out.DelegationRequest)
	}
	// The partner cannot trade a token of a request that was never finalized.
	err = f.svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := f.svc.ExchangeDelegationToken(ctx, tx, f.partner, id+".guess")
		return err
	})
	wantCode(t, err, "ExpiredTradeInTokenException")
}

func TestDelegationRequestsExpireOnTheServiceClock(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	unassigned := f.create(t, "workflow-a", func(in *iamtypes.CreateDelegationRequestRequest) { in.OwnerAccountId = nil })
	assigned := f.create(t, "workflow-b", nil)
	must(t, f.svc.AssociateDelegationRequest(ctx, f.root, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: assigned}))

	f.clk.t = f.clk.t.Add(25 * time.Hour)
	if st := f.state(t, f.root, unassigned); st != iamtypes.StateTypeEXPIRED {
		t.Fatalf("unassigned request after 25h: %s", st)
	}
	wantCode(t, f.svc.AssociateDelegationRequest(ctx, f.root, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: unassigned}), "InvalidInput")
	if st := f.state(t, f.root, assigned); st != iamtypes.StateTypeASSIGNED {
		t.Fatalf("assigned request after 25h: %s", st)
	}
	f.clk.t = f.clk.t.Add(7 * 24 * time.Hour)
	if st := f.state(t, f.root, assigned); st != iamtypes.StateTypeEXPIRED {
		t.Fatalf("assigned request after 7 more days: %s", st)
	}
	wantCode(t, f.svc.AcceptDelegationRequest(ctx, f.root, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: assigned}), "InvalidInput")

	// A week after expiry, the next request of the partner deletes the expired ones, freeing their workflow IDs.
	f.clk.t = f.clk.t.Add(7*24*time.Hour + time.Second)
	again := f.create(t, "workflow-b", nil)
	if st := f.state(t, f.root, again); st != iamtypes.StateTypeUNASSIGNED {
		t.Fatalf("new request: %s", st)
	}
	_, err := f.svc.GetDelegationRequest(ctx, f.root, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: assigned})
	wantCode(t, err, "NoSuchEntity")
	list, err := f.svc.ListDelegationRequests(ctx, f.root, &iamtypes.ListDelegationRequestsRequest{})
	must(t, err)
	if len(list.DelegationRequests) != 0 {
		t.Fatalf("the deleted request is still listed: %+v", list.DelegationRequests)
	}
}

func TestDelegationRequestorNameIsTheAccountAlias(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	must(t, f.svc.CreateAccountAlias(ctx, f.partner, &iamtypes.CreateAccountAliasRequest{AccountAlias: "example-partner"}))
	id := f.create(t, "workflow-alias", nil)
	out, err := f.svc.GetDelegationRequest(ctx, f.root, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: id})
	must(t, err)
	if *out.DelegationRequest.RequestorName != "example-partner" || *out.DelegationRequest.RequestorId != delegPartner {
		t.Fatalf("requestor = %s %s", *out.DelegationRequest.RequestorId, *out.DelegationRequest.RequestorName)
	}
}

func TestListDelegationRequestsListsOwnedRequestsOnly(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	alice := userCaller(t, f.svc, f.root, "alice")
	gkGrant(t, f.svc, f.root, alice, delegAdminPolicy)
	var ids []string
	for _, w := range []string{"workflow-1", "workflow-2", "workflow-3"} {
		ids = append(ids, f.create(t, w, nil))
	}
	f.create(t, "workflow-unowned", nil) // targeted to the account but not associated: never listed
	must(t, f.svc.AssociateDelegationRequest(ctx, alice, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: ids[0]}))
	must(t, f.svc.AssociateDelegationRequest(ctx, alice, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: ids[1]}))
	must(t, f.svc.AssociateDelegationRequest(ctx, f.root, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: ids[2]}))

	for _, tc := range []struct {
		name  string
		owner *string
		want  int
	}{{"every owner", nil, 3}, {"one owner", str(alice.Principal.ARN), 2}, {"the root user", str(f.root.Principal.ARN), 1}} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var marker *string
			for {
				out, err := f.svc.ListDelegationRequests(ctx, alice, &iamtypes.ListDelegationRequestsRequest{OwnerId: tc.owner, MaxItems: ptr32(1), Marker: marker})
				must(t, err)
				for _, d := range out.DelegationRequests {
					got = append(got, *d.DelegationRequestId)
				}
				if !*out.IsTruncated {
					break
				}
				marker = out.Marker
			}
			if len(got) != tc.want {
				t.Fatalf("listed %v, want %d requests", got, tc.want)
			}
		})
	}
	bob := userCaller(t, f.svc, f.root, "bob")
	_, err := f.svc.ListDelegationRequests(ctx, bob, &iamtypes.ListDelegationRequestsRequest{})
	wantCode(t, err, "AccessDenied")
}

func TestGetDelegationRequestPermissionCheck(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	out, err := f.svc.CreatePolicy(ctx, f.partner, &iamtypes.CreatePolicyRequest{PolicyName: "exact", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{{Bucket}}/a1"}]}`})
	must(t, err)
	id := f.create(t, "workflow-exact", func(in *iamtypes.CreateDelegationRequestRequest) { in.Permissions.PolicyTemplateArn = out.Policy.Arn })
	wild := f.create(t, "workflow-wild", nil)
	alice := userCaller(t, f.svc, f.root, "alice")
	gkGrant(t, f.svc, f.root, alice, delegAdminPolicy)
	bob := userCaller(t, f.svc, f.root, "bob")
	gkGrant(t, f.svc, f.root, bob, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetDelegationRequest","Resource":"*"}]}`)
	for _, tc := range []struct {
		name   string
		caller *iam.Caller
		id     string
		want   iamtypes.PermissionCheckResultType
	}{
		{"a caller holding every permission", alice, id, iamtypes.PermissionCheckResultTypeALLOWED},
		{"a caller missing one", bob, id, iamtypes.PermissionCheckResultTypeDENIED},
		{"wildcards", alice, wild, iamtypes.PermissionCheckResultTypeUNSURE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.svc.GetDelegationRequest(ctx, tc.caller, &iamtypes.GetDelegationRequestRequest{DelegationRequestId: tc.id, DelegationPermissionCheck: gkPtr(true)})
			must(t, err)
			if *out.PermissionCheckStatus != iamtypes.PermissionCheckStatusTypeCOMPLETE || *out.PermissionCheckResult != tc.want {
				t.Fatalf("check = %s %s, want COMPLETE %s", *out.PermissionCheckStatus, *out.PermissionCheckResult, tc.want)
			}
		})
	}
}

func TestGetHumanReadableSummaryGolden(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	out, err := f.svc.CreatePolicy(ctx, f.partner, &iamtypes.CreatePolicyRequest{PolicyName: "mixed", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:CreateRole","iam:AttachRolePolicy","iam:GetRole","iam:TagRole"],"Resource":"arn:aws:iam::{{Account}}:role/{{Prefix}}*"},
		{"Effect":"Allow","Action":"sts:*","Resource":"*"},
		{"Effect":"Deny","NotAction":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}},
		{"Effect":"Allow","Action":["s3:List*","example:DoThing"],"Resource":["arn:aws:s3:::{{Buckets}}","arn:aws:s3:::{{Buckets}}/*"]}]}`})
	must(t, err)
	cases := []struct {
		name string
		mod  func(*iamtypes.CreateDelegationRequestRequest)
	}{
		{"bucket-access", func(in *iamtypes.CreateDelegationRequestRequest) {
			in.RequestMessage = str("Retry after your earlier rejection.")
		}},
		{"role-setup", func(in *iamtypes.CreateDelegationRequestRequest) {
			in.SessionDuration = 5400
			in.OwnerAccountId = nil
			in.Permissions.PolicyTemplateArn = out.Policy.Arn
			in.Permissions.Parameters = []iamtypes.PolicyParameter{{Name: str("Account"), Values: []string{testAccount}},
				{Name: str("Prefix"), Values: []string{"example-"}}, {Name: str("Buckets"), Values: []string{"logs", "backups"}}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := f.create(t, "workflow-"+tc.name, tc.mod)
			arn := "arn:aws:iam::" + testAccount + ":delegation-request/" + id
			got, err := f.svc.GetHumanReadableSummary(ctx, f.root, &iamtypes.GetHumanReadableSummaryRequest{EntityArn: arn})
			must(t, err)
			if *got.SummaryState != iamtypes.SummaryStateTypeAVAILABLE || *got.Locale != "en-US" {
				t.Fatalf("state %s locale %s", *got.SummaryState, *got.Locale)
			}
			again, err := f.svc.GetHumanReadableSummary(ctx, f.root, &iamtypes.GetHumanReadableSummaryRequest{EntityArn: arn})
			must(t, err)
			if *again.SummaryContent != *got.SummaryContent {
				t.Fatal("the summary differs between two calls")
			}
			path := filepath.Join("testdata", "summary", tc.name+".golden")
			if *updateSummary {
				must(t, os.WriteFile(path, []byte(*got.SummaryContent), 0o644))
			}
			want, err := os.ReadFile(path)
			must(t, err)
			if *got.SummaryContent != string(want) {
				t.Fatalf("summary:\n%s\nwant (%s):\n%s", *got.SummaryContent, path, want)
			}
		})
	}
	id := f.create(t, "workflow-locale", nil)
	arn := "arn:aws:iam::" + testAccount + ":delegation-request/" + id
	ja, err := f.svc.GetHumanReadableSummary(ctx, f.root, &iamtypes.GetHumanReadableSummaryRequest{EntityArn: arn, Locale: str("ja-JP")})
	must(t, err)
	if *ja.SummaryState != iamtypes.SummaryStateTypeNOTSUPPORTED || *ja.SummaryContent != "" {
		t.Fatalf("ja-JP: %s %q", *ja.SummaryState, *ja.SummaryContent)
	}
	_, err = f.svc.GetHumanReadableSummary(ctx, f.root, &iamtypes.GetHumanReadableSummaryRequest{EntityArn: arn, Locale: str("xx-YY")})
	wantCode(t, err, "InvalidInput")
	_, err = f.svc.GetHumanReadableSummary(ctx, f.root, &iamtypes.GetHumanReadableSummaryRequest{EntityArn: "arn:aws:iam::" + testAccount + ":role/x"})
	wantCode(t, err, "InvalidInput")
}

// TestDelegationOwnerDefaultPermissionYieldsToAnExplicitDeny: the owner reads and updates its request without a
// policy that allows it, but not against an explicit deny.
func TestDelegationOwnerDefaultPermissionYieldsToAnExplicitDeny(t *testing.T) {
	f := newDelegFixture(t)
	ctx := context.Background()
	id := f.create(t, "workflow-owner", nil)
	carol := userCaller(t, f.svc, f.root, "carol")
	gkGrant(t, f.svc, f.root, carol, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AssociateDelegationRequest","Resource":"*"}]}`)
	must(t, f.svc.AssociateDelegationRequest(ctx, carol, &iamtypes.AssociateDelegationRequestRequest{DelegationRequestId: id}))
	if st := f.state(t, carol, id); st != iamtypes.StateTypeASSIGNED {
		t.Fatalf("state = %s", st)
	}
	must(t, f.svc.PutUserPolicy(ctx, f.root, &iamtypes.PutUserPolicyRequest{UserName: "carol", PolicyName: "deny",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:UpdateDelegationRequest","Resource":"*"}]}`}))
	wantCode(t, f.svc.UpdateDelegationRequest(ctx, carol, &iamtypes.UpdateDelegationRequestRequest{DelegationRequestId: id}), "AccessDenied")
	// Accepting is not among the owner's default permissions.
	wantCode(t, f.svc.AcceptDelegationRequest(ctx, carol, &iamtypes.AcceptDelegationRequestRequest{DelegationRequestId: id}), "AccessDenied")
}
