package iam

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

func TestBoundedMapStartsOverWhenFull(t *testing.T) {
	cases := []struct {
		name  string
		limit int
		puts  []string
		want  map[string]int // what get finds afterwards (by key, the value put last)
		size  int
	}{
		{"below the bound keeps everything", 3, []string{"a", "b", "c"}, map[string]int{"a": 0, "b": 1, "c": 2}, 3},
		{"a new key into a full map starts over", 3, []string{"a", "b", "c", "d"}, map[string]int{"d": 3}, 1},
		{"replacing a key of a full map keeps the others", 3, []string{"a", "b", "c", "b"}, map[string]int{"a": 0, "b": 3, "c": 2}, 3},
		{"the zero limit is maxCachedEvaluators", 0, []string{"a", "b"}, map[string]int{"a": 0, "b": 1}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &boundedMap[string, int]{limit: tc.limit}
			for i, k := range tc.puts {
				b.put(k, i)
			}
			if n := b.len(); n != tc.size {
				t.Fatalf("len = %d, want %d", n, tc.size)
			}
			for _, k := range []string{"a", "b", "c", "d"} {
				v, ok := b.get(k)
				if want, wantOK := tc.want[k]; ok != wantOK || v != want {
					t.Errorf("get(%q) = %d, %v; want %d, %v", k, v, ok, want, wantOK)
				}
			}
		})
	}
}

func TestCredentialCacheAnswersOnlyForItsGeneration(t *testing.T) {
	var c credentialCache
	if _, ok := c.get("AKIA1", 1); ok {
		t.Fatal("an empty cache answered")
	}
	cred := &Credential{Active: true}
	c.put("AKIA1", 1, cred)
	if got, ok := c.get("AKIA1", 1); !ok || got != cred {
		t.Fatalf("same generation: %v %v", got, ok)
	}
	if _, ok := c.get("AKIA1", 2); ok {
		t.Fatal("a credential of generation 1 answered at generation 2")
	}
	if _, ok := c.get("AKIA2", 1); ok {
		t.Fatal("another key answered")
	}
	newer := &Credential{Active: false}
	c.put("AKIA1", 2, newer)
	if got, ok := c.get("AKIA1", 2); !ok || got != newer {
		t.Fatalf("after the re-read: %v %v", got, ok)
	}
}

func TestKeyUseThrottleLetsOneUsePerInterval(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	k := keyUseThrottle{interval: 15 * time.Minute}
	steps := []struct {
		id   string
		at   time.Duration
		want bool
	}{
		{"AKIA1", 0, true},
		{"AKIA1", time.Minute, false},
		{"AKIA2", time.Minute, true},
		{"AKIA1", 15*time.Minute - time.Second, false},
		{"AKIA1", 15 * time.Minute, true},
		{"AKIA1", 20 * time.Minute, false}, // the interval runs from the use let through at 15 minutes
		{"AKIA1", 30 * time.Minute, true},
		{"AKIA2", 10 * time.Minute, false},
	}
	for _, st := range steps {
		if got := k.due(st.id, t0.Add(st.at)); got != st.want {
			t.Errorf("due(%s, +%v) = %v, want %v", st.id, st.at, got, st.want)
		}
	}
	var zero keyUseThrottle // keyUseInterval
	if !zero.due("AKIA1", t0) || zero.due("AKIA1", t0.Add(keyUseInterval-time.Second)) || !zero.due("AKIA1", t0.Add(keyUseInterval)) {
		t.Error("the zero throttle does not let one use through per keyUseInterval")
	}
}

func TestKeyUseThrottleBounded(t *testing.T) {
	k := keyUseThrottle{interval: time.Hour, last: boundedMap[string, time.Time]{limit: 10}}
	now := time.Now()
	for i := range 25 {
		if !k.due(fmt.Sprintf("AKIA%d", i), now) {
			t.Fatalf("first use of key %d not due", i)
		}
	}
	if n := k.last.len(); n > 10 {
		t.Fatalf("%d keys remembered, bound 10", n)
	}
}

func TestRecordCacheSharesOneValuePerStoredRecord(t *testing.T) {
	s := &Service{}
	alice := &store.Entity{Kind: KindUser, Name: "alice", Data: encode(User{UserName: "alice", UserID: "AIDA1"})}
	u1, err := readRecord[User](s, alice)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := readRecord[User](s, &store.Entity{Kind: KindUser, Name: "alice", Data: append([]byte(nil), alice.Data...)})
	if err != nil || u2 != u1 {
		t.Fatalf("the same stored bytes decoded twice: %p %p %v", u1, u2, err)
	}
	changed := &store.Entity{Kind: KindUser, Name: "alice", Data: encode(User{UserName: "alice", UserID: "AIDA2"})}
	u3, err := readRecord[User](s, changed)
	if err != nil || u3 == u1 || u3.UserID != "AIDA2" {
		t.Fatalf("a changed record answered from the cache: %+v %v", u3, err)
	}
	// The same bytes under another kind are another record.
	if _, err := readRecord[Group](s, &store.Entity{Kind: KindGroup, Data: alice.Data}); err != nil {
		t.Fatal(err)
	}
	if u4, err := readRecord[User](s, alice); err != nil || u4 != u1 {
		t.Fatalf("alice's record was lost: %p %p %v", u1, u4, err)
	}
}

// TestCachesConcurrentUse: every cache is safe for concurrent use (run with -race) and stays within its bound under
// a flood of distinct keys.
func TestCachesConcurrentUse(t *testing.T) {
	const limit, workers, rounds = 64, 8, 500
	creds := &credentialCache{m: boundedMap[string, cachedCred]{limit: limit}}
	uses := &keyUseThrottle{interval: time.Minute, last: boundedMap[string, time.Time]{limit: limit}}
	s := &Service{records: recordCache{m: boundedMap[string, any]{limit: limit}}}
	now := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				id := fmt.Sprintf("AKIA%d", (w*rounds+i)%(2*limit))
				gen := uint64(i % 3)
				creds.put(id, gen, &Credential{})
				if c, ok := creds.get(id, gen); ok && c == nil {
					t.Error("a nil credential cached")
				}
				uses.due(id, now.Add(time.Duration(i)*time.Second))
				e := &store.Entity{Kind: KindUser, Data: encode(User{UserName: id})}
				if u, err := readRecord[User](s, e); err != nil || u.UserName != id {
					t.Errorf("readRecord: %+v %v", u, err)
				}
			}
		}()
	}
	wg.Wait()
	for name, n := range map[string]int{"credentials": creds.m.len(), "key uses": uses.last.len(), "records": s.records.m.len()} {
		if n > limit {
			t.Errorf("%s: %d entries, bound %d", name, n, limit)
		}
	}
}
