package audit

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/policy"
)

// BenchmarkBuildChangeEvent: the CPU the trail spends in a change's transaction to make its event — (*Trail).build
// as txStore.Update calls it (no outcome yet), for the PutUserPolicy of BenchmarkChangeWithEvent: an IAM user
// signed with an access key, its request parameters (a one-statement policy document), allowed by one statement of
// its inline policy (the decision authz.Decide makes, observed by the call), a new eventID, the CloudTrail record
// and its lookup attributes. readOnly is judged by the operation's name (Options.ReadOnly nil); the record's buffer
// is handed back after each build, as the trail's writer does once the event is written.
func BenchmarkBuildChangeEvent(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "iamd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	trail := New(st, Options{})
	defer trail.Close(ctx)
	caller := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"},
		Name: "alice", UserID: "AIDAEXAMPLEEXAMPLE001", AccessKeyID: "AKIAEXAMPLEEXAMPLE01", Region: "us-east-1"}
	params := func(b []byte) []byte {
		return append(b, `{"userName":"alice","policyName":"bench","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:ListUsers\",\"Resource\":\"*\"}]}"}`...)
	}
	doc, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:PutUserPolicy"],"Resource":"arn:aws:iam::123456789012:user/*"}]}`), policy.TypeIdentity)
	if err != nil {
		b.Fatal(err)
	}
	req := &authz.Request{Principal: caller.Principal, Action: "iam:PutUserPolicy", Resource: caller.Principal.ARN}
	d := authz.Decide(authz.PolicySet{Identity: []authz.Attached{{Name: "read", AttachedTo: "user/alice", Policy: doc}}}, req)
	if d.Result != authz.Allowed {
		b.Fatalf("the decision is %v", d.Result)
	}
	c := &Call{RequestID: "4f8b1a2c-5d6e-4f70-8a9b-0c1d2e3f4a5b", Time: time.Now(), Service: "iam", Operation: "PutUserPolicy",
		SourceIP: "127.0.0.1", UserAgent: "aws-cli/2.15.0", Region: "us-east-1"}
	c.SetCaller(caller)
	c.Request(params)
	c.ObserveDecision(req, &d)
	b.ReportAllocs()
	for b.Loop() {
		c.eventID = "" // each call's first build makes its eventID
		ev, _, err := trail.build(c, nil)
		if err != nil {
			b.Fatal(err)
		}
		trail.recycle([]*store.Event{ev})
	}
}
