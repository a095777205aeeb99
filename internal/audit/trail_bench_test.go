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
