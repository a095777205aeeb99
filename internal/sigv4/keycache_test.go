package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestKeyCacheDerivesOncePerScope: the second request of a key on a day, region and service reuses the derived
// key; another service derives another.
func TestKeyCacheDerivesOncePerScope(t *testing.T) {
	v := testVerifier()
	for i := 0; i < 3; i++ {
		r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", testNow())
		if _, err := v.Verify(context.Background(), r, body); err != nil {
			t.Fatal(err)
		}
	}
	if n, hits, misses := v.cache.stats(); n != 1 || hits != 2 || misses != 1 {
		t.Errorf("entries %d, hits %d, misses %d; want 1, 2, 1", n, hits, misses)
	}
	r, body := signedCLIRequest(t, userCreds, "us-east-1", "sts", testNow())
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatal(err)
	}
	if n, _, misses := v.cache.stats(); n != 2 || misses != 2 {
		t.Errorf("entries %d, misses %d; want 2, 2", n, misses)
	}
}

// TestKeyCacheFollowsARotatedSecret: after the store's secret for an access key changes, the old secret's
// signatures fail and the new one's pass, though the key ID, date, region and service are the same.
func TestKeyCacheFollowsARotatedSecret(t *testing.T) {
	store := testStore()
	v := &Verifier{Keys: store, Now: testNow}
	r, body := signedCLIRequest(t, userCreds, "us-east-1", "iam", testNow())
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatal(err)
	}
	const rotated = "r0tatedSecretKeyEXAMPLEEXAMPLEEXAMPLE000"
	store[userKeyID] = Key{Secret: []byte(rotated)}
	if _, err := v.Verify(context.Background(), r, body); code(err) != CodeSignatureDoesNotMatch {
		t.Errorf("the old secret's signature after rotation: %v", err)
	}
	r, body = signedCLIRequest(t, Credentials{AccessKeyID: userKeyID, SecretAccessKey: rotated}, "us-east-1", "iam", testNow())
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Errorf("the new secret's signature: %v", err)
	}
}

// TestKeyCacheStaysBounded: many distinct scopes never grow the cache past its size, and a disabled cache keeps
// nothing.
func TestKeyCacheStaysBounded(t *testing.T) {
	var c keyCache
	for i := 0; i < 100; i++ {
		want := deriveSigningKey([]byte(userSecret), "20250101", fmt.Sprintf("region-%d", i), "iam")
		if got := c.signingKey(8, []byte(userSecret), "20250101", fmt.Sprintf("region-%d", i), "iam"); got != want {
			t.Fatalf("cached key differs from the derived key")
		}
	}
	if n, _, _ := c.stats(); n != 8 {
		t.Errorf("%d entries, want 8", n)
	}
	var off keyCache
	off.signingKey(-1, []byte(userSecret), "20250101", "us-east-1", "iam")
	if n, _, _ := off.stats(); n != 0 {
		t.Errorf("disabled cache holds %d entries", n)
	}
}

// TestKeyCacheIsSafeForConcurrentUse: one Verifier serves many goroutines, its small cache churning (run with
// -race).
func TestKeyCacheIsSafeForConcurrentUse(t *testing.T) {
	v := testVerifier()
	v.KeyCacheSize = 2
	services := []string{"iam", "sts"}
	type signed struct {
		r    *http.Request
		body []byte
	}
	var reqs []signed
	for i := 0; i < 40; i++ {
		r := cliRequest(t, cliBody)
		Sign(r, []byte(cliBody), userCreds, "us-east-1", services[i%2], testNow().Add(time.Duration(i%3)*24*time.Hour-36*time.Hour))
		sr, body := toServer(t, r)
		reqs = append(reqs, signed{sr, body})
	}
	v.MaxSkew = 48 * time.Hour
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range reqs {
				q := reqs[(i+g)%len(reqs)]
				if _, err := v.Verify(context.Background(), q.r, q.body); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestHMACMatchesCryptoHMAC: the allocation-free HMAC-SHA256 equals crypto/hmac for keys and messages of every
// length around the block size.
func TestHMACMatchesCryptoHMAC(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kl := range []int{0, 1, 32, 63, 64, 65, 100, 200} {
		for _, ml := range []int{0, 1, 55, 56, 64, 150, 191, 192, 193, 1000} {
			key, msg := make([]byte, kl), make([]byte, ml)
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			m := hmac.New(sha256.New, key)
			m.Write(msg)
			if got := hmacSHA256(key, msg); !hmac.Equal(got[:], m.Sum(nil)) {
				t.Errorf("key %d bytes, message %d bytes: %x, want %x", kl, ml, got, m.Sum(nil))
			}
		}
	}
}
