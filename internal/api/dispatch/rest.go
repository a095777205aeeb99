package dispatch

import (
	"context"
	"fmt"

	"github.com/iamd-dev/iamd/internal/api/jsonproto"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Route is where a REST protocol's operation is served: its HTTP method, its model's requestUri (a path with
// {label} and {label+} segments) and the status of its success answer. tools/genshapes -dispatch writes a
// REST-JSON service's Routes, for every operation of the model, those iamd does not run included.
type Route struct {
	Method, URI string
	Name        string
	Status      int
}

// RESTInputOutput makes the Call of a REST-JSON operation whose input has members outside the body: the
// Decoder must also be a jsonproto.Params, from which bind (generated) reads those members after the body was
// read; the call then goes on as JSONInputOutput's. A member that is not of its type is answered as a malformed
// body.
func RESTInputOutput[T any, In interface {
	*T
	Validate() error
}, O any, Out interface{ *O }](dec func([]byte, In) error, bind func(jsonproto.Params, In) error, trailIn TrailEncode[In],
	f func(context.Context, *iam.Caller, In) (Out, error), enc func([]byte, Out) []byte, trailOut TrailEncode[Out]) Call {
	return inputOutput[T](dec, bind, trailIn, f, enc, trailOut)
}

// RESTInputOnly is RESTInputOutput for an operation without output: the members outside the body are bound
// (bind) after the body was read, and the call answers nothing.
func RESTInputOnly[T any, In interface {
	*T
	Validate() error
}](dec func([]byte, In) error, bind func(jsonproto.Params, In) error, trailIn TrailEncode[In], f func(context.Context, *iam.Caller, In) error) Call {
	return func(ctx context.Context, c *iam.Caller, d Decoder) (any, error) {
		p, ok := d.(jsonproto.Params)
		if !ok {
			return nil, fmt.Errorf("dispatch: %T does not hand over a REST request's members outside the body", d)
		}
		in, err := decodeBody[T](trailOf(ctx), d, dec, func(in In) error { return bind(p, in) }, trailIn)
		if err != nil {
			return nil, err
		}
		return nil, f(ctx, c, in)
	}
}
