package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// getUserBody is the form body the AWS CLI sends for "aws iam get-user --user-name alice".
const getUserBody = "Action=GetUser&Version=2010-05-08&UserName=alice"

// BenchmarkLoopbackBare: the floor for the API benchmarks — the same traffic as BenchmarkGetUserAuthorized, with no
// iamd behind it: the client builds and SigV4-signs the same GetUser request and sends it over HTTP/1.1 keep-alive on
// loopback to a handler that reads the body and answers a fixed XML body of the size of GetUser's response, with the
// same headers. The difference between the two benchmarks is what iamd adds: verification, decoding, the policy
// decision, the store read and encoding.
func BenchmarkLoopbackBare(b *testing.B) {
	body := strings.Repeat("x", 560)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
		io.WriteString(w, body)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	client := &http.Client{}
	url := "http://" + ln.Addr().String() + "/"
	creds := sigv4.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(getUserBody))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sigv4.Sign(req, []byte(getUserBody), creds, "us-east-1", "iam", time.Now())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkGetUserAuthorized: "aws iam get-user --user-name alice" as the AWS CLI sends it, signed with SigV4 in the
// client, over HTTP/1.1 keep-alive on loopback to a real iamd: SigV4 verification, the query protocol, an
// authorization decision by the engine for an IAM user whose inline policy allows iam:GetUser, a SQLite read and
// the XML response.
func BenchmarkGetUserAuthorized(b *testing.B) {
	s := startServer(b)
	caller := benchUser(b, s)
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(getUserBody))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sigv4.Sign(req, []byte(getUserBody), caller, "us-east-1", "iam", time.Now())
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// benchUser creates alice with an access key and an inline policy allowing iam:GetUser on user/*, and returns
// her credentials: the benchmarks' caller is an IAM user, so every request goes through the policy engine.
func benchUser(b *testing.B, s *testServer) sigv4.Credentials {
	b.Helper()
	return benchUserAllowed(b, s, "iam:GetUser")
}

// benchUserAllowed is benchUser with an inline policy allowing actions on user/*.
func benchUserAllowed(b *testing.B, s *testServer, actions ...string) sigv4.Credentials {
	b.Helper()
	ctx := context.Background()
	root := benchRoot()
	if _, err := s.srv.IAM.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice"}); err != nil {
		b.Fatal(err)
	}
	acts, _ := json.Marshal(actions)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + string(acts) + `,"Resource":"arn:aws:iam::` + account + `:user/*"}]}`
	if err := s.srv.IAM.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "read", PolicyDocument: doc}); err != nil {
		b.Fatal(err)
	}
	key, err := s.srv.IAM.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: ptrTo("alice")})
	if err != nil {
		b.Fatal(err)
	}
	return sigv4.Credentials{AccessKeyID: key.AccessKey.AccessKeyId, SecretAccessKey: key.AccessKey.SecretAccessKey}
}

// benchRoot is the account's root user, as the benchmarks call the IAM service in process to set up and clean up.
func benchRoot() *iam.Caller {
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + account + ":root", Account: account}, UserID: account}
}

func ptrTo[T any](v T) *T { return &v }

// BenchmarkHandlerGetUser: the server's own work for the GetUser of BenchmarkGetUserAuthorized — SigV4
// verification, decoding, authorization, the store read and the XML response — called in process, without the
// network, on a request signed once.
func BenchmarkHandlerGetUser(b *testing.B) {
	s := startServer(b)
	caller := benchUser(b, s)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(getUserBody))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(getUserBody), caller, "us-east-1", "iam", time.Now())
	serveLoop(b, s.srv.Handler(), req, getUserBody, "")
}

// serveLoop is the loop of the handler benchmarks: req, signed once, is served with body again and again; the
// answer must be a 200 holding want.
func serveLoop(b *testing.B, h http.Handler, req *http.Request, body, want string) {
	b.Helper()
	serveLoopPaced(b, h, req, body, want, nil)
}

// serveLoopPaced is serveLoop calling pause, when not nil, after every request.
func serveLoopPaced(b *testing.B, h http.Handler, req *http.Request, body, want string, pause func()) {
	b.Helper()
	b.ReportAllocs()
	// The loop runs on one OS thread, and the handler runs on the loop's goroutine: that thread's CPU time is the
	// request path's own (the trail's writer and other background work run on other threads), whatever else the
	// machine runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, req0 := processCPU(), threadCPU()
	var paused time.Duration // the thread's CPU spent in pause (the timer's bookkeeping), not the request's
	defer func() {
		// The process's CPU time per request, the trail's writer included: what a request costs.
		b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64((threadCPU()-req0-paused).Nanoseconds())/float64(b.N), "req-cpu-ns/op")
	}()
	for b.Loop() {
		r := req.Clone(context.Background())
		r.Body = io.NopCloser(strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000" // as net/http's server sets it: the trail's sourceIPAddress
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		// bytes.Contains on the body, not strings.Contains on w.Body.String(): the check must not allocate, so that
		// B/op and allocs/op are the server's alone.
		if w.Code != 200 || !bytes.Contains(w.Body.Bytes(), []byte(want)) {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if pause != nil {
			p0 := threadCPU()
			pause()
			paused += threadCPU() - p0
		}
	}
}

// BenchmarkHandlerListAccounts: the server's own work for one Organizations request — "aws organizations
// list-accounts --max-results 20" from the management account's root, in an organization of 10 accounts (the
// management account and 9 created ones, the default account quota), so the answer lists 10 accounts — SigV4 verification,
// the JSON protocol's decoding, the store reads and the JSON response, called in process on a request signed once.
func BenchmarkHandlerListAccounts(b *testing.B) {
	s := startServer(b)
	if status, out := s.callJSON(b, rootCreds, "CreateOrganization", `{"FeatureSet":"ALL"}`); status != 200 {
		b.Fatalf("CreateOrganization: %d %s", status, out)
	}
	for i := range 9 {
		body := fmt.Sprintf(`{"Email":"acct%d@example.com","AccountName":"acct %d"}`, i, i)
		if status, out := s.callJSON(b, rootCreds, "CreateAccount", body); status != 200 {
			b.Fatalf("CreateAccount: %d %s", status, out)
		}
	}
	const body = `{"MaxResults":20}`
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts")
	sigv4.Sign(req, []byte(body), sigv4.Credentials{AccessKeyID: rootCreds.id, SecretAccessKey: rootCreds.secret}, "us-east-1", "organizations", time.Now())
	serveLoop(b, s.srv.Handler(), req, body, `"acct 8"`)
}

// threadCPU is the CPU time (user and system) the calling OS thread has used (Linux's RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
