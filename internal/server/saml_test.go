package server_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/samlsp/samltest"
)

// samlIdP is a SAML identity provider on loopback: /metadata serves its metadata document and /sso?user=NAME answers
// the base64 samlp:Response it issues for the user, offering the role and provider given (role, provider). The
// variant parameter asks for a response that AWS must refuse: "expired" (issued ten minutes ago), "other-key"
// (signed by a key the metadata does not hold).
func samlIdP(t *testing.T) *httptest.Server {
	t.Helper()
	const entityID = "https://idp.example.com/saml"
	idp, err := samltest.New(entityID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := samltest.New(entityID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metadata", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		io.WriteString(w, idp.Metadata())
	})
	mux.HandleFunc("GET /sso", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		now := time.Now()
		signer := idp
		switch q.Get("variant") {
		case "expired":
			now = now.Add(-10 * time.Minute)
		case "other-key":
			signer = other
		}
		resp := idp.AWS(now, q.Get("user"), q.Get("role"), q.Get("provider"))
		assertion, err := signer.Sign(resp)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		io.WriteString(w, assertion)
	})
	srv := httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func httpGet(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %s", u, resp.StatusCode, err, b)
	}
	return string(b)
}

// TestAWSCLIAssumeRoleWithSAML federates a SAML IdP with the AWS CLI: the provider is created from the IdP's
// metadata, a role trusts it on conditions of saml:aud and saml:sub, and sts assume-role-with-saml (unsigned) turns
// the IdP's assertions into role sessions, or refuses them.
func TestAWSCLIAssumeRoleWithSAML(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	idp := samlIdP(t)
	providerARN := "arn:aws:iam::" + account + ":saml-provider/corp"
	roleARN := "arn:aws:iam::" + account + ":role/saml-admins"

	metadata := filepath.Join(t.TempDir(), "metadata.xml")
	if err := os.WriteFile(metadata, []byte(httpGet(t, idp.URL+"/metadata")), 0o600); err != nil {
		t.Fatal(err)
	}
	var created struct{ SAMLProviderArn string }
	s.mustCLI(t, rootCreds, &created, "iam", "create-saml-provider", "--name", "corp", "--saml-metadata-document", "file://"+metadata,
		"--tags", "Key=team,Value=sec")
	if created.SAMLProviderArn != providerARN {
		t.Fatalf("create-saml-provider %+v", created)
	}
	var got struct {
		SAMLMetadataDocument, CreateDate, ValidUntil, SAMLProviderUUID string
		Tags                                                           []struct{ Key, Value string }
	}
	s.mustCLI(t, rootCreds, &got, "iam", "get-saml-provider", "--saml-provider-arn", providerARN)
	if !strings.Contains(got.SAMLMetadataDocument, "https://idp.example.com/saml") || got.CreateDate == "" || got.ValidUntil == "" ||
		got.SAMLProviderUUID == "" || len(got.Tags) != 1 {
		t.Fatalf("get-saml-provider %+v", got)
	}
	var list struct{ SAMLProviderList []struct{ Arn string } }
	s.mustCLI(t, rootCreds, &list, "iam", "list-saml-providers")
	if len(list.SAMLProviderList) != 1 || list.SAMLProviderList[0].Arn != providerARN {
		t.Fatalf("list-saml-providers %+v", list)
	}
	o, e, code := s.awsCLI(t, rootCreds, "iam", "create-saml-provider", "--name", "broken", "--saml-metadata-document", strings.Repeat("<x/>", 300))
	wantCLIError(t, o, e, code, "InvalidInput", "Could not parse metadata.")
	o, e, code = s.awsCLI(t, rootCreds, "iam", "get-saml-provider", "--saml-provider-arn", providerARN+"-missing")
	wantCLIError(t, o, e, code, "NoSuchEntity", "Manifest not found for arn "+providerARN+"-missing")

	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + providerARN + `"},` +
		`"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"saml:aud":"https://signin.aws.amazon.com/saml","saml:sub":"alice"}}}]}`
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "saml-admins", "--assume-role-policy-document", trust)

	assertion := func(user, variant string) string {
		q := url.Values{"user": {user}, "role": {roleARN}, "provider": {providerARN}, "variant": {variant}}
		return httpGet(t, idp.URL+"/sso?"+q.Encode())
	}
	assume := func(a string) (string, string, int) {
		return s.awsCLI(t, creds{}, "sts", "assume-role-with-saml", "--no-sign-request", "--role-arn", roleARN, "--principal-arn", providerARN,
			"--saml-assertion", a)
	}

	t.Run("accepted", func(t *testing.T) {
		o, e, code := assume(assertion("alice", ""))
		if code != 0 {
			t.Fatalf("exit %d %s", code, e)
		}
		for _, want := range []string{`"Arn": "arn:aws:sts::` + account + `:assumed-role/saml-admins/alice"`, `"Subject": "alice"`,
			`"SubjectType": "persistent"`, `"Issuer": "https://idp.example.com/saml"`, `"Audience": "https://signin.aws.amazon.com/saml"`, `"NameQualifier": "`} {
			if !strings.Contains(o, want) {
				t.Fatalf("output lacks %s:\n%s", want, o)
			}
		}
		var out struct{ Credentials sessionCreds }
		s.mustCLI(t, creds{}, &out, "sts", "assume-role-with-saml", "--no-sign-request", "--role-arn", roleARN, "--principal-arn", providerARN,
			"--saml-assertion", assertion("alice", ""))
		o, e, code = s.sessionCLI(t, out.Credentials, "sts", "get-caller-identity")
		if code != 0 || !strings.Contains(o, `"arn:aws:sts::`+account+`:assumed-role/saml-admins/alice"`) {
			t.Fatalf("get-caller-identity: exit %d %s %s", code, o, e)
		}
	})

	t.Run("boto3", func(t *testing.T) {
		// No credentials at all: boto3 sends AssumeRoleWithSAML unsigned on its own.
		o, e, code := s.python(t, creds{}, `
import os, boto3
sts = boto3.client("sts", endpoint_url=os.environ["IAMD_ENDPOINT"], region_name="us-east-1")
out = sts.assume_role_with_saml(RoleArn="`+roleARN+`", PrincipalArn="`+providerARN+`", SAMLAssertion="`+assertion("alice", "")+`")
print(out["AssumedRoleUser"]["Arn"], out["SubjectType"], out["NameQualifier"])
`)
		if code != 0 || !strings.HasPrefix(o, "arn:aws:sts::"+account+":assumed-role/saml-admins/alice persistent ") {
			t.Fatalf("exit %d %s %s", code, o, e)
		}
	})

	t.Run("tampered-after-signing", func(t *testing.T) {
		raw, err := base64.StdEncoding.DecodeString(assertion("alice", ""))
		if err != nil {
			t.Fatal(err)
		}
		forged := samltest.Encode(samltest.Tamper(raw, ">alice<", ">mallory<"))
		o, e, code := assume(forged)
		wantCLIError(t, o, e, code, "InvalidIdentityToken", "Response signature invalid")
	})

	t.Run("signed-by-another-key", func(t *testing.T) {
		o, e, code := assume(assertion("alice", "other-key"))
		wantCLIError(t, o, e, code, "InvalidIdentityToken", "Response signature invalid")
	})

	t.Run("expired", func(t *testing.T) {
		o, e, code := assume(assertion("alice", "expired"))
		wantCLIError(t, o, e, code, "ExpiredTokenException", "Token must be redeemed within 5 minutes of issuance")
	})

	t.Run("wrong-subject", func(t *testing.T) {
		o, e, code := assume(assertion("bob", ""))
		wantCLIError(t, o, e, code, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML")
	})

	t.Run("delete-provider", func(t *testing.T) {
		s.mustCLI(t, rootCreds, nil, "iam", "delete-saml-provider", "--saml-provider-arn", providerARN)
		o, e, code := assume(assertion("alice", ""))
		wantCLIError(t, o, e, code, "InvalidIdentityToken", "")
	})

	if strings.Contains(s.logs.String(), assertion("alice", "")[:60]) {
		t.Fatal("the server logged an assertion")
	}
}
