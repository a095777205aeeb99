package server_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/iamd-dev/iamd/internal/config"
)

// oidcIssuer is an OpenID Connect issuer on loopback over HTTPS (httptest's own CA): its URL is the server's URL
// plus /issuer, with a discovery document and a JWKS holding the public half of key.
type oidcIssuer struct {
	URL    string
	CAFile string
	key    *rsa.PrivateKey
}

func startOIDCIssuer(t *testing.T) *oidcIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &oidcIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /issuer/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.URL, "jwks_uri": is.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /issuer/keys", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	srv := httptest.NewTLSServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	is.URL = srv.URL + "/issuer"
	is.CAFile = filepath.Join(t.TempDir(), "oidc-ca.pem")
	if err := os.WriteFile(is.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return is
}

// token issues an ID token for sub and aud, valid until exp, signed with the issuer's key or with key when given.
func (is *oidcIssuer) token(t *testing.T, sub, aud string, exp time.Time, key *rsa.PrivateKey) string {
	t.Helper()
	if key == nil {
		key = is.key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: is.URL, Subject: sub, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now.Add(-2 * time.Hour)), Expiry: jwt.NewNumericDate(exp)}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAWSCLIAssumeRoleWithWebIdentity federates an OIDC issuer with the AWS CLI: iamd trusts the issuer's CA through
// --oidc-ca-file, the provider is created with the CLI, a role trusts it on conditions of <issuer>:sub and :aud, and
// sts assume-role-with-web-identity (unsigned) turns the issuer's tokens into role sessions, or refuses them.
func TestAWSCLIAssumeRoleWithWebIdentity(t *testing.T) {
	needRealClient(t, "aws")
	is := startOIDCIssuer(t)
	s := startServer(t, func(c *config.Config) { c.OIDCCAFile = is.CAFile })
	name := strings.TrimPrefix(is.URL, "https://")
	providerARN := "arn:aws:iam::" + account + ":oidc-provider/" + name
	roleARN := "arn:aws:iam::" + account + ":role/web-deployers"

	var created struct{ OpenIDConnectProviderArn string }
	s.mustCLI(t, rootCreds, &created, "iam", "create-open-id-connect-provider", "--url", is.URL, "--client-id-list", "sts.amazonaws.com")
	if created.OpenIDConnectProviderArn != providerARN {
		t.Fatalf("provider ARN = %s, want %s", created.OpenIDConnectProviderArn, providerARN)
	}
	var got struct {
		Url          string
		ClientIDList []string
	}
	s.mustCLI(t, rootCreds, &got, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", providerARN)
	if got.Url != name || len(got.ClientIDList) != 1 {
		t.Fatalf("get-open-id-connect-provider = %+v", got)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN + `"},
		"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"` + name + `:sub":"repo:acme/app:ref:refs/heads/main","` + name + `:aud":"sts.amazonaws.com"}}}]}`
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "web-deployers", "--assume-role-policy-document", trust)

	assume := func(token string) (string, string, int) {
		// No credentials: the AWS CLI sends AssumeRoleWithWebIdentity unsigned on its own.
		return s.awsCLI(t, creds{}, "sts", "assume-role-with-web-identity", "--role-arn", roleARN,
			"--role-session-name", "deploy", "--web-identity-token", token)
	}
	const sub, aud = "repo:acme/app:ref:refs/heads/main", "sts.amazonaws.com"
	inAnHour := time.Now().Add(time.Hour)

	t.Run("accepted, and the credentials work", func(t *testing.T) {
		o, e, code := assume(is.token(t, sub, aud, inAnHour, nil))
		if code != 0 {
			t.Fatalf("exit %d %s", code, e)
		}
		var out struct {
			Credentials                           sessionCreds
			SubjectFromWebIdentityToken, Audience string
			Provider                              string
			AssumedRoleUser                       struct{ Arn string }
		}
		if err := json.Unmarshal([]byte(o), &out); err != nil {
			t.Fatal(err)
		}
		if out.SubjectFromWebIdentityToken != sub || out.Audience != aud || out.Provider != providerARN ||
			out.AssumedRoleUser.Arn != "arn:aws:sts::"+account+":assumed-role/web-deployers/deploy" {
			t.Fatalf("answer = %s", o)
		}
		o, e, code = s.sessionCLI(t, out.Credentials, "sts", "get-caller-identity")
		if code != 0 || !strings.Contains(o, `"arn:aws:sts::`+account+`:assumed-role/web-deployers/deploy"`) {
			t.Fatalf("get-caller-identity: exit %d %s %s", code, o, e)
		}
	})

	t.Run("boto3", func(t *testing.T) {
		// No credentials at all: boto3 sends AssumeRoleWithWebIdentity unsigned on its own.
		o, e, code := s.python(t, creds{}, `
import os, boto3
sts = boto3.client("sts", endpoint_url=os.environ["IAMD_ENDPOINT"], region_name="us-east-1")
out = sts.assume_role_with_web_identity(RoleArn="`+roleARN+`", RoleSessionName="py", WebIdentityToken="`+is.token(t, sub, aud, inAnHour, nil)+`")
print(out["AssumedRoleUser"]["Arn"], out["SubjectFromWebIdentityToken"], out["Audience"])
`)
		if code != 0 || strings.TrimSpace(o) != "arn:aws:sts::"+account+":assumed-role/web-deployers/py "+sub+" "+aud {
			t.Fatalf("exit %d %s %s", code, o, e)
		}
	})

	t.Run("the AWS CLI's web identity credential provider", func(t *testing.T) {
		// As on EKS or in CI: a token file and a role in the environment, no keys. The CLI's credential chain calls
		// AssumeRoleWithWebIdentity itself (at AWS_ENDPOINT_URL_STS) and signs the command with the session.
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte(is.token(t, sub, aud, inAnHour, nil)), 0o600); err != nil {
			t.Fatal(err)
		}
		o, e, code := s.awsCLIEnv(t, creds{}, []string{"AWS_ROLE_ARN=" + roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile,
			"AWS_ROLE_SESSION_NAME=pod", "AWS_ENDPOINT_URL_STS=" + s.URL}, "sts", "get-caller-identity")
		if code != 0 || !strings.Contains(o, `"arn:aws:sts::`+account+`:assumed-role/web-deployers/pod"`) {
			t.Fatalf("get-caller-identity: exit %d %s %s", code, o, e)
		}
	})

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	refused := []struct {
		name, token, code, msg string
	}{
		{"signed by another key", is.token(t, sub, aud, inAnHour, other), "InvalidIdentityToken", ""},
		{"expired", is.token(t, sub, aud, time.Now().Add(-time.Minute), nil), "ExpiredTokenException", "Token expired: current date/time"},
		{"another subject, refused by the trust policy", is.token(t, "repo:acme/other:ref:refs/heads/main", aud, inAnHour, nil),
			"AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"an audience the provider does not register", is.token(t, sub, "someone-else", inAnHour, nil), "InvalidIdentityToken", "Incorrect token audience"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			o, e, code := assume(tc.token)
			wantCLIError(t, o, e, code, tc.code, tc.msg)
		})
	}

	t.Run("the token never reaches the log", func(t *testing.T) {
		tok := is.token(t, "repo:acme/other:ref:refs/heads/main", aud, inAnHour, nil)
		assume(tok)
		sig := tok[strings.LastIndexByte(tok, '.')+1:]
		if strings.Contains(s.logs.String(), sig) {
			t.Fatal("the server logged a web identity token")
		}
	})

	t.Run("no provider once it is deleted", func(t *testing.T) {
		s.mustCLI(t, rootCreds, nil, "iam", "delete-open-id-connect-provider", "--open-id-connect-provider-arn", providerARN)
		o, e, code := assume(is.token(t, sub, aud, inAnHour, nil))
		wantCLIError(t, o, e, code, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for "+is.URL)
	})
}
