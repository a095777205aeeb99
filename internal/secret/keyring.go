package secret

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A MasterKey is a key-encryption key: it seals (wraps) the data keys of a Keyring and never seals a secret
// itself. Each node is given one (a file or the environment); the store keeps only what it wrapped.
type MasterKey struct {
	aead cipher.AEAD
	id   string
}

// NewMasterKey returns the master key of 32 bytes.
func NewMasterKey(key []byte) (*MasterKey, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("iamd master key id v1"))
	return &MasterKey{aead: aead, id: hex.EncodeToString(mac.Sum(nil)[:8])}, nil
}

// ID is the master key's public fingerprint (16 hex digits, an HMAC of a fixed text under the key): it tells
// which master keys wrap a keyring without telling anything of the keys.
func (m *MasterKey) ID() string { return m.id }

// DataKey is a data key in the clear, as a Box seals and opens with it.
type DataKey struct {
	ID     uint32
	Key    []byte
	Legacy bool // it also opens the ciphertexts sealed without a key ID, before data keys existed
}

// Keyring is the store-wide record of the data keys, each wrapped by every master key that may open the store.
// It is stored as JSON (Marshal, ParseKeyring); it never holds a key in the clear.
type Keyring struct {
	Version int `json:"version"`
	// Active is the ID of the data key that seals new secrets.
	Active uint32 `json:"active"`
	// Keys are the data keys, oldest first; none is ever removed, so that every secret keeps opening.
	Keys []WrappedDataKey `json:"keys"`
}

// WrappedDataKey is one data key of a Keyring.
type WrappedDataKey struct {
	ID      uint32    `json:"id"`
	Legacy  bool      `json:"legacy,omitempty"`
	Created time.Time `json:"created"`
	// Wrapped is the key sealed by each master key, by the master key's ID.
	Wrapped map[string][]byte `json:"wrapped"`
}

// keyringVersion is the Keyring format this package writes and reads.
const keyringVersion = 1

// ErrWrongMasterKey is returned when a master key is not one of those that wrap a keyring's data keys, or does
// not open them.
var ErrWrongMasterKey = errors.New("secret: the master key does not open the data keys")

// NewKeyring returns a keyring of one new random data key, active, wrapped by mk. legacy, when not nil, is the key
// that sealed the store's secrets before data keys existed: it is kept as data key 1 (opening the ciphertexts
// without a key ID), and the new key, which seals from now on, is data key 2.
func NewKeyring(mk *MasterKey, legacy []byte, now time.Time) (*Keyring, error) {
	r := &Keyring{Version: keyringVersion}
	if legacy != nil {
		if len(legacy) != KeySize {
			return nil, fmt.Errorf("secret: legacy key must be %d bytes, not %d", KeySize, len(legacy))
		}
		r.Keys = append(r.Keys, WrappedDataKey{ID: 1, Legacy: true, Created: now.UTC(), Wrapped: map[string][]byte{mk.id: wrap(mk, 1, legacy)}})
	}
	if _, err := r.AddDataKey([]*MasterKey{mk}, now); err != nil {
		return nil, err
	}
	return r, nil
}

// ParseKeyring reads a keyring as Marshal wrote it.
func ParseKeyring(b []byte) (*Keyring, error) {
	var r Keyring
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("secret: the stored data keys do not parse: %w", err)
	}
	if r.Version != keyringVersion {
		return nil, fmt.Errorf("secret: the stored data keys are in version %d; this iamd reads version %d", r.Version, keyringVersion)
	}
	if len(r.Keys) == 0 || r.find(r.Active) < 0 {
		return nil, errors.New("secret: the stored data keys are incomplete (no active key)")
	}
	return &r, nil
}

// Marshal returns the keyring as stored.
func (r *Keyring) Marshal() []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // plain types only
	}
	return b
}

// MasterKeyIDs returns the IDs of the master keys that wrap the keyring (every data key), sorted.
func (r *Keyring) MasterKeyIDs() []string {
	var ids []string
	for id := range r.Keys[0].Wrapped {
		if r.wrappedByAll(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (r *Keyring) wrappedByAll(mkID string) bool {
	for _, k := range r.Keys {
		if _, ok := k.Wrapped[mkID]; !ok {
			return false
		}
	}
	return true
}

func (r *Keyring) find(id uint32) int {
	return slices.IndexFunc(r.Keys, func(k WrappedDataKey) bool { return k.ID == id })
}

// Unwrap returns the data keys in the clear and the ID of the active one, or an error that wraps
// ErrWrongMasterKey when mk does not wrap them all or does not open them. The error names the master key IDs that
// would, never key material.
func (r *Keyring) Unwrap(mk *MasterKey) ([]DataKey, error) {
	if !r.wrappedByAll(mk.id) {
		return nil, fmt.Errorf("%w: they are wrapped by the master keys %s, not by %s", ErrWrongMasterKey,
			strings.Join(r.MasterKeyIDs(), ", "), mk.id)
	}
	keys := make([]DataKey, 0, len(r.Keys))
	for _, k := range r.Keys {
		key, err := openWith(mk.aead, k.Wrapped[mk.id], wrapAdditional(k.ID))
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("%w: data key %d does not open with the master key %s (the stored record was changed)", ErrWrongMasterKey, k.ID, mk.id)
		}
		keys = append(keys, DataKey{ID: k.ID, Key: key, Legacy: k.Legacy})
	}
	return keys, nil
}

// AddMasterKey wraps every data key by next as well as by the master keys that already wrap it (current opens
// them), so that a node given either key opens the keyring. Adding a key that is there already changes nothing.
func (r *Keyring) AddMasterKey(current, next *MasterKey) error {
	keys, err := r.Unwrap(current)
	if err != nil {
		return err
	}
	for i, k := range keys {
		if _, ok := r.Keys[i].Wrapped[next.id]; !ok {
			r.Keys[i].Wrapped[next.id] = wrap(next, k.ID, k.Key)
		}
	}
	return nil
}

// KeepOnlyMasterKey removes the wrappings of every master key but mk (which must open the keyring), and returns
// the IDs of the master keys removed: nodes given those keys no longer start.
func (r *Keyring) KeepOnlyMasterKey(mk *MasterKey) ([]string, error) {
	if _, err := r.Unwrap(mk); err != nil {
		return nil, err
	}
	var dropped []string
	for i := range r.Keys {
		for id := range r.Keys[i].Wrapped {
			if id != mk.id {
				delete(r.Keys[i].Wrapped, id)
				if !slices.Contains(dropped, id) {
					dropped = append(dropped, id)
				}
			}
		}
	}
	sort.Strings(dropped)
	return dropped, nil
}

// AddDataKey adds a new random data key, wrapped by each of mks, and makes it the active one; it returns its ID.
// mks must be every master key that wraps the keyring (and open it), so that the new key opens with each of them.
func (r *Keyring) AddDataKey(mks []*MasterKey, now time.Time) (uint32, error) {
	if len(r.Keys) > 0 {
		for _, id := range r.MasterKeyIDs() {
			if !slices.ContainsFunc(mks, func(m *MasterKey) bool { return m.id == id }) {
				return 0, fmt.Errorf("secret: the data keys are also wrapped by the master key %s: give it too, or finish its rotation first", id)
			}
		}
		for _, m := range mks {
			if _, err := r.Unwrap(m); err != nil {
				return 0, err
			}
		}
	}
	var id uint32 = 1
	for _, k := range r.Keys {
		id = max(id, k.ID+1)
	}
	key := NewKey()
	k := WrappedDataKey{ID: id, Created: now.UTC(), Wrapped: map[string][]byte{}}
	for _, m := range mks {
		k.Wrapped[m.id] = wrap(m, id, key)
	}
	r.Keys = append(r.Keys, k)
	r.Active = id
	return id, nil
}

// wrap seals a data key by a master key, bound to the data key's ID.
func wrap(mk *MasterKey, id uint32, key []byte) []byte {
	nonce := make([]byte, mk.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return mk.aead.Seal(nonce, nonce, key, wrapAdditional(id))
}

func wrapAdditional(id uint32) []byte {
	return []byte("iamd data key v1 " + strconv.FormatUint(uint64(id), 10))
}

// NewKeyringBox returns a box that seals with the data key active and opens with any of keys (and, with a legacy
// key, ciphertexts without a key ID). reload, when not nil, reads the keys again (the keys and the active ID) when
// a ciphertext names a data key the box does not know: another node may have added it since this box was made.
func NewKeyringBox(keys []DataKey, active uint32, reload func() ([]DataKey, uint32, error)) (*Box, error) {
	ks, err := newKeySet(keys, active)
	if err != nil {
		return nil, err
	}
	b := &Box{reload: reload}
	b.keys.Store(ks)
	return b, nil
}

func newKeySet(keys []DataKey, active uint32) (*keySet, error) {
	ks := &keySet{active: active, byID: make(map[uint32]cipher.AEAD, len(keys))}
	for _, k := range keys {
		aead, err := newAEAD(k.Key)
		if err != nil {
			return nil, fmt.Errorf("secret: data key %d: %w", k.ID, err)
		}
		ks.byID[k.ID] = aead
		if k.Legacy {
			ks.legacy = aead
		}
	}
	if ks.seal = ks.byID[active]; ks.seal == nil {
		return nil, fmt.Errorf("secret: no active data key %d", active)
	}
	return ks, nil
}

// reloadInterval is the least time between two reloads of a box's keys: a ciphertext that names an unknown key
// (garbage from a client, say) cannot make every request read the store.
const reloadInterval = time.Second

// reloadFor reloads the box's keys when id is unknown and the last reload is old enough, and returns the keys.
func (b *Box) reloadFor(id uint32) *keySet {
	b.mu.Lock()
	defer b.mu.Unlock()
	ks := b.keys.Load()
	if _, ok := ks.byID[id]; ok || b.reload == nil || time.Since(b.last) < reloadInterval {
		return ks
	}
	b.last = time.Now()
	keys, active, err := b.reload()
	if err != nil {
		return ks
	}
	next, err := newKeySet(keys, active)
	if err != nil {
		return ks
	}
	b.keys.Store(next)
	return next
}

// ActiveKeyID returns the ID of the data key the box seals with, and false for a box that seals without key IDs.
func (b *Box) ActiveKeyID() (uint32, bool) {
	ks := b.keys.Load()
	return ks.active, ks.seal != nil
}
