package server

import (
	"context"
	"errors"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/policy/lint"
)

// lintValidator is ValidatePolicy's temporary Validator: the findings of policy.Parse and policy/lint, under
// iamd's own issue codes, until the validator of AWS's policy checks (package policy/validate) replaces it here.
// Its locations carry the position of each finding (line from 1, column and offset from 0, as AWS counts them)
// with an empty path.
type lintValidator struct{ cat *catalog.Catalog }

// learnMoreLink is AWS's reference of the policy checks, which every finding links to.
const learnMoreLink = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"

// validatePolicyTypes are the policy.Type of each policyType of ValidatePolicy.
var validatePolicyTypes = map[string]policy.Type{
	"IDENTITY_POLICY":         policy.TypeIdentity,
	"RESOURCE_POLICY":         policy.TypeResource,
	"SERVICE_CONTROL_POLICY":  policy.TypeSCP,
	"RESOURCE_CONTROL_POLICY": policy.TypeRCP,
}

func (v lintValidator) Validate(ctx context.Context, doc, policyType, resourceType string) ([]analyzer.Finding, error) {
	typ, ok := validatePolicyTypes[policyType]
	if !ok {
		return nil, errors.New("server: ValidatePolicy's policyType " + policyType + " has no policy type")
	}
	if typ == policy.TypeResource && resourceType == "AWS::IAM::AssumeRolePolicyDocument" {
		typ = policy.TypeTrust
	}
	var found []policy.Finding
	p, err := policy.Parse([]byte(doc), typ)
	var pe *policy.ParseError
	switch {
	case errors.As(err, &pe):
		found = pe.Findings
	case err != nil:
		return nil, err
	default:
		found = append(append(found, p.Findings...), lint.Check(p, v.cat)...)
	}
	out := make([]analyzer.Finding, 0, len(found))
	for _, f := range found {
		pos := analyzer.Position{Line: f.Line, Column: max(f.Col-1, 0), Offset: f.Pos.Offset}
		out = append(out, analyzer.Finding{FindingDetails: f.Message, FindingType: findingType(f.Severity), IssueCode: f.Code,
			LearnMoreLink: learnMoreLink, Locations: []analyzer.Location{{Path: []analyzer.PathElement{}, Span: analyzer.Span{Start: pos, End: pos}}}})
	}
	return out, nil
}

// findingType is the findingType of a finding of the severity.
func findingType(s policy.Severity) string {
	switch s {
	case policy.SeverityError:
		return "ERROR"
	case policy.SeveritySuggestion:
		return "SUGGESTION"
	}
	return "WARNING"
}
