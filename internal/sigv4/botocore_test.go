package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// botocoreScript signs requests with botocore's SigV4Auth and SigV4QueryAuth (what the AWS CLI v1 and boto3 use)
// at a fixed time and prints each prepared request — method, URL, headers, body — as JSON.
const botocoreScript = `
import datetime, json, sys
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

fixed = datetime.datetime(2025, 1, 1, 0, 30, 0, tzinfo=datetime.timezone.utc)
auth.get_current_datetime = lambda *a, **k: fixed

user = Credentials(sys.argv[1], sys.argv[2])
temp = Credentials(sys.argv[3], sys.argv[4], sys.argv[5])
cli_headers = {
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    'User-Agent': 'aws-cli/1.45.11 md/Botocore#1.43.11 os/linux',
    'amz-sdk-invocation-id': '0b7a4d7e-2b6f-4a8e-9f3c-5d2e1a0b9c8d',
    'amz-sdk-request': 'attempt=1',
}

def signed(name, signer, **kw):
    req = AWSRequest(**kw)
    signer.add_auth(req)
    p = req.prepare()
    body = p.body or b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    return {'name': name, 'method': p.method, 'url': p.url,
            'headers': [[k, v if isinstance(v, str) else v.decode()] for k, v in p.headers.items()],
            'body': body.decode('utf-8')}

out = [
    signed('AWS CLI iam list-users (POST form body)', auth.SigV4Auth(user, 'iam', 'us-east-1'),
           method='POST', url='https://iam.amazonaws.com/', headers=dict(cli_headers),
           data={'Action': 'ListUsers', 'Version': '2010-05-08', 'PathPrefix': '/division_abc/', 'MaxItems': '100'}),
    signed('AWS CLI sts get-caller-identity with a session token', auth.SigV4Auth(temp, 'sts', 'us-east-1'),
           method='POST', url='https://sts.amazonaws.com/', headers=dict(cli_headers),
           data={'Action': 'GetCallerIdentity', 'Version': '2011-06-15'}),
    signed('GET with query parameters needing encoding', auth.SigV4Auth(user, 'iam', 'us-east-1'),
           method='GET', url='https://iam.amazonaws.com/',
           params={'Action': 'ListUsers', 'Version': '2010-05-08', 'PathPrefix': '/a b/c+d=e/', 'Marker': '\u1234~x'}),
    signed('GET with an escaped path and dot segments', auth.SigV4Auth(user, 'iam', 'us-east-1'),
           method='GET', url='https://iam.amazonaws.com/foo%20bar/./baz/../qux/?Action=ListUsers&Version=2010-05-08'),
    signed('presigned GetCallerIdentity (SigV4QueryAuth) with a session token', auth.SigV4QueryAuth(temp, 'sts', 'us-east-1', expires=900),
           method='GET', url='https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15'),
    signed('presigned form request (SigV4QueryAuth moves the body into the query)', auth.SigV4QueryAuth(user, 'iam', 'us-east-1', expires=60),
           method='POST', url='https://iam.amazonaws.com/', headers=dict(cli_headers),
           data={'Action': 'GetUser', 'Version': '2010-05-08', 'UserName': 'alice bob'}),
]
json.dump(out, sys.stdout)
`

type botocoreRequest struct {
	Name    string      `json:"name"`
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// TestVerifyAcceptsBotocoreSignatures: requests signed by the installed botocore — the signer of the AWS CLI v1
// and boto3 — verify, sent to the server as botocore's prepared request would go on the wire.
func TestVerifyAcceptsBotocoreSignatures(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the real-client test (botocore)")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed; skipping the botocore interoperability test")
	}
	if err := exec.Command(python, "-c", "import botocore").Run(); err != nil {
		t.Skip("botocore is not importable by python3 (pip install botocore); skipping the botocore interoperability test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", botocoreScript, userKeyID, userSecret, tempKeyID, tempSecret, tempToken).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("botocore signer: %v\n%s", err, stderr)
	}
	var reqs []botocoreRequest
	if err := json.Unmarshal(out, &reqs); err != nil {
		t.Fatalf("botocore output: %v\n%s", err, out)
	}
	if len(reqs) == 0 {
		t.Fatal("botocore signed nothing")
	}
	for _, br := range reqs {
		t.Run(br.Name, func(t *testing.T) {
			r, body := wireRequest(t, br)
			res, err := testVerifier().Verify(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Verify: %v\nrequest: %s %s\nheaders: %v\nbody: %q", err, br.Method, br.URL, br.Headers, br.Body)
			}
			if !res.Date.Equal(testNow()) {
				t.Errorf("date %v", res.Date)
			}
			if strings.HasPrefix(br.Name, "presigned") != res.Presigned {
				t.Errorf("Presigned = %v", res.Presigned)
			}
		})
	}
}

// wireRequest writes botocore's prepared request as HTTP/1.1 (urllib3 sends the URL's path and query verbatim
// and a Host header from the URL) and reads it back as net/http's server would.
func wireRequest(t *testing.T, br botocoreRequest) (*http.Request, []byte) {
	t.Helper()
	u, err := url.Parse(br.URL)
	if err != nil {
		t.Fatal(err)
	}
	target := br.URL[strings.Index(br.URL, u.Host)+len(u.Host):]
	if target == "" {
		target = "/"
	}
	var wire bytes.Buffer
	fmt.Fprintf(&wire, "%s %s HTTP/1.1\r\nHost: %s\r\n", br.Method, target, u.Host)
	for _, h := range br.Headers {
		fmt.Fprintf(&wire, "%s: %s\r\n", h[0], h[1])
	}
	fmt.Fprintf(&wire, "Content-Length: %d\r\n\r\n%s", len(br.Body), br.Body)
	r, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("reading request: %v\n%s", err, wire.String())
	}
	return r, []byte(br.Body)
}
