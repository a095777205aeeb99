package audit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// TestJSONLinesFileIsPrivateAndAppended: the audit log is created readable by its owner only, holds one record per
// line, and a second opening appends to it.
func TestJSONLinesFileIsPrivateAndAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	ctx := context.Background()
	for i, recs := range [][]string{{`{"eventID":"a"}`, `{"eventID":"b"}`}, {`{"eventID":"c"}`}} {
		s, err := audit.OpenJSONLines(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if err := s.WriteEvent(ctx, "123456789012", []byte(r)); err != nil {
				t.Fatalf("opening %d: %v", i, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteEvent(ctx, "", []byte(`{}`)); err == nil {
			t.Fatal("a closed sink took a write")
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if ids := readIDs(t, path); len(ids) != 3 || ids[0] != "a" || ids[2] != "c" {
		t.Fatalf("lines %q", ids)
	}
}

func readIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var ev audit.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ids = append(ids, ev.EventID)
	}
	return ids
}

// switchSink is a sink that fails while broken is set.
type switchSink struct {
	broken atomic.Bool
	writes atomic.Int64
}

func (s *switchSink) WriteEvent(context.Context, string, []byte) error {
	if s.broken.Load() {
		return errors.New("disk full")
	}
	s.writes.Add(1)
	return nil
}

// countingMetrics counts failures by where.
type countingMetrics struct{ sink, store, events atomic.Int64 }

func (m *countingMetrics) EventRecorded(*audit.Event) { m.events.Add(1) }
func (m *countingMetrics) TrailFailed(where string) {
	switch where {
	case "sink":
		m.sink.Add(1)
	case "store":
		m.store.Add(1)
	}
}

func newTrail(t *testing.T, o audit.Options) *audit.Trail {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	tr := audit.New(st, o)
	t.Cleanup(func() {
		tr.Close(context.Background())
		st.Close()
	})
	return tr
}

func call(op string) *audit.Call {
	return &audit.Call{RequestID: "req-" + op, Time: time.Now(), Service: "iam", Operation: op, Account: "123456789012"}
}

// record begins and ends a call and waits until its event is written; it returns Begin's error.
func record(t *testing.T, tr *audit.Trail, op string) error {
	t.Helper()
	ctx := context.Background()
	c := call(op)
	_, err := tr.Begin(ctx, c)
	out := audit.Outcome{}
	if err != nil {
		out = audit.Outcome{ErrorCode: "ServiceUnavailable", Err: err}
	}
	tr.End(ctx, c, out)
	tr.Flush(ctx)
	return err
}

// TestFailOpenServesChangesWhileTheTrailFails: without FailClosed a failing sink refuses nothing; the failure is
// counted.
func TestFailOpenServesChangesWhileTheTrailFails(t *testing.T) {
	sink, m := &switchSink{}, &countingMetrics{}
	sink.broken.Store(true)
	tr := newTrail(t, audit.Options{Sinks: []audit.Sink{sink}, Metrics: m})
	for range 2 {
		if err := record(t, tr, "CreateUser"); err != nil {
			t.Fatalf("change refused without fail-closed: %v", err)
		}
	}
	if !tr.Failing() || m.sink.Load() != 2 {
		t.Fatalf("failing %t, sink failures %d", tr.Failing(), m.sink.Load())
	}
}
