package server

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/clock"
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
