package audit

import (
	"testing"
	"time"
)

// TestPublicKeysValidIn: ListPublicKeys lists a key valid at some time in [from, to]: a retired key up to its
// end, the signing key from its start on; the bounds are inclusive.
func TestPublicKeysValidIn(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	keys := []DigestPublicKey{
		{Fingerprint: "old", ValidityStartTime: t0, ValidityEndTime: t0.Add(day)},
		{Fingerprint: "cur", ValidityStartTime: t0.Add(day)},
	}
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"now", t0.Add(5 * day), t0.Add(5 * day), "cur"},
		{"both", t0, t0.Add(5 * day), "old,cur"},
		{"the old key's day", t0.Add(time.Hour), t0.Add(2 * time.Hour), "old"},
		{"the instant of the change", t0.Add(day), t0.Add(day), "old,cur"},
		{"before any key", t0.Add(-2 * day), t0.Add(-day), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			for i, k := range publicKeysValidIn(keys, tc.from, tc.to) {
				if i > 0 {
					got += ","
				}
				got += *k.Fingerprint
				if (*k.Fingerprint == "cur") != (k.ValidityEndTime == nil) {
					t.Errorf("key %+v", k)
				}
			}
			if got != tc.want {
				t.Fatalf("keys %q, want %q", got, tc.want)
			}
		})
	}
}
