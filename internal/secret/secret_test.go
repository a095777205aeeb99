package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
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

func TestWriteKeyThenReadKeyWithPrivateMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "master.key")
	if _, err := ReadKey(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing key: %v, want fs.ErrNotExist", err)
	}
	k1 := NewKey()
	if err := WriteKey(path, k1); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	k2, err := ReadKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("key changed on reload")
	}
	if err := WriteKey(path, NewKey()); err == nil {
		t.Fatal("WriteKey replaced an existing key")
	}
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadKey(path); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Fatalf("a bad key file: %v", err)
	}
}

func TestKeyCheckOpensOnlyWithItsKey(t *testing.T) {
	a, _ := NewBox(NewKey())
	b, _ := NewBox(NewKey())
	check := a.NewCheck()
	if err := a.Verify(check); err != nil {
		t.Fatalf("own key: %v", err)
	}
	if err := b.Verify(check); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("other key: %v, want ErrWrongKey", err)
	}
	if err := a.Verify(a.Seal([]byte("iamd master key check"), []byte("AKIA1"))); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("a secret sealed for another owner passed as a key check: %v", err)
	}
	if err := a.Verify(nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("empty check: %v", err)
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

// FuzzReadKey: whatever a key file holds, ReadKey returns a 32-byte key or an error, and the error never quotes
// the file (which may be a key of another format).
func FuzzReadKey(f *testing.F) {
	f.Add([]byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, KeySize)) + "\n"))
	f.Add([]byte("c2hvcnQ=\n"))
	f.Add([]byte("not base64 at all \r\n"))
	f.Add([]byte{})
	path := filepath.Join(f.TempDir(), "master.key")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		key, err := ReadKey(path)
		if err != nil {
			trimmed := strings.TrimSpace(string(data))
			rest := strings.ReplaceAll(err.Error(), path, "")
			if len(trimmed) >= 8 && !strings.Contains("secret:  does not hold a base64 32-byte key", trimmed) && strings.Contains(rest, trimmed) {
				t.Fatalf("the error quotes the file: %v", err)
			}
			return
		}
		if len(key) != KeySize {
			t.Fatalf("key of %d bytes", len(key))
		}
	})
}

// TestTimeUUIDsAreVersion7AndOrdered: NewTimeUUID writes RFC 9562's version 7 layout (the version nibble 7, the
// variant 10), and IDs of later milliseconds sort after earlier ones as text.
func TestTimeUUIDsAreVersion7AndOrdered(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	prev := ""
	for i := range 1000 {
		id := NewTimeUUID(t0.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 36 || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("%s: not a version 7 UUID", id)
		}
		if id <= prev {
			t.Fatalf("%s does not sort after %s", id, prev)
		}
		prev = id
	}
	if got, want := NewTimeUUID(t0)[:13], fmt.Sprintf("%08x-%04x", uint64(t0.UnixMilli())>>16, uint64(t0.UnixMilli())&0xffff); got != want {
		t.Fatalf("time field %s", got)
	}
}

// TestUUIDTextIsTheUsualForm: a UUID is written as 8-4-4-4-12 lower-case hex digits, with RFC 9562's variant (10)
// set.
func TestUUIDTextIsTheUsualForm(t *testing.T) {
	b := [16]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x41, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	if got, want := uuidText(b), "01234567-89ab-cdef-8123-456789abcdef"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
