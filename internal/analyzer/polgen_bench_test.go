package analyzer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/store"
)

// BenchmarkPolicyGeneration reads a role's window of events from a SQLite trail and writes its policies: events=N
// allowed calls of 40 actions on 500 users under 10 paths (each call one event with iamd's explanation, as the trail
// writes it).
func BenchmarkPolicyGeneration(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("events=%d/actions=40/resources=500", n), func(b *testing.B) {
			ctx := context.Background()
			created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			st := pgStore(b, created)
			role := "arn:aws:iam::" + pgAccount + ":role/svc/worker"
			var batch []*store.Event
			for i := range n {
				action := fmt.Sprintf("iam:Action%02d", i%40)
				resource := fmt.Sprintf("arn:aws:iam::%s:user/p%d/u%03d", pgAccount, i%10, i%500)
				batch = append(batch, pgEvent(fmt.Sprintf("e%07d", i), role, created.Add(time.Duration(i)*time.Second), "iam.amazonaws.com", "Call",
					`{"iamdDecision":{"decision":"allowed","action":"`+action+`","resource":"`+resource+`","decidingStatements":[{"policy":"p","layer":"identity","index":0,"effect":"Allow"}]}}`))
				if len(batch) == 5000 {
					if err := st.AppendEvents(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = nil
				}
			}
			if err := st.AppendEvents(ctx, batch); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
					u, err := analyzer.Used(ctx, r, pgAccount, role, created, created.Add(time.Duration(n)*time.Second), analyzer.UsedOptions{})
					if err != nil {
						return err
					}
					if u.Events != n || len(u.Policies(analyzer.PolicyOptions{Resources: true})) == 0 {
						return fmt.Errorf("usage %d events", u.Events)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/event")
		})
	}
}
