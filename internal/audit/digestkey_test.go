package audit_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newBox(t *testing.T) *secret.Box {
	t.Helper()
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// TestDigestSigningKeyIsMadeOnceAndSealed: the first call makes the key, later ones and concurrent ones use it;
// the store holds its private half only sealed, and DigestPublicKeys lists the public half with its fingerprint.
func TestDigestSigningKeyIsMadeOnceAndSealed(t *testing.T) {
	ctx := context.Background()
	st, box := newStore(t), newBox(t)
	now := time.Date(2026, 3, 14, 9, 26, 53, 5e8, time.UTC)
	var wg sync.WaitGroup
	signers := make([]*audit.DigestSigner, 3)
	errs := make([]error, 3)
	for i := range signers {
		wg.Go(func() { signers[i], errs[i] = audit.DigestSigningKey(ctx, st, box, now) })
	}
	wg.Wait()
	for i := range signers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if signers[i].Fingerprint() != signers[0].Fingerprint() {
			t.Fatalf("two keys made: %s and %s", signers[i].Fingerprint(), signers[0].Fingerprint())
		}
	}
	again, err := audit.DigestSigningKey(ctx, st, box, now.Add(time.Hour))
	if err != nil || again.Fingerprint() != signers[0].Fingerprint() {
		t.Fatalf("a later call: %v, %v", again, err)
	}

	var keys []audit.DigestPublicKey
	var meta [][]byte
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		keys, err = audit.DigestPublicKeys(ctx, r)
		m, _ := r.Meta(ctx, "audit-digest-keys")
		meta = append(meta, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("%d public keys", len(keys))
	}
	k := keys[0]
	sum := md5.Sum(k.Value)
	if k.Fingerprint != hex.EncodeToString(sum[:]) || k.Fingerprint != signers[0].Fingerprint() || len(k.Fingerprint) != 32 ||
		!k.ValidityStartTime.Equal(now.Truncate(time.Second)) || !k.ValidityEndTime.IsZero() {
		t.Fatalf("public key %+v", k)
	}
	pub, err := x509.ParsePKCS1PublicKey(k.Value)
	if err != nil || pub.N.BitLen() != 2048 {
		t.Fatalf("public key value: %v", err)
	}

	msg := []byte("2026-03-14T10:00:00Z\nbucket/object\nabc\nnull")
	sig, err := again.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
		t.Fatalf("the signature does not verify with the listed public key: %v", err)
	}

	// The private key is in the store only sealed, and the signer prints as its fingerprint.
	for _, v := range []string{fmt.Sprint(again), fmt.Sprintf("%+v", again), fmt.Sprintf("%#v", again), fmt.Sprintf("%s", again)} {
		if v != "digest signer "+again.Fingerprint() {
			t.Errorf("the signer prints as %.200s", v)
		}
	}
	if bytes.Contains(meta[0], []byte("PRIVATE")) {
		t.Error("the stored keys name a private key in plain text")
	}
}

// TestDigestSigningKeyNeedsTheMasterKey: a store's digest key does not open under another master key.
func TestDigestSigningKeyNeedsTheMasterKey(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	if _, err := audit.DigestSigningKey(ctx, st, newBox(t), time.Now()); err != nil {
		t.Fatal(err)
	}
	_, err := audit.DigestSigningKey(ctx, st, newBox(t), time.Now())
	if !errors.Is(err, secret.ErrDecrypt) {
		t.Fatalf("err = %v, want secret.ErrDecrypt", err)
	}
}

// TestDigestPublicKeysOfAStoreWithoutKey are none.
func TestDigestPublicKeysOfAStoreWithoutKey(t *testing.T) {
	st := newStore(t)
	err := st.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		keys, err := audit.DigestPublicKeys(ctx, r)
		if len(keys) != 0 {
			t.Errorf("%d keys", len(keys))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
