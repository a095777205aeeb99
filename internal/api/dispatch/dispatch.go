// Package dispatch holds what the generated operation tables of the wire layer share (internal/api/iamapi,
// stsapi, orgapi): an Op binds one operation of a service model to the method that runs it and to the generated
// codec of its shapes, with no reflection (QueryOperation for IAM and STS, Operation for the JSON protocol). The
// Calls tell the context's Trail (WithTrail), when it has one, the decoded input and the output, for the audit
// trail's requestParameters and responseElements.
// tools/genshapes -dispatch writes the tables; see CONTRIBUTING.md, "Adding an operation".
package dispatch

import (
	"context"

	"github.com/iamd-dev/iamd/internal/iam"
)

// Decoder is what a JSON-protocol Call needs of the protocol besides the body (see Body): how it answers an
// input that breaks the model.
type Decoder interface {
	// Invalid returns the protocol's answer to an input that breaks the model's constraints; err is what the
	// input's Validate returned (a *apitypes.ValidationError).
	Invalid(err error) error
}

// Op is one operation of a service model bound to its implementation; C is what the protocol runs (Call for
// the JSON protocol, QueryCall for the query protocol).
type Op[C any] struct {
	// Name is the operation's name in the model (the query protocol's Action, the JSON protocol's target
	// suffix).
	Name string
	// Implemented is false when the domain service has no method for the operation and the binding answers it
	// with the Unimplemented default; the wire layer then answers NotImplemented before reading the input.
	Implemented bool
	// Call decodes the input (operations without input read nothing), validates it against the model, calls
	// the method and hands over its output.
	Call C
}

// Operation is an operation of a JSON-protocol service: its Call decodes the input with a Decoder and returns
// the output, a pointer to the generated output shape, or nil when the operation has no output or the method
// returned none.
type Operation = Op[Call]

// Has reports whether v has the method set of I. The generated tables use it, with I the one-method interface of
// an operation's exact signature, to tell which operations a domain service implements itself.
func Has[I any](v any) bool {
	_, ok := v.(I)
	return ok
}

// Index returns ops by name.
func Index[C any](ops []Op[C]) map[string]Op[C] {
	m := make(map[string]Op[C], len(ops))
	for _, o := range ops {
		m[o.Name] = o
	}
	return m
}

// Call is what an Operation runs.
type Call = func(ctx context.Context, c *iam.Caller, d Decoder) (any, error)

// Neither makes the Call of an operation with no input and no output.
func Neither(f func(context.Context, *iam.Caller) error) Call {
	return func(ctx context.Context, c *iam.Caller, _ Decoder) (any, error) {
		return nil, f(ctx, c)
	}
}
