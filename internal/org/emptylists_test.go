package org_test

import (
	"context"
	"reflect"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// TestListOperationsAnswerEmptyLists checks that every list operation with nothing to list answers with an empty
// list, not none: AWS's JSON answers carry the member as [] (the AWS CLI shows
// aws organizations list-delegated-administrators as {"DelegatedAdministrators": []} in an organization without
// any), and the JSON encoder writes a nil list as absent and an empty one as [].
func TestListOperationsAnswerEmptyLists(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	ou := *mustOU(t, s, root, "empty").Id
	scp := mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "unattached", denyCreateUser)
	mc := rootOf(mgmt)
	acct := orgtypes.ChildTypeACCOUNT
	cases := []struct {
		name, member string // the operation and its answer's list member
		call         func() (any, error)
	}{
		{"ListAccountsForParent", "Accounts", func() (any, error) {
			return s.ListAccountsForParent(ctx, mc, &orgtypes.ListAccountsForParentRequest{ParentId: ou})
		}},
		{"ListOrganizationalUnitsForParent", "OrganizationalUnits", func() (any, error) {
			return s.ListOrganizationalUnitsForParent(ctx, mc, &orgtypes.ListOrganizationalUnitsForParentRequest{ParentId: ou})
		}},
		{"ListChildren", "Children", func() (any, error) {
			return s.ListChildren(ctx, mc, &orgtypes.ListChildrenRequest{ParentId: ou, ChildType: acct})
		}},
		{"ListPolicies", "Policies", func() (any, error) {
			return s.ListPolicies(ctx, mc, &orgtypes.ListPoliciesRequest{Filter: orgtypes.PolicyTypeTAGPOLICY})
		}},
		{"ListPoliciesForTarget", "Policies", func() (any, error) {
			return s.ListPoliciesForTarget(ctx, mc, &orgtypes.ListPoliciesForTargetRequest{TargetId: ou, Filter: orgtypes.PolicyTypeTAGPOLICY})
		}},
		{"ListTargetsForPolicy", "Targets", func() (any, error) {
			return s.ListTargetsForPolicy(ctx, mc, &orgtypes.ListTargetsForPolicyRequest{PolicyId: scp})
		}},
		{"ListHandshakesForOrganization", "Handshakes", func() (any, error) {
			return s.ListHandshakesForOrganization(ctx, mc, &orgtypes.ListHandshakesForOrganizationRequest{})
		}},
		{"ListHandshakesForAccount", "Handshakes", func() (any, error) {
			return s.ListHandshakesForAccount(ctx, mc, &orgtypes.ListHandshakesForAccountRequest{})
		}},
		{"ListCreateAccountStatus", "CreateAccountStatuses", func() (any, error) {
			return s.ListCreateAccountStatus(ctx, mc, &orgtypes.ListCreateAccountStatusRequest{})
		}},
		{"ListDelegatedAdministrators", "DelegatedAdministrators", func() (any, error) {
			return s.ListDelegatedAdministrators(ctx, mc, &orgtypes.ListDelegatedAdministratorsRequest{})
		}},
		{"ListAWSServiceAccessForOrganization", "EnabledServicePrincipals", func() (any, error) {
			return s.ListAWSServiceAccessForOrganization(ctx, mc, &orgtypes.ListAWSServiceAccessForOrganizationRequest{})
		}},
		{"ListTagsForResource", "Tags", func() (any, error) {
			return s.ListTagsForResource(ctx, mc, &orgtypes.ListTagsForResourceRequest{ResourceId: member})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			list := reflect.ValueOf(out).Elem().FieldByName(tc.member)
			if list.IsNil() || list.Len() != 0 {
				t.Errorf("%s: nil=%v len=%d; want an empty, non-nil list", tc.member, list.IsNil(), list.Len())
			}
		})
	}
}
