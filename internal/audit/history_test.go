package audit_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

const account = "123456789012"

// lastAccessFixture is an IAM service whose last-accessed data comes from a trail on a real SQLite file.
type lastAccessFixture struct {
	svc   *iam.Service
	trail *audit.Trail
	root  *iam.Caller
	now   time.Time
}

func newLastAccessFixture(t *testing.T) *lastAccessFixture {
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
	trail := audit.New(st, audit.Options{})
	t.Cleanup(func() { trail.Close(ctx) })
	// Entities are created well before the tracking period; start moves the clock to now.
	f := &lastAccessFixture{trail: trail, now: time.Now().UTC().Add(-500 * 24 * time.Hour)}
	f.svc = iam.New(trail.Store(), cat, box, func() time.Time { return f.now }, "us-east-1", iam.Options{History: audit.History{}})
	if _, err := f.svc.EnsureAccount(ctx, account, "", ""); err != nil {
		t.Fatal(err)
	}
	f.root = &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + account + ":root", Account: account}, UserID: account}
	return f
}

// start moves the clock from the time the entities were created to now, when the requests are made.
func (f *lastAccessFixture) start() { f.now = time.Now().UTC() }

// user creates a user with an inline policy and returns it as a caller.
func (f *lastAccessFixture) user(t *testing.T, name, doc string) *iam.Caller {
	t.Helper()
	ctx := context.Background()
	out, err := f.svc.CreateUser(ctx, f.root, &iamtypes.CreateUserRequest{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if err := f.svc.PutUserPolicy(ctx, f.root, &iamtypes.PutUserPolicyRequest{UserName: name, PolicyName: "p", PolicyDocument: doc}); err != nil {
			t.Fatal(err)
		}
	}
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: out.User.Arn, Account: account}, Name: name, UserID: out.User.UserId}
}

// call records a request of c to service:operation at time at in region, as the wire layer does.
func (f *lastAccessFixture) call(t *testing.T, c *iam.Caller, service, operation, region string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	call := &audit.Call{RequestID: "r", Time: at, Service: service, Operation: operation, Caller: c, Region: region}
	if _, err := f.trail.Begin(ctx, call); err != nil {
		t.Fatal(err)
	}
	f.trail.End(ctx, call, audit.Outcome{})
	if err := f.trail.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func (f *lastAccessFixture) report(t *testing.T, arn string, g iamtypes.AccessAdvisorUsageGranularityType) (string, map[string]iamtypes.ServiceLastAccessed) {
	t.Helper()
	ctx := context.Background()
	gen, err := f.svc.GenerateServiceLastAccessedDetails(ctx, f.root, &iamtypes.GenerateServiceLastAccessedDetailsRequest{Arn: arn, Granularity: &g})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.GetServiceLastAccessedDetails(ctx, f.root, &iamtypes.GetServiceLastAccessedDetailsRequest{JobId: *gen.JobId})
	if err != nil {
		t.Fatal(err)
	}
	if out.JobStatus != iamtypes.JobStatusTypeCOMPLETED || out.JobType == nil || *out.JobType != g || out.JobCompletionDate.IsZero() {
		t.Fatalf("job %+v", out)
	}
	m := map[string]iamtypes.ServiceLastAccessed{}
	for i, s := range out.ServicesLastAccessed {
		if i > 0 && out.ServicesLastAccessed[i-1].ServiceNamespace >= s.ServiceNamespace {
			t.Fatalf("services not in namespace order: %s then %s", out.ServicesLastAccessed[i-1].ServiceNamespace, s.ServiceNamespace)
		}
		m[s.ServiceNamespace] = s
	}
	return *gen.JobId, m
}

const s3AndIAMPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","iam:List*","sqs:SendMessage"],"Resource":"*"}]}`

// TestServiceLastAccessedReportsTheTrailsNewestUseOfEachAllowedService: a user's report lists the services its
// policies allow; a used one has the newest request's time (to the second), the user and the region; one never
// used has none; a request older than the 400-day tracking period does not count; and a service the policies do
// not allow is not listed even though the user called it.
func TestServiceLastAccessedReportsTheTrailsNewestUseOfEachAllowedService(t *testing.T) {
	f := newLastAccessFixture(t)
	alice := f.user(t, "alice", s3AndIAMPolicy)
	f.start()
	old := f.now.Add(-iam.TrackingPeriod - time.Hour)
	f.call(t, alice, "sqs", "SendMessage", "eu-west-1", old)
	t1 := f.now.Add(-2 * time.Hour)
	t2 := f.now.Add(-time.Hour)
	f.call(t, alice, "s3", "GetObject", "us-west-2", t1)
	f.call(t, alice, "s3", "GetObject", "eu-central-1", t2)
	f.call(t, alice, "iam", "ListUsers", "us-east-1", t1)
	f.call(t, alice, "ec2", "DescribeInstances", "us-east-1", t1)

	_, m := f.report(t, alice.Principal.ARN, iamtypes.AccessAdvisorUsageGranularityTypeSERVICELEVEL)
	if len(m) != 3 {
		t.Fatalf("services %v, want iam, s3, sqs", m)
	}
	s3 := m["s3"]
	if s3.LastAuthenticated == nil || !s3.LastAuthenticated.Equal(t2.Truncate(time.Second)) || *s3.LastAuthenticatedEntity != alice.Principal.ARN ||
		*s3.LastAuthenticatedRegion != "eu-central-1" || *s3.TotalAuthenticatedEntities != 1 || s3.ServiceName == "" {
		t.Fatalf("s3 %+v", s3)
	}
	if sqs := m["sqs"]; sqs.LastAuthenticated != nil || sqs.LastAuthenticatedEntity != nil || sqs.TotalAuthenticatedEntities != nil {
		t.Fatalf("sqs used only before the tracking period, reported %+v", sqs)
	}
	if s3.TrackedActionsLastAccessed != nil {
		t.Fatal("a SERVICE_LEVEL report has tracked actions")
	}
}

// TestServiceLastAccessedActionLevelReportsTrackedActions: an ACTION_LEVEL report lists the allowed actions IAM
// tracks with the newest use of each; an allowed action never called has no time.
func TestServiceLastAccessedActionLevelReportsTrackedActions(t *testing.T) {
	f := newLastAccessFixture(t)
	alice := f.user(t, "alice", s3AndIAMPolicy)
	f.start()
	t1 := f.now.Add(-time.Hour)
	f.call(t, alice, "iam", "ListUsers", "us-east-1", t1)
	_, m := f.report(t, alice.Principal.ARN, iamtypes.AccessAdvisorUsageGranularityTypeACTIONLEVEL)
	actions := map[string]iamtypes.TrackedActionLastAccessed{}
	for _, a := range m["iam"].TrackedActionsLastAccessed {
		actions[*a.ActionName] = a
	}
	lu, ok := actions["ListUsers"]
	if !ok || lu.LastAccessedTime == nil || !lu.LastAccessedTime.Equal(t1.Truncate(time.Second)) || *lu.LastAccessedEntity != alice.Principal.ARN || *lu.LastAccessedRegion != "us-east-1" {
		t.Fatalf("ListUsers %+v (actions %v)", lu, actions)
	}
	if lr, ok := actions["ListRoles"]; !ok || lr.LastAccessedTime != nil {
		t.Fatalf("ListRoles %+v", lr)
	}
	if _, ok := actions["CreateUser"]; ok {
		t.Fatal("an action the policy does not allow is listed")
	}
}

// TestServiceLastAccessedGroupReportCountsItsMembersAndListsThemWithEntities: a group's report takes its members'
// requests: the member that used the service is the LastAuthenticatedEntity, and WithEntities lists every member,
// the most recent use first.
func TestServiceLastAccessedGroupReportCountsItsMembersAndListsThemWithEntities(t *testing.T) {
	ctx := context.Background()
	f := newLastAccessFixture(t)
	g, err := f.svc.CreateGroup(ctx, f.root, &iamtypes.CreateGroupRequest{GroupName: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PutGroupPolicy(ctx, f.root, &iamtypes.PutGroupPolicyRequest{GroupName: "dev", PolicyName: "p", PolicyDocument: s3AndIAMPolicy}); err != nil {
		t.Fatal(err)
	}
	var members []*iam.Caller
	for _, n := range []string{"m1", "m2", "m3"} {
		c := f.user(t, n, "")
		if err := f.svc.AddUserToGroup(ctx, f.root, &iamtypes.AddUserToGroupRequest{GroupName: "dev", UserName: n}); err != nil {
			t.Fatal(err)
		}
		members = append(members, c)
	}
	f.start()
	f.call(t, members[1], "s3", "GetObject", "us-east-1", f.now.Add(-3*time.Hour))
	f.call(t, members[2], "s3", "GetObject", "us-east-1", f.now.Add(-time.Hour))
	job, m := f.report(t, g.Group.Arn, iamtypes.AccessAdvisorUsageGranularityTypeSERVICELEVEL)
	if s3 := m["s3"]; s3.LastAuthenticatedEntity == nil || *s3.LastAuthenticatedEntity != members[2].Principal.ARN || *s3.TotalAuthenticatedEntities != 2 {
		t.Fatalf("s3 %+v", s3)
	}
	we, err := f.svc.GetServiceLastAccessedDetailsWithEntities(ctx, f.root, &iamtypes.GetServiceLastAccessedDetailsWithEntitiesRequest{JobId: job, ServiceNamespace: "s3"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range we.EntityDetailsList {
		got = append(got, d.EntityInfo.Name)
		if d.EntityInfo.Type != iamtypes.PolicyOwnerEntityTypeUSER || d.EntityInfo.Id == "" {
			t.Fatalf("entity %+v", d.EntityInfo)
		}
	}
	if len(got) != 3 || got[0] != "m3" || got[1] != "m2" || got[2] != "m1" || we.EntityDetailsList[2].LastAuthenticated != nil {
		t.Fatalf("entities %v", got)
	}
	// Paging: one at a time, in the same order.
	page, err := f.svc.GetServiceLastAccessedDetailsWithEntities(ctx, f.root, &iamtypes.GetServiceLastAccessedDetailsWithEntitiesRequest{JobId: job, ServiceNamespace: "s3", MaxItems: ptr(int32(1))})
	if err != nil || len(page.EntityDetailsList) != 1 || !*page.IsTruncated || page.Marker == nil {
		t.Fatalf("first page %+v %v", page, err)
	}
	page, err = f.svc.GetServiceLastAccessedDetailsWithEntities(ctx, f.root, &iamtypes.GetServiceLastAccessedDetailsWithEntitiesRequest{JobId: job, ServiceNamespace: "s3", MaxItems: ptr(int32(5)), Marker: page.Marker})
	if err != nil || len(page.EntityDetailsList) != 2 || *page.IsTruncated || page.EntityDetailsList[0].EntityInfo.Name != "m2" {
		t.Fatalf("second page %+v %v", page, err)
	}
}

// TestServiceLastAccessedRoleReportCountsItsSessions: a role's sessions' requests are the role's use.
func TestServiceLastAccessedRoleReportCountsItsSessions(t *testing.T) {
	ctx := context.Background()
	f := newLastAccessFixture(t)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	ro, err := f.svc.CreateRole(ctx, f.root, &iamtypes.CreateRoleRequest{RoleName: "app", AssumeRolePolicyDocument: trust})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PutRolePolicy(ctx, f.root, &iamtypes.PutRolePolicyRequest{RoleName: "app", PolicyName: "p", PolicyDocument: s3AndIAMPolicy}); err != nil {
		t.Fatal(err)
	}
	f.start()
	session := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalAssumedRole, ARN: "arn:aws:sts::" + account + ":assumed-role/app/s1",
		RoleARN: ro.Role.Arn, Account: account}, Name: "app", UserID: ro.Role.RoleId + ":s1", SessionToken: true, RoleSession: true, TokenIssueTime: f.now}
	at := f.now.Add(-time.Minute)
	f.call(t, session, "s3", "GetObject", "ap-south-1", at)
	_, m := f.report(t, ro.Role.Arn, iamtypes.AccessAdvisorUsageGranularityTypeSERVICELEVEL)
	if s3 := m["s3"]; s3.LastAuthenticated == nil || *s3.LastAuthenticatedEntity != ro.Role.Arn || *s3.LastAuthenticatedRegion != "ap-south-1" {
		t.Fatalf("s3 %+v", s3)
	}
}

// TestServiceLastAccessedErrors: AWS's errors for an ARN that is not an IAM entity's, an entity that does not
// exist, a job that does not exist, and a denied caller.
func TestServiceLastAccessedErrors(t *testing.T) {
	ctx := context.Background()
	f := newLastAccessFixture(t)
	bob := f.user(t, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	for _, tc := range []struct {
		name, arn, code string
		caller          *iam.Caller
	}{
		{"not an ARN", "not-an-arn-at-all-xx", "InvalidInput", f.root},
		{"another service", "arn:aws:s3:::bucket/some-object", "InvalidInput", f.root},
		{"an instance profile", "arn:aws:iam::123456789012:instance-profile/x", "InvalidInput", f.root},
		{"missing user", "arn:aws:iam::123456789012:user/nobody", "NoSuchEntity", f.root},
		{"missing policy", "arn:aws:iam::123456789012:policy/nothing", "NoSuchEntity", f.root},
		{"denied", "arn:aws:iam::123456789012:user/bob", "AccessDenied", bob},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.GenerateServiceLastAccessedDetails(ctx, tc.caller, &iamtypes.GenerateServiceLastAccessedDetailsRequest{Arn: tc.arn})
			wantCode(t, err, tc.code)
		})
	}
	f.start()
	_, err := f.svc.GetServiceLastAccessedDetails(ctx, f.root, &iamtypes.GetServiceLastAccessedDetailsRequest{JobId: "00000000-0000-4000-8000-000000000000"})
	wantCode(t, err, "NoSuchEntity")
}

// TestListPoliciesGrantingServiceAccessNamesThePoliciesThatAllowEachService: a user's own inline policy, its
// group's managed policy, each for the services it allows, in the order asked; a service nothing allows has none.
func TestListPoliciesGrantingServiceAccessNamesThePoliciesThatAllowEachService(t *testing.T) {
	ctx := context.Background()
	f := newLastAccessFixture(t)
	alice := f.user(t, "alice", s3AndIAMPolicy)
	if _, err := f.svc.CreateGroup(ctx, f.root, &iamtypes.CreateGroupRequest{GroupName: "ro"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AttachGroupPolicy(ctx, f.root, &iamtypes.AttachGroupPolicyRequest{GroupName: "ro", PolicyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddUserToGroup(ctx, f.root, &iamtypes.AddUserToGroupRequest{GroupName: "ro", UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	out, err := f.svc.ListPoliciesGrantingServiceAccess(ctx, f.root, &iamtypes.ListPoliciesGrantingServiceAccessRequest{Arn: alice.Principal.ARN, ServiceNamespaces: []string{"s3", "ec2", "iam"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.PoliciesGrantingServiceAccess) != 3 {
		t.Fatalf("entries %+v", out.PoliciesGrantingServiceAccess)
	}
	s3 := out.PoliciesGrantingServiceAccess[0]
	if *s3.ServiceNamespace != "s3" || len(s3.Policies) != 2 || s3.Policies[0].PolicyType != iamtypes.PolicyTypeINLINE || *s3.Policies[0].EntityName != "alice" ||
		*s3.Policies[0].EntityType != iamtypes.PolicyOwnerEntityTypeUSER || s3.Policies[1].PolicyType != iamtypes.PolicyTypeMANAGED ||
		*s3.Policies[1].PolicyArn != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" {
		t.Fatalf("s3 %+v", s3)
	}
	if ec2 := out.PoliciesGrantingServiceAccess[1]; len(ec2.Policies) != 0 {
		t.Fatalf("ec2 %+v", ec2)
	}
	if iamE := out.PoliciesGrantingServiceAccess[2]; len(iamE.Policies) != 1 {
		t.Fatalf("iam %+v", iamE)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	ae, ok := awserr.As(err)
	if !ok || ae.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func ptr[T any](v T) *T { return &v }

// TestServiceLastAccessedCountsDecisionAPIRequests: an authorization asked of the decision API is the data event
// of the service asked about, by the principal asked about, so it is that principal's use of that service and
// action (whoever asked).
func TestServiceLastAccessedCountsDecisionAPIRequests(t *testing.T) {
	ctx := context.Background()
	f := newLastAccessFixture(t)
	alice := f.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`)
	f.start()
	at := f.now.Add(-time.Minute)
	call := &audit.Call{RequestID: "r", Time: at, Service: "iamd", Operation: "Authorize", Caller: f.root, Region: "eu-west-3",
		Data: &audit.DataRequest{Action: "dynamodb:CreateTable", Resource: "arn:aws:dynamodb:eu-west-3:123456789012:table/t", Principal: alice.Principal.ARN,
			Explanation: &audit.Explanation{Decision: "allowed"}}}
	if _, err := f.trail.Begin(ctx, call); err != nil {
		t.Fatal(err)
	}
	f.trail.End(ctx, call, audit.Outcome{})
	if err := f.trail.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_, m := f.report(t, alice.Principal.ARN, iamtypes.AccessAdvisorUsageGranularityTypeACTIONLEVEL)
	ddb := m["dynamodb"]
	if ddb.LastAuthenticated == nil || !ddb.LastAuthenticated.Equal(at.Truncate(time.Second)) || *ddb.LastAuthenticatedEntity != alice.Principal.ARN {
		t.Fatalf("dynamodb %+v", ddb)
	}
	found := false
	for _, a := range ddb.TrackedActionsLastAccessed {
		if (*a.ActionName == "CreateTable") != (a.LastAccessedTime != nil) {
			t.Fatalf("tracked action %s last accessed %v", *a.ActionName, a.LastAccessedTime)
		}
		found = found || *a.ActionName == "CreateTable"
	}
	if !found {
		t.Fatal("dynamodb:CreateTable, a tracked action the policy allows, is not listed")
	}
	if len(m) != 1 {
		t.Fatalf("services %v: the asker's own use is not alice's", m)
	}
}
