package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// putUserPolicyBody is the trail benchmarks' authorized write: alice puts the same inline policy again.
const putUserPolicyBody = "Action=PutUserPolicy&Version=2010-05-08&UserName=alice&PolicyName=bench&PolicyDocument=" +
	`%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22iam%3AListUsers%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D`

// postAndCheck sends r with client and fails b unless the answer is 200 and holds want; buf is the answer's buffer.
func postAndCheck(b *testing.B, client *http.Client, r *http.Request, buf []byte, want string) {
	resp, err := client.Do(r)
	if err != nil {
		b.Fatal(err)
	}
	w := bytes.NewBuffer(buf[:0])
	_, err = w.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !bytes.Contains(w.Bytes(), []byte(want)) {
		b.Fatalf("status %d (%v): %s", resp.StatusCode, err, w.Bytes())
	}
}

// BenchmarkHandlerTrail: what the audit trail adds to an authorized call, through the server's handler in process
// (as BenchmarkHandlerGetUser: a request signed once, SigV4 verification, decoding, the engine's decision for an
// IAM user whose inline policy allows the call, the store and the XML answer), with the trail (trail=on: every
// call recorded as a CloudTrail event) and without its recorder (trail=off). op=GetUser is an authorized read,
// whose event is written by the trail's writer in a batch; op=PutUserPolicy an authorized write (the same inline
// policy put again), whose event is written in the change's transaction.
//
// load=saturated serves requests back to back: ns/op is then bound by the slower of the request path and the
// trail's writer (which runs on another core), so it measures the trail's throughput. load=paced lets the writer
// catch up (Server.FlushTrail, outside the timer) after every 64 requests: ns/op is the latency a request has when
// the trail keeps up, the trail's own cost on the request path. cpu-ns/op counts the whole process, the writer's
// work included, in both. Compare with benchstat -col /trail.
func BenchmarkHandlerTrail(b *testing.B) {
	for _, op := range []struct{ name, body, want string }{
		{"op=GetUser", getUserBody, "<UserName>alice</UserName>"},
		{"op=PutUserPolicy", putUserPolicyBody, "<PutUserPolicyResponse"},
	} {
		for _, load := range []string{"saturated", "paced"} {
			for _, trail := range []struct {
				name string
				new  func(b *testing.B) *testServer
			}{
				{"trail=off", func(b *testing.B) *testServer { return startServerWith(b, server.NewUntrailed, nil) }},
				{"trail=on", func(b *testing.B) *testServer { return startServer(b) }},
			} {
				b.Run(op.name+"/load="+load+"/"+trail.name, func(b *testing.B) {
					s := trail.new(b)
					caller := benchUserAllowed(b, s, "iam:GetUser", "iam:PutUserPolicy")
					req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(op.body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
					sigv4.Sign(req, []byte(op.body), caller, "us-east-1", "iam", time.Now())
					var pause func()
					if load == "paced" {
						n := 0
						pause = func() {
							if n++; n%64 == 0 {
								b.StopTimer()
								if err := s.srv.FlushTrail(context.Background()); err != nil {
									b.Fatal(err)
								}
								b.StartTimer()
							}
						}
					}
					serveLoopPaced(b, s.srv.Handler(), req, op.body, op.want, pause)
				})
			}
		}
	}
}

// BenchmarkHTTPTrail is BenchmarkHandlerTrail's load=paced as a client sees it: the same signed requests sent over
// a kept-alive HTTP/1.1 connection to the server listening on loopback, one at a time, with the trail's writer
// catching up (outside the timer) after every 64. ns/op is the client's round trip: the server's work for the
// call, net/http's on both ends, and the loopback. Compare with benchstat -col /trail.
func BenchmarkHTTPTrail(b *testing.B) {
	for _, op := range []struct{ name, body, want string }{
		{"op=GetUser", getUserBody, "<UserName>alice</UserName>"},
		{"op=PutUserPolicy", putUserPolicyBody, "<PutUserPolicyResponse"},
	} {
		for _, trail := range []struct {
			name string
			new  func(b *testing.B) *testServer
		}{
			{"trail=off", func(b *testing.B) *testServer { return startServerWith(b, server.NewUntrailed, nil) }},
			{"trail=on", func(b *testing.B) *testServer { return startServer(b) }},
		} {
			b.Run(op.name+"/"+trail.name, func(b *testing.B) {
				s := trail.new(b)
				caller := benchUserAllowed(b, s, "iam:GetUser", "iam:PutUserPolicy")
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(op.body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				sigv4.Sign(req, []byte(op.body), caller, "us-east-1", "iam", time.Now())
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
				defer client.CloseIdleConnections()
				buf := make([]byte, 0, 4096)
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					r := req.Clone(context.Background())
					r.Body = io.NopCloser(strings.NewReader(op.body))
					postAndCheck(b, client, r, buf, op.want)
					if n++; n%64 == 0 {
						b.StopTimer()
						if err := s.srv.FlushTrail(context.Background()); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
				}
			})
		}
	}
}

// BenchmarkTrailCost is BenchmarkHandlerTrail's load=paced and BenchmarkHTTPTrail as a paired comparison, for a
// noisy machine: two servers in one process, one without the trail's recorder (off) and one with it (on), serve the
// same signed request in turn, in blocks of 64 (off, then on, then on, then off, ...), with both trails' writers
// catching up (outside the clock) between blocks, so that whatever slows the machine for a while slows both alike.
// via=handler calls each server's handler in process (as BenchmarkHandlerTrail); via=http sends the requests over
// a kept-alive HTTP/1.1 connection to each server on loopback, one at a time (as BenchmarkHTTPTrail): the latency a
// client sees. Each iteration is one request to each server; off-ns/req and on-ns/req are each server's mean
// latency, and trail-% what the trail adds to it (on/off - 1, in percent). Compare runs with benchstat; the goal
// (issue #14) is trail-% within 10 for an authorized write and an authorized read. op=GetUser is the read;
// op=PutUserPolicy (the same inline policy put again) is the lightest write; op=CreateUser+DeleteUser creates a
// user and deletes it in turn (writes that add and remove an entity; CreateUser's event carries the new user in its
// responseElements).
func BenchmarkTrailCost(b *testing.B) {
	fixed := func(body string) func(int) string { return func(int) string { return body } }
	for _, op := range []struct {
		name string
		body func(i int) string // the body of request i (-1: the one before the clock)
		each bool               // body differs from one request to the next (each is signed before the clock)
		want string
	}{
		{"op=GetUser", fixed(getUserBody), false, "<UserName>alice</UserName>"},
		{"op=PutUserPolicy", fixed(putUserPolicyBody), false, "<PutUserPolicyResponse"},
		{"op=CreateUser+DeleteUser", func(i int) string {
			if i < 0 {
				return "Action=CreateUser&Version=2010-05-08&UserName=warmup"
			}
			if i%2 == 0 {
				return fmt.Sprintf("Action=CreateUser&Version=2010-05-08&UserName=user%d", i/2+1)
			}
			return fmt.Sprintf("Action=DeleteUser&Version=2010-05-08&UserName=user%d", i/2+1)
		}, true, "Response"},
	} {
		for _, via := range []string{"handler", "http"} {
			b.Run(op.name+"/via="+via, func(b *testing.B) {
				type side struct {
					s      *testServer
					reqs   []*http.Request
					bodies []string
					n      int
					wall   time.Duration
				}
				sides := [2]*side{}
				for i, newServer := range []func(b *testing.B) *testServer{
					func(b *testing.B) *testServer { return startServerWith(b, server.NewUntrailed, nil) },
					func(b *testing.B) *testServer { return startServer(b) },
				} {
					s := newServer(b)
					caller := benchUserAllowed(b, s, "iam:GetUser", "iam:PutUserPolicy", "iam:CreateUser", "iam:DeleteUser")
					sd := &side{s: s}
					n := 1
					if op.each {
						n = b.N + 1
					}
					for k := range n {
						body := op.body(k - 1)
						req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
						req.RemoteAddr = "127.0.0.1:40000" // as net/http's server sets it: the trail's sourceIPAddress
						sigv4.Sign(req, []byte(body), caller, "us-east-1", "iam", time.Now())
						sd.reqs, sd.bodies = append(sd.reqs, req), append(sd.bodies, body)
					}
					sides[i] = sd
				}
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
				defer client.CloseIdleConnections()
				buf := make([]byte, 0, 4096)
				// call sends request k: reqs[0] is the one before the clock, reqs[1+i] request i (one request serves
				// every call when the body is fixed).
				call := func(sd *side, k int) {
					if !op.each {
						k = 0
					}
					r := sd.reqs[k].Clone(context.Background())
					r.Body = io.NopCloser(strings.NewReader(sd.bodies[k]))
					if via == "handler" {
						w := httptest.NewRecorder()
						sd.s.srv.Handler().ServeHTTP(w, r)
						if w.Code != 200 || !bytes.Contains(w.Body.Bytes(), []byte(op.want)) {
							b.Fatalf("status %d: %s", w.Code, w.Body)
						}
						return
					}
					r.RemoteAddr = ""
					postAndCheck(b, client, r, buf, op.want)
				}
				serve := func(sd *side, n int) {
					start := time.Now()
					for range n {
						sd.n++
						call(sd, sd.n)
					}
					sd.wall += time.Since(start)
				}
				catchUp := func() {
					for _, sd := range sides {
						if err := sd.s.srv.FlushTrail(context.Background()); err != nil {
							b.Fatal(err)
						}
					}
				}
				for _, sd := range sides { // a connection to each server, and each server's first request, before the clock
					call(sd, 0)
				}
				catchUp()
				const block = 64
				b.ResetTimer()
				for done, turn := 0, 0; done < b.N; turn++ {
					n := min(block, b.N-done)
					first := turn % 2 // off, on, on, off, off, on, ...: each side serves first as often as second
					serve(sides[first], n)
					catchUp()
					serve(sides[1-first], n)
					catchUp()
					done += n
				}
				b.StopTimer()
				off, on := sides[0], sides[1]
				offNs, onNs := float64(off.wall.Nanoseconds())/float64(off.n), float64(on.wall.Nanoseconds())/float64(on.n)
				b.ReportMetric(offNs, "off-ns/req")
				b.ReportMetric(onNs, "on-ns/req")
				b.ReportMetric(100*(onNs/offNs-1), "trail-%")
			})
		}
	}
}
