package main

import (
	"bufio"
	"cmp"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

const eventsTailUsage = `Usage:
  iamd events tail [--data DIR] [--follow] [-n N] [--since DURATION] [--account ID] [--username NAME]
                   [--event-name NAME] [--event-source SOURCE] [--errors-only] [--interval DURATION]

Prints the audit trail's events from the data directory's database as JSON lines, one CloudTrail record per line,
oldest first: the last N that match (10 by default; all of those within --since when it is given; -n 0 for
all). With --follow it then prints each new event that matches as it is stored, until interrupted; it reads the
database beside a running server (it never writes to it), checking every --interval. A change's event is first
stored with the change and completed a moment later (its response); follow mode waits a second before printing
an event so that it prints the complete record, once.
Filters: --account (the account the event is kept in), --username (CloudTrail's Username: the IAM user's name,
"root", a role session's name), --event-name (CreateUser), --event-source (iam.amazonaws.com), --errors-only
(events with an errorCode or errorMessage: denials, failed sign-ins), --since (a Go duration or days: 1h, 7d;
measured on this machine's clock).

`

// tailSettle is how long follow mode holds a new event before printing it, so that the event a change stored
// with it is replaced by its complete record first.
const tailSettle = time.Second

// tailPage is how many events one read of the store returns.
const tailPage = 500

// runEventsTail prints the trail's events and, with --follow, follows it.
func runEventsTail(ctx context.Context, s stdio, args []string) int {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	var f audit.Filter
	var follow bool
	var n int
	var since string
	interval := time.Second
	fs := newFlagSet("iamd events tail", eventsTailUsage, s.stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (env IAMD_DATA)")
	cfg.AddMasterKeyFlags(fs, s.getenv)
	fs.BoolVar(&follow, "follow", false, "keep printing new events as they are stored")
	fs.BoolVar(&follow, "f", false, "short for --follow")
	fs.IntVar(&n, "n", 10, "print the last N matching events first (0: all)")
	fs.StringVar(&since, "since", "", "only events of the last DURATION (1h, 7d)")
	fs.StringVar(&f.Account, "account", "", "only events of this account")
	fs.StringVar(&f.Username, "username", "", "only events of this Username")
	fs.StringVar(&f.EventName, "event-name", "", "only events of this name")
	fs.StringVar(&f.EventSource, "event-source", "", "only events of this source (iam.amazonaws.com)")
	fs.BoolVar(&f.ErrorsOnly, "errors-only", false, "only events with an errorCode or errorMessage")
	fs.DurationVar(&interval, "interval", interval, "how often --follow checks for new events")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected arguments: %q", pos)
	}
	nSet := false
	fs.Visit(func(fl *flag.Flag) { nSet = nSet || fl.Name == "n" })
	if n < 0 {
		return usageError(fs, "-n must not be negative")
	}
	if interval <= 0 {
		return usageError(fs, "--interval must be positive")
	}
	if since != "" {
		d, err := clock.ParseDuration(since)
		if err != nil {
			return usageError(fs, "--since: %v", err)
		}
		f.Since = time.Now().Add(-d)
		if !nSet {
			n = 0
		}
	}
	// Opened as the other commands that read a data directory open it (its master key checked, nothing created);
	// events are not sealed, so the key is not used.
	st, _, err := server.OpenData(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd events tail: %v\n", err)
		return exitFail
	}
	defer st.Close()
	out := bufio.NewWriter(s.stdout)
	t := &tailer{st: st, f: f, out: out, printed: newIDSet(tailRemembered)}
	if err := t.last(ctx, n); err != nil {
		fmt.Fprintf(s.stderr, "iamd events tail: %v\n", err)
		return exitFail
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(s.stderr, "iamd events tail: %v\n", err)
		return exitFail
	}
	if !follow {
		return exitOK
	}
	if err := t.follow(ctx, interval); err != nil && ctx.Err() == nil {
		fmt.Fprintf(s.stderr, "iamd events tail: %v\n", err)
		return exitFail
	}
	return exitOK
}

// tailer prints the events of a store that pass a filter.
type tailer struct {
	st  store.Store
	f   audit.Filter
	out *bufio.Writer
	// seq is the Seq up to which the store has been read; follow reads after it.
	seq int64
	// printed are the IDs printed lately: an event replaced (a new Seq) after it was printed is not printed again.
	printed *idSet
}

// last prints the last n matching events (all when n is 0), oldest first, and sets seq to the newest Seq stored.
func (t *tailer) last(ctx context.Context, n int) error {
	var picked []*store.Event
	err := t.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		accounts := []string{t.f.Account}
		if t.f.Account == "" {
			var err error
			if accounts, err = r.Accounts(ctx); err != nil {
				return err
			}
		}
		for _, acct := range accounts {
			// The newest Seq of the account: where following starts (events stored since are followed).
			newest, err := r.Events(ctx, store.EventQuery{Account: acct, Limit: 1})
			if err != nil {
				return err
			}
			if len(newest) > 0 {
				t.seq = max(t.seq, newest[0].Seq)
			}
			q := store.EventQuery{Account: acct, Attr: t.f.Attr(), From: t.f.Since, Limit: tailPage}
			var found []*store.Event
			for {
				page, err := r.Events(ctx, q)
				if err != nil {
					return err
				}
				for _, e := range page {
					t.seq = max(t.seq, e.Seq)
					if t.f.Match(e) {
						found = append(found, e)
					}
				}
				if len(page) < tailPage || n > 0 && len(found) >= n {
					break
				}
				q.After = page[len(page)-1].Cursor()
			}
			picked = append(picked, found...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Newest first across accounts, the last n, then printed oldest first.
	slices.SortFunc(picked, func(a, b *store.Event) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.Seq, a.Seq))
	})
	if n > 0 && len(picked) > n {
		picked = picked[:n]
	}
	slices.Reverse(picked)
	for _, e := range picked {
		if err := t.print(e); err != nil {
			return err
		}
	}
	return nil
}

// follow prints each new matching event, tailSettle after it was first seen, until ctx ends.
func (t *tailer) follow(ctx context.Context, interval time.Duration) error {
	type held struct {
		e    *store.Event
		seen time.Time
	}
	pending := map[string]*held{} // by event ID: a replaced event's complete record takes its place
	tick := time.NewTicker(min(interval, tailSettle/2))
	defer tick.Stop()
	lastRead := time.Time{}
	for {
		if time.Since(lastRead) >= interval || len(pending) > 0 {
			lastRead = time.Now()
			for {
				var page []*store.Event
				err := t.st.View(ctx, func(ctx context.Context, r store.Reader) error {
					var err error
					page, err = r.EventsSince(ctx, t.seq, tailPage)
					return err
				})
				if err != nil {
					return err
				}
				for _, e := range page {
					t.seq = e.Seq
					if t.printed.has(e.ID) || !t.f.Match(e) {
						continue
					}
					if h, ok := pending[e.ID]; ok {
						h.e = e
					} else {
						pending[e.ID] = &held{e: e, seen: time.Now()}
					}
				}
				if len(page) < tailPage {
					break
				}
			}
		}
		var ready []*store.Event
		for id, h := range pending {
			if time.Since(h.seen) >= tailSettle {
				ready = append(ready, h.e)
				delete(pending, id)
			}
		}
		slices.SortFunc(ready, func(a, b *store.Event) int { return cmp.Compare(a.Seq, b.Seq) })
		for _, e := range ready {
			if err := t.print(e); err != nil {
				return err
			}
		}
		if err := t.out.Flush(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// print writes an event's record as one line.
func (t *tailer) print(e *store.Event) error {
	t.printed.add(e.ID)
	t.out.Write(e.Data)
	return t.out.WriteByte('\n')
}

// tailRemembered bounds the IDs follow mode remembers as printed.
const tailRemembered = 100_000

// idSet remembers the last max IDs added.
type idSet struct {
	max  int
	ids  map[string]struct{}
	ring []string
	next int
}

func newIDSet(max int) *idSet { return &idSet{max: max, ids: map[string]struct{}{}} }

func (s *idSet) has(id string) bool { _, ok := s.ids[id]; return ok }

func (s *idSet) add(id string) {
	if s.has(id) {
		return
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, id)
	} else {
		delete(s.ids, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % s.max
	}
	s.ids[id] = struct{}{}
}
