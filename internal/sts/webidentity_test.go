package sts_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/sts"
)

const (
	webIssuer   = "https://idp.example.com/tenant"
	webProvider = "arn:aws:iam::" + acct + ":oidc-provider/idp.example.com/tenant"
	webRole     = "arn:aws:iam::" + acct + ":role/web"
)

// staticKeys is an issuer key source holding the keys of one issuer, or failing as an unreachable issuer would.
type staticKeys struct {
	issuer string
	keys   []jose.JSONWebKey
	err    error
}

func (k staticKeys) Keys(ctx context.Context, issuer, kid string) ([]jose.JSONWebKey, error) {
	if k.err != nil {
		return nil, k.err
	}
	var out []jose.JSONWebKey
	for _, key := range k.keys {
		if issuer == k.issuer && (kid == "" || key.KeyID == kid) {
			out = append(out, key)
		}
	}
	return out, nil
}

type webIdP struct {
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func newWebIdP(t testing.TB) *webIdP {
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &webIdP{rsa: r, ec: e}
}

func (p *webIdP) keys() []jose.JSONWebKey {
	return []jose.JSONWebKey{{Key: p.rsa.Public(), KeyID: "rsa1", Algorithm: "RS256", Use: "sig"},
		{Key: p.ec.Public(), KeyID: "ec1", Algorithm: "ES256", Use: "sig"}}
}

// sign makes a token signed with key (an *rsa.PrivateKey or *ecdsa.PrivateKey, or a []byte for HMAC) under kid.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func goodClaims(now time.Time) map[string]any {
	return map[string]any{"iss": webIssuer, "sub": "user-1", "aud": "app", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// webSetup registers the issuer with client ID "app" and a role "web" trusting it for subject user-1 and audience
// app, with session tags and source identity allowed.
func webSetup(t testing.TB, idp *webIdP) *service {
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
	svc := iam.New(st, cat, box, time.Now, "us-east-1", iam.Options{})
	if _, err := svc.EnsureAccount(ctx, acct, "", ""); err != nil {
		t.Fatal(err)
	}
	root := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", Account: acct}, UserID: acct}
	if _, err := svc.CreateOpenIDConnectProvider(ctx, root, &iamtypes.CreateOpenIDConnectProviderRequest{Url: webIssuer, ClientIDList: []string{"app"}}); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + webProvider + `"},
		"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"],
		"Condition":{"StringEquals":{"idp.example.com/tenant:sub":"user-1","idp.example.com/tenant:aud":"app"}}}]}`
	if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "web", AssumeRolePolicyDocument: trust}); err != nil {
		t.Fatal(err)
	}
	return &service{sts.New(st, svc, sts.Options{Region: "us-east-1", WebIdentityKeys: staticKeys{issuer: webIssuer, keys: idp.keys()}}), svc}
}

func webRequest(token string) *ststypes.AssumeRoleWithWebIdentityRequest {
	return &ststypes.AssumeRoleWithWebIdentityRequest{RoleArn: webRole, RoleSessionName: "s1", WebIdentityToken: token}
}

func TestAssumeRoleWithWebIdentityAccepted(t *testing.T) {
	idp := newWebIdP(t)
	s := webSetup(t, idp)
	now := time.Now()
	tests := []struct {
		name     string
		token    string
		tags     map[string]string
		sourceID string
	}{
		{"RS256 token", sign(t, jose.RS256, idp.rsa, "rsa1", goodClaims(now)), nil, ""},
		{"ES256 token", sign(t, jose.ES256, idp.ec, "ec1", goodClaims(now)), nil, ""},
		{"aud list holding the client ID", sign(t, jose.RS256, idp.rsa, "rsa1", with(goodClaims(now), "aud", []string{"other", "app"})), nil, ""},
		{"session tags and source identity from the token", sign(t, jose.RS256, idp.rsa, "rsa1", with(goodClaims(now),
			"https://aws.amazon.com/tags", map[string]any{"principal_tags": map[string][]string{"team": {"blue"}}, "transitive_tag_keys": []string{"team"}},
			"https://aws.amazon.com/source_identity", "alice@example.com")), map[string]string{"team": "blue"}, "alice@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.AssumeRoleWithWebIdentity(context.Background(), unsigned(), webRequest(tc.token))
			if err != nil {
				t.Fatal(err)
			}
			if *out.SubjectFromWebIdentityToken != "user-1" || *out.Audience != "app" || *out.Provider != webProvider ||
				out.AssumedRoleUser.Arn != "arn:aws:sts::"+acct+":assumed-role/web/s1" {
				t.Errorf("answer = %+v", out)
			}
			if got := deref(out.SourceIdentity); got != tc.sourceID {
				t.Errorf("SourceIdentity = %q, want %q", got, tc.sourceID)
			}
			if !out.Credentials.Expiration.After(now.Add(59 * time.Minute)) {
				t.Errorf("Expiration = %v, want an hour", out.Credentials.Expiration)
			}
			cred, err := s.IAM.LookupAccessKey(context.Background(), out.Credentials.AccessKeyId)
			if err != nil {
				t.Fatal(err)
			}
			c := cred.Caller
			if c.Principal.ARN != out.AssumedRoleUser.Arn || c.SourceIdentity != tc.sourceID {
				t.Errorf("session caller = %+v", c)
			}
			for k, v := range tc.tags {
				if c.SessionTags[k] != v {
					t.Errorf("session tag %s = %q, want %q", k, c.SessionTags[k], v)
				}
			}
		})
	}
}

func TestAssumeRoleWithWebIdentityRefused(t *testing.T) {
	idp := newWebIdP(t)
	other := newWebIdP(t)
	s := webSetup(t, idp)
	now := time.Now()
	good := goodClaims(now)
	tests := []struct {
		name     string
		req      *ststypes.AssumeRoleWithWebIdentityRequest
		keys     sts.IssuerKeys
		wantCode string
		wantMsg  string
	}{
		{"not a JWT", webRequest("not-a-token"), nil, "InvalidIdentityToken", ""},
		{"signed by another key", webRequest(sign(t, jose.RS256, other.rsa, "rsa1", good)), nil, "InvalidIdentityToken", ""},
		{"unknown key ID", webRequest(sign(t, jose.RS256, idp.rsa, "gone", good)), nil, "InvalidIdentityToken", "Couldn't retrieve verification key"},
		{"HMAC", webRequest(sign(t, jose.HS256, []byte("0123456789abcdef0123456789abcdef"), "rsa1", good)), nil, "InvalidIdentityToken", ""},
		{"alg none", webRequest(noneToken(t, good)), nil, "InvalidIdentityToken", ""},
		{"expired", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "exp", now.Add(-time.Minute).Unix()))), nil,
			"ExpiredTokenException", "Token expired: current date/time"},
		{"no exp", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "exp", nil))), nil, "InvalidIdentityToken", ""},
		{"not yet valid", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "nbf", now.Add(time.Hour).Unix()))), nil, "InvalidIdentityToken", ""},
		{"issued in the future", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "iat", now.Add(time.Hour).Unix()))), nil, "InvalidIdentityToken", ""},
		{"unregistered issuer", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "iss", "https://evil.example.com"))), nil,
			"InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://evil.example.com"},
		{"wrong audience", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "aud", "someone-else"))), nil, "InvalidIdentityToken", "Incorrect token audience"},
		{"wrong subject", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", with(good, "sub", "user-2"))), nil,
			"AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"role does not exist", &ststypes.AssumeRoleWithWebIdentityRequest{RoleArn: "arn:aws:iam::" + acct + ":role/none", RoleSessionName: "s",
			WebIdentityToken: sign(t, jose.RS256, idp.rsa, "rsa1", good)}, nil, "AccessDenied", ""},
		{"duration over the role's maximum", &ststypes.AssumeRoleWithWebIdentityRequest{RoleArn: webRole, RoleSessionName: "s",
			WebIdentityToken: sign(t, jose.RS256, idp.rsa, "rsa1", good), DurationSeconds: ptr(int32(7200))}, nil, "ValidationError", ""},
		{"ProviderId", &ststypes.AssumeRoleWithWebIdentityRequest{RoleArn: webRole, RoleSessionName: "s", ProviderId: ptr("www.amazon.com"),
			WebIdentityToken: sign(t, jose.RS256, idp.rsa, "rsa1", good)}, nil, "InvalidParameterValue", ""},
		{"issuer unreachable", webRequest(sign(t, jose.RS256, idp.rsa, "rsa1", good)), staticKeys{err: errors.New("dial tcp: refused")},
			"IDPCommunicationError", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.WebIdentityKeys = staticKeys{issuer: webIssuer, keys: idp.keys()}
			if tc.keys != nil {
				s.WebIdentityKeys = tc.keys
			}
			_, err := s.AssumeRoleWithWebIdentity(context.Background(), unsigned(), tc.req)
			wantCode(t, err, tc.wantCode)
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("message %q lacks %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), tc.req.WebIdentityToken) && len(tc.req.WebIdentityToken) > 20 {
				t.Error("the error holds the token")
			}
		})
	}
}

// noneToken is an unsigned token (alg "none") with claims.
func noneToken(t testing.TB, claims map[string]any) string {
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(body) + "."
}

// FuzzAssumeRoleWithWebIdentityToken: no token, however malformed, panics, succeeds without a valid signature, or
// answers anything but AWS's token errors.
func FuzzAssumeRoleWithWebIdentityToken(f *testing.F) {
	idp := newWebIdP(f)
	now := time.Now()
	f.Add(sign(f, jose.RS256, idp.rsa, "rsa1", goodClaims(now)))
	f.Add(sign(f, jose.ES256, idp.ec, "ec1", goodClaims(now)))
	f.Add(noneToken(f, goodClaims(now)))
	f.Add("a.b.c")
	f.Add("")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.")
	s := webSetup(f, idp)
	f.Fuzz(func(t *testing.T, token string) {
		_, err := s.AssumeRoleWithWebIdentity(context.Background(), unsigned(), webRequest(token))
		if err == nil {
			// Only a token signed by the issuer's key may succeed: the seeds are, a mutation is not.
			if _, verr := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256}); verr != nil {
				t.Fatalf("accepted a token that does not parse: %q", token)
			}
			return
		}
		ae, ok := awserr.As(err)
		if !ok {
			t.Fatalf("not an AWS error: %v", err)
		}
		switch ae.Code {
		case "InvalidIdentityToken", "ExpiredTokenException", "AccessDenied":
		default:
			t.Fatalf("unexpected code %s: %v", ae.Code, err)
		}
	})
}
