package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func masterKey(t *testing.T) *MasterKey {
	t.Helper()
	mk, err := NewMasterKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return mk
}

// boxOf opens r with mk and returns its box.
func boxOf(t *testing.T, r *Keyring, mk *MasterKey) *Box {
	t.Helper()
	keys, err := r.Unwrap(mk)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKeyringBox(keys, r.Active, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// roundTrip stores r and reads it back, as the store does.
func roundTrip(t *testing.T, r *Keyring) *Keyring {
	t.Helper()
	back, err := ParseKeyring(r.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestKeyringSealsWithItsActiveKeyIDAndNeverStoresAKeyInTheClear(t *testing.T) {
	mk := masterKey(t)
	r, err := NewKeyring(mk, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r = roundTrip(t, r)
	keys, _ := r.Unwrap(mk)
	if len(keys) != 1 || keys[0].ID != 1 || r.Active != 1 {
		t.Fatalf("keys %+v, active %d", keys, r.Active)
	}
	if bytes.Contains(r.Marshal(), keys[0].Key) {
		t.Fatal("the stored keyring holds the data key")
	}
	b := boxOf(t, r, mk)
	ct := b.Seal([]byte("secret"), []byte("AKIA1"))
	if id, ok := SealedKeyID(ct); !ok || id != 1 {
		t.Fatalf("sealed key ID %d, %t", id, ok)
	}
	if pt, err := b.Open(ct, []byte("AKIA1")); err != nil || string(pt) != "secret" {
		t.Fatalf("open: %q, %v", pt, err)
	}
	if _, err := b.Open(ct, []byte("AKIA2")); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("another owner: %v", err)
	}
}

func TestKeyringKeepsTheLegacyKeyForCiphertextsWithoutAKeyID(t *testing.T) {
	legacyKey := NewKey()
	old, _ := NewBox(legacyKey)
	before := old.Seal([]byte("from before"), []byte("AKIA1"))
	if _, ok := SealedKeyID(before); ok && !bytes.HasPrefix(before, []byte(sealedMagic)) {
		t.Fatal("a legacy ciphertext reads as one with a key ID")
	}
	mk, _ := NewMasterKey(legacyKey) // a data directory migrates with its old key as the master key
	r, err := NewKeyring(mk, legacyKey, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.Active != 2 || len(r.Keys) != 2 || !r.Keys[0].Legacy {
		t.Fatalf("keyring %+v", r)
	}
	b := boxOf(t, roundTrip(t, r), mk)
	if pt, err := b.Open(before, []byte("AKIA1")); err != nil || string(pt) != "from before" {
		t.Fatalf("a secret from before data keys: %q, %v", pt, err)
	}
	after := b.Seal([]byte("new"), []byte("AKIA1"))
	if id, _ := SealedKeyID(after); id != 2 {
		t.Fatalf("new secrets are sealed with key %d, want the new data key 2", id)
	}
	if _, err := old.Open(after, []byte("AKIA1")); err == nil {
		t.Fatal("the old key opens a secret sealed after the migration")
	}
	// A legacy ciphertext whose random nonce starts like a key ID still opens.
	// A ciphertext from before whose random nonce begins like a key ID still opens (with the legacy key).
	lucky := legacyWithPrefix(t, legacyKey, sealedMagic+"\x00\x00\x00\x02")
	if pt, err := b.Open(lucky, []byte("AKIA1")); err != nil || string(pt) != "lucky" {
		t.Fatalf("a legacy ciphertext that looks like one of key 2: %q, %v", pt, err)
	}
}

func TestKeyringRotatesItsMasterKeyWithBothOpeningUntilTheFinish(t *testing.T) {
	oldMK, newMK, other := masterKey(t), masterKey(t), masterKey(t)
	r, _ := NewKeyring(oldMK, nil, time.Now())
	sealed := boxOf(t, r, oldMK).Seal([]byte("kept"), []byte("id"))
	if _, err := r.Unwrap(newMK); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("a new master key before the rotation: %v", err)
	}
	if err := r.AddMasterKey(newMK, other); !errors.Is(err, ErrWrongMasterKey) {
		t.Fatalf("rotating with a key that does not open the keyring: %v", err)
	}
	if err := r.AddMasterKey(oldMK, newMK); err != nil {
		t.Fatal(err)
	}
	r = roundTrip(t, r)
	if got := r.MasterKeyIDs(); len(got) != 2 {
		t.Fatalf("master keys during the rotation: %v", got)
	}
	for _, mk := range []*MasterKey{oldMK, newMK} {
		if pt, err := boxOf(t, r, mk).Open(sealed, []byte("id")); err != nil || string(pt) != "kept" {
			t.Fatalf("during the rotation: %q, %v", pt, err)
		}
	}
	dropped, err := r.KeepOnlyMasterKey(newMK)
	if err != nil || len(dropped) != 1 || dropped[0] != oldMK.ID() {
		t.Fatalf("finish: %v, %v", dropped, err)
	}
	r = roundTrip(t, r)
	_, err = r.Unwrap(oldMK)
	if !errors.Is(err, ErrWrongMasterKey) || !strings.Contains(err.Error(), newMK.ID()) {
		t.Fatalf("the old master key after the finish: %v", err)
	}
	if pt, err := boxOf(t, r, newMK).Open(sealed, []byte("id")); err != nil || string(pt) != "kept" {
		t.Fatalf("after the finish: %q, %v", pt, err)
	}
}

func TestKeyringAddsADataKeyThatSealsNewSecretsWhileOldOnesKeepOpening(t *testing.T) {
	mk, second := masterKey(t), masterKey(t)
	r, _ := NewKeyring(mk, nil, time.Now())
	old := boxOf(t, r, mk).Seal([]byte("one"), nil)
	if err := r.AddMasterKey(mk, second); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddDataKey([]*MasterKey{mk}, time.Now()); err == nil {
		t.Fatal("a data key added during a master key rotation without the other master key")
	}
	id, err := r.AddDataKey([]*MasterKey{mk, second}, time.Now())
	if err != nil || id != 2 || r.Active != 2 {
		t.Fatalf("new data key %d, %v", id, err)
	}
	r = roundTrip(t, r)
	for _, m := range []*MasterKey{mk, second} {
		b := boxOf(t, r, m)
		if _, err := b.Open(old, nil); err != nil {
			t.Fatal(err)
		}
		if id, _ := SealedKeyID(b.Seal([]byte("two"), nil)); id != 2 {
			t.Fatalf("sealed with %d", id)
		}
	}
}

func TestBoxReloadsItsKeysForADataKeyAddedElsewhere(t *testing.T) {
	mk := masterKey(t)
	r, _ := NewKeyring(mk, nil, time.Now())
	stored := r.Marshal()
	reloads := 0
	reload := func() ([]DataKey, uint32, error) {
		reloads++
		r, err := ParseKeyring(stored)
		if err != nil {
			return nil, 0, err
		}
		keys, err := r.Unwrap(mk)
		return keys, r.Active, err
	}
	keys, _ := r.Unwrap(mk)
	running, err := NewKeyringBox(keys, r.Active, reload)
	if err != nil {
		t.Fatal(err)
	}
	// Another node adds data key 2 and seals with it.
	if _, err := r.AddDataKey([]*MasterKey{mk}, time.Now()); err != nil {
		t.Fatal(err)
	}
	stored = r.Marshal()
	ct := boxOf(t, r, mk).Seal([]byte("from the other node"), nil)
	if pt, err := running.Open(ct, nil); err != nil || string(pt) != "from the other node" {
		t.Fatalf("open after another node added a data key: %q, %v", pt, err)
	}
	bogus := append([]byte(sealedMagic+"\x00\x00\x00\x09"), ct[headerSize:]...)
	for range 50 {
		if _, err := running.Open(bogus, nil); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("an unknown key ID: %v", err)
		}
	}
	if reloads != 1 {
		t.Fatalf("%d reloads, want 1 (at most one a second)", reloads)
	}
}

func TestParseKeyringRefusesWhatItCannotRead(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":      "master-key-check",
		"a new version": `{"version":2,"active":1,"keys":[{"id":1,"wrapped":{}}]}`,
		"no active key": `{"version":1,"active":3,"keys":[{"id":1,"wrapped":{}}]}`,
		"no keys":       `{"version":1,"active":0,"keys":[]}`,
	} {
		if _, err := ParseKeyring([]byte(in)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

// legacyWithPrefix seals "lucky" for AKIA1 with key in the form without a key ID, with a nonce that begins with
// prefix.
func legacyWithPrefix(t *testing.T, key []byte, prefix string) []byte {
	t.Helper()
	aead, err := newAEAD(key)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	copy(nonce, prefix)
	nonce[len(nonce)-1] = 0x5a
	return aead.Seal(nonce, nonce, []byte("lucky"), []byte("AKIA1"))
}

// FuzzOpen: whatever bytes a box is asked to open (a client's encoded message, a damaged record), it returns an
// error or the plaintext, never panics, and opens nothing it did not seal.
func FuzzOpen(f *testing.F) {
	mk, _ := NewMasterKey(bytes.Repeat([]byte{3}, KeySize))
	legacy := bytes.Repeat([]byte{4}, KeySize)
	r, _ := NewKeyring(mk, legacy, time.Unix(0, 0))
	keys, _ := r.Unwrap(mk)
	b, _ := NewKeyringBox(keys, r.Active, nil)
	lb, _ := NewBox(legacy)
	f.Add(b.Seal([]byte("x"), nil))
	f.Add(lb.Seal([]byte("x"), nil))
	f.Add([]byte(sealedMagic + "\x00\x00\x00\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		if pt, err := b.Open(ct, []byte("fuzz")); err == nil {
			t.Fatalf("opened %q from bytes it did not seal", pt)
		}
	})
}

// FuzzParseKeyring: whatever the stored data keys hold, ParseKeyring and Unwrap return an error or keys of 32
// bytes, and never panic.
func FuzzParseKeyring(f *testing.F) {
	mk, _ := NewMasterKey(bytes.Repeat([]byte{3}, KeySize))
	r, _ := NewKeyring(mk, bytes.Repeat([]byte{4}, KeySize), time.Unix(0, 0))
	f.Add(r.Marshal())
	f.Add([]byte(`{"version":1,"active":1,"keys":[{"id":1,"wrapped":{"` + mk.ID() + `":"AAAA"}}]}`))
	f.Add([]byte(`{"version":1,"active":1,"keys":[{"id":1,"wrapped":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseKeyring(data)
		if err != nil {
			return
		}
		r.MasterKeyIDs()
		keys, err := r.Unwrap(mk)
		if err != nil {
			return
		}
		for _, k := range keys {
			if len(k.Key) != KeySize {
				t.Fatalf("a data key of %d bytes", len(k.Key))
			}
		}
	})
}
