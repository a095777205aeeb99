package audit

import (
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"
)

// TestBuiltIsASizeClass: what build allocates for an event is a whole size class of Go's allocator on 64-bit
// platforms, none of it wasted; a field added to Event or store.Event takes its room from built's scratch.
func TestBuiltIsASizeClass(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sized for 64-bit platforms")
	}
	if n := unsafe.Sizeof(built{}); n != 1792 {
		t.Errorf("built is %d bytes, not 1792: resize its scratch", n)
	}
}

// TestEventTimeIsFormat: eventTime writes what Format writes with TimeFormat in UTC, for times of any zone and
// years at and past the four digits' ends.
func TestEventTimeIsFormat(t *testing.T) {
	east := time.FixedZone("east", 5*3600+30*60)
	times := []time.Time{{}, time.Date(2026, 12, 6, 23, 59, 59, 999999999, time.UTC), time.Date(2026, 1, 1, 0, 30, 0, 0, east),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 12, 0, 0, 0, time.UTC), time.Date(999, 3, 4, 5, 6, 7, 0, time.UTC)}
	r := rand.New(rand.NewPCG(3, 5))
	for range 1000 {
		times = append(times, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)).In(east))
	}
	for _, at := range times {
		if got, want := eventTime(at), at.UTC().Format(TimeFormat); got != want {
			t.Errorf("%v: got %s, want %s", at, got, want)
		}
	}
}
