package ctapi

import (
	"context"
	"errors"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Binding is the CloudTrail API as iamd serves it: the operations audit.Service has, and NotImplemented for the
// others.
type Binding struct {
	UnimplementedCloudTrail
	*audit.Service
}

// A method of audit.Service named after an operation of CloudTrail but with another signature than the operation's
// makes Binding fail to implement CloudTrail, and this line fail to compile.
var _ CloudTrail = Binding{}

// Bind returns the CloudTrail operations that svc runs; with a nil svc, every operation answers NotImplemented. A
// request that breaks the model's constraints is answered with CloudTrail's own error where it has one
// (audit.Invalid: InvalidMaxResultsException, InvalidLookupAttributesException, ...).
func Bind(svc *audit.Service) []dispatch.Operation {
	if svc == nil {
		return Operations(UnimplementedCloudTrail{}, nil)
	}
	ops := Operations(Binding{Service: svc}, svc)
	for i := range ops {
		if call := ops[i].Call; call != nil {
			ops[i].Call = func(ctx context.Context, c *iam.Caller, d dispatch.Decoder) (any, error) {
				if b, ok := d.(dispatch.Body); ok {
					d = input{b}
				}
				return call(ctx, c, d)
			}
		}
	}
	return ops
}

// input is a request body whose model violations are answered with CloudTrail's errors; others as the wire layer
// answers them.
type input struct{ b dispatch.Body }

func (in input) Body() []byte              { return in.b.Body() }
func (in input) Malformed(err error) error { return in.b.Malformed(err) }

func (in input) Invalid(err error) error {
	var ve *apitypes.ValidationError
	if errors.As(err, &ve) && len(ve.Violations) > 0 {
		if ae, ok := audit.Invalid(ve.Violations[0].Path); ok {
			ae.Cause = err
			return ae
		}
	}
	return in.b.Invalid(err)
}
