package audit

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// TestDigestKeyIsStoredSealed: the store's meta value holds the private key neither raw nor in base64, and opens
// back to the same key with the master key.
func TestDigestKeyIsStoredSealed(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, err := secret.NewBox(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	s, err := DigestSigningKey(ctx, st, box, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	der := x509.MarshalPKCS1PrivateKey(s.key)
	var meta []byte
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		meta, err = r.Meta(ctx, digestKeysMeta)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, needle := range map[string][]byte{"DER": der, "base64": []byte(base64.StdEncoding.EncodeToString(der)[:40]),
		"private exponent": s.key.D.Bytes(), "prime": s.key.Primes[0].Bytes()} {
		if bytes.Contains(meta, needle) {
			t.Errorf("the stored digest keys hold the private key (%s)", name)
		}
	}
	var ks *storedDigestKeys
	if err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		ks, err = loadDigestKeys(ctx, r)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	opened, err := openDigestKey(box, ks.Keys[0])
	if err != nil || !opened.key.Equal(s.key) {
		t.Fatalf("the sealed key does not open to the signing key: %v", err)
	}
}
