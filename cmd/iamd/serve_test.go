package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// lockedBuffer is an output that the serving goroutine writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serving is "iamd serve" running in a goroutine, as main runs it.
type serving struct {
	stdout, stderr *lockedBuffer
	cancel         context.CancelFunc
	done           chan int
}

// startServe runs iamd serve with args after "serve", on a loopback port, with the environment env. The test's
// cleanup stops it if the test did not.
func startServe(t *testing.T, env map[string]string, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	getenv := func(k string) string { return env[k] }
	go func() {
		s.done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), getenv, strings.NewReader(""), s.stdout, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			t.Error("iamd serve did not stop")
		}
	})
	return s
}

// waitFor polls out until re matches, and returns the first submatch. It fails the test when the server exits or
// the timeout passes first.
func (s *serving) waitFor(t *testing.T, out *lockedBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-s.done:
			s.done <- code // for stop and the cleanup
			t.Fatalf("iamd serve exited %d before printing %s\nstdout: %s\nstderr: %s", code, re, s.stdout, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("iamd serve did not print %s\nstdout: %s\nstderr: %s", re, s.stdout, s.stderr)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop cancels the context, as SIGINT and SIGTERM do, and requires iamd serve to return 0 promptly.
func (s *serving) stop(t *testing.T) {
	t.Helper()
	start := time.Now()
	s.cancel()
	select {
	case code := <-s.done:
		s.done <- code
		if code != exitOK {
			t.Fatalf("iamd serve exited %d after cancel\nstderr: %s", code, s.stderr)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("iamd serve took %v to stop", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("iamd serve did not return within 5s of cancel\nstderr: %s", s.stderr)
	}
}

var (
	exportEndpointRE = regexp.MustCompile(`(?m)^\s*export AWS_ENDPOINT_URL=(\S+)$`)
	exportKeyIDRE    = regexp.MustCompile(`(?m)^\s*export AWS_ACCESS_KEY_ID=(\S+)$`)
	exportSecretRE   = regexp.MustCompile(`(?m)^\s*export AWS_SECRET_ACCESS_KEY=(\S+)$`)
	servingLogRE     = regexp.MustCompile(`msg="iamd serving" endpoint=(\S+)`)
)

// callerIdentity sends STS GetCallerIdentity signed with creds and returns the status and the body.
func callerIdentity(t *testing.T, client *http.Client, endpoint string, creds sigv4.Credentials) (int, string) {
	t.Helper()
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), creds, "us-east-1", "sts", time.Now())
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// newClient is an HTTP client whose connections the test closes, so that none outlives the server.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

const rootARN = "<Arn>arn:aws:iam::123456789012:root</Arn>"

func TestServePrintsTheRootSecretOnlyOnTheFirstStartAndStopsOnCancel(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	client := newClient(t)

	first := startServe(t, nil, "--data", dir)
	endpoint := first.waitFor(t, first.stdout, exportEndpointRE)
	root := sigv4.Credentials{
		AccessKeyID:     first.waitFor(t, first.stdout, exportKeyIDRE),
		SecretAccessKey: first.waitFor(t, first.stdout, exportSecretRE),
	}
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || strings.HasSuffix(endpoint, ":0") {
		t.Fatalf("endpoint %q", endpoint)
	}
	resp, err := client.Get(endpoint + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %d", resp.StatusCode)
	}
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity with the printed key: %d %s", code, body)
	}
	if strings.Contains(first.stderr.String(), root.SecretAccessKey) {
		t.Errorf("the root secret is in the log:\n%s", first.stderr)
	}
	client.CloseIdleConnections()
	first.stop(t)

	second := startServe(t, nil, "--data", dir)
	endpoint = second.waitFor(t, second.stderr, servingLogRE)
	if out := second.stdout.String(); strings.Contains(out, root.SecretAccessKey) || strings.Contains(out, "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("the second start printed the root secret again:\n%s", out)
	}
	if strings.Contains(second.stderr.String(), root.SecretAccessKey) {
		t.Errorf("the root secret is in the log:\n%s", second.stderr)
	}
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity with the first start's key: %d %s", code, body)
	}
	client.CloseIdleConnections()
	second.stop(t)
}

func TestServeUsesTheRootKeyFromTheEnvironment(t *testing.T) {
	t.Parallel()
	const keyID, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	env := map[string]string{"IAMD_ROOT_ACCESS_KEY_ID": keyID, "IAMD_ROOT_SECRET_ACCESS_KEY": secret}
	client := newClient(t)
	s := startServe(t, env, "--data", t.TempDir())
	endpoint := s.waitFor(t, s.stderr, servingLogRE)

	cases := []struct {
		name   string
		creds  sigv4.Credentials
		status int
		want   string
	}{
		{"the key from the environment is the root's", sigv4.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}, http.StatusOK, rootARN},
		{"another secret does not match", sigv4.Credentials{AccessKeyID: keyID, SecretAccessKey: strings.Replace(secret, "w", "x", 1)},
			http.StatusForbidden, "<Code>SignatureDoesNotMatch</Code>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, body := callerIdentity(t, client, endpoint, c.creds); code != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("GetCallerIdentity: %d %s\nwant %d and %s", code, body, c.status, c.want)
			}
		})
	}
	if out := s.stdout.String(); strings.Contains(out, secret) || strings.Contains(out, "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("iamd printed the secret it was given:\n%s", out)
	}
	if strings.Contains(s.stderr.String(), secret) {
		t.Errorf("the root secret is in the log:\n%s", s.stderr)
	}
	client.CloseIdleConnections()
	s.stop(t)
}

func TestServeRejectsAnInvalidConfigurationWithExitCode2(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"a short account ID", []string{"--account-id", "12"}, nil, `account ID "12" must be 12 digits`},
		{"a short account ID from the environment", nil, map[string]string{"IAMD_ACCOUNT_ID": "12"}, `account ID "12" must be 12 digits`},
		{"half the root credentials", nil, map[string]string{"IAMD_ROOT_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"},
			"set both IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY"},
		{"an argument", []string{"extra"}, nil, "unexpected arguments: extra"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"serve", "--data", filepath.Join(t.TempDir(), "data")}, c.args...)
			r := runIamd(t, c.env, "", args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, "iamd serve: ") || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, want %d\nstderr: %s\nwant it to contain %q", r.code, exitUsage, r.stderr, c.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %s", r.stdout)
			}
		})
	}
}
