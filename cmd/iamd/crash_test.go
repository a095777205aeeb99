package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// crashAgent starts the User-Agent of every call of the crash test: the event of a call keeps its userAgent, so
// the test knows which change an event describes even when the event has no requestParameters.
const crashAgent = "iamd-crash-test"

var crashAgentRE = regexp.MustCompile(`^` + crashAgent + ` op=(\w+) user=(\S+)$`)

// TestKillNineDuringConcurrentWritesLosesNoEventOfAChangeAndKeepsNoEventOfAChangeLost: the iamd binary serves
// writers in six goroutines (CreateUser, PutUserPolicy, and for every third user DeleteUserPolicy and DeleteUser,
// signed with SigV4 over HTTP) and is killed with SIGKILL while they write. Restarted on the same data directory:
// every change that was answered 200 is there and has its event (by request ID, with its operation and user), and
// the state of every user the writers touched is exactly what the trail's successful events say, in their order:
// no change without its event, no event of a change that is absent.
func TestKillNineDuringConcurrentWritesLosesNoEventOfAChangeAndKeepsNoEventOfAChangeLost(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the crash test builds iamd and runs it as a process")
	}
	bin := buildIamd(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	root := sigv4.Credentials{AccessKeyID: "AKIACRASHTESTEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCRASHTEST1"}
	client := &http.Client{Timeout: 10 * time.Second}

	p := startProcess(t, bin, data, root)
	const workers = 6
	var (
		mu    sync.Mutex
		acked []crashCall // answered 200
		tried = map[string]bool{}
		n     atomic.Int64
		wg    sync.WaitGroup
	)
	killAt := int64(240) // answered changes before the kill
	killed := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				user := fmt.Sprintf("crash-%d-%d", w, i)
				ops := []crashCall{
					{Op: "CreateUser", User: user, Params: url.Values{"UserName": {user}}},
					{Op: "PutUserPolicy", User: user, Params: url.Values{"UserName": {user}, "PolicyName": {"p"}, "PolicyDocument": {
						`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`}}},
				}
				if i%3 == 2 {
					ops = append(ops,
						crashCall{Op: "DeleteUserPolicy", User: user, Params: url.Values{"UserName": {user}, "PolicyName": {"p"}}},
						crashCall{Op: "DeleteUser", User: user, Params: url.Values{"UserName": {user}}})
				}
				for _, c := range ops {
					mu.Lock()
					tried[user] = true
					mu.Unlock()
					status, reqID, body, err := c.send(client, p.endpoint, root)
					if err != nil {
						select {
						case <-killed:
							return // the server is gone: this call's outcome is unknown
						default:
							t.Errorf("%s %s before the kill: %v", c.Op, user, err)
							return
						}
					}
					if status != http.StatusOK {
						t.Errorf("%s %s: %d %s", c.Op, user, status, body)
						return
					}
					c.RequestID = reqID
					mu.Lock()
					acked = append(acked, c)
					mu.Unlock()
					if n.Add(1) == killAt {
						// SIGKILL while the other writers are in the middle of their calls.
						p.cmd.Process.Kill()
						close(killed)
					}
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("the writers stopped before the kill\nstderr: %s", p.stderr)
	}
	p.cmd.Wait()
	client.CloseIdleConnections()
	t.Logf("killed after %d answered changes, %d users touched", len(acked), len(tried))

	// Restarted: the answered changes are there.
	p = startProcess(t, bin, data, root)
	state := map[string]userState{}
	for user := range tried {
		st := userState{}
		status, _, _, err := crashCall{Op: "GetUser", User: user, Params: url.Values{"UserName": {user}}}.send(client, p.endpoint, root)
		if err != nil {
			t.Fatal(err)
		}
		st.exists = status == http.StatusOK
		if st.exists {
			status, _, _, err = crashCall{Op: "GetUserPolicy", User: user, Params: url.Values{"UserName": {user}, "PolicyName": {"p"}}}.send(client, p.endpoint, root)
			if err != nil {
				t.Fatal(err)
			}
			st.policy = status == http.StatusOK
		}
		state[user] = st
	}
	client.CloseIdleConnections()
	p.stop(t)

	// The trail, read from the database once the server has stopped.
	events := readTrail(t, filepath.Join(data, "iamd.db"))
	byRequest := map[string]crashEvent{}
	byUser := map[string][]crashEvent{}
	for _, e := range events {
		m := crashAgentRE.FindStringSubmatch(e.UserAgent)
		if m == nil {
			continue
		}
		if m[1] != e.EventName {
			t.Errorf("event %s: eventName %s, but its call was %s", e.EventID, e.EventName, m[1])
		}
		e.user = m[2]
		byRequest[e.RequestID] = e
		if e.ErrorCode == "" {
			byUser[e.user] = append(byUser[e.user], e)
		}
	}
	// Every answered change has its event: the one of its request, for its operation and its user.
	for _, c := range acked {
		e, ok := byRequest[c.RequestID]
		switch {
		case !ok:
			t.Errorf("%s %s was answered 200 (request %s) but has no event", c.Op, c.User, c.RequestID)
		case e.EventName != c.Op || e.user != c.User || e.ErrorCode != "":
			t.Errorf("%s %s (request %s): its event is %s of %s, errorCode %q", c.Op, c.User, c.RequestID, e.EventName, e.user, e.ErrorCode)
		case e.params != nil && e.params.UserName != c.User:
			t.Errorf("%s %s: the event's requestParameters name user %q", c.Op, c.User, e.params.UserName)
		}
	}
	// The state of every user touched is what its successful events say, in the order the calls were made: a
	// change is there if and only if its event is.
	for user := range tried {
		evs := byUser[user]
		sort.Slice(evs, func(i, j int) bool { return evs[i].time.Before(evs[j].time) })
		want := userState{}
		var ops []string
		for _, e := range evs {
			ops = append(ops, e.EventName)
			switch e.EventName {
			case "CreateUser":
				want = userState{exists: true}
			case "PutUserPolicy":
				want.policy = true
			case "DeleteUserPolicy":
				want.policy = false
			case "DeleteUser":
				want = userState{}
			}
		}
		if got := state[user]; got != want {
			t.Errorf("user %s: exists=%t policy=%t, but its events (%s) say exists=%t policy=%t", user, got.exists, got.policy,
				strings.Join(ops, ", "), want.exists, want.policy)
		}
	}
	t.Logf("%d events of the writers' calls, %d answered changes checked, %d users checked", len(byRequest), len(acked), len(tried))
}

// crashCall is one IAM call of the crash test.
type crashCall struct {
	Op, User  string
	Params    url.Values
	RequestID string // the answer's, when answered
}

// send signs the call as the account's root and sends it; err is a transport error (the server is gone).
func (c crashCall) send(client *http.Client, endpoint string, creds sigv4.Credentials) (status int, requestID, body string, err error) {
	form := url.Values{"Action": {c.Op}, "Version": {"2010-05-08"}}
	for k, v := range c.Params {
		form[k] = v
	}
	b := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(b))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("User-Agent", fmt.Sprintf("%s op=%s user=%s", crashAgent, c.Op, c.User))
	sigv4.Sign(req, []byte(b), creds, "us-east-1", "iam", time.Now())
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", "", err
	}
	return resp.StatusCode, resp.Header.Get("x-amzn-RequestId"), string(out), nil
}

type userState struct{ exists, policy bool }

// crashEvent is what the crash test reads of an event.
type crashEvent struct {
	EventID   string `json:"eventID"`
	EventName string `json:"eventName"`
	RequestID string `json:"requestID"`
	UserAgent string `json:"userAgent"`
	ErrorCode string `json:"errorCode"`
	params    *struct {
		UserName string `json:"userName"`
	}
	user string
	time time.Time
}

// readTrail reads every event of the database at path.
func readTrail(t *testing.T, path string) []crashEvent {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []crashEvent
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var seq int64
		for {
			evs, err := r.EventsSince(ctx, seq, 1000)
			if err != nil || len(evs) == 0 {
				return err
			}
			for _, se := range evs {
				seq = se.Seq
				var e crashEvent
				var raw struct {
					RequestParameters json.RawMessage `json:"requestParameters"`
				}
				if err := json.Unmarshal(se.Data, &e); err != nil {
					return fmt.Errorf("event %s: %w", se.ID, err)
				}
				json.Unmarshal(se.Data, &raw)
				if len(raw.RequestParameters) > 0 && string(raw.RequestParameters) != "null" {
					json.Unmarshal(raw.RequestParameters, &e.params)
				}
				e.time = se.Time
				out = append(out, e)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// process is the iamd binary serving on a loopback port.
type process struct {
	cmd      *exec.Cmd
	stderr   *lockedBuffer
	endpoint string
}

// startProcess runs "iamd serve" on data with root's key and waits until it serves.
func startProcess(t *testing.T, bin, data string, root sigv4.Credentials) *process {
	t.Helper()
	return startProcessWith(t, bin, data, root, nil)
}

// startProcessWith is startProcess with more environment variables (KEY=VALUE) and arguments.
func startProcessWith(t *testing.T, bin, data string, root sigv4.Credentials, env []string, args ...string) *process {
	t.Helper()
	p := &process{stderr: &lockedBuffer{}}
	p.cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", data,
		"--root-access-key-id", root.AccessKeyID, "--root-secret-access-key", root.SecretAccessKey}, args...)...)
	p.cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir()), env...)
	p.cmd.Stderr, p.cmd.Stdout = p.stderr, io.Discard
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := servingLogRE.FindStringSubmatch(p.stderr.String()); m != nil {
			p.endpoint = m[1]
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("iamd serve did not start\nstderr: %s", p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends the process with SIGTERM and waits for it.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("iamd serve: %v\nstderr: %s", err, p.stderr)
	}
}
