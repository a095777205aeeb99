package sts

import (
	"bytes"
	"encoding/json"
	"fmt"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
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
