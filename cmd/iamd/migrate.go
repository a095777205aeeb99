package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

const migrateUsage = `Usage:
  iamd migrate [--data DIR | --store postgres://...]

Applies the schema migrations that the store lacks, then exits: the PostgreSQL database of --store (or
IAMD_STORE), else the SQLite database of the data directory (created when absent). It needs no master key and
changes no data, only the schema. "iamd serve" migrates at start too, unless --no-migrate; for a rolling upgrade,
run the new version's "iamd migrate" once, then replace the nodes one by one (started with --no-migrate, so that
no node migrates by surprise). Nodes of the release before keep serving meanwhile, since a release's migrations
only add (docs/migrations.md), but a node refuses to start against a schema newer than it knows. Prints the
schema version before and after.

`

// runMigrate applies the store's pending migrations.
func runMigrate(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd migrate", migrateUsage, s.stderr)
	cfg := dataConfig(s, fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected arguments: %q", pos)
	}
	if code, ok := checkDataConfig(fs, cfg); !ok {
		return code
	}
	v, name, err := server.MigrateStore(ctx, *cfg)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd migrate: %v\n", err)
		var tooNew *store.SchemaTooNewError
		if errors.As(err, &tooNew) {
			fmt.Fprintf(s.stderr, "iamd migrate: this iamd (%s) is older than the schema; migrations only go forward\n", version)
		}
		return exitFail
	}
	if v.Applied() == 0 {
		fmt.Fprintf(s.stdout, "%s: schema version %d, up to date\n", name, v.Current)
		return exitOK
	}
	plural := "s"
	if v.Applied() == 1 {
		plural = ""
	}
	fmt.Fprintf(s.stdout, "%s: schema version %d → %d (%d migration%s applied)\n", name, v.Found, v.Current, v.Applied(), plural)
	return exitOK
}
