package org

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Handshakes: invitations to join an organization (InviteAccountToOrganization) and the invited account's answer
// (AcceptHandshake, DeclineHandshake), the management account's cancellation, and reading them.
//
// A handshake is stored in the management account's namespace (KindHandshake, named and ID'd by its h-... ID).
// When iamd holds the invited account, a LinkHandshakeParty link in that account's namespace points at it, so the
// account finds its invitations. An invitation to an account iamd does not hold, or to an email address that names
// none of its accounts, is created as AWS creates any invitation (AWS does not reveal whether an account or address
// exists); it stays open until it expires or is canceled, since no account can accept it. iamd accounts have no
// email address of their own but the one Organizations gives them, account-ID@example.com, so an EMAIL target of that
// form names that account.

// hsLifetime is how long an invitation stays open (AWS: 15 days).
const hsLifetime = 15 * 24 * time.Hour

// handshakeRecord is a stored handshake.
type handshakeRecord struct {
	ID string `json:"id"`
	// Action is INVITE (written as "" by older records), ENABLE_ALL_FEATURES or APPROVE_ALL_FEATURES (allfeatures.go),
	// or TRANSFER_RESPONSIBILITY (transfers.go).
	Action string `json:"action,omitempty"`
	// Parent is, for the ENABLE_ALL_FEATURES handshake of a member account and for APPROVE_ALL_FEATURES, the
	// organization's ENABLE_ALL_FEATURES handshake.
	Parent     string `json:"parent,omitempty"`
	OrgID      string `json:"orgId"`
	Management string `json:"management"`
	// Partition is the organization's partition (Organization.Partition); empty is aws.
	Partition       awsregion.Partition `json:"partition,omitempty"`
	ManagementEmail string              `json:"managementEmail"`
	ManagementName  string              `json:"managementName"`
	FeatureSet      string              `json:"featureSet"`
	TargetType      string              `json:"targetType"` // ACCOUNT or EMAIL
	TargetID        string              `json:"targetId"`
	Account         string              `json:"account,omitempty"` // the iamd account the target names, "" when none
	State           string              `json:"state"`             // REQUESTED, OPEN, ACCEPTED, DECLINED, CANCELED (EXPIRED is computed)
	Requested       time.Time           `json:"requested"`
	Expires         time.Time           `json:"expires"`
	Notes           string              `json:"notes,omitempty"`
	Tags            []Tag               `json:"tags,omitempty"`
	// Transfer, TransferType and TransferStart are, for TRANSFER_RESPONSIBILITY, the transfer it invites to
	// (transfers.go).
	Transfer      string    `json:"transfer,omitempty"`
	TransferType  string    `json:"transferType,omitempty"`
	TransferStart time.Time `json:"transferStart,omitzero"`
}

// state is the handshake's state at now: a handshake still waiting for an answer past its expiration is EXPIRED.
func (h *handshakeRecord) state(now time.Time) string {
	if (h.State == "OPEN" || h.State == "REQUESTED") && !now.Before(h.Expires) {
		return "EXPIRED"
	}
	return h.State
}

// action is the handshake's action type.
func (h *handshakeRecord) action() string {
	if h.Action == "" {
		return string(orgtypes.ActionTypeINVITE)
	}
	return h.Action
}

func (h *handshakeRecord) arn() string {
	return handshakeARN(h.Partition, h.Management, h.OrgID, typeSegment(h.action()), h.ID)
}

func hsResource(t orgtypes.HandshakeResourceType, v string) orgtypes.HandshakeResource {
	return orgtypes.HandshakeResource{Type: &t, Value: ptr(v)}
}

// shape is the API's Handshake, as the API reference's examples show an invitation.
func (h *handshakeRecord) shape(now time.Time) orgtypes.Handshake {
	switch h.action() {
	case string(orgtypes.ActionTypeINVITE):
	case actionTransfer:
		return h.transferShape(now)
	default:
		return h.allFeaturesShape(now)
	}
	state := orgtypes.HandshakeState(h.state(now))
	action := orgtypes.ActionTypeINVITE
	res := hsResource
	orgRes := res(orgtypes.HandshakeResourceTypeORGANIZATION, h.OrgID)
	orgRes.Resources = []orgtypes.HandshakeResource{
		res(orgtypes.HandshakeResourceTypeMASTEREMAIL, h.ManagementEmail),
		res(orgtypes.HandshakeResourceTypeMASTERNAME, h.ManagementName),
		res(orgtypes.HandshakeResourceTypeORGANIZATIONFEATURESET, h.FeatureSet),
	}
	resources := []orgtypes.HandshakeResource{orgRes, res(orgtypes.HandshakeResourceType(h.TargetType), h.TargetID)}
	if h.Notes != "" {
		resources = append(resources, res(orgtypes.HandshakeResourceTypeNOTES, h.Notes))
	}
	return orgtypes.Handshake{Id: ptr(h.ID), Arn: ptr(h.arn()), State: &state, Action: &action,
		Parties: []orgtypes.HandshakeParty{
			{Id: h.OrgID, Type: orgtypes.HandshakePartyTypeORGANIZATION},
			{Id: h.TargetID, Type: orgtypes.HandshakePartyType(h.TargetType)},
		},
		RequestedTimestamp: stamp(h.Requested), ExpirationTimestamp: stamp(h.Expires),
		Resources: resources}
}

// Errors of the handshake operations. Unconfirmed: the messages are the API reference's descriptions of the
// exceptions; no live response text could be found.
func hsErrNotFound() error {
	return &awserr.Error{Code: "HandshakeNotFoundException", HTTPStatus: 400,
		Message: "We can't find a handshake with the HandshakeId that you specified."}
}

func hsErrConstraint(reason, message string) error {
	return &awserr.Error{Code: "HandshakeConstraintViolationException", HTTPStatus: 400, Message: message, Reason: reason}
}

func hsErrAlreadyInOrg() error {
	return hsErrConstraint("ALREADY_IN_AN_ORGANIZATION", "The handshake request is invalid because the invited account is already a member of an organization.")
}

func hsErrAccountLimit() error {
	return hsErrConstraint("ACCOUNT_NUMBER_LIMIT_EXCEEDED", "You attempted to exceed the limit on the number of accounts in an organization.")
}

// hsErrState answers a transition to want from a handshake in state have.
func hsErrState(have, want string) error {
	if have == want {
		return &awserr.Error{Code: "HandshakeAlreadyInStateException", HTTPStatus: 400,
			Message: "The specified handshake is already in the requested state. For example, you can't accept a handshake that was already accepted."}
	}
	return &awserr.Error{Code: "InvalidHandshakeTransitionException", HTTPStatus: 400,
		Message: "You can't perform the operation on the handshake in its current state. For example, you can't cancel a handshake that was already accepted or accept a handshake that was already declined."}
}

var (
	hsAccountID    = regexp.MustCompile(`^\d{12}$`)
	hsDefaultEmail = regexp.MustCompile(`(?i)^account-(\d{12})@example\.com$`)
)

// hsTarget checks an invitation's target and returns the iamd account it names, "" when none.
func (s *Service) hsTarget(ctx context.Context, r store.Reader, t *orgtypes.HandshakeParty) (string, error) {
	var acct string
	switch t.Type {
	case orgtypes.HandshakePartyTypeACCOUNT:
		if !hsAccountID.MatchString(t.Id) {
			// Unconfirmed message: the reason is the API reference's INVALID_PARTY_TYPE_TARGET.
			return "", acctErrInvalidInput("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type for the invitation target.")
		}
		acct = t.Id
	case orgtypes.HandshakePartyTypeEMAIL:
		at := strings.LastIndexByte(t.Id, '@')
		if at < 1 || at == len(t.Id)-1 || strings.ContainsAny(t.Id, " \t\r\n") {
			// Unconfirmed message: the reason is the API reference's INVALID_EMAIL_ADDRESS_TARGET.
			return "", acctErrInvalidInput("INVALID_EMAIL_ADDRESS_TARGET", "You specified an invalid email address for the invited account owner.")
		}
		if m := hsDefaultEmail.FindStringSubmatch(t.Id); m != nil {
			acct = m[1]
		}
	default:
		return "", acctErrInvalidInput("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type for the invitation target.")
	}
	if acct == "" {
		return "", nil
	}
	ok, err := s.iam.AccountExists(ctx, r, acct)
	if err != nil || !ok {
		return "", err
	}
	return acct, nil
}

// hsList returns the organization's handshakes.
func hsList(ctx context.Context, r store.Reader, mgmt string) ([]*handshakeRecord, error) {
	page, err := r.List(ctx, store.ListQuery{Account: mgmt, Kind: KindHandshake})
	if err != nil {
		return nil, err
	}
	out := make([]*handshakeRecord, 0, len(page.Entities))
	for _, e := range page.Entities {
		h, err := decode[handshakeRecord](e)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// hsOpenInvites counts o's open invitations.
func (s *Service) hsOpenInvites(ctx context.Context, r store.Reader, o *Organization) (int, []*handshakeRecord, error) {
	all, err := hsList(ctx, r, o.Management)
	if err != nil {
		return 0, nil, err
	}
	now := s.now()
	n := 0
	for _, h := range all {
		if h.action() == string(orgtypes.ActionTypeINVITE) && h.state(now) == "OPEN" {
			n++
		}
	}
	return n, all, nil
}

// InviteAccountToOrganization sends an invitation to join the caller's organization; only the management account
// may call it. Open invitations count toward the organization's account quota, as AWS counts them.
func (s *Service) InviteAccountToOrganization(ctx context.Context, c *iam.Caller, in *orgtypes.InviteAccountToOrganizationRequest) (*orgtypes.InviteAccountToOrganizationResponse, error) {
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
		// The Service Authorization Reference names the invited account as the resource.
		resource := "*"
		if in.Target.Type == orgtypes.HandshakePartyTypeACCOUNT {
			resource = accountARN(o.Partition, o.Management, o.ID, in.Target.Id)
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:InviteAccountToOrganization", resource, true); err != nil {
			return err
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
		if acct != "" {
			// An account of another partition does not exist in the organization's: the invitation reaches nobody,
			// as one to an ID iamd does not hold.
			if p, err := s.iam.AccountPartition(ctx, tx, acct); err != nil {
				return err
			} else if p.String() != o.Partition.String() {
				acct = ""
			}
		}
		if acct != "" {
			if m, err := membership(ctx, tx, acct); err != nil {
				return err
			} else if m != nil {
				return hsErrAlreadyInOrg()
			}
		}
		open, all, err := s.hsOpenInvites(ctx, tx, o)
		if err != nil {
			return err
		}
		now := s.now()
		if pending, err := s.allFeaturesPending(ctx, tx, o); err != nil {
			return err
		} else if pending != nil {
			return hsErrConstraint("INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES", "You can't issue new invitations to join an organization while it's in the process of enabling all features. You can resume inviting accounts after you finalize the process when all accounts have agreed to the change.")
		}
		for _, x := range all {
			if x.action() == string(orgtypes.ActionTypeINVITE) && x.state(now) == "OPEN" && x.TargetType == string(in.Target.Type) && strings.EqualFold(x.TargetID, in.Target.Id) {
				// Unconfirmed: the API reference's description of DuplicateHandshakeException.
				return &awserr.Error{Code: "DuplicateHandshakeException", HTTPStatus: 400,
					Message: "A handshake with the same action and target already exists."}
			}
		}
		members, err := tx.Count(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount})
		if err != nil {
			return err
		}
		if members+open >= s.maxAccounts() {
			return hsErrAccountLimit()
		}
		mgmtName := o.Management
		if _, ma, err := acctLoad(ctx, tx, o, o.Management); err == nil {
			mgmtName = ma.Name
		} else if _, ok := awserr.As(err); !ok {
			return err
		}
		h = &handshakeRecord{ID: newHandshakeID(), OrgID: o.ID, Management: o.Management, Partition: o.Partition, ManagementEmail: o.ManagementEmail,
			ManagementName: mgmtName, FeatureSet: o.FeatureSet, TargetType: string(in.Target.Type), TargetID: in.Target.Id,
			Account: acct, State: "OPEN", Requested: now, Expires: now.Add(hsLifetime), Tags: tags}
		if in.Notes != nil {
			h.Notes = *in.Notes
		}
		if err := tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindHandshake, Name: h.ID, ID: h.ID, Path: "/",
			ARN: h.arn(), Created: now, Data: encode(h)}); err != nil {
			return err
		}
		if acct != "" {
			return tx.Link(ctx, store.Link{Account: acct, Kind: LinkHandshakeParty, From: acct, To: h.ID, Created: now})
		}
		return nil
	}, func() *orgtypes.InviteAccountToOrganizationResponse {
		out := h.shape(s.now())
		return &orgtypes.InviteAccountToOrganizationResponse{Handshake: &out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// hsLoad returns a handshake the caller's account takes part in, as the organization's management account
// (originator) or as the invited account; HandshakeNotFoundException for any other.
func hsLoad(ctx context.Context, r store.Reader, c *iam.Caller, id string) (*handshakeRecord, bool, error) {
	e, err := r.GetByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && e.Kind != KindHandshake) {
		return nil, false, hsErrNotFound()
	}
	if err != nil {
		return nil, false, err
	}
	h, err := decode[handshakeRecord](e)
	if err != nil {
		return nil, false, err
	}
	switch c.Account() {
	case h.Management:
		return h, true, nil
	case h.Account:
		return h, false, nil
	}
	return nil, false, hsErrNotFound()
}

// hsSave stores a changed handshake.
func hsSave(ctx context.Context, tx store.Tx, h *handshakeRecord) error {
	e, err := tx.GetByID(ctx, h.ID)
	if err != nil {
		return err
	}
	e.Data = encode(h)
	return tx.Update(ctx, e)
}

// hsOrg returns the organization that sent a handshake; HandshakeNotFoundException when it no longer exists.
func hsOrg(ctx context.Context, r store.Reader, h *handshakeRecord) (*Organization, error) {
	o, err := loadOrg(ctx, r, h.Management)
	if errors.Is(err, store.ErrNotFound) || (err == nil && o.ID != h.OrgID) {
		return nil, hsErrNotFound()
	}
	return o, err
}

// hsRespond runs AcceptHandshake and DeclineHandshake: the invited account moves an open handshake to state.
func (s *Service) hsRespond(ctx context.Context, c *iam.Caller, id, action, state string) (*handshakeRecord, error) {
	var h *handshakeRecord
	err := s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		var (
			originator bool
			err        error
		)
		if h, originator, err = hsLoad(ctx, tx, c, id); err != nil {
			return err
		}
		o, err := hsOrg(ctx, tx, h)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, action, h.arn(), false); err != nil {
			return err
		}
		switch h.action() {
		case string(orgtypes.ActionTypeINVITE):
		case actionTransfer:
			return s.transferRespond(ctx, tx, c, h, originator, state)
		default:
			return s.allFeaturesRespond(ctx, tx, o, c, h, state)
		}
		if originator {
			return errAccessDenied() // only the invited account answers an invitation
		}
		now := s.now()
		if have := h.state(now); have != "OPEN" {
			return hsErrState(have, state)
		}
		if state == "ACCEPTED" {
			if m, err := membership(ctx, tx, h.Account); err != nil {
				return err
			} else if m != nil {
				return hsErrAlreadyInOrg()
			}
			members, err := tx.Count(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount})
			if err != nil {
				return err
			}
			if members >= s.maxAccounts() {
				return hsErrAccountLimit()
			}
			email := defaultEmail(h.Account)
			if h.TargetType == string(orgtypes.HandshakePartyTypeEMAIL) {
				email = h.TargetID
			}
			if err := s.join(ctx, tx, o, Account{ID: h.Account, Name: h.Account, Email: email, Status: "ACTIVE",
				JoinedMethod: "INVITED", Joined: now, Tags: h.Tags}, o.RootID); err != nil {
				return err
			}
		}
		h.State = state
		return hsSave(ctx, tx, h)
	})
	return h, err
}

// AcceptHandshake accepts an invitation: the caller's account joins the organization under its root, with the
// default policies of every enabled policy type.
func (s *Service) AcceptHandshake(ctx context.Context, c *iam.Caller, in *orgtypes.AcceptHandshakeRequest) (*orgtypes.AcceptHandshakeResponse, error) {
	h, err := s.hsRespond(ctx, c, in.HandshakeId, "organizations:AcceptHandshake", "ACCEPTED")
	if err != nil {
		return nil, err
	}
	out := h.shape(s.now())
	return &orgtypes.AcceptHandshakeResponse{Handshake: &out}, nil
}

// DeclineHandshake declines an invitation.
func (s *Service) DeclineHandshake(ctx context.Context, c *iam.Caller, in *orgtypes.DeclineHandshakeRequest) (*orgtypes.DeclineHandshakeResponse, error) {
	h, err := s.hsRespond(ctx, c, in.HandshakeId, "organizations:DeclineHandshake", "DECLINED")
	if err != nil {
		return nil, err
	}
	out := h.shape(s.now())
	return &orgtypes.DeclineHandshakeResponse{Handshake: &out}, nil
}

// CancelHandshake cancels an open invitation; only the management account that sent it may.
func (s *Service) CancelHandshake(ctx context.Context, c *iam.Caller, in *orgtypes.CancelHandshakeRequest) (*orgtypes.CancelHandshakeResponse, error) {
	var h *handshakeRecord
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		var (
			originator bool
			err        error
		)
		if h, originator, err = hsLoad(ctx, tx, c, in.HandshakeId); err != nil {
			return err
		}
		o, err := hsOrg(ctx, tx, h)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:CancelHandshake", h.arn(), true); err != nil {
			return err
		}
		if !originator {
			return errAccessDenied()
		}
		switch h.action() {
		case string(orgtypes.ActionTypeINVITE):
		case actionTransfer:
			return s.transferCancel(ctx, tx, h)
		default:
			return s.allFeaturesCancel(ctx, tx, h)
		}
		if have := h.state(s.now()); have != "OPEN" {
			return hsErrState(have, "CANCELED")
		}
		h.State = "CANCELED"
		return hsSave(ctx, tx, h)
	}, func() *orgtypes.CancelHandshakeResponse {
		out := h.shape(s.now())
		return &orgtypes.CancelHandshakeResponse{Handshake: &out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// DescribeHandshake describes a handshake to either party.
func (s *Service) DescribeHandshake(ctx context.Context, c *iam.Caller, in *orgtypes.DescribeHandshakeRequest) (*orgtypes.DescribeHandshakeResponse, error) {
	var h *handshakeRecord
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		if h, _, err = hsLoad(ctx, r, c, in.HandshakeId); err != nil {
			return err
		}
		o, err := hsOrg(ctx, r, h)
		if err != nil {
			return err
		}
		return s.authorize(ctx, r, c, o, "organizations:DescribeHandshake", h.arn(), false)
	})
	if err != nil {
		return nil, err
	}
	out := h.shape(s.now())
	return &orgtypes.DescribeHandshakeResponse{Handshake: &out}, nil
}

// hsFilter checks a HandshakeFilter (at most one of its members) and reports whether a handshake passes it.
func hsFilter(f *orgtypes.HandshakeFilter) (func(*handshakeRecord) bool, error) {
	if f == nil || (f.ActionType == nil && f.ParentHandshakeId == nil) {
		return func(*handshakeRecord) bool { return true }, nil
	}
	if f.ActionType != nil && f.ParentHandshakeId != nil {
		// Unconfirmed message: the reason is the API reference's MAX_LIMIT_EXCEEDED_FILTER.
		return nil, acctErrInvalidInput("MAX_LIMIT_EXCEEDED_FILTER", "You can specify only one filter parameter for the operation.")
	}
	if f.ActionType != nil {
		return func(h *handshakeRecord) bool { return h.action() == string(*f.ActionType) }, nil
	}
	return func(h *handshakeRecord) bool { return h.Parent != "" && h.Parent == *f.ParentHandshakeId }, nil
}

// hsPage returns the handshakes after the token's ID, at most max of them, and the next token.
func (s *Service) hsPage(list []*handshakeRecord, keep func(*handshakeRecord) bool, token *string, max *int32) ([]orgtypes.Handshake, *string, error) {
	after, limit, err := acctPageArgs(token, max, acctDefaultPage)
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	now := s.now()
	out := []orgtypes.Handshake{}
	for i, h := range list {
		if h.ID <= after || !keep(h) {
			continue
		}
		out = append(out, h.shape(now))
		if len(out) == limit && i < len(list)-1 {
			return out, acctNextToken(h.ID), nil
		}
	}
	return out, nil, nil
}

// ListHandshakesForAccount lists the invitations the caller's account received; any account may call it, in an
// organization or not.
func (s *Service) ListHandshakesForAccount(ctx context.Context, c *iam.Caller, in *orgtypes.ListHandshakesForAccountRequest) (*orgtypes.ListHandshakesForAccountResponse, error) {
	keep, err := hsFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	var out orgtypes.ListHandshakesForAccountResponse
	err = s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := accessDeniedException(s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "organizations:ListHandshakesForAccount",
			Resource: "*", ResourceOwner: c.Account()})); err != nil {
			return err
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: c.Account(), Kind: LinkHandshakeParty, From: c.Account()})
		if err != nil {
			return err
		}
		var list []*handshakeRecord
		for _, l := range links {
			e, err := r.GetByID(ctx, l.To)
			if errors.Is(err, store.ErrNotFound) {
				continue // its organization was deleted
			}
			if err != nil {
				return err
			}
			h, err := decode[handshakeRecord](e)
			if err != nil {
				return err
			}
			list = append(list, h)
		}
		out.Handshakes, out.NextToken, err = s.hsPage(list, keep, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListHandshakesForOrganization lists the handshakes the organization sent; the management account and delegated
// administrators may call it.
func (s *Service) ListHandshakesForOrganization(ctx context.Context, c *iam.Caller, in *orgtypes.ListHandshakesForOrganizationRequest) (*orgtypes.ListHandshakesForOrganizationResponse, error) {
	keep, err := hsFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	var out orgtypes.ListHandshakesForOrganizationResponse
	err = s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListHandshakesForOrganization", "*", true); err != nil {
			return err
		}
		list, err := hsList(ctx, r, o.Management)
		if err != nil {
			return err
		}
		out.Handshakes, out.NextToken, err = s.hsPage(list, keep, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
