package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/reason"
)

// The messages of the checks' answers. The PASS texts of CheckAccessNotGranted and CheckNoPublicAccess and the
// FAIL text of CheckNoNewAccess are AWS's (the AWS CLI's examples of the three commands); the others are iamd's,
// worded alike.
const (
	msgNoNewAccessPass      = "The modified permissions do not grant new access compared to your existing policy."
	msgNoNewAccessFail      = "The modified permissions grant new access compared to your existing policy."
	msgAccessNotGrantedPass = "The policy document does not grant access to perform one or more of the listed actions."
	msgAccessNotGrantedFail = "The policy document grants access to perform one or more of the listed actions."
	msgResourcesNotGranted  = "The policy document does not grant access to perform one or more of the listed actions or resources."
	msgResourcesGranted     = "The policy document grants access to perform one or more of the listed actions or resources."
	msgNoPublicAccessPass   = "The resource policy does not grant public access for the given resource type."
	msgNoPublicAccessFail   = "The resource policy grants public access for the given resource type."
)

// checkPolicyType is the policy.Type of a custom check's policyType.
func checkPolicyType(t aatypes.AccessCheckPolicyType) policy.Type {
	if t == aatypes.AccessCheckPolicyTypeRESOURCEPOLICY {
		return policy.TypeResource
	}
	return policy.TypeIdentity
}

// parseCheckPolicy parses a custom check's policy document; one that does not parse is an
// InvalidParameterException naming the member.
func parseCheckPolicy(field, doc string, typ policy.Type) (*policy.Policy, error) {
	if err := checkDocument(field, doc); err != nil {
		return nil, err
	}
	p, err := policy.Parse([]byte(doc), typ)
	if err != nil {
		var pe *policy.ParseError
		msg := "The policy document is not valid."
		if errors.As(err, &pe) {
			msg = "Invalid " + field + ": " + pe.Error()
		}
		return nil, &awserr.Error{Code: "InvalidParameterException", HTTPStatus: 400, Message: msg, Cause: err}
	}
	return p, nil
}

// check runs fn within the check's time budget and turns reason's answer into a CheckResult.
func (s *Service) check(ctx context.Context, pass, fail string, fn func(ctx context.Context) (reason.Result, error)) (CheckResult, error) {
	cctx, cancel := context.WithTimeout(ctx, s.opts.CheckTimeout)
	defer cancel()
	res, err := fn(cctx)
	if err != nil && ctx.Err() != nil {
		return CheckResult{}, ctx.Err() // the request's own end: a cancel or the server's deadline
	}
	return fromReason(res, err, cctx.Err() != nil, pass, fail)
}

// CheckNoNewAccess answers whether newPolicyDocument grants access that existingPolicyDocument does not.
func (s *Service) CheckNoNewAccess(ctx context.Context, c *iam.Caller, in *aatypes.CheckNoNewAccessRequest) (*aatypes.CheckNoNewAccessResponse, error) {
	if err := s.authorize(ctx, c, "CheckNoNewAccess"); err != nil {
		return nil, err
	}
	typ := checkPolicyType(in.PolicyType)
	updated, err := parseCheckPolicy("newPolicyDocument", in.NewPolicyDocument, typ)
	if err != nil {
		return nil, err
	}
	existing, err := parseCheckPolicy("existingPolicyDocument", in.ExistingPolicyDocument, typ)
	if err != nil {
		return nil, err
	}
	r, err := s.check(ctx, msgNoNewAccessPass, msgNoNewAccessFail, func(ctx context.Context) (reason.Result, error) {
		return s.opts.Checker.NoNewAccess(ctx, existing, updated)
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.CheckNoNewAccessResponse{Result: ptr(result[aatypes.CheckNoNewAccessResult](r.Pass)), Message: &r.Message, Reasons: summaries(r.Reasons)}, nil
}

// CheckAccessNotGranted answers whether policyDocument grants any of the access listed (actions, resources or
// both).
func (s *Service) CheckAccessNotGranted(ctx context.Context, c *iam.Caller, in *aatypes.CheckAccessNotGrantedRequest) (*aatypes.CheckAccessNotGrantedResponse, error) {
	if err := s.authorize(ctx, c, "CheckAccessNotGranted"); err != nil {
		return nil, err
	}
	var actions, resources []string
	for _, a := range in.Access {
		actions = append(actions, a.Actions...)
		resources = append(resources, a.Resources...)
	}
	if len(actions) == 0 && len(resources) == 0 {
		return nil, invalid("access", "[{}]", "Member must list at least one action or resource")
	}
	p, err := parseCheckPolicy("policyDocument", in.PolicyDocument, checkPolicyType(in.PolicyType))
	if err != nil {
		return nil, err
	}
	pass, fail := msgAccessNotGrantedPass, msgAccessNotGrantedFail
	if len(resources) > 0 {
		pass, fail = msgResourcesNotGranted, msgResourcesGranted
	}
	r, err := s.check(ctx, pass, fail, func(ctx context.Context) (reason.Result, error) {
		return s.opts.Checker.AccessNotGranted(ctx, p, slices.Compact(actions), slices.Compact(resources))
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.CheckAccessNotGrantedResponse{Result: ptr(result[aatypes.CheckAccessNotGrantedResult](r.Pass)), Message: &r.Message, Reasons: summaries(r.Reasons)}, nil
}

// CheckNoPublicAccess answers whether a resource policy can grant public access to a resource of the type given.
func (s *Service) CheckNoPublicAccess(ctx context.Context, c *iam.Caller, in *aatypes.CheckNoPublicAccessRequest) (*aatypes.CheckNoPublicAccessResponse, error) {
	if err := s.authorize(ctx, c, "CheckNoPublicAccess"); err != nil {
		return nil, err
	}
	// The model's Validate has checked resourceType against the enum already.
	typ := policy.TypeResource
	if in.ResourceType == aatypes.AccessCheckResourceTypeAWSIAMAssumeRolePolicyDocument {
		typ = policy.TypeTrust
	}
	p, err := parseCheckPolicy("policyDocument", in.PolicyDocument, typ)
	if err != nil {
		return nil, err
	}
	r, err := s.check(ctx, msgNoPublicAccessPass, msgNoPublicAccessFail, func(ctx context.Context) (reason.Result, error) {
		return s.opts.Checker.NoPublicAccess(ctx, p, string(in.ResourceType))
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.CheckNoPublicAccessResponse{Result: ptr(result[aatypes.CheckNoPublicAccessResult](r.Pass)), Message: &r.Message, Reasons: summaries(r.Reasons)}, nil
}

// result is PASS or FAIL in the model's enum R.
func result[R ~string](pass bool) R {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

func ptr[T any](v T) *T { return &v }

// witnessJSON is a witness as the JSON object that follows WitnessMarker.
func witnessJSON(w *reason.Witness) string {
	b, err := json.Marshal(w)
	if err != nil {
		return w.String()
	}
	return string(b)
}
