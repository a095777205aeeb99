package org_test

import (
	"context"
	"strings"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// newBillingOrg returns a consolidated-billing organization with member (222222222222) joined by invitation and one
// account made with CreateAccount.
func newBillingOrg(t *testing.T) *service {
	t.Helper()
	ctx := context.Background()
	s := newOrgService(t)
	cb := orgtypes.OrganizationFeatureSetCONSOLIDATEDBILLING
	if _, err := s.CreateOrganization(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationRequest{FeatureSet: &cb}); err != nil {
		t.Fatal(err)
	}
	inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id}); err != nil {
		t.Fatal(err)
	}
	createAccount(t, s, "made", "made@example.com")
	return s
}

// handshakesOf lists the handshakes an account received, of one action.
func handshakesOf(t *testing.T, s *service, account string, action orgtypes.ActionType) []orgtypes.Handshake {
	t.Helper()
	out, err := s.ListHandshakesForAccount(context.Background(), rootOf(account), &orgtypes.ListHandshakesForAccountRequest{
		Filter: &orgtypes.HandshakeFilter{ActionType: &action}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Handshakes
}

func featureSet(t *testing.T, s *service) orgtypes.OrganizationFeatureSet {
	t.Helper()
	d, err := s.DescribeOrganization(context.Background(), rootOf(mgmt))
	if err != nil {
		t.Fatal(err)
	}
	return *d.Organization.FeatureSet
}

// TestEnableAllFeaturesHandshake: the invited member approves its ENABLE_ALL_FEATURES handshake, the organization's
// handshake opens, the management account accepts its APPROVE_ALL_FEATURES handshake and the organization has all
// features; invitations and a second request are refused meanwhile.
func TestEnableAllFeaturesHandshake(t *testing.T) {
	ctx := context.Background()
	s := newBillingOrg(t)
	out, err := s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	parent := out.Handshake
	if *parent.Action != orgtypes.ActionTypeENABLEALLFEATURES || *parent.State != "REQUESTED" ||
		!strings.Contains(*parent.Arn, ":handshake/"+orgIDOf(t, s, rootOf(mgmt))+"/enable_all_features/h-") ||
		len(parent.Parties) != 1 || parent.Parties[0].Type != orgtypes.HandshakePartyTypeORGANIZATION {
		t.Fatalf("EnableAllFeatures handshake %+v", parent)
	}
	// the invited member has a request; the created account has none
	reqs := handshakesOf(t, s, member, orgtypes.ActionTypeENABLEALLFEATURES)
	if len(reqs) != 1 || *reqs[0].State != "REQUESTED" {
		t.Fatalf("member's requests %+v", reqs)
	}
	child := reqs[0]
	var parentRef string
	for _, r := range child.Resources {
		if *r.Type == orgtypes.HandshakeResourceTypePARENTHANDSHAKE {
			parentRef = *r.Value
		}
	}
	if parentRef != *parent.Id {
		t.Fatalf("member's request names parent %q, want %s", parentRef, *parent.Id)
	}
	byParent, err := s.ListHandshakesForOrganization(ctx, rootOf(mgmt), &orgtypes.ListHandshakesForOrganizationRequest{
		Filter: &orgtypes.HandshakeFilter{ParentHandshakeId: parent.Id}})
	if err != nil || len(byParent.Handshakes) != 1 || *byParent.Handshakes[0].Id != *child.Id {
		t.Fatalf("handshakes by parent: %v %+v", err, byParent)
	}

	_, err = s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: "333333333333"}})
	wantReason(t, err, "HandshakeConstraintViolationException", "INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES")
	_, err = s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
	wantReason(t, err, "HandshakeConstraintViolationException", "ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION")
	_, err = s.EnableAllFeatures(ctx, rootOf(member), &orgtypes.EnableAllFeaturesRequest{})
	wantCode(t, err, "AccessDeniedException")
	_, err = s.AcceptHandshake(ctx, rootOf(mgmt), &orgtypes.AcceptHandshakeRequest{HandshakeId: *parent.Id})
	wantCode(t, err, "InvalidHandshakeTransitionException") // not every member has approved yet
	_, err = s.AcceptHandshake(ctx, rootOf(mgmt), &orgtypes.AcceptHandshakeRequest{HandshakeId: *child.Id})
	wantCode(t, err, "AccessDeniedException") // the member's to answer

	acc, err := s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *child.Id})
	if err != nil || *acc.Handshake.State != "ACCEPTED" {
		t.Fatalf("member accepting: %v %+v", err, acc)
	}
	d, err := s.DescribeHandshake(ctx, rootOf(mgmt), &orgtypes.DescribeHandshakeRequest{HandshakeId: *parent.Id})
	if err != nil || *d.Handshake.State != "OPEN" {
		t.Fatalf("the organization's handshake after every member approved: %v %+v", err, d)
	}
	if featureSet(t, s) != "CONSOLIDATED_BILLING" {
		t.Fatal("all features enabled before the management account finalized")
	}
	approvals := handshakesOf(t, s, mgmt, orgtypes.ActionTypeAPPROVEALLFEATURES)
	if len(approvals) != 1 || *approvals[0].State != "REQUESTED" {
		t.Fatalf("management account's approvals %+v", approvals)
	}
	fin, err := s.AcceptHandshake(ctx, rootOf(mgmt), &orgtypes.AcceptHandshakeRequest{HandshakeId: *approvals[0].Id})
	if err != nil || *fin.Handshake.State != "ACCEPTED" {
		t.Fatalf("finalizing: %v %+v", err, fin)
	}
	if fs := featureSet(t, s); fs != "ALL" {
		t.Fatalf("feature set %s after finalizing", fs)
	}
	d, err = s.DescribeHandshake(ctx, rootOf(mgmt), &orgtypes.DescribeHandshakeRequest{HandshakeId: *parent.Id})
	if err != nil || *d.Handshake.State != "ACCEPTED" {
		t.Fatalf("the organization's handshake after finalizing: %v %+v", err, d)
	}
	_, err = s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
	wantReason(t, err, "HandshakeConstraintViolationException", "ORGANIZATION_ALREADY_HAS_ALL_FEATURES")
	// policy types are the management account's to enable now
	roots, err := s.ListRoots(ctx, rootOf(mgmt), &orgtypes.ListRootsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnablePolicyType(ctx, rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: *roots.Roots[0].Id, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY}); err != nil {
		t.Fatal(err)
	}
}

// TestEnableAllFeaturesEndsWhenDeclinedOrCanceled: a member declining ends the change (the organization's handshake
// is DECLINED), the management account canceling cancels every handshake of it, and either way a new request may
// follow.
func TestEnableAllFeaturesEndsWhenDeclinedOrCanceled(t *testing.T) {
	ctx := context.Background()
	s := newBillingOrg(t)
	first, err := s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	child := handshakesOf(t, s, member, orgtypes.ActionTypeENABLEALLFEATURES)[0]
	if _, err := s.DeclineHandshake(ctx, rootOf(member), &orgtypes.DeclineHandshakeRequest{HandshakeId: *child.Id}); err != nil {
		t.Fatal(err)
	}
	d, err := s.DescribeHandshake(ctx, rootOf(mgmt), &orgtypes.DescribeHandshakeRequest{HandshakeId: *first.Handshake.Id})
	if err != nil || *d.Handshake.State != "DECLINED" {
		t.Fatalf("after a member declined: %v %+v", err, d)
	}

	second, err := s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
	if err != nil {
		t.Fatalf("a new request after the decline: %v", err)
	}
	c, err := s.CancelHandshake(ctx, rootOf(mgmt), &orgtypes.CancelHandshakeRequest{HandshakeId: *second.Handshake.Id})
	if err != nil || *c.Handshake.State != "CANCELED" {
		t.Fatalf("cancel: %v %+v", err, c)
	}
	for _, h := range handshakesOf(t, s, member, orgtypes.ActionTypeENABLEALLFEATURES) {
		if *h.Id != *child.Id && *h.State != "CANCELED" {
			t.Fatalf("the member's request after the cancel: %+v", h)
		}
	}
	if featureSet(t, s) != "CONSOLIDATED_BILLING" {
		t.Fatal("all features enabled by a canceled request")
	}
	if _, err := s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{}); err != nil {
		t.Fatalf("a new request after the cancel: %v", err)
	}
}

// TestEnableAllFeaturesWithoutInvitedMembers: with no invited member, the organization's handshake is OPEN at once
// and the management account finalizes by accepting it.
func TestEnableAllFeaturesWithoutInvitedMembers(t *testing.T) {
	ctx := context.Background()
	s := newOrgService(t)
	cb := orgtypes.OrganizationFeatureSetCONSOLIDATEDBILLING
	if _, err := s.CreateOrganization(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationRequest{FeatureSet: &cb}); err != nil {
		t.Fatal(err)
	}
	out, err := s.EnableAllFeatures(ctx, rootOf(mgmt), &orgtypes.EnableAllFeaturesRequest{})
	if err != nil || *out.Handshake.State != "OPEN" {
		t.Fatalf("EnableAllFeatures: %v %+v", err, out)
	}
	if _, err := s.AcceptHandshake(ctx, rootOf(mgmt), &orgtypes.AcceptHandshakeRequest{HandshakeId: *out.Handshake.Id}); err != nil {
		t.Fatal(err)
	}
	if fs := featureSet(t, s); fs != "ALL" {
		t.Fatalf("feature set %s", fs)
	}
	if a := handshakesOf(t, s, mgmt, orgtypes.ActionTypeAPPROVEALLFEATURES); len(a) != 1 || *a[0].State != "ACCEPTED" {
		t.Fatalf("approval after finalizing by the organization's handshake: %+v", a)
	}
}
