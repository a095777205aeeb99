package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeStopsCleanlyWhenTheGracePeriodCutsOffASlowRequest: SIGTERM (a cancelled context) while a client is
// still sending a request body. iamd used to wait ten seconds, then exit 1 with an ERROR line, as if it had
// failed. Closing what is still open when the grace period is over is the orderly end of a stop: exit 0, and a
// WARN line saying how many requests it cut off and which.
func TestServeStopsCleanlyWhenTheGracePeriodCutsOffASlowRequest(t *testing.T) {
	t.Parallel()
	const grace = 300 * time.Millisecond
	s := startServe(t, nil, "--data", filepath.Join(t.TempDir(), "data"), "--shutdown-grace", grace.String())
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	addr := strings.TrimPrefix(endpoint, "http://")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A complete request first, so that the connection is being served when the slow one starts on it.
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	// The slow request: its headers and the first bytes of a body that never comes in full.
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Amz-Target: AWSOrganizationsV20161128.ListAccounts\r\nContent-Length: 1000\r\n\r\nAction=", addr)
	time.Sleep(300 * time.Millisecond) // for the server to read the headers and start serving

	start := time.Now()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code
		if code != exitOK {
			t.Fatalf("exit %d after the grace period, want %d\nstderr: %s", code, exitOK, s.stderr)
		}
	case <-time.After(grace + 5*time.Second):
		t.Fatalf("iamd serve did not stop within %v of cancel\nstderr: %s", grace+5*time.Second, s.stderr)
	}
	if d := time.Since(start); d < grace {
		t.Errorf("stopped after %v, before the grace period of %v", d, grace)
	}
	var warn string
	for _, line := range strings.Split(s.stderr.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("an ERROR line for an orderly stop: %s", line)
		}
		if strings.Contains(line, "grace period is over") {
			warn = line
		}
	}
	for _, want := range []string{"level=WARN", "requests_in_flight=1", "POST /", "AWSOrganizationsV20161128.ListAccounts"} {
		if !strings.Contains(warn, want) {
			t.Errorf("the stop's log line %q does not say %q\nstderr: %s", warn, want, s.stderr)
		}
	}
	// The request cut off is named by its request ID, the one its request log lines carry.
	if !requestIDRE.MatchString(warn) {
		t.Errorf("the stop's log line %q names no request ID", warn)
	}
	t.Log(warn)
	if !strings.Contains(s.stderr.String(), `msg="iamd stopped"`) {
		t.Errorf("no \"iamd stopped\" line:\n%s", s.stderr)
	}
}

// requestIDRE matches a request ID as iamd gives it (api.NewRequestID) in a cut-off request's description.
var requestIDRE = regexp.MustCompile(`request [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}: POST /`)
