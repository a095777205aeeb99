package iam

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// Outbound identity federation (IAM User Guide, "Outbound identity federation"): once an account enables it, its
// principals may ask STS GetWebIdentityToken for JSON Web Tokens signed by the account's issuer, which external
// services verify against the issuer's OpenID Connect discovery document and JWKS.
//
// AWS gives each account an issuer URL of its own (https://<id>.tokens.sts.global.api.aws). iamd is the issuer
// itself and serves the documents, so the issuer URL it reports is under its own base URL (OutboundIssuerBase):
// <base>/iamd/v1/oidc/<account ID>, with <issuer>/.well-known/openid-configuration and
// <issuer>/.well-known/jwks.json beside it, as AWS's documentation places them. An AWS-form URL would point at a
// host iamd does not answer for, and a verifier that follows the discovery document would fail.
//
// The account's signing keys (one RSA 2048-bit key for RS256, one P-384 key for ES384) are made when the feature
// is first enabled and kept, sealed with the master key, in the account's setting. Disabling the feature keeps
// them: AWS states that disabling "does not affect tokens that were issued before", so the JWKS stays published
// for them; enabling again reuses them and the issuer URL. AWS documents no rotation, and iamd does none.

// outboundFedSetting is the per-account setting that holds the feature's state and keys. Its absence means the
// account never enabled it.
const outboundFedSetting = "outbound-web-identity-federation"

// OutboundIssuerPath is the path, under the issuer base URL, of the accounts' issuers: the issuer of account A is
// <base>/iamd/v1/oidc/A.
const OutboundIssuerPath = "/iamd/v1/oidc/"

// The signing algorithms of GetWebIdentityToken (the STS API reference: "Valid values are RS256 (RSA with SHA-256)
// and ES384 (ECDSA using P-384 curve with SHA-384)").
const (
	OutboundRS256 = "RS256"
	OutboundES384 = "ES384"
)

// OutboundAlgorithms are the signing algorithms GetWebIdentityToken accepts, in the order the JWKS lists them.
func OutboundAlgorithms() []string { return []string{OutboundRS256, OutboundES384} }

// outboundFederation is the stored state of the feature in an account.
type outboundFederation struct {
	Enabled bool          `json:"enabled"`
	Created time.Time     `json:"created"` // when it was first enabled
	Keys    []outboundKey `json:"keys"`
}

// outboundKey is one signing key: its PKCS #8 private key sealed with the master key, bound to the account and key
// ID as additional data, and its PKIX public key in the clear for the JWKS.
type outboundKey struct {
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	Sealed    []byte `json:"sealed"`
	Public    []byte `json:"public"`
}

func outboundKeyAD(account, kid string) []byte {
	return []byte("outbound-web-identity-federation:" + account + ":" + kid)
}

// outboundIssuerBase holds the base URL the accounts' issuers live under; the server sets it once it knows its
// address, while requests may be reading it.
type outboundIssuerBase struct{ v atomic.Pointer[string] }

// SetOutboundIssuerBase sets the base URL of the accounts' issuers (scheme, host and optional path, no trailing
// slash needed), e.g. "https://iamd.example.com" or "http://127.0.0.1:4566".
func (s *Service) SetOutboundIssuerBase(base string) {
	base = strings.TrimRight(base, "/")
	s.outboundBase.v.Store(&base)
}

// OutboundIssuer returns the issuer URL of an account's outbound identity federation.
func (s *Service) OutboundIssuer(account string) (string, error) {
	p := s.outboundBase.v.Load()
	if p == nil || *p == "" {
		return "", errors.New("iam: the outbound identity federation issuer base URL is not set")
	}
	return *p + OutboundIssuerPath + account, nil
}

func errFeatureEnabled() error {
	return awserr.New("FeatureEnabled", 409, "Outbound identity federation is already enabled for this account. To fetch the current configuration, use the GetOutboundWebIdentityFederationInfo operation.")
}

func errFeatureDisabled() error {
	return awserr.New("FeatureDisabled", 404, "Outbound identity federation is disabled for this account.")
}

// outboundLoad reads the account's feature state; nil, nil when it was never enabled.
func outboundLoad(ctx context.Context, r store.Reader, account string) (*outboundFederation, error) {
	b, err := r.Setting(ctx, account, outboundFedSetting)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f outboundFederation
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("decode outbound identity federation of %s: %w", account, err)
	}
	return &f, nil
}

// newOutboundKeys makes the account's signing keys, sealed.
func (s *Service) newOutboundKeys(account string) ([]outboundKey, error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("outbound RSA key: %w", err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("outbound ECDSA key: %w", err)
	}
	var keys []outboundKey
	for _, k := range []struct {
		alg  string
		priv crypto.Signer
	}{{OutboundRS256, rk}, {OutboundES384, ek}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			return nil, err
		}
		pub, err := x509.MarshalPKIXPublicKey(k.priv.Public())
		if err != nil {
			return nil, err
		}
		// The key ID is the RFC 7638 thumbprint of the public key: stable, and telling nothing but the key.
		tp, err := (&jose.JSONWebKey{Key: k.priv.Public()}).Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, err
		}
		kid := base64.RawURLEncoding.EncodeToString(tp)
		keys = append(keys, outboundKey{KeyID: kid, Algorithm: k.alg, Sealed: s.Box.Seal(der, outboundKeyAD(account, kid)), Public: pub})
	}
	return keys, nil
}

// EnableOutboundWebIdentityFederation turns the feature on for the caller's account and returns its issuer URL;
// FeatureEnabled when it is on already.
func (s *Service) EnableOutboundWebIdentityFederation(ctx context.Context, c *Caller) (*iamtypes.EnableOutboundWebIdentityFederationResponse, error) {
	acct := c.Account()
	issuer, err := s.OutboundIssuer(acct)
	if err != nil {
		return nil, internal(err)
	}
	a := Authorization{Action: "iam:EnableOutboundWebIdentityFederation", Resource: "*"}
	// Key generation (an RSA key takes a while) happens outside the write transaction, once the account is known
	// to need keys.
	var need bool
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, a); err != nil {
			return err
		}
		f, err := outboundLoad(ctx, r, acct)
		need = f == nil || len(f.Keys) == 0
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	var fresh []outboundKey
	if need {
		if fresh, err = s.newOutboundKeys(acct); err != nil {
			return nil, internal(err)
		}
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, a); err != nil {
			return err
		}
		f, err := outboundLoad(ctx, tx, acct)
		if err != nil {
			return err
		}
		if f == nil {
			f = &outboundFederation{Created: s.Now().UTC().Truncate(time.Second)}
		}
		if f.Enabled {
			return errFeatureEnabled()
		}
		if len(f.Keys) == 0 {
			if fresh == nil { // keys vanished between the read and the write; not expected
				return errors.New("iam: outbound identity federation keys changed concurrently")
			}
			f.Keys = fresh
		}
		f.Enabled = true
		return tx.PutSetting(ctx, acct, outboundFedSetting, encode(f))
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.EnableOutboundWebIdentityFederationResponse{IssuerIdentifier: &issuer}, nil
}

// DisableOutboundWebIdentityFederation turns the feature off for the caller's account; FeatureDisabled when it is
// off. The keys stay, and the JWKS stays published, for the tokens issued before.
func (s *Service) DisableOutboundWebIdentityFederation(ctx context.Context, c *Caller) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:DisableOutboundWebIdentityFederation", Resource: "*"}); err != nil {
			return err
		}
		f, err := outboundLoad(ctx, tx, acct)
		if err != nil {
			return err
		}
		if f == nil || !f.Enabled {
			return errFeatureDisabled()
		}
		f.Enabled = false
		return tx.PutSetting(ctx, acct, outboundFedSetting, encode(f))
	})
	return internal(err)
}

// GetOutboundWebIdentityFederationInfo returns the account's issuer URL and whether the feature is on. An account
// that never enabled it has no issuer URL yet: FeatureDisabled, the error the model lists for the operation. One
// that enabled and then disabled it keeps its issuer (the JWKS is still served) and answers JwtVendingEnabled
// false.
func (s *Service) GetOutboundWebIdentityFederationInfo(ctx context.Context, c *Caller) (*iamtypes.GetOutboundWebIdentityFederationInfoResponse, error) {
	acct := c.Account()
	var f *outboundFederation
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetOutboundWebIdentityFederationInfo", Resource: "*"}); err != nil {
			return err
		}
		var err error
		f, err = outboundLoad(ctx, r, acct)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	if f == nil {
		return nil, errFeatureDisabled()
	}
	issuer, err := s.OutboundIssuer(acct)
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetOutboundWebIdentityFederationInfoResponse{IssuerIdentifier: &issuer, JwtVendingEnabled: ptr(f.Enabled)}, nil
}

// ErrOutboundFederationDisabled is returned by OutboundSigningKey when the account has not enabled outbound
// identity federation (or has disabled it).
var ErrOutboundFederationDisabled = errors.New("iam: outbound identity federation is not enabled")

// OutboundSigningKey is an account's key for signing web identity tokens with one algorithm.
type OutboundSigningKey struct {
	Issuer    string
	KeyID     string
	Algorithm string
	Key       crypto.Signer
}

// OutboundSigningKey returns the account's signing key for alg (RS256 or ES384), opened from the store;
// ErrOutboundFederationDisabled when the feature is off.
func (s *Service) OutboundSigningKey(ctx context.Context, r store.Reader, account, alg string) (*OutboundSigningKey, error) {
	f, err := outboundLoad(ctx, r, account)
	if err != nil {
		return nil, err
	}
	if f == nil || !f.Enabled {
		return nil, ErrOutboundFederationDisabled
	}
	issuer, err := s.OutboundIssuer(account)
	if err != nil {
		return nil, err
	}
	for _, k := range f.Keys {
		if k.Algorithm != alg {
			continue
		}
		der, err := s.Box.Open(k.Sealed, outboundKeyAD(account, k.KeyID))
		if err != nil {
			return nil, fmt.Errorf("outbound signing key %s of %s: %w", k.KeyID, account, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, fmt.Errorf("outbound signing key %s of %s: %w", k.KeyID, account, err)
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("outbound signing key %s of %s is a %T", k.KeyID, account, priv)
		}
		return &OutboundSigningKey{Issuer: issuer, KeyID: k.KeyID, Algorithm: alg, Key: signer}, nil
	}
	return nil, fmt.Errorf("outbound identity federation of %s has no %s key", account, alg)
}

// OutboundPublicKeys returns the public keys of an account's issuer, as its JWKS lists them; found is false when
// the account never enabled outbound identity federation (it has no issuer). The keys stay published after the
// feature is disabled.
func (s *Service) OutboundPublicKeys(ctx context.Context, account string) (keys []jose.JSONWebKey, found bool, err error) {
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		f, err := outboundLoad(ctx, r, account)
		if err != nil || f == nil {
			return err
		}
		found = true
		for _, k := range f.Keys {
			pub, err := x509.ParsePKIXPublicKey(k.Public)
			if err != nil {
				return fmt.Errorf("outbound public key %s of %s: %w", k.KeyID, account, err)
			}
			keys = append(keys, jose.JSONWebKey{Key: pub, KeyID: k.KeyID, Algorithm: k.Algorithm, Use: "sig"})
		}
		return nil
	})
	if notFound(err) {
		return nil, false, nil
	}
	return keys, found, err
}

// OutboundIdentity is what a web identity token tells of its caller (IAM User Guide, "Understanding token
// claims").
type OutboundIdentity struct {
	// Subject is the principal's ARN: the IAM user's, the root user's, or for a role session the role's (the
	// token identifies the role, not the session).
	Subject string
	// PrincipalTags are the principal's tags (for a role session, the role's tags overridden by the session's).
	PrincipalTags map[string]string
	// OrgID and OUPath place the account in its organization; empty outside one.
	OrgID, OUPath string
	// SessionExpires is when the caller's temporary credentials expire; zero for a long-term access key.
	SessionExpires time.Time
}

// OutboundIdentity gathers what a web identity token tells of the caller.
func (s *Service) OutboundIdentity(ctx context.Context, r store.Reader, c *Caller) (*OutboundIdentity, error) {
	id := &OutboundIdentity{Subject: c.Principal.ARN}
	if c.SessionToken {
		e, err := r.GetByID(ctx, c.AccessKeyID)
		if err != nil {
			return nil, fmt.Errorf("caller's session %s: %w", c.AccessKeyID, err)
		}
		if e.Kind != KindSession {
			return nil, fmt.Errorf("caller's session %s is a %s", c.AccessKeyID, e.Kind)
		}
		rec, err := decode[session](e)
		if err != nil {
			return nil, err
		}
		id.SessionExpires = rec.Expiration
		if c.Principal.Type == authz.PrincipalAssumedRole && rec.Role != nil {
			id.Subject = rec.Role.RoleARN
		}
	}
	ce, err := s.evaluator(ctx, r, c)
	if err != nil {
		return nil, err
	}
	if len(ce.tags) > 0 {
		id.PrincipalTags = make(map[string]string, len(ce.tags))
		for k, v := range ce.tags {
			id.PrincipalTags[k] = v
		}
	}
	v, err := s.accountOrg(ctx, r, c.Account())
	if err != nil {
		return nil, err
	}
	if v != nil {
		id.OrgID, id.OUPath = v.OrgID, v.Paths
	}
	return id, nil
}
