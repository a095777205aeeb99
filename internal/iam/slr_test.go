package iam_test

import (
	"context"
	"regexp"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
)

func TestCreateServiceLinkedRole(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	out, err := svc.CreateServiceLinkedRole(ctx, root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com", Description: str("for ASGs")})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if r.RoleName != "AWSServiceRoleForAutoScaling" || r.Path != "/aws-service-role/autoscaling.amazonaws.com/" ||
		r.Arn != "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" || *r.Description != "for ASGs" {
		t.Fatalf("created %+v", r)
	}
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"autoscaling.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if got := rpDecode(t, r.AssumeRolePolicyDocument); got != trust {
		t.Fatalf("trust policy %s", got)
	}
	att, err := svc.ListAttachedRolePolicies(ctx, root, &iamtypes.ListAttachedRolePoliciesRequest{RoleName: "AWSServiceRoleForAutoScaling"})
	if err != nil || len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy" {
		t.Fatalf("attached %+v %v", att, err)
	}
	if _, err := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "AWSServiceRoleForAutoScaling"}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		in      iamtypes.CreateServiceLinkedRoleRequest
		role    string // the role created, or "" when the call fails
		code    string
		message string
	}{
		{name: "the same service again", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com"},
			code: "InvalidInput", message: "Service role name AWSServiceRoleForAutoScaling has been taken in this account, please try a different suffix."},
		{name: "a custom suffix where the service takes one", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: str("web")},
			role: "AWSServiceRoleForAutoScaling_web"},
		{name: "a custom suffix where it does not", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "ecs.amazonaws.com", CustomSuffix: str("x")},
			code: "InvalidInput", message: "Custom suffix is not allowed for ecs.amazonaws.com"},
		{name: "a service with no service-linked role", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "ec2.amazonaws.com"},
			code: "InvalidInput"},
		{name: "a principal of no service", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "nothing.example.com"},
			code: "InvalidInput"},
		{name: "a principal is case-sensitive", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "ECS.amazonaws.com"},
			code: "InvalidInput"},
		{name: "a known service", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "spot.amazonaws.com"}, role: "AWSServiceRoleForEC2Spot"},
		{name: "a service found in the catalog", in: iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "airflow-serverless.amazonaws.com"},
			role: "AWSServiceRoleForAmazonMWAAServerless"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := svc.CreateServiceLinkedRole(ctx, root, &tc.in)
			switch {
			case tc.role != "":
				if err != nil || out.Role.RoleName != tc.role {
					t.Fatalf("got %+v %v, want %s", out, err, tc.role)
				}
			case tc.message != "":
				rpWant(t, err, tc.code, tc.message)
			default:
				wantCode(t, err, tc.code)
			}
		})
	}
	list, _ := svc.ListRoles(ctx, root, &iamtypes.ListRolesRequest{PathPrefix: str("/aws-service-role/")})
	if len(list.Roles) != 4 {
		t.Fatalf("service-linked roles: %d", len(list.Roles))
	}
}

func TestServiceLinkedRolesAreProtected(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	if _, err := svc.CreateServiceLinkedRole(ctx, root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "elasticloadbalancing.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	const name = "AWSServiceRoleForElasticLoadBalancing"
	const protected = "Cannot perform the operation on the protected role 'AWSServiceRoleForElasticLoadBalancing' - this role is only modifiable by AWS"
	cases := []struct {
		name    string
		call    func() error
		allowed bool
	}{
		{"UpdateAssumeRolePolicy", func() error {
			return svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: name, PolicyDocument: rpTrust})
		}, false},
		{"DeleteRole", func() error { return svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: name}) }, false},
		{"UpdateRole's session duration", func() error {
			_, err := svc.UpdateRole(ctx, root, &iamtypes.UpdateRoleRequest{RoleName: name, MaxSessionDuration: rpPtr(int32(7200))})
			return err
		}, false},
		{"PutRolePermissionsBoundary", func() error {
			return svc.PutRolePermissionsBoundary(ctx, root, &iamtypes.PutRolePermissionsBoundaryRequest{RoleName: name, PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
		}, false},
		{"DeleteRolePermissionsBoundary", func() error {
			return svc.DeleteRolePermissionsBoundary(ctx, root, &iamtypes.DeleteRolePermissionsBoundaryRequest{RoleName: name})
		}, false},
		{"PutRolePolicy", func() error {
			return svc.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: name, PolicyName: "p", PolicyDocument: rpAllow("*", "s3:ListBucket")})
		}, false},
		{"AttachRolePolicy", func() error {
			return svc.AttachRolePolicy(ctx, root, &iamtypes.AttachRolePolicyRequest{RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
		}, false},
		{"DetachRolePolicy", func() error {
			return svc.DetachRolePolicy(ctx, root, &iamtypes.DetachRolePolicyRequest{RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy"})
		}, false},
		{"UpdateRole's description", func() error {
			_, err := svc.UpdateRole(ctx, root, &iamtypes.UpdateRoleRequest{RoleName: name, Description: str("d")})
			return err
		}, true},
		{"UpdateRoleDescription", func() error {
			_, err := svc.UpdateRoleDescription(ctx, root, &iamtypes.UpdateRoleDescriptionRequest{RoleName: name, Description: "d2"})
			return err
		}, true},
		{"TagRole", func() error {
			return svc.TagRole(ctx, root, &iamtypes.TagRoleRequest{RoleName: name, Tags: []iamtypes.Tag{{Key: "k", Value: "v"}}})
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.allowed {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			rpWant(t, err, "UnmodifiableEntity", protected)
		})
	}
	got, err := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: name})
	if err != nil || got.Role.PermissionsBoundary != nil || *got.Role.MaxSessionDuration != 3600 || *got.Role.Description != "d2" {
		t.Fatalf("after the refused edits %+v %v", got, err)
	}
}

func TestDeleteServiceLinkedRole(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	created, err := svc.CreateServiceLinkedRole(ctx, root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := svc.DeleteServiceLinkedRole(ctx, root, &iamtypes.DeleteServiceLinkedRoleRequest{RoleName: "AWSServiceRoleForAutoScaling"})
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^task/aws-service-role/autoscaling\.amazonaws\.com/AWSServiceRoleForAutoScaling/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !re.MatchString(out.DeletionTaskId) {
		t.Fatalf("task id %s", out.DeletionTaskId)
	}
	_, err = svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "AWSServiceRoleForAutoScaling"})
	wantCode(t, err, "NoSuchEntity")
	if links := rpLinks(t, svc, "attached", created.Role.RoleId); len(links) != 0 {
		t.Fatalf("policies left attached to a deleted role: %v", links)
	}
	status, err := svc.GetServiceLinkedRoleDeletionStatus(ctx, root, &iamtypes.GetServiceLinkedRoleDeletionStatusRequest{DeletionTaskId: out.DeletionTaskId})
	if err != nil || status.Status != iamtypes.DeletionTaskStatusTypeSUCCEEDED || status.Reason != nil {
		t.Fatalf("status %+v %v", status, err)
	}
	// The service can have its role again.
	if _, err := svc.CreateServiceLinkedRole(ctx, root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}

	rpCreateRole(t, svc, root, "plain")
	_, err = svc.DeleteServiceLinkedRole(ctx, root, &iamtypes.DeleteServiceLinkedRoleRequest{RoleName: "plain"})
	rpWant(t, err, "NoSuchEntity", "The service-linked role with name plain cannot be found.")
	_, err = svc.DeleteServiceLinkedRole(ctx, root, &iamtypes.DeleteServiceLinkedRoleRequest{RoleName: "ghost"})
	rpWant(t, err, "NoSuchEntity", "The role with name ghost cannot be found.")
	_, err = svc.GetServiceLinkedRoleDeletionStatus(ctx, root, &iamtypes.GetServiceLinkedRoleDeletionStatusRequest{
		DeletionTaskId: "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/00000000-0000-4000-8000-000000000000"})
	wantCode(t, err, "NoSuchEntity")
	_, err = svc.GetServiceLinkedRoleDeletionStatus(ctx, root, &iamtypes.GetServiceLinkedRoleDeletionStatusRequest{DeletionTaskId: "not-a-task"})
	wantCode(t, err, "InvalidInput")
}

func TestServiceLinkedRoleOperationsAreAuthorized(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	nobody := userCaller(t, svc, root, "nobody")
	_, err := svc.CreateServiceLinkedRole(ctx, nobody, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "ecs.amazonaws.com"})
	rpWant(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: iam:CreateServiceLinkedRole on resource: arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS because no identity-based policy allows the iam:CreateServiceLinkedRole action")

	ops := userCaller(t, svc, root, "ops")
	rpGrant(t, svc, root, ops, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"autoscaling.amazonaws.com"}}},
		{"Effect":"Allow","Action":["iam:DeleteServiceLinkedRole","iam:GetServiceLinkedRoleDeletionStatus"],"Resource":"arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/*"}]}`)
	if _, err := svc.CreateServiceLinkedRole(ctx, ops, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateServiceLinkedRole(ctx, ops, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "ecs.amazonaws.com"})
	wantCode(t, err, "AccessDenied")
	if _, err := svc.CreateServiceLinkedRole(ctx, root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "ecs.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.DeleteServiceLinkedRole(ctx, ops, &iamtypes.DeleteServiceLinkedRoleRequest{RoleName: "AWSServiceRoleForECS"})
	wantCode(t, err, "AccessDenied")
	out, err := svc.DeleteServiceLinkedRole(ctx, ops, &iamtypes.DeleteServiceLinkedRoleRequest{RoleName: "AWSServiceRoleForAutoScaling"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetServiceLinkedRoleDeletionStatus(ctx, ops, &iamtypes.GetServiceLinkedRoleDeletionStatusRequest{DeletionTaskId: out.DeletionTaskId}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetServiceLinkedRoleDeletionStatus(ctx, nobody, &iamtypes.GetServiceLinkedRoleDeletionStatusRequest{DeletionTaskId: out.DeletionTaskId})
	wantCode(t, err, "AccessDenied")
}
