package dispatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/internal/api/jsonproto"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Body is the Decoder of a protocol whose generated code reads the request body itself (the AWS JSON protocol):
// the JSON Calls take the body from it instead of calling Decode.
type Body interface {
	Decoder
	// Body returns the request body, or nil when there is none (the operation's empty input).
	Body() []byte
	// Malformed returns the protocol's answer to a body the operation's generated decoder rejected.
	Malformed(err error) error
}

// JSONOutput is what the JSON Calls return: the operation's output with its generated encoder.
type JSONOutput interface {
	// AppendJSON appends the output as the body of the answer.
	AppendJSON(b []byte) []byte
}

// JSONInputOutput makes the Call of a JSON protocol operation with an input and an output: dec (generated)
// reads a new *T from the body, the input is validated and f called; a non-nil output is returned as a
// JSONOutput written by enc (generated). The ctx's Trail, when there is one, is told the input (trailIn) and the
// output (trailOut).
func JSONInputOutput[T any, In interface {
	*T
	Validate() error
}, O any, Out interface{ *O }](dec func([]byte, In) error, trailIn TrailEncode[In], f func(context.Context, *iam.Caller, In) (Out, error),
	enc func([]byte, Out) []byte, trailOut TrailEncode[Out]) Call {
	return inputOutput[T](dec, nil, trailIn, f, enc, trailOut)
}

// inputOutput is JSONInputOutput's Call, which RESTInputOutput shares: bind, when not nil, reads the members a
// REST request carries outside its body from the Decoder (a jsonproto.Params).
func inputOutput[T any, In interface {
	*T
	Validate() error
}, O any, Out interface{ *O }](dec func([]byte, In) error, bind func(jsonproto.Params, In) error, trailIn TrailEncode[In],
	f func(context.Context, *iam.Caller, In) (Out, error), enc func([]byte, Out) []byte, trailOut TrailEncode[Out]) Call {
	return func(ctx context.Context, c *iam.Caller, d Decoder) (any, error) {
		var bindIn func(In) error
		if bind != nil {
			p, ok := d.(jsonproto.Params)
			if !ok {
				return nil, fmt.Errorf("dispatch: %T does not hand over a REST request's members outside the body", d)
			}
			bindIn = func(in In) error { return bind(p, in) }
		}
		t := trailOf(ctx)
		in, err := decodeBody[T](t, d, dec, bindIn, trailIn)
		if err != nil {
			return nil, err
		}
		expectResponse(t, trailOut)
		out, err := f(ctx, c, in)
		if err != nil || out == nil {
			return nil, err
		}
		reportResponse(t, trailOut, out)
		return jsonOutput[Out]{out, enc}, nil
	}
}

// JSONInputOnly makes the Call of a JSON protocol operation with an input and no output; the ctx's Trail, when
// there is one, is told the input (trailIn).
func JSONInputOnly[T any, In interface {
	*T
	Validate() error
}](dec func([]byte, In) error, trailIn TrailEncode[In], f func(context.Context, *iam.Caller, In) error) Call {
	return func(ctx context.Context, c *iam.Caller, d Decoder) (any, error) {
		in, err := decodeBody[T](trailOf(ctx), d, dec, nil, trailIn)
		if err != nil {
			return nil, err
		}
		return nil, f(ctx, c, in)
	}
}

// JSONOutputOnly makes the Call of a JSON protocol operation with no input and an output; it reads nothing
// from the request. The ctx's Trail, when there is one, is told the output (trailOut).
func JSONOutputOnly[O any, Out interface{ *O }](f func(context.Context, *iam.Caller) (Out, error), enc func([]byte, Out) []byte, trailOut TrailEncode[Out]) Call {
	return func(ctx context.Context, c *iam.Caller, _ Decoder) (any, error) {
		t := trailOf(ctx)
		expectResponse(t, trailOut)
		out, err := f(ctx, c)
		if err != nil || out == nil {
			return nil, err
		}
		reportResponse(t, trailOut, out)
		return jsonOutput[Out]{out, enc}, nil
	}
}

type jsonOutput[Out any] struct {
	v   Out
	enc func([]byte, Out) []byte
}

func (o jsonOutput[Out]) AppendJSON(b []byte) []byte { return o.enc(b, o.v) }

// decodeBody reads a new input with the generated decoder dec and, for a REST protocol, the members outside the
// body with bind (nil for none), reports it to t (when there is one) and validates it.
func decodeBody[T any, In interface {
	*T
	Validate() error
}](t Trail, d Decoder, dec func([]byte, In) error, bind func(In) error, trailIn TrailEncode[In]) (In, error) {
	b, ok := d.(Body)
	if !ok {
		return nil, fmt.Errorf("dispatch: %T does not hand over the request body a JSON operation reads", d)
	}
	in := In(new(T))
	var nulls []string
	if body := b.Body(); body != nil {
		if err := dec(body, in); err != nil {
			var absent *jsonproto.Absent
			if !errors.As(err, &absent) {
				return nil, b.Malformed(err)
			}
			nulls = absent.Paths
		}
	}
	if bind != nil {
		if err := bind(in); err != nil {
			return nil, b.Malformed(err)
		}
	}
	reportRequest(t, trailIn, in)
	if err := apitypes.WithNulls(in.Validate(), nulls); err != nil {
		return nil, d.Invalid(err)
	}
	return in, nil
}
