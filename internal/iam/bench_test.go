package iam_test

import (
	"context"
	"fmt"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

const scaleTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// BenchmarkAtScale: authorized reads by an IAM user whose inline policy allows iam:Get* and iam:List* — GetUser,
// GetRole, GetPolicy and the first page of ListUsers, ListRoles and ListPolicies (Scope Local) — in an empty
// account and in one filled to AWS's quotas as raised on request: 5,000 users, 5,000 roles and 5,000 customer
// managed policies. Both sizes should cost the same: lookups are indexed and a List reads one page.
func BenchmarkAtScale(b *testing.B) {
	for _, n := range []int{0, 5000} {
		ctx := context.Background()
		q := iam.DefaultQuotas()
		q.RolesPerAccount, q.PoliciesPerAccount = 5000, 5000
		svc, root := newServiceWith(b, iam.Options{Quotas: q})
		for i := 0; i < n; i++ {
			if i < n-1 {
				if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: fmt.Sprintf("user%05d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: fmt.Sprintf("role%05d", i), AssumeRolePolicyDocument: scaleTrust}); err != nil {
				b.Fatal(err)
			}
			doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-%d/*"}]}`, i)
			if _, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: fmt.Sprintf("policy%05d", i), PolicyDocument: doc}); err != nil {
				b.Fatal(err)
			}
		}
		for _, name := range []string{"target"} {
			if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: scaleTrust}); err != nil && n < 5000 {
				b.Fatal(err)
			}
		}
		if _, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "targetpolicy", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`}); err != nil && n < 5000 {
			b.Fatal(err)
		}
		alice := userCaller(b, svc, root, "alice")
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
		if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "read", PolicyDocument: doc}); err != nil {
			b.Fatal(err)
		}
		role, policyARN := "role00000", "arn:aws:iam::123456789012:policy/policy00000"
		if n == 0 {
			role, policyARN = "target", "arn:aws:iam::123456789012:policy/targetpolicy"
		}
		calls := []struct {
			name string
			fn   func() error
		}{
			{"GetUser", func() error {
				_, err := svc.GetUser(ctx, alice, &iamtypes.GetUserRequest{UserName: str("alice")})
				return err
			}},
			{"GetRole", func() error { _, err := svc.GetRole(ctx, alice, &iamtypes.GetRoleRequest{RoleName: role}); return err }},
			{"GetPolicy", func() error {
				_, err := svc.GetPolicy(ctx, alice, &iamtypes.GetPolicyRequest{PolicyArn: policyARN})
				return err
			}},
			{"ListUsersFirstPage", func() error { _, err := svc.ListUsers(ctx, alice, &iamtypes.ListUsersRequest{}); return err }},
			{"ListRolesFirstPage", func() error { _, err := svc.ListRoles(ctx, alice, &iamtypes.ListRolesRequest{}); return err }},
			{"ListPoliciesFirstPage", func() error {
				scope := iamtypes.PolicyScopeTypeLocal
				_, err := svc.ListPolicies(ctx, alice, &iamtypes.ListPoliciesRequest{Scope: &scope})
				return err
			}},
		}
		for _, c := range calls {
			b.Run(fmt.Sprintf("entities=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := c.fn(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

var _ = iam.MaxUsersPerAccount
