// Package secret keeps secrets safe at rest and in comparison: an AES-256-GCM box whose key lives in the data
// directory (or comes from the operator), random identifiers and secrets in AWS's formats, and constant-time
// equality.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// KeySize is the size of a box key in bytes.
const KeySize = 32

// Box encrypts and decrypts small secrets with AES-256-GCM. A ciphertext carries its random nonce.
type Box struct{ aead cipher.AEAD }

// NewBox returns a box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext; additional data (e.g. the access key ID) binds the ciphertext to its owner.
func (b *Box) Seal(plaintext, additional []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return b.aead.Seal(nonce, nonce, plaintext, additional)
}

// ErrDecrypt is returned when a ciphertext does not open under the box's key.
var ErrDecrypt = errors.New("secret: ciphertext does not open with this key")

// Open decrypts what Seal produced with the same additional data.
func (b *Box) Open(ciphertext, additional []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(ciphertext) < n {
		return nil, ErrDecrypt
	}
	out, err := b.aead.Open(nil, ciphertext[:n], ciphertext[n:], additional)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// LoadOrCreateKey reads the base64 key in path, creating it with a random key (mode 0600) when it does not exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := base64.StdEncoding.DecodeString(string(trimSpace(data)))
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("secret: %s does not hold a base64 %d-byte key", path, KeySize)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// Equal compares two secrets in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // base32: upper-case letters and digits 2-7, as AWS IDs use

// NewID returns prefix followed by random characters to a total length of n, e.g. NewID("AIDA", 21) for a user ID
// or NewID("AKIA", 20) for an access key ID.
func NewID(prefix string, n int) string {
	b := make([]byte, n-len(prefix))
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + string(b)
}

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// NewSecretAccessKey returns a random 40-character secret access key in AWS's alphabet.
func NewSecretAccessKey() string {
	b := make([]byte, 40)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return string(b)
}
