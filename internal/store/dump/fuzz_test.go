package dump_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/store/dump"
)

// FuzzImport: whatever the bytes (seeded with the golden dump, whole and in parts, as gzip), Import never panics,
// and when it fails it leaves the store empty; when it succeeds, exporting gives a dump that imports again. Each
// input gets a new SQLite store, and coverage instrumentation reaches SQLite too: expect a few runs a second.
func FuzzImport(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "small.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	lines := strings.SplitAfter(string(golden), "\n")
	f.Add(gz(string(golden)))
	f.Add(gz(lines[0] + lines[len(lines)-2]))
	f.Add(gz(lines[0] + `{"type":"end","counts":{"meta":0,"setting":0,"entity":0,"link":0,"event":0}}` + "\n"))
	f.Add(gz(strings.Join(lines[:5], "")))
	f.Add([]byte(golden))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := newStore(t)
		_, err := dump.Import(context.Background(), s, bytes.NewReader(b), dump.Options{})
		if err != nil {
			if got := holds(t, s); got != "" {
				t.Fatalf("the failed import (%v) left %s", err, got)
			}
			return
		}
		again, _ := export(t, s)
		if _, err := dump.Import(context.Background(), newStore(t), bytes.NewReader(again), dump.Options{}); err != nil {
			t.Fatalf("the export of an imported dump does not import: %v", err)
		}
	})
}
