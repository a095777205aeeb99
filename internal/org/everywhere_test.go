package org_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/policy"
)

// TestOrganizationPoliciesApplyEverywhere checks that a member account's SCPs and RCPs reach every decision: the
// decision API (by principal ARN and by key) and the policy simulator, not only API calls.
func TestOrganizationPoliciesApplyEverywhere(t *testing.T) {
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
	for _, typ := range []orgtypes.PolicyType{orgtypes.PolicyTypeSERVICECONTROLPOLICY, orgtypes.PolicyTypeRESOURCECONTROLPOLICY} {
		if _, err := s.EnablePolicyType(ctx, mroot, &orgtypes.EnablePolicyTypeRequest{RootId: rootID, PolicyType: typ}); err != nil {
			t.Fatal(err)
		}
	}
	if err := org.JoinForTest(ctx, s.Service, mgmt, member); err != nil {
		t.Fatal(err)
	}
	attach := func(typ orgtypes.PolicyType, name, doc string) {
		t.Helper()
		p, err := s.CreatePolicy(ctx, mroot, &orgtypes.CreatePolicyRequest{Name: name, Description: name, Type: typ, Content: doc})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AttachPolicy(ctx, mroot, &orgtypes.AttachPolicyRequest{PolicyId: *p.Policy.PolicySummary.Id, TargetId: rootID}); err != nil {
			t.Fatal(err)
		}
	}
	attach(orgtypes.PolicyTypeSERVICECONTROLPOLICY, "no-s3-delete", `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}`)
	attach(orgtypes.PolicyTypeRESOURCECONTROLPOLICY, "perimeter", `{"Version":"2012-10-17","Statement":[{"Sid":"Perimeter","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
		"Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"`+orgIDOf(t, s, mroot)+`"}}}]}`)

	// a member user with every permission, and an outsider's user with every permission
	memberRoot := rootOf(member)
	const outsider = "333333333333"
	if _, err := s.IAM.EnsureAccount(ctx, outsider, "", ""); err != nil {
		t.Fatal(err)
	}
	admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	for _, a := range []string{member, outsider} {
		if _, err := s.IAM.CreateUser(ctx, rootOf(a), &iamtypes.CreateUserRequest{UserName: "alice"}); err != nil {
			t.Fatal(err)
		}
		if err := s.IAM.PutUserPolicy(ctx, rootOf(a), &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "admin", PolicyDocument: admin}); err != nil {
			t.Fatal(err)
		}
	}
	bucketPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + outsider + `:root"},"Action":"s3:GetObject","Resource":"*"}]}`
	for _, tc := range []struct {
		name, asker, principal, action, resource, owner, resourcePolicy string
		want                                                            authz.Result
	}{
		{"member allowed by identity and FullAWSAccess", member, "arn:aws:iam::" + member + ":user/alice", "s3:GetObject", "arn:aws:s3:::b/k", member, "", authz.Allowed},
		{"member denied by the SCP", member, "arn:aws:iam::" + member + ":user/alice", "s3:DeleteObject", "arn:aws:s3:::b/k", member, "", authz.ExplicitDeny},
		{"outsider let in by the bucket policy is stopped by the RCP", outsider, "arn:aws:iam::" + outsider + ":user/alice", "s3:GetObject", "arn:aws:s3:::b/k", member, bucketPolicy, authz.ExplicitDeny},
		{"outsider on its own resources is not governed", outsider, "arn:aws:iam::" + outsider + ":user/alice", "s3:DeleteObject", "arn:aws:s3:::o/k", outsider, "", authz.Allowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.IAM.Decide(ctx, rootOf(tc.asker), &iam.DecisionRequest{Principal: tc.principal, Action: tc.action,
				Resource: tc.resource, ResourceOwner: tc.owner, ResourcePolicy: tc.resourcePolicy, Context: policy.Context{}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision != tc.want {
				t.Fatalf("decision %v (%s), want %v", res.Decision, res.Reason, tc.want)
			}
		})
	}

	// the simulator applies the SCPs too, and says so
	sim, err := s.IAM.SimulatePrincipalPolicy(ctx, memberRoot, &iamtypes.SimulatePrincipalPolicyRequest{
		PolicySourceArn: "arn:aws:iam::" + member + ":user/alice", ActionNames: []string{"s3:DeleteObject", "s3:GetObject"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sim.EvaluationResults {
		wantAllowed := r.EvalActionName == "s3:GetObject"
		if (r.EvalDecision == "allowed") != wantAllowed || r.OrganizationsDecisionDetail == nil ||
			*r.OrganizationsDecisionDetail.AllowedByOrganizations != wantAllowed {
			t.Fatalf("%s: %s %+v", r.EvalActionName, r.EvalDecision, r.OrganizationsDecisionDetail)
		}
	}
}

func orgIDOf(t *testing.T, s *service, c *iam.Caller) string {
	t.Helper()
	d, err := s.DescribeOrganization(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return *d.Organization.Id
}

// TestDecisionAPIAcrossTheOrganization: the management account may ask about principals of its member accounts;
// a member may not ask about the management account's, nor an outsider about a member's.
func TestDecisionAPIAcrossTheOrganization(t *testing.T) {
	ctx := context.Background()
	s := newOrgService(t)
	if _, err := s.CreateOrganization(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := org.JoinForTest(ctx, s.Service, mgmt, member); err != nil {
		t.Fatal(err)
	}
	const outsider = "333333333333"
	if _, err := s.IAM.EnsureAccount(ctx, outsider, "", ""); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{mgmt, member} {
		if _, err := s.IAM.CreateUser(ctx, rootOf(a), &iamtypes.CreateUserRequest{UserName: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	ask := func(asker, principalAccount string) error {
		_, err := s.IAM.Decide(ctx, rootOf(asker), &iam.DecisionRequest{Principal: "arn:aws:iam::" + principalAccount + ":user/alice",
			Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: policy.Context{}})
		return err
	}
	if err := ask(mgmt, member); err != nil {
		t.Fatalf("management asking about a member: %v", err)
	}
	wantCode(t, ask(member, mgmt), "AccessDenied")
	wantCode(t, ask(outsider, member), "AccessDenied")
}
