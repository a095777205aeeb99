package org_test

import (
	"context"
	"testing"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// twoOrgs makes mgmt and member the management accounts of two organizations.
func twoOrgs(t *testing.T) *service {
	t.Helper()
	s := newOrgService(t)
	for _, a := range []string{mgmt, member} {
		if _, err := s.CreateOrganization(context.Background(), rootOf(a), &orgtypes.CreateOrganizationRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func nextMonth() time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

func inviteBilling(s *service, start time.Time) (*orgtypes.InviteOrganizationToTransferResponsibilityResponse, error) {
	return s.InviteOrganizationToTransferResponsibility(context.Background(), rootOf(mgmt), &orgtypes.InviteOrganizationToTransferResponsibilityRequest{
		Type: orgtypes.ResponsibilityTransferTypeBILLING, Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeACCOUNT, Id: member},
		StartTimestamp: start, SourceName: "billing for B"})
}

// transferOf returns the transfer ID a TRANSFER_RESPONSIBILITY handshake carries.
func transferOf(t *testing.T, h *orgtypes.Handshake) string {
	t.Helper()
	for _, r := range h.Resources {
		if *r.Type == orgtypes.HandshakeResourceTypeRESPONSIBILITYTRANSFER {
			return *r.Value
		}
	}
	t.Fatalf("no transfer in %+v", h)
	return ""
}

func TestResponsibilityTransferLifecycle(t *testing.T) {
	ctx := context.Background()
	s := twoOrgs(t)
	inv, err := inviteBilling(s, nextMonth())
	if err != nil {
		t.Fatal(err)
	}
	if *inv.Handshake.Action != orgtypes.ActionTypeTRANSFERRESPONSIBILITY || *inv.Handshake.State != orgtypes.HandshakeStateOPEN {
		t.Fatalf("handshake %+v", inv.Handshake)
	}
	id := transferOf(t, inv.Handshake)
	_, err = inviteBilling(s, nextMonth())
	wantCode(t, err, "HandshakeConstraintViolationException")
	wantReasonOf(t, err, "RESPONSIBILITY_TRANSFER_ALREADY_EXISTS")

	in, err := s.ListInboundResponsibilityTransfers(ctx, rootOf(mgmt), &orgtypes.ListInboundResponsibilityTransfersRequest{Type: orgtypes.ResponsibilityTransferTypeBILLING})
	if err != nil || len(in.ResponsibilityTransfers) != 1 || *in.ResponsibilityTransfers[0].Status != orgtypes.ResponsibilityTransferStatusREQUESTED ||
		*in.ResponsibilityTransfers[0].Target.ManagementAccountId != mgmt || *in.ResponsibilityTransfers[0].Source.ManagementAccountId != member {
		t.Fatalf("inbound: %v %+v", err, in)
	}
	out, err := s.ListOutboundResponsibilityTransfers(ctx, rootOf(member), &orgtypes.ListOutboundResponsibilityTransfersRequest{Type: orgtypes.ResponsibilityTransferTypeBILLING})
	if err != nil || len(out.ResponsibilityTransfers) != 1 || *out.ResponsibilityTransfers[0].Id != id {
		t.Fatalf("outbound: %v %+v", err, out)
	}
	if none, err := s.ListOutboundResponsibilityTransfers(ctx, rootOf(mgmt), &orgtypes.ListOutboundResponsibilityTransfersRequest{Type: orgtypes.ResponsibilityTransferTypeBILLING}); err != nil || len(none.ResponsibilityTransfers) != 0 {
		t.Fatalf("the inviter has no outbound transfer: %v %+v", err, none)
	}

	// only the invited management account answers; terminating needs an accepted transfer
	_, err = s.AcceptHandshake(ctx, rootOf(mgmt), &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id})
	wantCode(t, err, "AccessDeniedException")
	_, err = s.TerminateResponsibilityTransfer(ctx, rootOf(mgmt), &orgtypes.TerminateResponsibilityTransferRequest{Id: id})
	wantCode(t, err, "InvalidResponsibilityTransferTransitionException")
	acc, err := s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id})
	if err != nil || *acc.Handshake.State != orgtypes.HandshakeStateACCEPTED {
		t.Fatalf("accept: %v %+v", err, acc)
	}
	d, err := s.DescribeResponsibilityTransfer(ctx, rootOf(member), &orgtypes.DescribeResponsibilityTransferRequest{Id: id})
	if err != nil || *d.ResponsibilityTransfer.Status != orgtypes.ResponsibilityTransferStatusACCEPTED {
		t.Fatalf("describe: %v %+v", err, d)
	}
	if arn := *d.ResponsibilityTransfer.Arn; arn[:len("arn:aws:organizations::"+member+":transfer/o-")] != "arn:aws:organizations::"+member+":transfer/o-" ||
		arn[len(arn)-len("/billing/outbound/"+id):] != "/billing/outbound/"+id {
		t.Fatalf("the source's ARN %s", arn)
	}
	up, err := s.UpdateResponsibilityTransfer(ctx, rootOf(mgmt), &orgtypes.UpdateResponsibilityTransferRequest{Id: id, Name: "renamed"})
	if err != nil || *up.ResponsibilityTransfer.Name != "renamed" {
		t.Fatalf("update: %v %+v", err, up)
	}
	term, err := s.TerminateResponsibilityTransfer(ctx, rootOf(member), &orgtypes.TerminateResponsibilityTransferRequest{Id: id})
	if err != nil || *term.ResponsibilityTransfer.Status != orgtypes.ResponsibilityTransferStatusWITHDRAWN || term.ResponsibilityTransfer.EndTimestamp == nil {
		t.Fatalf("terminate: %v %+v", err, term)
	}
	_, err = s.TerminateResponsibilityTransfer(ctx, rootOf(mgmt), &orgtypes.TerminateResponsibilityTransferRequest{Id: id})
	wantCode(t, err, "ResponsibilityTransferAlreadyInStatusException")
	// a new invitation may follow an ended transfer; the inviter cancels it
	inv, err = inviteBilling(s, nextMonth())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CancelHandshake(ctx, rootOf(mgmt), &orgtypes.CancelHandshakeRequest{HandshakeId: *inv.Handshake.Id}); err != nil {
		t.Fatal(err)
	}
	d, err = s.DescribeResponsibilityTransfer(ctx, rootOf(mgmt), &orgtypes.DescribeResponsibilityTransferRequest{Id: transferOf(t, inv.Handshake)})
	if err != nil || *d.ResponsibilityTransfer.Status != orgtypes.ResponsibilityTransferStatusCANCELED {
		t.Fatalf("canceled: %v %+v", err, d)
	}
}

func TestResponsibilityTransferInvitationRules(t *testing.T) {
	ctx := context.Background()
	s := twoOrgs(t)
	next := nextMonth()
	for _, tc := range []struct {
		name         string
		target       string
		start        time.Time
		code, reason string
	}{
		{"to itself", mgmt, next, "HandshakeConstraintViolationException", "SOURCE_AND_TARGET_CANNOT_MATCH"},
		{"starting mid-month", member, next.AddDate(0, 0, 3), "InvalidInputException", "START_DATE_NOT_BEGINNING_OF_MONTH"},
		{"starting mid-day", member, next.Add(time.Hour), "InvalidInputException", "START_DATE_NOT_BEGINNING_OF_DAY"},
		{"starting in a past month", member, next.AddDate(0, -2, 0), "InvalidInputException", "START_DATE_TOO_EARLY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.InviteOrganizationToTransferResponsibility(ctx, rootOf(mgmt), &orgtypes.InviteOrganizationToTransferResponsibilityRequest{
				Type: orgtypes.ResponsibilityTransferTypeBILLING, Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeACCOUNT, Id: tc.target},
				StartTimestamp: tc.start, SourceName: "x"})
			wantCode(t, err, tc.code)
			wantReasonOf(t, err, tc.reason)
		})
	}
	_, err := s.DescribeResponsibilityTransfer(ctx, rootOf(mgmt), &orgtypes.DescribeResponsibilityTransferRequest{Id: "rt-abcdefgh1234"})
	wantCode(t, err, "ResponsibilityTransferNotFoundException")
	_, err = s.ListInboundResponsibilityTransfers(ctx, rootOf(mgmt), &orgtypes.ListInboundResponsibilityTransfersRequest{Type: orgtypes.ResponsibilityTransferTypeBILLING, Id: sref("rt-abcdefgh1234")})
	wantCode(t, err, "ResponsibilityTransferNotFoundException")
	// declined by the invited organization
	inv, err := inviteBilling(s, next)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeclineHandshake(ctx, rootOf(member), &orgtypes.DeclineHandshakeRequest{HandshakeId: *inv.Handshake.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeResponsibilityTransfer(ctx, rootOf("333333333333"), &orgtypes.DescribeResponsibilityTransferRequest{Id: transferOf(t, inv.Handshake)})
	if err == nil {
		t.Fatal("an account outside the transfer described it")
	}
	d, err := s.DescribeResponsibilityTransfer(ctx, rootOf(member), &orgtypes.DescribeResponsibilityTransferRequest{Id: transferOf(t, inv.Handshake)})
	if err != nil || *d.ResponsibilityTransfer.Status != orgtypes.ResponsibilityTransferStatusDECLINED {
		t.Fatalf("declined: %v %+v", err, d)
	}
}
