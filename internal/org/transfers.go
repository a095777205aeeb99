package org

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Responsibility transfers (billing transfers), as the API reference describes them: a management account invites
// another organization's management account (InviteOrganizationToTransferResponsibility) to designate the inviter
// with a responsibility (only BILLING exists) for the invitee's organization. The inviter is the transfer's Target,
// the account that manages; the invitee is its Source, the organization that lets an outside account manage. The
// invitation is a TRANSFER_RESPONSIBILITY handshake that only the invitee's management account accepts
// (AcceptHandshake) or declines; the inviter may cancel it. The transfer's status follows: REQUESTED while the
// handshake is open, then ACCEPTED, DECLINED, CANCELED or EXPIRED; TerminateResponsibilityTransfer ends an accepted
// transfer (WITHDRAWN). For the Target the transfer is inbound (ListInboundResponsibilityTransfers), for the Source
// outbound (ListOutboundResponsibilityTransfers).
//
// A transfer is stored in the Target's namespace (KindTransfer, named and ID'd by its rt-... ID); when iamd holds
// the Source, a LinkTransferParty link in the Source's namespace points at it. Unconfirmed: the live service's
// error texts (the messages below are the API reference's descriptions of the exceptions), the handshake's resource
// list and the rules on start dates (iamd takes the InvalidInputException reasons the model lists: a transfer starts
// at the beginning of a month, not before the current one).

const actionTransfer = string(orgtypes.ActionTypeTRANSFERRESPONSIBILITY)

// transferRecord is a stored responsibility transfer.
type transferRecord struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Status      string    `json:"status"` // REQUESTED, ACCEPTED, DECLINED, CANCELED, WITHDRAWN (EXPIRED is computed)
	Target      string    `json:"target"` // the inviting management account
	TargetEmail string    `json:"targetEmail"`
	TargetOrg   string    `json:"targetOrg"`
	Source      string    `json:"source,omitempty"` // the invited management account, "" when iamd holds none
	SourceEmail string    `json:"sourceEmail,omitempty"`
	SourceOrg   string    `json:"sourceOrg,omitempty"` // set on acceptance
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	// Partition is the organizations' partition (an invitation never crosses partitions); empty is aws.
	Partition awsregion.Partition `json:"partition,omitempty"`
	Handshake string              `json:"handshake"`
	Expires   time.Time           `json:"expires"` // the handshake's expiration
	Tags      []Tag               `json:"tags,omitempty"`
}

func newTransferID() string { return "rt-" + randomString(lowerDigits, 12) }

func (t *transferRecord) status(now time.Time) string {
	if t.Status == "REQUESTED" && !now.Before(t.Expires) {
		return "EXPIRED"
	}
	return t.Status
}

// direction is the transfer as account sees it: inbound for the Target, outbound for the Source.
func (t *transferRecord) direction(account string) string {
	if account == t.Target {
		return "inbound"
	}
	return "outbound"
}

// arn is the transfer's ARN as account sees it (the Service Authorization Reference's responsibilitytransfer).
func (t *transferRecord) arn(account string) string {
	orgID := t.TargetOrg
	if account != t.Target {
		orgID = t.SourceOrg
	}
	return t.Partition.ARN("organizations", "", account, "transfer/"+orgID+"/"+strings.ToLower(t.Type)+"/"+t.direction(account)+"/"+t.ID)
}

func (t *transferRecord) shape(account string, now time.Time) orgtypes.ResponsibilityTransfer {
	typ, st := orgtypes.ResponsibilityTransferType(t.Type), orgtypes.ResponsibilityTransferStatus(t.status(now))
	out := orgtypes.ResponsibilityTransfer{Arn: ptr(t.arn(account)), Name: ptr(t.Name), Id: ptr(t.ID), Type: &typ, Status: &st,
		Source:         &orgtypes.TransferParticipant{ManagementAccountId: ptr(t.Source), ManagementAccountEmail: ptr(t.SourceEmail)},
		Target:         &orgtypes.TransferParticipant{ManagementAccountId: ptr(t.Target), ManagementAccountEmail: ptr(t.TargetEmail)},
		StartTimestamp: stamp(t.Start), ActiveHandshakeId: ptr(t.Handshake)}
	if t.Source == "" {
		out.Source.ManagementAccountId = nil
	}
	if t.SourceEmail == "" {
		out.Source.ManagementAccountEmail = nil
	}
	if !t.End.IsZero() {
		out.EndTimestamp = stamp(t.End)
	}
	return out
}

func transferKeys(t *transferRecord, account string) policy.Context {
	k := policy.Context{}
	k.Set("organizations:TransferType", t.Type)
	k.Set("organizations:TransferDirection", t.direction(account))
	return k
}

func errTransferNotFound() error {
	return &awserr.Error{Code: "ResponsibilityTransferNotFoundException", HTTPStatus: 400, Message: "We can't find a transfer that you specified."}
}

// errTransferState answers a change to want of a transfer in status have.
func errTransferState(have, want string) error {
	if have == want {
		return &awserr.Error{Code: "ResponsibilityTransferAlreadyInStatusException", HTTPStatus: 400,
			Message: "The responsibility transfer is already in the status that you specified."}
	}
	return &awserr.Error{Code: "InvalidResponsibilityTransferTransitionException", HTTPStatus: 400,
		Message: "The responsibility transfer can't transition to the requested state because it's not in a valid state for this operation."}
}

// checkTransferStart checks an invitation's start: the beginning of a month (UTC), not before the current month.
func checkTransferStart(start, now time.Time) error {
	start = start.UTC()
	if !start.Equal(start.Truncate(24 * time.Hour)) {
		return errInvalidInput("START_DATE_NOT_BEGINNING_OF_DAY", "The start date must be at the beginning of a day (00:00 UTC).")
	}
	if start.Day() != 1 {
		return errInvalidInput("START_DATE_NOT_BEGINNING_OF_MONTH", "The start date must be the first day of a month.")
	}
	now = now.UTC()
	if start.Before(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)) {
		return errInvalidInput("START_DATE_TOO_EARLY", "The start date can't be earlier than the current month.")
	}
	return nil
}

// transferLoad returns a transfer the caller's account takes part in; ResponsibilityTransferNotFoundException for
// any other.
func transferLoad(ctx context.Context, r store.Reader, c *iam.Caller, id string) (*store.Entity, *transferRecord, error) {
	e, err := r.GetByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && e.Kind != KindTransfer) {
		return nil, nil, errTransferNotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := decode[transferRecord](e)
	if err != nil {
		return nil, nil, err
	}
	if c.Account() != t.Target && (t.Source == "" || c.Account() != t.Source) {
		return nil, nil, errTransferNotFound()
	}
	return e, t, nil
}

// transferForHandshake returns the transfer a TRANSFER_RESPONSIBILITY handshake invites to.
func transferForHandshake(ctx context.Context, r store.Reader, h *handshakeRecord) (*store.Entity, *transferRecord, error) {
	e, err := r.GetByID(ctx, h.Transfer)
	if err != nil {
		return nil, nil, err
	}
	t, err := decode[transferRecord](e)
	return e, t, err
}

func saveTransfer(ctx context.Context, tx store.Tx, e *store.Entity, t *transferRecord) error {
	e.Data = encode(t)
	return tx.Update(ctx, e)
}

// transferShape is the API's Handshake for a TRANSFER_RESPONSIBILITY invitation.
func (h *handshakeRecord) transferShape(now time.Time) orgtypes.Handshake {
	state := orgtypes.HandshakeState(h.state(now))
	action := orgtypes.ActionTypeTRANSFERRESPONSIBILITY
	res := hsResource
	resources := []orgtypes.HandshakeResource{
		res(orgtypes.HandshakeResourceTypeRESPONSIBILITYTRANSFER, h.Transfer),
		res(orgtypes.HandshakeResourceTypeTRANSFERTYPE, h.TransferType),
		res(orgtypes.HandshakeResourceTypeTRANSFERSTARTTIMESTAMP, h.TransferStart.UTC().Format(time.RFC3339)),
		res(orgtypes.HandshakeResourceTypeMANAGEMENTACCOUNT, h.Management),
		res(orgtypes.HandshakeResourceTypeMANAGEMENTEMAIL, h.ManagementEmail),
		res(orgtypes.HandshakeResourceTypeMANAGEMENTNAME, h.ManagementName),
		res(orgtypes.HandshakeResourceType(h.TargetType), h.TargetID),
	}
	if h.Notes != "" {
		resources = append(resources, res(orgtypes.HandshakeResourceTypeNOTES, h.Notes))
	}
	return orgtypes.Handshake{Id: ptr(h.ID), Arn: ptr(h.arn()), State: &state, Action: &action,
		Parties: []orgtypes.HandshakeParty{
			{Id: h.OrgID, Type: orgtypes.HandshakePartyTypeORGANIZATION},
			{Id: h.TargetID, Type: orgtypes.HandshakePartyType(h.TargetType)},
		},
		RequestedTimestamp: stamp(h.Requested), ExpirationTimestamp: stamp(h.Expires), Resources: resources}
}

// InviteOrganizationToTransferResponsibility invites another organization's management account to designate the
// caller's management account with a responsibility for its organization.
func (s *Service) InviteOrganizationToTransferResponsibility(ctx context.Context, c *iam.Caller, in *orgtypes.InviteOrganizationToTransferResponsibilityRequest) (*orgtypes.InviteOrganizationToTransferResponsibilityResponse, error) {
	tags, err := acctTags(in.Tags)
	if err != nil {
		return nil, err
	}
	var h *handshakeRecord
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		resource := "*"
		if in.Target.Type == orgtypes.HandshakePartyTypeACCOUNT {
			resource = accountARN(o.Partition, o.Management, o.ID, in.Target.Id)
		}
		keys := policy.Context{}
		keys.Set("organizations:TransferType", string(in.Type))
		keys.Set("organizations:TransferDirection", "inbound")
		if err := s.authorize(ctx, tx, c, o, "organizations:InviteOrganizationToTransferResponsibility", resource, true, keys); err != nil {
			return err
		}
		if c.Account() != o.Management {
			return errAccessDenied() // only the management account invites, whatever a resource policy says
		}
		if len(tags) > 0 {
			if err := s.authorize(ctx, tx, c, o, "organizations:TagResource", "*", true); err != nil {
				return err
			}
		}
		acct, err := s.hsTarget(ctx, tx, in.Target)
		if err != nil {
			return err
		}
		if acct == o.Management || strings.EqualFold(in.Target.Id, o.ManagementEmail) {
			return hsErrConstraint("SOURCE_AND_TARGET_CANNOT_MATCH", "The source and the target of a transfer can't be the same account.")
		}
		now := s.now()
		if err := checkTransferStart(in.StartTimestamp, now); err != nil {
			return err
		}
		page, err := tx.List(ctx, store.ListQuery{Account: o.Management, Kind: KindTransfer})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			t, err := decode[transferRecord](e)
			if err != nil {
				return err
			}
			same := (acct != "" && t.Source == acct) || strings.EqualFold(t.SourceEmail, in.Target.Id)
			if st := t.status(now); same && t.Type == string(in.Type) && (st == "REQUESTED" || st == "ACCEPTED") {
				return hsErrConstraint("RESPONSIBILITY_TRANSFER_ALREADY_EXISTS", "A transfer of this responsibility between these accounts already exists.")
			}
		}
		mgmtName := o.Management
		if _, ma, err := acctLoad(ctx, tx, o, o.Management); err == nil {
			mgmtName = ma.Name
		} else if _, ok := awserr.As(err); !ok {
			return err
		}
		t := &transferRecord{ID: newTransferID(), Name: in.SourceName, Type: string(in.Type), Status: "REQUESTED",
			Target: o.Management, TargetEmail: o.ManagementEmail, TargetOrg: o.ID, Source: acct,
			Start: in.StartTimestamp.UTC(), Expires: now.Add(hsLifetime), Tags: tags, Partition: o.Partition}
		if acct != "" {
			t.SourceEmail = defaultEmail(acct)
		}
		if in.Target.Type == orgtypes.HandshakePartyTypeEMAIL {
			t.SourceEmail = in.Target.Id
		}
		h = &handshakeRecord{ID: newHandshakeID(), Action: actionTransfer, OrgID: o.ID, Management: o.Management, Partition: o.Partition,
			ManagementEmail: o.ManagementEmail, ManagementName: mgmtName, FeatureSet: o.FeatureSet,
			TargetType: string(in.Target.Type), TargetID: in.Target.Id, Account: acct, State: "OPEN", Requested: now,
			Expires: t.Expires, Transfer: t.ID, TransferType: t.Type, TransferStart: t.Start}
		if in.Notes != nil {
			h.Notes = *in.Notes
		}
		t.Handshake = h.ID
		if err := hsInsert(ctx, tx, h); err != nil {
			return err
		}
		if err := tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindTransfer, Name: t.ID, ID: t.ID, Path: "/",
			ARN: t.arn(o.Management), Created: now, Data: encode(t)}); err != nil {
			return err
		}
		if acct != "" {
			return tx.Link(ctx, store.Link{Account: acct, Kind: LinkTransferParty, From: acct, To: t.ID, Created: now})
		}
		return nil
	}, func() *orgtypes.InviteOrganizationToTransferResponsibilityResponse {
		out := h.shape(s.now())
		return &orgtypes.InviteOrganizationToTransferResponsibilityResponse{Handshake: &out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// transferRespond answers a TRANSFER_RESPONSIBILITY handshake: only the invited account's organization's management
// account accepts or declines it.
func (s *Service) transferRespond(ctx context.Context, tx store.Tx, c *iam.Caller, h *handshakeRecord, originator bool, state string) error {
	if originator {
		return errAccessDenied()
	}
	now := s.now()
	if have := h.state(now); have != "OPEN" {
		return hsErrState(have, state)
	}
	e, t, err := transferForHandshake(ctx, tx, h)
	if err != nil {
		return err
	}
	if state == "ACCEPTED" {
		src, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if src.Management != c.Account() {
			return errAccessDenied() // the API reference: only the management account accepts a billing transfer
		}
		t.SourceOrg = src.ID
	}
	h.State, t.Status = state, state
	if err := hsSave(ctx, tx, h); err != nil {
		return err
	}
	return saveTransfer(ctx, tx, e, t)
}

// transferCancel cancels an open TRANSFER_RESPONSIBILITY handshake and its transfer.
func (s *Service) transferCancel(ctx context.Context, tx store.Tx, h *handshakeRecord) error {
	if have := h.state(s.now()); have != "OPEN" {
		return hsErrState(have, "CANCELED")
	}
	e, t, err := transferForHandshake(ctx, tx, h)
	if err != nil {
		return err
	}
	h.State, t.Status = "CANCELED", "CANCELED"
	if err := hsSave(ctx, tx, h); err != nil {
		return err
	}
	return saveTransfer(ctx, tx, e, t)
}

// transferOp runs an operation on one transfer the caller's management account takes part in.
func (s *Service) transferOp(ctx context.Context, c *iam.Caller, action, id string, write bool, do func(tx store.Tx, e *store.Entity, t *transferRecord) error) (*orgtypes.ResponsibilityTransfer, error) {
	var out orgtypes.ResponsibilityTransfer
	run := func(ctx context.Context, r store.Reader, tx store.Tx) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		e, t, err := transferLoad(ctx, r, c, id)
		if err != nil {
			if ae, ok := awserr.As(err); ok && ae.Code == "ResponsibilityTransferNotFoundException" {
				// authorize on the ID's form first, so that a caller without the permission learns nothing
				if err := s.authorize(ctx, r, c, o, action, "*", true); err != nil {
					return err
				}
			}
			return err
		}
		if err := s.authorize(ctx, r, c, o, action, t.arn(c.Account()), true, transferKeys(t, c.Account())); err != nil {
			return err
		}
		if do != nil {
			if err := do(tx, e, t); err != nil {
				return err
			}
		}
		out = t.shape(c.Account(), s.now())
		return nil
	}
	var err error
	if write {
		err = s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error { return run(ctx, tx, tx) })
	} else {
		err = s.store.View(ctx, func(ctx context.Context, r store.Reader) error { return run(ctx, r, nil) })
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DescribeResponsibilityTransfer describes a transfer to either of its management accounts.
func (s *Service) DescribeResponsibilityTransfer(ctx context.Context, c *iam.Caller, in *orgtypes.DescribeResponsibilityTransferRequest) (*orgtypes.DescribeResponsibilityTransferResponse, error) {
	t, err := s.transferOp(ctx, c, "organizations:DescribeResponsibilityTransfer", in.Id, false, nil)
	if err != nil {
		return nil, err
	}
	return &orgtypes.DescribeResponsibilityTransferResponse{ResponsibilityTransfer: t}, nil
}

// UpdateResponsibilityTransfer renames a transfer.
func (s *Service) UpdateResponsibilityTransfer(ctx context.Context, c *iam.Caller, in *orgtypes.UpdateResponsibilityTransferRequest) (*orgtypes.UpdateResponsibilityTransferResponse, error) {
	t, err := s.transferOp(ctx, c, "organizations:UpdateResponsibilityTransfer", in.Id, true, func(tx store.Tx, e *store.Entity, t *transferRecord) error {
		t.Name = in.Name
		return saveTransfer(ctx, tx, e, t)
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.UpdateResponsibilityTransferResponse{ResponsibilityTransfer: t}, nil
}

// TerminateResponsibilityTransfer ends an accepted transfer, now or at EndTimestamp.
func (s *Service) TerminateResponsibilityTransfer(ctx context.Context, c *iam.Caller, in *orgtypes.TerminateResponsibilityTransferRequest) (*orgtypes.TerminateResponsibilityTransferResponse, error) {
	t, err := s.transferOp(ctx, c, "organizations:TerminateResponsibilityTransfer", in.Id, true, func(tx store.Tx, e *store.Entity, t *transferRecord) error {
		if have := t.status(s.now()); have != "ACCEPTED" {
			return errTransferState(have, "WITHDRAWN")
		}
		end := s.now().UTC()
		if in.EndTimestamp != nil {
			end = in.EndTimestamp.UTC()
			if end.Before(t.Start) {
				return errInvalidInput("END_DATE_TOO_EARLY", "The end date can't be earlier than the transfer's start date.")
			}
		}
		t.Status, t.End = "WITHDRAWN", end
		return saveTransfer(ctx, tx, e, t)
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.TerminateResponsibilityTransferResponse{ResponsibilityTransfer: t}, nil
}

// transferList lists the transfers of a type the caller's management account takes part in on one side.
func (s *Service) transferList(ctx context.Context, c *iam.Caller, action string, inbound bool, typ string, id, token *string, max *int32) ([]orgtypes.ResponsibilityTransfer, *string, error) {
	var (
		out  []orgtypes.ResponsibilityTransfer
		next *string
	)
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		keys := policy.Context{}
		keys.Set("organizations:TransferType", typ)
		keys.Set("organizations:TransferDirection", map[bool]string{true: "inbound", false: "outbound"}[inbound])
		if err := s.authorize(ctx, r, c, o, action, "*", true, keys); err != nil {
			return err
		}
		var ids []string
		if inbound {
			page, err := r.List(ctx, store.ListQuery{Account: c.Account(), Kind: KindTransfer})
			if err != nil {
				return err
			}
			for _, e := range page.Entities {
				ids = append(ids, e.Name)
			}
		} else {
			links, err := r.Links(ctx, store.LinkQuery{Account: c.Account(), Kind: LinkTransferParty, From: c.Account()})
			if err != nil {
				return err
			}
			for _, l := range links {
				ids = append(ids, l.To)
			}
		}
		if id != nil && !slices.Contains(ids, *id) {
			return errTransferNotFound()
		}
		all := []orgtypes.ResponsibilityTransfer{}
		now := s.now()
		for _, x := range ids {
			_, t, err := transferLoad(ctx, r, c, x)
			if ae, ok := awserr.As(err); ok && ae.Code == "ResponsibilityTransferNotFoundException" {
				continue // its inviting organization was deleted
			}
			if err != nil {
				return err
			}
			if t.Type == typ && (id == nil || t.ID == *id) {
				all = append(all, t.shape(c.Account(), now))
			}
		}
		out, next, err = pageOf(all, token, max)
		return err
	})
	return out, next, err
}

// ListInboundResponsibilityTransfers lists the transfers that let the caller's management account manage a
// responsibility for another organization.
func (s *Service) ListInboundResponsibilityTransfers(ctx context.Context, c *iam.Caller, in *orgtypes.ListInboundResponsibilityTransfersRequest) (*orgtypes.ListInboundResponsibilityTransfersResponse, error) {
	list, next, err := s.transferList(ctx, c, "organizations:ListInboundResponsibilityTransfers", true, string(in.Type), in.Id, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &orgtypes.ListInboundResponsibilityTransfersResponse{ResponsibilityTransfers: list, NextToken: next}, nil
}

// ListOutboundResponsibilityTransfers lists the transfers that let an account outside the caller's organization
// manage a responsibility for it.
func (s *Service) ListOutboundResponsibilityTransfers(ctx context.Context, c *iam.Caller, in *orgtypes.ListOutboundResponsibilityTransfersRequest) (*orgtypes.ListOutboundResponsibilityTransfersResponse, error) {
	list, next, err := s.transferList(ctx, c, "organizations:ListOutboundResponsibilityTransfers", false, string(in.Type), nil, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &orgtypes.ListOutboundResponsibilityTransfersResponse{ResponsibilityTransfers: list, NextToken: next}, nil
}
