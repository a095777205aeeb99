package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestBoxRoundTripAndBinding(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, err := NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	ct := b.Seal([]byte("wJalrXUtnFEMI/K7MDENG"), []byte("AKIA1"))
	if bytes.Contains(ct, []byte("wJalr")) {
		t.Fatal("ciphertext holds the plaintext")
	}
	pt, err := b.Open(ct, []byte("AKIA1"))
	if err != nil || string(pt) != "wJalrXUtnFEMI/K7MDENG" {
		t.Fatalf("open = %q, %v", pt, err)
	}
	if _, err := b.Open(ct, []byte("AKIA2")); err != ErrDecrypt {
		t.Fatalf("other owner opened it: %v", err)
	}
	other, _ := NewBox(bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Open(ct, []byte("AKIA1")); err != ErrDecrypt {
		t.Fatalf("other key opened it: %v", err)
	}
	if _, err := NewBox([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestLoadOrCreateKeyPersistsWithPrivateMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("key changed on reload")
	}
}

func TestIDFormats(t *testing.T) {
	if id := NewID("AKIA", 20); !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(id) {
		t.Fatal(id)
	}
	if s := NewSecretAccessKey(); !regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`).MatchString(s) {
		t.Fatal(s)
	}
	if !Equal("a", "a") || Equal("a", "b") {
		t.Fatal("Equal")
	}
}
