package oidc_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/iamd-dev/iamd/internal/oidc"
)

// issuer is a test OpenID Connect issuer on loopback over HTTPS: a discovery document and a JWKS whose keys the test
// may change.
type issuer struct {
	srv     *httptest.Server
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	jwksHit atomic.Int32
	docIss  string // issuer the discovery document names; the server's URL when empty
}

func newIssuer(t *testing.T, kids ...string) *issuer {
	t.Helper()
	is := &issuer{}
	for _, kid := range kids {
		is.keys = append(is.keys, newKey(t, kid))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		iss := is.docIss
		if iss == "" {
			iss = is.srv.URL
		}
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": is.srv.URL + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.jwksHit.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: is.keys})
	})
	is.srv = httptest.NewTLSServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) rotate(t *testing.T, kid string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = append(is.keys, newKey(t, kid))
}

func newKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: k.Public(), KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

// caFile writes the issuer's certificate as a PEM file, as an operator would give --oidc-ca-file.
func (is *issuer) caFile(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.srv.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func kids(keys []jose.JSONWebKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.KeyID)
	}
	return out
}

func TestKeysFetchedThroughDiscoveryWithTheCAFile(t *testing.T) {
	is := newIssuer(t, "k1", "k2")
	ks, err := oidc.New(oidc.Options{CAFile: is.caFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		kid  string
		want int
	}{
		{"one key by ID", "k1", 1},
		{"every key", "", 2},
		{"an unknown ID finds none", "k9", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ks.Keys(context.Background(), is.srv.URL, tc.kid)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != tc.want {
				t.Fatalf("keys = %v, want %d", kids(keys), tc.want)
			}
		})
	}
	if n := is.jwksHit.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want once (cached)", n)
	}
}

func TestKeysRefused(t *testing.T) {
	is := newIssuer(t, "k1")
	mismatched := newIssuer(t, "k1")
	mismatched.docIss = "https://someone-else.example.com"
	tests := []struct {
		name   string
		opt    oidc.Options
		issuer string
	}{
		{"issuer certificate not trusted without the CA file", oidc.Options{}, is.srv.URL},
		{"http issuer", oidc.Options{CAFile: is.caFile(t)}, "http" + is.srv.URL[len("https"):]},
		{"discovery document names another issuer", oidc.Options{CAFile: mismatched.caFile(t)}, mismatched.srv.URL},
		{"nothing listening", oidc.Options{CAFile: is.caFile(t)}, "https://127.0.0.1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := oidc.New(tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ks.Keys(context.Background(), tc.issuer, "k1")
			if !errors.Is(err, oidc.ErrFetch) {
				t.Fatalf("err = %v, want ErrFetch", err)
			}
		})
	}
}

func TestKeysRefetchOnUnknownKeyID(t *testing.T) {
	is := newIssuer(t, "k1")
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	ks := oidc.NewWithClient(is.srv.Client(), oidc.Options{Now: clk.now})
	ctx := context.Background()
	steps := []struct {
		name     string
		advance  time.Duration
		rotate   string
		kid      string
		want     int
		wantHits int32
	}{
		{"first fetch", 0, "", "k1", 1, 1},
		{"served from cache", 10 * time.Second, "", "k1", 1, 1},
		{"rotated key within a minute of the fetch is not refetched", 0, "k2", "k2", 0, 1},
		{"after a minute an unknown ID refetches", time.Minute, "", "k2", 1, 2},
		{"a known ID stays cached", 0, "", "k1", 1, 2},
		{"after the TTL everything refetches", oidc.DefaultTTL, "", "k1", 1, 3},
	}
	for _, st := range steps {
		clk.add(st.advance)
		if st.rotate != "" {
			is.rotate(t, st.rotate)
		}
		keys, err := ks.Keys(ctx, is.srv.URL, st.kid)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if len(keys) != st.want || is.jwksHit.Load() != st.wantHits {
			t.Fatalf("%s: keys %v, JWKS fetches %d; want %d keys, %d fetches", st.name, kids(keys), is.jwksHit.Load(), st.want, st.wantHits)
		}
	}
}

func TestNewRejectsABadCAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(p, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{p, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := oidc.New(oidc.Options{CAFile: f}); err == nil {
			t.Errorf("New(%s) accepted it", f)
		}
	}
}

func FuzzParseDiscovery(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://idp.example.com","jwks_uri":"https://idp.example.com/keys"}`), "https://idp.example.com")
	f.Add([]byte(`{"jwks_uri":""}`), "https://x")
	f.Add([]byte(`[]`), "")
	f.Fuzz(func(t *testing.T, body []byte, iss string) {
		u, err := oidc.ParseDiscovery(body, iss)
		if err == nil && u == "" {
			t.Fatal("no error and no jwks_uri")
		}
		if err != nil && !errors.Is(err, oidc.ErrFetch) {
			t.Fatalf("error %v does not wrap ErrFetch", err)
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "a", Algorithm: "ES256"}}})
	f.Add(b)
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`{"keys":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, err := oidc.ParseJWKS(body)
		if err != nil {
			return
		}
		for _, k := range keys {
			if !k.IsPublic() {
				t.Fatalf("kept a non-public key %q", k.KeyID)
			}
		}
	})
}
