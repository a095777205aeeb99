package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

func healthz(t *testing.T, client *http.Client, endpoint string) string {
	t.Helper()
	resp, err := client.Get(strings.TrimSuffix(endpoint, "/") + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// TestClockAdvanceThroughTheRunningServer: "iamd serve --clock-offset 49h" starts ahead (a warning in the log, the
// offset in /healthz) and "iamd clock advance 90d" moves the running server's clock forward through its operator
// endpoint; an advance that is not forward is a usage error, and without a server the command fails.
func TestClockAdvanceThroughTheRunningServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	client := newClient(t)
	s := startServe(t, map[string]string{"IAMD_CLOCK_OFFSET": "1h"}, "--data", dir, "--clock-offset", "49h") // the flag wins
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	s.waitFor(t, s.stderr, operatorPublishedRE)
	if logs := s.stderr.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "clock_offset=49h0m0s") {
		t.Fatalf("no warning of the clock offset:\n%s", logs)
	}
	if got := healthz(t, client, endpoint); got != "ok\nclock-offset: 49h0m0s\n" {
		t.Fatalf("healthz: %q", got)
	}

	r := runIamd(t, map[string]string{"IAMD_DATA": dir}, "", "clock", "advance", "90d")
	if r.code != exitOK || !strings.Contains(r.stdout, "clock-offset: 2209h0m0s\n") || !strings.Contains(r.stdout, "clock-now: ") {
		t.Fatalf("clock advance: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if got := healthz(t, client, endpoint); got != "ok\nclock-offset: 2209h0m0s\n" {
		t.Fatalf("healthz after the advance: %q", got)
	}
	for _, bad := range [][]string{{"0s"}, {"soon"}, {}, {"1h", "2h"}} {
		r := runIamd(t, nil, "", append([]string{"clock", "advance", "--data", dir}, bad...)...)
		if r.code != exitUsage {
			t.Errorf("clock advance %q: exit %d, want %d\nstderr: %s", bad, r.code, exitUsage, r.stderr)
		}
	}
	if got := healthz(t, client, endpoint); got != "ok\nclock-offset: 2209h0m0s\n" {
		t.Fatalf("healthz after refused advances: %q", got)
	}
	client.CloseIdleConnections()
	s.stop(t)

	r = runIamd(t, nil, "", "clock", "advance", "1h", "--data", dir)
	if r.code != exitFail || !strings.Contains(r.stderr, "no iamd server is running") {
		t.Fatalf("clock advance without a server: exit %d\nstderr: %s", r.code, r.stderr)
	}
}

func TestServeRejectsABackwardClockOffset(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"a negative flag", []string{"--clock-offset", "-1h"}, nil},
		{"a malformed variable", nil, map[string]string{"IAMD_CLOCK_OFFSET": "soon"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runIamd(t, c.env, "", append([]string{"serve", "--data", filepath.Join(t.TempDir(), "data")}, c.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, "clock offset") {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
		})
	}
}
