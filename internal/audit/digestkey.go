package audit

import (
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// The digest signing key signs the trail's digest files (CloudTrail's log file integrity validation): an RSA-2048
// key pair made once per store, its private half sealed with a data key (secret.Box) in the store-wide meta
// value digestKeysMeta, never written anywhere in plain text. CloudTrail's ListPublicKeys answers from
// DigestPublicKeys.

// digestKeysMeta is the store-wide value that holds the digest signing keys.
const digestKeysMeta = "audit-digest-keys"

// DigestSignatureAlgorithm is CloudTrail's name of the digest signature: RSA PKCS#1 v1.5 over SHA-256.
const DigestSignatureAlgorithm = "SHA256withRSA"

// digestKeyBits is the size of a digest signing key.
const digestKeyBits = 2048

// DigestPublicKey is one public key of the digest signatures, as CloudTrail's ListPublicKeys shows it.
type DigestPublicKey struct {
	// Value is the DER encoding of the PKCS#1 RSAPublicKey, what ListPublicKeys returns as Value (the AWS CLI's
	// validate-logs loads it with rsa.PublicKey.load_pkcs1(..., format='DER')).
	Value []byte
	// Fingerprint is the hex MD5 of Value. CloudTrail names each key by a 32-hex-digit fingerprint that digests
	// carry in digestPublicKeyFingerprint and validators only compare; it does not say what it hashes, and iamd
	// hashes the key as ListPublicKeys gives it.
	Fingerprint string
	// ValidityStartTime is when the key began to sign; ValidityEndTime when it stopped, zero while it signs.
	ValidityStartTime time.Time
	ValidityEndTime   time.Time
}

// storedDigestKey is a digest signing key at rest.
type storedDigestKey struct {
	Fingerprint string    `json:"fingerprint"`
	Public      []byte    `json:"public"` // PKCS#1 DER
	Sealed      []byte    `json:"sealed"` // PKCS#1 DER of the private key, sealed with digestKeyAD
	Created     time.Time `json:"created"`
	Retired     time.Time `json:"retired,omitzero"`
}

type storedDigestKeys struct {
	Keys []storedDigestKey `json:"keys"`
}

// digestKeyAD binds a sealed digest key to its fingerprint.
func digestKeyAD(fingerprint string) []byte { return []byte("iamd audit digest key " + fingerprint) }

// DigestKeyFingerprint returns the fingerprint of a public key: the hex MD5 of its PKCS#1 DER encoding.
func DigestKeyFingerprint(pub *rsa.PublicKey) string {
	sum := md5.Sum(x509.MarshalPKCS1PublicKey(pub))
	return hex.EncodeToString(sum[:])
}

func loadDigestKeys(ctx context.Context, r store.Reader) (*storedDigestKeys, error) {
	b, err := r.Meta(ctx, digestKeysMeta)
	if errors.Is(err, store.ErrNotFound) {
		return &storedDigestKeys{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the digest keys: %w", err)
	}
	var ks storedDigestKeys
	if err := json.Unmarshal(b, &ks); err != nil {
		return nil, fmt.Errorf("decode the digest keys: %w", err)
	}
	return &ks, nil
}

// DigestPublicKeys returns the public keys that sign or have signed the trail's digests, oldest first; none until
// the first export made the key.
func DigestPublicKeys(ctx context.Context, r store.Reader) ([]DigestPublicKey, error) {
	ks, err := loadDigestKeys(ctx, r)
	if err != nil {
		return nil, err
	}
	out := make([]DigestPublicKey, 0, len(ks.Keys))
	for _, k := range ks.Keys {
		out = append(out, DigestPublicKey{Value: k.Public, Fingerprint: k.Fingerprint, ValidityStartTime: k.Created, ValidityEndTime: k.Retired})
	}
	return out, nil
}

// DigestSigner signs digests with the private key of one fingerprint. It prints as its fingerprint only.
type DigestSigner struct {
	fingerprint string
	key         *rsa.PrivateKey
}

// Fingerprint is the fingerprint of the signer's public key.
func (s *DigestSigner) Fingerprint() string { return s.fingerprint }

// Sign returns the SHA256withRSA signature (RSA PKCS#1 v1.5 over the SHA-256 of data).
func (s *DigestSigner) Sign(data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
}

// String names the signer by its fingerprint, so that no format verb prints the private key.
func (s *DigestSigner) String() string { return "digest signer " + s.fingerprint }

// GoString is String, for %#v.
func (s *DigestSigner) GoString() string { return s.String() }

// Updater runs write transactions (store.Store does).
type Updater interface {
	Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error
}

// DigestSigningKey returns the signer of the store's current digest key, making the key (stamped now) when the
// store has none. Two processes that make one at once agree: the first to commit wins and the other uses it.
func DigestSigningKey(ctx context.Context, st Updater, box *secret.Box, now time.Time) (*DigestSigner, error) {
	var fresh *rsa.PrivateKey
	for {
		var signer *DigestSigner
		err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			ks, err := loadDigestKeys(ctx, tx)
			if err != nil {
				return err
			}
			for i := len(ks.Keys) - 1; i >= 0; i-- {
				if k := ks.Keys[i]; k.Retired.IsZero() {
					signer, err = openDigestKey(box, k)
					return err
				}
			}
			if fresh == nil { // made outside the transaction: an RSA key takes a while
				return nil
			}
			k := storedDigestKey{Fingerprint: DigestKeyFingerprint(&fresh.PublicKey), Public: x509.MarshalPKCS1PublicKey(&fresh.PublicKey),
				Created: now.UTC().Truncate(time.Second)}
			k.Sealed = box.Seal(x509.MarshalPKCS1PrivateKey(fresh), digestKeyAD(k.Fingerprint))
			ks.Keys = append(ks.Keys, k)
			b, err := json.Marshal(ks)
			if err != nil {
				return err
			}
			if err := tx.PutMeta(ctx, digestKeysMeta, b); err != nil {
				return fmt.Errorf("store the digest key: %w", err)
			}
			signer = &DigestSigner{fingerprint: k.Fingerprint, key: fresh}
			return nil
		})
		if err != nil || signer != nil {
			return signer, err
		}
		if fresh, err = rsa.GenerateKey(rand.Reader, digestKeyBits); err != nil {
			return nil, fmt.Errorf("make the digest key: %w", err)
		}
	}
}

func openDigestKey(box *secret.Box, k storedDigestKey) (*DigestSigner, error) {
	der, err := box.Open(k.Sealed, digestKeyAD(k.Fingerprint))
	if err != nil {
		return nil, fmt.Errorf("open the digest key %s: %w", k.Fingerprint, err)
	}
	key, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("decode the digest key %s: %w", k.Fingerprint, err)
	}
	if DigestKeyFingerprint(&key.PublicKey) != k.Fingerprint {
		return nil, fmt.Errorf("the digest key %s does not match its fingerprint", k.Fingerprint)
	}
	return &DigestSigner{fingerprint: k.Fingerprint, key: key}, nil
}
