package audit

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestWriterReusesTheChangesEventOnlyWhenARebuildIsTheSame: the trail's writer takes the event appended with a
// change as it is, without building it again, only when the complete event would be the same record byte for
// byte; a call whose event gains anything after its change (an answer CloudTrail records that the operation did
// not tell within its change, an error, a later decision, new request parameters) is built again.
func TestWriterReusesTheChangesEventOnlyWhenARebuildIsTheSame(t *testing.T) {
	tr, _ := newTrail(t)
	ctx := context.Background()
	params := func(b []byte) []byte { return append(b, `{"userName":"bob","policyName":"p"}`...) }
	decision := func(c *Call, action string) {
		c.ObserveDecision(&authz.Request{Action: action, Resource: "arn:aws:iam::111122223333:user/bob"}, &authz.Decision{Result: authz.Allowed})
	}
	type answer struct{ user string }
	adapt := func(b []byte, _, out any) []byte {
		return append(b, `{"user":{"userName":"`+out.(*answer).user+`"}}`...)
	}
	told, other := &answer{"bob"}, &answer{"carol"}
	// respond is what the wire layer does once the operation returned out: report it unless the operation told it.
	respond := func(c *Call, out *answer) {
		if !c.ToldOutput(out) {
			c.Response(func(b []byte) []byte { return adapt(b, nil, out) })
		}
	}
	for _, tc := range []struct {
		name   string
		during func(c *Call)               // what the operation does within its change, last
		after  func(c *Call, out *Outcome) // what happens between the change's commit and End
		reuse  bool
	}{
		{"nothing after the change", nil, func(*Call, *Outcome) {}, true},
		{"an answer CloudTrail records", nil, func(c *Call, _ *Outcome) { c.Response(func(b []byte) []byte { return append(b, `{"x":1}`...) }) }, false},
		{"an error after the commit", nil, func(_ *Call, out *Outcome) { out.ErrorCode, out.ErrorMessage = "ServiceFailure", "failed" }, false},
		{"a failure with no code", nil, func(_ *Call, out *Outcome) { out.Err = errors.New("broken") }, false},
		{"the client went away", nil, func(_ *Call, out *Outcome) { out.Canceled = true }, false},
		{"a decision after the change", nil, func(c *Call, _ *Outcome) { decision(c, "iam:TagUser") }, false},
		{"new request parameters", nil, func(c *Call, _ *Outcome) { c.Request(params) }, false},
		{"the answer the operation told within its change", func(c *Call) { c.ExpectOutput(adapt, nil); c.ObserveOutput(told) }, func(c *Call, _ *Outcome) { respond(c, told) }, true},
		{"an answer other than the one told", func(c *Call) { c.ExpectOutput(adapt, nil); c.ObserveOutput(told) }, func(c *Call, _ *Outcome) { respond(c, other) }, false},
		{"an answer told without its encoder", func(c *Call) { c.ObserveOutput(told) }, func(c *Call, _ *Outcome) { respond(c, told) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Call{RequestID: "r-" + tc.name, Time: alice.Time, Service: "iam", Operation: "PutUserPolicy", Caller: alice, Region: "us-east-1"}
			cctx, err := tr.Begin(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			c.Request(params)
			decision(c, "iam:PutUserPolicy")
			if err := tr.Store().Update(cctx, func(ctx context.Context, tx store.Tx) error {
				if err := tx.PutSetting(ctx, "111122223333", "x", []byte(tc.name)); err != nil {
					return err
				}
				if tc.during != nil {
					tc.during(c)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if c.adapt != nil && !bytes.Contains(c.txData, []byte(`"responseElements":{"user":{"userName":"bob"}}`)) {
				t.Fatalf("the change's event lacks the answer told within it:\n%s", c.txData)
			}
			var out Outcome
			tc.after(c, &out)
			ev, rec := c.reusable(&out)
			if (ev != nil) != tc.reuse {
				t.Fatalf("reused: %v; want %v", ev != nil, tc.reuse)
			}
			rebuilt, _, err := tr.build(c, &out)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.reuse {
				if bytes.Equal(rebuilt.Data, c.txData) && tc.name != "new request parameters" && tc.name != "a failure with no code" {
					t.Fatalf("the rebuilt event is the change's: the case tests nothing")
				}
				return
			}
			if !bytes.Equal(ev.Data, rebuilt.Data) || rec == nil || rec.EventID != ev.ID {
				t.Fatalf("reused\n%s\nrebuilt\n%s", ev.Data, rebuilt.Data)
			}
		})
	}
}
