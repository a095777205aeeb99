package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

// pgNodes starts iamd nodes on one PostgreSQL database, each with a data directory of its own and the same master
// key, as an operator runs them behind a load balancer.
type pgNodes struct {
	bin, url string
	env      []string
}

func newPGNodes(t *testing.T) *pgNodes {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the test builds iamd and runs it as processes on PostgreSQL")
	}
	url := pgtest.Database(t)
	key := make([]byte, 32)
	rand.Read(key)
	return &pgNodes{bin: buildIamd(t), url: url,
		env: []string{"IAMD_STORE=" + url, "IAMD_MASTER_KEY=" + base64.StdEncoding.EncodeToString(key)}}
}

// start starts a node and waits until it serves; data is its data directory.
func (n *pgNodes) start(t *testing.T) (p *process, data string) {
	t.Helper()
	data = filepath.Join(t.TempDir(), "data")
	return startProcessWith(t, n.bin, data, nodesRoot, n.env), data
}

// TestNodesOnOnePostgresDatabaseBehaveAsOneServer: three "iamd serve" processes on one PostgreSQL database, each
// with its own data directory and the same master key, behave as one server, as the nodes on one SQLite file do.
func TestNodesOnOnePostgresDatabaseBehaveAsOneServer(t *testing.T) {
	n := newPGNodes(t)
	// One at a time: the first creates the default account.
	first, data := n.start(t)
	second, _ := n.start(t)
	third, _ := n.start(t)
	testNodesBehaveAsOneServer(t, n.bin, []*process{first, second, third}, data)
}

// loadAnswer is one CreateUser of a userLoad and what came of it.
type loadAnswer struct {
	user, endpoint    string
	at                time.Time // when the answer came
	status            int
	contentType, body string
	err               error // a transport error: no whole answer
}

// userLoad is concurrent clients creating users of names of their own on some nodes, as fast as they are answered.
type userLoad struct {
	c       nodeClient
	acked   atomic.Int64
	mu      sync.Mutex
	answers []loadAnswer
	done    chan struct{}
	wg      sync.WaitGroup
}

func startUserLoad(endpoints []string, workersPerNode int) *userLoad {
	l := &userLoad{c: nodeClient{http: &http.Client{Timeout: 10 * time.Second}}, done: make(chan struct{})}
	for i, endpoint := range endpoints {
		for w := range workersPerNode {
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				for j := 0; ; j++ {
					select {
					case <-l.done:
						return
					default:
					}
					a := loadAnswer{user: fmt.Sprintf("load-%d-%d-%d", i, w, j), endpoint: endpoint}
					a.status, a.contentType, a.body, a.err = l.c.send(endpoint, nodesRoot, "iam", iamForm("CreateUser", "UserName", a.user))
					a.at = time.Now()
					if a.status == http.StatusOK {
						l.acked.Add(1)
					}
					l.mu.Lock()
					l.answers = append(l.answers, a)
					l.mu.Unlock()
					if a.err != nil || a.status >= 500 {
						time.Sleep(20 * time.Millisecond) // a node or its database is away: don't spin
					}
				}
			}()
		}
	}
	return l
}

// waitAcked waits until n more CreateUser calls than now have been answered 200.
func (l *userLoad) waitAcked(t *testing.T, n int64, within time.Duration) {
	t.Helper()
	want := l.acked.Load() + n
	deadline := time.Now().Add(within)
	for l.acked.Load() < want {
		if time.Now().After(deadline) {
			t.Fatalf("%d CreateUser calls answered 200 within %s, want %d", l.acked.Load(), within, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop stops the clients and returns every answer.
func (l *userLoad) stop() []loadAnswer {
	close(l.done)
	l.wg.Wait()
	return l.answers
}

// awsErrorResponse is the query protocol's error answer.
type awsErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct{ Type, Code, Message string }
}

// checkAWSShaped says what is wrong with an answer a client got: a 200 must be a whole CreateUserResponse, anything
// else a whole AWS error document in XML (never an HTML page, a plain-text error or a torn body). It returns the
// error code of an error answer.
func checkAWSShaped(a loadAnswer) (code string, err error) {
	if !strings.Contains(a.contentType, "xml") {
		return "", fmt.Errorf("CreateUser %s on %s: %d with Content-Type %q: %.200s", a.user, a.endpoint, a.status, a.contentType, a.body)
	}
	if a.status == http.StatusOK {
		var ok struct {
			XMLName xml.Name                  `xml:"CreateUserResponse"`
			User    struct{ UserName string } `xml:"CreateUserResult>User"`
		}
		if err := xml.Unmarshal([]byte(a.body), &ok); err != nil || ok.User.UserName != a.user {
			return "", fmt.Errorf("CreateUser %s on %s: 200 with a body that is not its CreateUserResponse (%v): %.300s", a.user, a.endpoint, err, a.body)
		}
		return "", nil
	}
	var e awsErrorResponse
	if err := xml.Unmarshal([]byte(a.body), &e); err != nil || e.Error.Code == "" {
		return "", fmt.Errorf("CreateUser %s on %s: %d with a body that is not an AWS error (%v): %.300s", a.user, a.endpoint, a.status, err, a.body)
	}
	return e.Error.Code, nil
}

// checkAckedUsersExist requires every user whose CreateUser was answered 200 to exist, asked at endpoint.
func checkAckedUsersExist(t *testing.T, c nodeClient, endpoint string, answers []loadAnswer) (acked int) {
	t.Helper()
	for _, a := range answers {
		if a.status != http.StatusOK {
			continue
		}
		acked++
		if status, body := c.call(t, endpoint, nodesRoot, "iam", iamForm("GetUser", "UserName", a.user)); status != http.StatusOK {
			t.Errorf("user %s, created on %s (answered 200), on %s: %d %s", a.user, a.endpoint, endpoint, status, body)
		}
	}
	return acked
}

// TestKillNineOfANodeOnPostgresLosesNoAcknowledgedWrite: clients create users on two nodes of one database at
// once; one node is killed with SIGKILL while they write. Every CreateUser answered 200 (on either node) is there
// afterwards, asked through the surviving node, which goes on serving; every answer a client got, before and after
// the kill, is a whole CreateUserResponse or a whole AWS error document.
func TestKillNineOfANodeOnPostgresLosesNoAcknowledgedWrite(t *testing.T) {
	n := newPGNodes(t)
	victim, _ := n.start(t)
	survivor, _ := n.start(t)
	load := startUserLoad([]string{victim.endpoint, survivor.endpoint}, 3)
	load.waitAcked(t, 120, 20*time.Second)
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	killed := time.Now()
	load.waitAcked(t, 40, 10*time.Second) // the survivor's clients go on
	answers := load.stop()

	lost, onVictimAfter := 0, 0
	for _, a := range answers {
		if a.err != nil {
			if a.endpoint == survivor.endpoint {
				t.Errorf("CreateUser %s on the surviving node: %v", a.user, a.err)
			}
			lost++
			continue
		}
		if a.endpoint == victim.endpoint && a.at.After(killed) {
			onVictimAfter++
		}
		if code, err := checkAWSShaped(a); err != nil {
			t.Error(err)
		} else if a.status != http.StatusOK {
			t.Errorf("CreateUser %s on %s: %d %s, want 200 (every name is new)", a.user, a.endpoint, a.status, code)
		}
	}
	if onVictimAfter > 0 {
		t.Errorf("%d answers came from the killed node after it was killed", onVictimAfter)
	}
	acked := checkAckedUsersExist(t, load.c, survivor.endpoint, answers)
	t.Logf("%d calls, %d answered 200 and found on the survivor, %d without an answer (the killed node's)", len(answers), acked, lost)
}

// TestPostgresRestartUnderLoad: clients create users on a node while its PostgreSQL server is restarted. While the
// database is away they are answered AWS's retryable 503 ServiceUnavailable, as an AWS XML error (never a 500, an
// HTML page or a hung call); once it is back the same node serves again without a restart of its own; every
// CreateUser answered 200, before, during or after, is there.
func TestPostgresRestartUnderLoad(t *testing.T) {
	n := newPGNodes(t)
	node, _ := n.start(t)
	load := startUserLoad([]string{node.endpoint}, 4)
	load.waitAcked(t, 60, 20*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := pgtest.StopServer(ctx)
	if errors.Is(err, pgtest.ErrNotOwned) {
		load.stop()
		t.Skip("the tests use a PostgreSQL server they did not start: not restarting it")
	}
	if err != nil {
		load.stop()
		t.Fatal(err)
	}
	stopped := time.Now()
	time.Sleep(2 * time.Second) // the outage
	if err := pgtest.StartServer(ctx); err != nil {
		load.stop()
		t.Fatal(err)
	}
	started := time.Now()
	load.waitAcked(t, 60, 15*time.Second) // the node serves again
	answers := load.stop()

	codes := map[string]int{}
	duringOutage := 0
	var firstAfter time.Time
	for _, a := range answers {
		if a.err != nil {
			t.Errorf("CreateUser %s: no answer: %v", a.user, a.err)
			continue
		}
		code, err := checkAWSShaped(a)
		if err != nil {
			t.Error(err)
			continue
		}
		if a.status == http.StatusOK {
			if a.at.After(started) && firstAfter.IsZero() {
				firstAfter = a.at
			}
			continue
		}
		codes[fmt.Sprintf("%d %s", a.status, code)]++
		if a.at.After(stopped) {
			duringOutage++
		}
		if a.status != http.StatusServiceUnavailable || code != "ServiceUnavailable" {
			t.Errorf("CreateUser %s at %s (database stopped at %s, started at %s): %d %s, want 200 or 503 ServiceUnavailable: %.300s",
				a.user, a.at.Format(time.StampMilli), stopped.Format(time.StampMilli), started.Format(time.StampMilli), a.status, code, a.body)
		}
	}
	if t.Failed() {
		for _, line := range strings.Split(node.stderr.String(), "\n") {
			if strings.Contains(line, "level=ERROR") {
				t.Log(line)
			}
		}
	}
	if duringOutage == 0 {
		t.Errorf("no client was answered an error while the database was away: %v", codes)
	}
	acked := checkAckedUsersExist(t, load.c, node.endpoint, answers)
	t.Logf("%d calls, %d answered 200 and found afterwards; errors: %v; first 200 %s after the restart", len(answers), acked, codes,
		firstAfter.Sub(started).Round(time.Millisecond))
}
