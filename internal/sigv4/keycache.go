package sigv4

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// defaultKeyCacheSize is the number of derived signing keys a Verifier keeps when KeyCacheSize is zero. A
// signing key is valid for one access key, day, region and service, so a busy server needs about one entry per
// active access key.
const defaultKeyCacheSize = 1024

// keyCache holds derived signing keys, indexed by a SHA-256 fingerprint of (secret, date, region, service), so
// that it holds no secret and a rotated secret never meets a stale key. It is bounded: when full, inserting
// evicts an arbitrary entry (Go's map iteration order), which costs O(1) and suits a working set that changes
// once a day.
type keyCache struct {
	mu           sync.Mutex
	m            map[[32]byte][32]byte
	hits, misses uint64
}

// fingerprint hashes the length-prefixed inputs of a signing key.
func fingerprint(secret []byte, date, region, service string) [32]byte {
	var arr [160]byte
	b := arr[:0]
	b = binary.BigEndian.AppendUint32(b, uint32(len(secret)))
	b = append(b, secret...)
	for _, s := range [...]string{date, region, service} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	sum := sha256.Sum256(b)
	clear(arr[:])
	return sum
}

// signingKey returns the derived key, from the cache when it is there; size < 0 disables the cache.
func (c *keyCache) signingKey(size int, secret []byte, date, region, service string) [32]byte {
	if size < 0 {
		return deriveSigningKey(secret, date, region, service)
	}
	if size == 0 {
		size = defaultKeyCacheSize
	}
	fp := fingerprint(secret, date, region, service)
	c.mu.Lock()
	k, ok := c.m[fp]
	if ok {
		c.hits++
	} else {
		c.misses++
	}
	c.mu.Unlock()
	if ok {
		return k
	}
	k = deriveSigningKey(secret, date, region, service)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[[32]byte][32]byte)
	}
	for len(c.m) >= size {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[fp] = k
	c.mu.Unlock()
	return k
}

// stats returns the number of entries, hits and misses (for tests).
func (c *keyCache) stats() (entries int, hits, misses uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.hits, c.misses
}
