package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/iamd-dev/iamd/internal/server"
)

const importUsage = `Usage:
  iamd import [--data DIR | --store postgres://...] [--master-key-file FILE] FILE

Reads a dump written by "iamd export" into a store, all or nothing: one transaction, so that a damaged or
truncated dump, or any error, leaves the store as it was. The store is the PostgreSQL database of --store (or
IAMD_STORE; its schema is created or migrated first), else the SQLite database of the data directory DIR. It must
hold no data: a new database, or only what a first start wrote before any account existed; a store that holds
any account, event or other store-wide value is refused. The master key given (--master-key-file,
IAMD_MASTER_KEY, or master.key in DIR) must be the master key of the store the dump was exported from, which
wraps the data keys its secrets are sealed with: copy that key file into DIR first (or give it). A dump that the
key does not open is refused. "-" reads the dump from standard input. Stop any server on the store first, and
start it (every node, with that master key) after the import.

`

// runImport reads a dump into the data directory.
func runImport(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd import", importUsage, s.stderr)
	cfg := dataConfig(s, fs)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fs, "want one dump FILE, got %q", pos)
	}
	if code, ok := checkDataConfig(fs, cfg); !ok {
		return code
	}
	var in io.Reader = s.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd import: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}
	n, err := server.ImportData(ctx, *cfg, in)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd import: %v\n", err)
		return exitFail
	}
	into := cfg.DataDir
	if cfg.UsesPostgres() {
		into = cfg.StoreRedacted()
	}
	fmt.Fprintf(s.stderr, "iamd import: read %s into %s\n", n, into)
	return exitOK
}
