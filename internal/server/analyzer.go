package server

import (
	"context"
	"errors"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/policy/validate"
)

// policyValidator is ValidatePolicy's Validator: package policy/validate, the validator of AWS's policy checks
// that `iamd policy validate` and `iamd analyze validate` use too.
type policyValidator struct{ cat *catalog.Catalog }

func (v policyValidator) Validate(ctx context.Context, doc, policyType, resourceType string) ([]analyzer.Finding, error) {
	fs, err := validate.Validate(ctx, doc, validate.Options{PolicyType: policyType, ResourceType: resourceType, Catalog: v.cat})
	var oe *validate.OptionError
	switch {
	case errors.As(err, &oe):
		field := map[string]string{"PolicyType": "policyType", "ResourceType": "validatePolicyResourceType"}[oe.Field]
		if field == "" {
			field = oe.Field
		}
		return nil, analyzer.InvalidInput(field, oe.Value, oe.Reason)
	case err != nil:
		return nil, err
	}
	out := make([]analyzer.Finding, 0, len(fs))
	for _, f := range fs {
		af := analyzer.Finding{FindingDetails: f.FindingDetails, FindingType: f.FindingType, IssueCode: f.IssueCode,
			LearnMoreLink: f.LearnMoreLink, Locations: make([]analyzer.Location, 0, len(f.Locations))}
		for _, l := range f.Locations {
			loc := analyzer.Location{Path: make([]analyzer.PathElement, 0, len(l.Path)), Span: analyzer.Span{
				Start: analyzer.Position(l.Span.Start), End: analyzer.Position(l.Span.End)}}
			for _, p := range l.Path {
				pe := analyzer.PathElement{Index: p.Index, Key: p.Key, Value: p.Value}
				if p.Substring != nil {
					pe.Substring = &analyzer.Substring{Start: p.Substring.Start, Length: p.Substring.Length}
				}
				loc.Path = append(loc.Path, pe)
			}
			af.Locations = append(af.Locations, loc)
		}
		out = append(out, af)
	}
	return out, nil
}
