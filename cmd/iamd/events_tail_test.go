package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// iamdBinary builds the iamd command once per test binary, for the tests whose point is a real process; it skips
// under -short (building takes seconds).
var iamdBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "iamd-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "iamd")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func needBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the test that builds and runs the iamd binary")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the iamd binary")
	}
	bin, err := iamdBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// callIAM sends an IAM query request signed with creds and returns the status and body.
func callIAM(t *testing.T, client *http.Client, endpoint string, creds sigv4.Credentials, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body+"&Version=2010-05-08"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body+"&Version=2010-05-08"), creds, "us-east-1", "iam", time.Now())
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// tailEvents decodes tail's output, one record per line.
func tailEvents(t *testing.T, out string) []audit.Event {
	t.Helper()
	var evs []audit.Event
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var ev audit.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("tail line %q: %v", line, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

var secretRE = regexp.MustCompile(`<SecretAccessKey>([^<]+)</SecretAccessKey>`)
var keyIDRE = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)

// TestEventsTailPrintsAndFollowsARunningServersTrail runs "iamd events tail" as a process on the data directory of
// a running server: it prints the last events that match its filters, oldest first, one CloudTrail record per
// line (--event-name, --username with --errors-only, -n); in follow mode it prints a call made after it started,
// once, and exits 0 when interrupted.
func TestEventsTailPrintsAndFollowsARunningServersTrail(t *testing.T) {
	bin := needBinary(t)
	dir := filepath.Join(t.TempDir(), "data")
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	for _, u := range []string{"tail-a", "tail-b", "tail-c"} {
		createUser(t, client, endpoint, root, u)
	}
	code, body := callIAM(t, client, endpoint, root, "Action=CreateAccessKey&UserName=tail-b")
	if code != 200 {
		t.Fatalf("CreateAccessKey: %d %s", code, body)
	}
	bob := sigv4.Credentials{AccessKeyID: keyIDRE.FindStringSubmatch(body)[1], SecretAccessKey: secretRE.FindStringSubmatch(body)[1]}
	if code, body := callIAM(t, client, endpoint, bob, "Action=ListRoles"); code != 403 {
		t.Fatalf("ListRoles as tail-b: %d %s", code, body)
	}
	tail := func(args ...string) []audit.Event {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"events", "tail", "--data", dir}, args...)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("iamd events tail %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return tailEvents(t, string(out))
	}
	// The trail's writer stores a read-only call's event a moment after the answer.
	var denied []audit.Event
	for deadline := time.Now().Add(10 * time.Second); len(denied) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		denied = tail("--username", "tail-b", "--errors-only")
	}
	if len(denied) != 1 || denied[0].EventName != "ListRoles" || denied[0].ErrorCode != "AccessDenied" || denied[0].UserIdentity.UserName != "tail-b" {
		t.Fatalf("--username tail-b --errors-only: %+v", denied)
	}
	created := tail("--event-name", "CreateUser", "-n", "2")
	if len(created) != 2 || created[0].EventName != "CreateUser" || created[0].EventTime > created[1].EventTime {
		t.Fatalf("--event-name CreateUser -n 2: %+v", created)
	}
	all := tail("--event-name", "CreateUser", "--since", "1h")
	if len(all) != 3 || all[2].EventID != created[1].EventID {
		t.Fatalf("--since 1h: %d events", len(all))
	}
	if none := tail("--event-source", "sts.amazonaws.com"); len(none) != 0 {
		t.Fatalf("--event-source sts.amazonaws.com: %+v", none)
	}

	// Follow mode sees a call made after it started.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "events", "tail", "--data", dir, "--follow", "--event-name", "CreateUser", "-n", "1", "--interval", "100ms")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(what string) audit.Event {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("tail --follow ended before %s\n%s", what, stderr.String())
			}
			return tailEvents(t, l)[0]
		case <-time.After(20 * time.Second):
			t.Fatalf("tail --follow printed no %s\n%s", what, stderr.String())
		}
		return audit.Event{}
	}
	if first := next("last event"); first.EventID != created[1].EventID {
		t.Fatalf("follow's first line is %s, want the last CreateUser %s", first.EventID, created[1].EventID)
	}
	createUser(t, client, endpoint, root, "tail-late")
	late := next("new event")
	if late.EventName != "CreateUser" || late.EventID == created[1].EventID || late.UserIdentity.Type != "Root" ||
		!strings.Contains(string(late.RequestParameters), `"tail-late"`) {
		t.Fatalf("follow printed %+v", late)
	}
	// The complete record, with the response, not the one the change stored first.
	if r := string(late.ResponseElements); r == "" || r == "null" {
		t.Fatalf("follow printed the record without its response: %+v", late)
	}
	// Printed once: nothing more comes for the same call.
	select {
	case l := <-lines:
		t.Fatalf("follow printed another line: %s", l)
	case <-time.After(1500 * time.Millisecond):
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tail --follow after an interrupt: %v\n%s", err, stderr.String())
	}
}

// TestEventsTailRefusesADirectoryWithoutADatabase: tail never creates a database.
func TestEventsTailRefusesADirectoryWithoutADatabase(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"events", "tail", "--data", dir}, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "no iamd database") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "iamd.db")); err == nil {
		t.Fatal("tail created a database")
	}
}

// TestServeAuditLogDashWritesEventsToStandardOutput: "iamd serve --audit-log -" writes each event as a JSON line
// to its standard output, after the lines that show the root key.
func TestServeAuditLogDashWritesEventsToStandardOutput(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	s := startServe(t, nil, "--data", filepath.Join(t.TempDir(), "data"), "--audit-log", "-")
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	createUser(t, client, endpoint, root, "stdout-ann")
	line := s.waitFor(t, s.stdout, regexp.MustCompile(`(?m)^(\{.*"eventName":"CreateUser".*\})$`))
	var ev audit.Event
	if err := json.Unmarshal([]byte(line), &ev); err != nil || ev.UserIdentity.Type != "Root" || ev.EventSource != "iam.amazonaws.com" {
		t.Fatalf("audit line %q: %v", line, err)
	}
}
