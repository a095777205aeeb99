package analyzer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/policy"
)

const unusedAccount = "123456789012"

// age is the analyzers' unusedAccessAge in these tests (90 days, the console's default).
const age = 90 * 24 * time.Hour

// unusedFixture is IAM over a real SQLite file whose requests are recorded by the audit trail, and the analyzer
// reading both. Entities are made at the clock's start (500 days ago, older than the age); start moves the clock
// to now.
type unusedFixture struct {
	st    store.Store
	svc   *iam.Service
	an    *analyzer.Service
	trail *audit.Trail
	root  *iam.Caller
	now   time.Time
	real  time.Time
}

func newUnusedFixture(t testing.TB) *unusedFixture {
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
	real := time.Now().UTC().Truncate(time.Second)
	f := &unusedFixture{st: trail.Store(), trail: trail, real: real, now: real.Add(-500 * 24 * time.Hour)}
	f.svc = iam.New(f.st, cat, box, func() time.Time { return f.now }, "us-east-1", iam.Options{History: audit.History{}})
	if _, err := f.svc.EnsureAccount(ctx, unusedAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	f.an, err = analyzer.New(f.st, f.svc, analyzer.Options{Validator: listValidator{}, History: audit.History{}, Principals: f.svc})
	if err != nil {
		t.Fatal(err)
	}
	f.root = &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + unusedAccount + ":root", Account: unusedAccount}, UserID: unusedAccount}
	return f
}

// start moves the clock to now, when requests are made and the analysis runs.
func (f *unusedFixture) start() { f.now = f.real }

func (f *unusedFixture) opts() analyzer.UnusedOptions {
	return analyzer.UnusedOptions{Account: unusedAccount, Now: f.real, Age: age}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const trustEC2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// role creates a role with an inline policy (none when doc is empty) and returns a caller of one of its sessions.
func (f *unusedFixture) role(t testing.TB, name, doc string, tags ...iamtypes.Tag) *iam.Caller {
	t.Helper()
	ctx := context.Background()
	out := must[*iamtypes.CreateRoleResponse](t)(f.svc.CreateRole(ctx, f.root, &iamtypes.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: trustEC2, Tags: tags}))
	if doc != "" {
		check(t, f.svc.PutRolePolicy(ctx, f.root, &iamtypes.PutRolePolicyRequest{RoleName: name, PolicyName: "p-" + name, PolicyDocument: doc}))
	}
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalAssumedRole, ARN: "arn:aws:sts::" + unusedAccount + ":assumed-role/" + name + "/s",
		Account: unusedAccount, RoleARN: out.Role.Arn}, Name: name, UserID: out.Role.RoleId + ":s", SessionToken: true, RoleSession: true}
}

// user creates a user with an inline policy (none when doc is empty) and returns it as a caller.
func (f *unusedFixture) user(t testing.TB, name, doc string, tags ...iamtypes.Tag) *iam.Caller {
	t.Helper()
	ctx := context.Background()
	out := must[*iamtypes.CreateUserResponse](t)(f.svc.CreateUser(ctx, f.root, &iamtypes.CreateUserRequest{UserName: name, Tags: tags}))
	if doc != "" {
		check(t, f.svc.PutUserPolicy(ctx, f.root, &iamtypes.PutUserPolicyRequest{UserName: name, PolicyName: "p-" + name, PolicyDocument: doc}))
	}
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: out.User.Arn, Account: unusedAccount}, Name: name, UserID: out.User.UserId}
}

// managed creates a customer managed policy and attaches it to a role.
func (f *unusedFixture) managed(t testing.TB, name, doc, role string) string {
	t.Helper()
	ctx := context.Background()
	p := must[*iamtypes.CreatePolicyResponse](t)(f.svc.CreatePolicy(ctx, f.root, &iamtypes.CreatePolicyRequest{PolicyName: name, PolicyDocument: doc}))
	check(t, f.svc.AttachRolePolicy(ctx, f.root, &iamtypes.AttachRolePolicyRequest{RoleName: role, PolicyArn: *p.Policy.Arn}))
	return *p.Policy.Arn
}

// call records a request of c to service:operation at time at, as the wire layer does.
func (f *unusedFixture) call(t testing.TB, c *iam.Caller, service, operation string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	call := &audit.Call{RequestID: "r", Time: at, Service: service, Operation: operation, Caller: c, Region: "us-east-1"}
	if _, err := f.trail.Begin(ctx, call); err != nil {
		t.Fatal(err)
	}
	f.trail.End(ctx, call, audit.Outcome{})
	check(t, f.trail.Flush(ctx))
}

func (f *unusedFixture) detect(t testing.TB, o analyzer.UnusedOptions) []analyzer.Detected {
	t.Helper()
	var out []analyzer.Detected
	check(t, f.st.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		var err error
		out, err = f.an.DetectUnused(ctx, r, o)
		return err
	}))
	return out
}

// found indexes findings by "type resource-name key".
func found(ds []analyzer.Detected) map[string]analyzer.Detected {
	m := map[string]analyzer.Detected{}
	for _, d := range ds {
		m[string(d.FindingType)+" "+d.Resource[strings.LastIndexByte(d.Resource, '/')+1:]+" "+d.Key] = d
	}
	return m
}

func keys(m map[string]analyzer.Detected) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sameTime(got *time.Time, want time.Time) bool {
	if want.IsZero() {
		return got == nil
	}
	return got != nil && got.Equal(want.Truncate(time.Second))
}

// TestDetectUnusedRolesAroundTheAge: a role whose sessions made no request since now-age is unused, with its last
// request (if any); one used at exactly now-age or later is not; a role younger than the age is not analyzed
// (AWS: only entities that existed for the whole tracking period), nor a service-linked role. An unused role
// has no permission findings.
func TestDetectUnusedRolesAroundTheAge(t *testing.T) {
	ctx := context.Background()
	f := newUnusedFixture(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	f.role(t, "idle", doc)
	old := f.role(t, "old-use", doc)
	edge := f.role(t, "edge", doc)
	recent := f.role(t, "recent", doc)
	must[*iamtypes.CreateServiceLinkedRoleResponse](t)(f.svc.CreateServiceLinkedRole(ctx, f.root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com"}))
	f.now = f.real.Add(-age + time.Hour)
	f.role(t, "young", doc)
	f.start()
	cutoff := f.real.Add(-age)
	f.call(t, old, "s3", "GetObject", cutoff.Add(-time.Second))
	f.call(t, edge, "s3", "GetObject", cutoff)
	f.call(t, recent, "s3", "GetObject", f.real.Add(-time.Hour))

	m := found(f.detect(t, f.opts()))
	want := []string{"UnusedIAMRole idle ", "UnusedIAMRole old-use "}
	if got := keys(m); !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
	if d := m["UnusedIAMRole idle "]; d.ResourceType != aatypes.ResourceTypeAWSIAMRole || d.ResourceOwnerAccount != unusedAccount ||
		d.Details[0].UnusedIamRoleDetails == nil || d.Details[0].UnusedIamRoleDetails.LastAccessed != nil {
		t.Fatalf("idle role finding %+v", d)
	}
	if la := m["UnusedIAMRole old-use "].Details[0].UnusedIamRoleDetails.LastAccessed; !sameTime(la, cutoff.Add(-time.Second)) {
		t.Fatalf("old-use lastAccessed %v, want %v", la, cutoff.Add(-time.Second))
	}
}

// TestDetectUnusedAccessKeysAroundTheAge: an active key not used since now-age is unused (its ID is the Key);
// one used at now-age is not; an inactive key and a key younger than the age are not analyzed.
func TestDetectUnusedAccessKeysAroundTheAge(t *testing.T) {
	ctx := context.Background()
	f := newUnusedFixture(t)
	alice := f.user(t, "alice", "")
	bob := f.user(t, "bob", "")
	carol := f.user(t, "carol", "")
	key := func(u string) string {
		return must[*iamtypes.CreateAccessKeyResponse](t)(f.svc.CreateAccessKey(ctx, f.root, &iamtypes.CreateAccessKeyRequest{UserName: &u})).AccessKey.AccessKeyId
	}
	never, old := key("alice"), key("alice")
	edge := key("bob")
	inactive := key("carol")
	check(t, f.svc.UpdateAccessKey(ctx, f.root, &iamtypes.UpdateAccessKeyRequest{UserName: ptr("carol"), AccessKeyId: inactive, Status: iamtypes.StatusTypeInactive}))
	f.now = f.real.Add(-age + time.Minute)
	young := key("carol")
	f.start()
	cutoff := f.real.Add(-age)
	signed := func(c *iam.Caller, k string) *iam.Caller { cp := *c; cp.AccessKeyID = k; return &cp }
	f.call(t, signed(alice, old), "iam", "GetUser", cutoff.Add(-time.Second))
	f.call(t, signed(bob, edge), "iam", "GetUser", cutoff)
	_ = carol
	_ = young

	m := found(f.detect(t, f.opts()))
	want := []string{"UnusedIAMUserAccessKey alice " + never, "UnusedIAMUserAccessKey alice " + old}
	slices.Sort(want)
	if got := keys(m); !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
	d := m["UnusedIAMUserAccessKey alice "+old]
	kd := d.Details[0].UnusedIamUserAccessKeyDetails
	if d.ResourceType != aatypes.ResourceTypeAWSIAMUser || d.Resource != alice.Principal.ARN || kd == nil || kd.AccessKeyId != old || !sameTime(kd.LastAccessed, cutoff.Add(-time.Second)) {
		t.Fatalf("old key finding %+v %+v", d, kd)
	}
	if kd := m["UnusedIAMUserAccessKey alice "+never].Details[0].UnusedIamUserAccessKeyDetails; kd.LastAccessed != nil {
		t.Fatalf("never-used key has lastAccessed %v", kd.LastAccessed)
	}
}

// TestDetectUnusedPasswordsAroundTheAge: a console password not used to sign in since now-age is unused; one used
// since is not; a password younger than the age and a user without one are not analyzed.
func TestDetectUnusedPasswordsAroundTheAge(t *testing.T) {
	ctx := context.Background()
	f := newUnusedFixture(t)
	const pw = "Correct-Horse-Battery-9"
	profile := func(u string) {
		f.user(t, u, "")
		must[*iamtypes.CreateLoginProfileResponse](t)(f.svc.CreateLoginProfile(ctx, f.root, &iamtypes.CreateLoginProfileRequest{UserName: &u, Password: ptr(pw)}))
	}
	for _, u := range []string{"never", "old", "recent"} {
		profile(u)
	}
	f.user(t, "nopassword", "")
	f.now = f.real.Add(-age + time.Minute)
	profile("young")
	cutoff := f.real.Add(-age)
	signIn := func(u string, at time.Time) {
		f.now = at
		must[*iam.SignInResult](t)(f.svc.SignIn(ctx, unusedAccount, u, pw, "", "192.0.2."+string(rune('1'+len(u)))))
	}
	signIn("old", cutoff.Add(-time.Second))
	signIn("recent", cutoff)
	f.start()

	m := found(f.detect(t, f.opts()))
	want := []string{"UnusedIAMUserPassword never ", "UnusedIAMUserPassword old "}
	if got := keys(m); !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
	if la := m["UnusedIAMUserPassword old "].Details[0].UnusedIamUserPasswordDetails.LastAccessed; !sameTime(la, cutoff.Add(-time.Second)) {
		t.Fatalf("old password lastAccessed %v", la)
	}
	if la := m["UnusedIAMUserPassword never "].Details[0].UnusedIamUserPasswordDetails.LastAccessed; la != nil {
		t.Fatalf("never-used password lastAccessed %v", la)
	}
}

// TestDetectUnusedPermissionsPerServiceAndAction: for an active role, each service its policies (inline and
// managed) allow that it did not use within the age is a finding (with its last use, however old), and a service
// it used with allowed actions it did not use is a finding listing those actions; a user's group policies count;
// an inactive user's permissions are not analyzed.
func TestDetectUnusedPermissionsPerServiceAndAction(t *testing.T) {
	ctx := context.Background()
	f := newUnusedFixture(t)
	app := f.role(t, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","sqs:SendMessage"],"Resource":"*"}]}`)
	f.managed(t, "tables", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}`, "app")
	dev := f.user(t, "dev", "")
	must[*iamtypes.CreateGroupResponse](t)(f.svc.CreateGroup(ctx, f.root, &iamtypes.CreateGroupRequest{GroupName: "devs"}))
	check(t, f.svc.PutGroupPolicy(ctx, f.root, &iamtypes.PutGroupPolicyRequest{GroupName: "devs", PolicyName: "g",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","iam:GetUser"],"Resource":"*"}]}`}))
	check(t, f.svc.AddUserToGroup(ctx, f.root, &iamtypes.AddUserToGroupRequest{GroupName: "devs", UserName: "dev"}))
	f.user(t, "idle", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	f.start()
	cutoff := f.real.Add(-age)
	f.call(t, app, "s3", "GetObject", f.real.Add(-time.Hour))
	f.call(t, app, "sqs", "SendMessage", cutoff.Add(-time.Hour))
	f.call(t, dev, "iam", "GetUser", f.real.Add(-time.Hour))

	m := found(f.detect(t, f.opts()))
	want := []string{"UnusedPermission app dynamodb", "UnusedPermission app s3", "UnusedPermission app sqs", "UnusedPermission dev ec2"}
	if got := keys(m); !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
	s3 := m["UnusedPermission app s3"].Details[0].UnusedPermissionDetails
	if s3.ServiceNamespace != "s3" || !sameTime(s3.LastAccessed, f.real.Add(-time.Hour)) || len(s3.Actions) != 1 || s3.Actions[0].Action != "PutObject" || s3.Actions[0].LastAccessed != nil {
		t.Fatalf("s3 finding %+v", s3)
	}
	if sqs := m["UnusedPermission app sqs"].Details[0].UnusedPermissionDetails; !sameTime(sqs.LastAccessed, cutoff.Add(-time.Hour)) || sqs.Actions != nil {
		t.Fatalf("sqs finding %+v", sqs)
	}
	if ddb := m["UnusedPermission app dynamodb"].Details[0].UnusedPermissionDetails; ddb.LastAccessed != nil || ddb.Actions != nil {
		t.Fatalf("dynamodb finding %+v", ddb)
	}
	if d := m["UnusedPermission dev ec2"]; d.ResourceType != aatypes.ResourceTypeAWSIAMUser || d.Resource != dev.Principal.ARN {
		t.Fatalf("dev finding %+v", d)
	}
}

// TestDetectUnusedExclusions: an excluded account has no findings; a role or user whose tags include every pair
// of an exclusion (an empty value matching any) is skipped, and one that matches only part of it is not.
func TestDetectUnusedExclusions(t *testing.T) {
	f := newUnusedFixture(t)
	tag := func(k, v string) iamtypes.Tag { return iamtypes.Tag{Key: k, Value: v} }
	f.role(t, "data", "", tag("team", "data"), tag("env", "prod"))
	f.role(t, "half", "", tag("team", "data"))
	f.role(t, "kept", "", tag("keep", "anything"))
	f.user(t, "u-kept", "", tag("keep", ""))
	f.start()
	o := f.opts()
	o.ExcludeAccounts = []string{"999999999999", unusedAccount}
	if got := f.detect(t, o); len(got) != 0 {
		t.Fatalf("excluded account has %d findings", len(got))
	}
	o = f.opts()
	o.ExcludeResourceTags = []map[string]string{{"team": "data", "env": "prod"}, {"keep": ""}}
	if got := keys(found(f.detect(t, o))); !slices.Equal(got, []string{"UnusedIAMRole half "}) {
		t.Fatalf("findings %q, want only the half-matching role", got)
	}
}

// TestDetectUnusedFailsWithoutHistory: an analyzer built without the trail's history refuses to guess.
func TestDetectUnusedFailsWithoutHistory(t *testing.T) {
	s := newService(t, analyzer.Options{})
	if _, err := s.DetectUnused(context.Background(), nil, analyzer.UnusedOptions{Account: unusedAccount, Now: time.Now(), Age: age}); err != analyzer.ErrUnusedNotConfigured {
		t.Fatalf("err %v", err)
	}
}

func (f *unusedFixture) recommend(t testing.TB, d analyzer.Detected) (*aatypes.GetFindingRecommendationResponse, error) {
	t.Helper()
	var out *aatypes.GetFindingRecommendationResponse
	err := f.st.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		var err error
		out, err = f.an.RecommendUnused(ctx, r, d, f.opts())
		return err
	})
	return out, err
}

// recommendFinding detects the unused access and answers the recommendation for the finding found names.
func (f *unusedFixture) recommendFinding(t testing.TB, name string) (analyzer.Detected, *aatypes.GetFindingRecommendationResponse) {
	t.Helper()
	d, ok := found(f.detect(t, f.opts()))[name]
	if !ok {
		t.Fatalf("no finding %q", name)
	}
	out, err := f.recommend(t, d)
	if err != nil {
		t.Fatal(err)
	}
	return d, out
}

// decide is the engine's decision for a role session whose only identity policy is doc.
func decide(t testing.TB, doc, action string) authz.Result {
	t.Helper()
	p, err := policy.Parse([]byte(doc), policy.TypeIdentity)
	if err != nil {
		t.Fatalf("recommended policy does not parse: %v\n%s", err, doc)
	}
	d := authz.Decide(authz.PolicySet{Identity: []authz.Attached{{Name: "rec", Policy: p}}},
		&authz.Request{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: "arn:aws:iam::" + unusedAccount + ":user/x", Account: unusedAccount}, Action: action, Resource: "*"})
	return d.Result
}

// TestRecommendUnusedDetachesOrReducesEachPolicy: for an s3 unused-permission finding, a policy that allows
// nothing used is to be detached (a managed one: by ARN, with its update date); one that allows used actions
// too is to be replaced by itself without the unused s3 actions, which the engine allows every used action
// under, and not the unused ones.
func TestRecommendUnusedDetachesOrReducesEachPolicy(t *testing.T) {
	f := newUnusedFixture(t)
	app := f.role(t, "app", `{"Version":"2012-10-17","Statement":[{"Sid":"Objects","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","sqs:SendMessage"],"Resource":"*"}]}`)
	deleter := f.managed(t, "deleter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"*"}]}`, "app")
	f.managed(t, "tables", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}`, "app")
	f.start()
	f.call(t, app, "s3", "GetObject", f.real.Add(-time.Hour))
	f.call(t, app, "sqs", "SendMessage", f.real.Add(-time.Hour))
	d, out := f.recommendFinding(t, "UnusedPermission app s3")
	if out.Status != aatypes.StatusSUCCEEDED || out.RecommendationType != aatypes.RecommendationTypeUnusedPermissionRecommendation ||
		out.ResourceArn != d.Resource || !out.StartedAt.Equal(f.real) || out.CompletedAt == nil || len(out.RecommendedSteps) != 2 {
		t.Fatalf("recommendation %+v", out)
	}
	create, detach := out.RecommendedSteps[0].UnusedPermissionsRecommendedStep, out.RecommendedSteps[1].UnusedPermissionsRecommendedStep
	if create.RecommendedAction != aatypes.RecommendedRemediationActionCREATEPOLICY || *create.ExistingPolicyId != "p-app" || create.PolicyUpdatedAt != nil || create.RecommendedPolicy == nil {
		t.Fatalf("inline policy step %+v", create)
	}
	if detach.RecommendedAction != aatypes.RecommendedRemediationActionDETACHPOLICY || *detach.ExistingPolicyId != deleter || detach.PolicyUpdatedAt == nil || detach.RecommendedPolicy != nil {
		t.Fatalf("managed policy step %+v", detach)
	}
	doc := *create.RecommendedPolicy
	if !strings.Contains(doc, `"Sid":"Objects"`) {
		t.Errorf("the reduced statement lost its Sid: %s", doc)
	}
	for action, want := range map[string]authz.Result{"s3:GetObject": authz.Allowed, "sqs:SendMessage": authz.Allowed, "s3:PutObject": authz.ImplicitDeny} {
		if got := decide(t, doc, action); got != want {
			t.Errorf("%s under %s: %v, want %v", action, doc, got, want)
		}
	}
}

// TestRecommendUnusedRewritesWildcards: "*", a NotAction statement and a value with a wildcard in its service part
// lose the unused s3 actions and keep every other service; the used s3 actions stay allowed.
func TestRecommendUnusedRewritesWildcards(t *testing.T) {
	cases := []struct{ name, doc string }{
		{"star", `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}]}`},
		{"notaction", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*"],"Resource":"*"},{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`},
		{"service-wildcard", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s*:*","ec2:DescribeInstances","iam:GetUser"],"Resource":"*"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newUnusedFixture(t)
			app := f.role(t, "app", tc.doc)
			f.start()
			f.call(t, app, "s3", "GetObject", f.real.Add(-time.Hour))
			f.call(t, app, "s3", "ListBucket", f.real.Add(-time.Hour))
			f.call(t, app, "iam", "GetUser", f.real.Add(-time.Hour))
			_, out := f.recommendFinding(t, "UnusedPermission app s3")
			if len(out.RecommendedSteps) != 1 || out.RecommendedSteps[0].UnusedPermissionsRecommendedStep.RecommendedAction != aatypes.RecommendedRemediationActionCREATEPOLICY {
				t.Fatalf("steps %+v", out.RecommendedSteps)
			}
			doc := *out.RecommendedSteps[0].UnusedPermissionsRecommendedStep.RecommendedPolicy
			t.Logf("recommended: %s", doc)
			want := map[string]authz.Result{"s3:GetObject": authz.Allowed, "s3:ListBucket": authz.Allowed, "iam:GetUser": authz.Allowed,
				"sqs:SendMessage": authz.Allowed, "s3:PutObject": authz.ImplicitDeny, "s3:DeleteBucket": authz.ImplicitDeny}
			if tc.name != "service-wildcard" {
				want["ec2:DescribeInstances"] = authz.Allowed
			}
			for action, w := range want {
				if got := decide(t, doc, action); got != w {
					t.Errorf("%s: %v, want %v under %s", action, got, w, doc)
				}
			}
		})
	}
}

// TestRecommendUnusedRefusesOtherFindingsAndReportsAGonePrincipal: only unused-permission findings have
// recommendations; one whose principal was deleted answers FAILED with an error.
func TestRecommendUnusedRefusesOtherFindingsAndReportsAGonePrincipal(t *testing.T) {
	ctx := context.Background()
	f := newUnusedFixture(t)
	app := f.role(t, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}`)
	f.role(t, "idle", "")
	f.start()
	f.call(t, app, "s3", "GetObject", f.real.Add(-time.Hour))
	m := found(f.detect(t, f.opts()))
	_, err := f.recommend(t, m["UnusedIAMRole idle "])
	if ae, ok := awserr.As(err); !ok || ae.Code != "ValidationException" {
		t.Fatalf("recommendation for an unused role: %v", err)
	}
	check(t, f.svc.DeleteRolePolicy(ctx, f.root, &iamtypes.DeleteRolePolicyRequest{RoleName: "app", PolicyName: "p-app"}))
	check(t, f.svc.DeleteRole(ctx, f.root, &iamtypes.DeleteRoleRequest{RoleName: "app"}))
	out, err := f.recommend(t, m["UnusedPermission app s3"])
	if err != nil || out.Status != aatypes.StatusFAILED || out.Error == nil || out.Error.Code != analyzer.RecommendationPrincipalGone {
		t.Fatalf("recommendation for a deleted role: %+v, %v", out, err)
	}
}

// TestDetectUnusedReadsLastUsePastTheTrailsRetention: once the trail's old events are pruned, a finding still
// shows the last use from before the age (the trail keeps the newest event of each principal, service and action
// past its retention).
func TestDetectUnusedReadsLastUsePastTheTrailsRetention(t *testing.T) {
	f := newUnusedFixture(t)
	old := f.role(t, "old", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	app := f.role(t, "app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}`)
	f.start()
	long := f.real.Add(-200 * 24 * time.Hour)
	f.call(t, old, "s3", "GetObject", long)
	f.call(t, old, "s3", "GetObject", long.Add(-time.Hour))
	f.call(t, app, "s3", "PutObject", long)
	f.call(t, app, "s3", "GetObject", f.real.Add(-time.Hour))
	n, err := f.st.PruneEvents(context.Background(), f.real.Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d events (%v), want the one the newer use of the same principal and action supersedes", n, err)
	}
	m := found(f.detect(t, f.opts()))
	if la := m["UnusedIAMRole old "].Details[0].UnusedIamRoleDetails.LastAccessed; !sameTime(la, long) {
		t.Fatalf("old role lastAccessed %v, want %v", la, long)
	}
	s3 := m["UnusedPermission app s3"].Details[0].UnusedPermissionDetails
	if len(s3.Actions) != 1 || s3.Actions[0].Action != "PutObject" || !sameTime(s3.Actions[0].LastAccessed, long) {
		t.Fatalf("app s3 finding %+v", s3)
	}
}

// TestRecommendUnusedReplacesAnAWSManagedPolicy: an AWS managed policy that allows used and unused actions is to
// be replaced (existingPolicyId its ARN, policyUpdatedAt its date) by its statements without the unused s3
// actions; its other services stay.
func TestRecommendUnusedReplacesAnAWSManagedPolicy(t *testing.T) {
	ctx := context.Background()
	f := newUnusedFixture(t)
	app := f.role(t, "app", "")
	const readOnly = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	check(t, f.svc.AttachRolePolicy(ctx, f.root, &iamtypes.AttachRolePolicyRequest{RoleName: "app", PolicyArn: readOnly}))
	f.start()
	f.call(t, app, "s3", "GetObject", f.real.Add(-time.Hour))
	_, out := f.recommendFinding(t, "UnusedPermission app s3")
	if len(out.RecommendedSteps) != 1 {
		t.Fatalf("steps %+v", out.RecommendedSteps)
	}
	step := out.RecommendedSteps[0].UnusedPermissionsRecommendedStep
	if step.RecommendedAction != aatypes.RecommendedRemediationActionCREATEPOLICY || *step.ExistingPolicyId != readOnly || step.PolicyUpdatedAt == nil || step.PolicyUpdatedAt.IsZero() {
		t.Fatalf("step %+v", step)
	}
	for action, want := range map[string]authz.Result{"s3:GetObject": authz.Allowed, "s3:ListBucket": authz.ImplicitDeny, "s3-object-lambda:GetObject": authz.Allowed} {
		if got := decide(t, *step.RecommendedPolicy, action); got != want {
			t.Errorf("%s: %v, want %v under %s", action, got, want, *step.RecommendedPolicy)
		}
	}
}
