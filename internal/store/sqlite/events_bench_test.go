package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// benchEvent is event i of the lookup benchmark's trail: a CloudTrail record of about 1 KB by one of users IAM
// users (round robin), one minute after the previous event, with the lookup attributes the audit trail gives an IAM
// call (EventId, EventName, ReadOnly, Username, EventSource, AccessKeyId, iamd:Principal, ResourceType and
// ResourceName).
func benchEvent(i, users int, start time.Time) *store.Event {
	const acct = "123456789012"
	user := fmt.Sprintf("user%04d", i%users)
	ops := [...]string{"GetUser", "ListRoles", "CreateUser", "PutUserPolicy", "ListAttachedUserPolicies"}
	op := ops[i%len(ops)]
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
	readOnly := "false"
	if strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") {
		readOnly = "true"
	}
	data := fmt.Sprintf(`{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA%016d","arn":"arn:aws:iam::%s:user/%s",`+
		`"accountId":"%s","accessKeyId":"AKIA%016d","userName":"%s"},"eventTime":"%s","eventSource":"iam.amazonaws.com","eventName":"%s",`+
		`"awsRegion":"us-east-1","sourceIPAddress":"127.0.0.1","userAgent":"aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22",`+
		`"requestParameters":{"userName":"target%04d"},"responseElements":null,"additionalEventData":{"iamdDecision":{"decision":"allowed",`+
		`"action":"iam:%s","resource":"arn:aws:iam::%s:user/target%04d","decidingStatements":[{"policy":"admin","layer":"identity","index":0,`+
		`"effect":"Allow","attachedTo":"user/%s"}]}},"requestID":"%s","eventID":"%s","readOnly":%s,"eventType":"AwsApiCall",`+
		`"managementEvent":true,"recipientAccountId":"%s","eventCategory":"Management"}`,
		i%users, acct, user, acct, i%users, user, start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), op, i%97, op, acct, i%97, user, id, id, readOnly, acct)
	return &store.Event{Account: acct, ID: id, Time: start.Add(time.Duration(i) * time.Minute), Data: []byte(data), Attrs: []store.EventAttr{
		{Name: "EventId", Value: id}, {Name: "EventName", Value: op}, {Name: "ReadOnly", Value: readOnly}, {Name: "Username", Value: user},
		{Name: "EventSource", Value: "iam.amazonaws.com"}, {Name: "AccessKeyId", Value: fmt.Sprintf("AKIA%016d", i%users)},
		{Name: "iamd:Principal", Value: "arn:aws:iam::" + acct + ":user/" + user},
		{Name: "ResourceType", Value: "AWS::IAM::User"}, {Name: "ResourceName", Value: fmt.Sprintf("target%04d", i%97)},
	}}
}

// BenchmarkEventsByUsername: LookupEvents by Username at the store — store.EventQuery with the Username attribute
// and Limit 50 (LookupEvents' largest page), newest first — over 1,000,000 events of one account by 1,000 IAM users
// (1,000 events each, one a minute, so the trail spans about two years). The trail is built once per run of the
// benchmark (not timed) with AppendEvents in batches of 5,000; its build time and rate are logged. Sub-benchmarks:
// the newest page of a user, a page in the middle of a user's events (After a cursor), and a page of an EventName
// (200,000 events each).
func BenchmarkEventsByUsername(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: building 1,000,000 events takes minutes")
	}
	const total, users, batch = 1_000_000, 1_000, 5_000
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "iamd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	began := time.Now()
	evs := make([]*store.Event, 0, batch)
	for i := 0; i < total; i++ {
		evs = append(evs, benchEvent(i, users, start))
		if len(evs) == batch {
			if err := st.AppendEvents(ctx, evs); err != nil {
				b.Fatal(err)
			}
			evs = evs[:0]
		}
	}
	built := time.Since(began)
	b.Logf("built %d events in %v (%.0f events/s, batches of %d)", total, built.Round(time.Millisecond), total/built.Seconds(), batch)

	query := func(b *testing.B, q store.EventQuery) {
		var n int
		b.ReportMetric(built.Seconds(), "build-s") // the time the 1,000,000 events took to append, once per run
		b.ReportAllocs()
		for b.Loop() {
			err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
				evs, err := r.Events(ctx, q)
				n = len(evs)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			if n != q.Limit {
				b.Fatalf("%d events, want %d", n, q.Limit)
			}
		}
	}
	byUser := store.EventQuery{Account: "123456789012", Attr: store.EventAttr{Name: "Username", Value: "user0042"}, Limit: 50}
	b.Run("events=1000000/attr=Username/page=newest/limit=50", func(b *testing.B) { query(b, byUser) })
	b.Run("events=1000000/attr=Username/page=middle/limit=50", func(b *testing.B) {
		q := byUser
		mid := start.Add(time.Duration(total/2) * time.Minute)
		q.After = store.EventCursor{Time: mid, Seq: total / 2}
		query(b, q)
	})
	b.Run("events=1000000/attr=EventName/page=newest/limit=50", func(b *testing.B) {
		query(b, store.EventQuery{Account: "123456789012", Attr: store.EventAttr{Name: "EventName", Value: "GetUser"}, Limit: 50})
	})
}
