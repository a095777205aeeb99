package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

// benchClients are the fixed client concurrencies of BenchmarkNodesThroughput.
var benchClients = []int{8, 32}

// BenchmarkNodesThroughput: authorized GetUser and CreateUser per second, with their latency, on one iamd node on
// SQLite (store=sqlite/nodes=1), one node on PostgreSQL (store=postgres/nodes=1) and three nodes on one PostgreSQL
// database (store=postgres/nodes=3). The nodes are real servers in this process, each on its own loopback listener
// with its own store handle (for PostgreSQL, its own connection pool, of pgx's default size, to the one database)
// and the same master key, as an operator runs them behind a load balancer; the PostgreSQL cluster is pgtest's
// throwaway one (unix socket, fsync and synchronous_commit off, so a commit does not wait for the disk).
//
// Workload: a fixed number of concurrent clients (clients=8 and clients=32), each a goroutine with a keep-alive
// HTTP/1.1 connection to each node, sends requests back to back, each signed with SigV4 by the client as the AWS CLI
// signs it; the k-th request of client c goes to node (c+k) mod nodes (round-robin). The caller is the IAM user
// alice, whose inline policy allows iam:GetUser and iam:CreateUser on user/*, so every request is verified and
// authorized by the policy engine, and every call is recorded in the audit trail.
//
//   - op=GetUser: "aws iam get-user --user-name alice", a read.
//   - op=CreateUser: "aws iam create-user --user-name bench-N", a write, each with a new name. The account's
//     UsersPerAccount quota (5000) bounds how many users it holds: after every batch of up to 4000 creates the
//     timer stops while the users are deleted, and the batches' times are summed.
//
// Before the timed requests, each client sends one request to each node, untimed, so that connections are open
// and the nodes' caches warm.
//
// Reported: ops/s (requests answered per second of wall time, all clients together), p50-ms and p99-ms (the
// latency of one request as its client sees it, signing included); ns/op is the wall time over the requests
// (1/ops/s). Clients and servers share the machine's cores. Compare the stores with benchstat -col /store,
// nodes with -col /nodes.
//
// On PostgreSQL every write transaction holds the one row of the generations table from its first statement to its
// commit (internal/store/postgres), so writes of all nodes run one at a time: CreateUser/s is about one over the
// time a write holds the row (its round trips to the database), on one node as on three, and more nodes add reads
// per second, not writes. The PostgreSQL cases skip, saying why, when there is no PostgreSQL to test with (pgtest);
// each case's servers stop when it ends, and TestMain stops the cluster.
func BenchmarkNodesThroughput(b *testing.B) {
	for _, setup := range []struct {
		store string
		nodes []int
	}{{"sqlite", []int{1}}, {"postgres", []int{1, 3}}} {
		b.Run("store="+setup.store, func(b *testing.B) {
			for _, n := range setup.nodes {
				b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
					nodes := startBenchNodes(b, setup.store, n)
					caller := benchUserAllowed(b, nodes[0], "iam:GetUser", "iam:CreateUser")
					var names atomic.Int64 // the CreateUser names, new across runs
					for _, op := range []string{"GetUser", "CreateUser"} {
						for _, clients := range benchClients {
							b.Run(fmt.Sprintf("op=%s/clients=%d", op, clients), func(b *testing.B) {
								w := &nodesWorkload{nodes: nodes, caller: caller, clients: clients}
								if op == "GetUser" {
									w.body = func() string { return getUserBody }
									w.want = "<UserName>alice</UserName>"
								} else {
									w.body = func() string {
										return fmt.Sprintf("Action=CreateUser&Version=2010-05-08&UserName=bench-%d", names.Add(1))
									}
									w.want = "<CreateUserResult>"
									w.batch, w.afterBatch = 4000, func() { deleteBenchUsers(b, nodes[0]) }
								}
								w.run(b)
							})
						}
					}
				})
			}
		})
	}
}

// startBenchNodes starts n servers on one store: SQLite (n must be 1), or a fresh PostgreSQL database (skipping b
// when there is no PostgreSQL), each server with its own data directory and pool, and one master key.
func startBenchNodes(b *testing.B, storeKind string, n int) []*testServer {
	b.Helper()
	var opts []func(*config.Config)
	switch storeKind {
	case "sqlite":
		b.Setenv(testStoreEnv, "") // the SQLite figures, even when the tests' servers run on PostgreSQL
	case "postgres":
		url := pgtest.Database(b)
		key := make([]byte, 32)
		rand.Read(key)
		opts = append(opts, func(c *config.Config) { c.Store, c.MasterKey = url, base64.StdEncoding.EncodeToString(key) })
	}
	nodes := make([]*testServer, n)
	for i := range nodes {
		// One at a time: the first creates the default account.
		nodes[i] = startServer(b, opts...)
	}
	return nodes
}

// nodesWorkload is the load of one BenchmarkNodesThroughput case.
type nodesWorkload struct {
	nodes   []*testServer
	caller  sigv4.Credentials
	clients int
	body    func() string // the next request's form body
	want    string        // in every answer, with status 200
	// batch, when positive, bounds the requests between two calls of afterBatch, made with the timer stopped.
	batch      int
	afterBatch func()
}

// run sends b.N requests from w.clients concurrent clients and reports ops/s, p50-ms and p99-ms.
func (w *nodesWorkload) run(b *testing.B) {
	clients := make([]*http.Client, w.clients)
	for i := range clients {
		// One keep-alive connection per node for each client, as a client of its own.
		clients[i] = newBenchClient()
	}
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()
	// Warm-up, untimed: every client's connection to every node, and every node's caches.
	w.send(b, clients, len(clients)*len(w.nodes))
	latencies := make([]time.Duration, 0, b.N)
	var wall time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := b.N - done
		if w.batch > 0 && n > w.batch {
			n = w.batch
		}
		start := time.Now()
		latencies = append(latencies, w.send(b, clients, n)...)
		wall += time.Since(start)
		done += n
		if w.afterBatch != nil {
			b.StopTimer()
			w.afterBatch()
			b.StartTimer()
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/wall.Seconds(), "ops/s")
	b.ReportMetric(ms(latencies[len(latencies)*50/100]), "p50-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// newBenchClient is one client of the benchmark: one keep-alive connection per node.
func newBenchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}, Timeout: time.Minute}
}

// send makes n requests from the clients, each as soon as its previous one is answered, and returns their latencies.
func (w *nodesWorkload) send(b *testing.B, clients []*http.Client, n int) []time.Duration {
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for c, client := range clients {
		wg.Go(func() {
			var mine []time.Duration
			for k := c; next.Add(1) <= int64(n); k++ {
				node := w.nodes[k%len(w.nodes)]
				body := w.body()
				t0 := time.Now()
				if err := w.call(client, node, body); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}
	return all
}

// call sends one signed request to node and checks its answer.
func (w *nodesWorkload) call(client *http.Client, node *testServer, body string) error {
	req, err := http.NewRequest(http.MethodPost, node.URL+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), w.caller, "us-east-1", "iam", time.Now())
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), w.want) {
		return fmt.Errorf("%s: status %d: %s", body, resp.StatusCode, out)
	}
	return nil
}

// deleteBenchUsers deletes the users that CreateUser made (every user but alice), in process on node s, from a few
// goroutines.
func deleteBenchUsers(b *testing.B, s *testServer) {
	b.Helper()
	ctx := context.Background()
	root := benchRoot()
	var names []string
	for marker := (*string)(nil); ; {
		page, err := s.srv.IAM.ListUsers(ctx, root, &iamtypes.ListUsersRequest{Marker: marker, MaxItems: ptrTo(int32(1000))})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range page.Users {
			if u.UserName != "alice" {
				names = append(names, u.UserName)
			}
		}
		if page.IsTruncated == nil || !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	work := make(chan string)
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 4 {
		wg.Go(func() {
			for name := range work {
				if err := s.srv.IAM.DeleteUser(ctx, root, &iamtypes.DeleteUserRequest{UserName: name}); err != nil {
					failed.Store(err)
				}
			}
		})
	}
	for _, name := range names {
		work <- name
	}
	close(work)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatalf("delete the benchmark's users: %v", err)
	}
}
