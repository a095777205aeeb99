package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/store"
)

// clockAdvancedMeta is the store-wide value that sums every advance of the test clock made through any node on
// the database ("iamd clock advance"), in nanoseconds (decimal).
const clockAdvancedMeta = "test-clock-advanced"

// sharedClock shares the test clock's advances among the nodes on one database. An advance through any node adds
// to the stored sum; every node follows the sum's growth since it started: its offset is its --clock-offset plus
// the advances made (through any node) while it runs. So an advance moves every running node at once, and a restart
// still returns a node to the real time (its --clock-offset), as on one node. A node looks at the sum when it learns
// of another node's write (an advance is one): when the store's ForeignPolicyGeneration moved. So it costs a node
// one read of the store after each change made elsewhere, and nothing after its own changes (an advance through it
// moves it at once) or while nothing changes.
//
// It is the Syncer of the server's endpoints: Sync brings the store up to date, then the clock.
type sharedClock struct {
	st     store.Store
	clk    *clock.Clock
	start  time.Duration // the clock's offset at start (--clock-offset)
	base   int64         // the stored sum of advances when this node started
	seen   atomic.Uint64 // the ForeignPolicyGeneration whose sum the clock follows
	logger *slog.Logger
}

func newSharedClock(ctx context.Context, st store.Store, clk *clock.Clock, logger *slog.Logger) (*sharedClock, error) {
	c := &sharedClock{st: st, clk: clk, start: clk.Offset(), logger: logger}
	c.seen.Store(st.ForeignPolicyGeneration())
	if err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		c.base, err = clockAdvanced(ctx, r)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read the test clock's advances: %w", err)
	}
	return c, nil
}

// clockAdvanced reads the stored sum of advances; 0 when there is none.
func clockAdvanced(ctx context.Context, r store.Reader) (int64, error) {
	b, err := r.Meta(ctx, clockAdvancedMeta)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("the stored value %s is not a sum of advances: %q", clockAdvancedMeta, b)
	}
	return n, nil
}

// Sync brings the store up to date with the other nodes' commits and, when the store learned of another node's
// write since (by this Sync or by a commit of this node over it), the clock with their advances. A failure to read
// the advances is logged, and tried again at the next request.
func (c *sharedClock) Sync(ctx context.Context) error {
	if err := c.st.Sync(ctx); err != nil {
		return err
	}
	pg := c.st.ForeignPolicyGeneration()
	old := c.seen.Load()
	if pg == old || !c.seen.CompareAndSwap(old, pg) {
		return nil
	}
	var sum int64
	if err := c.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		sum, err = clockAdvanced(ctx, r)
		return err
	}); err != nil {
		c.seen.CompareAndSwap(pg, old)
		c.logger.Warn("read the test clock's advances", "err", err)
		return nil
	}
	c.follow(sum)
	return nil
}

// follow moves the clock to this node's offset for the stored sum of advances.
func (c *sharedClock) follow(sum int64) {
	if _, err := c.clk.AdvanceTo(c.start + time.Duration(sum-c.base)); err != nil {
		c.logger.Warn("the test clock cannot follow the advances of other nodes", "err", err)
	}
}

// Advance moves the clock of every node on the database forward by d: it adds d to the stored sum, and this node
// follows at once; the others at their next request. It returns this node's new offset.
func (c *sharedClock) Advance(ctx context.Context, d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return c.clk.Offset(), fmt.Errorf("%w: advance by %v", clock.ErrNotForward, d)
	}
	var sum int64
	err := c.st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := clockAdvanced(ctx, tx)
		if err != nil {
			return err
		}
		if int64(d) > math.MaxInt64-cur || c.start+time.Duration(cur+int64(d)-c.base) > clock.MaxOffset {
			return fmt.Errorf("%w: advance by %v from %v", clock.ErrNotForward, d, c.clk.Offset())
		}
		sum = cur + int64(d)
		return tx.PutMeta(ctx, clockAdvancedMeta, []byte(strconv.FormatInt(sum, 10)))
	})
	if err != nil {
		return c.clk.Offset(), err
	}
	c.follow(sum)
	return c.clk.Offset(), nil
}
