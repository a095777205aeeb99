package dispatch

import (
	"context"
	"net/url"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/iam"
)

// QueryOperation is an operation of a query-protocol service (IAM, STS), bound to its method and to the
// generated codec of its shapes (tools/genshapes -codec): no reflection on the way in or out.
type QueryOperation = Op[QueryCall]

// QueryCall decodes the input from form, validates it against the model, calls the method, and writes its
// output, when it returns one, as the result element (<ActionResult>) of the response x was started for
// (awsquery.NewResponse). Nothing is written when it fails.
type QueryCall = func(ctx context.Context, c *iam.Caller, form url.Values, x *awsquery.Writer) error

// Decode is a generated decoder of an input shape: it fills in from the parameters under n.
type Decode[In any] = func(n *awsquery.Node, prefix string, in In) (bool, error)

// Encode is a generated encoder of an output shape: it writes out as the element name at depth.
type Encode[Out any] = func(x *awsquery.Writer, depth int, name string, out Out)

// QueryInputOutput makes the QueryCall of an operation with an input and an output; result is the name of the
// result element. The ctx's Trail, when there is one, is told the input (trailIn) and the output (trailOut).
func QueryInputOutput[T any, In interface {
	*T
	Validate() error
}, O any, Out interface{ *O }](decode Decode[In], trailIn TrailEncode[In], f func(context.Context, *iam.Caller, In) (Out, error),
	encode Encode[Out], trailOut TrailEncode[Out], result string) QueryCall {
	return func(ctx context.Context, c *iam.Caller, form url.Values, x *awsquery.Writer) error {
		t := trailOf(ctx)
		in, err := decodeQuery[T](t, decode, trailIn, form)
		if err != nil {
			return err
		}
		expectResponse(t, trailOut)
		out, err := f(ctx, c, in)
		if err != nil {
			return err
		}
		if out != nil {
			encode(x, 1, result, out)
			reportResponse(t, trailOut, out)
		}
		return nil
	}
}

// QueryInputOnly makes the QueryCall of an operation with an input and no output; the ctx's Trail, when there is
// one, is told the input (trailIn).
func QueryInputOnly[T any, In interface {
	*T
	Validate() error
}](decode Decode[In], trailIn TrailEncode[In], f func(context.Context, *iam.Caller, In) error) QueryCall {
	return func(ctx context.Context, c *iam.Caller, form url.Values, _ *awsquery.Writer) error {
		in, err := decodeQuery[T](trailOf(ctx), decode, trailIn, form)
		if err != nil {
			return err
		}
		return f(ctx, c, in)
	}
}

// QueryOutputOnly makes the QueryCall of an operation with no input and an output; it reads nothing from the
// request. The ctx's Trail, when there is one, is told the output (trailOut).
func QueryOutputOnly[O any, Out interface{ *O }](f func(context.Context, *iam.Caller) (Out, error), encode Encode[Out], trailOut TrailEncode[Out], result string) QueryCall {
	return func(ctx context.Context, c *iam.Caller, _ url.Values, x *awsquery.Writer) error {
		t := trailOf(ctx)
		expectResponse(t, trailOut)
		out, err := f(ctx, c)
		if err != nil {
			return err
		}
		if out != nil {
			encode(x, 1, result, out)
			reportResponse(t, trailOut, out)
		}
		return nil
	}
}

// QueryNeither makes the QueryCall of an operation with no input and no output.
func QueryNeither(f func(context.Context, *iam.Caller) error) QueryCall {
	return func(ctx context.Context, c *iam.Caller, _ url.Values, _ *awsquery.Writer) error {
		return f(ctx, c)
	}
}

// decodeQuery reads a new input from form, reports it to t (when there is one) and validates it; a model
// violation is answered as it is (ValidationError).
func decodeQuery[T any, In interface {
	*T
	Validate() error
}](t Trail, decode Decode[In], trailIn TrailEncode[In], form url.Values) (In, error) {
	in := In(new(T))
	root := awsquery.ParseForm(form)
	if _, err := decode(root, "", in); err != nil {
		return nil, err
	}
	reportRequest(t, trailIn, in)
	if err := apitypes.WithNulls(in.Validate(), root.MissingPaths()); err != nil {
		return nil, err
	}
	return in, nil
}
