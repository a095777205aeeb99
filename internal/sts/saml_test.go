package sts_test

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/samlsp/samltest"
	"github.com/iamd-dev/iamd/internal/sts"
)

const (
	samlEntity   = "https://idp.example.com/saml"
	samlProvider = "arn:aws:iam::" + acct + ":saml-provider/corp"
	samlRole     = "arn:aws:iam::" + acct + ":role/federated"
	samlNoTags   = "arn:aws:iam::" + acct + ":role/plain"
)

// samlSetup creates a SAML provider for a test IdP and two roles that trust it: "federated" for the subject alice
// (with tagging and source identity), "plain" for anyone, without tagging.
func samlSetup(t *testing.T) (*service, *samltest.IdP) {
	t.Helper()
	ctx := context.Background()
	s, root, _ := setup(t)
	idp, err := samltest.New(samlEntity, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.IAM.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "corp", SAMLMetadataDocument: idp.Metadata()}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + samlProvider + `"},` +
		`"Action":["sts:AssumeRoleWithSAML","sts:TagSession","sts:SetSourceIdentity"],` +
		`"Condition":{"StringEquals":{"saml:aud":"https://signin.aws.amazon.com/saml","saml:sub":"alice","saml:iss":"` + samlEntity + `",` +
		`"saml:doc":"` + acct + `/corp","saml:sub_type":"persistent","saml:edupersonaffiliation":"staff"}}}]}`
	if _, err := s.IAM.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "federated", AssumeRolePolicyDocument: trust, MaxSessionDuration: ptr(int32(7200))}); err != nil {
		t.Fatal(err)
	}
	plain := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + samlProvider + `"},"Action":"sts:AssumeRoleWithSAML"}]}`
	if _, err := s.IAM.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "plain", AssumeRolePolicyDocument: plain}); err != nil {
		t.Fatal(err)
	}
	return s, idp
}

// unsigned is the caller of an unsigned request, as the wire layer passes it.
func unsigned() *iam.Caller {
	return &iam.Caller{SourceIP: "127.0.0.1", Time: time.Now()}
}

func TestAssumeRoleWithSAMLAccepted(t *testing.T) {
	s, idp := samlSetup(t)
	now := time.Now()
	r := idp.AWS(now, "alice", samlRole, samlProvider,
		samltest.Attribute{Name: "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", Values: []string{"staff", "member"}},
		samltest.Attribute{Name: "https://aws.amazon.com/SAML/Attributes/SessionDuration", Values: []string{"1800"}},
		samltest.Attribute{Name: "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project", Values: []string{"blue"}},
		samltest.Attribute{Name: "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys", Values: []string{"Project"}},
		samltest.Attribute{Name: "https://aws.amazon.com/SAML/Attributes/SourceIdentity", Values: []string{"alice@example.com"}})
	assertion, err := idp.Sign(r)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.AssumeRoleWithSAML(context.Background(), unsigned(), &ststypes.AssumeRoleWithSAMLRequest{RoleArn: samlRole, PrincipalArn: samlProvider,
		SAMLAssertion: assertion, DurationSeconds: ptr(int32(7200))})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(samlEntity + acct + "/corp"))
	if out.AssumedRoleUser.Arn != "arn:aws:sts::"+acct+":assumed-role/federated/alice" || *out.Subject != "alice" || *out.SubjectType != "persistent" ||
		*out.Issuer != samlEntity || *out.Audience != samltest.AWSSignIn || *out.NameQualifier != base64.StdEncoding.EncodeToString(sum[:]) ||
		out.PackedPolicySize == nil || *out.SourceIdentity != "alice@example.com" || !strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") {
		t.Fatalf("response %+v", out)
	}
	// SessionDuration (1800 s) caps DurationSeconds (7200 s).
	if d := time.Until(out.Credentials.Expiration); d > 1800*time.Second || d < 1700*time.Second {
		t.Fatalf("expiration in %v", d)
	}
	cred, err := s.IAM.LookupAccessKey(context.Background(), out.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	c := cred.Caller
	if c.Principal.ARN != out.AssumedRoleUser.Arn || c.SessionTags["Project"] != "blue" || len(c.TransitiveTagKeys) != 1 || c.SourceIdentity != "alice@example.com" {
		t.Fatalf("session caller %+v", c)
	}
}

func TestAssumeRoleWithSAMLRefused(t *testing.T) {
	s, idp := samlSetup(t)
	other, err := samltest.New(samlEntity, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sign := func(p *samltest.IdP, r samltest.Response) string {
		a, err := p.Sign(r)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	good := func() samltest.Response { return idp.AWS(now, "alice", samlRole, samlProvider) }
	without := func(attr string) samltest.Response {
		r := good()
		var kept []samltest.Attribute
		for _, a := range r.Attributes {
			if !strings.HasSuffix(a.Name, "/"+attr) {
				kept = append(kept, a)
			}
		}
		r.Attributes = kept
		return r
	}
	doc, err := idp.XML(good())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		role      string
		provider  string
		assertion string
		duration  *int32
		code, msg string
	}{
		{"tampered after signing", samlRole, samlProvider, samltest.Encode(samltest.Tamper(doc, ">alice<", ">mallory<")), nil, "InvalidIdentityToken", "Response signature invalid"},
		{"signed by another key", samlRole, samlProvider, sign(other, good()), nil, "InvalidIdentityToken", "Response signature invalid"},
		{"another issuer", samlRole, samlProvider, sign(idp, func() samltest.Response { r := good(); r.Issuer = "https://other.example.com"; return r }()), nil,
			"InvalidIdentityToken", "Issuer not present in specified provider"},
		{"expired", samlRole, samlProvider, sign(idp, func() samltest.Response {
			r := idp.AWS(now.Add(-10*time.Minute), "alice", samlRole, samlProvider)
			r.NotOnOrAfter = now.Add(-5 * time.Minute)
			return r
		}()), nil, "ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance"},
		{"wrong subject for the trust condition", samlRole, samlProvider, sign(idp, idp.AWS(now, "bob", samlRole, samlProvider)), nil,
			"AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"role not offered by the Role attribute", samlNoTags, samlProvider, sign(idp, good()), nil, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"no such role", "arn:aws:iam::" + acct + ":role/nobody", samlProvider, sign(idp, good()), nil, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML"},
		{"no RoleSessionName", samlRole, samlProvider, sign(idp, without("RoleSessionName")), nil, "InvalidIdentityToken", "RoleSessionName is required in AuthnResponse"},
		{"bad RoleSessionName", samlRole, samlProvider, sign(idp, idp.AWS(now, "alice smith", samlRole, samlProvider)), nil,
			"InvalidIdentityToken", "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{"no such provider", samlRole, samlProvider + "x", sign(idp, good()), nil, "InvalidIdentityToken", ""},
		{"tags without sts:TagSession", samlNoTags, samlProvider, sign(idp, idp.AWS(now, "alice", samlNoTags, samlProvider,
			samltest.Attribute{Name: "https://aws.amazon.com/SAML/Attributes/PrincipalTag:Project", Values: []string{"blue"}})), nil,
			"AccessDenied", "Not authorized to perform sts:TagSession"},
		{"duration over the role's maximum", samlNoTags, samlProvider, sign(idp, idp.AWS(now, "alice", samlNoTags, samlProvider)), ptr(int32(7200)),
			"ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"provider ARN is not a provider's", samlRole, samlRole, sign(idp, good()), nil, "ValidationError", "Request ARN is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AssumeRoleWithSAML(context.Background(), unsigned(), &ststypes.AssumeRoleWithSAMLRequest{RoleArn: tc.role, PrincipalArn: tc.provider,
				SAMLAssertion: tc.assertion, DurationSeconds: tc.duration})
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), tc.assertion[:40]) {
				t.Fatalf("the error carries the assertion: %v", err)
			}
		})
	}
}

// refusingVerifier is an sts.SAMLVerifier that refuses every response for one reason, and records what it was
// asked to check.
type refusingVerifier struct {
	reason error
	md     *iam.SAMLMetadata
	exp    sts.SAMLExpect
}

func (v *refusingVerifier) VerifySAMLResponse(encoded string, md *iam.SAMLMetadata, exp sts.SAMLExpect) (*sts.SAMLAssertion, error) {
	v.md, v.exp = md, exp
	return nil, fmt.Errorf("%w: detail", v.reason)
}

// TestAssumeRoleWithSAMLWithoutVerifierFailsClosed: an STS service built without a SAMLVerifier refuses every
// AssumeRoleWithSAML, even one whose response a verifier would accept, and issues no credentials.
func TestAssumeRoleWithSAMLWithoutVerifierFailsClosed(t *testing.T) {
	s, idp := samlSetup(t)
	assertion, err := idp.Sign(idp.AWS(time.Now(), "alice", samlNoTags, samlProvider))
	if err != nil {
		t.Fatal(err)
	}
	in := &ststypes.AssumeRoleWithSAMLRequest{RoleArn: samlNoTags, PrincipalArn: samlProvider, SAMLAssertion: assertion}
	if _, err := s.AssumeRoleWithSAML(context.Background(), unsigned(), in); err != nil {
		t.Fatalf("with the verifier: %v", err)
	}
	bare := sts.New(s.IAM.Store, s.IAM, sts.Options{Region: "us-east-1"})
	out, err := bare.AssumeRoleWithSAML(context.Background(), unsigned(), in)
	wantCode(t, err, "ServiceFailure")
	if out != nil {
		t.Fatalf("credentials issued without a verifier: %+v", out)
	}
}

// TestAssumeRoleWithSAMLVerifierReasons: the verifier's reason for a refusal decides AWS's error, whatever verifier
// is wired in; the verifier is given the provider's stored metadata and AWS's sign-in endpoints.
func TestAssumeRoleWithSAMLVerifierReasons(t *testing.T) {
	s, idp := samlSetup(t)
	assertion, err := idp.Sign(idp.AWS(time.Now(), "alice", samlRole, samlProvider))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		reason    error
		code, msg string
	}{
		{sts.ErrSAMLSignature, "InvalidIdentityToken", "Response signature invalid"},
		{sts.ErrSAMLIssuer, "InvalidIdentityToken", "Issuer not present in specified provider"},
		{sts.ErrSAMLExpired, "ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance"},
		{sts.ErrSAMLNotYetValid, "InvalidIdentityToken", "Assertion is not yet valid"},
		{sts.ErrSAMLAudience, "InvalidIdentityToken", "Invalid audience in SAML response"},
		{sts.ErrSAMLRecipient, "InvalidIdentityToken", "Invalid recipient in SAML response"},
		{sts.ErrSAMLUnsuccessful, "IDPRejectedClaim", "The SAML response reports that authentication failed"},
		{sts.ErrSAMLMalformed, "InvalidIdentityToken", "Invalid SAML response"},
	}
	for _, tc := range cases {
		t.Run(tc.reason.Error(), func(t *testing.T) {
			v := &refusingVerifier{reason: tc.reason}
			svc := sts.New(s.IAM.Store, s.IAM, sts.Options{Region: "eu-west-1", SAML: v})
			out, err := svc.AssumeRoleWithSAML(context.Background(), unsigned(),
				&ststypes.AssumeRoleWithSAMLRequest{RoleArn: samlRole, PrincipalArn: samlProvider, SAMLAssertion: assertion})
			wantCode(t, err, tc.code)
			if out != nil || !strings.Contains(err.Error(), tc.msg) || !errors.Is(err, tc.reason) {
				t.Fatalf("err = %v, out = %+v; want %q wrapping %v", err, out, tc.msg, tc.reason)
			}
			if v.md == nil || v.md.EntityID != samlEntity || len(v.md.SigningCerts) != 1 ||
				!slices.Equal(v.exp.Recipients, []string{samltest.AWSSignIn, "https://eu-west-1.signin.aws.amazon.com/saml"}) ||
				!slices.Contains(v.exp.Audiences, "urn:amazon:webservices") || v.exp.MaxAge != 5*time.Minute {
				t.Fatalf("verifier asked md=%+v exp=%+v", v.md, v.exp)
			}
		})
	}
}
