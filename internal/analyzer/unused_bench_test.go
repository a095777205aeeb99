package analyzer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/analyzer"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// countingHistory counts the reads of the trail's index an analysis makes.
type countingHistory struct {
	audit.History
	n atomic.Int64
}

func (h *countingHistory) LastAccess(ctx context.Context, r store.Reader, q iam.AccessQuery) (*iam.Access, error) {
	h.n.Add(1)
	return h.History.LastAccess(ctx, r, q)
}

// benchServices are the services each principal's policy allows five actions of; it uses the first six services
// and the first three actions of each.
var benchServices = [10][6]string{
	{"s3", "GetObject", "PutObject", "ListBucket", "DeleteObject", "GetBucketPolicy"},
	{"sqs", "SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueUrl", "PurgeQueue"},
	{"sns", "Publish", "ListTopics", "Subscribe", "CreateTopic", "DeleteTopic"},
	{"dynamodb", "GetItem", "PutItem", "Query", "Scan", "DeleteItem"},
	{"ec2", "DescribeInstances", "DescribeVpcs", "DescribeSubnets", "RunInstances", "TerminateInstances"},
	{"lambda", "InvokeFunction", "GetFunction", "ListFunctions", "UpdateFunctionCode", "DeleteFunction"},
	{"kms", "Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "ScheduleKeyDeletion"},
	{"logs", "PutLogEvents", "CreateLogStream", "DescribeLogGroups", "DeleteLogGroup", "GetLogEvents"},
	{"cloudwatch", "PutMetricData", "GetMetricData", "ListMetrics", "DeleteAlarms", "DescribeAlarms"},
	{"iam", "GetUser", "ListRoles", "GetRole", "CreateUser", "DeleteUser"},
}

func benchPolicy() string {
	var actions []string
	for _, s := range benchServices {
		for _, a := range s[1:] {
			actions = append(actions, `"`+s[0]+":"+a+`"`)
		}
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[` + strings.Join(actions, ",") + `],"Resource":"*"}]}`
}

// BenchmarkDetectUnused: DetectUnused over one account of 200 roles and 100 users (each user with an active access
// key, made 500 days ago), each principal with an inline policy that allows 50 actions of 10 services, and a trail
// of N events of the account spread over the last 400 days, each a request of one principal (a user's signed with
// its key) to one of 18 actions (the first 3 actions of its first 6 services), with the attributes the trail
// indexes; every third principal made no request in the last 100 days (an unused role, or an inactive user with
// an unused key). Each iteration reads every principal's last uses from the trail's index (history-reads/op) and
// finds, with an age of 90 days, 2,100 findings: 67 unused roles, 33 unused keys and 2,000 unused permissions (10
// for each active principal: 4 services never used, and 2 unused actions of each of the 6 it used).
// events=1000000 is the workload; building its trail takes minutes, so it is skipped under -short.
func BenchmarkDetectUnused(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("events=%d/roles=200/users=100/services=10", n), func(b *testing.B) {
			if testing.Short() && n > 100_000 {
				b.Skip("building a trail of 1,000,000 events takes minutes; run without -short")
			}
			f := newUnusedFixture(b)
			h := &countingHistory{}
			an, err := analyzer.New(f.st, f.svc, analyzer.Options{Validator: listValidator{}, History: h, Principals: f.svc})
			if err != nil {
				b.Fatal(err)
			}
			principals := benchPrincipals(b, f)
			f.start()
			fillUnusedTrail(b, f, principals, n)
			o := f.opts()
			ctx := context.Background()
			var found int
			b.ReportAllocs()
			b.ResetTimer()
			h.n.Store(0)
			for b.Loop() {
				err := f.st.View(ctx, func(ctx context.Context, r store.Reader) error {
					ds, err := an.DetectUnused(ctx, r, o)
					found = len(ds)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(h.n.Load())/float64(b.N), "history-reads/op")
			b.ReportMetric(float64(found), "findings")
		})
	}
}

// benchPrincipal is one principal of the benchmark's account as the trail records it.
type benchPrincipal struct {
	caller *iam.Caller
	idle   bool // no request in the last 100 days
}

func benchPrincipals(b *testing.B, f *unusedFixture) []benchPrincipal {
	b.Helper()
	ctx := context.Background()
	doc := benchPolicy()
	var out []benchPrincipal
	for i := range 300 {
		var c *iam.Caller
		if i < 200 {
			c = f.role(b, "role-"+strconv.Itoa(i), doc)
		} else {
			name := "user-" + strconv.Itoa(i)
			c = f.user(b, name, doc)
			k, err := f.svc.CreateAccessKey(ctx, f.root, &iamtypes.CreateAccessKeyRequest{UserName: &name})
			if err != nil {
				b.Fatal(err)
			}
			c.AccessKeyID = k.AccessKey.AccessKeyId
		}
		out = append(out, benchPrincipal{caller: c, idle: i%3 == 0})
	}
	return out
}

// fillUnusedTrail appends n events of the principals' requests, as the trail writes them, in batches of 10,000.
func fillUnusedTrail(b *testing.B, f *unusedFixture, ps []benchPrincipal, n int) {
	b.Helper()
	span := 400 * 24 * time.Hour
	quiet := 100 * 24 * time.Hour
	batch := make([]*store.Event, 0, 10_000)
	for i := range n {
		p := ps[i%len(ps)]
		svc := benchServices[(i/len(ps))%6]
		action := svc[1+(i/len(ps)/6)%3]
		at := f.real.Add(-span + time.Duration(i)*(span/time.Duration(n)))
		if p.idle && at.After(f.real.Add(-quiet)) {
			at = at.Add(-span + quiet) // moved before the quiet period
		}
		ev := benchEvent(p.caller, svc[0], action, at, i)
		data, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		principal := p.caller.Principal.ARN
		if p.caller.Principal.RoleARN != "" {
			principal = p.caller.Principal.RoleARN
		}
		attrs := []store.EventAttr{{Name: audit.AttrEventName, Value: action}, {Name: audit.AttrReadOnly, Value: "true"},
			{Name: audit.AttrUsername, Value: p.caller.Name},
			{Name: audit.AttrEventSource, Value: ev.EventSource, Latest: true},
			{Name: audit.AttrPrincipal, Value: principal, Latest: true},
			{Name: audit.AttrPrincipalService, Value: audit.PrincipalService(principal, svc[0]), Latest: true},
			{Name: audit.AttrPrincipalAction, Value: audit.PrincipalAction(principal, svc[0], action), Latest: true}}
		if p.caller.AccessKeyID != "" {
			attrs = append(attrs, store.EventAttr{Name: audit.AttrAccessKeyID, Value: p.caller.AccessKeyID, Latest: true})
		}
		batch = append(batch, &store.Event{Fresh: true, Account: unusedAccount, ID: ev.EventID, Time: at, Data: data, Attrs: attrs})
		if len(batch) == cap(batch) || i == n-1 {
			if err := f.st.AppendEvents(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

// benchEvent is the record of a request of c, as the trail writes it.
func benchEvent(c *iam.Caller, service, action string, at time.Time, i int) *audit.Event {
	ui := audit.UserIdentity{Type: "IAMUser", ARN: c.Principal.ARN, AccountID: unusedAccount, AccessKeyID: c.AccessKeyID, UserName: c.Name, PrincipalID: c.UserID}
	if c.Principal.RoleARN != "" {
		ui = audit.UserIdentity{Type: "AssumedRole", ARN: c.Principal.ARN, AccountID: unusedAccount, PrincipalID: c.UserID,
			SessionContext: &audit.SessionContext{SessionIssuer: &audit.SessionIssuer{Type: "Role", ARN: c.Principal.RoleARN, AccountID: unusedAccount, UserName: c.Name}}}
	}
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
	return &audit.Event{EventVersion: audit.EventVersion, UserIdentity: ui, EventTime: at.Format(audit.TimeFormat),
		EventSource: service + ".amazonaws.com", EventName: action, AWSRegion: "us-east-1", SourceIPAddress: "192.0.2.1", UserAgent: "bench",
		RequestParameters: json.RawMessage("null"), ResponseElements: json.RawMessage("null"), RequestID: "req-" + id, EventID: id,
		ReadOnly: true, EventType: audit.TypeAPICall, ManagementEvent: true, RecipientAccountID: unusedAccount, EventCategory: audit.CategoryManagement}
}
