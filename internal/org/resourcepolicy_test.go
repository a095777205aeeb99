package org_test

import (
	"context"
	"regexp"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

const delegateListing = `{"Version":"2012-10-17","Statement":[{"Sid":"Delegate","Effect":"Allow",
	"Principal":{"AWS":"arn:aws:iam::` + member + `:root"},
	"Action":["organizations:List*","organizations:Describe*","organizations:CreatePolicy"],"Resource":"*"}]}`

// TestResourcePolicyLifecycle: the management account puts, describes, replaces and deletes the organization's
// resource policy; tags apply to a new one only; without one, Describe and Delete answer
// ResourcePolicyNotFoundException.
func TestResourcePolicyLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrgWithMember(t)
	_, err := s.DescribeResourcePolicy(ctx, rootOf(mgmt))
	wantCode(t, err, "ResourcePolicyNotFoundException")
	wantCode(t, s.DeleteResourcePolicy(ctx, rootOf(mgmt)), "ResourcePolicyNotFoundException")

	put, err := s.PutResourcePolicy(ctx, rootOf(mgmt), &orgtypes.PutResourcePolicyRequest{Content: delegateListing,
		Tags: []orgtypes.Tag{{Key: "team", Value: "platform"}}})
	if err != nil {
		t.Fatal(err)
	}
	sum := put.ResourcePolicy.ResourcePolicySummary
	orgID := orgIDOf(t, s, rootOf(mgmt))
	if !regexp.MustCompile(`^rp-[0-9a-z]{8}$`).MatchString(*sum.Id) || *sum.Arn != "arn:aws:organizations::"+mgmt+":resourcepolicy/"+orgID+"/"+*sum.Id {
		t.Fatalf("summary %+v", sum)
	}
	tags, err := s.ListTagsForResource(ctx, rootOf(mgmt), &orgtypes.ListTagsForResourceRequest{ResourceId: *sum.Id})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0].Key != "team" {
		t.Fatalf("tags: %v %+v", err, tags)
	}
	_, err = s.PutResourcePolicy(ctx, rootOf(mgmt), &orgtypes.PutResourcePolicyRequest{Content: delegateListing,
		Tags: []orgtypes.Tag{{Key: "more", Value: "x"}}})
	wantCode(t, err, "InvalidInputException")
	replaced := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + member + `"},"Action":"organizations:DescribeOrganization","Resource":"*"}]}`
	again, err := s.PutResourcePolicy(ctx, rootOf(mgmt), &orgtypes.PutResourcePolicyRequest{Content: replaced})
	if err != nil || *again.ResourcePolicy.ResourcePolicySummary.Id != *sum.Id {
		t.Fatalf("replacing: %v %+v", err, again)
	}
	d, err := s.DescribeResourcePolicy(ctx, rootOf(mgmt))
	if err != nil || *d.ResourcePolicy.Content != replaced {
		t.Fatalf("describe: %v %+v", err, d)
	}
	if err := s.DeleteResourcePolicy(ctx, rootOf(mgmt)); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeResourcePolicy(ctx, rootOf(mgmt))
	wantCode(t, err, "ResourcePolicyNotFoundException")
	_, err = s.ListTagsForResource(ctx, rootOf(mgmt), &orgtypes.ListTagsForResourceRequest{ResourceId: *sum.Id})
	wantCode(t, err, "TargetNotFoundException")

	// only the management account writes it
	_, err = s.PutResourcePolicy(ctx, rootOf(member), &orgtypes.PutResourcePolicyRequest{Content: delegateListing})
	wantCode(t, err, "AccessDeniedException")
	wantCode(t, s.DeleteResourcePolicy(ctx, rootOf(member)), "AccessDeniedException")
}

func TestResourcePolicyValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrgWithMember(t)
	doc := func(principal, action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"` + action + `","Resource":"` + resource + `"}]}`
	}
	acct := `{"AWS":"` + member + `"}`
	for _, tc := range []struct {
		name, content, reason string
	}{
		{"not JSON", `{"Version":`, "INVALID_RESOURCE_POLICY_JSON"},
		{"no principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:ListAccounts","Resource":"*"}]}`, "INVALID_RESOURCE_POLICY_JSON"},
		{"a service principal", doc(`{"Service":"ec2.amazonaws.com"}`, "organizations:ListAccounts", "*"), "INVALID_PRINCIPAL"},
		{"an action that can't be delegated", doc(acct, "organizations:CreateAccount", "*"), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{"every Organizations action", doc(acct, "organizations:*", "*"), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{"another service's action", doc(acct, "s3:GetObject", "*"), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{"a pattern matching no action", doc(acct, "organizations:Nothing*", "*"), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{"another service's resource", doc(acct, "organizations:ListAccounts", "arn:aws:s3:::bucket"), "UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY"},
		{"delegable wildcards", doc(acct, "organizations:Describe*", "*"), ""},
		{"a wildcard matching PutResourcePolicy", doc(acct, "organizations:*Policy", "*"), "UNSUPPORTED_ACTION_IN_RESOURCE_POLICY"},
		{"policy management", doc(acct, "organizations:UpdatePolicy", "arn:aws:organizations::"+mgmt+":policy/*"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.PutResourcePolicy(ctx, rootOf(mgmt), &orgtypes.PutResourcePolicyRequest{Content: tc.content})
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantReason(t, err, "InvalidInputException", tc.reason)
		})
	}
}

// TestResourcePolicyDelegatesToMembers: the actions the resource policy allows a member account become open to it
// (within its own identity policies), others stay the management account's, and a Deny statement wins.
func TestResourcePolicyDelegatesToMembers(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	_, err := s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{})
	wantCode(t, err, "AccessDeniedException")
	if _, err := s.PutResourcePolicy(ctx, rootOf(mgmt), &orgtypes.PutResourcePolicyRequest{Content: delegateListing}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{}); err != nil {
		t.Fatalf("a delegated List: %v", err)
	}
	if _, err := s.ListRoots(ctx, rootOf(member), &orgtypes.ListRootsRequest{}); err != nil {
		t.Fatalf("a delegated List: %v", err)
	}
	enable(t, s, root, orgtypes.PolicyTypeSERVICECONTROLPOLICY)
	if _, err := s.CreatePolicy(ctx, rootOf(member), &orgtypes.CreatePolicyRequest{Name: "by-member", Description: "d",
		Type: orgtypes.PolicyTypeSERVICECONTROLPOLICY, Content: denyCreateUser}); err != nil {
		t.Fatalf("delegated CreatePolicy: %v", err)
	}
	_, err = s.CreateOrganizationalUnit(ctx, rootOf(member), &orgtypes.CreateOrganizationalUnitRequest{ParentId: root, Name: "x"})
	wantCode(t, err, "AccessDeniedException")

	withDeny := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"organizations:List*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"` + orgIDOf(t, s, rootOf(mgmt)) + `"}}},
		{"Effect":"Deny","Principal":{"AWS":"` + member + `"},"Action":"organizations:ListAccounts","Resource":"*"}]}`
	if _, err := s.PutResourcePolicy(ctx, rootOf(mgmt), &orgtypes.PutResourcePolicyRequest{Content: withDeny}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{})
	wantCode(t, err, "AccessDeniedException")
	if _, err := s.ListRoots(ctx, rootOf(member), &orgtypes.ListRootsRequest{}); err != nil {
		t.Fatalf("allowed by the organization condition: %v", err)
	}
	if err := s.DeleteResourcePolicy(ctx, rootOf(mgmt)); err != nil {
		t.Fatal(err)
	}
	_, err = s.ListRoots(ctx, rootOf(member), &orgtypes.ListRootsRequest{})
	wantCode(t, err, "AccessDeniedException")
}
