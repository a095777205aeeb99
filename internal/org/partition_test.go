package org_test

import (
	"context"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestOrganizationARNsFollowThePartition: an organization whose management account is in aws-cn has
// arn:aws-cn:organizations ARNs (the organization, the management account, the root, AWS managed SCPs), and its
// new accounts are China accounts whose access role has China's AdministratorAccess.
func TestOrganizationARNsFollowThePartition(t *testing.T) {
	ctx := context.Background()
	s := newOrgService(t)
	const cn = "333333333333"
	rc, err := s.IAM.CreateAccountIn(ctx, awsregion.China, cn, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := s.IAM.LookupAccessKey(ctx, rc.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	root := &cred.Caller
	out, err := s.CreateOrganization(ctx, root, &orgtypes.CreateOrganizationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	o := out.Organization
	if !strings.HasPrefix(*o.Arn, "arn:aws-cn:organizations::"+cn+":organization/o-") ||
		*o.MasterAccountArn != "arn:aws-cn:organizations::"+cn+":account/"+*o.Id+"/"+cn {
		t.Fatalf("organization %s %s", *o.Arn, *o.MasterAccountArn)
	}
	roots, err := s.ListRoots(ctx, root, &orgtypes.ListRootsRequest{})
	if err != nil || len(roots.Roots) != 1 || !strings.HasPrefix(*roots.Roots[0].Arn, "arn:aws-cn:organizations::"+cn+":root/") {
		t.Fatalf("roots %v %+v", err, roots)
	}
	pols, err := s.ListPolicies(ctx, root, &orgtypes.ListPoliciesRequest{Filter: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	if err != nil || len(pols.Policies) == 0 || *pols.Policies[0].Arn != "arn:aws-cn:organizations::aws:policy/service_control_policy/p-FullAWSAccess" {
		t.Fatalf("policies %v %+v", err, pols)
	}
	created, err := s.CreateAccount(ctx, root, &orgtypes.CreateAccountRequest{AccountName: "dev", Email: "dev@example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.CreateAccountStatus.AccountId
	err = s.IAM.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		p, err := s.IAM.AccountPartition(ctx, r, id)
		if err != nil || p != awsregion.China {
			t.Errorf("new account's partition %q, %v", p, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	newRoot := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws-cn:iam::" + id + ":root", Account: id}, UserID: id}
	att, err := s.IAM.ListAttachedRolePolicies(ctx, newRoot, &iamtypes.ListAttachedRolePoliciesRequest{RoleName: "OrganizationAccountAccessRole"})
	if err != nil || len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != "arn:aws-cn:iam::aws:policy/AdministratorAccess" {
		t.Fatalf("access role %v %+v", err, att)
	}
	// CreateGovCloudAccount is only for organizations in aws.
	_, err = s.CreateGovCloudAccount(ctx, root, &orgtypes.CreateGovCloudAccountRequest{AccountName: "g", Email: "g@example.cn"})
	wantCode(t, err, "UnsupportedAPIEndpointException")
}

// TestInvitationsStayInThePartition: an organization in aws invites a GovCloud account by its ID; the invitation
// reaches nobody there (another partition's account does not exist in aws), so it cannot accept it.
func TestInvitationsStayInThePartition(t *testing.T) {
	ctx := context.Background()
	s := newOrgService(t)
	const gov = "444444444444"
	rc, err := s.IAM.CreateAccountIn(ctx, awsregion.GovCloud, gov, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cred, err := s.IAM.LookupAccessKey(ctx, rc.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateOrganization(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeACCOUNT, Id: gov}})
	if err != nil {
		t.Fatal(err)
	}
	listed, err := s.ListHandshakesForAccount(ctx, &cred.Caller, &orgtypes.ListHandshakesForAccountRequest{})
	if err != nil || len(listed.Handshakes) != 0 {
		t.Fatalf("the GovCloud account sees %v %+v", err, listed)
	}
	_, err = s.AcceptHandshake(ctx, &cred.Caller, &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id})
	wantCode(t, err, "HandshakeNotFoundException")
}
