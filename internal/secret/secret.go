// Package secret keeps secrets safe at rest and in comparison: an AES-256-GCM box that seals with data keys, the
// keyring that keeps those data keys in the store wrapped by one or more master keys (key-encryption keys that
// each node is given), random identifiers and secrets in AWS's formats, and constant-time equality.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// KeySize is the size of a box key in bytes.
const KeySize = 32

// Box encrypts and decrypts small secrets with AES-256-GCM. A ciphertext carries its random nonce.
//
// A box made by NewBox has one key and seals in the form iamd used before data keys (nonce and ciphertext, no key
// ID). A box made by NewKeyringBox (from the data keys of a Keyring) seals with its active data key and prefixes
// the ciphertext with that key's ID, so that it opens with whichever data key sealed it; it opens ciphertexts
// without an ID with its legacy key, if it has one.
type Box struct {
	keys   atomic.Pointer[keySet]
	reload func() ([]DataKey, uint32, error)
	mu     sync.Mutex // serializes reloads
	last   time.Time  // of the last reload
}

// keySet is what a box seals and opens with at one time.
type keySet struct {
	active uint32      // the ID of the key that seals; 0 with seal nil
	seal   cipher.AEAD // nil: seal in the legacy form with legacy
	byID   map[uint32]cipher.AEAD
	legacy cipher.AEAD // opens ciphertexts without a key ID; nil when none
}

// NewBox returns a box for a 32-byte key, sealing in the form without a key ID.
func NewBox(key []byte) (*Box, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	b := &Box{}
	b.keys.Store(&keySet{legacy: aead})
	return b, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: key must be %d bytes, not %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealedMagic starts a ciphertext that names its data key: then the key ID (4 bytes, big-endian), the nonce and
// the sealed text. A ciphertext without a key ID starts with its random nonce, which may begin with these bytes
// too: Open then falls back to the legacy key, so such a ciphertext still opens.
const sealedMagic = "\x00iK"

// headerSize is the size of the key ID prefix.
const headerSize = len(sealedMagic) + 4

// Seal encrypts plaintext; additional data (e.g. the access key ID) binds the ciphertext to its owner.
func (b *Box) Seal(plaintext, additional []byte) []byte {
	ks := b.keys.Load()
	aead, prefix := ks.legacy, 0
	if ks.seal != nil {
		aead, prefix = ks.seal, headerSize
	}
	n := aead.NonceSize()
	out := make([]byte, prefix+n, prefix+n+len(plaintext)+aead.Overhead())
	if prefix > 0 {
		copy(out, sealedMagic)
		binary.BigEndian.PutUint32(out[len(sealedMagic):], ks.active)
	}
	nonce := out[prefix:]
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return aead.Seal(out, nonce, plaintext, additional)
}

// ErrDecrypt is returned when a ciphertext does not open under the box's key.
var ErrDecrypt = errors.New("secret: ciphertext does not open with this key")

// SealedKeyID returns the ID of the data key that sealed ciphertext, and false for a ciphertext in the form
// without a key ID.
func SealedKeyID(ciphertext []byte) (uint32, bool) {
	if len(ciphertext) < headerSize || string(ciphertext[:len(sealedMagic)]) != sealedMagic {
		return 0, false
	}
	return binary.BigEndian.Uint32(ciphertext[len(sealedMagic):headerSize]), true
}

// Open decrypts what Seal produced with the same additional data. A ciphertext sealed with a data key the box
// does not know yet (another node added it) makes the box reload its keys, at most once a second.
func (b *Box) Open(ciphertext, additional []byte) ([]byte, error) {
	ks := b.keys.Load()
	if id, ok := SealedKeyID(ciphertext); ok {
		aead := ks.byID[id]
		if aead == nil && ks.seal != nil {
			ks = b.reloadFor(id)
			aead = ks.byID[id]
		}
		if aead != nil {
			if out, err := openWith(aead, ciphertext[headerSize:], additional); err == nil {
				return out, nil
			}
		}
	}
	if ks.legacy == nil {
		return nil, ErrDecrypt
	}
	return openWith(ks.legacy, ciphertext, additional)
}

func openWith(aead cipher.AEAD, ciphertext, additional []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(ciphertext) < n {
		return nil, ErrDecrypt
	}
	out, err := aead.Open(nil, ciphertext[:n], ciphertext[n:], additional)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// ErrWrongKey is returned by Box.Verify when a key check was sealed with another key.
var ErrWrongKey = errors.New("secret: the key check does not open with this key")

// The key check is a fixed value sealed under fixed additional data that no secret uses, so that a store can tell,
// before it serves, whether a key is the one its secrets were sealed with.
var (
	checkAdditional = []byte("iamd master key check v1")
	checkPlaintext  = []byte("iamd master key check")
)

// NewCheck returns a key check for this box's key, to keep next to the secrets it seals.
func (b *Box) NewCheck() []byte { return b.Seal(checkPlaintext, checkAdditional) }

// Verify returns nil when check (from NewCheck) was sealed with this box's key, and ErrWrongKey otherwise.
func (b *Box) Verify(check []byte) error {
	p, err := b.Open(check, checkAdditional)
	if err != nil || !Equal(string(p), string(checkPlaintext)) {
		return ErrWrongKey
	}
	return nil
}

// NewKey returns a random box key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return key
}

// ReadKey reads the base64 key in path. A missing file is an error that wraps fs.ErrNotExist. Errors never hold
// the file's content.
func ReadKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(string(trimSpace(data)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("secret: %s does not hold a base64 %d-byte key", path, KeySize)
	}
	return key, nil
}

// WriteKey writes key in base64 to a new file at path (mode 0600, created with its directory if needed; an
// existing file is an error) and syncs it to disk.
func WriteKey(path string, key []byte) error {
	if len(key) != KeySize {
		return fmt.Errorf("secret: key must be %d bytes, not %d", KeySize, len(key))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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

// NewUUID returns a random (version 4) UUID in its usual text form, as AWS writes request IDs.
func NewUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	return uuidText(b)
}

// NewTimeUUID returns a time-ordered (version 7, RFC 9562) UUID for the moment t: 48 bits of Unix milliseconds,
// then 74 random bits. IDs made later sort after (to the millisecond), so an index on them grows at its end
// instead of at random places: the trail's event IDs, which CloudTrail defines only as a GUID.
func NewTimeUUID(t time.Time) string {
	var b [16]byte
	rand.Read(b[6:])
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	return uuidText(b)
}

// uuidText is the UUID b, its variant set, in the usual text form: one allocation (every request and every event
// has one).
func uuidText(b [16]byte) string {
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}
