package org_test

import (
	"context"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// TestServicePrincipalsAWSHas: trusted access and delegated administrators take only service principals AWS has
// (named by the catalog's service reference and managed policies, or listed by the Organizations User Guide); any
// other answers InvalidInputException UNRECOGNIZED_SERVICE_PRINCIPAL.
func TestServicePrincipalsAWSHas(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrgWithMember(t)
	for _, tc := range []struct {
		principal string
		known     bool
	}{
		{"guardduty.amazonaws.com", true},
		{"malware-protection.guardduty.amazonaws.com", true},
		{"tagpolicies.tag.amazonaws.com", true},
		{"member.org.stacksets.cloudformation.amazonaws.com", true},
		{"nosuchservice.amazonaws.com", false},
		{"guardduty.amazonaws.com.evil.example", false},
		{"example.com", false},
	} {
		t.Run(tc.principal, func(t *testing.T) {
			checks := map[string]error{
				"EnableAWSServiceAccess": s.EnableAWSServiceAccess(ctx, rootOf(mgmt), &orgtypes.EnableAWSServiceAccessRequest{ServicePrincipal: tc.principal}),
				"RegisterDelegatedAdministrator": s.RegisterDelegatedAdministrator(ctx, rootOf(mgmt),
					&orgtypes.RegisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: tc.principal}),
				"DisableAWSServiceAccess": s.DisableAWSServiceAccess(ctx, rootOf(mgmt), &orgtypes.DisableAWSServiceAccessRequest{ServicePrincipal: tc.principal}),
			}
			for op, err := range checks {
				if tc.known {
					if err != nil {
						t.Errorf("%s: %v", op, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("%s accepted an unknown principal", op)
					continue
				}
				wantReason(t, err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
			}
		})
	}
}
