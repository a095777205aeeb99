package analyzer

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/internal/apitypes"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Validator is what ValidatePolicy asks: the findings of a policy document used as policyType (IDENTITY_POLICY,
// RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY) on a resource of resourceType (a
// ValidatePolicyResourceType, or "" when not given), in AWS's order. A document that does not parse is answered
// with findings (AWS's ERROR findings for it), not an error; an error is the validator's own failure.
type Validator interface {
	Validate(ctx context.Context, doc, policyType, resourceType string) ([]Finding, error)
}

// Finding is one finding of ValidatePolicy, as AWS's ValidatePolicyFinding reports it.
type Finding struct {
	FindingDetails string
	// FindingType is ERROR, SECURITY_WARNING, WARNING or SUGGESTION.
	FindingType   string
	IssueCode     string
	LearnMoreLink string
	Locations     []Location
}

// Location is where in the document a finding is: the path to the element and its span.
type Location struct {
	Path []PathElement
	Span Span
}

// PathElement is one step of a Location's path: exactly one of its fields is set (AWS's union).
type PathElement struct {
	Index     *int
	Key       *string
	Substring *Substring
	Value     *string
}

// Substring is a part of a string value: its start and length, in characters.
type Substring struct{ Start, Length int }

// Span is a range of the document.
type Span struct{ Start, End Position }

// Position is a place in the document as AWS reports it: line (from 1), column (from 0) and character offset
// (from 0), per the AWS CLI's validate-policy example.
type Position struct{ Line, Column, Offset int }

// MaxPolicyDocument bounds a policy document, in characters. AWS's model gives policyDocument no length bound
// and its documentation names none; iamd refuses a larger one with ValidationException (its own bound: ten
// times the largest policy IAM stores, the 10,240 characters of an inline role policy, far above any).
const MaxPolicyDocument = 102_400

// DefaultMaxResults is how many findings ValidatePolicy answers when the request gives no maxResults.
const DefaultMaxResults = 100

// checkDocument refuses an empty policy document or one over MaxPolicyDocument.
func checkDocument(field, doc string) error {
	switch n := utf8.RuneCountInString(doc); {
	case strings.TrimSpace(doc) == "":
		return invalidRedacted(field, "Member must not be empty")
	case n > MaxPolicyDocument:
		return invalidRedacted(field, "Member must have length less than or equal to "+strconv.Itoa(MaxPolicyDocument))
	}
	return nil
}

// ValidatePolicy answers the Validator's findings, maxResults (DefaultMaxResults by default) at a time.
func (s *Service) ValidatePolicy(ctx context.Context, c *iam.Caller, in *aatypes.ValidatePolicyRequest) (*aatypes.ValidatePolicyResponse, error) {
	if err := s.authorize(ctx, c, "ValidatePolicy"); err != nil {
		return nil, err
	}
	limit := DefaultMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 {
			return nil, invalid("maxResults", strconv.Itoa(int(*in.MaxResults)), "Member must have value greater than or equal to 1")
		}
		limit = int(*in.MaxResults)
	}
	start := 0
	if in.NextToken != nil {
		n, ok := parseToken(*in.NextToken)
		if !ok {
			return nil, invalid("nextToken", *in.NextToken, "Member must be a token returned by an earlier call")
		}
		start = n
	}
	if err := checkDocument("policyDocument", in.PolicyDocument); err != nil {
		return nil, err
	}
	resourceType := ""
	if in.ValidatePolicyResourceType != nil {
		if in.PolicyType != aatypes.PolicyTypeRESOURCEPOLICY {
			return nil, invalid("validatePolicyResourceType", string(*in.ValidatePolicyResourceType),
				"Member may be given only when policyType is RESOURCE_POLICY")
		}
		resourceType = string(*in.ValidatePolicyResourceType)
	}
	findings, err := s.opts.Validator.Validate(ctx, in.PolicyDocument, string(in.PolicyType), resourceType)
	if err != nil {
		return nil, err
	}
	if start > len(findings) {
		return nil, invalid("nextToken", *in.NextToken, "Member must be a token returned by an earlier call")
	}
	end := min(start+limit, len(findings))
	out := &aatypes.ValidatePolicyResponse{Findings: make([]aatypes.ValidatePolicyFinding, 0, end-start)}
	for _, f := range findings[start:end] {
		out.Findings = append(out.Findings, f.wire())
	}
	if end < len(findings) {
		t := token(end)
		out.NextToken = &t
	}
	return out, nil
}

// token is the nextToken of the findings from offset on: opaque to clients.
func token(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("findings:" + strconv.Itoa(offset)))
}

func parseToken(t string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "findings:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0
}

func (f Finding) wire() aatypes.ValidatePolicyFinding {
	out := aatypes.ValidatePolicyFinding{FindingDetails: f.FindingDetails, FindingType: aatypes.ValidatePolicyFindingType(f.FindingType),
		IssueCode: f.IssueCode, LearnMoreLink: f.LearnMoreLink, Locations: make([]aatypes.Location, 0, len(f.Locations))}
	for _, l := range f.Locations {
		wl := aatypes.Location{Path: make([]aatypes.PathElement, 0, len(l.Path)), Span: &aatypes.Span{Start: l.Span.Start.wire(), End: l.Span.End.wire()}}
		for _, e := range l.Path {
			var we aatypes.PathElement
			switch {
			case e.Index != nil:
				we.Index = ptr(int32(*e.Index))
			case e.Key != nil:
				we.Key = ptr(*e.Key)
			case e.Substring != nil:
				we.Substring = &aatypes.Substring{Start: int32(e.Substring.Start), Length: int32(e.Substring.Length)}
			case e.Value != nil:
				we.Value = ptr(*e.Value)
			}
			wl.Path = append(wl.Path, we)
		}
		out.Locations = append(out.Locations, wl)
	}
	return out
}

func (p Position) wire() *aatypes.Position {
	return &aatypes.Position{Line: int32(p.Line), Column: int32(p.Column), Offset: int32(p.Offset)}
}

// invalid is Access Analyzer's ValidationException for one member: reason fieldValidationFailed, the member in
// fieldList (the wire layer writes it from the *apitypes.ValidationError cause).
// InvalidInput is the ValidationException of a member whose value the call refuses: a Validator returns it for
// input the model's constraints let through but the validator cannot take.
func InvalidInput(field, value, constraint string) error { return invalid(field, value, constraint) }

func invalid(field, value, constraint string) error {
	return validationError(apitypes.Violation{Path: field, Value: value, Constraint: constraint})
}

// invalidRedacted is invalid for a member whose value is not repeated back (a policy document).
func invalidRedacted(field, constraint string) error {
	return validationError(apitypes.Violation{Path: field, Redacted: true, Constraint: constraint})
}

func validationError(v apitypes.Violation) error {
	ve := &apitypes.ValidationError{Violations: []apitypes.Violation{v}}
	return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Message: ve.Error(), Reason: "fieldValidationFailed", Cause: ve}
}
