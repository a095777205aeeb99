package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database to a new file at path, readable by its owner only, while the
// store keeps serving: SQLite's VACUUM INTO runs on a read connection, in a read transaction of its own, so the copy
// is the database as of one commit, and writers go on meanwhile (WAL). The copy is written next to path under a
// temporary name, synced, and renamed into place, so that path holds either nothing or a whole database. An
// existing file at path is an error, never overwritten.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup: %s: %w", path, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close() // CreateTemp makes it 0600 and empty; VACUUM INTO fills an empty file and keeps its mode
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	if _, err := s.r.ExecContext(ctx, "VACUUM INTO ?", tmpPath); err != nil {
		return fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Link, not rename: link fails on an existing path, so a file that appeared meanwhile is not replaced.
	if err := os.Link(tmpPath, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	os.Remove(tmpPath)
	done = true
	return syncFile(filepath.Dir(path))
}

// syncFile flushes a file or a directory to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
