// Package oidc fetches and caches the signing keys OpenID Connect issuers publish: the issuer's discovery document
// (<issuer>/.well-known/openid-configuration) names its JWKS (jwks_uri), both read over HTTPS only. It is the outbound
// client AssumeRoleWithWebIdentity verifies tokens with; it knows nothing of tokens, roles or AWS.
package oidc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Limits of the fetch.
const (
	DefaultTTL      = 15 * time.Minute // how long fetched keys are served from the cache
	refreshInterval = time.Minute      // an unknown key ID refetches at most this often per issuer
	maxDocument     = 1 << 20          // bytes of a discovery document or JWKS
	fetchTimeout    = 10 * time.Second
)

// ErrFetch wraps every failure to reach an issuer or read its documents.
var ErrFetch = errors.New("oidc: fetching issuer keys")

// KeySet fetches issuers' keys and caches them per issuer. The zero value is not usable; use New.
type KeySet struct {
	client *http.Client
	now    func() time.Time
	ttl    time.Duration

	mu    sync.Mutex
	cache map[string]*entry
}

type entry struct {
	keys    []jose.JSONWebKey
	fetched time.Time
	mu      sync.Mutex // one fetch per issuer at a time
}

// Options configure a KeySet.
type Options struct {
	CAFile string           // PEM bundle trusted besides the system roots; "" for the system roots only
	TTL    time.Duration    // cache lifetime; DefaultTTL when zero
	Now    func() time.Time // clock; time.Now when nil
}

// New returns a KeySet whose HTTPS client trusts the system roots plus the certificates of opt.CAFile.
func New(opt Options) (*KeySet, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if opt.CAFile != "" {
		pem, err := os.ReadFile(opt.CAFile)
		if err != nil {
			return nil, fmt.Errorf("oidc CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oidc CA file %s: no PEM certificate found", opt.CAFile)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	client := &http.Client{Transport: tr, Timeout: fetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" {
				return errors.New("redirect away from https")
			}
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		}}
	return NewWithClient(client, opt), nil
}

// NewWithClient returns a KeySet that fetches with client (tests give one trusting their own CA).
func NewWithClient(client *http.Client, opt Options) *KeySet {
	ks := &KeySet{client: client, now: opt.Now, ttl: opt.TTL, cache: map[string]*entry{}}
	if ks.now == nil {
		ks.now = time.Now
	}
	if ks.ttl <= 0 {
		ks.ttl = DefaultTTL
	}
	return ks
}

// Keys returns the issuer's public signing keys with key ID kid (every key when kid is empty). Keys are served from
// the cache while fresh; a kid the cached set lacks refetches once (at most once a minute per issuer, so unsigned
// requests cannot make iamd hammer an issuer). An empty result with a nil error means the issuer publishes no such
// key. Errors wrap ErrFetch. issuer is the https URL of the token's iss claim.
func (ks *KeySet) Keys(ctx context.Context, issuer, kid string) ([]jose.JSONWebKey, error) {
	ks.mu.Lock()
	e := ks.cache[issuer]
	if e == nil {
		e = &entry{}
		ks.cache[issuer] = e
	}
	ks.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	now := ks.now()
	stale := e.fetched.IsZero() || now.Sub(e.fetched) >= ks.ttl
	if !stale && len(match(e.keys, kid)) == 0 && now.Sub(e.fetched) >= refreshInterval {
		stale = true // rotated keys: look again
	}
	if stale {
		keys, err := ks.fetch(ctx, issuer)
		if err != nil {
			if !e.fetched.IsZero() && now.Sub(e.fetched) < ks.ttl {
				return match(e.keys, kid), nil // keep serving the fresh cache when a refresh fails
			}
			return nil, err
		}
		e.keys, e.fetched = keys, now
	}
	return match(e.keys, kid), nil
}

// match returns the public signing keys with key ID kid (all of them when kid is empty).
func match(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range keys {
		if (kid == "" || k.KeyID == kid) && k.Use != "enc" && k.IsPublic() {
			out = append(out, k)
		}
	}
	return out
}

// fetch reads the discovery document and then the JWKS it names.
func (ks *KeySet) fetch(ctx context.Context, issuer string) ([]jose.JSONWebKey, error) {
	if err := checkHTTPS(issuer); err != nil {
		return nil, err
	}
	body, err := ks.get(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return nil, err
	}
	jwksURI, err := ParseDiscovery(body, issuer)
	if err != nil {
		return nil, err
	}
	if err := checkHTTPS(jwksURI); err != nil {
		return nil, err
	}
	body, err = ks.get(ctx, jwksURI)
	if err != nil {
		return nil, err
	}
	return ParseJWKS(body)
}

func checkHTTPS(u string) error {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" {
		return fmt.Errorf("%w: %q is not an https URL", ErrFetch, u)
	}
	return nil
}

func (ks *KeySet) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ks.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: HTTP %d", ErrFetch, u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrFetch, u, err)
	}
	if len(body) > maxDocument {
		return nil, fmt.Errorf("%w: GET %s: document larger than %d bytes", ErrFetch, u, maxDocument)
	}
	return body, nil
}

// ParseDiscovery reads an OpenID Provider configuration document and returns its jwks_uri. The document's issuer,
// when present, must be the issuer asked for (OpenID Connect Discovery 1.0, section 4.3).
func ParseDiscovery(body []byte, issuer string) (string, error) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%w: discovery document: %w", ErrFetch, err)
	}
	if doc.Issuer != "" && strings.TrimSuffix(doc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return "", fmt.Errorf("%w: discovery document names issuer %q, not %q", ErrFetch, doc.Issuer, issuer)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("%w: discovery document has no jwks_uri", ErrFetch)
	}
	return doc.JWKSURI, nil
}

// ParseJWKS reads a JSON Web Key Set, keeping the keys go-jose understands and dropping the others (an issuer may
// publish key types iamd does not verify with).
func ParseJWKS(body []byte) ([]jose.JSONWebKey, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: JWKS: %w", ErrFetch, err)
	}
	var out []jose.JSONWebKey
	for _, r := range raw.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			continue
		}
		if k.IsPublic() {
			out = append(out, k)
		}
	}
	return out, nil
}
