package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/catalog"
	aa "github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/reason"
)

const analyzeGenerateUsage = `Usage:
  iamd analyze generate-policy --principal ARN [--data DIR] [--start TIME] [--end TIME] [--resources=false]
                               [--collapse-above N] [--max-events N]

Generates the identity policy of a user or role from what it used, as Access Analyzer's StartPolicyGeneration and
GetGeneratedPolicy do, reading the trail of the data directory's database (beside a running server; it never
writes to it). Only what iamd's engine allowed counts: a refused call adds nothing. The actions are on the
resources they were used on; more than --collapse-above resources under one prefix become the prefix and "*"
where the principal's identity policies allow all the pattern covers (never the roles of iam:PassRole);
--resources=false writes every action but iam:PassRole on "*", as AWS does.
--start and --end are RFC 3339 times or durations before now on this machine's clock (7d, 36h); the window is
at most 90 days and ends now by default.
Prints the policy as JSON; when it does not fit one managed policy (6,144 characters), a JSON array of policies.
Prints to stderr how many events were read. Exit status: 0 when a policy was generated, 1 when the principal
used nothing or is no user or role of the data, 2 if the command could not run.

`

// runAnalyzeGenerate runs "iamd analyze generate-policy".
func runAnalyzeGenerate(ctx context.Context, s stdio, args []string) int {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	var principal, start, end string
	var opts aa.PolicyOptions
	var maxEvents int
	fs := newFlagSet("iamd analyze generate-policy", analyzeGenerateUsage, s.stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (env IAMD_DATA)")
	cfg.AddMasterKeyFlags(fs, s.getenv)
	fs.StringVar(&principal, "principal", "", "the `ARN` of the user or role")
	fs.StringVar(&start, "start", "", "the window's start: an RFC 3339 time or a duration before now (default: 90 days before --end)")
	fs.StringVar(&end, "end", "", "the window's end: an RFC 3339 time or a duration before now (default: now)")
	fs.BoolVar(&opts.Resources, "resources", true, "write each action on the resources it was used on (false: on \"*\", as AWS does)")
	fs.IntVar(&opts.CollapseAbove, "collapse-above", aa.DefaultCollapseAbove, "more than `N` resources of an action under one prefix become the prefix and \"*\" (-1: never)")
	fs.IntVar(&maxEvents, "max-events", aa.DefaultMaxEvents, "read at most `N` events")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected arguments: %q", pos)
	}
	a, err := arn.Parse(principal)
	if err != nil {
		return usageError(fs, "--principal must be the ARN of a user or role: %v", err)
	}
	if opts.CollapseAbove == 0 || maxEvents <= 0 {
		return usageError(fs, "--collapse-above must not be 0 and --max-events must be positive")
	}
	now := time.Now().UTC()
	to, err := windowTime(end, now, now)
	if err != nil {
		return usageError(fs, "--end: %v", err)
	}
	from, err := windowTime(start, to.Add(-aa.MaxGenerationWindow), now)
	if err != nil {
		return usageError(fs, "--start: %v", err)
	}
	if to.Before(from) || to.Sub(from) > aa.MaxGenerationWindow {
		return usageError(fs, "the window from --start to --end must be at most 90 days, start before its end")
	}
	cat, err := catalog.Embedded()
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %v\n", err)
		return exitUsage
	}
	st, box, err := server.OpenData(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %v\n", err)
		return exitUsage
	}
	defer st.Close()
	var u *aa.Usage
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		u, err = aa.Used(ctx, r, a.Account, principal, from, to, aa.UsedOptions{Catalog: cat, MaxEvents: maxEvents})
		return err
	})
	if errors.Is(err, aa.ErrPrincipalNotFound) {
		fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %s is no user or role of the data in %s\n", principal, cfg.DataDir)
		return exitFail
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %v\n", err)
		return exitUsage
	}
	complete := ""
	if !u.Complete {
		complete = fmt.Sprintf(" (more than --max-events %d: the policy is not complete)", maxEvents)
	}
	fmt.Fprintf(s.stderr, "%s from %s to %s: %d events read, %d refused%s\n", u.Principal, u.Start.Format(time.RFC3339), u.End.Format(time.RFC3339),
		u.Events, u.Refused, complete)
	if opts.Resources {
		// A pattern stays only where the principal's identity policies allow all it covers, as the API checks.
		policiesOf := iam.New(st, cat, box, time.Now, cfg.Region, iam.Options{})
		err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
			opts.CollapseAbove, err = u.CollapseChecked(ctx, r, policiesOf, reason.New(reason.Options{Catalog: cat}), aa.DefaultCheckTimeout, opts.CollapseAbove)
			return err
		})
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %v\n", err)
			return exitUsage
		}
	}
	policies := u.Policies(opts)
	if len(policies) == 0 {
		fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %s used nothing in the window\n", u.Principal)
		return exitFail
	}
	var out any = json.RawMessage(policies[0])
	if len(policies) > 1 {
		raw := make([]json.RawMessage, len(policies))
		for i, p := range policies {
			raw[i] = json.RawMessage(p)
		}
		out = raw
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze generate-policy: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(s.stdout, "%s\n", b)
	return exitOK
}

// windowTime reads a bound of the window: an RFC 3339 time, or a duration before now; def when empty.
func windowTime(v string, def, now time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	d, err := clock.ParseDuration(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration", v)
	}
	return now.Add(-d), nil
}
