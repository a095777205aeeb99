package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

// auditLogEvents reads the JSON-lines audit log at path.
func auditLogEvents(t *testing.T, path string) []audit.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev audit.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit log line %q: %v", sc.Text(), err)
		}
		out = append(out, ev)
	}
	return out
}

// TestAuditLogHasEveryStoredEventOnceAsAJSONLine: with --audit-log, each event reaches the file once it is stored,
// one CloudTrail record per line, complete (a change's event with its response); the file is private and a
// restarted server appends to it.
func TestAuditLogHasEveryStoredEventOnceAsAJSONLine(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(t.TempDir(), "audit.jsonl")
	withLog := func(c *config.Config) { c.AuditLog = logPath }
	s, stop, err := launchServer(dir, nil, withLog)
	if err != nil {
		t.Fatal(err)
	}
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"jl-ann"}})
	mustCallOK(t, s, "ListUsers", url.Values{"Action": {"ListUsers"}})
	if err := s.srv.FlushTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs := auditLogEvents(t, logPath)
	stored := trailEvents(t, s, account, store.EventAttr{})
	if len(evs) != len(stored) || len(evs) < 2 {
		t.Fatalf("%d events in the log, %d in the store", len(evs), len(stored))
	}
	byID := map[string]audit.Event{}
	for _, ev := range evs {
		if _, dup := byID[ev.EventID]; dup {
			t.Fatalf("event %s twice in the log", ev.EventID)
		}
		byID[ev.EventID] = ev
	}
	for _, ev := range stored {
		got, ok := byID[ev.EventID]
		if !ok {
			t.Fatalf("stored event %s (%s) not in the log", ev.EventID, ev.EventName)
		}
		if eventJSON(got) != eventJSON(ev) {
			t.Fatalf("the log's record differs from the stored one:\n%s\n%s", eventJSON(got), eventJSON(ev))
		}
	}
	if fi, err := os.Stat(logPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit log mode: %v %v", fi.Mode(), err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	s, stop, err = launchServer(dir, nil, withLog)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	mustCallOK(t, s, "GetUser", url.Values{"Action": {"GetUser"}, "UserName": {"jl-ann"}})
	s.srv.FlushTrail(context.Background())
	after := auditLogEvents(t, logPath)
	if len(after) != len(evs)+1 || after[len(after)-1].EventName != "GetUser" || after[0].EventID != evs[0].EventID {
		t.Fatalf("after a restart: %d events (had %d), last %s", len(after), len(evs), after[len(after)-1].EventName)
	}
}

// needDevFull skips a test that needs a file whose every write fails.
func needDevFull(t *testing.T) {
	t.Helper()
	if f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0); err != nil {
		t.Skipf("no /dev/full to make the audit log fail: %v", err)
	} else {
		f.Close()
	}
}

// TestFailClosedRefusesChangesWhileTheAuditLogCannotWrite: with --audit-fail-closed and an audit log whose writes
// fail (/dev/full), once a write has failed a change is refused with 503 ServiceUnavailable before it runs (the
// user is not created), while reads are served; the failures are counted.
func TestFailClosedRefusesChangesWhileTheAuditLogCannotWrite(t *testing.T) {
	needDevFull(t)
	s := startServer(t, func(c *config.Config) { c.AuditLog, c.AuditFailClosed = "/dev/full", true })
	mustCallOK(t, s, "ListUsers", url.Values{"Action": {"ListUsers"}})
	s.srv.FlushTrail(context.Background())
	status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"fc-bob"}})
	if status != 503 || !strings.Contains(body, "<Code>ServiceUnavailable</Code>") {
		t.Fatalf("CreateUser while the trail fails: %d %s", status, body)
	}
	status, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GetUser"}, "UserName": {"fc-bob"}})
	if status != 404 || !strings.Contains(body, "NoSuchEntity") {
		t.Fatalf("GetUser of the refused user: %d %s", status, body)
	}
	mustCallOK(t, s, "ListUsers", url.Values{"Action": {"ListUsers"}})
	mustCallOK(t, s, "GetUser", url.Values{"Action": {"GetUser"}})
	// The operator's changes are refused too.
	serveFile(t, s.URL, s.Data)
	if _, err := server.CreateAccountOnServer(context.Background(), s.Data, server.AccountRequest{AccountId: "210987654321"}); err == nil ||
		!strings.Contains(err.Error(), "temporary failure") {
		t.Fatalf("operator CreateAccount while the trail fails: %v", err)
	}
	// The refusal is itself recorded, in the store.
	evs := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "CreateUser"})
	if len(evs) != 1 || evs[0].ErrorCode != "ServiceUnavailable" {
		t.Fatalf("CreateUser events %s", eventJSON(evs))
	}
	_, metrics := s.get(t, "/metrics")
	if !strings.Contains(metrics, `iamd_trail_write_failures_total{where="sink"}`) || strings.Contains(metrics, `iamd_trail_write_failures_total{where="sink"} 0`) {
		t.Fatalf("no sink failure counted:\n%s", grepLines(metrics, "iamd_trail"))
	}
}

// TestFailOpenServesChangesWhileTheAuditLogCannotWrite: without --audit-fail-closed a failing audit log refuses
// nothing; each failure is logged and counted, and the events are still stored.
func TestFailOpenServesChangesWhileTheAuditLogCannotWrite(t *testing.T) {
	needDevFull(t)
	s := startServer(t, func(c *config.Config) { c.AuditLog = "/dev/full" })
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"fo-1"}})
	s.srv.FlushTrail(context.Background())
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"fo-2"}})
	if evs := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "CreateUser"}); len(evs) != 2 {
		t.Fatalf("%d CreateUser events stored", len(evs))
	}
	if !strings.Contains(s.logs.String(), "audit: writing to a sink") {
		t.Fatal("the failed write is not logged")
	}
	_, metrics := s.get(t, "/metrics")
	if !strings.Contains(metrics, `iamd_trail_write_failures_total{where="sink"} 2`) {
		t.Fatalf("sink failures:\n%s", grepLines(metrics, "iamd_trail"))
	}
}

// TestTrailPrunesEventsPastTheRetentionPeriod: events older than --audit-retention on the server's clock are
// removed by the pruning a running server does (PruneTrail, run at start and hourly), and at the start of a server
// whose clock is past them; newer ones stay.
func TestTrailPrunesEventsPastTheRetentionPeriod(t *testing.T) {
	dir := t.TempDir()
	s, stop, err := launchServer(dir, nil, func(c *config.Config) { c.AuditRetention = "30d" })
	if err != nil {
		t.Fatal(err)
	}
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"old-1"}})
	s.advance(t, "20d")
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"old-2"}})
	s.advance(t, "11d")
	n, err := s.srv.PruneTrail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	evs := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "CreateUser"})
	if n < 1 || len(evs) != 1 {
		t.Fatalf("pruned %d; CreateUser events left %d, want 1 (the one 11 days old)", n, len(evs))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A server whose clock starts 60 days ahead prunes at start; the event made 20 days ahead stays while it is the
	// newest CreateUser of the root (last-accessed data reads it: AWS tracks 400 days), and goes once a newer one is
	// made.
	s, stop, err = launchServer(dir, nil, func(c *config.Config) { c.AuditRetention = "30d"; c.ClockOffset = "60d" })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if evs := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "CreateUser"}); len(evs) != 1 {
		t.Fatalf("CreateUser events after the start's pruning: %d, want the newest one kept", len(evs))
	}
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"new-3"}})
	if _, err := s.srv.PruneTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
	evs = trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "CreateUser"})
	if len(evs) != 1 || !strings.Contains(string(evs[0].RequestParameters), "new-3") {
		t.Fatalf("CreateUser events after pruning again: %d, want only new-3's", len(evs))
	}
}

// mustCallOK calls an IAM operation as root and fails the test unless it answers 200.
func mustCallOK(t *testing.T, s *testServer, what string, params url.Values) {
	t.Helper()
	code, body := s.call(t, rootCreds, "iam", params)
	mustOK(t, what, code, body)
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// grepLines returns the lines of text that contain sub.
func grepLines(text, sub string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// eventJSON is v as indented JSON, for failure messages and comparisons.
func eventJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestServerRefusesAnAuditLogItCannotOpen: a --audit-log in a directory that does not exist stops the start, with
// the flag named, rather than serving without the log.
func TestServerRefusesAnAuditLogItCannotOpen(t *testing.T) {
	_, _, err := launchServer(t.TempDir(), nil, func(c *config.Config) { c.AuditLog = filepath.Join(t.TempDir(), "gone", "audit.jsonl") })
	if err == nil || !strings.Contains(err.Error(), "--audit-log") {
		t.Fatalf("start with an unopenable audit log: %v", err)
	}
}
