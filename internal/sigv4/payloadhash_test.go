package sigv4

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"testing"
)

// TestVerifyPayloadHashStandsInForTheBody checks that a request known only by its body's hash verifies as the
// request with its body does, and that a wrong hash fails, with and without X-Amz-Content-Sha256.
func TestVerifyPayloadHashStandsInForTheBody(t *testing.T) {
	for _, declared := range []bool{false, true} {
		r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", testNow())
		if declared {
			sum := sha256.Sum256(body)
			r, body = resignWithHeader(t, body, string(appendHex(nil, sum[:])))
		}
		v := testVerifier()
		if _, err := v.Verify(context.Background(), r, body); err != nil {
			t.Fatalf("declared=%v: Verify: %v", declared, err)
		}
		res, err := v.VerifyPayloadHash(context.Background(), r, sha256.Sum256(body))
		if err != nil || res.Identity != "user/alice" {
			t.Fatalf("declared=%v: VerifyPayloadHash = %+v, %v", declared, res, err)
		}
		if _, err := v.VerifyPayloadHash(context.Background(), r, sha256.Sum256([]byte("other"))); code(err) != CodeSignatureDoesNotMatch {
			t.Fatalf("declared=%v: wrong hash: %v", declared, err)
		}
	}
}

// resignWithHeader signs a CLI-style request whose X-Amz-Content-Sha256 header is set (and signed).
func resignWithHeader(t *testing.T, body []byte, hash string) (*http.Request, []byte) {
	t.Helper()
	r := cliRequest(t, string(body))
	r.Header.Set("X-Amz-Content-Sha256", hash)
	Sign(r, body, userCreds, "us-east-1", "iam", testNow())
	return toServer(t, r)
}

// TestVerifyPayloadHashForChecksTheScopesService: a request known by its body's hash is held to the service it
// must be signed for by the same scope check as VerifyFor, with AWS's message; the Verifier needs no Services.
func TestVerifyPayloadHashForChecksTheScopesService(t *testing.T) {
	r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", testNow())
	v := &Verifier{Keys: testVerifier().Keys, Now: testVerifier().Now}
	if res, err := v.VerifyPayloadHashFor(context.Background(), r, sha256.Sum256(body), "iam"); err != nil || res.Service != "iam" {
		t.Fatalf("signed for iam, verified for iam: %+v, %v", res, err)
	}
	_, err := v.VerifyPayloadHashFor(context.Background(), r, sha256.Sum256(body), "notes")
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeSignatureDoesNotMatch || e.HTTPStatus != 403 ||
		e.Message != "Credential should be scoped to correct service: 'notes'. " {
		t.Fatalf("signed for iam, verified for notes: %v", err)
	}
}
