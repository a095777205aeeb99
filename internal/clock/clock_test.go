package clock

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestParseDurationAcceptsGoDurationsAndDays(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"49h", 49 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"90d", 90 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0", 0, true},
		{"0d", 0, true},
		{" 2h ", 2 * time.Hour, true},
		{"", 0, false},
		{"d", 0, false},
		{"-1h", 0, false},
		{"-3d", 0, false},
		{"1d-1h", 0, false},
		{"3x", 0, false},
		{"1.5d", 0, false},
		{"40000d", 0, false},
		{"36500d1h", 0, false},
		{"9999999999h", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestClockOnlyMovesForward(t *testing.T) {
	if _, err := New(-time.Hour); !errors.Is(err, ErrNotForward) {
		t.Fatalf("New(-1h): %v", err)
	}
	c, err := New(49 * time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Now().Sub(c.Real()); d < 49*time.Hour-time.Second || d > 49*time.Hour+time.Second {
		t.Fatalf("Now - Real = %v, want 49h", d)
	}
	for _, d := range []time.Duration{0, -time.Second, MaxOffset} {
		if _, err := c.Advance(d); !errors.Is(err, ErrNotForward) {
			t.Errorf("Advance(%v): %v", d, err)
		}
	}
	if got, err := c.Advance(24 * time.Hour); err != nil || got != 73*time.Hour || c.Offset() != 73*time.Hour {
		t.Fatalf("Advance(24h) = %v, %v; offset %v", got, err, c.Offset())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.Advance(time.Hour) }()
	}
	wg.Wait()
	if c.Offset() != 81*time.Hour {
		t.Fatalf("offset after concurrent advances: %v", c.Offset())
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"49h", "90d", "1d12h", "-1h", "d", "1d-", "0", "36500d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 || d > MaxOffset {
			t.Fatalf("ParseDuration(%q) = %v out of range", s, d)
		}
	})
}

// TestAdvanceToNeverGoesBack: AdvanceTo moves the offset up to its argument, leaves it when the argument is behind,
// and refuses an offset past MaxOffset.
func TestAdvanceToNeverGoesBack(t *testing.T) {
	c, err := New(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		to, want time.Duration
		err      bool
	}{
		{2 * time.Hour, 2 * time.Hour, false},
		{time.Hour, 2 * time.Hour, false},
		{2 * time.Hour, 2 * time.Hour, false},
		{MaxOffset + 1, 2 * time.Hour, true},
		{MaxOffset, MaxOffset, false},
	} {
		got, err := c.AdvanceTo(step.to)
		if (err != nil) != step.err || got != step.want || c.Offset() != step.want {
			t.Fatalf("AdvanceTo(%v) = %v, %v (offset %v); want %v, error %v", step.to, got, err, c.Offset(), step.want, step.err)
		}
	}
}
