package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/gate"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
)

const (
	rootKeyID  = "AKIAIOSFODNN7EXAMPLE"
	rootSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	account    = "123456789012"
)

// startIAMD runs a real iamd on a loopback listener with a fresh data directory and returns its URL.
func startIAMD(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = rootKeyID, rootSecret
	cfg.Listen = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("iamd: %v", err)
		}
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

// startNotes runs the notes service on a loopback listener, calling iamd with the service's credentials.
func startNotes(t *testing.T, iamdURL string, creds gate.Credentials, logs io.Writer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	c := settings{Endpoint: iamdURL, Region: "us-east-1", Account: account, Credentials: creds}
	go func() { done <- serve(ctx, ln, c, slog.New(slog.NewTextHandler(logs, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notes: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// python runs a Python script with the given stdin and returns its stdout; it skips the test when python3 or
// boto3 is absent.
func python(t *testing.T, script, stdin string, env ...string) string {
	t.Helper()
	bin, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: skipping the boto3 end-to-end test")
	}
	if err := exec.Command(bin, "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 is not installed: skipping the boto3 end-to-end test")
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-c", script)
	cmd.Env = append([]string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"), "AWS_DEFAULT_REGION=us-east-1", "AWS_MAX_ATTEMPTS=1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
	}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

// setupScript creates, with boto3 as iamd's root, the service user notes-service (allowed iamd:Authorize), alice
// (allowed notes:* on note/* and notes:ListNotes, but DeleteNote explicitly denied), bob (no notes permission),
// and a role notes-editor alice may assume, allowed to get and put notes; alice then assumes it with a session
// policy that allows only GetNote. It prints the credentials as JSON.
const setupScript = `
import boto3, json, os
ep = os.environ["IAMD_ENDPOINT"]
acct = "` + account + `"
iam = boto3.client("iam", endpoint_url=ep, region_name="us-east-1")
def doc(*stmts):
    return json.dumps({"Version": "2012-10-17", "Statement": list(stmts)})
def user(name, policy=None):
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="notes", PolicyDocument=policy)
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AccessKeyID": k["AccessKeyId"], "SecretAccessKey": k["SecretAccessKey"]}
notes = "arn:aws:notes:*:" + acct + ":note/*"
out = {
    "service": user("notes-service", doc({"Effect": "Allow", "Action": "iamd:Authorize", "Resource": "*"})),
    "alice": user("alice", doc(
        {"Effect": "Allow", "Action": "notes:*", "Resource": notes},
        {"Effect": "Allow", "Action": "notes:ListNotes", "Resource": "*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "notes:DeleteNote", "Resource": "*"})),
    "bob": user("bob"),
}
iam.create_role(RoleName="notes-editor", AssumeRolePolicyDocument=doc(
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::" + acct + ":user/alice"}, "Action": "sts:AssumeRole"}))
iam.put_role_policy(RoleName="notes-editor", PolicyName="edit", PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["notes:GetNote", "notes:PutNote"], "Resource": notes}))
sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1",
    aws_access_key_id=out["alice"]["AccessKeyID"], aws_secret_access_key=out["alice"]["SecretAccessKey"])
c = sts.assume_role(RoleArn="arn:aws:iam::" + acct + ":role/notes-editor", RoleSessionName="reader",
    Policy=doc({"Effect": "Allow", "Action": "notes:GetNote", "Resource": notes}))["Credentials"]
out["reader"] = {"AccessKeyID": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"], "SessionToken": c["SessionToken"]}
print(json.dumps(out))
`

// callScript reads a JSON list of calls from stdin, signs each with botocore's SigV4Auth for the service "notes"
// (or the call's service) in us-east-1, as boto3 signs, or presigns its URL with SigV4QueryAuth; optionally
// tampers with the signature; sends it with urllib; and prints the statuses and bodies as a JSON list.
const callScript = `
import json, sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
results = []
for call in json.load(sys.stdin):
    c = call["creds"]
    body = call["body"].encode() if call["body"] else None
    headers = {"Content-Type": "application/json"} if body else {}
    req = AWSRequest(method=call["method"], url=call["url"], data=body, headers=headers)
    creds = Credentials(c["AccessKeyID"], c["SecretAccessKey"], c.get("SessionToken") or None)
    service = call.get("service") or "notes"
    if call.get("presign"):
        SigV4QueryAuth(creds, service, "us-east-1", expires=300).add_auth(req)
    else:
        SigV4Auth(creds, service, "us-east-1").add_auth(req)
    hdrs = dict(req.headers.items())
    if call.get("tamper"):
        a = hdrs["Authorization"]
        hdrs["Authorization"] = a[:-1] + ("1" if a[-1] == "0" else "0")
    r = urllib.request.Request(req.url, data=body, headers=hdrs, method=call["method"])
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            results.append({"status": resp.status, "body": resp.read().decode()})
    except urllib.error.HTTPError as e:
        results.append({"status": e.code, "body": e.read().decode()})
print(json.dumps(results))
`

// TestNotesServiceWithBoto3: the notes service behind gate's middleware, called with boto3-signed requests,
// allows and denies exactly as the callers' IAM policies in a real iamd say, and refuses requests that are not
// authentic as AWS does.
func TestNotesServiceWithBoto3(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the real-client test (boto3)")
	}
	iamdURL := startIAMD(t)
	var users map[string]gate.Credentials
	out := python(t, setupScript, "", "AWS_ACCESS_KEY_ID="+rootKeyID, "AWS_SECRET_ACCESS_KEY="+rootSecret, "IAMD_ENDPOINT="+iamdURL)
	if err := json.Unmarshal([]byte(out), &users); err != nil {
		t.Fatalf("setup output %q: %v", out, err)
	}
	logs := &syncBuffer{}
	notesURL := startNotes(t, iamdURL, users["service"], logs)
	// The same service running with bob's key, which may not call iamd:Authorize: it must refuse everything.
	unauthorizedURL := startNotes(t, iamdURL, users["bob"], io.Discard)

	aliceARN := "arn:aws:iam::" + account + ":user/alice"
	noteARN := func(id string) string { return "arn:aws:notes:us-east-1:" + account + ":note/" + id }
	unknown := gate.Credentials{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", SecretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}
	type call struct {
		Name    string           `json:"-"`
		Creds   gate.Credentials `json:"creds"`
		Method  string           `json:"method"`
		URL     string           `json:"url"`
		Body    string           `json:"body"`
		Tamper  bool             `json:"tamper"`
		Presign bool             `json:"presign"`
		Service string           `json:"service"`
		// Wanted: the status, and for errors the __type and the whole message (or a part, with wantPart).
		wantStatus       int
		wantType         string
		wantMsg          string
		wantPart         bool
		wantBodyContains string
	}
	calls := []call{
		{Name: "alice-puts", Creds: users["alice"], Method: "PUT", URL: notesURL + "/notes/7", Body: `{"text":"hello"}`, wantStatus: 200,
			wantBodyContains: `"author":"` + aliceARN + `"`},
		{Name: "alice-gets", Creds: users["alice"], Method: "GET", URL: notesURL + "/notes/7", wantStatus: 200, wantBodyContains: `"text":"hello"`},
		{Name: "alice-lists", Creds: users["alice"], Method: "GET", URL: notesURL + "/notes?max=10", wantStatus: 200, wantBodyContains: `"ids":["7"]`},
		{Name: "alice-deletes-explicit-deny", Creds: users["alice"], Method: "DELETE", URL: notesURL + "/notes/7", wantStatus: 403,
			wantType: "AccessDeniedException", wantMsg: "User: " + aliceARN + " is not authorized to perform: notes:DeleteNote on resource: " + noteARN("7")},
		{Name: "bob-gets", Creds: users["bob"], Method: "GET", URL: notesURL + "/notes/7", wantStatus: 403, wantType: "AccessDeniedException",
			wantMsg: "User: arn:aws:iam::" + account + ":user/bob is not authorized to perform: notes:GetNote on resource: " + noteARN("7")},
		{Name: "tampered-signature", Creds: users["alice"], Method: "GET", URL: notesURL + "/notes/7", Tamper: true, wantStatus: 403,
			wantType: "SignatureDoesNotMatch", wantMsg: "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{Name: "alice-presigned-get", Creds: users["alice"], Method: "GET", URL: notesURL + "/notes/7", Presign: true, wantStatus: 200, wantBodyContains: `"text":"hello"`},
		{Name: "signed-for-another-service", Creds: users["alice"], Method: "GET", URL: notesURL + "/notes/7", Service: "iam", wantStatus: 403,
			wantType: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to correct service", wantPart: true},
		{Name: "unknown-key", Creds: unknown, Method: "GET", URL: notesURL + "/notes/7", wantStatus: 403,
			wantType: "InvalidClientTokenId", wantMsg: "The security token included in the request is invalid."},
		{Name: "session-gets", Creds: users["reader"], Method: "GET", URL: notesURL + "/notes/7", wantStatus: 200, wantBodyContains: `"text":"hello"`},
		{Name: "session-policy-narrows-put", Creds: users["reader"], Method: "PUT", URL: notesURL + "/notes/8", Body: `{"text":"no"}`, wantStatus: 403,
			wantType: "AccessDeniedException", wantMsg: "User: arn:aws:sts::" + account + ":assumed-role/notes-editor/reader is not authorized to perform: notes:PutNote on resource: " + noteARN("8")},
		{Name: "service-without-iamd-authorize-fails-closed", Creds: users["alice"], Method: "GET", URL: unauthorizedURL + "/notes/7", wantStatus: 500,
			wantType: "InternalFailure", wantMsg: "The request processing has failed because of an unknown error, exception or failure."},
		{Name: "bad-id", Creds: users["alice"], Method: "GET", URL: notesURL + "/notes/a%20b", wantStatus: 400, wantType: "ValidationException", wantMsg: "failed to satisfy constraint", wantPart: true},
	}
	in, err := json.Marshal(calls)
	if err != nil {
		t.Fatal(err)
	}
	var results []struct {
		Status int
		Body   string
	}
	out = python(t, callScript, string(in))
	if err := json.Unmarshal([]byte(out), &results); err != nil || len(results) != len(calls) {
		t.Fatalf("calls output %q: %v", out, err)
	}
	for i, c := range calls {
		t.Run(c.Name, func(t *testing.T) {
			got := results[i]
			if got.Status != c.wantStatus {
				t.Fatalf("status %d %s, want %d\nservice log:\n%s", got.Status, got.Body, c.wantStatus, logs)
			}
			if c.wantStatus == 200 {
				if !strings.Contains(got.Body, c.wantBodyContains) {
					t.Fatalf("body %s, want %s", got.Body, c.wantBodyContains)
				}
				return
			}
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal([]byte(got.Body), &e); err != nil {
				t.Fatalf("body %q: %v", got.Body, err)
			}
			if e.Type != c.wantType || (c.wantPart && !strings.Contains(e.Message, c.wantMsg)) || (!c.wantPart && e.Message != c.wantMsg) {
				t.Fatalf("error %+v\nwant   %s: %s", e, c.wantType, c.wantMsg)
			}
		})
	}
}

// syncBuffer is a strings.Builder safe for the service's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
