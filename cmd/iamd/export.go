package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
)

const exportUsage = `Usage:
  iamd export [--data DIR] -o FILE

Writes everything the data directory holds (every account's users, groups, roles, policies, keys, organizations,
settings, the store-wide values and the audit trail) to FILE as a dump: a versioned, documented file (gzip'd JSON
lines, see docs/dump.md) that "iamd import" reads into a new data directory, of either backend. Secrets stay
sealed with the directory's master key: the dump opens only where that key is. FILE is new (an existing file is
not overwritten) and readable by its owner only; "-" writes to standard output. It runs beside a running server:
the dump is the store as of one moment.

`

// dataConfig returns the configuration of a command that works on a data directory, with its --data flag (and
// IAMD_DATA) defined on fs.
func dataConfig(s stdio, fs *flag.FlagSet) *config.Config {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (env IAMD_DATA)")
	return &cfg
}

// parseDataOut parses the flags of a command "NAME [--data DIR] -o FILE" and returns the configuration and FILE, or
// the exit code to end with.
func parseDataOut(s stdio, name, usageText, outHelp string, args []string) (*config.Config, string, int, bool) {
	fs := newFlagSet(name, usageText, s.stderr)
	cfg := dataConfig(s, fs)
	var out string
	fs.StringVar(&out, "o", "", outHelp)
	pos, code, ok := parseFlags(fs, args)
	switch {
	case !ok:
		return nil, "", code, false
	case len(pos) > 0:
		return nil, "", usageError(fs, "unexpected arguments: %q", pos), false
	case out == "":
		return nil, "", usageError(fs, "-o FILE is required"), false
	}
	return cfg, out, 0, true
}

// runExport writes a dump of the data directory.
func runExport(ctx context.Context, s stdio, args []string) int {
	cfg, out, code, ok := parseDataOut(s, "iamd export", exportUsage, `the dump file to write ("-": standard output)`, args)
	if !ok {
		return code
	}
	logger := slog.New(slog.NewTextHandler(s.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var written string
	export := func(w io.Writer) error {
		n, err := server.ExportData(ctx, *cfg, w, logger)
		written = n.String()
		return err
	}
	var err error
	if out == "-" {
		err = export(s.stdout)
	} else {
		err = server.WriteNewFile(out, export)
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd export: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(s.stderr, "iamd export: wrote %s\n", written)
	return exitOK
}
