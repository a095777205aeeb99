package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/store"
)

// BenchmarkLookupEventsByUsername: LookupEvents (authorization, the store's index, decoding the page) for the
// first page of 50 events of one of 100 users, over a trail of N events of the caller's account spread over the last
// 80 days, each with the seven lookup attributes the trail writes for it (the event's ID is the store's own index). events=1000000 is the workload; it takes minutes to build.
func BenchmarkLookupEventsByUsername(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("events=%d/users=100/page=50", n), func(b *testing.B) {
			f := newFixture(b, audit.ServiceOptions{})
			fillTrail(b, f.Store, n)
			in := &cttypes.LookupEventsRequest{LookupAttributes: attr(cttypes.LookupAttributeKeyUsername, "user-7")}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				out, err := f.LookupEvents(ctx, rootOf(acct), in)
				if err != nil || len(out.Events) != 50 {
					b.Fatalf("%v: %d events", err, len(out.Events))
				}
			}
		})
	}
}

// fillTrail appends n events of acct, as the trail writes them, in batches.
func fillTrail(b *testing.B, st store.Store, n int) {
	b.Helper()
	span := 80 * 24 * time.Hour
	batch := make([]*store.Event, 0, 5000)
	for i := range n {
		user := "user-" + strconv.Itoa(i%100)
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		at := now.Add(-span + time.Duration(i)*(span/time.Duration(n)))
		rec, _ := seed{id: id, name: "GetUser", source: "iam.amazonaws.com", user: user, key: "AKIA" + strconv.Itoa(i%100), readOnly: true,
			resources: []audit.Resource{{ARN: "arn:aws:iam::111111111111:user/" + user, Type: "AWS::IAM::User"}}}.record()
		rec.EventTime = at.Format(audit.TimeFormat)
		data, err := json.Marshal(rec)
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch, &store.Event{Account: acct, ID: id, Time: at, Data: data, Attrs: []store.EventAttr{
			{Name: audit.AttrEventName, Value: "GetUser"}, {Name: audit.AttrReadOnly, Value: "true"},
			{Name: audit.AttrUsername, Value: user}, {Name: audit.AttrEventSource, Value: "iam.amazonaws.com"},
			{Name: audit.AttrAccessKeyID, Value: rec.UserIdentity.AccessKeyID}, {Name: audit.AttrResourceType, Value: "AWS::IAM::User"},
			{Name: audit.AttrResourceName, Value: "arn:aws:iam::111111111111:user/" + user}}})
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.AppendEvents(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}
