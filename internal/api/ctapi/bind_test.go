package ctapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/ctapi"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestTableServesTheGeneratedOperations: the operations generated (-operations) are all implemented by
// audit.Service; CloudTrail's other operations are listed by name, not implemented and without a Call, so the wire
// layer answers them NotImplementedException.
func TestTableServesTheGeneratedOperations(t *testing.T) {
	ops := ctapi.Bind(&audit.Service{})
	implemented := 0
	for _, o := range ops {
		switch {
		case o.Call != nil && !o.Implemented:
			t.Errorf("%s is generated but audit.Service lacks it", o.Name)
		case o.Call == nil && o.Implemented:
			t.Errorf("%s is implemented without a Call", o.Name)
		case o.Implemented:
			implemented++
		}
	}
	if implemented != 7 || len(ops) < 50 {
		t.Fatalf("%d of %d operations implemented", implemented, len(ops))
	}
	for _, o := range ctapi.Bind(nil) {
		if o.Implemented {
			t.Errorf("%s implemented without a service", o.Name)
		}
	}
}

// body is a request body as the wire layer hands it over.
type body []byte

func (b body) Body() []byte            { return b }
func (body) Malformed(err error) error { return errors.Join(errors.New("malformed"), err) }
func (body) Invalid(err error) error   { return &awserr.Error{Code: "InvalidInputException", Cause: err} }

// TestModelViolationsAnswerCloudTrailsErrors: a request that breaks the model's constraints, refused before the
// domain runs, gets CloudTrail's own error where it has one, else the wire layer's.
func TestModelViolationsAnswerCloudTrailsErrors(t *testing.T) {
	ops := map[string]func(context.Context, *iam.Caller, body) (any, error){}
	for _, o := range ctapi.Bind(&audit.Service{}) {
		if o.Call != nil {
			call := o.Call
			ops[o.Name] = func(ctx context.Context, c *iam.Caller, b body) (any, error) { return call(ctx, c, b) }
		}
	}
	for _, tc := range []struct{ name, op, body, code string }{
		{"MaxResults above 50", "LookupEvents", `{"MaxResults":51}`, "InvalidMaxResultsException"},
		{"MaxResults 0", "LookupEvents", `{"MaxResults":0}`, "InvalidMaxResultsException"},
		{"an unknown attribute key", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"Region","AttributeValue":"x"}]}`, "InvalidLookupAttributesException"},
		{"an attribute without a value", "LookupEvents", `{"LookupAttributes":[{"AttributeKey":"Username"}]}`, "InvalidLookupAttributesException"},
		{"an event category other than insight", "LookupEvents", `{"EventCategory":"data"}`, "InvalidEventCategoryException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ops[tc.op](context.Background(), &iam.Caller{}, body(tc.body))
			ae, ok := awserr.As(err)
			if !ok || ae.Code != tc.code || ae.HTTPStatus != 400 || ae.Cause == nil {
				t.Fatalf("err = %v, want %s (400, with the violation as its cause)", err, tc.code)
			}
		})
	}
	if _, err := ops["LookupEvents"](context.Background(), &iam.Caller{}, body(`{"MaxResults":"x"}`)); err == nil || err.Error()[:9] != "malformed" {
		t.Fatalf("a malformed body: %v", err)
	}
}
