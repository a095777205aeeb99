package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// TestSharedClockMovesRunningNodesAndARestartReturnsToItsOffset: two nodes (handles on one database): an advance
// through one moves the other at its next Sync, on top of its own --clock-offset; a node that starts afterwards
// begins at its own offset (a restart returns to the real time) and follows only the advances made since; an
// advance past the limit is refused on every node and moves none.
func TestSharedClockMovesRunningNodesAndARestartReturnsToItsOffset(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	node := func(offset time.Duration) *sharedClock {
		t.Helper()
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		clk, err := clock.New(offset)
		if err != nil {
			t.Fatal(err)
		}
		c, err := newSharedClock(ctx, st, clk, logger)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := func(c *sharedClock, off time.Duration) {
		t.Helper()
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := c.clk.Offset(); got != off {
			t.Fatalf("offset %v, want %v", got, off)
		}
	}
	a, b := node(0), node(time.Hour)
	if _, err := a.Advance(ctx, 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	want(a, 48*time.Hour)
	want(b, 49*time.Hour)
	want(b, 49*time.Hour) // nothing new: no change

	c := node(0) // a restart
	want(c, 0)
	if _, err := b.Advance(ctx, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	want(a, 72*time.Hour)
	want(b, 73*time.Hour)
	want(c, 24*time.Hour)

	if _, err := c.Advance(ctx, clock.MaxOffset); err == nil {
		t.Fatal("an advance past the limit was accepted")
	}
	want(a, 72*time.Hour)
	want(c, 24*time.Hour)
}

// countingViews is a store that counts its read transactions.
type countingViews struct {
	store.Store
	views atomic.Int64
}

func (s *countingViews) View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	s.views.Add(1)
	return s.Store.View(ctx, fn)
}

// TestSharedClockReadsTheAdvancesOnlyAfterAnotherNodesWrite: a node's own writes cost its Sync no read of the stored
// advances (the store's ForeignPolicyGeneration stays), another node's write costs one, and an advance through
// another node is followed even when this node wrote over it before its next Sync.
func TestSharedClockReadsTheAdvancesOnlyAfterAnotherNodesWrite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	node := func() (*sharedClock, *countingViews) {
		t.Helper()
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		clk, err := clock.New(0)
		if err != nil {
			t.Fatal(err)
		}
		cv := &countingViews{Store: st}
		c, err := newSharedClock(ctx, cv, clk, logger)
		if err != nil {
			t.Fatal(err)
		}
		return c, cv
	}
	write := func(st store.Store, v string) {
		t.Helper()
		if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	syncs := func(c *sharedClock, cv *countingViews, wantViews int64, wantOffset time.Duration) {
		t.Helper()
		before := cv.views.Load()
		if err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := cv.views.Load() - before; got != wantViews {
			t.Fatalf("Sync read the store %d times, want %d", got, wantViews)
		}
		if got := c.clk.Offset(); got != wantOffset {
			t.Fatalf("offset %v, want %v", got, wantOffset)
		}
	}
	a, av := node()
	b, bv := node()
	for i := range 3 {
		write(av, fmt.Sprint("a", i))
		syncs(a, av, 0, 0) // its own write: nothing to read
	}
	syncs(b, bv, 1, 0) // a's writes: one read, no advance in it
	syncs(b, bv, 0, 0)

	if _, err := a.Advance(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	syncs(a, av, 0, time.Hour)
	write(bv, "b") // b writes over a's advance before it syncs
	syncs(b, bv, 1, time.Hour)
	syncs(b, bv, 0, time.Hour)
}
