package stsapi

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/trailjson/trailtest"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func ptr[T any](v T) *T { return &v }

// sessionCredentials are the session credentials trailDomain hands out: only the access key ID may reach the trail.
func sessionCredentials() *ststypes.Credentials {
	return &ststypes.Credentials{AccessKeyId: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
		SessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN", Expiration: time.Date(2025, 10, 6, 16, 4, 5, 0, time.UTC)}
}

// trailDomain answers the operations of the trail golden cases with fixed outputs holding secrets.
type trailDomain struct{}

func (trailDomain) AssumeRole(_ context.Context, _ *iam.Caller, in *ststypes.AssumeRoleRequest) (*ststypes.AssumeRoleResponse, error) {
	return &ststypes.AssumeRoleResponse{Credentials: sessionCredentials(), AssumedRoleUser: &ststypes.AssumedRoleUser{
		AssumedRoleId: "AROA3XFRBF535PLBIFPI4:" + in.RoleSessionName, Arn: "arn:aws:sts::123456789012:assumed-role/dev/" + in.RoleSessionName},
		SourceIdentity: in.SourceIdentity}, nil
}

func (trailDomain) AssumeRoleWithSAML(_ context.Context, _ *iam.Caller, _ *ststypes.AssumeRoleWithSAMLRequest) (*ststypes.AssumeRoleWithSAMLResponse, error) {
	return &ststypes.AssumeRoleWithSAMLResponse{Credentials: sessionCredentials(), AssumedRoleUser: &ststypes.AssumedRoleUser{
		AssumedRoleId: "AROA3XFRBF535PLBIFPI4:alice@example.com", Arn: "arn:aws:sts::123456789012:assumed-role/saml/alice@example.com"},
		Subject: ptr("alice@example.com"), SubjectType: ptr("persistent"), Issuer: ptr("https://idp.example.com/saml"),
		Audience: ptr("https://signin.aws.amazon.com/saml"), NameQualifier: ptr("SbdGOnUkh1i4+EXAMPLExL/jEvs=")}, nil
}

func (trailDomain) AssumeRoleWithWebIdentity(_ context.Context, _ *iam.Caller, in *ststypes.AssumeRoleWithWebIdentityRequest) (*ststypes.AssumeRoleWithWebIdentityResponse, error) {
	return &ststypes.AssumeRoleWithWebIdentityResponse{Credentials: sessionCredentials(), SubjectFromWebIdentityToken: ptr("amzn1.account.AF6RHO7KZU5XRVQJGXK6HEXAMPLE"),
		AssumedRoleUser: &ststypes.AssumedRoleUser{AssumedRoleId: "AROA3XFRBF535PLBQAARL:" + in.RoleSessionName,
			Arn: "arn:aws:sts::123456789012:assumed-role/web/" + in.RoleSessionName},
		Provider: ptr("www.amazon.com"), Audience: ptr("client.5498841531868486423.1548@apps.example.com")}, nil
}

func (trailDomain) GetCallerIdentity(context.Context, *iam.Caller, *ststypes.GetCallerIdentityRequest) (*ststypes.GetCallerIdentityResponse, error) {
	return &ststypes.GetCallerIdentityResponse{UserId: ptr("AIDACKCEVSQ6C2EXAMPLE"), Account: ptr("123456789012"),
		Arn: ptr("arn:aws:iam::123456789012:user/alice")}, nil
}

// trailCasesGolden: an STS request, as the AWS CLI sends it, and the golden file of what the trail shows of it
// (testdata/trail/<name>.json; the members named as in the IAM User Guide's STS examples in "Logging IAM and AWS
// STS API calls with AWS CloudTrail", the SAML assertion, web identity token, MFA code, secret key and session
// token hidden).
var trailCasesGolden = []struct{ name, action, form string }{
	{"assume_role", "AssumeRole", "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev&RoleSessionName=alice&SourceIdentity=alice&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Falice&TokenCode=314159&DurationSeconds=3600"},
	{"assume_role_with_saml", "AssumeRoleWithSAML", "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsaml&PrincipalArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Asaml-provider%2Fidp&SAMLAssertion=PHNhbWxwOlJlc3BvbnNlIHNlY3JldA%3D%3D"},
	{"assume_role_with_web_identity", "AssumeRoleWithWebIdentity", "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb&RoleSessionName=app1&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln&ProviderId=www.amazon.com"},
	{"get_caller_identity", "GetCallerIdentity", ""},
}

// secretsOfTrailCases are the secrets the requests and trailDomain's answers hold; none may be in a trail.
var secretsOfTrailCases = []string{"wJalrXUtnFEMI", "IQoJb3JpZ2lu", "314159", "PHNhbWxw", "eyJhbGci"}

// TestTrailGolden runs each case's operation through its generated Call with a Trail in the context and compares
// the event's requestParameters and responseElements with the golden file; no secret is in them.
func TestTrailGolden(t *testing.T) {
	ops := dispatch.Index(Operations(struct {
		UnimplementedSTS
		trailDomain
	}{}, trailDomain{}))
	for _, tc := range trailCasesGolden {
		t.Run(tc.name, func(t *testing.T) {
			trailtest.QueryGolden(t, ops, ststypes.XMLNamespace, tc.name, tc.action, tc.form, *update, secretsOfTrailCases)
		})
	}
}
