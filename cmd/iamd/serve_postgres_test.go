package main

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// TestServeOnPostgresFromTheEnvironment: IAMD_STORE points iamd serve at PostgreSQL; it serves, and its log names
// the store.
func TestServeOnPostgresFromTheEnvironment(t *testing.T) {
	url := pgtest.Database(t)
	const keyID, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	env := map[string]string{"IAMD_STORE": url, "IAMD_ROOT_ACCESS_KEY_ID": keyID, "IAMD_ROOT_SECRET_ACCESS_KEY": secret}
	client := newClient(t)
	s := startServe(t, env, "--data", t.TempDir())
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	if code, body := callerIdentity(t, client, endpoint, sigv4.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity: %d %s", code, body)
	}
	if !strings.Contains(s.stderr.String(), "store=") || !strings.Contains(s.stderr.String(), "postgres://") {
		t.Errorf("the log does not name the store:\n%s", s.stderr)
	}
	client.CloseIdleConnections()
	s.stop(t)
}
