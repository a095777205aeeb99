package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	userKeyID   = "AKIAIOSFODNN7EXAMPLE"
	userSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tempKeyID   = "ASIAIOSFODNN7EXAMPLE"
	tempSecret  = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	tempToken   = "IQoJb3JpZ2luX2VjEXAMPLETOKENAQoDYXdzEJr//////////wEaDEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
	expiredID   = "ASIAEXPIREDEXAMPLE01"
	testIAMHost = "iam.amazonaws.com"
	cliBody     = "Action=ListUsers&Version=2010-05-08&MaxItems=100&PathPrefix=%2Fdivision_abc%2F"
)

var (
	userCreds    = Credentials{AccessKeyID: userKeyID, SecretAccessKey: userSecret}
	tempCreds    = Credentials{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret, SessionToken: tempToken}
	expiredCreds = Credentials{AccessKeyID: expiredID, SecretAccessKey: tempSecret, SessionToken: tempToken}
)

// testNow is the server's clock in these tests: 2025-01-01T00:30:00Z.
func testNow() time.Time { return time.Date(2025, 1, 1, 0, 30, 0, 0, time.UTC) }

func testStore() mapStore {
	return mapStore{
		userKeyID: {Secret: []byte(userSecret), Identity: "user/alice"},
		tempKeyID: {Secret: []byte(tempSecret), SessionToken: tempToken, Expires: testNow().Add(time.Hour), Identity: "assumed-role/admin/session"},
		expiredID: {Secret: []byte(tempSecret), SessionToken: tempToken, Expires: testNow().Add(-time.Second), Identity: "expired"},
	}
}

func testVerifier() *Verifier {
	return &Verifier{Keys: testStore(), Now: testNow, Services: []string{"iam", "sts"}, Regions: []string{"us-east-1"}}
}

// cliRequest is a request as the AWS CLI sends one to IAM: a form-encoded POST with botocore's SDK headers.
func cliRequest(t testing.TB, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://"+testIAMHost+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("User-Agent", "aws-cli/1.45.11 md/Botocore#1.43.11 os/linux")
	r.Header.Set("amz-sdk-invocation-id", "0b7a4d7e-2b6f-4a8e-9f3c-5d2e1a0b9c8d")
	r.Header.Set("amz-sdk-request", "attempt=1")
	return r
}

// toServer sends r through HTTP/1.1 framing and reads it back as a net/http server would, returning the
// server's request and the body a handler would read.
func toServer(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	if err := r.Write(&wire); err != nil {
		t.Fatalf("writing request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("reading request: %v\n%s", err, wire.String())
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sr, body
}

func signedCLIRequest(t testing.TB, creds Credentials, region, service string, at time.Time) (*http.Request, []byte) {
	t.Helper()
	r := cliRequest(t, cliBody)
	Sign(r, []byte(cliBody), creds, region, service, at)
	return toServer(t, r)
}

// TestVerifyAcceptsSignedRequests: requests signed by Sign, sent over the wire, verify, and the Result says who
// signed what.
func TestVerifyAcceptsSignedRequests(t *testing.T) {
	cases := []struct {
		name    string
		creds   Credentials
		method  string
		url     string
		body    string
		headers map[string]string
		at      time.Time
		service string
		want    Result
	}{
		{name: "AWS CLI IAM POST with a long-term key", creds: userCreds, method: "POST", url: "https://iam.amazonaws.com/", body: cliBody,
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "amz-sdk-request": "attempt=1"},
			at:      testNow(), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"amz-sdk-request", "content-type", "host", "x-amz-date"}, Identity: "user/alice"}},
		{name: "STS POST with a temporary key and its session token", creds: tempCreds, method: "POST", url: "https://sts.amazonaws.com/", body: "Action=GetCallerIdentity&Version=2011-06-15",
			headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
			at:      testNow(), service: "sts",
			want: Result{AccessKeyID: tempKeyID, Region: "us-east-1", Service: "sts", SignedHeaders: []string{"content-type", "host", "x-amz-date", "x-amz-security-token"}, Identity: "assumed-role/admin/session"}},
		{name: "GET with a query needing encoding", creds: userCreds, method: "GET",
			url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa%20b%2F&Marker=x%2By%3D%3D&Z=%E1%88%B4&empty=&flag",
			at:  testNow(), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"host", "x-amz-date"}, Identity: "user/alice"}},
		{name: "path with spaces, escapes and dot segments", creds: userCreds, method: "GET", url: "https://iam.amazonaws.com/a%20b/./c%2Fd/../%E1%88%B4/",
			at: testNow(), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"host", "x-amz-date"}, Identity: "user/alice"}},
		{name: "host with a port and repeated header values", creds: userCreds, method: "POST", url: "http://127.0.0.1:8080/", body: cliBody,
			headers: map[string]string{"X-Custom": "  a   b\t c  "}, at: testNow(), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"host", "x-amz-date", "x-custom"}, Identity: "user/alice"}},
		{name: "Content-Length signed, as some SDKs sign it", creds: userCreds, method: "POST", url: "https://iam.amazonaws.com/", body: cliBody,
			headers: map[string]string{"Content-Length": "78", "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, at: testNow(), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"content-length", "content-type", "host", "x-amz-date"}, Identity: "user/alice"}},
		{name: "fifteen minutes behind the server is still current", creds: userCreds, method: "POST", url: "https://iam.amazonaws.com/", body: cliBody,
			at: testNow().Add(-15 * time.Minute), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"host", "x-amz-date"}, Identity: "user/alice"}},
		{name: "fifteen minutes ahead of the server is still current", creds: userCreds, method: "POST", url: "https://iam.amazonaws.com/", body: cliBody,
			at: testNow().Add(15 * time.Minute), service: "iam",
			want: Result{AccessKeyID: userKeyID, Region: "us-east-1", Service: "iam", SignedHeaders: []string{"host", "x-amz-date"}, Identity: "user/alice"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range c.headers {
				r.Header.Set(k, v)
			}
			Sign(r, []byte(c.body), c.creds, "us-east-1", c.service, c.at)
			sr, body := toServer(t, r)
			res, err := testVerifier().Verify(context.Background(), sr, body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			c.want.Date = c.at
			if res.AccessKeyID != c.want.AccessKeyID || res.Region != c.want.Region || res.Service != c.want.Service ||
				!res.Date.Equal(c.want.Date) || strings.Join(res.SignedHeaders, ";") != strings.Join(c.want.SignedHeaders, ";") ||
				res.Presigned || res.UnsignedPayload || res.Identity != c.want.Identity {
				t.Errorf("result %+v\nwant %+v", *res, c.want)
			}
		})
	}
}

// TestVerifyAcceptsPresignedURLs: URLs made by Presign verify, with or without a session token and extra signed
// headers, until they expire.
func TestVerifyAcceptsPresignedURLs(t *testing.T) {
	cases := []struct {
		name    string
		creds   Credentials
		url     string
		header  map[string]string
		at      time.Time
		expires time.Duration
	}{
		{"GetCallerIdentity with a long-term key", userCreds, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil, testNow(), 15 * time.Minute},
		{"GetCallerIdentity with a session token", tempCreds, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil, testNow().Add(-time.Minute), 60 * time.Second},
		{"an extra signed header, as EKS tokens sign x-k8s-aws-id", tempCreds, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", map[string]string{"x-k8s-aws-id": "my-cluster"}, testNow(), 60 * time.Second},
		{"a week-long URL used within the clock window", userCreds, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil, testNow().Add(-14 * time.Minute), 7 * 24 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, c.url, nil)
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			u, err := Presign(r, c.creds, "us-east-1", "sts", c.at, c.expires)
			if err != nil {
				t.Fatal(err)
			}
			if r.URL.String() != c.url {
				t.Errorf("Presign changed the request's URL to %s", r.URL)
			}
			get, _ := http.NewRequest(http.MethodGet, u, nil)
			for k, v := range c.header {
				get.Header.Set(k, v)
			}
			sr, body := toServer(t, get)
			res, err := testVerifier().Verify(context.Background(), sr, body)
			if err != nil {
				t.Fatalf("Verify(%s): %v", u, err)
			}
			if !res.Presigned || res.AccessKeyID != c.creds.AccessKeyID || res.Service != "sts" || !res.Date.Equal(c.at) {
				t.Errorf("result %+v", *res)
			}
		})
	}
}

// TestVerifyReadsHTTPDateWhenNoXAmzDate: a request dated by the Date header alone verifies, the string to sign
// carrying the date in ISO 8601.
func TestVerifyReadsHTTPDateWhenNoXAmzDate(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	r.Header.Set("Date", testNow().Format(http.TimeFormat))
	amzDate := formatAmzDate(testNow())
	cr := appendCanonicalRequest(nil, r, "GET", r.URL.EscapedPath(), r.URL.RawQuery, false, "date;host", "", nil)
	sig := signature(userSecret, amzDate, "us-east-1", "iam", cr)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+userKeyID+"/20250101/us-east-1/iam/aws4_request, SignedHeaders=date;host, Signature="+string(appendHex(nil, sig[:])))
	sr, body := toServer(t, r)
	if _, err := testVerifier().Verify(context.Background(), sr, body); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// TestVerifyUnsignedPayload: X-Amz-Content-Sha256: UNSIGNED-PAYLOAD leaves the body out of the signature only
// where the Verifier allows it (an S3-style service), and Result says so; elsewhere (IAM, STS, Organizations) it,
// a streaming value and any hash but the body's are refused, so a body swapped after signing never runs. A
// declared hash must match the body either way.
func TestVerifyUnsignedPayload(t *testing.T) {
	swapped := []byte("Action=DeleteUser&UserName=bob")
	for _, c := range []struct {
		name    string
		allow   bool
		payload string
		wantErr bool
	}{
		{"UNSIGNED-PAYLOAD is refused by default", false, unsignedPayload, true},
		{"UNSIGNED-PAYLOAD is accepted where allowed", true, unsignedPayload, false},
		{"a streaming payload is refused by default", false, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", true},
		{"a streaming payload is refused where unsigned payloads are allowed", true, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := cliRequest(t, cliBody)
			r.Header.Set("X-Amz-Content-Sha256", c.payload)
			Sign(r, nil, userCreds, "us-east-1", "iam", testNow())
			sr, _ := toServer(t, r)
			v := testVerifier()
			v.AllowUnsignedPayload = c.allow
			res, err := v.Verify(context.Background(), sr, swapped)
			if c.wantErr {
				if code(err) != CodeSignatureDoesNotMatch {
					t.Fatalf("Verify = %+v, %v; want SignatureDoesNotMatch", res, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !res.UnsignedPayload {
				t.Error("UnsignedPayload not reported")
			}
		})
	}

	r := cliRequest(t, cliBody)
	r.Header.Set("X-Amz-Content-Sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e") // SHA-256 of "Param1=value1"
	Sign(r, []byte(cliBody), userCreds, "us-east-1", "iam", testNow())
	sr, body := toServer(t, r)
	if _, err := testVerifier().Verify(context.Background(), sr, body); code(err) != CodeSignatureDoesNotMatch {
		t.Errorf("a declared payload hash that is not the body's: %v", err)
	}
	if _, err := testVerifier().Verify(context.Background(), sr, []byte("Param1=value1")); err != nil {
		t.Errorf("a declared payload hash that is the body's: %v", err)
	}
}

// TestVerifyForNamesTheAPIsService: VerifyFor refuses a scope for another service, even one the Verifier lists,
// with AWS's message naming the API's service.
func TestVerifyForNamesTheAPIsService(t *testing.T) {
	for _, c := range []struct{ signed, want, message string }{
		{"iam", "iam", ""},
		{"sts", "sts", ""},
		{"sts", "iam", "Credential should be scoped to correct service: 'iam'. "},
		{"iam", "sts", "Credential should be scoped to correct service: 'sts'. "},
	} {
		r, body := signedCLIRequest(t, userCreds, "us-east-1", c.signed, testNow())
		res, err := testVerifier().VerifyFor(context.Background(), r, body, c.want)
		if c.message == "" {
			if err != nil || res.Service != c.signed {
				t.Errorf("signed for %s, verified for %s: %+v, %v", c.signed, c.want, res, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeSignatureDoesNotMatch || e.Message != c.message || e.HTTPStatus != 403 {
			t.Errorf("signed for %s, verified for %s: %v; want %q", c.signed, c.want, err, c.message)
		}
	}
}

// TestVerifyRefusesDuplicatedSignatureHeaders: a second Authorization, X-Amz-Date, X-Amz-Security-Token or
// X-Amz-Content-Sha256 header is refused as IncompleteSignature, whichever value was signed.
func TestVerifyRefusesDuplicatedSignatureHeaders(t *testing.T) {
	for _, name := range []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"} {
		t.Run(name, func(t *testing.T) {
			r, body := signedCLIRequest(t, tempCreds, "us-east-1", "iam", testNow())
			first := r.Header.Get(name)
			if first == "" {
				first = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
			}
			r.Header[name] = []string{first, first}
			_, err := testVerifier().Verify(context.Background(), r, body)
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeIncompleteSignature || e.HTTPStatus != 400 || !strings.Contains(e.Message, name) {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// errorCase is a request that must fail, the way AWS fails it.
type errorCase struct {
	name    string
	request func(t *testing.T) (*http.Request, []byte)
	code    string
	status  int
	message string // exact, unless prefix is set
	prefix  bool
}

func replaceAuth(old, new string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

// signedThen signs the CLI request with creds for region and service at the time, applies edit to the client
// request after signing, and sends it.
func signedThen(creds Credentials, region, service string, at time.Time, edit func(*http.Request)) func(t *testing.T) (*http.Request, []byte) {
	return func(t *testing.T) (*http.Request, []byte) {
		r := cliRequest(t, cliBody)
		Sign(r, []byte(cliBody), creds, region, service, at)
		if edit != nil {
			edit(r)
		}
		return toServer(t, r)
	}
}

func presignedThen(creds Credentials, at time.Time, expires time.Duration, edit func(u string) string) func(t *testing.T) (*http.Request, []byte) {
	return func(t *testing.T) (*http.Request, []byte) {
		r, _ := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		u, err := Presign(r, creds, "us-east-1", "sts", at, expires)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			u = edit(u)
		}
		get, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return toServer(t, get)
	}
}

func rawRequest(method, target string, header map[string]string, body string) func(t *testing.T) (*http.Request, []byte) {
	return func(t *testing.T) (*http.Request, []byte) {
		r, err := http.NewRequest(method, "https://"+testIAMHost+target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			r.Header.Set(k, v)
		}
		return toServer(t, r)
	}
}

func setQuery(key, value string) func(u string) string {
	return func(u string) string {
		pu, _ := url.Parse(u)
		var parts []string
		for _, kv := range strings.Split(pu.RawQuery, "&") {
			if k, _, _ := strings.Cut(kv, "="); k != key {
				parts = append(parts, kv)
			}
		}
		pu.RawQuery = strings.Join(append(parts, key+"="+value), "&")
		return pu.String()
	}
}

const validAuthTail = ", SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"

// TestVerifyRejectsLikeAWS: every failure gets AWS's code, HTTP status and message, and no message carries a
// secret or a session token.
func TestVerifyRejectsLikeAWS(t *testing.T) {
	now := testNow()
	amzNow := formatAmzDate(now)
	cases := []errorCase{
		{name: "a request with no signature is MissingAuthenticationToken",
			request: rawRequest("POST", "/", nil, cliBody), code: CodeMissingAuthenticationToken, status: 403,
			message: "Request is missing Authentication Token"},
		{name: "an Authorization header of another scheme is MissingAuthenticationToken",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "X-Amz-Date": amzNow}, ""),
			code:    CodeMissingAuthenticationToken, status: 403, message: "Request is missing Authentication Token"},
		{name: "an Authorization header and a presigned query together are refused",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" }),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{name: "missing header parameters are listed together with the header",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=ABCDEF", "X-Amz-Date": amzNow}, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF"},
		{name: "a missing date is listed with the missing parameters",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256"}, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256"},
		{name: "a header component without an equal sign is named",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential= " + userKeyID + "/20250101/us-east-1/iam/aws4_request" + validAuthTail, "X-Amz-Date": amzNow}, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "'" + userKeyID + "/20250101/us-east-1/iam/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential= " + userKeyID + "/20250101/us-east-1/iam/aws4_request" + validAuthTail + "'."},
		{name: "missing presigned parameters are listed together",
			request: rawRequest("GET", "/?Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256", nil, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{name: "a date not in ISO 8601 basic format is IncompleteSignature",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=" + userKeyID + "/20250101/us-east-1/iam/aws4_request" + validAuthTail, "X-Amz-Date": "201"}, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "a request signed more than 15 minutes ago has expired",
			request: signedThen(userCreds, "us-east-1", "iam", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), nil),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Signature expired: 20250101T000000Z is now earlier than 20250101T001500Z (20250101T003000Z - 15 min.)"},
		{name: "a request dated more than 15 minutes ahead is not yet current",
			request: signedThen(userCreds, "us-east-1", "iam", time.Date(2025, 1, 1, 1, 0, 0, 0, time.UTC), nil),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Signature not yet current: 20250101T010000Z is still later than 20250101T004500Z (20250101T003000Z + 15 min.)"},
		{name: "a signature that does not sign host is refused",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=" + userKeyID + "/20250101/us-east-1/iam/aws4_request, SignedHeaders=x-amz-date, Signature=00", "X-Amz-Date": amzNow}, ""),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{name: "another algorithm is unsupported",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA512 Credential=" + userKeyID + "/20250101/us-east-1/iam/aws4_request" + validAuthTail, "X-Amz-Date": amzNow}, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{name: "a credential without five elements is IncompleteSignature",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d" + validAuthTail, "X-Amz-Date": amzNow}, ""),
			code:    CodeIncompleteSignature, status: 400,
			message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"},
		{name: "a credential scoped to another region is refused",
			request: signedThen(userCreds, "us-west-2", "iam", now, nil), code: CodeSignatureDoesNotMatch, status: 403,
			message: "Credential should be scoped to a valid region, not 'us-west-2'. "},
		{name: "a credential scoped to another service is refused, naming the expected one",
			request: signedThen(userCreds, "us-east-1", "ec2", now, nil), code: CodeSignatureDoesNotMatch, status: 403,
			message: "Credential should be scoped to correct service: 'iam'. "},
		{name: "a credential scope with another terminator is refused",
			request: signedThen(userCreds, "us-east-1", "iam", now, replaceAuth("/aws4_request", "/aws5_request")),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "},
		{name: "a credential scope date that is not the request's date is refused",
			request: signedThen(userCreds, "us-east-1", "iam", now, replaceAuth("/20250101/", "/20241231/")),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20241231' != '20250101', from '20250101T003000Z'. "},
		{name: "all credential scope faults are reported together",
			request: rawRequest("GET", "/", map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=" + userKeyID + "/b/c/d/e" + validAuthTail, "X-Amz-Date": amzNow}, ""),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'iam'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20250101', from '20250101T003000Z'. "},
		{name: "an unknown access key is InvalidClientTokenId",
			request: signedThen(Credentials{AccessKeyID: "AKIAUNKNOWNEXAMPLE00", SecretAccessKey: userSecret}, "us-east-1", "iam", now, nil),
			code:    CodeInvalidClientTokenID, status: 403, message: "The security token included in the request is invalid."},
		{name: "a wrong secret does not match",
			request: signedThen(Credentials{AccessKeyID: userKeyID, SecretAccessKey: tempSecret}, "us-east-1", "iam", now, nil),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a tampered body does not match",
			request: func(t *testing.T) (*http.Request, []byte) {
				r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", now)
				return r, bytes.Replace(body, []byte("MaxItems=100"), []byte("MaxItems=999"), 1)
			},
			code: CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a tampered signed header does not match",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) { r.Header.Set("Amz-Sdk-Request", "attempt=2") }),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a tampered query does not match",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) { r.URL.RawQuery = "Action=DeleteUser" }),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a tampered path does not match",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) { r.URL.Path = "/other" }),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a tampered method does not match",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) { r.Method = http.MethodPut }),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a tampered host does not match",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) { r.Host = "sts.amazonaws.com" }),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a signature that is not hex does not match",
			request: signedThen(userCreds, "us-east-1", "iam", now, func(r *http.Request) {
				a := r.Header.Get("Authorization")
				r.Header.Set("Authorization", a[:len(a)-64]+strings.Repeat("z", 64))
			}),
			code: CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a temporary key without its session token is InvalidClientTokenId",
			request: signedThen(Credentials{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret}, "us-east-1", "iam", now, nil),
			code:    CodeInvalidClientTokenID, status: 403, message: "The security token included in the request is invalid."},
		{name: "a temporary key with another session token is InvalidClientTokenId",
			request: signedThen(Credentials{AccessKeyID: tempKeyID, SecretAccessKey: tempSecret, SessionToken: tempToken + "x"}, "us-east-1", "iam", now, nil),
			code:    CodeInvalidClientTokenID, status: 403, message: "The security token included in the request is invalid."},
		{name: "a long-term key sent with a session token is InvalidClientTokenId",
			request: signedThen(Credentials{AccessKeyID: userKeyID, SecretAccessKey: userSecret, SessionToken: tempToken}, "us-east-1", "iam", now, nil),
			code:    CodeInvalidClientTokenID, status: 403, message: "The security token included in the request is invalid."},
		{name: "an expired temporary key is ExpiredToken",
			request: signedThen(expiredCreds, "us-east-1", "iam", now, nil),
			code:    CodeExpiredToken, status: 403, message: "The security token included in the request is expired"},
		{name: "a presigned URL past its X-Amz-Expires has expired",
			request: presignedThen(userCreds, now.Add(-2*time.Minute), time.Minute, nil),
			code:    CodeRequestExpired, status: 400, message: "Request has expired."},
		{name: "a presigned URL older than 15 minutes has expired whatever its X-Amz-Expires",
			request: presignedThen(userCreds, now.Add(-16*time.Minute), time.Hour, nil),
			code:    CodeSignatureDoesNotMatch, status: 403,
			message: "Signature expired: 20250101T001400Z is now earlier than 20250101T001500Z (20250101T003000Z - 15 min.)"},
		{name: "X-Amz-Expires above a week is refused",
			request: presignedThen(userCreds, now, time.Minute, setQuery("X-Amz-Expires", "604801")),
			code:    CodeIncompleteSignature, status: 400, message: "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{name: "a negative X-Amz-Expires is refused",
			request: presignedThen(userCreds, now, time.Minute, setQuery("X-Amz-Expires", "-1")),
			code:    CodeIncompleteSignature, status: 400, message: "X-Amz-Expires must be non-negative"},
		{name: "an X-Amz-Expires that is not a number is refused",
			request: presignedThen(userCreds, now, time.Minute, setQuery("X-Amz-Expires", "1h")),
			code:    CodeIncompleteSignature, status: 400, message: "X-Amz-Expires should be a number"},
		{name: "a zero X-Amz-Expires has expired",
			request: presignedThen(userCreds, now, time.Minute, setQuery("X-Amz-Expires", "0")),
			code:    CodeRequestExpired, status: 400, message: "Request has expired."},
		{name: "a presigned URL with a tampered parameter does not match",
			request: presignedThen(userCreds, now, time.Minute, setQuery("Action", "AssumeRole")),
			code:    CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
		{name: "a presigned URL stripped of its session token does not match",
			request: presignedThen(tempCreds, now, time.Minute, func(u string) string {
				return strings.Replace(u, "&X-Amz-Security-Token="+string(appendEncoded(nil, tempToken)), "", 1)
			}),
			code: CodeSignatureDoesNotMatch, status: 403, message: msgSignatureMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, body := c.request(t)
			res, err := testVerifier().Verify(context.Background(), r, body)
			if err == nil {
				t.Fatalf("Verify accepted the request: %+v", *res)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if e.Code != c.code || e.HTTPStatus != c.status {
				t.Errorf("got %s (%d), want %s (%d): %s", e.Code, e.HTTPStatus, c.code, c.status, e.Message)
			}
			if c.prefix && !strings.HasPrefix(e.Message, c.message) || !c.prefix && e.Message != c.message {
				t.Errorf("message\n%q\nwant\n%q", e.Message, c.message)
			}
			for _, secret := range []string{userSecret, tempSecret, tempToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error reveals a secret: %s", err)
				}
			}
		})
	}
}

type failingStore struct{ err error }

func (f failingStore) LookupKey(context.Context, string) (Key, error) { return Key{}, f.err }

// TestVerifyPassesStoreFailuresOn: a KeyStore failure other than an unknown key is an internal error, not an AWS
// authentication error, and keeps its cause; a wrapped ErrUnknownAccessKey is still InvalidClientTokenId.
func TestVerifyPassesStoreFailuresOn(t *testing.T) {
	cause := errors.New("database is down")
	r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", testNow())
	v := &Verifier{Keys: failingStore{cause}, Now: testNow}
	_, err := v.Verify(context.Background(), r, body)
	if !errors.Is(err, cause) || code(err) != "" {
		t.Errorf("store failure: %v", err)
	}
	v = &Verifier{Keys: failingStore{context.Canceled}, Now: testNow}
	if _, err := v.Verify(context.Background(), r, body); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled lookup: %v", err)
	}
	v = &Verifier{Keys: failingStore{fmt.Errorf("lookup: %w", ErrUnknownAccessKey)}, Now: testNow}
	if _, err := v.Verify(context.Background(), r, body); code(err) != CodeInvalidClientTokenID {
		t.Errorf("wrapped ErrUnknownAccessKey: %v", err)
	}
}

// TestVerifierServicesAndRegionsAreOptional: with no Services or Regions, any scope is accepted and reported.
func TestVerifierServicesAndRegionsAreOptional(t *testing.T) {
	r, body := signedCLIRequest(t, userCreds, "eu-west-3", "organizations", testNow())
	v := &Verifier{Keys: testStore(), Now: testNow}
	res, err := v.Verify(context.Background(), r, body)
	if err != nil {
		t.Fatal(err)
	}
	if res.Region != "eu-west-3" || res.Service != "organizations" {
		t.Errorf("result %+v", *res)
	}
}

// TestPresignRefusesBadLifetimes: Presign takes a whole number of seconds from 1 s to 7 days and a URL not
// already presigned.
func TestPresignRefusesBadLifetimes(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity", nil)
	for _, d := range []time.Duration{0, -time.Second, 500 * time.Millisecond, 1500 * time.Millisecond, 7*24*time.Hour + time.Second} {
		if _, err := Presign(r, userCreds, "us-east-1", "sts", testNow(), d); err == nil {
			t.Errorf("Presign accepted a lifetime of %v", d)
		}
	}
	for _, d := range []time.Duration{time.Second, 7 * 24 * time.Hour} {
		if _, err := Presign(r, userCreds, "us-east-1", "sts", testNow(), d); err != nil {
			t.Errorf("Presign refused a lifetime of %v: %v", d, err)
		}
	}
	signed, _ := Presign(r, userCreds, "us-east-1", "sts", testNow(), time.Minute)
	again, _ := http.NewRequest(http.MethodGet, signed, nil)
	if _, err := Presign(again, userCreds, "us-east-1", "sts", testNow(), time.Minute); err == nil {
		t.Error("Presign signed an already presigned URL")
	}
}

// TestSignReplacesAnEarlierSignature: signing twice (a retry) leaves one valid signature.
func TestSignReplacesAnEarlierSignature(t *testing.T) {
	r := cliRequest(t, cliBody)
	Sign(r, []byte(cliBody), userCreds, "us-east-1", "iam", testNow().Add(-time.Hour))
	Sign(r, []byte(cliBody), userCreds, "us-east-1", "iam", testNow())
	if n := len(r.Header.Values("Authorization")); n != 1 {
		t.Fatalf("%d Authorization headers", n)
	}
	sr, body := toServer(t, r)
	if _, err := testVerifier().Verify(context.Background(), sr, body); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyHoldsAKeyToItsRegions: a key with Regions (its account's partition's) signs for those only; another
// Region, valid for the Verifier, is refused as a Region AWS does not serve, and a key without Regions signs for any.
func TestVerifyHoldsAKeyToItsRegions(t *testing.T) {
	keys := mapStore{userKeyID: {Secret: []byte(userSecret), Regions: []string{"cn-north-1", "cn-northwest-1"}}}
	v := &Verifier{Keys: keys, Now: testNow, Regions: []string{"us-east-1", "cn-north-1", "cn-northwest-1"}}
	for _, tc := range []struct {
		region, wantCode, wantMsg string
	}{
		{"cn-north-1", "", ""},
		{"cn-northwest-1", "", ""},
		{"us-east-1", CodeSignatureDoesNotMatch, "Credential should be scoped to a valid region, not 'us-east-1'. "},
	} {
		r, body := signedCLIRequest(t, userCreds, tc.region, "iam", testNow())
		res, err := v.Verify(context.Background(), r, body)
		if tc.wantCode == "" {
			if err != nil || res.Region != tc.region {
				t.Errorf("%s: %v", tc.region, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.wantCode || e.Message != tc.wantMsg {
			t.Errorf("%s: %v", tc.region, err)
		}
	}
	r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", testNow())
	if _, err := (&Verifier{Keys: testStore(), Now: testNow, Regions: []string{"us-east-1"}}).Verify(context.Background(), r, body); err != nil {
		t.Errorf("a key without Regions: %v", err)
	}
}
