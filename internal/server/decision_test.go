package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// decisionScript is the Python prelude of the decision API tests: call() signs a JSON call with botocore's SigV4Auth
// for the service "iamd" and sends it with urllib; sign() signs any request for any service and returns its headers.
const decisionScript = `
import hashlib, json, os, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
E = os.environ["IAMD_ENDPOINT"]

def sign(creds, service, method, url, data=b"", token=None):
    req = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(creds[0], creds[1], token), service, "us-east-1").add_auth(req)
    return dict(req.headers.items())

def send(method, url, data, headers):
    r = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(r) as resp:
            return resp.status, resp.headers.get("Content-Type"), json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), json.loads(e.read())

def call(creds, path, body, service="iamd", raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    return send("POST", E + path, data, sign(creds, service, "POST", E + path, data))

def described(creds, service, method, url, data=b"", token=None):
    h = sign(creds, service, method, url, data, token)
    return {"service": "notes", "method": method, "url": url, "headers": {k: [v] for k, v in h.items()}}

out = {}
`

// TestDecisionAPIWithBoto3 calls /iamd/v1/authorize and /iamd/v1/verify signed by botocore, as a service written
// in Python would.
func TestDecisionAPIWithBoto3(t *testing.T) {
	needRealClient(t, "boto3")
	needRealClient(t, "aws")
	s := startServer(t)
	svcKey := credsUserWithKey(t, s, "notes-service")
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "notes-service", "--policy-name", "decide", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)
	alice := credsUserWithKey(t, s, "alice")
	s.mustCLI(t, rootCreds, nil, "iam", "tag-user", "--user-name", "alice", "--tags", "Key=team,Value=blue")
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "notes", "--policy-document",
		`{"Version":"2012-10-17","Statement":[
			{"Sid":"Read","Effect":"Allow","Action":"notes:GetNote","Resource":"arn:aws:notes:us-east-1:123456789012:note/*"},
			{"Sid":"NoDelete","Effect":"Deny","Action":"notes:DeleteNote","Resource":"*"},
			{"Sid":"Red","Effect":"Allow","Action":"notes:ListNotes","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}},
			{"Effect":"Allow","Action":"sts:GetSessionToken","Resource":"*"}]}`)
	intern := credsUserWithKey(t, s, "intern")
	aliceARN := "arn:aws:iam::" + account + ":user/alice"

	script := decisionScript + fmt.Sprintf(`
svc = (%q, %q)
alice = (%q, %q)
intern = (%q, %q)
note = "arn:aws:notes:us-east-1:123456789012:note/7"
out["allowed"] = call(svc, "/iamd/v1/authorize", {"principal": %q, "action": "notes:GetNote", "resource": note, "context": {"aws:SourceIp": "203.0.113.7", "s3:prefix": ["a/", "b/"], "notes:Public": True, "notes:Size": 12}})
out["deny"] = call(svc, "/iamd/v1/authorize", {"principal": %[7]q, "action": "notes:DeleteNote", "resource": note})
out["tagNotOverridable"] = call(svc, "/iamd/v1/authorize", {"principal": %[7]q, "action": "notes:ListNotes", "resource": "*", "context": {"aws:PrincipalTag/team": "red"}})
out["byKey"] = call(svc, "/iamd/v1/authorize", {"accessKeyId": alice[0], "action": "notes:GetNote", "resource": note})
out["notAllowed"] = call(intern, "/iamd/v1/authorize", {"principal": %[7]q, "action": "notes:GetNote", "resource": note})
out["unknown"] = call(svc, "/iamd/v1/authorize", {"principal": "arn:aws:iam::123456789012:user/nobody", "action": "notes:GetNote", "resource": note})
out["wrongScope"] = call(svc, "/iamd/v1/authorize", {"principal": %[7]q, "action": "notes:GetNote", "resource": note}, service="iam")
out["badJSON"] = call(svc, "/iamd/v1/authorize", None, raw=b"{not json")
out["badContext"] = call(svc, "/iamd/v1/authorize", {"principal": %[7]q, "action": "notes:GetNote", "resource": note, "context": {"k": {"nested": 1}}})
out["malformedPolicy"] = call(svc, "/iamd/v1/authorize", {"principal": %[7]q, "action": "notes:GetNote", "resource": note, "resourcePolicy": {"Statement": "nope"}})

inner = "http://127.0.0.1:8080/notes/7?x=1&y=a%%20b"
out["verified"] = call(svc, "/iamd/v1/verify", described(alice, "notes", "GET", inner))
d = described(alice, "notes", "GET", inner)
d["url"] = "http://127.0.0.1:8080/notes/8?x=1&y=a%%20b"
out["tampered"] = call(svc, "/iamd/v1/verify", d)
out["unknownKey"] = call(svc, "/iamd/v1/verify", described(("AKIAUNKNOWNKEY000000", "x" * 40), "notes", "GET", inner))
out["otherService"] = call(svc, "/iamd/v1/verify", described(alice, "photos", "GET", inner))
body = b'{"title": "hello"}'
d = described(alice, "notes", "POST", "http://notes.example:8080/notes", body)
d["bodySHA256"] = hashlib.sha256(body).hexdigest()
out["withBodyHash"] = call(svc, "/iamd/v1/verify", d)
d = described(alice, "notes", "POST", "http://notes.example:8080/notes", body)
d["bodySHA256"] = hashlib.sha256(b"other").hexdigest()
out["wrongBodyHash"] = call(svc, "/iamd/v1/verify", d)
out["verifyNotAllowed"] = call(intern, "/iamd/v1/verify", described(alice, "notes", "GET", inner))

import boto3
st = boto3.client("sts", endpoint_url=E, aws_access_key_id=alice[0], aws_secret_access_key=alice[1], region_name="us-east-1")
c = st.get_session_token()["Credentials"]
out["session"] = call(svc, "/iamd/v1/verify", described((c["AccessKeyId"], c["SecretAccessKey"]), "notes", "GET", inner, token=c["SessionToken"]))
out["sessionExpires"] = c["Expiration"].strftime("%%Y-%%m-%%dT%%H:%%M:%%SZ")
print(json.dumps(out))
`, svcKey.id, svcKey.secret, alice.id, alice.secret, intern.id, intern.secret, aliceARN)
	stdout, stderr, code := s.python(t, svcKey, script)
	if code != 0 {
		t.Fatalf("python: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	// Each answer is [status, content type, body].
	answer := func(name string) (int, map[string]any) {
		t.Helper()
		var triple []json.RawMessage
		if err := json.Unmarshal(raw[name], &triple); err != nil || len(triple) != 3 {
			t.Fatalf("%s: %s", name, raw[name])
		}
		var status int
		var ctype string
		var body map[string]any
		json.Unmarshal(triple[0], &status)
		json.Unmarshal(triple[1], &ctype)
		json.Unmarshal(triple[2], &body)
		if ctype != "application/json" {
			t.Errorf("%s: Content-Type %q", name, ctype)
		}
		return status, body
	}
	tests := []struct {
		name       string
		wantStatus int
		want       map[string]any // fields that must have these values (compared as JSON)
	}{
		{"allowed", 200, map[string]any{"decision": "allowed", "principal": aliceARN,
			"matchedStatements": []any{map[string]any{"effect": "Allow", "layer": "identity", "policy": "notes", "attachedTo": aliceARN, "statementIndex": 0, "sid": "Read"}}}},
		{"deny", 200, map[string]any{"decision": "explicitDeny", "reason": "with an explicit deny in an identity-based policy",
			"matchedStatements": []any{map[string]any{"effect": "Deny", "layer": "identity", "policy": "notes", "attachedTo": aliceARN, "statementIndex": 1, "sid": "NoDelete"}}}},
		{"tagNotOverridable", 200, map[string]any{"decision": "implicitDeny", "matchedStatements": []any{},
			"reason": "because no identity-based policy allows the notes:ListNotes action"}},
		{"byKey", 200, map[string]any{"decision": "allowed", "principal": aliceARN}},
		{"notAllowed", 403, map[string]any{"code": "AccessDenied"}},
		{"unknown", 404, map[string]any{"code": "NoSuchEntity", "message": "The user with name nobody cannot be found."}},
		{"wrongScope", 403, map[string]any{"code": "SignatureDoesNotMatch", "message": "Credential should be scoped to correct service: 'iamd'. "}},
		{"badJSON", 400, map[string]any{"code": "ValidationError"}},
		{"badContext", 400, map[string]any{"code": "ValidationError"}},
		{"malformedPolicy", 400, map[string]any{"code": "MalformedPolicyDocument"}},
		{"verified", 200, map[string]any{"authenticated": true, "accessKeyId": alice.id, "region": "us-east-1",
			"principal": map[string]any{"arn": aliceARN, "account": account, "type": "User"}}},
		{"tampered", 200, map[string]any{"authenticated": false, "error": map[string]any{"code": "SignatureDoesNotMatch",
			"message": "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}}},
		{"unknownKey", 200, map[string]any{"authenticated": false, "error": map[string]any{"code": "InvalidClientTokenId",
			"message": "The security token included in the request is invalid."}}},
		{"otherService", 200, map[string]any{"authenticated": false, "error": map[string]any{"code": "SignatureDoesNotMatch",
			"message": "Credential should be scoped to correct service: 'notes'. "}}},
		{"withBodyHash", 200, map[string]any{"authenticated": true}},
		{"wrongBodyHash", 200, map[string]any{"authenticated": false}},
		{"verifyNotAllowed", 403, map[string]any{"code": "AccessDenied",
			"message": "User: arn:aws:iam::123456789012:user/intern is not authorized to perform: iamd:Authorize on resource: * because no identity-based policy allows the iamd:Authorize action"}},
		{"session", 200, map[string]any{"authenticated": true, "principal": map[string]any{"arn": aliceARN, "account": account, "type": "User"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := answer(tt.name)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, body)
			}
			for k, want := range tt.want {
				if !subsetJSON(body[k], want) {
					t.Errorf("%s = %v, want %v (body %v)", k, body[k], want, body)
				}
			}
		})
	}
	t.Run("session facts", func(t *testing.T) {
		_, body := answer("session")
		sess, _ := body["session"].(map[string]any)
		var expires string
		json.Unmarshal(raw["sessionExpires"], &expires)
		if sess == nil || sess["mfa"] != false || sess["expires"] != expires || sess["issued"] == "" {
			t.Fatalf("session = %v, want expires %s", body["session"], expires)
		}
		if _, ok := body["principal"].(map[string]any)["userId"].(string); !ok {
			t.Fatalf("principal %v", body["principal"])
		}
	})
	t.Run("long-term key has no session", func(t *testing.T) {
		if _, body := answer("verified"); body["session"] != nil {
			t.Fatalf("session = %v", body["session"])
		}
	})
	t.Run("no secrets in the log", func(t *testing.T) {
		logs := s.logs.String()
		for _, secret := range []string{svcKey.secret, alice.secret, "Signature="} {
			if strings.Contains(logs, secret) {
				t.Fatalf("log holds %q", secret)
			}
		}
		if !strings.Contains(logs, "decision API request") {
			t.Fatal("no debug log of the decision API")
		}
	})
	t.Run("key use recorded with the inner service", func(t *testing.T) {
		// A verified request is the signer's call to the inner service: the trail holds it as a data event of
		// notes, found by the key; the key's last use is its newest, GetSessionToken, made after the verifications.
		flushTrail(t, s)
		var found struct {
			Events []struct{ EventSource, EventName string }
		}
		s.mustCLI(t, rootCreds, &found, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=AccessKeyId,AttributeValue="+alice.id)
		sources := map[string]bool{}
		for _, e := range found.Events {
			sources[e.EventSource+" "+e.EventName] = true
		}
		if !sources["notes.amazonaws.com Verify"] || !sources["sts.amazonaws.com GetSessionToken"] {
			t.Fatalf("the key's events: %+v", found.Events)
		}
		var out struct{ AccessKeyLastUsed struct{ ServiceName string } }
		s.mustCLI(t, rootCreds, &out, "iam", "get-access-key-last-used", "--access-key-id", alice.id)
		if out.AccessKeyLastUsed.ServiceName != "sts" {
			t.Fatalf("last used %+v", out)
		}
	})
}

// subsetJSON reports whether got has want's value, where for objects only want's fields are compared.
func subsetJSON(got, want any) bool {
	if w, ok := want.(map[string]any); ok {
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !subsetJSON(g[k], v) {
				return false
			}
		}
		return true
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	return bytes.Equal(a, b)
}

// TestDecisionAPIWithGoSigner signs /authorize with aws-sdk-go-v2's signer, as a Go service would without the gate
// package.
func TestDecisionAPIWithGoSigner(t *testing.T) {
	s := startServer(t)
	body := []byte(`{"principal":"arn:aws:iam::123456789012:root","action":"notes:GetNote","resource":"*"}`)
	req, err := http.NewRequest(http.MethodPost, s.URL+"/iamd/v1/authorize", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
		req, hex.EncodeToString(sum[:]), "iamd", "eu-west-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	var out struct{ Decision, Principal string }
	if resp.StatusCode != 200 || json.Unmarshal(got, &out) != nil || out.Decision != "allowed" || out.Principal != "arn:aws:iam::123456789012:root" {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}

	// Unsigned: MissingAuthenticationToken, as JSON.
	resp, err = http.Post(s.URL+"/iamd/v1/verify", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || !strings.Contains(string(got), `"code":"MissingAuthenticationToken"`) {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
}
