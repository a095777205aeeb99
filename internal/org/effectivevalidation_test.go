package org_test

import (
	"context"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// TestEffectivePolicyValidationListsAreEmpty: iamd's effective policies are built from validated documents only, so
// no account has an invalid one and an account's effective tag policy has no validation error; an account without
// an effective policy of the type answers EffectivePolicyNotFoundException, one outside the organization
// AccountNotFoundException.
func TestEffectivePolicyValidationListsAreEmpty(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	invalid, err := s.ListAccountsWithInvalidEffectivePolicy(ctx, rootOf(mgmt), &orgtypes.ListAccountsWithInvalidEffectivePolicyRequest{PolicyType: orgtypes.EffectivePolicyTypeTAGPOLICY})
	if err != nil || invalid.Accounts == nil || len(invalid.Accounts) != 0 || *invalid.PolicyType != orgtypes.EffectivePolicyTypeTAGPOLICY {
		t.Fatalf("ListAccountsWithInvalidEffectivePolicy: %v %+v", err, invalid)
	}
	req := &orgtypes.ListEffectivePolicyValidationErrorsRequest{AccountId: member, PolicyType: orgtypes.EffectivePolicyTypeTAGPOLICY}
	_, err = s.ListEffectivePolicyValidationErrors(ctx, rootOf(mgmt), req)
	wantCode(t, err, "EffectivePolicyNotFoundException")

	enable(t, s, root, orgtypes.PolicyTypeTAGPOLICY)
	attach(t, s, mustPolicy(t, s, orgtypes.PolicyTypeTAGPOLICY, "cc", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`), root)
	out, err := s.ListEffectivePolicyValidationErrors(ctx, rootOf(mgmt), req)
	if err != nil {
		t.Fatal(err)
	}
	if *out.AccountId != member || *out.Path != orgIDOf(t, s, rootOf(mgmt))+"/"+root+"/" || out.EffectivePolicyValidationErrors == nil ||
		len(out.EffectivePolicyValidationErrors) != 0 || out.EvaluationTimestamp == nil {
		t.Fatalf("ListEffectivePolicyValidationErrors %+v", out)
	}
	_, err = s.ListEffectivePolicyValidationErrors(ctx, rootOf(mgmt), &orgtypes.ListEffectivePolicyValidationErrorsRequest{AccountId: "333333333333", PolicyType: orgtypes.EffectivePolicyTypeTAGPOLICY})
	wantCode(t, err, "AccountNotFoundException")
	_, err = s.ListAccountsWithInvalidEffectivePolicy(ctx, rootOf(member), &orgtypes.ListAccountsWithInvalidEffectivePolicyRequest{PolicyType: orgtypes.EffectivePolicyTypeTAGPOLICY})
	wantCode(t, err, "AccessDeniedException")
}
