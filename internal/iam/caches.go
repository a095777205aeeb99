package iam

import (
	"sync"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// The service's caches. Each has one job, its own lock and its own bound, so that none waits on another's
// bookkeeping (the compile cache, beside the engine, is compileCache):
//
//   - credentialCache: LookupAccessKey's answers, valid for one policy generation of the store;
//   - keyUseThrottle: when each access key's last use was last written, so RecordKeyUse writes at most once per
//     key in keyUseInterval;
//   - recordCache: records decoded from their stored bytes for read operations, keyed on those bytes.

// boundedMap is a map guarded by its own mutex that holds at most limit entries (maxCachedEvaluators when limit is
// 0): a put into a full map starts it over, so a flood of distinct keys costs memory once, never without bound.
// The zero value is ready to use.
type boundedMap[K comparable, V any] struct {
	mu    sync.Mutex
	limit int
	m     map[K]V
}

func (b *boundedMap[K, V]) get(k K) (V, bool) {
	b.mu.Lock()
	v, ok := b.m[k]
	b.mu.Unlock()
	return v, ok
}

func (b *boundedMap[K, V]) put(k K, v V) {
	b.mu.Lock()
	b.putLocked(k, v)
	b.mu.Unlock()
}

// putUnless stores v under k unless keep, told the entry k holds (if any), says to keep it; it reports whether v
// was stored. The test and the store are one step under the lock.
func (b *boundedMap[K, V]) putUnless(k K, v V, keep func(old V) bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.m[k]; ok && keep(old) {
		return false
	}
	b.putLocked(k, v)
	return true
}

func (b *boundedMap[K, V]) putLocked(k K, v V) {
	limit := b.limit
	if limit <= 0 {
		limit = maxCachedEvaluators
	}
	if _, ok := b.m[k]; !ok && len(b.m) >= limit {
		b.m = nil
	}
	if b.m == nil {
		b.m = map[K]V{}
	}
	b.m[k] = v
}

func (b *boundedMap[K, V]) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// credentialCache keeps what LookupAccessKey found for an access key ID (its opened secret and caller), each
// answer valid for the policy generation of the store it was read at (store.Store.PolicyGeneration): any write that
// may change a credential (a key's status, its deletion, its user's, a session's) moves the generation and so
// invalidates every entry, while usage stamps (RecordKeyUse) do not. It holds only what a lookup found: a missing
// key is looked up again each time.
type credentialCache struct {
	m boundedMap[string, cachedCred]
}

type cachedCred struct {
	gen  uint64
	cred *Credential
}

// get returns the credential of id if it was cached at generation gen.
func (c *credentialCache) get(id string, gen uint64) (*Credential, bool) {
	cc, ok := c.m.get(id)
	if !ok || cc.gen != gen {
		return nil, false
	}
	return cc.cred, true
}

// put keeps the credential of id, read at generation gen.
func (c *credentialCache) put(id string, gen uint64, cred *Credential) {
	c.m.put(id, cachedCred{gen: gen, cred: cred})
}

// keyUseThrottle remembers, per access key ID, when RecordKeyUse last wrote its last use, so that a key in steady
// use writes at most once per interval (keyUseInterval when 0, so the zero value is ready to use). Forgetting (when the bound is reached, or on restart)
// only costs one more write, which the store-side check in RecordKeyUse also throttles.
type keyUseThrottle struct {
	interval time.Duration
	last     boundedMap[string, time.Time]
}

// due reports whether the use of key id at now should be written: true the first time and once interval has
// passed since the last use it let through, which it then remembers as now.
func (k *keyUseThrottle) due(id string, now time.Time) bool {
	interval := k.interval
	if interval <= 0 {
		interval = keyUseInterval
	}
	return k.last.putUnless(id, now, func(last time.Time) bool { return now.Sub(last) < interval })
}

// recordCache shares one decoded value per distinct stored record among read operations (readRecord). It is keyed
// on the record's kind and stored bytes, so a change to an entity is a new key: an entry is never stale, and an old
// one only waits for the bound to drop it. Values are shared and must not be modified.
type recordCache struct {
	m boundedMap[string, any]
}

func recordKey(e *store.Entity) string { return string(e.Kind) + "\x00" + string(e.Data) }

// readRecord decodes an entity's record for a read-only use, sharing one decoded value per distinct stored record.
// The result must not be modified.
func readRecord[T any](s *Service, e *store.Entity) (*T, error) {
	key := recordKey(e)
	if v, ok := s.records.m.get(key); ok {
		if t, ok := v.(*T); ok {
			return t, nil
		}
	}
	t, err := decode[T](e)
	if err != nil {
		return nil, err
	}
	s.records.m.put(key, t)
	return t, nil
}
