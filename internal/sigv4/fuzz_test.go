package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// verifyNeverPanics runs Verify on r and checks that any error is an *Error: the fuzzed store fails only with
// ErrUnknownAccessKey, so anything else would be a crash in disguise.
func verifyNeverPanics(t *testing.T, r *http.Request, body []byte) {
	t.Helper()
	_, err := testVerifier().Verify(context.Background(), r, body)
	var e *Error
	if err != nil && !errors.As(err, &e) {
		t.Fatalf("Verify returned a non-AWS error: %v", err)
	}
	if e != nil && (e.Code == "" || e.Message == "" || (e.HTTPStatus != 400 && e.HTTPStatus != 403)) {
		t.Fatalf("malformed error %+v", e)
	}
}

// FuzzParseAuthorizationHeader: any Authorization header parses or fails without panicking; what parses
// re-renders to the same parameters; and Verify answers it with an AWS error or a success.
func FuzzParseAuthorizationHeader(f *testing.F) {
	for _, c := range suiteCases {
		f.Add("AWS4-HMAC-SHA256 Credential=" + suiteAccessKeyID + "/" + suiteScope + ", SignedHeaders=" + c.signedHeaders + ", Signature=" + c.signature)
	}
	for _, s := range []string{
		"", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=ABCDEF", "AWS4-HMAC-SHA256 Credential= a/b, SignedHeaders=host, Signature=x",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/,,, SignedHeaders=host;x-amz-date,Signature=00", "Bearer x", "AWS4-X Credential==",
		"AWS4-HMAC-SHA256 Credential=" + userKeyID + "/20250101/us-east-1/iam/aws4_request,SignedHeaders=host,Signature=" + strings.Repeat("a", 64),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorizationHeader(h)
		if err != nil {
			if err.Code != CodeIncompleteSignature {
				t.Fatalf("parse error %+v", err)
			}
		} else if a.credential != "" && a.signedHeaders != "" && a.signature != "" && a.algorithm != "" {
			again, err := parseAuthorizationHeader(a.algorithm + " Credential=" + a.credential + ", SignedHeaders=" + a.signedHeaders + ", Signature=" + a.signature)
			if err != nil || again != a {
				t.Fatalf("re-rendered header parses to %+v, %v; want %+v", again, err, a)
			}
			if sc, err := parseCredential(a.credential); err == nil {
				if strings.Join([]string{sc.accessKeyID, sc.date, sc.region, sc.service, sc.terminator}, "/") != strings.TrimRight(a.credential, "/") {
					t.Fatalf("credential %q splits to %+v", a.credential, sc)
				}
			}
		}
		if strings.ContainsAny(h, "\r\n\x00") {
			return
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/"}, RequestURI: "/", Host: testIAMHost, Header: http.Header{
			"Authorization": {h}, "X-Amz-Date": {formatAmzDate(testNow())},
		}}
		verifyNeverPanics(t, r, nil)
	})
}

// FuzzPresignedQuery: any query string is read as presigned parameters (or refused) without panicking, Verify
// answers it with an AWS error or a success, and the canonical query of a canonical query is itself (the form is
// a fixed point: sorted, each byte encoded exactly once).
func FuzzPresignedQuery(f *testing.F) {
	for _, s := range []string{
		"", "Param2=value2&Param1=value1", "c+d", "a=%zz&b=%4", "X-Amz-Algorithm=AWS4-HMAC-SHA256",
		"Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + userKeyID + "%2F20250101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20250101T003000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("0", 64),
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Date=x&X-Amz-Expires=-9999999999999999999999&X-Amz-SignedHeaders=host&X-Amz-Signature=1",
		"%E1%88%B4=bar&=&&k=v=w",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if a, err := parsePresignedQuery(q); err == nil {
			_, _ = parseCredential(a.credential)
		}
		for _, plus := range []bool{true, false} {
			once := appendCanonicalQuery(nil, q, false, plus)
			twice := appendCanonicalQuery(nil, string(once), false, plus)
			if !bytes.Equal(once, twice) {
				t.Fatalf("canonical query of %q is %q, and of that %q", q, once, twice)
			}
			for _, c := range once {
				if !unreserved(c) && c != '%' && c != '=' && c != '&' {
					t.Fatalf("canonical query %q has %q", once, c)
				}
			}
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/", RawQuery: q}, RequestURI: "/?" + q, Host: testIAMHost, Header: http.Header{}}
		verifyNeverPanics(t, r, nil)
	})
}

// FuzzCanonicalURI: any path canonicalises without panicking to an absolute path of encoded segments, with no
// empty, "." or ".." segment; for a path that needs no encoding, canonicalising is idempotent.
func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{"", "/", "//", "/./", "/example/..", "/example1/example2/../..", "//example//", "/./example",
		"/example space/", "/%E1%88%B4", "/a%2Fb/../c", "..", "/../../x", "a/b/.", "/~-._"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := appendCanonicalURI(nil, p)
		if len(got) == 0 || got[0] != '/' {
			t.Fatalf("canonical URI of %q is %q", p, got)
		}
		inner := strings.TrimSuffix(string(got[1:]), "/")
		if inner != "" {
			for _, seg := range strings.Split(inner, "/") {
				if seg == "" || seg == "." || seg == ".." {
					t.Fatalf("canonical URI of %q is %q", p, got)
				}
			}
		}
		for _, c := range got {
			if !unreserved(c) && c != '/' && c != '%' {
				t.Fatalf("canonical URI of %q is %q", p, got)
			}
		}
		plain := true
		for i := 0; i < len(p); i++ {
			plain = plain && (unreserved(p[i]) || p[i] == '/')
		}
		if plain {
			if again := appendCanonicalURI(nil, string(got)); !bytes.Equal(again, got) {
				t.Fatalf("canonical URI of %q is %q, and of that %q", p, got, again)
			}
		}
	})
}

// FuzzSignVerifyRoundTrip: for any path, query, body and header value that HTTP/1.1 can carry, a request signed
// by Sign — or a URL made by Presign — and sent over the wire verifies.
func FuzzSignVerifyRoundTrip(f *testing.F) {
	f.Add("/", "Action=ListUsers&Version=2010-05-08", cliBody, "value", false)
	f.Add("/a b/./c/../ሴ/", "c+d&a=%2F&ሴ=bar&=", "", "  a   b  ", false)
	f.Add("/%2F/x", "X=1&x=2&x=1", "\x00\xff", "\t", true)
	f.Add("//example//", "", "body", "", true)
	f.Fuzz(func(t *testing.T, path, query, body, value string, presign bool) {
		for i := 0; i < len(query); i++ {
			if c := query[i]; c <= ' ' || c == 0x7f || c == '#' {
				return // not carried verbatim by an HTTP/1.1 request line
			}
		}
		for i := 0; i < len(value); i++ {
			if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
				return // not a valid header field value
			}
		}
		at := testNow()
		u := &url.URL{Scheme: "https", Host: testIAMHost, Path: "/" + strings.TrimPrefix(path, "/"), RawQuery: query}
		if strings.HasPrefix(query, "X-Amz-") || strings.Contains(query, "&X-Amz-") || strings.Contains(query, "X%2DAmz") || strings.Contains(query, "X%2dAmz") {
			return // a query that already looks presigned is another test's business
		}
		var r *http.Request
		if presign {
			get, err := http.NewRequest(http.MethodGet, u.String(), nil)
			if err != nil {
				return
			}
			get.URL = u
			get.Header.Set("X-Fuzz", value)
			signed, err := Presign(get, tempCreds, "us-east-1", "iam", at, time.Minute)
			if err != nil {
				t.Fatalf("Presign: %v", err)
			}
			pu, err := url.Parse(signed)
			if err != nil {
				t.Fatalf("Presign made an unparsable URL %q: %v", signed, err)
			}
			r = &http.Request{Method: http.MethodGet, URL: pu, Host: pu.Host, Header: http.Header{"X-Fuzz": {value}}}
			body = ""
		} else {
			r = &http.Request{Method: http.MethodPost, URL: u, Host: u.Host, Header: http.Header{"X-Fuzz": {value}},
				Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
			Sign(r, []byte(body), tempCreds, "us-east-1", "iam", at)
			r.Body = io.NopCloser(strings.NewReader(body))
		}
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			return
		}
		sr, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return // not a request net/http's server would read
		}
		got, err := io.ReadAll(sr.Body)
		if err != nil {
			return
		}
		if _, err := testVerifier().Verify(context.Background(), sr, got); err != nil {
			t.Fatalf("Verify: %v\n%s", err, wire.String())
		}
	})
}

// FuzzVerifyScopeAndPayloadHash: whatever Region, service and X-Amz-Content-Sha256 a request is signed with, and
// whatever body it then carries, VerifyFor accepts it only when the scope names the API's service and a Region the
// Verifier knows, and the payload hash is the body's (absent, or its hex SHA-256): a signature never covers a
// body it did not hash.
func FuzzVerifyScopeAndPayloadHash(f *testing.F) {
	sum := sha256.Sum256([]byte(cliBody))
	f.Add("us-east-1", "iam", "", cliBody, cliBody)
	f.Add("us-east-1", "iam", unsignedPayload, cliBody, "Action=DeleteUser&UserName=bob")
	f.Add("us-east-1", "iam", hex.EncodeToString(sum[:]), cliBody, cliBody)
	f.Add("us-east-1", "iam", strings.ToUpper(hex.EncodeToString(sum[:])), cliBody, cliBody)
	f.Add("xx-fake-9", "iam", "", cliBody, cliBody)
	f.Add("us-east-1", "sts", "", cliBody, cliBody)
	f.Add("us-east-1", "iam", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", cliBody, "")
	f.Fuzz(func(t *testing.T, region, service, payload, signedBody, sentBody string) {
		for i := 0; i < len(payload); i++ {
			if c := payload[i]; c < ' ' || c == 0x7f {
				return // not a valid header field value
			}
		}
		r := cliRequest(t, signedBody)
		if payload != "" {
			r.Header.Set("X-Amz-Content-Sha256", payload)
		}
		Sign(r, []byte(signedBody), userCreds, region, service, testNow())
		r.Body = io.NopCloser(strings.NewReader(sentBody))
		r.ContentLength = int64(len(sentBody))
		var wire bytes.Buffer
		if err := r.Write(&wire); err != nil {
			return
		}
		sr, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return
		}
		got, err := io.ReadAll(sr.Body)
		if err != nil {
			return
		}
		res, err := testVerifier().VerifyFor(context.Background(), sr, got, "iam")
		if err != nil {
			return
		}
		bodySum := sha256.Sum256(got)
		declared := sr.Header.Get("X-Amz-Content-Sha256")
		switch {
		case res.Region != "us-east-1" || res.Service != "iam":
			t.Fatalf("accepted a scope for %s in %s", res.Service, res.Region)
		case res.UnsignedPayload:
			t.Fatal("accepted UNSIGNED-PAYLOAD")
		case declared != "" && !strings.EqualFold(declared, hex.EncodeToString(bodySum[:])):
			t.Fatalf("accepted payload hash %q for a body hashing to %x", declared, bodySum)
		case declared == "" && signedBody != string(got):
			t.Fatalf("accepted a body %q signed as %q", got, signedBody)
		}
	})
}
