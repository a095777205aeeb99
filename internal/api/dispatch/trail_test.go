package dispatch

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/jsonproto"
	"github.com/iamd-dev/iamd/internal/iam"
)

// thing is an input and an output shape of a made-up operation, with what the generated code gives a shape.
type thing struct{ Name string }

func (v *thing) Validate() error {
	if v.Name == "bad" {
		return errors.New("invalid")
	}
	return nil
}

func decodeThing(n *awsquery.Node, p string, v *thing) (bool, error) {
	if c := n.Child("Name"); c != nil {
		return awsquery.Scalar(c, p+"Name", &v.Name, awsquery.String)
	}
	return false, nil
}

func encodeThing(x *awsquery.Writer, d int, name string, v *thing) {
	m := x.StartStruct(d, name)
	x.String(d+1, "Name", v.Name)
	x.EndStruct(m, d, name)
}

func trailThing(b []byte, v *thing) []byte {
	b = append(b, '{')
	if v.Name != "" {
		b = append(b, `"name":`...)
		b = jsonproto.AppendString(b, v.Name)
	}
	return append(b, '}')
}

// recorder is a Trail that keeps what it was told, in order, with what the encoders wrote then.
type recorder struct{ events []string }

func (r *recorder) Request(enc func([]byte) []byte) {
	r.events = append(r.events, "request "+string(enc(nil)))
}

func (r *recorder) Response(enc func([]byte) []byte) {
	r.events = append(r.events, "response "+string(enc(nil)))
}

// body is the JSON protocol's Decoder of a given body.
type body []byte

func (b body) Body() []byte            { return b }
func (body) Invalid(err error) error   { return err }
func (body) Malformed(err error) error { return err }

func readThing(data []byte, v *thing) error {
	return jsonproto.Decode(data, v, func(d *jsonproto.Decoder, v *thing) error {
		return jsonproto.Object(d, v, &thingMembers, func(d *jsonproto.Decoder, v *thing, i int) error { return jsonproto.String(d, &v.Name) })
	})
}

var thingMembers = jsonproto.NewMembers("Name")

func appendThing(b []byte, v *thing) []byte { return trailThing(b, v) }

// TestCallsTellTheTrail: every kind of Call tells the ctx's Trail the decoded input before the method runs (also
// when it fails validation, not when it could not be decoded) and the output after it returned one; an
// input or output with no member set is written null.
func TestCallsTellTheTrail(t *testing.T) {
	method := func(rec *recorder, seen *[]string, fail bool) func(context.Context, *iam.Caller, *thing) (*thing, error) {
		return func(_ context.Context, _ *iam.Caller, in *thing) (*thing, error) {
			*seen = slices.Clone(rec.events)
			if fail {
				return nil, errors.New("refused")
			}
			return &thing{Name: in.Name + "-out"}, nil
		}
	}
	type run func(ctx context.Context, rec *recorder, seen *[]string, name string, fail bool) error
	kinds := map[string]run{
		"query input and output": func(ctx context.Context, rec *recorder, seen *[]string, name string, fail bool) error {
			call := QueryInputOutput(decodeThing, trailThing, method(rec, seen, fail), encodeThing, trailThing, "ThingResult")
			return call(ctx, &iam.Caller{}, url.Values{"Name": {name}}, awsquery.NewResponse("Thing", "ns"))
		},
		"query input only": func(ctx context.Context, rec *recorder, seen *[]string, name string, fail bool) error {
			f := method(rec, seen, fail)
			call := QueryInputOnly(decodeThing, trailThing, func(ctx context.Context, c *iam.Caller, in *thing) error { _, err := f(ctx, c, in); return err })
			return call(ctx, &iam.Caller{}, url.Values{"Name": {name}}, awsquery.NewResponse("Thing", "ns"))
		},
		"json input and output": func(ctx context.Context, rec *recorder, seen *[]string, name string, fail bool) error {
			call := JSONInputOutput(readThing, trailThing, method(rec, seen, fail), appendThing, trailThing)
			_, err := call(ctx, &iam.Caller{}, body(`{"Name":"`+name+`"}`))
			return err
		},
		"json input only": func(ctx context.Context, rec *recorder, seen *[]string, name string, fail bool) error {
			f := method(rec, seen, fail)
			call := JSONInputOnly(readThing, trailThing, func(ctx context.Context, c *iam.Caller, in *thing) error { _, err := f(ctx, c, in); return err })
			_, err := call(ctx, &iam.Caller{}, body(`{"Name":"`+name+`"}`))
			return err
		},
	}
	for kind, call := range kinds {
		hasOutput := kind == "query input and output" || kind == "json input and output"
		for _, tc := range []struct {
			name, input string
			fail        bool
			seen, after []string
		}{
			{"input before the method, output after", "alice", false, []string{`request {"name":"alice"}`}, []string{`request {"name":"alice"}`, `response {"name":"alice-out"}`}},
			{"no output when the method fails", "alice", true, []string{`request {"name":"alice"}`}, []string{`request {"name":"alice"}`}},
			{"an input that fails validation is told", "bad", false, nil, []string{`request {"name":"bad"}`}},
			{"an input without members is null", "", false, []string{"request null"}, []string{"request null", `response {"name":"-out"}`}},
		} {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				var rec recorder
				var seen []string
				_ = call(WithTrail(context.Background(), &rec), &rec, &seen, tc.input, tc.fail)
				after := tc.after
				if !hasOutput && len(after) > 1 {
					after = after[:1]
				}
				if !slices.Equal(seen, tc.seen) || !slices.Equal(rec.events, after) {
					t.Errorf("the method saw %q, after the call %q; want %q and %q", seen, rec.events, tc.seen, after)
				}
			})
		}
	}
}

// TestCallsWithoutTrailTellNothing: without a Trail in the context a Call runs as before; output-only Calls
// tell only the output, and a request that could not be decoded is not told.
func TestCallsWithoutTrailTellNothing(t *testing.T) {
	out := func(context.Context, *iam.Caller) (*thing, error) { return &thing{Name: "x"}, nil }
	if err := QueryOutputOnly(out, encodeThing, trailThing, "R")(context.Background(), &iam.Caller{}, nil, awsquery.NewResponse("T", "ns")); err != nil {
		t.Fatal(err)
	}
	var rec recorder
	ctx := WithTrail(context.Background(), &rec)
	if err := QueryOutputOnly(out, encodeThing, trailThing, "R")(ctx, &iam.Caller{}, nil, awsquery.NewResponse("T", "ns")); err != nil {
		t.Fatal(err)
	}
	if _, err := JSONOutputOnly(out, appendThing, trailThing)(ctx, &iam.Caller{}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := JSONInputOutput(readThing, trailThing, func(context.Context, *iam.Caller, *thing) (*thing, error) { return nil, nil }, appendThing, trailThing)(ctx, &iam.Caller{}, body(`{"Name":`)); err == nil {
		t.Fatal("a malformed body was decoded")
	}
	if want := []string{`response {"name":"x"}`, `response {"name":"x"}`}; !slices.Equal(rec.events, want) {
		t.Errorf("told %q, want %q", rec.events, want)
	}
	if trailOf(context.Background()) != nil {
		t.Error("a context without a Trail has one")
	}
}

// BenchmarkQueryCall: the Call of a query operation with a one-member input and output, without a Trail in the
// context (the cost every request pays) and with one that encodes what it is told.
func BenchmarkQueryCall(b *testing.B) {
	call := QueryInputOutput(decodeThing, trailThing, func(_ context.Context, _ *iam.Caller, in *thing) (*thing, error) { return in, nil },
		encodeThing, trailThing, "ThingResult")
	form := url.Values{"Name": {"alice"}}
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{{"trail=none", context.Background()}, {"trail=encoding", WithTrail(context.Background(), encodingTrail{})}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := call(bc.ctx, &iam.Caller{}, form, awsquery.NewResponse("Thing", "ns")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// encodingTrail encodes what it is told at once, into a buffer it drops.
type encodingTrail struct{}

func (encodingTrail) Request(enc func([]byte) []byte)  { _ = enc(make([]byte, 0, 64)) }
func (encodingTrail) Response(enc func([]byte) []byte) { _ = enc(make([]byte, 0, 64)) }

// observingRecorder is a recorder that is a decision observer too, as the audit trail's Call is.
type observingRecorder struct{ recorder }

func (*observingRecorder) ObserveDecision(*authz.Request, *authz.Decision) {}

// TestDecisionObserverThatIsATrailIsTold: a context whose decision observer is a Trail tells it the input and the
// output without WithTrail; a Trail given with WithTrail comes first.
func TestDecisionObserverThatIsATrailIsTold(t *testing.T) {
	call := QueryInputOutput(decodeThing, trailThing, func(_ context.Context, _ *iam.Caller, in *thing) (*thing, error) { return in, nil },
		encodeThing, trailThing, "ThingResult")
	var obs observingRecorder
	ctx := iam.WithDecisionObserver(context.Background(), &obs)
	if err := call(ctx, &iam.Caller{}, url.Values{"Name": {"alice"}}, awsquery.NewResponse("Thing", "ns")); err != nil {
		t.Fatal(err)
	}
	if want := []string{`request {"name":"alice"}`, `response {"name":"alice"}`}; !slices.Equal(obs.events, want) {
		t.Errorf("the observer was told %q, want %q", obs.events, want)
	}
	var rec recorder
	if trailOf(WithTrail(ctx, &rec)) != &rec {
		t.Error("the observer took the place of the Trail WithTrail gave")
	}
}
