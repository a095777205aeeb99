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
  iamd export [--data DIR | --store postgres://...] [--master-key-file FILE] -o FILE

Writes everything the store holds (every account's users, groups, roles, policies, keys, organizations, settings,
the store-wide values and the audit trail) to FILE as a dump: a versioned, documented file (gzip'd JSON lines,
see docs/dump.md) that "iamd import" reads into a new store, of either backend. The store is the PostgreSQL
database of --store (or IAMD_STORE), else the SQLite database of the data directory. Secrets stay sealed with the
store's data keys, which its master key opens (--master-key-file, IAMD_MASTER_KEY, or master.key in DIR): the dump
opens only where that key is. FILE is new (an existing file is not overwritten) and readable by its owner only;
"-" writes to standard output. It runs beside running servers: the dump is the store as of one moment (one read
transaction; on PostgreSQL one REPEATABLE READ snapshot).

`

// dataConfig returns the configuration of a command that works on a store, with its flags defined on fs: --data
// (IAMD_DATA), --store (IAMD_STORE: a PostgreSQL URL; the data directory's SQLite database without it) and the
// master key's (--master-key-file, IAMD_MASTER_KEY_FILE, IAMD_MASTER_KEY). Check it with checkDataConfig after
// parsing.
func dataConfig(s stdio, fs *flag.FlagSet) *config.Config {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	cfg.Store = s.getenv("IAMD_STORE")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory: the SQLite database (without --store) and by default the master key (env IAMD_DATA)")
	fs.StringVar(&cfg.Store, "store", cfg.Store, "a PostgreSQL URL, postgres://USER@HOST:PORT/DB?sslmode=... (default: SQLite in the data directory) (env IAMD_STORE)")
	cfg.AddMasterKeyFlags(fs, s.getenv)
	return &cfg
}

// checkDataConfig checks the configuration of dataConfig once the flags are parsed, reporting a usage error.
func checkDataConfig(fs *flag.FlagSet, cfg *config.Config) (int, bool) {
	if cfg.DataDir == "" {
		return usageError(fs, "--data must not be empty"), false
	}
	if err := cfg.Validate(); err != nil {
		return usageError(fs, "%v", err), false
	}
	return 0, true
}

// parseDataOut parses the flags of a command "NAME [--data DIR | --store URL] -o FILE" and returns the configuration and FILE, or
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
	if code, ok := checkDataConfig(fs, cfg); !ok {
		return nil, "", code, false
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
