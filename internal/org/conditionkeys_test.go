package org_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestOrganizationsConditionKeys: organizations:PolicyType and organizations:ServicePrincipal reach the caller's
// policies, so an admin can be limited to tag policies or to one service's trusted access.
func TestOrganizationsConditionKeys(t *testing.T) {
	ctx := context.Background()
	s := newOrgService(t)
	mroot := rootOf(mgmt)
	if _, err := s.CreateOrganization(ctx, mroot, &orgtypes.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	roots, err := s.ListRoots(ctx, mroot, &orgtypes.ListRootsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	rootID := *roots.Roots[0].Id
	u, err := s.IAM.CreateUser(ctx, mroot, &iamtypes.CreateUserRequest{UserName: "tagger"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.IAM.PutUserPolicy(ctx, mroot, &iamtypes.PutUserPolicyRequest{UserName: "tagger", PolicyName: "p", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["organizations:CreatePolicy","organizations:AttachPolicy","organizations:EnablePolicyType"],"Resource":"*",
		 "Condition":{"StringEquals":{"organizations:PolicyType":"TAG_POLICY"}}},
		{"Effect":"Allow","Action":"organizations:EnableAWSServiceAccess","Resource":"*",
		 "Condition":{"StringEquals":{"organizations:ServicePrincipal":"iam.amazonaws.com"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	tagger := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.User.Arn, Account: mgmt}, Name: "tagger", UserID: u.User.UserId}

	_, err = s.EnablePolicyType(ctx, tagger, &orgtypes.EnablePolicyTypeRequest{RootId: rootID, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	wantCode(t, err, "AccessDeniedException")
	if _, err := s.EnablePolicyType(ctx, tagger, &orgtypes.EnablePolicyTypeRequest{RootId: rootID, PolicyType: orgtypes.PolicyTypeTAGPOLICY}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnablePolicyType(ctx, mroot, &orgtypes.EnablePolicyTypeRequest{RootId: rootID, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY}); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreatePolicy(ctx, tagger, &orgtypes.CreatePolicyRequest{Name: "scp", Description: "d", Type: orgtypes.PolicyTypeSERVICECONTROLPOLICY,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`})
	wantCode(t, err, "AccessDeniedException")
	tp, err := s.CreatePolicy(ctx, tagger, &orgtypes.CreatePolicyRequest{Name: "tags", Description: "d", Type: orgtypes.PolicyTypeTAGPOLICY,
		Content: `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, tagger, &orgtypes.AttachPolicyRequest{PolicyId: *tp.Policy.PolicySummary.Id, TargetId: rootID}); err != nil {
		t.Fatal(err)
	}
	scp, err := s.CreatePolicy(ctx, mroot, &orgtypes.CreatePolicyRequest{Name: "scp", Description: "d", Type: orgtypes.PolicyTypeSERVICECONTROLPOLICY,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	err = s.AttachPolicy(ctx, tagger, &orgtypes.AttachPolicyRequest{PolicyId: *scp.Policy.PolicySummary.Id, TargetId: rootID})
	wantCode(t, err, "AccessDeniedException")

	err = s.EnableAWSServiceAccess(ctx, tagger, &orgtypes.EnableAWSServiceAccessRequest{ServicePrincipal: "config.amazonaws.com"})
	wantCode(t, err, "AccessDeniedException")
	if err := s.EnableAWSServiceAccess(ctx, tagger, &orgtypes.EnableAWSServiceAccessRequest{ServicePrincipal: "iam.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
}
