package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEncodedAuthorizationMessage asks, with boto3 and iamd's X-Iamd-Authorization-Message header, for an encoded
// authorization failure message on a denied IAM call, and decodes it with the AWS CLI's sts
// decode-authorization-message; without the header the message carries nothing encoded.
func TestEncodedAuthorizationMessage(t *testing.T) {
	needRealClient(t, "aws")
	needRealClient(t, "boto3")
	s := startServer(t)
	alice := credsUserWithKey(t, s, "alice")
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "decode", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:DecodeAuthorizationMessage","Resource":"*"},
		{"Sid":"NoRoles","Effect":"Deny","Action":"iam:ListRoles","Resource":"*"}]}`)
	out, errOut, code := s.python(t, alice, `
import boto3, botocore, os, sys
iam = boto3.client("iam", endpoint_url=os.environ["IAMD_ENDPOINT"])
def ask(request, **kwargs):
    request.headers["X-Iamd-Authorization-Message"] = "encoded"
for op in ("list_users", "list_roles"):
    try:
        getattr(iam, op)()
        sys.exit(op + " was allowed")
    except botocore.exceptions.ClientError as e:
        print(e.response["Error"]["Code"] + "|" + e.response["Error"]["Message"])
iam.meta.events.register("before-sign.iam.*", ask)
for op in ("list_users", "list_roles"):
    try:
        getattr(iam, op)()
        sys.exit(op + " was allowed")
    except botocore.exceptions.ClientError as e:
        print(e.response["Error"]["Code"] + "|" + e.response["Error"]["Message"])
`)
	if code != 0 {
		t.Fatalf("boto3: exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("boto3 output:\n%s", out)
	}
	const marker = " Encoded authorization failure message: "
	for i, line := range lines {
		if !strings.HasPrefix(line, "AccessDenied|User: arn:aws:iam::"+account+":user/alice is not authorized to perform: iam:List") {
			t.Fatalf("line %d: %s", i, line)
		}
		if strings.Contains(line, marker) != (i >= 2) {
			t.Fatalf("line %d: encoded message present = %t: %s", i, !(i >= 2), line)
		}
	}
	for i, want := range []struct {
		action       string
		explicitDeny bool
	}{{"iam:ListUsers", false}, {"iam:ListRoles", true}} {
		enc := lines[2+i][strings.Index(lines[2+i], marker)+len(marker):]
		var dec struct{ DecodedMessage string }
		s.mustCLI(t, alice, &dec, "sts", "decode-authorization-message", "--encoded-message="+enc)
		var m decodedAWSMessage
		if err := json.Unmarshal([]byte(dec.DecodedMessage), &m); err != nil {
			t.Fatalf("decoded message: %v\n%s", err, dec.DecodedMessage)
		}
		if m.Allowed || m.ExplicitDeny != want.explicitDeny || m.Context.Action != want.action ||
			m.Context.Principal.Arn != "arn:aws:iam::"+account+":user/alice" {
			t.Fatalf("decoded %s", dec.DecodedMessage)
		}
		// only principals allowed sts:DecodeAuthorizationMessage may decode
		o, e, code := s.awsCLI(t, credsUserWithKey(t, s, "bob"+string(rune('a'+i))), "sts", "decode-authorization-message", "--encoded-message="+enc)
		wantCLIError(t, o, e, code, "AccessDenied", "sts:DecodeAuthorizationMessage")
	}
}

// decodedAWSMessage is the part of a decoded authorization message that the test reads.
type decodedAWSMessage struct {
	Allowed      bool `json:"allowed"`
	ExplicitDeny bool `json:"explicitDeny"`
	Context      struct {
		Principal struct{ Arn string } `json:"principal"`
		Action    string               `json:"action"`
	} `json:"context"`
}
