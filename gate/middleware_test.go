package gate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/gate"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// protected is a service behind the middleware on a loopback HTTP server, backed by a fake iamd.
type protected struct {
	iamd *fakeIAMD
	srv  *httptest.Server
	logs *bytes.Buffer
}

// newProtected starts a service whose handler echoes the caller's ARN and the body it got; its Resolve maps
// GET to notes:GetNote, PUT to notes:PutNote and adds notes:Public, and fails for DELETE.
func newProtected(t *testing.T, configure func(*gate.Options)) *protected {
	t.Helper()
	f := newFakeIAMD(t)
	logs := &bytes.Buffer{}
	o := gate.Options{
		Service: "notes",
		Resolve: func(r *http.Request) (string, string, map[string]any, error) {
			res := "arn:aws:notes:us-east-1:" + testAccount + ":note" + strings.TrimPrefix(r.URL.Path, "/notes")
			switch r.Method {
			case http.MethodGet:
				return "notes:GetNote", res, map[string]any{"notes:Public": true, "aws:SourceIp": "203.0.113.9", "AWS:securetransport": "true"}, nil
			case http.MethodPut:
				return "notes:PutNote", res, nil, nil
			}
			return "", "", nil, errors.New("Unsupported operation " + r.Method)
		},
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}
	if configure != nil {
		configure(&o)
	}
	h := gate.Middleware(f.client(), o)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := gate.IdentityFrom(r.Context())
		if !ok {
			http.Error(w, "no identity", 500)
			return
		}
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{"arn": id.Principal.ARN, "body": string(body), "key": id.AccessKeyID})
	}))
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return &protected{iamd: f, srv: s, logs: logs}
}

// call sends a request to the protected service, signed with creds for service (unsigned when creds has no key),
// after tamper has had its way with it, and returns the status and the decoded JSON body.
func (p *protected) call(t *testing.T, method, path, body string, creds sigv4.Credentials, service string, tamper func(*http.Request)) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, p.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if creds.AccessKeyID != "" {
		sigv4.Sign(req, []byte(body), creds, "us-east-1", service, time.Now().UTC())
	}
	if tamper != nil {
		tamper(req)
	}
	resp, err := p.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]string{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: status %d, body not JSON: %q", method, path, resp.StatusCode, raw)
	}
	if resp.StatusCode != 200 && (resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Amzn-ErrorType") != out["__type"]) {
		t.Errorf("error answer headers %v", resp.Header)
	}
	return resp.StatusCode, out
}

// flipLastSignatureDigit changes the last hex digit of a signed request's signature.
func flipLastSignatureDigit(r *http.Request) {
	a := r.Header.Get("Authorization")
	last := byte('0')
	if a[len(a)-1] == '0' {
		last = '1'
	}
	r.Header.Set("Authorization", a[:len(a)-1]+string(last))
}

var (
	alice   = sigv4.Credentials{AccessKeyID: aliceKey, SecretAccessKey: aliceSecret}
	session = sigv4.Credentials{AccessKeyID: sessionKey, SecretAccessKey: sessionSec, SessionToken: sessionToken}
)

// TestMiddlewareAnswersAsTheDecisionsSay: authentic, allowed requests reach the handler with the caller's identity
// and the body intact; everything else gets the AWS-style refusal.
func TestMiddlewareAnswersAsTheDecisionsSay(t *testing.T) {
	aliceARN := "arn:aws:iam::" + testAccount + ":user/alice"
	tests := []struct {
		name              string
		method, path      string
		body              string
		creds             sigv4.Credentials
		service           string
		tamper            func(*http.Request)
		configure         func(*gate.Options)
		decide            string // the fake's decision for every query, when set
		wantStatus        int
		wantType, wantMsg string // __type and a part of message, for refusals
		wantARN, wantBody string // for passes
	}{
		{name: "allowed", method: "GET", path: "/notes/7", creds: alice, service: "notes", wantStatus: 200, wantARN: aliceARN},
		{name: "allowed-session", method: "GET", path: "/notes/7", creds: session, service: "notes", wantStatus: 200,
			wantARN: "arn:aws:sts::" + testAccount + ":assumed-role/r/s"},
		{name: "body-restored", method: "PUT", path: "/notes/7", body: `{"text":"hi"}`, creds: alice, service: "notes",
			decide: "allowed", wantStatus: 200, wantARN: aliceARN, wantBody: `{"text":"hi"}`},
		{name: "implicit-deny", method: "PUT", path: "/notes/7", body: "x", creds: alice, service: "notes", wantStatus: 403, wantType: "AccessDeniedException",
			wantMsg: "User: " + aliceARN + " is not authorized to perform: notes:PutNote on resource: arn:aws:notes:us-east-1:" + testAccount + ":note/7"},
		{name: "explicit-deny", method: "GET", path: "/notes/8", creds: alice, service: "notes", decide: "explicitDeny", wantStatus: 403,
			wantType: "AccessDeniedException", wantMsg: "is not authorized to perform: notes:GetNote on resource: arn:aws:notes:us-east-1:" + testAccount + ":note/8"},
		{name: "tampered-signature", method: "GET", path: "/notes/7", creds: alice, service: "notes",
			tamper:     flipLastSignatureDigit,
			wantStatus: 403, wantType: "SignatureDoesNotMatch", wantMsg: "The request signature we calculated does not match"},
		{name: "tampered-path", method: "GET", path: "/notes/7", creds: alice, service: "notes",
			tamper: func(r *http.Request) { r.URL.Path = "/notes/8" }, wantStatus: 403, wantType: "SignatureDoesNotMatch"},
		{name: "unknown-key", method: "GET", path: "/notes/7", creds: sigv4.Credentials{AccessKeyID: "AKIAUNKNOWNEXAMPLE00", SecretAccessKey: "x"},
			service: "notes", wantStatus: 403, wantType: "InvalidClientTokenId", wantMsg: "The security token included in the request is invalid."},
		{name: "unsigned", method: "GET", path: "/notes/7", wantStatus: 403, wantType: "MissingAuthenticationToken"},
		{name: "signed-for-another-service", method: "GET", path: "/notes/7", creds: alice, service: "iam", wantStatus: 403,
			wantType: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to correct service: 'notes'."},
		{name: "unsigned-payload", method: "PUT", path: "/notes/7", body: "x", creds: alice, service: "notes",
			tamper: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") }, wantStatus: 403, wantType: "SignatureDoesNotMatch"},
		{name: "wrong-region", method: "GET", path: "/notes/7", creds: alice, service: "notes",
			configure: func(o *gate.Options) { o.Regions = []string{"eu-west-1"} }, wantStatus: 403,
			wantType: "SignatureDoesNotMatch", wantMsg: "Credential should be scoped to a valid region, not 'us-east-1'. "},
		{name: "resolve-error", method: "DELETE", path: "/notes/7", creds: alice, service: "notes", wantStatus: 400,
			wantType: "ValidationException", wantMsg: "Unsupported operation DELETE"},
		{name: "body-too-large", method: "PUT", path: "/notes/7", body: strings.Repeat("x", 100), creds: alice, service: "notes",
			configure: func(o *gate.Options) { o.MaxBodyBytes = 10 }, wantStatus: 413, wantType: "RequestEntityTooLargeException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtected(t, tt.configure)
			if tt.decide != "" {
				p.iamd.decide = func(authorizeBody) string { return tt.decide }
			}
			status, out := p.call(t, tt.method, tt.path, tt.body, tt.creds, tt.service, tt.tamper)
			if status != tt.wantStatus {
				t.Fatalf("status %d %v, want %d", status, out, tt.wantStatus)
			}
			if tt.wantStatus == 200 {
				if out["arn"] != tt.wantARN || out["body"] != tt.wantBody || out["key"] != tt.creds.AccessKeyID {
					t.Fatalf("handler saw %v", out)
				}
				return
			}
			if out["__type"] != tt.wantType || !stringsHas(out["message"], tt.wantMsg) {
				t.Fatalf("answer %v, want %s ... %s", out, tt.wantType, tt.wantMsg)
			}
		})
	}
}

// TestMiddlewareSendsTheRequestFacts: the decision is asked for the signing key, with aws:SourceIp,
// aws:SecureTransport and aws:RequestedRegion from the request (overriding Resolve's) plus Resolve's own keys.
func TestMiddlewareSendsTheRequestFacts(t *testing.T) {
	p := newProtected(t, nil)
	if status, out := p.call(t, "GET", "/notes/7?x=1&y=a%20b", "", alice, "notes", nil); status != 200 {
		t.Fatalf("status %d %v", status, out)
	}
	q := p.iamd.lastQuery()
	want := map[string]any{"aws:SourceIp": "127.0.0.1", "aws:SecureTransport": false, "aws:RequestedRegion": "us-east-1", "notes:Public": true}
	if q.AccessKeyID != aliceKey || q.Principal != "" || q.Action != "notes:GetNote" || q.Resource != "arn:aws:notes:us-east-1:"+testAccount+":note/7" {
		t.Fatalf("query %+v", q)
	}
	if len(q.Context) != len(want) {
		t.Fatalf("context %v, want %v", q.Context, want)
	}
	for k, v := range want {
		if q.Context[k] != v {
			t.Fatalf("context %v, want %v", q.Context, want)
		}
	}
	v := p.iamd.lastVerify()
	if v.Service != "notes" || v.Method != "GET" || v.URL != p.srv.URL+"/notes/7?x=1&y=a%20b" || v.Body != "" ||
		v.Headers["Host"][0] != strings.TrimPrefix(p.srv.URL, "http://") || v.Headers["Authorization"] == nil {
		t.Fatalf("verify request %+v", v)
	}
}

// TestMiddlewareFailsClosed: whenever iamd cannot give a clear answer the request is refused with a 500 that
// says nothing of the cause, and the handler never runs.
func TestMiddlewareFailsClosed(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *protected)
	}{
		{name: "iamd-down", setup: func(p *protected) { p.iamd.srv.Close() }},
		{name: "iamd-500", setup: func(p *protected) { p.iamd.setMode("500") }},
		{name: "malformed-answer", setup: func(p *protected) { p.iamd.setMode("garbage") }},
		{name: "unknown-decision", setup: func(p *protected) { p.iamd.setMode("bad-decision") }},
		{name: "verify-without-authenticated", setup: func(p *protected) { p.iamd.setMode("no-authenticated") }},
		{name: "unauthenticated-without-code", setup: func(p *protected) { p.iamd.setMode("unauthenticated-no-code") }},
		{name: "service-not-allowed", setup: func(p *protected) { p.iamd.setMode("deny-service") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtected(t, nil)
			tt.setup(p)
			status, out := p.call(t, "GET", "/notes/7", "", alice, "notes", nil)
			if status != 500 || out["__type"] != "InternalFailure" || out["arn"] != "" {
				t.Fatalf("status %d %v", status, out)
			}
			if m := out["message"]; m != "The request processing has failed because of an unknown error, exception or failure." {
				t.Fatalf("message %q", m)
			}
			if !stringsHas(p.logs.String(), "gate: refusing request") {
				t.Fatalf("cause not logged: %s", p.logs)
			}
		})
	}
}

// TestMiddlewareTakesARequestWithoutBody: a handler chain called directly with a nil Body (as some tests and
// adapters do) is verified like any other request.
func TestMiddlewareTakesARequestWithoutBody(t *testing.T) {
	p := newProtected(t, nil)
	h := gate.Middleware(p.iamd.client(), gate.Options{
		Service: "notes",
		Resolve: func(*http.Request) (string, string, map[string]any, error) { return "notes:GetNote", "*", nil, nil },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, err := io.ReadAll(r.Body); err != nil || len(b) != 0 {
			t.Errorf("body %q %v", b, err)
		}
	}))
	r, err := http.NewRequest("GET", "http://notes.example/notes/7", nil)
	if err != nil {
		t.Fatal(err)
	}
	sigv4.Sign(r, nil, alice, "us-east-1", "notes", time.Now().UTC())
	r.RemoteAddr = "[fe80::1%eth0]:4321"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d %s", w.Code, w.Body)
	}
	if ip := p.iamd.lastQuery().Context["aws:SourceIp"]; ip != "fe80::1" {
		t.Fatalf("aws:SourceIp %v", ip)
	}
}
