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

// outputRecorder is a recorder that is an OutputTrail: the method may tell it its output (tell), which it encodes
// as ExpectOutput said.
type outputRecorder struct {
	recorder
	adapt func(b []byte, enc, out any) []byte
	enc   any
	told  any
}

func (r *outputRecorder) ExpectOutput(adapt func(b []byte, enc, out any) []byte, enc any) {
	r.adapt, r.enc = adapt, enc
	r.events = append(r.events, "expect")
}

func (r *outputRecorder) tell(out any) {
	r.told = out
	r.events = append(r.events, "told "+string(r.adapt(nil, r.enc, out)))
}

func (r *outputRecorder) ToldOutput(out any) bool { return r.told != nil && r.told == out }

// TestOutputTrailIsToldTheEncoderFirstAndNotTheOutputItWasTold: a Call whose Trail is an OutputTrail tells it, before
// the method runs, how the output is encoded, so that the method can tell its output itself (from within its
// change's transaction); the Call then reports the output only when the method did not tell that very output.
func TestOutputTrailIsToldTheEncoderFirstAndNotTheOutputItWasTold(t *testing.T) {
	for _, tellsIt := range []bool{true, false} {
		var rec outputRecorder
		ctx := WithTrail(context.Background(), &rec)
		method := func() (*thing, error) {
			out := &thing{Name: "made"}
			if tellsIt {
				rec.tell(out)
			}
			return out, nil
		}
		calls := []func() error{
			func() error {
				return QueryInputOutput(decodeThing, trailThing, func(context.Context, *iam.Caller, *thing) (*thing, error) { return method() },
					encodeThing, trailThing, "R")(ctx, &iam.Caller{}, url.Values{"Name": {"in"}}, awsquery.NewResponse("T", "ns"))
			},
			func() error {
				return QueryOutputOnly(func(context.Context, *iam.Caller) (*thing, error) { return method() }, encodeThing, trailThing, "R")(
					ctx, &iam.Caller{}, nil, awsquery.NewResponse("T", "ns"))
			},
			func() error {
				_, err := JSONInputOutput(readThing, trailThing, func(context.Context, *iam.Caller, *thing) (*thing, error) { return method() },
					appendThing, trailThing)(ctx, &iam.Caller{}, body(`{"Name":"in"}`))
				return err
			},
			func() error {
				_, err := JSONOutputOnly(func(context.Context, *iam.Caller) (*thing, error) { return method() }, appendThing, trailThing)(ctx, &iam.Caller{}, nil)
				return err
			},
		}
		for i, call := range calls {
			rec.events, rec.told = nil, nil
			if err := call(); err != nil {
				t.Fatal(err)
			}
			want := []string{"expect", `response {"name":"made"}`}
			if tellsIt {
				want = []string{"expect", `told {"name":"made"}`}
			}
			if i%2 == 0 { // the calls with an input report it first
				want = append([]string{`request {"name":"in"}`}, want...)
			}
			if !slices.Equal(rec.events, want) {
				t.Errorf("call %d, method tells its output %v: told %q, want %q", i, tellsIt, rec.events, want)
			}
		}
	}
}

// TestAdaptResponseOfAnotherTypeIsNull: an output of a type other than the operation's encodes as null, not as a
// panic.
func TestAdaptResponseOfAnotherTypeIsNull(t *testing.T) {
	if got := string(adaptResponse[*thing](nil, TrailEncode[*thing](trailThing), "not a thing")); got != "null" {
		t.Fatalf("got %s", got)
	}
	if got := string(adaptResponse[*thing](nil, TrailEncode[*thing](trailThing), &thing{Name: "x"})); got != `{"name":"x"}` {
		t.Fatalf("got %s", got)
	}
}
