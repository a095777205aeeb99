package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// requireOwnerOnly fails unless the file at path is readable by its owner only.
func requireOwnerOnly(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600: it holds sealed secrets and password hashes", path, fi.Mode().Perm())
	}
}

// newDirWithKey returns a new data directory that holds only a copy of the master key of data.
func newDirWithKey(t *testing.T, data string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "new")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "master.key"), readFile(t, filepath.Join(data, "master.key")), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestExportImportMovesADataDirectory: "iamd export" writes a dump of a served data directory (a new file, 0600;
// the same bytes on standard output), "iamd import" reads it into a new directory that holds the same master key,
// exporting that gives the same dump, and iamd serves the new directory: the root key (a sealed secret) signs and
// the users are there. A second import into it is refused.
func TestExportImportMovesADataDirectory(t *testing.T) {
	data, root := firstStart(t)
	file := filepath.Join(t.TempDir(), "iamd.dump")
	r := runIamd(t, nil, "", "export", "--data", data, "-o", file)
	if r.code != exitOK || !strings.Contains(r.stderr, "wrote 3") {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	t.Log(r.stderr)
	requireOwnerOnly(t, file)
	first := readFile(t, file)
	if r := runIamd(t, nil, "", "export", "--data", data, "-o", file); r.code != exitFail || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("export over an existing file: exit %d\n%s", r.code, r.stderr)
	}
	if r := runIamd(t, nil, "", "export", "--data", data, "-o", "-"); r.code != exitOK || r.stdout != string(first) {
		t.Errorf("export -o -: exit %d, %d bytes on stdout, want the %d of the file\n%s", r.code, len(r.stdout), len(first), r.stderr)
	}

	dir := newDirWithKey(t, data)
	r = runIamd(t, nil, "", "import", "--data", dir, file)
	if r.code != exitOK {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	t.Log(r.stderr)
	requireOwnerOnly(t, filepath.Join(dir, "iamd.db"))
	again := filepath.Join(t.TempDir(), "again.dump")
	if r := runIamd(t, nil, "", "export", "--data", dir, "-o", again); r.code != exitOK {
		t.Fatalf("export of the imported directory: exit %d\n%s", r.code, r.stderr)
	}
	if !bytes.Equal(readFile(t, again), first) {
		t.Errorf("export → import → export gives another dump (%d bytes, then %d)", len(first), len(readFile(t, again)))
	}
	if r := runIamd(t, nil, "", "import", "--data", dir, file); r.code != exitFail || !strings.Contains(r.stderr, "not empty") {
		t.Errorf("a second import: exit %d\n%s", r.code, r.stderr)
	}

	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK || !strings.Contains(body, rootARN) {
		t.Fatalf("GetCallerIdentity with the root key on the imported directory: %d %s", code, body)
	}
	name := "user07-" + strings.Repeat("x", 50)
	if code, body := callIAM(t, client, endpoint, root, "Action=GetUser&UserName="+name); code != http.StatusOK {
		t.Errorf("GetUser %s on the imported directory: %d %s", name, code, body)
	}
	client.CloseIdleConnections()
	s.stop(t)
}

// TestImportRefusesADumpItsKeyDoesNotOpen: without the master key, or with another key, the import is refused
// with a message that says which key to copy, and leaves no database behind (serve then starts afresh or is told
// what is wrong, rather than finding an empty database next to a key).
func TestImportRefusesADumpItsKeyDoesNotOpen(t *testing.T) {
	data, _ := firstStart(t)
	file := filepath.Join(t.TempDir(), "iamd.dump")
	if r := runIamd(t, nil, "", "export", "--data", data, "-o", file); r.code != exitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	noKey := filepath.Join(t.TempDir(), "nokey")
	r := runIamd(t, nil, "", "import", "--data", noKey, file)
	if r.code != exitFail || !strings.Contains(r.stderr, "has no master key") || !strings.Contains(r.stderr, "copy that key file") {
		t.Errorf("import without a key: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(noKey); !os.IsNotExist(err) {
		t.Errorf("the refused import made %s: %v", noKey, err)
	}
	otherKey := filepath.Join(t.TempDir(), "otherkey")
	if err := secret.WriteKey(filepath.Join(otherKey, "master.key"), secret.NewKey()); err != nil {
		t.Fatal(err)
	}
	r = runIamd(t, nil, "", "import", "--data", otherKey, file)
	if r.code != exitFail || !strings.Contains(r.stderr, "is not the key the dump's secrets are sealed with") {
		t.Errorf("import with another key: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, string(readFile(t, filepath.Join(otherKey, "master.key")))[:20]) {
		t.Errorf("the message holds key material:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(otherKey, "iamd.db")); !os.IsNotExist(err) {
		t.Errorf("the refused import left a database: %v", err)
	}
	t.Log(r.stderr)
	if r := runIamd(t, nil, "", "import", "--data", data, file); r.code != exitFail || !strings.Contains(r.stderr, "not empty") {
		t.Errorf("import into the directory it came from: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDumpCommandsUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--data", "x"}, "-o FILE is required"},
		{[]string{"export", "-o", "f", "extra"}, "unexpected arguments"},
		{[]string{"import", "--data", "x"}, "want one dump FILE"},
		{[]string{"import", "--data", "x", "a", "b"}, "want one dump FILE"},
		{[]string{"backup", "--data", "x"}, "-o FILE is required"},
	} {
		if r := runIamd(t, nil, "", c.args...); r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("iamd %s: exit %d, want %d with %q\n%s", strings.Join(c.args, " "), r.code, exitUsage, c.want, r.stderr)
		}
	}
	if r := runIamd(t, nil, "", "backup", "--data", t.TempDir(), "-o", filepath.Join(t.TempDir(), "b")); r.code != exitFail || !strings.Contains(r.stderr, "no iamd database") {
		t.Errorf("backup of a directory without a database: exit %d\n%s", r.code, r.stderr)
	}
	r := runIamd(t, nil, "", "help")
	for _, cmd := range []string{"iamd export", "iamd import", "iamd backup"} {
		if !strings.Contains(r.stdout, cmd) {
			t.Errorf("iamd help does not show %s", cmd)
		}
	}
}

var userNameRE = regexp.MustCompile(`<UserName>([^<]+)</UserName>`)

// TestBackupWhileServingIsConsistent: "iamd backup" runs as a process while an "iamd serve" process takes
// CreateUser calls from three writers. The backup (0600) restored next to the directory's master key is served by
// iamd: every user answered before the backup began is there, none answered after it ended is, and the copy is one
// moment of the store: its users are exactly those its trail has a successful CreateUser event for (a change and
// its event commit together).
func TestBackupWhileServingIsConsistent(t *testing.T) {
	bin := needBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	root := sigv4.Credentials{AccessKeyID: "AKIABACKUPTESTEXAMPL", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYBACKUPTEST"}
	client := newClient(t)
	p := startProcess(t, bin, data, root)

	var (
		mu      sync.Mutex
		acked   []string // in the order answered
		phase   = 0      // 0 before the backup, 1 during, 2 after
		byPhase = map[int][]string{}
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				before := phase
				mu.Unlock()
				user := fmt.Sprintf("backup-%d-%d", w, i)
				status, _, body, err := crashCall{Op: "CreateUser", User: user, Params: url.Values{"UserName": {user}}}.send(client, p.endpoint, root)
				if err != nil || status != http.StatusOK {
					t.Errorf("CreateUser %s: %d %v %s", user, status, err, body)
					return
				}
				mu.Lock()
				acked = append(acked, user)
				if before == phase { // answered within one phase: it is known to be before, during or after the backup
					byPhase[phase] = append(byPhase[phase], user)
				}
				mu.Unlock()
			}
		}()
	}
	waitAcked := func(n int) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the writers answered %d calls, not %d", got, n)
			}
		}
	}
	waitAcked(60)
	mu.Lock()
	phase = 1
	mu.Unlock()
	backup := filepath.Join(dir, "iamd-backup.db")
	out, err := exec.Command(bin, "backup", "--data", data, "-o", backup).CombinedOutput()
	mu.Lock()
	phase = 2
	during := len(byPhase[1])
	mu.Unlock()
	if err != nil {
		t.Fatalf("iamd backup: %v\n%s", err, out)
	}
	waitAcked(len(acked) + 30)
	close(stop)
	wg.Wait()
	p.stop(t)
	client.CloseIdleConnections()
	requireOwnerOnly(t, backup)
	t.Logf("%d users answered before the backup, %d during, %d after", len(byPhase[0]), during, len(byPhase[2]))

	restored := newDirWithKey(t, data)
	if err := os.WriteFile(filepath.Join(restored, "iamd.db"), readFile(t, backup), 0o600); err != nil {
		t.Fatal(err)
	}
	p = startProcess(t, bin, restored, root)
	status, _, body, err := crashCall{Op: "ListUsers", Params: url.Values{"MaxItems": {"1000"}}}.send(client, p.endpoint, root)
	if err != nil || status != http.StatusOK {
		t.Fatalf("ListUsers on the restored backup: %d %v %s", status, err, body)
	}
	client.CloseIdleConnections()
	p.stop(t)
	users := map[string]bool{}
	for _, m := range userNameRE.FindAllStringSubmatch(body, -1) {
		users[m[1]] = true
	}
	for _, u := range byPhase[0] {
		if !users[u] {
			t.Errorf("user %s, answered before the backup began, is not in the backup", u)
		}
	}
	for _, u := range byPhase[2] {
		if users[u] {
			t.Errorf("user %s, answered after the backup ended, is in the backup", u)
		}
	}
	created := map[string]bool{}
	for _, e := range readTrail(t, filepath.Join(restored, "iamd.db")) {
		if e.EventName == "CreateUser" && e.ErrorCode == "" && e.params != nil {
			created[e.params.UserName] = true
		}
	}
	for u := range users {
		if !created[u] {
			t.Errorf("user %s is in the backup without its CreateUser event", u)
		}
	}
	for u := range created {
		if !users[u] {
			t.Errorf("the backup's trail has a CreateUser event of %s, but not the user", u)
		}
	}
	t.Logf("the backup holds %d users, each with its event", len(users))
}
