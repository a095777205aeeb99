package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestHealthz(t *testing.T) {
	s := sharedServer(t, "cli_test.go")
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

func TestAWSCLIGetCallerIdentityAsRoot(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_test.go")
	s.cliProcess = true // the aws command as installed: the quickstart's own steps
	var out struct{ UserId, Account, Arn string }
	s.mustCLI(t, rootCreds, &out, "sts", "get-caller-identity")
	if out.Account != account || out.Arn != "arn:aws:iam::"+account+":root" {
		t.Fatalf("got %+v", out)
	}
}

func TestAWSCLIUsers(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_test.go")
	s.cliProcess = true // the aws command as installed: the quickstart's own steps
	var created struct {
		User struct{ UserName, UserId, Arn, Path string }
	}
	s.mustCLI(t, rootCreds, &created, "iam", "create-user", "--user-name", "alice", "--path", "/eng/", "--tags", "Key=team,Value=blue")
	if created.User.Arn != "arn:aws:iam::"+account+":user/eng/alice" || !strings.HasPrefix(created.User.UserId, "AIDA") {
		t.Fatalf("created %+v", created)
	}
	var got struct {
		User struct {
			UserName string
			Tags     []struct{ Key, Value string }
		}
	}
	s.mustCLI(t, rootCreds, &got, "iam", "get-user", "--user-name", "alice")
	if got.User.UserName != "alice" || len(got.User.Tags) != 1 || got.User.Tags[0].Value != "blue" {
		t.Fatalf("got %+v", got)
	}
	var list struct{ Users []struct{ UserName string } }
	s.mustCLI(t, rootCreds, &list, "iam", "list-users", "--path-prefix", "/eng/")
	if len(list.Users) != 1 {
		t.Fatalf("list %+v", list)
	}
	_, errOut, code := s.awsCLI(t, rootCreds, "iam", "create-user", "--user-name", "ALICE")
	if code == 0 || !strings.Contains(errOut, "(EntityAlreadyExists)") || !strings.Contains(errOut, "User with name ALICE already exists.") {
		t.Fatalf("duplicate: exit %d %s", code, errOut)
	}
	_, errOut, code = s.awsCLI(t, rootCreds, "iam", "get-user", "--user-name", "nobody")
	if code == 0 || !strings.Contains(errOut, "(NoSuchEntity)") || !strings.Contains(errOut, "The user with name nobody cannot be found.") {
		t.Fatalf("missing: exit %d %s", code, errOut)
	}
	_, errOut, code = s.awsCLI(t, rootCreds, "iam", "create-user", "--user-name", strings.Repeat("x", 65))
	if code == 0 || !strings.Contains(errOut, "(ValidationError)") {
		t.Fatalf("long name: exit %d %s", code, errOut)
	}
	s.mustCLI(t, rootCreds, nil, "iam", "delete-user", "--user-name", "alice")
}

func TestAWSCLITamperedSignatureIsRejected(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_test.go")
	s.cliProcess = true // the aws command as installed: the quickstart's own steps
	_, errOut, code := s.awsCLI(t, creds{rootKeyID, strings.Replace(rootSecret, "w", "x", 1)}, "iam", "list-users")
	if code == 0 || !strings.Contains(errOut, "(SignatureDoesNotMatch)") {
		t.Fatalf("wrong secret: exit %d %s", code, errOut)
	}
	_, errOut, code = s.awsCLI(t, creds{"AKIAUNKNOWNUNKNOWN00", rootSecret}, "iam", "list-users")
	if code == 0 || !strings.Contains(errOut, "(InvalidClientTokenId)") {
		t.Fatalf("unknown key: exit %d %s", code, errOut)
	}
}

func TestUnknownActionIsInvalidAction(t *testing.T) {
	needRealClient(t, "boto3")
	s := sharedServer(t, "cli_test.go")
	out, _, code := s.python(t, rootCreds, `
import os, botocore.session, botocore.awsrequest, botocore.auth, botocore.credentials, urllib.request
creds = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
body = "Action=FrobnicateUsers&Version=2010-05-08"
req = botocore.awsrequest.AWSRequest(method="POST", url=os.environ["IAMD_ENDPOINT"] + "/", data=body,
    headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
botocore.auth.SigV4Auth(creds, "iam", "us-east-1").add_auth(req)
p = req.prepare()
r = urllib.request.Request(p.url, data=body.encode(), headers=dict(p.headers), method="POST")
try:
    urllib.request.urlopen(r)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
`)
	if code != 0 || !strings.Contains(out, "400") || !strings.Contains(out, "<Code>InvalidAction</Code>") || !strings.Contains(out, "<ErrorResponse") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestAWSCLISimulateCustomPolicy(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "cli_test.go")
	var out struct {
		EvaluationResults []struct {
			EvalActionName, EvalDecision string
			MatchedStatements            []struct {
				SourcePolicyId string
				StartPosition  struct{ Line, Column int }
			}
		}
	}
	s.mustCLI(t, rootCreds, &out, "iam", "simulate-custom-policy",
		"--policy-input-list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`,
		"--action-names", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "--resource-arns", "arn:aws:s3:::b/k")
	got := map[string]string{}
	for _, r := range out.EvaluationResults {
		got[r.EvalActionName] = r.EvalDecision
	}
	if got["s3:GetObject"] != "allowed" || got["s3:PutObject"] != "implicitDeny" || got["s3:DeleteObject"] != "explicitDeny" {
		t.Fatalf("decisions %v", got)
	}
	if ms := out.EvaluationResults[0].MatchedStatements; len(ms) != 1 || ms[0].SourcePolicyId != "PolicyInputList.1" || ms[0].StartPosition.Column != 38 {
		t.Fatalf("matched %+v", ms)
	}
	_, errOut, code := s.awsCLI(t, rootCreds, "iam", "simulate-custom-policy", "--policy-input-list", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",}]}`, "--action-names", "s3:GetObject")
	if code == 0 || !strings.Contains(errOut, "(MalformedPolicyDocument)") {
		t.Fatalf("malformed: %d %s", code, errOut)
	}
}
