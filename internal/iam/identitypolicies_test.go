package iam_test

import (
	"context"
	"slices"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestIdentityPoliciesOfUsersAndRoles: a user's identity policies are its own and its groups', a role's its inline
// and managed ones; an ARN the account does not have is answered with NoSuchEntity or InvalidInput.
func TestIdentityPoliciesOfUsersAndRoles(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
	userCaller(t, svc, root, "alice")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "own", PolicyDocument: doc}))
	_, err := svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: "dev"})
	must(err)
	must(svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "dev", UserName: "alice"}))
	must(svc.PutGroupPolicy(ctx, root, &iamtypes.PutGroupPolicyRequest{GroupName: "dev", PolicyName: "group", PolicyDocument: doc}))
	_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "app", Path: str("/svc/"),
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	must(err)
	must(svc.AttachRolePolicy(ctx, root, &iamtypes.AttachRolePolicyRequest{RoleName: "app", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	names := func(arn string) ([]string, error) {
		var out []string
		err := svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
			ps, err := svc.IdentityPolicies(ctx, r, testAccount, arn)
			for _, p := range ps {
				out = append(out, p.AttachedTo+":"+p.Name)
			}
			return err
		})
		slices.Sort(out)
		return out, err
	}
	if got, err := names("arn:aws:iam::" + testAccount + ":user/alice"); err != nil || !slices.Equal(got, []string{"group/dev:group", "user/alice:own"}) {
		t.Fatalf("alice: %v %v", got, err)
	}
	if got, err := names("arn:aws:iam::" + testAccount + ":role/svc/app"); err != nil || !slices.Equal(got, []string{"role/app:ReadOnlyAccess"}) {
		t.Fatalf("app: %v %v", got, err)
	}
	_, err = names("arn:aws:iam::" + testAccount + ":role/nobody")
	wantCode(t, err, "NoSuchEntity")
	_, err = names("arn:aws:iam::444455556666:user/alice")
	wantCode(t, err, "InvalidInput")
}
