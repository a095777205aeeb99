// Package clock is iamd's test clock: the real time plus an offset that only moves forward. Every time-based rule
// of the IAM, STS and Organizations domains (creation and last-used dates, key and password age, session and
// password expiry) reads Now; what other parties' clocks produced (SigV4 request dates and presigned URLs, OIDC
// and SAML tokens, TOTP codes of authenticator apps) is checked against Real.
package clock

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// MaxOffset is the largest offset a clock accepts: 100 years, far from time.Duration's limit of about 292 years.
const MaxOffset = 100 * 365 * 24 * time.Hour

// ErrNotForward is returned for an offset or an advance that is negative or zero (for Advance), or that takes the
// offset past MaxOffset.
var ErrNotForward = errors.New("clock: the offset only moves forward, up to 100 years")

// Clock is the real time plus an offset. The zero value is the real clock. It is safe for concurrent use.
type Clock struct {
	offset atomic.Int64
}

// New returns a clock offset by offset, which must be between zero and MaxOffset.
func New(offset time.Duration) (*Clock, error) {
	if offset < 0 || offset > MaxOffset {
		return nil, fmt.Errorf("%w: %v", ErrNotForward, offset)
	}
	c := &Clock{}
	c.offset.Store(int64(offset))
	return c, nil
}

// Now is the clock's time: the real time plus the offset.
func (c *Clock) Now() time.Time { return time.Now().Add(c.Offset()) }

// Real is the real time, whatever the offset.
func (c *Clock) Real() time.Time { return time.Now() }

// Offset is how far the clock is ahead of the real time.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// Advance moves the clock forward by d and returns the new offset. Time never goes back: expiry, "last used" and
// the order of events assume it, so d must be positive and the offset stays within MaxOffset.
func (c *Clock) Advance(d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return c.Offset(), fmt.Errorf("%w: advance by %v", ErrNotForward, d)
	}
	for {
		cur := c.offset.Load()
		next := cur + int64(d)
		if d > MaxOffset || next > int64(MaxOffset) {
			return time.Duration(cur), fmt.Errorf("%w: advance by %v from %v", ErrNotForward, d, time.Duration(cur))
		}
		if c.offset.CompareAndSwap(cur, next) {
			return time.Duration(next), nil
		}
	}
}

// ParseDuration parses a Go duration ("49h", "1h30m") optionally led by a number of days ("90d", "1d12h"). It
// refuses negative durations.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("clock: empty duration")
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("clock: negative duration %q", orig)
	}
	s = strings.TrimPrefix(s, "+")
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseUint(s[:i], 10, 32)
		if err != nil || i == 0 {
			return 0, fmt.Errorf("clock: invalid duration %q: want a Go duration (49h, 1h30m) or days (90d, 1d12h)", orig)
		}
		if n > uint64(MaxOffset/(24*time.Hour)) {
			return 0, fmt.Errorf("clock: duration %q is longer than 100 years", orig)
		}
		days = time.Duration(n) * 24 * time.Hour
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("clock: invalid duration %q: want a Go duration (49h, 1h30m) or days (90d, 1d12h)", orig)
	}
	if d > MaxOffset-days {
		return 0, fmt.Errorf("clock: duration %q is longer than 100 years", orig)
	}
	return days + d, nil
}

// AdvanceTo moves the clock forward to offset, when offset is ahead of it (never back), and returns the offset
// the clock has then. An offset past MaxOffset is an error.
func (c *Clock) AdvanceTo(offset time.Duration) (time.Duration, error) {
	if offset > MaxOffset {
		return c.Offset(), fmt.Errorf("%w: %v", ErrNotForward, offset)
	}
	for {
		cur := c.offset.Load()
		if int64(offset) <= cur || c.offset.CompareAndSwap(cur, int64(offset)) {
			return time.Duration(max(cur, int64(offset))), nil
		}
	}
}
