package sts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/iamd-dev/iamd/authz"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// sessionPolicies checks the session policies of an AssumeRole or GetFederationToken request (the inline document
// parses; at most maxSessionPolicyARNs ARNs) and returns the ARNs and the characters the policies take in the
// packed budget: the compacted inline document plus the ARNs.
func sessionPolicies(inline string, descriptors []ststypes.PolicyDescriptorType) ([]string, int, error) {
	chars := 0
	if inline != "" {
		if err := iam.CheckSessionPolicy(inline); err != nil {
			return nil, 0, err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(inline)); err == nil {
			chars += buf.Len()
		} else {
			chars += len(inline)
		}
	}
	if len(descriptors) > maxSessionPolicyARNs {
		return nil, 0, awserr.ValidationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to %d", maxSessionPolicyARNs)
	}
	var arns []string
	for _, pd := range descriptors {
		if a := deref(pd.Arn); a != "" {
			arns = append(arns, a)
			chars += len(a)
		}
	}
	return arns, chars, nil
}

// packedSize returns PackedPolicySize, the percentage of the packed budget that session policies and tags use, or
// PackedPolicyTooLarge with AWS's message when they exceed it. iamd counts characters against 2,048 for policies and
// for tags; AWS's compressed packing is not reproduced.
func packedSize(policyChars, tagChars int) (int, error) {
	policyPct := (policyChars*100 + packedPolicyBudget - 1) / packedPolicyBudget
	tagPct := (tagChars*100 + packedTagBudget - 1) / packedTagBudget
	switch {
	case tagPct > 100:
		return 0, packedTooLarge(fmt.Sprintf("Packed size of session tags consumes %d%% of allotted space.", tagPct))
	case policyPct > 100 || policyPct+tagPct > 100:
		return 0, packedTooLarge(fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy.", policyPct+tagPct))
	}
	return policyPct + tagPct, nil
}

// roleDuration is a role session's duration: DurationSeconds, one hour by default, up to the role's maximum
// session duration.
func roleDuration(seconds *int32, ro *iam.Role) (time.Duration, error) {
	if seconds == nil {
		return roleDefaultDuration, nil
	}
	d := time.Duration(*seconds) * time.Second
	maxD := time.Duration(ro.MaxSessionDuration) * time.Second
	if maxD <= 0 {
		maxD = roleDefaultDuration
	}
	if d > maxD {
		return 0, awserr.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return d, nil
}

// federatedTrust decides a web identity or SAML principal's request to assume ro with the role's trust policy:
// the assume action, sts:TagSession when the session carries tags, sts:SetSourceIdentity when it sets a source
// identity; the managed session policies must then exist.
func (s *Service) federatedTrust(ctx context.Context, r store.Reader, c *iam.Caller, p authz.Principal, action string, ro *iam.Role,
	actx policy.Context, tagged bool, sourceIdentity string, policyARNs []string) error {
	if err := s.iam.AuthorizeFederatedTrust(ctx, r, c, p, action, ro, actx); err != nil {
		return err
	}
	if tagged {
		if err := s.iam.AuthorizeFederatedTrust(ctx, r, c, p, "sts:TagSession", ro, actx); err != nil {
			return err
		}
	}
	if sourceIdentity != "" {
		if err := s.iam.AuthorizeFederatedTrust(ctx, r, c, p, "sts:SetSourceIdentity", ro, actx); err != nil {
			return err
		}
	}
	for _, a := range policyARNs {
		if err := s.iam.CheckSessionPolicyARN(ctx, r, a); err != nil {
			return err
		}
	}
	return nil
}
