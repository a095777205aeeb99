package server_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// wireRequest is a raw AWS API request: a form-encoded query-protocol call or, with target set, a JSON one.
type wireRequest struct {
	region, service string
	target          string            // X-Amz-Target for the JSON protocol
	signedBody      string            // the body the signature is computed over
	sentBody        string            // the body sent; signedBody when empty
	headers         map[string]string // extra headers, signed (e.g. X-Amz-Content-Sha256)
}

// send signs and sends w with c's key and returns the status and the error code in the answer ("" on success).
func (s *testServer) send(t *testing.T, c creds, w wireRequest) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(w.signedBody))
	if err != nil {
		t.Fatal(err)
	}
	if w.target != "" {
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", w.target)
	} else {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for k, v := range w.headers {
		req.Header.Set(k, v)
	}
	sigv4.Sign(req, []byte(w.signedBody), sigv4.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, w.region, w.service, time.Now())
	if w.sentBody != "" {
		req.Body = io.NopCloser(strings.NewReader(w.sentBody))
		req.ContentLength = int64(len(w.sentBody))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, errorCode(string(body)), string(body)
}

var (
	xmlCode  = regexp.MustCompile(`<Code>([^<]*)</Code>`)
	jsonCode = regexp.MustCompile(`"__type":"([^"]*)"`)
)

// errorCode finds the AWS error code of an XML or JSON error body.
func errorCode(body string) string {
	if m := xmlCode.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	if m := jsonCode.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// mustCall is s.call that fails the test unless the answer is 200.
func (s *testServer) mustCall(t *testing.T, c creds, service string, params url.Values) string {
	t.Helper()
	status, body := s.call(t, c, service, params)
	if status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", service, params.Get("Action"), status, body)
	}
	return body
}

// userWithPolicy creates a user with an access key and an inline policy (when doc is not empty), over the query API.
func (s *testServer) userWithPolicy(t *testing.T, name, doc string) creds {
	t.Helper()
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {name}})
	if doc != "" {
		s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"PutUserPolicy"}, "UserName": {name}, "PolicyName": {"p"}, "PolicyDocument": {doc}})
	}
	var out struct {
		Key struct {
			ID     string `xml:"AccessKeyId"`
			Secret string `xml:"SecretAccessKey"`
		} `xml:"CreateAccessKeyResult>AccessKey"`
	}
	body := s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {name}})
	if err := xml.Unmarshal([]byte(body), &out); err != nil || out.Key.ID == "" {
		t.Fatalf("CreateAccessKey: %v\n%s", err, body)
	}
	return creds{out.Key.ID, out.Key.Secret}
}

// TestUnsignedPayloadCannotCarryASwappedBody: on IAM, STS and Organizations the body is always part of the
// signature. A request signed with X-Amz-Content-Sha256: UNSIGNED-PAYLOAD (or a streaming value) whose body is
// replaced on the way is refused as SignatureDoesNotMatch and runs nothing: the CreateUser that was signed does
// not become a DeleteUser of another user.
func TestUnsignedPayloadCannotCarryASwappedBody(t *testing.T) {
	s := startServer(t)
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"victim"}})
	createMallory := "Action=CreateUser&UserName=mallory&Version=2010-05-08"
	deleteVictim := "Action=DeleteUser&UserName=victim&Version=2010-05-08"
	cases := []struct {
		name    string
		req     wireRequest
		code    string
		wantErr bool
	}{
		{name: "IAM CreateUser swapped for DeleteUser", req: wireRequest{region: "us-east-1", service: "iam", signedBody: createMallory, sentBody: deleteVictim,
			headers: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}}, code: "SignatureDoesNotMatch"},
		{name: "IAM DeleteUser signed with UNSIGNED-PAYLOAD, body unchanged", req: wireRequest{region: "us-east-1", service: "iam", signedBody: deleteVictim,
			headers: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}}, code: "SignatureDoesNotMatch"},
		{name: "IAM with a streaming payload", req: wireRequest{region: "us-east-1", service: "iam", signedBody: deleteVictim,
			headers: map[string]string{"X-Amz-Content-Sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}}, code: "SignatureDoesNotMatch"},
		{name: "STS GetSessionToken swapped", req: wireRequest{region: "us-east-1", service: "sts",
			signedBody: "Action=GetCallerIdentity&Version=2011-06-15", sentBody: "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900",
			headers: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}}, code: "SignatureDoesNotMatch"},
		{name: "Organizations CreateOrganization swapped", req: wireRequest{region: "us-east-1", service: "organizations", target: "AWSOrganizationsV20161128.CreateOrganization",
			signedBody: `{"FeatureSet":"CONSOLIDATED_BILLING"}`, sentBody: `{"FeatureSet":"ALL"}    `,
			headers: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}}, code: "InvalidSignatureException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code, body := s.send(t, rootCreds, c.req)
			if status != http.StatusForbidden || code != c.code {
				t.Fatalf("answer %d %s, want 403 %s\n%s", status, code, c.code, body)
			}
		})
	}
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"GetUser"}, "UserName": {"victim"}}); status != http.StatusOK {
		t.Fatalf("victim is gone: %d %s", status, body)
	}
	if status, _ := s.call(t, rootCreds, "iam", url.Values{"Action": {"GetUser"}, "UserName": {"mallory"}}); status != http.StatusNotFound {
		t.Fatalf("mallory was created: %d", status)
	}
	// The body's own hash in the header is a signed payload and works.
	sum := sha256Hex(deleteVictim)
	if status, code, body := s.send(t, rootCreds, wireRequest{region: "us-east-1", service: "iam", signedBody: deleteVictim,
		headers: map[string]string{"X-Amz-Content-Sha256": sum}}); status != http.StatusOK {
		t.Fatalf("a declared hash that is the body's: %d %s\n%s", status, code, body)
	}
}

// TestCredentialScopeRegionAndService: a request must be signed for the API it calls, in a Region that exists.
// IAM's aws:RequestedRegion is us-east-1 whatever Region the client signed for (IAM is a global service); STS's is
// the Region the request was signed for.
func TestCredentialScopeRegionAndService(t *testing.T) {
	s := startServer(t)
	alice := s.userWithPolicy(t, "alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
		{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}},
		{"Effect":"Allow","Action":"sts:GetAccessKeyInfo","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`)
	listUsers := "Action=ListUsers&Version=2010-05-08"
	getUser := "Action=GetUser&Version=2010-05-08"
	sessionToken := "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=" + alice.id
	cases := []struct {
		name    string
		req     wireRequest
		status  int
		code    string
		message string
	}{
		{name: "IAM signed for eu-west-1 is requested in us-east-1: a policy wanting eu-west-1 denies",
			req: wireRequest{region: "eu-west-1", service: "iam", signedBody: listUsers}, status: 403, code: "AccessDenied"},
		{name: "IAM signed for eu-west-1 is requested in us-east-1: a policy wanting us-east-1 allows",
			req: wireRequest{region: "eu-west-1", service: "iam", signedBody: getUser}, status: 200},
		{name: "STS signed for eu-west-1 is requested in eu-west-1",
			req: wireRequest{region: "eu-west-1", service: "sts", signedBody: sessionToken}, status: 200},
		{name: "STS signed for us-east-1 is requested in us-east-1",
			req: wireRequest{region: "us-east-1", service: "sts", signedBody: sessionToken}, status: 403, code: "AccessDenied"},
		{name: "a Region that does not exist is refused",
			req: wireRequest{region: "xx-fake-9", service: "iam", signedBody: getUser}, status: 403, code: "SignatureDoesNotMatch",
			message: "Credential should be scoped to a valid region, not 'xx-fake-9'. "},
		{name: "an IAM action signed for sts is refused",
			req: wireRequest{region: "us-east-1", service: "sts", signedBody: getUser}, status: 403, code: "SignatureDoesNotMatch",
			message: "Credential should be scoped to correct service: 'iam'. "},
		{name: "an STS action signed for iam is refused",
			req: wireRequest{region: "us-east-1", service: "iam", signedBody: "Action=GetCallerIdentity&Version=2011-06-15"}, status: 403, code: "SignatureDoesNotMatch",
			message: "Credential should be scoped to correct service: 'sts'. "},
		{name: "an IAM action signed for organizations is refused",
			req: wireRequest{region: "us-east-1", service: "organizations", signedBody: getUser}, status: 403, code: "SignatureDoesNotMatch",
			message: "Credential should be scoped to correct service: 'iam'. "},
		{name: "an Organizations call signed for iam is refused",
			req:    wireRequest{region: "us-east-1", service: "iam", target: "AWSOrganizationsV20161128.DescribeOrganization", signedBody: "{}"},
			status: 403, code: "InvalidSignatureException", message: "Credential should be scoped to correct service: 'organizations'. "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, code, body := s.send(t, alice, c.req)
			if status != c.status || code != c.code || c.message != "" && !strings.Contains(body, c.message) {
				t.Fatalf("answer %d %s, want %d %s %q\n%s", status, code, c.status, c.code, c.message, body)
			}
		})
	}
}

// seriesLabel matches one label of a Prometheus text-format sample.
var seriesLabel = regexp.MustCompile(`(\w+)="([^"]*)"`)

// TestMetricsStayBoundedUnderUnauthenticatedJunk: requests without a credential, naming thousands of made-up
// actions and targets, add no label value to /metrics beyond "unknown": only the models' operations are labels.
func TestMetricsStayBoundedUnderUnauthenticatedJunk(t *testing.T) {
	s := startServer(t)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	junk := func(i int) string { return fmt.Sprintf("Junk%d%x", i, rand.Uint64()) }
	for i := range 2000 {
		var req *http.Request
		switch i % 4 {
		case 0: // the query protocol, POST
			req, _ = http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader("Action="+junk(i)+"&Version=2010-05-08"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		case 1: // the query protocol, GET, STS's version
			req, _ = http.NewRequest(http.MethodGet, s.URL+"/?Action="+junk(i)+"&Version=2011-06-15", nil)
		case 2: // Organizations' prefix, a made-up operation
			req, _ = http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader("{}"))
			req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+junk(i))
		case 3: // a made-up service
			req, _ = http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader("{}"))
			req.Header.Set("X-Amz-Target", junk(i)+"."+junk(i))
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	resp, err := client.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	values := map[string]map[string]bool{} // label name → values seen on iamd_ series
	series := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "iamd_") {
			continue
		}
		series++
		for _, m := range seriesLabel.FindAllStringSubmatch(line, -1) {
			if values[m[1]] == nil {
				values[m[1]] = map[string]bool{}
			}
			values[m[1]][m[2]] = true
		}
	}
	for name, vals := range values {
		leaked := 0
		for v := range vals {
			if strings.Contains(v, "Junk") {
				leaked++
			}
		}
		if leaked > 0 {
			t.Errorf("label %s took %d values from the requests", name, leaked)
		}
	}
	if got := values["action"]; len(got) != 1 || !got["unknown"] {
		t.Errorf("%d action label values, want only unknown", len(got))
	}
	if got := values["service"]; len(got) > 4 {
		t.Errorf("service labels %v", got)
	}
	// requests_total: ≤ 4 services × 1 action × 5 outcomes; the histogram: that many series × (13 buckets + 3).
	if series > 4*5+4*16 {
		t.Errorf("%d iamd_ series after 2,000 junk requests", series)
	}
}

// rawConn dials the server.
func (s *testServer) rawConn(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads from c until the server closes it (EOF or reset) and reports whether it did within d.
func closedWithin(c net.Conn, d time.Duration) (bool, string) {
	c.SetReadDeadline(time.Now().Add(d))
	got, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, string(got)
	}
	return true, string(got)
}

// TestSlowBodyIsCutOffAfterTheBodyTimeout: a client sending its body a byte at a time no longer holds its
// connection past the body timeout.
func TestSlowBodyIsCutOffAfterTheBodyTimeout(t *testing.T) {
	s := startTunedServer(t, func(srv *server.Server) { srv.Timeouts.Body = time.Second })
	c := s.rawConn(t)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: iamd\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range 30 { // 30 bytes, one every 200 ms: 6 s, were it let through
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := c.Write([]byte("A")); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	if closed, got := closedWithin(c, 5*time.Second); !closed {
		t.Fatalf("the connection was still open after %v; read %q", time.Since(start), got)
	}
}

// TestIdleKeepAliveConnectionIsClosed: a keep-alive connection that sends nothing after its request is closed
// after the idle timeout.
func TestIdleKeepAliveConnectionIsClosed(t *testing.T) {
	s := startTunedServer(t, func(srv *server.Server) { srv.Timeouts.Idle = time.Second })
	c := s.rawConn(t)
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: iamd\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = br.ReadByte()
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("an idle keep-alive connection was still open after %v", time.Since(start))
	}
	if err == nil {
		t.Fatal("the server sent more on an idle connection")
	}
}

// TestHealthzAnswersWhileManyConnectionsHoldBodies: with more clients stuck sending bodies than iamd reads at once,
// /healthz still answers 200, a further API request is answered at once with 503 ServiceUnavailable in AWS's
// shape (no unbounded queue), and the held connections are cut off at the body timeout.
func TestHealthzAnswersWhileManyConnectionsHoldBodies(t *testing.T) {
	const slots, held = 16, 24 // more clients than the server reads at once
	s := startTunedServer(t, func(srv *server.Server) {
		// Long enough that, on a loaded machine, every slot is still held when the last connection is taken in:
		// the window in which an API request finds no slot runs from then until the first body times out.
		srv.Timeouts.Body = 8 * time.Second
		srv.MaxUnauthenticated = slots
	})
	conns := make([]net.Conn, 0, held)
	for range held {
		c := s.rawConn(t)
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: iamd\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction=")
		conns = append(conns, c)
	}
	// Once the server has taken them in and every slot is held, an API request finds no slot.
	for deadline := time.Now().Add(8 * time.Second); server.AdmissionInUse(s.srv) < slots && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := server.AdmissionInUse(s.srv); n < slots {
		t.Fatalf("the held connections took %d of %d slots", n, slots)
	}
	var status int
	var body string
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if status, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"ListUsers"}}); status != http.StatusOK {
			break
		}
	}
	if status != http.StatusServiceUnavailable || errorCode(body) != "ServiceUnavailable" {
		t.Fatalf("an API request with every slot held (%d taken): %d %s", server.AdmissionInUse(s.srv), status, body)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
	// The held connections are answered or closed at the body timeout; then the API serves again.
	for _, c := range conns {
		if closed, got := closedWithin(c, 15*time.Second); !closed {
			t.Fatalf("a held connection stayed open; read %q", got)
		}
	}
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"ListUsers"}}); status != http.StatusOK {
		t.Fatalf("after the held connections: %d %s", status, body)
	}
}

// TestChunkedRequestWithContentLengthIsRefusedAndClosed: a request with both Content-Length and
// Transfer-Encoding (a request-smuggling shape, RFC 9112 §6.1) is answered 400 and its connection closed, so a
// request smuggled behind it is never read.
func TestChunkedRequestWithContentLengthIsRefusedAndClosed(t *testing.T) {
	s := startServer(t)
	c := s.rawConn(t)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: iamd\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n"+
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: iamd\r\n\r\n")
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !resp.Close {
		t.Fatalf("answer %d, close %v; want 400 and the connection closed", resp.StatusCode, resp.Close)
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
		t.Fatalf("after the refusal: %q, %v (the smuggled request was answered?)", rest, err)
	}
}

// TestDuplicateAuthorizationHeaderIsRefused: a request carrying two Authorization headers is refused, even when
// the first one is a valid signature.
func TestDuplicateAuthorizationHeaderIsRefused(t *testing.T) {
	s := startServer(t)
	body := "Action=ListUsers&Version=2010-05-08"
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), sigv4.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, "us-east-1", "iam", time.Now())
	auth := req.Header.Get("Authorization")
	for _, second := range []string{auth, "AWS4-HMAC-SHA256 Credential=AKIAOTHER/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00"} {
		req.Header["Authorization"] = []string{auth, second}
		c := s.rawConn(t)
		if err := req.Write(c); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || errorCode(string(out)) != "IncompleteSignature" {
			t.Fatalf("two Authorization headers: %d %s", resp.StatusCode, out)
		}
		req.Body = io.NopCloser(strings.NewReader(body))
	}
}

// TestDecisionAPIKeepsUnsignedPayloadForOtherServicesOnly: /verify still authenticates a request signed for S3 with
// UNSIGNED-PAYLOAD (legitimate there), while a decision API call of its own signed that way is refused.
func TestDecisionAPIKeepsUnsignedPayloadForOtherServicesOnly(t *testing.T) {
	s := startServer(t)
	svc := s.userWithPolicy(t, "storage-service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)
	alice := s.userWithPolicy(t, "alice", "")

	put, _ := http.NewRequest(http.MethodPut, "https://bucket.s3.amazonaws.com/key", strings.NewReader("object bytes"))
	put.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	sigv4.Sign(put, nil, sigv4.Credentials{AccessKeyID: alice.id, SecretAccessKey: alice.secret}, "us-east-1", "s3", time.Now())
	headers := map[string][]string{"Host": {put.URL.Host}}
	for k, v := range put.Header {
		headers[k] = v
	}
	described, _ := json.Marshal(map[string]any{"service": "s3", "method": "PUT", "url": put.URL.String(), "headers": headers,
		"bodySHA256": sha256Hex("object bytes")})

	call := func(payloadHash string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/iamd/v1/verify", bytes.NewReader(described))
		req.Header.Set("Content-Type", "application/json")
		if payloadHash != "" {
			req.Header.Set("X-Amz-Content-Sha256", payloadHash)
		}
		sigv4.Sign(req, described, sigv4.Credentials{AccessKeyID: svc.id, SecretAccessKey: svc.secret}, "us-east-1", "iamd", time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if status, out := call(""); status != http.StatusOK || out["authenticated"] != true || out["accessKeyId"] != alice.id {
		t.Fatalf("/verify of an S3 request with UNSIGNED-PAYLOAD: %d %v", status, out)
	}
	if status, out := call("UNSIGNED-PAYLOAD"); status != http.StatusForbidden || out["code"] != "SignatureDoesNotMatch" {
		t.Fatalf("a /verify call signed with UNSIGNED-PAYLOAD: %d %v", status, out)
	}

	// A described request to IAM, STS or Organizations is held to its body, as those APIs hold it: UNSIGNED-PAYLOAD
	// does not authenticate it through /verify either.
	for _, api := range []struct{ service, body string }{
		{"iam", "Action=ListUsers&Version=2010-05-08"},
		{"sts", "Action=GetCallerIdentity&Version=2011-06-15"},
		{"organizations", "{}"},
	} {
		r, _ := http.NewRequest(http.MethodPost, "https://"+api.service+".amazonaws.com/", strings.NewReader(api.body))
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		sigv4.Sign(r, nil, sigv4.Credentials{AccessKeyID: alice.id, SecretAccessKey: alice.secret}, "us-east-1", api.service, time.Now())
		hs := map[string][]string{"Host": {r.URL.Host}}
		for k, v := range r.Header {
			hs[k] = v
		}
		described, _ = json.Marshal(map[string]any{"service": api.service, "method": "POST", "url": r.URL.String(), "headers": hs,
			"bodySHA256": sha256Hex(api.body)})
		if status, out := call(""); status == http.StatusOK && out["authenticated"] == true {
			t.Fatalf("/verify authenticated a %s request signed with UNSIGNED-PAYLOAD: %v", api.service, out)
		}
	}
}
