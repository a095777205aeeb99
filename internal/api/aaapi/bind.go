package aaapi

import (
	"context"
	"errors"

	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/jsonproto"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Binding is Access Analyzer's API as iamd serves it: the operations analyzer.Service has, and NotImplemented for
// the others.
type Binding struct {
	UnimplementedAccessAnalyzer
	*analyzer.Service
}

// A method of analyzer.Service named after an operation of Access Analyzer but with another signature than the
// operation's makes Binding fail to implement AccessAnalyzer, and this line fail to compile.
var _ AccessAnalyzer = Binding{}

// Bind returns the Access Analyzer operations that svc runs; with a nil svc, every operation answers
// NotImplementedException. A request that breaks the model's constraints is answered with Access Analyzer's
// ValidationException (reason fieldValidationFailed, the members in fieldList), and a body or member that does
// not parse with ValidationException (reason cannotParse).
func Bind(svc *analyzer.Service) []dispatch.Operation {
	if svc == nil {
		return Operations(UnimplementedAccessAnalyzer{}, nil)
	}
	return BindTo(Binding{Service: svc}, svc)
}

// BindTo is Bind for any implementation of the API (impl; domain as Operations takes it): the wire layer's tests
// bind fakes with it.
func BindTo(impl AccessAnalyzer, domain any) []dispatch.Operation {
	ops := Operations(impl, domain)
	for i := range ops {
		if call := ops[i].Call; call != nil {
			ops[i].Call = func(ctx context.Context, c *iam.Caller, d dispatch.Decoder) (any, error) {
				return call(ctx, c, Input(d))
			}
		}
	}
	return ops
}

// Input wraps the REST-JSON protocol's decoder so that model violations and unparsable input are answered with
// Access Analyzer's ValidationException.
func Input(d dispatch.Decoder) dispatch.Decoder {
	b, ok := d.(restBody)
	if !ok {
		return d
	}
	return input{b}
}

// restBody is the decoder the wire layer hands a REST-JSON operation.
type restBody interface {
	dispatch.Body
	jsonproto.Params
}

type input struct{ restBody }

func (in input) Malformed(err error) error {
	msg := "The request body could not be parsed."
	var pe *jsonproto.ParamError
	if errors.As(err, &pe) {
		msg = "The " + pe.Location + " parameter " + pe.Name + " could not be parsed: want " + pe.Want + "."
	}
	return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Message: msg, Reason: "cannotParse", Cause: err}
}

func (in input) Invalid(err error) error {
	var ve *apitypes.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) == 0 {
		return in.restBody.Invalid(err)
	}
	return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Message: ve.Error(), Reason: "fieldValidationFailed", Cause: ve}
}
