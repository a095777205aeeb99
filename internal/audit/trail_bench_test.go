package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// BenchmarkTrailEnd: events recorded per second — Trail.End of finished calls (an IAM user's GetUser, allowed)
// from callers goroutines at once, each event built as a CloudTrail record and appended to a SQLite file on disk
// by the trail's writer in batches, until Flush has seen every one written. events/s is the throughput.
func BenchmarkTrailEnd(b *testing.B) {
	for _, callers := range []int{1, 8} {
		b.Run(fmt.Sprintf("callers=%d", callers), func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "iamd.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			trail := audit.New(st, audit.Options{})
			defer trail.Close(ctx)
			caller := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"},
				Name: "alice", UserID: "AIDAEXAMPLEEXAMPLE001", AccessKeyID: "AKIAEXAMPLEEXAMPLE01", Region: "us-east-1"}
			b.SetParallelism(callers) // RunParallel starts callers × GOMAXPROCS goroutines
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					c := &audit.Call{RequestID: fmt.Sprintf("req-%d", i), Time: time.Now(), Service: "iam", Operation: "GetUser", Caller: caller,
						SourceIP: "127.0.0.1", UserAgent: "aws-cli/2.15.0", Region: "us-east-1"}
					if _, err := trail.Begin(ctx, c); err != nil {
						b.Error(err)
						return
					}
					trail.End(ctx, c, audit.Outcome{})
				}
			})
			if err := trail.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			// The process's CPU time per event: what an event costs, whatever else the machine runs.
			b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/event")
		})
	}
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkChangeWithEvent: what the trail adds to a change's transaction on the request path — a change (one
// per-account setting written, standing for an IAM write) through the store the trail gives the services, whose
// event (an IAM user's PutUserPolicy with its request parameters and the decision that allowed it) is built and
// appended to a SQLite file on disk in the change's transaction, then completed by End (trail=on); and the same
// change through the store itself (trail=off). Compare with benchstat -col /trail.
func BenchmarkChangeWithEvent(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("trail=%s", map[bool]string{false: "off", true: "on"}[on]), func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "iamd.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			trail := audit.New(st, audit.Options{})
			defer trail.Close(ctx)
			var svc store.Store = st
			if on {
				svc = trail.Store()
			}
			caller := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"},
				Name: "alice", UserID: "AIDAEXAMPLEEXAMPLE001", AccessKeyID: "AKIAEXAMPLEEXAMPLE01", Region: "us-east-1"}
			params := func(b []byte) []byte {
				return append(b, `{"userName":"alice","policyName":"bench","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:ListUsers\",\"Resource\":\"*\"}]}"}`...)
			}
			value := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := &audit.Call{RequestID: fmt.Sprintf("req-%d", i), Time: time.Now(), Service: "iam", Operation: "PutUserPolicy", Caller: caller,
					SourceIP: "127.0.0.1", UserAgent: "aws-cli/2.15.0", Region: "us-east-1"}
				cctx, err := trail.Begin(ctx, c)
				if err != nil {
					b.Fatal(err)
				}
				c.Request(params)
				c.ObserveDecision(&authz.Request{Action: "iam:PutUserPolicy", Resource: caller.Principal.ARN}, &authz.Decision{Result: authz.Allowed})
				if err := svc.Update(cctx, func(ctx context.Context, tx store.Tx) error {
					return tx.PutSetting(ctx, "123456789012", "bench", value)
				}); err != nil {
					b.Fatal(err)
				}
				if on {
					trail.End(ctx, c, audit.Outcome{})
				}
				if i%64 == 63 {
					b.StopTimer()
					if err := trail.Flush(ctx); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
			}
		})
	}
}
