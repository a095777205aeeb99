package iam_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// partitionRoot creates an account in partition p for the operator and returns its root caller as authentication
// builds it from the root key.
func partitionRoot(t *testing.T, svc *iam.Service, p awsregion.Partition, account string) *iam.Caller {
	t.Helper()
	rc, err := svc.CreateAccountIn(context.Background(), p, account, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Partition != p {
		t.Fatalf("created in %q", rc.Partition)
	}
	cred, err := svc.LookupAccessKey(context.Background(), rc.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	return &cred.Caller
}

func trust(principal string) string {
	return (`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`)
}

// TestARNsFollowTheAccountsPartition: in aws-cn and aws-us-gov accounts the root, users and roles have the
// partition's ARNs, trust policies name principals of that partition, China takes service principals in both forms,
// and AWS managed policies are the partition's: another partition's managed policy is NoSuchEntity.
func TestARNsFollowTheAccountsPartition(t *testing.T) {
	ctx := context.Background()
	svc, awsRoot := newService(t)
	for _, tc := range []struct {
		p       awsregion.Partition
		account string
	}{{awsregion.China, "210987654321"}, {awsregion.GovCloud, "310987654321"}} {
		t.Run(tc.p.String(), func(t *testing.T) {
			root := partitionRoot(t, svc, tc.p, tc.account)
			pre := tc.p.ARNPrefix()
			if root.Principal.ARN != pre+"iam::"+tc.account+":root" || root.Partition() != tc.p {
				t.Fatalf("root %s", root.Principal.ARN)
			}
			u, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice"})
			if err != nil || u.User.Arn != pre+"iam::"+tc.account+":user/alice" {
				t.Fatalf("CreateUser: %v %+v", err, u)
			}
			_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "x", AssumeRolePolicyDocument: trust(`{"AWS":"arn:aws:iam::` + tc.account + `:root"}`)})
			wantCode(t, err, "MalformedPolicyDocument")
			ro, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "own", AssumeRolePolicyDocument: trust(`{"AWS":"` + pre + `iam::` + tc.account + `:root"}`)})
			if err != nil || ro.Role.Arn != pre+"iam::"+tc.account+":role/own" {
				t.Fatalf("CreateRole: %v", err)
			}
			_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "ec2", AssumeRolePolicyDocument: trust(`{"Service":"ec2.amazonaws.com"}`)})
			if err != nil {
				t.Fatalf("ec2.amazonaws.com: %v", err)
			}
			_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "ec2cn", AssumeRolePolicyDocument: trust(`{"Service":"ec2.amazonaws.com.cn"}`)})
			if tc.p == awsregion.China && err != nil {
				t.Fatalf("ec2.amazonaws.com.cn in China: %v", err)
			} else if tc.p != awsregion.China {
				wantCode(t, err, "MalformedPolicyDocument")
			}
			// China refuses the China suffix for most services (monitoring.rds.amazonaws.com.cn, as AWS did).
			_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "rds", AssumeRolePolicyDocument: trust(`{"Service":"monitoring.rds.amazonaws.com.cn"}`)})
			wantCode(t, err, "MalformedPolicyDocument")
			err = svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			wantCode(t, err, "NoSuchEntity")
			own := tc.p.ManagedPolicyPrefix() + "ReadOnlyAccess"
			if err := svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "alice", PolicyArn: own}); err != nil {
				t.Fatal(err)
			}
			att, err := svc.ListAttachedUserPolicies(ctx, root, &iamtypes.ListAttachedUserPoliciesRequest{UserName: "alice"})
			if err != nil || len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != own {
				t.Fatalf("attached: %v %+v", err, att)
			}
			scope, yes := iamtypes.PolicyScopeTypeAWS, true
			listed, err := svc.ListPolicies(ctx, root, &iamtypes.ListPoliciesRequest{Scope: &scope, OnlyAttached: &yes})
			if err != nil || len(listed.Policies) != 1 || *listed.Policies[0].Arn != own || *listed.Policies[0].AttachmentCount != 1 {
				t.Fatalf("ListPolicies: %v %+v", err, listed)
			}
			got, err := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: own})
			if err != nil || *got.Policy.Arn != own {
				t.Fatalf("GetPolicy: %v %+v", err, got)
			}
			// A delegation request filed from the partition is notified through the partition's SNS.
			tmpl, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "tmpl",
				PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`})
			if err != nil || !strings.HasPrefix(*tmpl.Policy.Arn, pre+"iam::"+tc.account+":policy/") {
				t.Fatalf("CreatePolicy: %v %+v", err, tmpl)
			}
			deleg := &iamtypes.CreateDelegationRequestRequest{Description: "d", RequestorWorkflowId: "wf", SessionDuration: 900,
				Permissions:         &iamtypes.DelegationPermission{PolicyTemplateArn: tmpl.Policy.Arn},
				NotificationChannel: "arn:aws:sns:us-east-1:" + tc.account + ":t"}
			_, err = svc.CreateDelegationRequest(ctx, root, deleg)
			wantCode(t, err, "InvalidInput")
			deleg.NotificationChannel = pre + "sns:" + tc.p.Regions()[0] + ":" + tc.account + ":t"
			dr, err := svc.CreateDelegationRequest(ctx, root, deleg)
			if err != nil || dr.DelegationRequestId == nil {
				t.Fatalf("CreateDelegationRequest: %v %+v", err, dr)
			}
			// The aws account does not see China's or GovCloud's managed policies.
			if _, err := svc.CreateUser(ctx, awsRoot, &iamtypes.CreateUserRequest{UserName: "bob-" + tc.p.String()}); err != nil {
				t.Fatal(err)
			}
			err = svc.AttachUserPolicy(ctx, awsRoot, &iamtypes.AttachUserPolicyRequest{UserName: "bob-" + tc.p.String(), PolicyArn: own})
			wantCode(t, err, "NoSuchEntity")
		})
	}
}

// TestAnAccountKeepsItsPartition: an account that exists without root credentials gets its first root key only in
// the partition it was created in; a partition iamd does not know is refused.
func TestAnAccountKeepsItsPartition(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	const keyless = "410987654321"
	if err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return svc.EnsureAccountInTx(ctx, tx, awsregion.GovCloud, keyless)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateAccount(ctx, keyless, "", ""); !errors.Is(err, iam.ErrInvalidAccountRequest) || !strings.Contains(err.Error(), "aws-us-gov") {
		t.Fatalf("as aws: %v", err)
	}
	if _, err := svc.CreateAccountIn(ctx, "aws-iso", "510987654321", "", ""); !errors.Is(err, iam.ErrInvalidAccountRequest) {
		t.Fatalf("aws-iso: %v", err)
	}
	root := partitionRoot(t, svc, awsregion.GovCloud, keyless)
	if root.Principal.ARN != "arn:aws-us-gov:iam::"+keyless+":root" {
		t.Fatalf("root %s", root.Principal.ARN)
	}
	err := svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		for acct, want := range map[string]awsregion.Partition{keyless: awsregion.GovCloud, testAccount: awsregion.AWS, "999999999999": awsregion.AWS} {
			if got, err := svc.AccountPartition(ctx, r, acct); err != nil || got != want {
				t.Errorf("AccountPartition(%s) = %q, %v", acct, got, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
