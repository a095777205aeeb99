package iam

import (
	"fmt"
	"testing"
	"time"
)

// TestSignInSourcesPruneKeepsTheRecentAndTheBound: pruning drops the addresses with nothing within the window and
// no lock-out, then, past the bound, those whose latest failure is oldest; a locked-out address outlives its
// failures' window, and one whose lock-out ended goes.
func TestSignInSourcesPruneKeepsTheRecentAndTheBound(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const window = 5 * time.Minute
	until, ended := now.Add(time.Minute), now.Add(-time.Second)
	m := signinSources{
		"old":    {Failures: []time.Time{now.Add(-window)}},
		"recent": {Failures: []time.Time{now.Add(-window), now.Add(-time.Minute)}},
		"locked": {LockedUntil: &until},
		"ended":  {LockedUntil: &ended},
	}
	m.prune(now, window, 10)
	if len(m) != 2 || m["recent"] == nil || m["locked"] == nil || len(m["recent"].Failures) != 1 {
		t.Fatalf("after pruning: %v, want recent (with its one recent failure) and locked", keysOf(m))
	}

	m = signinSources{}
	for i := range 12 {
		m[fmt.Sprintf("10.0.0.%d", i)] = &signinFailures{Failures: []time.Time{now.Add(time.Duration(i-12) * time.Second)}}
	}
	m.prune(now, window, 10)
	if len(m) != 10 || m["10.0.0.0"] != nil || m["10.0.0.1"] != nil || m["10.0.0.11"] == nil {
		t.Fatalf("past the bound: %v, want the 10 newest", keysOf(m))
	}
}

func keysOf(m signinSources) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
