package iam_test

import (
	"context"
	"fmt"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// BenchmarkAtScale: an authorized GetUser and the first page of ListUsers by an IAM user whose inline policy allows
// iam:GetUser and iam:ListUsers on user/*, in an account with no other users and in one filled to AWS's user quota
// (5,000 users). The two sizes should cost the same: lookups are indexed and List reads one page.
func BenchmarkAtScale(b *testing.B) {
	for _, n := range []int{0, iam.MaxUsersPerAccount - 1} {
		ctx := context.Background()
		svc, root := newService(b)
		for i := 0; i < n; i++ {
			if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: fmt.Sprintf("user%05d", i)}); err != nil {
				b.Fatal(err)
			}
		}
		alice := userCaller(b, svc, root, "alice")
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"arn:aws:iam::123456789012:user/*"}]}`
		if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "read", PolicyDocument: doc}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("users=%d/GetUser", n+1), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.GetUser(ctx, alice, &iamtypes.GetUserRequest{UserName: str("alice")}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("users=%d/ListUsersFirstPage", n+1), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.ListUsers(ctx, alice, &iamtypes.ListUsersRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
