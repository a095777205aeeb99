package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
)

const clockUsage = `Usage:
  iamd clock advance DURATION [--data DIR]

Moves the clock of the iamd server running on DIR forward by DURATION, a Go duration or days (49h, 90d, 1d12h),
through its operator endpoint (with the token of DIR/` + server.ServeFileName + `), and with it the clock of every
node on the same database, at its next request. Every time-based rule follows the
clock: creation and last-used dates, access key and password age, password and session expiry. Signatures, OIDC
and SAML tokens and authenticator (TOTP) codes stay checked against the real time. The clock never goes back;
restart the server to return to the real time. To start ahead, use "iamd serve --clock-offset DURATION".
Prints the new offset and the clock's time.

`

// runClock runs "iamd clock SUBCOMMAND".
func runClock(ctx context.Context, s stdio, args []string) int {
	return runSubcommand(ctx, s, "iamd clock", clockUsage, args, map[string]command{
		"advance": runClockAdvance,
	})
}

// runClockAdvance advances the running server's clock.
func runClockAdvance(ctx context.Context, s stdio, args []string) int {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	fs := newFlagSet("iamd clock advance", clockUsage, s.stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory of the running server (env IAMD_DATA)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, "want one DURATION, got %q", pos)
	}
	d, err := clock.ParseDuration(pos[0])
	if err != nil {
		return usageError(fs, "%v", err)
	}
	if d <= 0 {
		return usageError(fs, "the clock only moves forward: DURATION must be positive")
	}
	st, err := server.AdvanceClockOnServer(ctx, cfg.DataDir, pos[0])
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd clock advance: %v\n", err)
		if errors.Is(err, server.ErrNoServer) {
			fmt.Fprintf(s.stderr, "iamd clock advance: the clock belongs to a running server; start one with: iamd serve --data %s --clock-offset %s\n", cfg.DataDir, pos[0])
		}
		if errors.Is(err, server.ErrInvalidClockAdvance) {
			return exitUsage
		}
		return exitFail
	}
	fmt.Fprintf(s.stdout, "clock-offset: %s\nclock-now: %s\n", st.Offset, st.Now)
	return exitOK
}
