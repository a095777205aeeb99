package sigv4

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// cliWorkload is a typical AWS CLI request to IAM as the server receives it: POST /, a 60-byte form body,
// signed with a long-term key over 5 headers (amz-sdk-invocation-id, amz-sdk-request, content-type, host,
// x-amz-date), plus the unsigned User-Agent and Content-Length.
func cliWorkload(tb testing.TB, creds Credentials) (*http.Request, []byte) {
	tb.Helper()
	const body = "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fengineerin" // 60 bytes
	if len(body) != 60 {
		tb.Fatalf("workload body is %d bytes", len(body))
	}
	r := cliRequest(tb, body)
	Sign(r, []byte(body), creds, "us-east-1", "iam", testNow())
	sr, b := toServer(tb, r)
	if got := sr.Header.Get("Authorization"); creds.SessionToken == "" && !strings.Contains(got, "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-type;host;x-amz-date,") {
		tb.Fatalf("workload signs %s", got)
	}
	return sr, b
}

// BenchmarkVerify measures Verify on cliWorkload with the signing key cache warm (the steady state of a server),
// cold (cache disabled: every request derives its key), with a session token (6 signed headers, ~400-byte
// token compared), and as a presigned STS GetCallerIdentity URL.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	b.Run("workload=cli-iam-post/signed-headers=5/body=60B/cache=warm", func(b *testing.B) {
		r, body := cliWorkload(b, userCreds)
		v := testVerifier()
		if _, err := v.Verify(ctx, r, body); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, r, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("workload=cli-iam-post/signed-headers=5/body=60B/cache=off", func(b *testing.B) {
		r, body := cliWorkload(b, userCreds)
		v := testVerifier()
		v.KeyCacheSize = -1
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, r, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("workload=cli-sts-post/signed-headers=6/session-token/cache=warm", func(b *testing.B) {
		r, body := cliWorkload(b, tempCreds)
		v := testVerifier()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, r, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("workload=presigned-get-caller-identity/session-token/cache=warm", func(b *testing.B) {
		get, _ := http.NewRequest(http.MethodGet, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		u, err := Presign(get, tempCreds, "us-east-1", "sts", testNow(), time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		pr, _ := http.NewRequest(http.MethodGet, u, nil)
		r, body := toServer(b, pr)
		v := testVerifier()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, r, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSign measures Sign on the AWS CLI IAM request (5 signed headers, 60-byte body).
func BenchmarkSign(b *testing.B) {
	const body = "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fengineering"
	r := cliRequest(b, body)
	b.ReportAllocs()
	for b.Loop() {
		Sign(r, []byte(body), userCreds, "us-east-1", "iam", testNow())
	}
}

// TestVerifyAllocations: verifying the AWS CLI request with a warm key cache allocates only the Result and its
// SignedHeaders slice.
func TestVerifyAllocations(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation changes allocation counts")
	}
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		creds Credentials
		max   float64
	}{
		{"long-term key", userCreds, 2},
		{"session token", tempCreds, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, body := cliWorkload(t, c.creds)
			v := testVerifier()
			if _, err := v.Verify(ctx, r, body); err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := v.Verify(ctx, r, body); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > c.max {
				t.Errorf("Verify allocates %.1f times per request, want at most %.0f", allocs, c.max)
			}
		})
	}
}
