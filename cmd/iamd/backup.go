package main

import (
	"context"
	"fmt"

	"github.com/iamd-dev/iamd/internal/server"
)

const backupUsage = `Usage:
  iamd backup [--data DIR] -o FILE

Copies the data directory's SQLite database to FILE while a server may be serving from it: the copy is the
database as of one moment (SQLite's VACUUM INTO, in a read transaction), written to a new file readable by its
owner only (an existing file is not overwritten). The master key is not in the copy: keep DIR/master.key with
it. To restore, stop the server, put the copy at DIR/iamd.db (removing any iamd.db-wal and iamd.db-shm) next to
the directory's master.key, and start the server.

A store on PostgreSQL (--store, or IAMD_STORE) is refused: back it up with PostgreSQL's own tools (pg_dump, with
pg_restore to restore), or write a dump of one consistent state with "iamd export --store URL -o FILE".

`

// runBackup copies the data directory's database.
func runBackup(ctx context.Context, s stdio, args []string) int {
	cfg, out, code, ok := parseDataOut(s, "iamd backup", backupUsage, "the backup file to write", args)
	if !ok {
		return code
	}
	if err := server.BackupData(ctx, *cfg, out); err != nil {
		fmt.Fprintf(s.stderr, "iamd backup: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(s.stderr, "iamd backup: wrote %s\n", out)
	return exitOK
}
