package sigv4

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// AWS's published SigV4 test suite: the example credentials, date, region and service, and for each case the
// request, the signed headers and the signature AWS publishes. The values are facts from AWS's suite
// (aws-sig-v4-test-suite, 2015-08-30), reproduced here as test data.
const (
	suiteAccessKeyID = "AKIDEXAMPLE"
	suiteSecret      = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteDate        = "20150830T123600Z"
	suiteScope       = "20150830/us-east-1/service/aws4_request"
	suiteSTSToken    = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)

type suiteCase struct {
	name          string
	request       string // the raw request, without Authorization; a body follows a blank line
	signedHeaders string
	signature     string
	canonical     string // the published canonical request, where the case is about canonicalisation
}

var suiteCases = []suiteCase{
	{
		name:          "get-vanilla",
		request:       "GET / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		canonical:     "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "get-vanilla-query-order-key-case",
		request:       "GET /?Param2=value2&Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
		canonical:     "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "get-vanilla-empty-query-key",
		request:       "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
	},
	{
		name:          "get-vanilla-query-unreserved",
		request:       "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
	},
	{
		name:          "get-vanilla-utf8-query",
		request:       "GET /?ሴ=bar HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
		canonical:     "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "get-utf8",
		request:       "GET /ሴ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
		canonical:     "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "get-unreserved",
		request:       "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
	},
	{
		name:          "get-header-key-duplicate",
		request:       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\nMy-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
		canonical:     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "get-header-value-order",
		request:       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\nMy-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
	},
	{
		name:          "get-header-value-trim",
		request:       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\nMy-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;my-header1;my-header2;x-amz-date",
		signature:     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
		canonical:     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "post-vanilla",
		request:       "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
	},
	{
		name:          "post-vanilla-query",
		request:       "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
	},
	{
		name:          "post-header-key-case",
		request:       "POST / HTTP/1.1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
	},
	{
		name:          "post-header-key-sort",
		request:       "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
	},
	{
		name:          "post-header-value-case",
		request:       "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;my-header1;x-amz-date",
		signature:     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
	},
	{
		name:          "post-x-www-form-urlencoded",
		request:       "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
		signedHeaders: "content-type;host;x-amz-date",
		signature:     "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
		canonical:     "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
	},
	{
		name:          "post-x-www-form-urlencoded-parameters",
		request:       "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; charset=utf8\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\nParam1=value1",
		signedHeaders: "content-type;host;x-amz-date",
		signature:     "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
	},
	{
		name:          "post-sts-header-before",
		request:       "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:" + suiteSTSToken + "\n",
		signedHeaders: "host;x-amz-date;x-amz-security-token",
		signature:     "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
	},
	{
		// The token is added after signing, so it is sent but not signed.
		name:          "post-sts-header-after",
		request:       "POST / HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:" + suiteSTSToken + "\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
	},
	// normalize-path: for services other than S3, dot segments and repeated slashes are removed before encoding.
	{
		name:          "normalize-path/get-relative",
		request:       "GET /example/.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	},
	{
		name:          "normalize-path/get-relative-relative",
		request:       "GET /example1/example2/../.. HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	},
	{
		name:          "normalize-path/get-slash",
		request:       "GET // HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	},
	{
		name:          "normalize-path/get-slash-dot-slash",
		request:       "GET /./ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	},
	{
		name:          "normalize-path/get-slash-pointless-dot",
		request:       "GET /./example HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
	},
	{
		name:          "normalize-path/get-slashes",
		request:       "GET //example// HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
		canonical:     "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256,
	},
	{
		name:          "normalize-path/get-space",
		request:       "GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n",
		signedHeaders: "host;x-amz-date",
		signature:     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
		canonical:     "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptySHA256,
	},
}

// serverRequest builds the *http.Request a net/http server would hand a handler for the raw request text (header
// lines and an optional body after a blank line), so that the test sees what iamd's server sees.
func serverRequest(t testing.TB, raw string) (*http.Request, []byte) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	line, _, _ := strings.Cut(head, "\n")
	if strings.Count(line, " ") > 2 {
		// A request line with a literal space in its target (AWS's get-space case) is not HTTP/1.1 that net/http
		// would read; build what a lenient server would see.
		method, rest, _ := strings.Cut(line, " ")
		target := rest[:strings.LastIndexByte(rest, ' ')]
		r, _ := serverRequest(t, method+" /placeholder HTTP/1.1"+head[len(line):]+"\n")
		r.RequestURI = target
		r.URL = &url.URL{Path: target}
		return r, []byte(body)
	}
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head + "\n\n")))
	if err != nil {
		t.Fatalf("reading request %q: %v", head, err)
	}
	return r, []byte(body)
}

func suiteTime(t testing.TB) time.Time {
	t.Helper()
	tm, ok := parseAmzDate(suiteDate)
	if !ok {
		t.Fatal("bad suite date")
	}
	return tm
}

type mapStore map[string]Key

func (m mapStore) LookupKey(_ context.Context, id string) (Key, error) {
	k, ok := m[id]
	if !ok {
		return Key{}, ErrUnknownAccessKey
	}
	return k, nil
}

func suiteVerifier(t testing.TB, services ...string) *Verifier {
	now := suiteTime(t)
	if len(services) == 0 {
		services = []string{"service"}
	}
	return &Verifier{
		Keys:     mapStore{suiteAccessKeyID: {Secret: []byte(suiteSecret), Identity: "example-user"}},
		Now:      func() time.Time { return now },
		Services: services,
		Regions:  []string{"us-east-1"},
	}
}

// TestAWSTestSuiteSignatures: for every case of AWS's suite, the canonical request and signature computed from
// the request as a server receives it are AWS's, and Verify accepts the request signed with AWS's signature.
func TestAWSTestSuiteSignatures(t *testing.T) {
	for _, c := range suiteCases {
		t.Run(c.name, func(t *testing.T) {
			r, body := serverRequest(t, c.request)
			if c.name == "post-sts-header-before" || c.name == "post-sts-header-after" {
				// The suite's STS cases are about the header's placement; the token is the suite's, not a key's.
				r.Header.Del("X-Amz-Security-Token")
				if c.name == "post-sts-header-before" {
					r.Header.Set("X-Amz-Security-Token", suiteSTSToken)
				}
			}
			cr := appendCanonicalRequest(nil, r, r.Method, wirePath(r), r.URL.RawQuery, false, c.signedHeaders, r.Header.Get("X-Amz-Content-Sha256"), body)
			if c.canonical != "" && string(cr) != c.canonical {
				t.Errorf("canonical request:\n%s\nwant:\n%s", cr, c.canonical)
			}
			sig := signature(suiteSecret, suiteDate, "us-east-1", "service", cr)
			if got := hex.EncodeToString(sig[:]); got != c.signature {
				t.Fatalf("signature %s, want %s\ncanonical request:\n%s", got, c.signature, cr)
			}

			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+suiteAccessKeyID+"/"+suiteScope+", SignedHeaders="+c.signedHeaders+", Signature="+c.signature)
			v := suiteVerifier(t)
			store := v.Keys.(mapStore)
			if r.Header.Get("X-Amz-Security-Token") != "" {
				store[suiteAccessKeyID] = Key{Secret: []byte(suiteSecret), SessionToken: suiteSTSToken}
			}
			res, err := v.Verify(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.AccessKeyID != suiteAccessKeyID || res.Region != "us-east-1" || res.Service != "service" || res.Presigned ||
				strings.Join(res.SignedHeaders, ";") != c.signedHeaders || !res.Date.Equal(suiteTime(t)) {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// TestAWSTestSuitePresigned: AWS's presigned forms of two suite cases (X-Amz-Expires=3600, host signed) verify.
func TestAWSTestSuitePresigned(t *testing.T) {
	cases := []struct{ name, request string }{
		{"get-vanilla-query-order-key-case", "GET /?Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5 HTTP/1.1\nHost:example.amazonaws.com\n"},
		{"get-utf8", "GET /ሴ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44 HTTP/1.1\nHost:example.amazonaws.com\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, body := serverRequest(t, c.request)
			res, err := suiteVerifier(t).Verify(context.Background(), r, body)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !res.Presigned || strings.Join(res.SignedHeaders, ";") != "host" {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// TestIAMListUsersExample: the worked example of AWS's SigV4 documentation, GET
// https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08, with its published canonical request, its hash,
// the string to sign, the derived signing key and the signature.
func TestIAMListUsersExample(t *testing.T) {
	const (
		canonical = "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n" + emptySHA256
		crHash    = "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
		sts       = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n" + crHash
		key       = "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
		sig       = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	)
	r, body := serverRequest(t, "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\nHost: iam.amazonaws.com\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\nX-Amz-Date: 20150830T123600Z\n")
	cr := appendCanonicalRequest(nil, r, r.Method, wirePath(r), r.URL.RawQuery, false, "content-type;host;x-amz-date", "", body)
	if string(cr) != canonical {
		t.Fatalf("canonical request:\n%s\nwant:\n%s", cr, canonical)
	}
	if h := sha256.Sum256(cr); hex.EncodeToString(h[:]) != crHash {
		t.Errorf("canonical request hash %x, want %s", h, crHash)
	}
	if got := appendStringToSign(nil, suiteDate, "20150830", "us-east-1", "iam", cr); string(got) != sts {
		t.Errorf("string to sign:\n%s\nwant:\n%s", got, sts)
	}
	k := deriveSigningKey([]byte(suiteSecret), "20150830", "us-east-1", "iam")
	if hex.EncodeToString(k[:]) != key {
		t.Errorf("signing key %x, want %s", k, key)
	}
	if s := hmacSHA256(k[:], []byte(sts)); hex.EncodeToString(s[:]) != sig {
		t.Errorf("signature %x, want %s", s, sig)
	}

	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="+sig)
	res, err := suiteVerifier(t, "iam").Verify(context.Background(), r, body)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Service != "iam" || res.Identity != "example-user" {
		t.Errorf("result %+v", res)
	}

	// Sign makes the same Authorization header for the same request built by a client.
	cl, _ := http.NewRequest(http.MethodGet, "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	cl.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	Sign(cl, nil, Credentials{AccessKeyID: suiteAccessKeyID, SecretAccessKey: suiteSecret}, "us-east-1", "iam", suiteTime(t))
	if got, want := cl.Header.Get("Authorization"), r.Header.Get("Authorization"); got != want {
		t.Errorf("Sign: Authorization %q, want %q", got, want)
	}
}

// TestSignMatchesAWSTestSuite: Sign, on client-built requests, produces the suite's Authorization headers.
func TestSignMatchesAWSTestSuite(t *testing.T) {
	cases := []struct {
		name, method, url, contentType, body, want string
	}{
		{"get-vanilla", "GET", "https://example.amazonaws.com/", "", "",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", "", "",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"post-x-www-form-urlencoded", "POST", "https://example.amazonaws.com/", "application/x-www-form-urlencoded", "Param1=value1",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.contentType != "" {
				r.Header.Set("Content-Type", c.contentType)
			}
			Sign(r, []byte(c.body), Credentials{AccessKeyID: suiteAccessKeyID, SecretAccessKey: suiteSecret}, "us-east-1", "service", suiteTime(t))
			if got := r.Header.Get("Authorization"); got != c.want {
				t.Errorf("Authorization %q\nwant          %q", got, c.want)
			}
			if got := r.Header.Get("X-Amz-Date"); got != suiteDate {
				t.Errorf("X-Amz-Date %q", got)
			}
		})
	}
}

// TestQueryPlusIsReadBothWays: a '+' in the query is a space when botocore sends it (it signs quote and sends
// quote_plus), and a literal plus when an SDK signs a URL it was given verbatim — AWS's get-query-plus case
// ("GET /?c+d" signs "c%2Bd="), in both its header and presigned forms.
func TestQueryPlusIsReadBothWays(t *testing.T) {
	cases := []struct{ name, request string }{
		{"get-query-plus", "GET /?c+d HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\nAuthorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ae684ce3aadc299e3ac7d9216fcc039c7edf40dea57cf5b3005821dd2f176654\n"},
		{"get-query-plus presigned", "GET /?c+d=&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=0eab864b028f58edbf5290cbe84acc5db34e5f92786a96fe01434e515f9342b8 HTTP/1.1\nHost:example.amazonaws.com\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, body := serverRequest(t, c.request)
			if _, err := suiteVerifier(t).Verify(context.Background(), r, body); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
	t.Run("plus as space", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodGet, "https://example.amazonaws.com/?Tag=a+b", nil)
		cr := appendCanonicalRequest(nil, r, "GET", "/", r.URL.RawQuery, false, "host", "", nil)
		if want := "GET\n/\nTag=a%20b\nhost:example.amazonaws.com\n\nhost\n" + emptySHA256; string(cr) != want {
			t.Errorf("canonical request\n%s\nwant\n%s", cr, want)
		}
	})
}
