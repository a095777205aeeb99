package dispatch

import (
	"context"

	"github.com/iamd-dev/iamd/internal/api/trailjson"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Trail is told, for the audit trail, the decoded input of a call before its method runs and its output after it
// returned (unless the method told an OutputTrail its output itself).
//
// Each enc appends the JSON that CloudTrail writes as the event's requestParameters (Request) or responseElements
// (Response): an object (members named as the model's with the first letter lower-cased, secrets replaced by
// audit.Hidden), or null when the input or output has no member set. A Call reports its input once it is decoded
// (whether or not it passes validation; a body or form that could not be decoded is not reported) and its output
// when the method returned one without error; a call with no input, or with no output, reports none, which the
// trail writes as null. enc may be called later and on another goroutine, any number of times: it reads only the
// decoded input or the returned output, which neither the Call nor the method modifies once they are reported.
type Trail interface {
	Request(enc func(b []byte) []byte)
	Response(enc func(b []byte) []byte)
}

type trailKey struct{}

// WithTrail returns ctx carrying t: the Calls run under it report their input and output to t. A context whose
// decision observer (iam.WithDecisionObserver) is a Trail too, as the audit trail's record of a request is, needs
// none: the observer is the Calls' Trail unless WithTrail gave another.
func WithTrail(ctx context.Context, t Trail) context.Context {
	return context.WithValue(ctx, trailKey{}, t)
}

// trailOf returns the Trail ctx carries (WithTrail), else its decision observer when that is a Trail, else nil.
func trailOf(ctx context.Context) Trail {
	if t, ok := ctx.Value(trailKey{}).(Trail); ok {
		return t
	}
	t, _ := iam.DecisionObserverOf(ctx).(Trail)
	return t
}

// TrailEncode is a generated trail encoder of a shape (genshapes -trail): it appends v as CloudTrail writes it.
type TrailEncode[V any] = func(b []byte, v V) []byte

// reportRequest hands t (when there is one) the encoder of in.
func reportRequest[V any](t Trail, enc TrailEncode[V], in V) {
	if t != nil {
		t.Request(func(b []byte) []byte { return trailjson.Object(b, func(b []byte) []byte { return enc(b, in) }) })
	}
}

// OutputTrail is a Trail that the method of a call may tell its output itself, from within the transaction of its
// change (iam.OutputObserver), so that the change's event is written complete with the change. Before the method
// runs, the Call tells it how to encode the output (ExpectOutput: adapt(b, enc, out) appends out as enc encodes
// it); after the method returned, the Call reports the output only when the method did not tell this very output
// (ToldOutput).
type OutputTrail interface {
	Trail
	ExpectOutput(adapt func(b []byte, enc, out any) []byte, enc any)
	ToldOutput(out any) bool
}

// expectResponse tells t, when it is an OutputTrail, how the method's output is encoded (enc, as adaptResponse
// calls it): a func value passed as any, and a generic function's, so that nothing is allocated for it.
func expectResponse[V any](t Trail, enc TrailEncode[V]) {
	if ot, ok := t.(OutputTrail); ok {
		ot.ExpectOutput(adaptResponse[V], enc)
	}
}

// adaptResponse appends out (a V) as enc (a TrailEncode[V]) encodes it, as responseElements.
func adaptResponse[V any](b []byte, enc, out any) []byte {
	e, _ := enc.(TrailEncode[V])
	v, ok := out.(V)
	if e == nil || !ok {
		return append(b, "null"...) // the method told an output of another type: nothing CloudTrail would write
	}
	return trailjson.Object(b, func(b []byte) []byte { return e(b, v) })
}

// reportResponse hands t (when there is one) the encoder of out, unless the method told t this output itself.
func reportResponse[V any](t Trail, enc TrailEncode[V], out V) {
	if t == nil {
		return
	}
	if ot, ok := t.(OutputTrail); ok && ot.ToldOutput(out) {
		return
	}
	t.Response(func(b []byte) []byte { return trailjson.Object(b, func(b []byte) []byte { return enc(b, out) }) })
}
