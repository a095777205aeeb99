package sts_test

import (
	"context"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// TestAssumeRoleDeniedWording checks AWS's wording of AssumeRole denials: the reason is named when the caller's
// side lacks an Allow or denies, and only the resource when the role's trust policy does not allow.
func TestAssumeRoleDeniedWording(t *testing.T) {
	ctx := context.Background()
	s, root, alice := setup(t)
	trustRoot := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
	trustNobody := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}`
	for name, doc := range map[string]string{"viaroot": trustRoot, "nobody": trustNobody} {
		if _, err := s.IAM.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: doc}); err != nil {
			t.Fatal(err)
		}
	}
	prefix := "User: " + alice.Principal.ARN + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + acct + ":role/"
	cases := []struct {
		name, role, policy, want string
	}{
		{"trust names the account, no identity allow", "viaroot", "", prefix + "viaroot because no identity-based policy allows the sts:AssumeRole action"},
		{"trust does not name the caller", "nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`, prefix + "nobody"},
		{"identity policy denies", "viaroot", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`, prefix + "viaroot with an explicit deny in an identity-based policy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.policy != "" {
				if err := s.IAM.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "p", PolicyDocument: tc.policy}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := s.AssumeRole(ctx, alice, &ststypes.AssumeRoleRequest{RoleArn: "arn:aws:iam::" + acct + ":role/" + tc.role, RoleSessionName: "s"})
			ae, ok := awserr.As(err)
			if !ok || ae.Code != "AccessDenied" || ae.Message != tc.want {
				t.Fatalf("err = %v\nwant AccessDenied: %s", err, tc.want)
			}
			if strings.Contains(ae.Message, "trust") {
				t.Fatalf("message reveals the trust policy: %s", ae.Message)
			}
		})
	}
}
