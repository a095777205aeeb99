package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/iamd-dev/iamd/internal/server"
)

const importUsage = `Usage:
  iamd import [--data DIR] FILE

Reads a dump written by "iamd export" into the data directory DIR, all or nothing: one transaction, so that a
damaged or truncated dump, or any error, leaves DIR as it was. DIR must hold no data (no database, or only what a
first start wrote before any account existed) and must hold the master key of the directory the dump was
exported from, which the dump's secrets are sealed with: copy that key file (master.key) into DIR first. A dump
that the key does not open is refused. "-" reads the dump from standard input. Stop any server on DIR first, and
start it after the import.

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
	fmt.Fprintf(s.stderr, "iamd import: read %s into %s\n", n, cfg.DataDir)
	return exitOK
}
