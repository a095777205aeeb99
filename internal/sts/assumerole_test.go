package sts_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/samlsp"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/sts"
)

const acct = "123456789012"

// service is the STS service under test with the IAM service it runs on, for the tests' own IAM calls.
type service struct {
	*sts.Service
	IAM *iam.Service
}

func setup(t *testing.T) (*service, *iam.Caller, *iam.Caller) {
	t.Helper()
	return setupWith(t, iam.Options{SAML: samlsp.Provider{}})
}

// setupWith is setup with the IAM service's options. STS verifies SAML responses as the server does
// (internal/samlsp).
func setupWith(t *testing.T, opt iam.Options) (*service, *iam.Caller, *iam.Caller) {
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
	svc := iam.New(st, cat, box, time.Now, "us-east-1", opt)
	if _, err := svc.EnsureAccount(ctx, acct, "", ""); err != nil {
		t.Fatal(err)
	}
	root := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", Account: acct}, UserID: acct}
	u, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	alice := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.User.Arn, Account: acct}, Name: "alice", UserID: u.User.UserId}
	for i, name := range []string{"first", "second"} {
		principals := `"` + u.User.Arn + `"`
		if i == 1 {
			principals += `,"arn:aws:iam::` + acct + `:role/team/first"`
		}
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":[` + principals + `]},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
		if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: name, Path: ptr("/team/"), AssumeRolePolicyDocument: trust}); err != nil {
			t.Fatal(err)
		}
	}
	return &service{sts.New(st, svc, sts.Options{Region: "us-east-1", SAML: samlsp.Provider{}}), svc}, root, alice
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if ae, ok := awserr.As(err); !ok || ae.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

// sessionCaller authenticates the credentials of an AssumeRole answer as iamd's server does.
func sessionCaller(t *testing.T, s *service, out *ststypes.AssumeRoleResponse) *iam.Caller {
	t.Helper()
	cred, err := s.IAM.LookupAccessKey(context.Background(), out.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if string(cred.Secret) != out.Credentials.SecretAccessKey || cred.SessionToken != out.Credentials.SessionToken {
		t.Fatal("the stored session does not match the credentials")
	}
	c := cred.Caller
	return &c
}

func TestAssumeRoleSessionIsAPrincipal(t *testing.T) {
	s, root, alice := setup(t)
	ctx := context.Background()
	if _, err := s.AssumeRole(ctx, root, &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::" + acct + ":role/team/first", RoleSessionName: "r"}); err == nil {
		t.Fatal("the root user assumed a role")
	}
	out, err := s.AssumeRole(ctx, alice, &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::" + acct + ":role/team/first", RoleSessionName: "one",
		Tags: []ststypes.Tag{{Key: "team", Value: "blue"}, {Key: "cost", Value: "1"}}, TransitiveTagKeys: []string{"team"},
		SourceIdentity: ptr("alice"), Policy: ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","sts:AssumeRole"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 || deref(out.SourceIdentity) != "alice" {
		t.Fatalf("response %+v", out)
	}
	c := sessionCaller(t, s, out)
	if c.Principal.Type != authz.PrincipalAssumedRole || c.Principal.ARN != "arn:aws:sts::"+acct+":assumed-role/first/one" ||
		c.Principal.RoleARN != "arn:aws:iam::"+acct+":role/team/first" || c.Name != "first" || !strings.HasSuffix(c.UserID, ":one") ||
		c.UserID != out.AssumedRoleUser.AssumedRoleId || c.SessionTags["team"] != "blue" || len(c.SessionPolicies) != 1 || c.SourceIdentity != "alice" {
		t.Fatalf("caller %+v", c)
	}
	id, _ := s.GetCallerIdentity(ctx, c, &ststypes.GetCallerIdentityRequest{})
	if deref(id.Arn) != c.Principal.ARN {
		t.Fatalf("GetCallerIdentity %s", deref(id.Arn))
	}
	// The session policy narrows the role's (which grants nothing here anyway): ListRoles needs both.
	err = s.IAM.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		return s.IAM.Authorize(ctx, r, c, iam.Authorization{Action: "iam:ListUsers", Resource: "*"})
	})
	wantCode(t, err, "AccessDenied")

	// Chaining: transitive tags carry, the source identity stays and cannot change, an hour at most.
	second := "arn:aws:iam::" + acct + ":role/team/second"
	_, err = s.AssumeRole(ctx, c, &ststypes.AssumeRoleRequest{RoleArn: second, RoleSessionName: "two", SourceIdentity: ptr("mallory")})
	wantCode(t, err, "AccessDenied")
	_, err = s.AssumeRole(ctx, c, &ststypes.AssumeRoleRequest{RoleArn: second, RoleSessionName: "two", DurationSeconds: ptr(int32(3601))})
	wantCode(t, err, "ValidationError")
	out2, err := s.AssumeRole(ctx, c, &ststypes.AssumeRoleRequest{RoleArn: second, RoleSessionName: "two"})
	if err != nil {
		t.Fatal(err)
	}
	c2 := sessionCaller(t, s, out2)
	if c2.SessionTags["team"] != "blue" || c2.SessionTags["cost"] != "" || c2.SourceIdentity != "alice" || len(c2.SessionPolicies) != 0 {
		t.Fatalf("chained caller %+v", c2)
	}

	// Limits: a path that does not match is no role; packed size; malformed policy.
	_, err = s.AssumeRole(ctx, alice, &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::" + acct + ":role/first", RoleSessionName: "x1"})
	wantCode(t, err, "AccessDenied")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":["arn:aws:s3:::` + strings.Repeat("a", 2100) + `"]}]}`
	_, err = s.AssumeRole(ctx, alice, &ststypes.AssumeRoleRequest{RoleArn: second, RoleSessionName: "x1", Policy: &big})
	wantCode(t, err, "PackedPolicyTooLarge")
	_, err = s.AssumeRole(ctx, alice, &ststypes.AssumeRoleRequest{RoleArn: second, RoleSessionName: "x1", Policy: ptr(`{"Statement":`)})
	wantCode(t, err, "MalformedPolicyDocument")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
