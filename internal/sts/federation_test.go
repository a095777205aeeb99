package sts_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

func fedCaller(t *testing.T, s interface {
	LookupAccessKey(context.Context, string) (*iam.Credential, error)
}, out *ststypes.GetFederationTokenResponse) *iam.Caller {
	t.Helper()
	cred, err := s.LookupAccessKey(context.Background(), out.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	if string(cred.Secret) != out.Credentials.SecretAccessKey || cred.SessionToken != out.Credentials.SessionToken {
		t.Fatal("the stored session does not match the credentials")
	}
	c := cred.Caller
	return &c
}

func TestGetFederationToken(t *testing.T) {
	s, root, alice := setup(t)
	ctx := context.Background()
	fedARN := "arn:aws:sts::" + acct + ":federated-user/bob"

	// alice may not call it without a permission.
	_, err := s.GetFederationToken(ctx, alice, &ststypes.GetFederationTokenRequest{Name: "bob"})
	wantCode(t, err, "AccessDenied")

	if err := s.IAM.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "p",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","s3:ListBucket","s3:PutObject"],"Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	out, err := s.GetFederationToken(ctx, alice, &ststypes.GetFederationTokenRequest{Name: "bob",
		Policy: ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out.FederatedUser.Arn != fedARN || out.FederatedUser.FederatedUserId != acct+":bob" || out.PackedPolicySize == nil {
		t.Fatalf("response %+v", out)
	}
	if d := out.Credentials.Expiration.Sub(s.IAM.Now()); d < 11*3600e9 || d > 12*3600e9+60e9 {
		t.Fatalf("expiration in %v, want 12h", d)
	}
	c := fedCaller(t, s.IAM, out)
	if c.Principal.Type != authz.PrincipalFederatedUser || c.Principal.ARN != fedARN || c.UserID != acct+":bob" || !c.SessionToken {
		t.Fatalf("caller %+v", c)
	}
	id, _ := s.GetCallerIdentity(ctx, c, &ststypes.GetCallerIdentityRequest{})
	if deref(id.Arn) != fedARN || deref(id.UserId) != acct+":bob" || deref(id.Account) != acct {
		t.Fatalf("GetCallerIdentity %+v", id)
	}
	authorize := func(c *iam.Caller, action string) error {
		return s.IAM.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
			return s.IAM.Authorize(ctx, r, c, iam.Authorization{Action: action, Resource: "*"})
		})
	}
	// Intersection: ListBucket is in both, GetObject only in the session policy, PutObject only in alice's.
	if err := authorize(c, "s3:ListBucket"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, authorize(c, "s3:GetObject"), "AccessDenied")
	wantCode(t, authorize(c, "s3:PutObject"), "AccessDenied")

	// No session policy: no permissions.
	bare, err := s.GetFederationToken(ctx, alice, &ststypes.GetFederationTokenRequest{Name: "bare"})
	if err != nil {
		t.Fatal(err)
	}
	if bare.PackedPolicySize != nil {
		t.Fatalf("PackedPolicySize %v without policies", *bare.PackedPolicySize)
	}
	wantCode(t, authorize(fedCaller(t, s.IAM, bare), "s3:ListBucket"), "AccessDenied")

	// Temporary credentials cannot call it; malformed session policies are refused.
	_, err = s.GetFederationToken(ctx, c, &ststypes.GetFederationTokenRequest{Name: "again"})
	wantCode(t, err, "AccessDenied")
	_, err = s.GetFederationToken(ctx, alice, &ststypes.GetFederationTokenRequest{Name: "bob", Policy: ptr(`{"Statement":`)})
	wantCode(t, err, "MalformedPolicyDocument")

	// The root user: an hour at most, and its session policies alone decide.
	rout, err := s.GetFederationToken(ctx, root, &ststypes.GetFederationTokenRequest{Name: "rooted", DurationSeconds: ptr(int32(7200)),
		Policy: ptr(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if d := rout.Credentials.Expiration.Sub(s.IAM.Now()); d > 3600e9+60e9 {
		t.Fatalf("root federation session lasts %v", d)
	}
	rc := fedCaller(t, s.IAM, rout)
	if err := authorize(rc, "s3:GetObject"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, authorize(rc, "s3:ListBucket"), "AccessDenied")
}

func TestGetAccessKeyInfo(t *testing.T) {
	s, root, alice := setup(t)
	ctx := context.Background()
	k, err := s.IAM.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: ptr("alice")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.GetAccessKeyInfo(ctx, root, &ststypes.GetAccessKeyInfoRequest{AccessKeyId: k.AccessKey.AccessKeyId})
	if err != nil || deref(out.Account) != acct {
		t.Fatalf("GetAccessKeyInfo %v %v", out, err)
	}
	sess, err := s.GetFederationToken(ctx, root, &ststypes.GetFederationTokenRequest{Name: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.GetAccessKeyInfo(ctx, root, &ststypes.GetAccessKeyInfoRequest{AccessKeyId: sess.Credentials.AccessKeyId})
	if err != nil || deref(out.Account) != acct {
		t.Fatalf("GetAccessKeyInfo of a session key %v %v", out, err)
	}
	_, err = s.GetAccessKeyInfo(ctx, root, &ststypes.GetAccessKeyInfoRequest{AccessKeyId: "AKIAIOSFODNN7EXAMPLE"})
	wantCode(t, err, "ValidationError")
	// alice has no permission for sts:GetAccessKeyInfo.
	_, err = s.GetAccessKeyInfo(ctx, alice, &ststypes.GetAccessKeyInfoRequest{AccessKeyId: k.AccessKey.AccessKeyId})
	wantCode(t, err, "AccessDenied")
}
