package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// walProgress reads, from the database's shared-memory file (SQLite's "WAL-index format"), the frames the log
// holds (mxFrame, in the first copy of the header) and how many of them a checkpoint copied into the database
// (nBackfill, the first field after the header's two copies). The file is in the machine's byte order.
func walProgress(t *testing.T, path string) (frames, copied uint32) {
	t.Helper()
	b, err := os.ReadFile(path + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 100 {
		t.Fatalf("the shared-memory file holds %d bytes", len(b))
	}
	return binary.NativeEndian.Uint32(b[16:]), binary.NativeEndian.Uint32(b[96:])
}

func putSetting(t *testing.T, s *Store, i int) {
	t.Helper()
	if err := s.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		return tx.PutSetting(ctx, "123456789012", fmt.Sprintf("setting-%d", i%50), fmt.Appendf(nil, "value %d", i))
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointsRunOffTheCommitPath: the store's checkpointer copies the log into the database shortly after
// commits, although no commit took the log near the writer's own checkpoint.
func TestCheckpointsRunOffTheCommitPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 20 {
		putSetting(t, s, i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		frames, copied := walProgress(t, path)
		if frames >= writerCheckpointPages {
			t.Fatalf("20 commits took the log to %d frames", frames)
		}
		if frames > 0 && copied == frames {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d frames copied 10 s after the last commit; want all, by the store's checkpointer", copied, frames)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLogStaysBoundedUnderWritesWithoutAPause: commits without a pause never let a passive checkpoint find the log
// wholly copied; the writer's own checkpoint still starts the log over, so the file stays near its bound rather
// than holding every frame written.
func TestLogStaysBoundedUnderWritesWithoutAPause(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: thousands of commits")
	}
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const commits = 6000 // two frames or more each: three times the bound
	for i := range commits {
		putSetting(t, s, i)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	const frameSize = 24 + 4096
	if bound := int64(writerCheckpointPages*frameSize) * 3 / 2; fi.Size() > bound {
		t.Fatalf("the log grew to %d bytes over %d commits; want at most %d", fi.Size(), commits, bound)
	}
	t.Logf("log file %d bytes after %d commits", fi.Size(), commits)
}
