package sts_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
)

const issuerBase = "http://127.0.0.1:4566"

// tokenSetup is setup with outbound identity federation enabled, alice allowed everything, and iamd's clock fixed
// at now (moved by the returned pointer).
func tokenSetup(t *testing.T) (*service, *iam.Caller, *iam.Caller, *time.Time) {
	t.Helper()
	return tokenSetupWith(t, iam.Options{})
}

// tokenSetupWith is tokenSetup with the IAM service's options.
func tokenSetupWith(t *testing.T, opt iam.Options) (*service, *iam.Caller, *iam.Caller, *time.Time) {
	t.Helper()
	ctx := context.Background()
	s, root, alice := setupWith(t, opt)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.IAM.Now = func() time.Time { return now }
	s.IAM.SetOutboundIssuerBase(issuerBase)
	if _, err := s.IAM.EnableOutboundWebIdentityFederation(ctx, root); err != nil {
		t.Fatal(err)
	}
	putUserPolicy(t, s, root, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	return s, root, alice, &now
}

func putUserPolicy(t *testing.T, s *service, root *iam.Caller, user, doc string) {
	t.Helper()
	if err := s.IAM.PutUserPolicy(context.Background(), root, &iamtypes.PutUserPolicyRequest{UserName: user, PolicyName: "p", PolicyDocument: doc}); err != nil {
		t.Fatal(err)
	}
}

// verifiedClaims checks the token's signature against the account's published keys (go-jose: the key the header
// names, the algorithm asked for) and returns its header and claims.
func verifiedClaims(t *testing.T, s *service, token, alg string) (jose.Header, map[string]any) {
	t.Helper()
	keys, found, err := s.IAM.OutboundPublicKeys(context.Background(), acct)
	if err != nil || !found {
		t.Fatalf("published keys: found=%t err=%v", found, err)
	}
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatal(err)
	}
	h := tok.Headers[0]
	set := jose.JSONWebKeySet{Keys: keys}
	match := set.Key(h.KeyID)
	if len(match) != 1 {
		t.Fatalf("kid %q names %d published keys", h.KeyID, len(match))
	}
	var claims map[string]any
	if err := tok.Claims(match[0].Key, &claims); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return h, claims
}

func webTokenRequest(alg string, aud ...string) *ststypes.GetWebIdentityTokenRequest {
	return &ststypes.GetWebIdentityTokenRequest{Audience: aud, SigningAlgorithm: alg}
}

// TestGetWebIdentityTokenClaims checks the token of each algorithm: signed by the published key it names, with
// AWS's claims, times on iamd's clock.
func TestGetWebIdentityTokenClaims(t *testing.T) {
	ctx := context.Background()
	s, root, alice, now := tokenSetup(t)
	if err := s.IAM.TagUser(ctx, root, &iamtypes.TagUserRequest{UserName: "alice", Tags: []iamtypes.Tag{{Key: "team", Value: "data"}}}); err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"RS256", "ES384"} {
		t.Run(alg, func(t *testing.T) {
			in := webTokenRequest(alg, "https://api.example.com")
			in.DurationSeconds = ptr(int32(900))
			in.Tags = []ststypes.Tag{{Key: "job", Value: "42"}}
			out, err := s.GetWebIdentityToken(ctx, alice, in)
			if err != nil {
				t.Fatal(err)
			}
			if want := now.Add(900 * time.Second); !out.Expiration.Equal(want) {
				t.Errorf("Expiration = %s, want %s", out.Expiration, want)
			}
			h, c := verifiedClaims(t, s, *out.WebIdentityToken, alg)
			if h.Algorithm != alg || h.ExtraHeaders["typ"] != "JWT" {
				t.Errorf("header = %+v", h)
			}
			want := map[string]any{
				"iss": issuerBase + "/iamd/v1/oidc/" + acct,
				"aud": "https://api.example.com",
				"sub": alice.Principal.ARN,
				"iat": float64(now.Unix()),
				"exp": float64(now.Unix() + 900),
			}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("%s = %v, want %v", k, c[k], v)
				}
			}
			if jti, _ := c["jti"].(string); len(jti) != 36 {
				t.Errorf("jti = %v", c["jti"])
			}
			got, _ := json.Marshal(c["https://sts.amazonaws.com/"])
			wantAWS := `{"aws_account":"123456789012","principal_tags":{"team":"data"},"request_tags":{"job":"42"},"source_region":"us-east-1"}`
			if string(got) != wantAWS {
				t.Errorf("AWS claims = %s, want %s", got, wantAWS)
			}
		})
	}
	// Two tokens never share an ID, and several audiences are an array.
	a, err := s.GetWebIdentityToken(ctx, alice, webTokenRequest("ES384", "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.GetWebIdentityToken(ctx, alice, webTokenRequest("ES384", "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	_, ca := verifiedClaims(t, s, *a.WebIdentityToken, "ES384")
	_, cb := verifiedClaims(t, s, *b.WebIdentityToken, "ES384")
	if ca["jti"] == cb["jti"] {
		t.Error("two tokens share a jti")
	}
	if aud, _ := json.Marshal(ca["aud"]); string(aud) != `["a","b"]` {
		t.Errorf("aud = %s", aud)
	}
	if exp := ca["exp"].(float64) - ca["iat"].(float64); exp != 300 {
		t.Errorf("default lifetime = %v s, want 300", exp)
	}
}

// TestGetWebIdentityTokenFollowsTheClock checks that a token issued after iamd's clock moved carries the new time.
func TestGetWebIdentityTokenFollowsTheClock(t *testing.T) {
	ctx := context.Background()
	s, _, alice, now := tokenSetup(t)
	*now = now.Add(49 * time.Hour)
	out, err := s.GetWebIdentityToken(ctx, alice, webTokenRequest("RS256", "x"))
	if err != nil {
		t.Fatal(err)
	}
	_, c := verifiedClaims(t, s, *out.WebIdentityToken, "RS256")
	if c["iat"] != float64(now.Unix()) || !out.Expiration.Equal(now.Add(5*time.Minute)) {
		t.Errorf("iat = %v, Expiration %s; clock at %s", c["iat"], out.Expiration, *now)
	}
}

// TestGetWebIdentityTokenRoleSession checks a role session's token: the role is the subject, and the principal
// tags are the role's with the session's over them.
func TestGetWebIdentityTokenRoleSession(t *testing.T) {
	ctx := context.Background()
	s, root, alice, _ := tokenSetup(t)
	role := "arn:aws:iam::" + acct + ":role/team/first"
	if err := s.IAM.TagRole(ctx, root, &iamtypes.TagRoleRequest{RoleName: "first", Tags: []iamtypes.Tag{{Key: "env", Value: "prod"}, {Key: "team", Value: "role"}}}); err != nil {
		t.Fatal(err)
	}
	all := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*"}]}`
	if err := s.IAM.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: "first", PolicyName: "p", PolicyDocument: all}); err != nil {
		t.Fatal(err)
	}
	ar, err := s.AssumeRole(ctx, alice, &ststypes.AssumeRoleRequest{RoleArn: role, RoleSessionName: "s", DurationSeconds: ptr(int32(900)),
		Tags: []ststypes.Tag{{Key: "team", Value: "session"}}})
	if err != nil {
		t.Fatal(err)
	}
	sess := sessionCaller(t, s, ar)
	out, err := s.GetWebIdentityToken(ctx, sess, webTokenRequest("ES384", "x"))
	if err != nil {
		t.Fatal(err)
	}
	_, c := verifiedClaims(t, s, *out.WebIdentityToken, "ES384")
	if c["sub"] != role {
		t.Errorf("sub = %v, want the role %s", c["sub"], role)
	}
	tags, _ := json.Marshal(c["https://sts.amazonaws.com/"].(map[string]any)["principal_tags"])
	if string(tags) != `{"env":"prod","team":"session"}` {
		t.Errorf("principal_tags = %s", tags)
	}
	// The session lasts 900 seconds: a token may not outlive it.
	in := webTokenRequest("ES384", "x")
	in.DurationSeconds = ptr(int32(901))
	_, err = s.GetWebIdentityToken(ctx, sess, in)
	wantCode(t, err, "SessionDurationEscalationException")
	in.DurationSeconds = ptr(int32(900))
	if _, err := s.GetWebIdentityToken(ctx, sess, in); err != nil {
		t.Fatalf("a token ending with the session: %v", err)
	}
}

// TestGetWebIdentityTokenFailsClosed checks the refusals: a feature never enabled or disabled, an unknown
// algorithm, duplicate tag keys.
func TestGetWebIdentityTokenFailsClosed(t *testing.T) {
	ctx := context.Background()
	s, root, alice := setup(t)
	s.IAM.SetOutboundIssuerBase(issuerBase)
	putUserPolicy(t, s, root, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	_, err := s.GetWebIdentityToken(ctx, alice, webTokenRequest("RS256", "x"))
	wantCode(t, err, "OutboundWebIdentityFederationDisabledException")
	if _, err := s.IAM.EnableOutboundWebIdentityFederation(ctx, root); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetWebIdentityToken(ctx, alice, webTokenRequest("RS256", "x")); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetWebIdentityToken(ctx, alice, webTokenRequest("HS256", "x"))
	wantCode(t, err, "ValidationError")
	in := webTokenRequest("RS256", "x")
	in.Tags = []ststypes.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}
	_, err = s.GetWebIdentityToken(ctx, alice, in)
	wantCode(t, err, "InvalidInput")
	if err := s.IAM.DisableOutboundWebIdentityFederation(ctx, root); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetWebIdentityToken(ctx, alice, webTokenRequest("RS256", "x"))
	wantCode(t, err, "OutboundWebIdentityFederationDisabledException")
}

// TestGetWebIdentityTokenConditionKeys decides requests against a policy on the action's condition keys, and
// checks that tags need sts:TagGetWebIdentityToken.
func TestGetWebIdentityTokenConditionKeys(t *testing.T) {
	ctx := context.Background()
	s, root, alice, _ := tokenSetup(t)
	putUserPolicy(t, s, root, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*",
		"Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":["https://a.example","https://b.example"]},
		"NumericLessThanEquals":{"sts:DurationSeconds":"600"},"StringEquals":{"sts:SigningAlgorithm":"ES384"}}}]}`)
	cases := []struct {
		name     string
		alg      string
		aud      []string
		duration int32 // 0 leaves it out
		tags     bool
		want     string
	}{
		{"allowed audiences, algorithm and duration", "ES384", []string{"https://a.example", "https://b.example"}, 600, false, ""},
		{"the default duration is the key's value", "ES384", []string{"https://a.example"}, 0, false, ""},
		{"an audience outside the list", "ES384", []string{"https://a.example", "https://c.example"}, 0, false, "AccessDenied"},
		{"a longer duration", "ES384", []string{"https://a.example"}, 601, false, "AccessDenied"},
		{"another algorithm", "RS256", []string{"https://a.example"}, 0, false, "AccessDenied"},
		{"tags without sts:TagGetWebIdentityToken", "ES384", []string{"https://a.example"}, 0, true, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := webTokenRequest(tc.alg, tc.aud...)
			if tc.duration != 0 {
				in.DurationSeconds = ptr(tc.duration)
			}
			if tc.tags {
				in.Tags = []ststypes.Tag{{Key: "k", Value: "v"}}
			}
			_, err := s.GetWebIdentityToken(ctx, alice, in)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.want)
		})
	}
}

// TestGetWebIdentityTokenOrganizationClaims checks org_id and ou_path for an account in an organization.
func TestGetWebIdentityTokenOrganizationClaims(t *testing.T) {
	view := &iam.OrgView{OrgID: "o-aaaaaaaaaa", Management: "999988887777", Paths: "o-aaaaaaaaaa/r-aaaa/ou-aaaa-11111111/", AllFeatures: true}
	s, _, alice, _ := tokenSetupWith(t, iam.Options{Orgs: fakeOrgs{acct: view}})
	out, err := s.GetWebIdentityToken(context.Background(), alice, webTokenRequest("RS256", "x"))
	if err != nil {
		t.Fatal(err)
	}
	_, c := verifiedClaims(t, s, *out.WebIdentityToken, "RS256")
	aws := c["https://sts.amazonaws.com/"].(map[string]any)
	if aws["org_id"] != view.OrgID || aws["ou_path"] != view.Paths {
		t.Errorf("org_id = %v, ou_path = %v", aws["org_id"], aws["ou_path"])
	}
}
