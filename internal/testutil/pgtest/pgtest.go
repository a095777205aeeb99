// Package pgtest gives tests throwaway PostgreSQL databases. The first test that asks for one starts a cluster for
// the whole test binary (initdb and pg_ctl on a temporary directory, listening only on a unix socket in it, fsync
// off), or uses the server at IAMD_TEST_POSTGRES_URL when it is set; a template database is migrated once, and
// each test gets a copy of it (CREATE DATABASE ... TEMPLATE), dropped when the test ends. Run, called from
// TestMain, stops the cluster after the tests. It never uses a server the machine happens to run.
//
// The binaries are looked up on PATH, then under /usr/lib/postgresql/*/bin (Debian's postgresql package); tests
// skip with a message saying so when there are none. As root, the cluster runs as the postgres user (or nobody).
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points the tests at an existing server (a URL whose user may create databases)
// instead of a cluster of their own. Its databases are created and dropped under names that start with iamd_.
const EnvURL = "IAMD_TEST_POSTGRES_URL"

// ErrUnavailable is returned by NewDatabase when there is no PostgreSQL to test with.
var ErrUnavailable = errors.New("no PostgreSQL to test with: the server binaries (initdb, pg_ctl) are neither on PATH nor under /usr/lib/postgresql/*/bin (install Debian's postgresql package), and " + EnvURL + " is not set")

// shared is the test binary's cluster, started by the first test that needs it and stopped by Run: test helpers
// reach it without a handle, as testing's own flags are.
var shared struct {
	mu      sync.Mutex
	started bool
	c       *cluster
	err     error
}

// cluster is a server with a migrated template database.
type cluster struct {
	mu       sync.Mutex // admin is one connection
	admin    *pgx.Conn
	base     url.URL // the URL of any database on it, with the database name left out
	template string
	fileCopy bool     // CREATE DATABASE takes STRATEGY FILE_COPY (PostgreSQL 15+), faster for a small template
	prefix   string   // of the databases this binary creates
	n        int      // databases created
	live     []string // created and not dropped
	// spare is a database made ahead, while the test that took the previous one runs (creating one takes a good
	// part of a short test's time); prefetching tells whether one is being made.
	spare       chan spare
	prefetching sync.WaitGroup
	stop        func() error
	server      *server // the cluster's own server; nil for IAMD_TEST_POSTGRES_URL
}

// server is a server that startServer started: what pg_ctl needs to stop and start it again.
type server struct {
	pgctl, data, log string
	setup            func(*exec.Cmd)
}

// ErrNotOwned is returned by StopServer and StartServer when the tests use a server they did not start
// (IAMD_TEST_POSTGRES_URL): they never stop a server they do not own.
var ErrNotOwned = errors.New("pgtest: the tests use a server they did not start (" + EnvURL + "); it is not theirs to stop")

// StopServer stops the test binary's own cluster as an operator's restart does (pg_ctl stop -m fast: clients are
// disconnected, committed transactions are kept), for tests of what iamd does while its database is away. The
// databases keep their URLs; StartServer starts the cluster again. It fails with ErrNotOwned on a server the tests
// did not start, and with ErrUnavailable when there is no PostgreSQL. Every database of the binary is away until
// StartServer: a test that calls it must not run in parallel with others that use PostgreSQL.
func StopServer(ctx context.Context) error {
	c, err := get(ctx)
	if err != nil {
		return err
	}
	if c.server == nil {
		return ErrNotOwned
	}
	c.prefetching.Wait() // the spare database is made before the server goes
	c.mu.Lock()
	defer c.mu.Unlock()
	c.admin.Close(ctx) // the server closes it anyway; StartServer opens another
	return c.server.ctl(ctx, "-m", "fast", "stop")
}

// StartServer starts the cluster that StopServer stopped, and waits until it takes connections.
func StartServer(ctx context.Context) error {
	c, err := get(ctx)
	if err != nil {
		return err
	}
	if c.server == nil {
		return ErrNotOwned
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.server.ctl(ctx, "-l", c.server.log, "-o", "-F", "start"); err != nil {
		return err
	}
	admin, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: connect after a restart: %w", err)
	}
	c.admin = admin
	return nil
}

// ctl runs pg_ctl on the server's data directory with args, waiting for the operation to finish.
func (s *server) ctl(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, s.pgctl, append([]string{"-D", s.data, "-w", "-t", "60"}, args...)...)
	s.setup(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(s.log)
		return fmt.Errorf("pgtest: pg_ctl %s: %v\n%s\n%s", args[len(args)-1], err, out, log)
	}
	return nil
}

// spare is the outcome of making a database ahead.
type spare struct {
	name string
	err  error
}

// Run runs the tests, then Stop: func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }.
func Run(m *testing.M) int {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		code = 1
	}
	return code
}

// Stop drops the databases the tests left and stops the cluster they started, if any. A TestMain that has more to
// close after its tests (servers on the databases) calls it last, in place of Run.
func Stop() error {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c == nil {
		return nil
	}
	err := shared.c.close()
	shared.c = nil
	return err
}

// Database returns the URL of a new database with iamd's schema, dropped when t ends. It skips t when there is no
// PostgreSQL to test with.
func Database(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	u, drop, err := NewDatabase(ctx)
	if errors.Is(err, ErrUnavailable) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// NewDatabase is Database for code that has no testing.TB (a server shared by tests): drop removes the database,
// and Run drops those left.
func NewDatabase(ctx context.Context) (string, func() error, error) {
	c, err := get(ctx)
	if err != nil {
		return "", nil, err
	}
	name, err := c.take(ctx)
	if err != nil {
		return "", nil, err
	}
	drop := func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.drop(context.Background(), name)
	}
	return c.url(name), drop, nil
}

// take returns the spare database, or makes one, and starts making the next spare.
func (c *cluster) take(ctx context.Context) (string, error) {
	var sp spare
	select {
	case sp = <-c.spare:
	default:
		c.prefetching.Wait()
		select {
		case sp = <-c.spare:
		default:
			sp.name, sp.err = c.create(ctx)
		}
	}
	if sp.err != nil {
		return "", sp.err
	}
	c.prefetching.Add(1)
	go func() {
		defer c.prefetching.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		name, err := c.create(ctx)
		select {
		case c.spare <- spare{name, err}:
		default: // another test's goroutine made the spare first; close drops this one
		}
	}()
	return sp.name, nil
}

// create makes a database from the template.
func (c *cluster) create(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	name := fmt.Sprintf("%s_%d", c.prefix, c.n)
	q := "CREATE DATABASE " + name + " TEMPLATE " + c.template
	if c.fileCopy {
		q += " STRATEGY FILE_COPY"
	}
	if _, err := c.admin.Exec(ctx, q); err != nil {
		return "", fmt.Errorf("pgtest: %w", err)
	}
	c.live = append(c.live, name)
	return name, nil
}

// get returns the cluster, starting it on first use.
func get(ctx context.Context) (*cluster, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.started {
		shared.started = true
		shared.c, shared.err = start(ctx)
	}
	return shared.c, shared.err
}

func (c *cluster) url(db string) string {
	u := c.base
	u.Path = "/" + db
	return u.String()
}

// drop drops a database, closing its connections (WITH (FORCE), PostgreSQL 13+). c.mu is held.
func (c *cluster) drop(ctx context.Context, name string) error {
	if _, err := c.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	for i, n := range c.live {
		if n == name {
			c.live = append(c.live[:i], c.live[i+1:]...)
			break
		}
	}
	return nil
}

// close drops what the tests left, then stops the server if it is the tests' own.
func (c *cluster) close() error {
	c.prefetching.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, name := range append([]string{}, c.live...) {
		errs = append(errs, c.drop(ctx, name))
	}
	errs = append(errs, c.drop(ctx, c.template))
	errs = append(errs, c.admin.Close(ctx))
	if c.stop != nil {
		errs = append(errs, c.stop())
	}
	return errors.Join(errs...)
}

// start starts a cluster (or connects to IAMD_TEST_POSTGRES_URL), then makes and migrates the template.
func start(ctx context.Context) (*cluster, error) {
	c := &cluster{prefix: fmt.Sprintf("iamd_t%d", os.Getpid()), spare: make(chan spare, 1)}
	if env := os.Getenv(EnvURL); env != "" {
		u, err := url.Parse(env)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("pgtest: %s must be a postgres:// URL", EnvURL)
		}
		c.base = *u
	} else {
		srv, dir, stop, err := startServer(ctx)
		if err != nil {
			return nil, err
		}
		c.stop, c.server = stop, srv
		c.base = url.URL{Scheme: "postgres", User: url.User("postgres"), RawQuery: url.Values{"host": {dir}, "sslmode": {"disable"}}.Encode()}
	}
	admin, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		c.closeServer()
		return nil, fmt.Errorf("pgtest: connect: %w", err)
	}
	c.admin = admin
	var version int
	if err := admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		c.closeServer()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c.fileCopy = version >= 150000
	c.template = c.prefix + "_template"
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+c.template); err != nil {
		c.closeServer()
		return nil, fmt.Errorf("pgtest: create the template: %w", err)
	}
	st, err := postgres.Open(ctx, c.url(c.template))
	if err != nil {
		c.closeServer()
		return nil, fmt.Errorf("pgtest: migrate the template: %w", err)
	}
	st.Close()
	return c, nil
}

// closeServer undoes a start that failed half-way.
func (c *cluster) closeServer() {
	if c.admin != nil {
		c.admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+c.template+" WITH (FORCE)")
		c.admin.Close(context.Background())
	}
	if c.stop != nil {
		c.stop()
	}
}

// binDir finds the directory of initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/*/bin.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	return "", ErrUnavailable
}

// version is the major version in a path such as /usr/lib/postgresql/15/bin.
func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// startServer makes a cluster in a new temporary directory and starts it, listening on a unix socket in that
// directory only. A watchdog process stops the server and removes the directory when stop closes its input, or
// when the test binary dies and the system closes it.
func startServer(ctx context.Context) (srv *server, dir string, stop func() error, err error) {
	bin, err := binDir()
	if err != nil {
		return nil, "", nil, err
	}
	dir, err = os.MkdirTemp("", "iamd-pg-")
	if err != nil {
		return nil, "", nil, err
	}
	setup, err := runAs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, fmt.Errorf("pgtest: %w", err)
	}
	data := filepath.Join(dir, "data")
	pgctl := filepath.Join(bin, "pg_ctl")

	r, w, err := os.Pipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	watchdog := exec.Command("/bin/sh", "-c", `read _; "$0" -D "$1" -m immediate stop >/dev/null 2>&1; rm -rf "$2"`, pgctl, data, dir)
	watchdog.Stdin = r
	setup(watchdog)
	if err := watchdog.Start(); err != nil {
		r.Close()
		w.Close()
		os.RemoveAll(dir)
		return nil, "", nil, fmt.Errorf("pgtest: start the watchdog: %w", err)
	}
	r.Close()
	stop = func() error {
		w.Close()
		return watchdog.Wait()
	}

	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	setup(initdb)
	if out, err := initdb.CombinedOutput(); err != nil {
		stop()
		return nil, "", nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	conf := strings.Join([]string{
		"listen_addresses = ''",
		"unix_socket_directories = '" + dir + "'",
		"fsync = off",
		"synchronous_commit = off",
		"full_page_writes = off",
		"max_connections = 200",
	}, "\n") + "\n"
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		stop()
		return nil, "", nil, fmt.Errorf("pgtest: configure: %w", err)
	}
	logPath := filepath.Join(dir, "server.log")
	pgStart := exec.CommandContext(ctx, pgctl, "-D", data, "-l", logPath, "-w", "-t", "60", "-o", "-F", "start")
	setup(pgStart)
	if out, err := pgStart.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(logPath)
		stop()
		return nil, "", nil, fmt.Errorf("pgtest: pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return &server{pgctl: pgctl, data: data, log: logPath, setup: setup}, dir, stop, nil
}
