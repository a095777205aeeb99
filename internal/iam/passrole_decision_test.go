package iam_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/policy"
)

// TestDecisionAPIPassRole: a service that takes a role from its callers checks iam:PassRole through the decision
// API with iam:PassedToService, as AWS services do (IAM User Guide, "Granting a user permissions to pass a role to
// an AWS service").
func TestDecisionAPIPassRole(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "deployer")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "web", AssumeRolePolicyDocument: trust}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "deployer", PolicyName: "pass", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/web",
		 "Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		role, service string
		want          authz.Result
	}{
		{"web", "ec2.amazonaws.com", authz.Allowed},
		{"web", "lambda.amazonaws.com", authz.ImplicitDeny},
		{"other", "ec2.amazonaws.com", authz.ImplicitDeny},
	} {
		c := policy.Context{}
		c.Set("iam:PassedToService", tc.service)
		res, err := svc.Decide(ctx, root, &iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:user/deployer", Action: "iam:PassRole",
			Resource: "arn:aws:iam::123456789012:role/" + tc.role, Context: c})
		if err != nil {
			t.Fatal(err)
		}
		if res.Decision != tc.want {
			t.Errorf("pass %s to %s: %v (%s), want %v", tc.role, tc.service, res.Decision, res.Reason, tc.want)
		}
	}
}
