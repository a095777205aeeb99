package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit/audittest"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

const (
	rootKeyID  = "AKIAIOSFODNN7EXAMPLE"
	rootSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	account    = "123456789012"
)

// testServer is a real iamd on a loopback listener with a fresh data directory.
type testServer struct {
	URL  string
	Data string
	srv  *server.Server
	logs *logBuffer
	// cliProcess makes awsCLI start the aws command for each call, for the tests whose point is the AWS CLI as
	// installed (its entry point, certificate bundle, exit codes) rather than what the server answers it.
	cliProcess bool
}

func startServer(t testing.TB, opts ...func(*config.Config)) *testServer {
	t.Helper()
	return startTunedServer(t, nil, opts...)
}

// startTunedServer is startServer with the server's own settings (its timeouts, say) changed by tune, when not nil,
// before it runs.
func startTunedServer(t testing.TB, tune func(*server.Server), opts ...func(*config.Config)) *testServer {
	t.Helper()
	return startServerWith(t, newDefaultServer, tune, opts...)
}

// startServerWith is startTunedServer with the server made by newServer (server.New, or server.NewUntrailed).
func startServerWith(t testing.TB, newServer func(context.Context, config.Config, *slog.Logger) (*server.Server, error),
	tune func(*server.Server), opts ...func(*config.Config)) *testServer {
	t.Helper()
	s, stop, err := launchServerWith(newServer, t.TempDir(), tune, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return s
}

// launchServer starts a server on a data directory; stop ends it and returns what its Run returned.
func launchServer(dataDir string, tune func(*server.Server), opts ...func(*config.Config)) (*testServer, func() error, error) {
	return launchServerWith(newDefaultServer, dataDir, tune, opts...)
}

// newDefaultServer is server.New without options, how the tests' servers are made.
func newDefaultServer(ctx context.Context, cfg config.Config, logger *slog.Logger) (*server.Server, error) {
	return server.New(ctx, cfg, logger)
}

// launchServerWith is launchServer with the server made by newServer (server.New, or server.NewUntrailed).
func launchServerWith(newServer func(context.Context, config.Config, *slog.Logger) (*server.Server, error), dataDir string,
	tune func(*server.Server), opts ...func(*config.Config)) (*testServer, func() error, error) {
	cfg := config.Default()
	cfg.DataDir = dataDir
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = rootKeyID, rootSecret
	cfg.Listen = "127.0.0.1:0"
	for _, o := range opts { // a test's own settings, e.g. --oidc-ca-file
		o(&cfg)
	}
	if cfg.Store == "" && os.Getenv(testStoreEnv) == "postgres" {
		u, err := postgresFor(dataDir)
		if err != nil {
			return nil, nil, err
		}
		cfg.Store = u
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := newServer(ctx, cfg, logger)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	if tune != nil {
		tune(srv)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Close()
		return nil, nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	stop := func() error {
		cancel()
		err := <-done
		err = errors.Join(err, checkTrail(srv))
		srv.Close()
		return err
	}
	return &testServer{URL: "http://" + ln.Addr().String(), Data: cfg.DataDir, srv: srv, logs: logs}, stop, nil
}

// checkTrail is the schema test of the audit trail, run as every test server stops: once the server has answered
// its last request, every event in its trail must be a CloudTrail record with the fields CloudTrail always writes,
// of the right types (internal/audit/audittest), so every server test feeds it.
func checkTrail(srv *server.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema, err := audittest.CloudTrailRecord()
	if err != nil {
		return err
	}
	if err := srv.FlushTrail(ctx); err != nil {
		return fmt.Errorf("the audit trail: %w", err)
	}
	return server.StoreOf(srv).View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := schema.CheckTrail(ctx, r); err != nil {
			return fmt.Errorf("the audit trail: %w", err)
		}
		return nil
	})
}

// sharedServers are the servers that the tests of one file share where their state allows (each test uses names of
// its own and asserts nothing about what others create): one per key, started by the first test that asks for it
// and stopped by TestMain once every test has run. A test run again (go test -count=N) would find its own names
// taken: a top-level test that asks again for a key it used in a run that has ended gets a new server, which the
// tests asking for the key after it share.
var sharedServers = struct {
	mu    sync.Mutex
	byKey map[string]*testServer
	used  map[[2]string]bool // {key, top-level test}: the test used the key's current server in a run that ended
	stops []func() error
	dirs  []string
}{byKey: map[string]*testServer{}, used: map[[2]string]bool{}}

// sharedServer returns a copy of the server shared under key (by convention, the test file's name), so that a test
// may set its own cliProcess.
func sharedServer(t testing.TB, key string) *testServer {
	t.Helper()
	sharedServers.mu.Lock()
	defer sharedServers.mu.Unlock()
	s, ok := sharedServers.byKey[key]
	if top := !strings.Contains(t.Name(), "/"); top {
		if sharedServers.used[[2]string{key, t.Name()}] {
			ok = false // this test ran before on the key's server: its names are taken there
			for k := range sharedServers.used {
				if k[0] == key {
					delete(sharedServers.used, k)
				}
			}
		}
		t.Cleanup(func() {
			sharedServers.mu.Lock()
			defer sharedServers.mu.Unlock()
			sharedServers.used[[2]string{key, t.Name()}] = true
		})
	}
	if !ok {
		dir, err := os.MkdirTemp("", "iamd-shared-")
		if err != nil {
			t.Fatal(err)
		}
		sharedServers.dirs = append(sharedServers.dirs, dir)
		var stop func() error
		if s, stop, err = launchServer(dir, nil); err != nil {
			t.Fatal(err)
		}
		sharedServers.byKey[key] = s
		sharedServers.stops = append(sharedServers.stops, stop)
	}
	cp := *s
	return &cp
}

// TestMain stops the shared servers after the tests and removes their data, then the PostgreSQL cluster if the
// tests started one.
func TestMain(m *testing.M) {
	code := m.Run()
	sharedServers.mu.Lock()
	for _, stop := range sharedServers.stops {
		if err := stop(); err != nil {
			fmt.Fprintf(os.Stderr, "shared server: %v\n", err)
			code = 1
		}
	}
	for _, dir := range sharedServers.dirs {
		os.RemoveAll(dir)
	}
	sharedServers.mu.Unlock()
	if err := pgtest.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "postgres: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

// testStoreEnv names the variable that runs the tests' servers on PostgreSQL ("postgres"; see CONTRIBUTING.md):
// each data directory gets a database of its own (pgtest), kept for a server started again on the directory.
const testStoreEnv = "IAMD_TEST_STORE"

// needSQLite skips a test that reads the SQLite database file itself when the servers run on PostgreSQL.
func needSQLite(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(testStoreEnv) == "postgres" {
		t.Skipf("%s=postgres: this test %s", testStoreEnv, why)
	}
}

// pgDatabases maps a data directory to its PostgreSQL database's URL.
var pgDatabases = struct {
	mu    sync.Mutex
	byDir map[string]string
}{byDir: map[string]string{}}

// postgresFor returns the URL of the PostgreSQL database of a data directory, made on first use; pgtest drops it
// at the end of the tests.
func postgresFor(dataDir string) (string, error) {
	pgDatabases.mu.Lock()
	defer pgDatabases.mu.Unlock()
	if u, ok := pgDatabases.byDir[dataDir]; ok {
		return u, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	u, _, err := pgtest.NewDatabase(ctx)
	if err != nil {
		return "", fmt.Errorf("%s=postgres: %w", testStoreEnv, err)
	}
	pgDatabases.byDir[dataDir] = u
	return u, nil
}

// logBuffer is the server's log, written by its goroutines and read by the test at any time.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was logged so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// creds is an access key pair.
type creds struct{ id, secret string }

var rootCreds = creds{rootKeyID, rootSecret}

// realClients are the real clients the tests drive, each with the process that must exist for it: a command on
// PATH and, for a Python library, the import that must succeed.
var realClients = map[string]struct {
	bin, imports string
}{
	"aws":       {bin: "aws"},
	"boto3":     {bin: "python3", imports: "boto3"},
	"botocore":  {bin: "python3", imports: "botocore"},
	"terraform": {bin: "terraform"},
}

// realClientPaths remembers, per client, where it was found or why it is absent: looking up a Python import starts
// an interpreter, so it is done once per test binary.
var realClientPaths sync.Map // client name -> func() (string, string)

// needRealClient is the one gate of the tests that start a real client's process (the AWS CLI, python3 with boto3,
// Terraform): it skips the test under -short (each such process costs about a second; go test -short runs the
// in-process tests only) and when the client is not installed, and otherwise returns the path of the program to run.
func needRealClient(t testing.TB, client string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skipping the real-client test (%s)", client)
	}
	want, ok := realClients[client]
	if !ok {
		t.Fatalf("needRealClient: unknown client %q", client)
	}
	find, _ := realClientPaths.LoadOrStore(client, sync.OnceValues(func() (string, string) {
		bin, err := exec.LookPath(want.bin)
		if err != nil {
			return "", want.bin + " is not installed"
		}
		if want.imports != "" {
			if err := exec.Command(bin, "-c", "import "+want.imports).Run(); err != nil {
				return "", want.imports + " is not importable by " + want.bin
			}
		}
		return bin, ""
	}))
	bin, absent := find.(func() (string, string))()
	if absent != "" {
		t.Skipf("skipping the real-client test: %s", absent)
	}
	return bin
}

// awsCLI runs the AWS CLI against the server with the given credentials and returns stdout, stderr and the exit
// code. It skips the test when the AWS CLI is not installed.
func (s *testServer) awsCLI(t testing.TB, c creds, args ...string) (string, string, int) {
	t.Helper()
	return s.awsCLIEnv(t, c, nil, args...)
}

// awsCLIEnv is awsCLI with extra environment variables. The command runs in one of the test binary's AWS CLI
// drivers (the CLI's own code in a Python process that runs many commands: starting the aws command costs about a
// second of CPU per call), or as the aws command itself when the server's cliProcess is set or no driver can run.
func (s *testServer) awsCLIEnv(t testing.TB, c creds, extraEnv []string, args ...string) (string, string, int) {
	t.Helper()
	bin := needRealClient(t, "aws")
	home := t.TempDir()
	args = append([]string{"--endpoint-url", s.URL, "--output", "json"}, args...)
	env := append([]string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"AWS_ACCESS_KEY_ID=" + c.id, "AWS_SECRET_ACCESS_KEY=" + c.secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard",
	}, extraEnv...)
	if !s.cliProcess {
		if stdout, stderr, code, ok := runCLIInProcess(t, env, args); ok {
			return stdout, stderr, code
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// mustCLI runs the AWS CLI, fails the test on a non-zero exit and decodes the JSON output into v (when not nil).
func (s *testServer) mustCLI(t testing.TB, c creds, v any, args ...string) {
	t.Helper()
	out, errOut, code := s.awsCLI(t, c, args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// python runs a Python script with boto3 against the server; it skips when python3 or boto3 is missing.
func (s *testServer) python(t testing.TB, c creds, script string) (string, string, int) {
	t.Helper()
	bin := needRealClient(t, "boto3")
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-c", script)
	cmd.Env = []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"AWS_ACCESS_KEY_ID=" + c.id, "AWS_SECRET_ACCESS_KEY=" + c.secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"IAMD_ENDPOINT=" + s.URL, "AWS_MAX_ATTEMPTS=1",
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}
