package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/sigv4"
	_ "github.com/iamd-dev/iamd/internal/store/sqlite" // the sqlite driver, to age and damage a database
)

// firstStart runs iamd serve on a new data directory, checks that its root key works over HTTP, stops it and
// returns the directory and the root key.
func firstStart(t *testing.T) (string, sigv4.Credentials) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	for i := range 30 { // entities beyond the root key, so that a damaged page in the middle holds some
		createUser(t, client, endpoint, root, fmt.Sprintf("user%02d-%s", i, strings.Repeat("x", 50)))
	}
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity with the root key: %d %s", code, body)
	}
	client.CloseIdleConnections()
	s.stop(t)
	return dir, root
}

// createUser sends IAM CreateUser signed with creds and requires it to succeed.
func createUser(t *testing.T, client *http.Client, endpoint string, creds sigv4.Credentials, name string) {
	t.Helper()
	body := "Action=CreateUser&Version=2010-05-08&UserName=" + name
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), creds, "us-east-1", "iam", time.Now())
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("CreateUser %s: %d", name, resp.StatusCode)
	}
}

// serveRefused starts iamd serve on dir and requires it to refuse to start: exit 1 without serving, with an error
// that contains every string of want. It returns the error output.
func serveRefused(t *testing.T, dir string, want ...string) string {
	t.Helper()
	return serveRefusedWith(t, dir, nil, nil, want...)
}

// serveRefusedWith is serveRefused with the environment env and the arguments args after --data dir.
func serveRefusedWith(t *testing.T, dir string, env map[string]string, args []string, want ...string) string {
	t.Helper()
	s := startServe(t, env, append([]string{"--data", dir}, args...)...)
	deadline := time.After(20 * time.Second)
	for {
		select {
		case code := <-s.done:
			s.done <- code
			stderr := s.stderr.String()
			if code != exitFail {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, exitFail, stderr)
			}
			for _, w := range want {
				if !strings.Contains(stderr, w) {
					t.Errorf("the error does not say %q:\n%s", w, stderr)
				}
			}
			if s.stdout.String() != "" {
				t.Errorf("stdout: %s", s.stdout)
			}
			t.Logf("refused: %s", stderr)
			return stderr
		case <-deadline:
			t.Fatalf("iamd serve neither served nor exited\nstderr: %s", s.stderr)
		case <-time.After(5 * time.Millisecond):
			if servingLogRE.MatchString(s.stderr.String()) {
				t.Fatalf("iamd serve started on the data directory it should refuse\nstderr: %s", s.stderr)
			}
		}
	}
}

// serveWorks starts iamd serve on dir and requires root's key to authenticate over HTTP.
func serveWorks(t *testing.T, dir string, root sigv4.Credentials) {
	t.Helper()
	serveWorksWith(t, dir, root, nil)
}

// serveWorksWith is serveWorks with the environment env and the arguments args after --data dir.
func serveWorksWith(t *testing.T, dir string, root sigv4.Credentials, env map[string]string, args ...string) {
	t.Helper()
	client := newClient(t)
	s := startServe(t, env, append([]string{"--data", dir}, args...)...)
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity with the root key: %d %s", code, body)
	}
	client.CloseIdleConnections()
	s.stop(t)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestServeRefusesAMasterKeyThatDoesNotOpenTheDatabase: with another master key (or none) next to the database,
// iamd used to make or take the key and serve, answering 500 to every stored access key and locking the root
// out. It must refuse to start, naming the key file and never printing key material, and start again once the
// right key is back.
func TestServeRefusesAMasterKeyThatDoesNotOpenTheDatabase(t *testing.T) {
	t.Parallel()
	dir, root := firstStart(t)
	keyPath := filepath.Join(dir, "master.key")
	original := readFile(t, keyPath)

	t.Run("another key", func(t *testing.T) {
		other := secret.NewKey()
		if err := os.Remove(keyPath); err != nil {
			t.Fatal(err)
		}
		if err := secret.WriteKey(keyPath, other); err != nil {
			t.Fatal(err)
		}
		stderr := serveRefused(t, dir, keyPath, "does not open the database")
		for _, k := range []string{base64.StdEncoding.EncodeToString(other), strings.TrimSpace(string(original))} {
			if strings.Contains(stderr, k) {
				t.Errorf("the error shows key material:\n%s", stderr)
			}
		}
	})
	t.Run("no key", func(t *testing.T) {
		if err := os.Remove(keyPath); err != nil {
			t.Fatal(err)
		}
		serveRefused(t, dir, keyPath, "is missing")
		if _, err := os.Stat(keyPath); err == nil {
			t.Error("iamd made a new master key for existing data")
		}
	})
	t.Run("the original key back", func(t *testing.T) {
		os.Remove(keyPath)
		if err := os.WriteFile(keyPath, original, 0o600); err != nil {
			t.Fatal(err)
		}
		serveWorks(t, dir, root)
	})
}

// TestServeChecksTheKeyOfADatabaseWrittenBeforeTheKeyCheck: a database from an earlier iamd has no key check. The
// first start checks the key against the stored root access key: another key is refused; the right one starts,
// stores the data keys it wraps, and is checked with them from then on.
func TestServeChecksTheKeyOfADatabaseWrittenBeforeTheKeyCheck(t *testing.T) {
	t.Parallel()
	dir, root, _ := legacyDataDir(t, false)
	keyPath := filepath.Join(dir, "master.key")
	original := readFile(t, keyPath)
	os.Remove(keyPath)
	if err := secret.WriteKey(keyPath, secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	serveRefused(t, dir, keyPath, "does not open the secrets")

	os.Remove(keyPath)
	if err := os.WriteFile(keyPath, original, 0o600); err != nil {
		t.Fatal(err)
	}
	serveWorks(t, dir, root)
	os.Remove(keyPath)
	if err := secret.WriteKey(keyPath, secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	serveRefused(t, dir, keyPath, "does not open the database") // now by the data keys the right key's start stored
}

// TestServeRefusesAMissingEmptyOrDamagedDatabase: a master key says data existed, so a missing or empty database
// next to it is refused rather than served as a new, empty IAM; a database with a damaged page is refused rather
// than served half-readable. Each message names the database file.
func TestServeRefusesAMissingEmptyOrDamagedDatabase(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(t *testing.T, dbPath string)
		want   string
	}{
		{"missing", func(t *testing.T, dbPath string) {
			for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
				os.Remove(p)
			}
		}, "is missing but the master key"},
		{"empty", func(t *testing.T, dbPath string) {
			if err := os.WriteFile(dbPath, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "is empty but the master key"},
		{"damaged in the middle", damageMiddlePage, "is damaged"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := firstStart(t)
			dbPath := filepath.Join(dir, "iamd.db")
			c.change(t, dbPath)
			serveRefused(t, dir, dbPath, c.want)
			if c.name == "missing" {
				if _, err := os.Stat(dbPath); err == nil {
					t.Error("iamd created a new database next to the existing key")
				}
			}
		})
	}
}

// damageMiddlePage overwrites the page in the middle of a closed database file, as a failing disk would.
func damageMiddlePage(t *testing.T, dbPath string) {
	t.Helper()
	if fi, err := os.Stat(dbPath + "-wal"); err == nil && fi.Size() > 0 {
		t.Fatalf("the WAL holds %d bytes: the database was not checkpointed on stop", fi.Size())
	}
	data := readFile(t, dbPath)
	pageSize := int(data[16])<<8 | int(data[17])
	pages := len(data) / pageSize
	if pages < 5 {
		t.Fatalf("only %d pages", pages)
	}
	middle := pages / 2 * pageSize
	for i := middle; i < middle+pageSize; i++ {
		data[i] = 0x5a
	}
	if err := os.WriteFile(dbPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServeCreatesItsFilesOwnerOnly: in a data directory that already exists with mode 0755 and the common umask
// 022, the database, its WAL and shared-memory files and the master key are readable by their owner only.
func TestServeCreatesItsFilesOwnerOnly(t *testing.T) { // not parallel: the umask is the process's
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	createUser(t, client, endpoint, root, "alice")
	for _, name := range []string{"iamd.db", "iamd.db-wal", "iamd.db-shm", "master.key"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want -rw-------", name, fi.Mode().Perm())
		}
	}
	client.CloseIdleConnections()
	s.stop(t)
}
