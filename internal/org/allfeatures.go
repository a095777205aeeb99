package org

import (
	"context"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Enabling all features in an organization created for consolidated billing (EnableAllFeatures), as the API
// reference and the Organizations User Guide describe it:
//
//  1. The management account calls EnableAllFeatures. It answers the organization's ENABLE_ALL_FEATURES handshake
//     (state REQUESTED, one party: the organization), and every member account that joined by invitation gets an
//     ENABLE_ALL_FEATURES handshake of its own (REQUESTED, its parent the organization's handshake). Accounts that
//     CreateAccount made agreed when they were created and get none.
//  2. Each invited member accepts (or declines) its handshake with AcceptHandshake (DeclineHandshake).
//  3. When all have accepted, the organization's handshake is OPEN and the management account gets an
//     APPROVE_ALL_FEATURES handshake (REQUESTED). Accepting either finalizes: the organization has all features.
//     With no invited member, step 3 follows step 1 at once.
//
// While the change is in progress (the organization's handshake REQUESTED or OPEN and not expired), no invitation
// can be sent (INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES) and EnableAllFeatures is refused
// (ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION). Canceling any handshake of the change cancels the whole
// of it; a member or the management account declining ends it (the organization's handshake is DECLINED). Policy
// types stay as they are: the management account enables them with EnablePolicyType afterwards.

const (
	actionEnableAll  = string(orgtypes.ActionTypeENABLEALLFEATURES)
	actionApproveAll = string(orgtypes.ActionTypeAPPROVEALLFEATURES)
)

// allFeaturesShape is the API's Handshake for the handshakes of enabling all features, as the API reference's
// EnableAllFeatures example shows the organization's.
func (h *handshakeRecord) allFeaturesShape(now time.Time) orgtypes.Handshake {
	state := orgtypes.HandshakeState(h.state(now))
	action := orgtypes.ActionType(h.action())
	out := orgtypes.Handshake{Id: ptr(h.ID), Arn: ptr(h.arn()), State: &state, Action: &action,
		Parties:            []orgtypes.HandshakeParty{{Id: h.OrgID, Type: orgtypes.HandshakePartyTypeORGANIZATION}},
		Resources:          []orgtypes.HandshakeResource{hsResource(orgtypes.HandshakeResourceTypeORGANIZATION, h.OrgID)},
		RequestedTimestamp: stamp(h.Requested), ExpirationTimestamp: stamp(h.Expires)}
	if h.Parent != "" {
		out.Parties = append(out.Parties, orgtypes.HandshakeParty{Id: h.Account, Type: orgtypes.HandshakePartyTypeACCOUNT})
		out.Resources = append(out.Resources, hsResource(orgtypes.HandshakeResourceTypeACCOUNT, h.Account),
			hsResource(orgtypes.HandshakeResourceTypePARENTHANDSHAKE, h.Parent))
	}
	return out
}

// allFeaturesPending returns the organization's ENABLE_ALL_FEATURES handshake while the change is in progress, nil
// when none is.
func (s *Service) allFeaturesPending(ctx context.Context, r store.Reader, o *Organization) (*handshakeRecord, error) {
	all, err := hsList(ctx, r, o.Management)
	if err != nil {
		return nil, err
	}
	now := s.now()
	for _, h := range all {
		if h.action() == actionEnableAll && h.Parent == "" {
			if st := h.state(now); st == "REQUESTED" || st == "OPEN" {
				return h, nil
			}
		}
	}
	return nil, nil
}

// hsInsert stores a new handshake and, when it has a recipient account, the link by which that account finds it.
func hsInsert(ctx context.Context, tx store.Tx, h *handshakeRecord) error {
	if err := tx.Insert(ctx, &store.Entity{Account: h.Management, Kind: KindHandshake, Name: h.ID, ID: h.ID, Path: "/",
		ARN: h.arn(), Created: h.Requested, Data: encode(h)}); err != nil {
		return err
	}
	if h.Account == "" {
		return nil
	}
	return tx.Link(ctx, store.Link{Account: h.Account, Kind: LinkHandshakeParty, From: h.Account, To: h.ID, Created: h.Requested})
}

// allFeaturesHandshake is a new handshake of the change, sent by o's management account to account ("" for the
// organization's own).
func (s *Service) allFeaturesHandshake(o *Organization, action, parent, account string) *handshakeRecord {
	now := s.now()
	return &handshakeRecord{ID: newHandshakeID(), Action: action, Parent: parent, OrgID: o.ID, Management: o.Management, Partition: o.Partition,
		ManagementEmail: o.ManagementEmail, FeatureSet: o.FeatureSet, Account: account, State: "REQUESTED",
		Requested: now, Expires: now.Add(hsLifetime)}
}

// EnableAllFeatures starts enabling all features in a consolidated-billing organization; only the management account
// may call it.
func (s *Service) EnableAllFeatures(ctx context.Context, c *iam.Caller, _ *orgtypes.EnableAllFeaturesRequest) (*orgtypes.EnableAllFeaturesResponse, error) {
	var parent *handshakeRecord
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:EnableAllFeatures", "*", true); err != nil {
			return err
		}
		if o.FeatureSet == "ALL" {
			return hsErrConstraint("ORGANIZATION_ALREADY_HAS_ALL_FEATURES", "All features are already enabled on this organization.")
		}
		if pending, err := s.allFeaturesPending(ctx, tx, o); err != nil {
			return err
		} else if pending != nil {
			return hsErrConstraint("ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION", "The handshake request is invalid because the organization has already started the process to enable all features.")
		}
		parent = s.allFeaturesHandshake(o, actionEnableAll, "", "")
		if err := hsInsert(ctx, tx, parent); err != nil {
			return err
		}
		page, err := tx.List(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			a, err := decode[Account](e)
			if err != nil {
				return err
			}
			if a.ID == o.Management || a.JoinedMethod != "INVITED" || acctClosing(a) {
				continue
			}
			if err := hsInsert(ctx, tx, s.allFeaturesHandshake(o, actionEnableAll, parent.ID, a.ID)); err != nil {
				return err
			}
		}
		return s.allFeaturesAdvance(ctx, tx, o, parent)
	}, func() *orgtypes.EnableAllFeaturesResponse {
		out := parent.shape(s.now())
		return &orgtypes.EnableAllFeaturesResponse{Handshake: &out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// allFeaturesChildren returns the handshakes of the change whose parent is the organization's handshake.
func allFeaturesChildren(ctx context.Context, r store.Reader, parent *handshakeRecord) ([]*handshakeRecord, error) {
	all, err := hsList(ctx, r, parent.Management)
	if err != nil {
		return nil, err
	}
	var out []*handshakeRecord
	for _, h := range all {
		if h.Parent == parent.ID {
			out = append(out, h)
		}
	}
	return out, nil
}

// allFeaturesAdvance opens the organization's handshake and sends the management account its APPROVE_ALL_FEATURES
// handshake once every member has accepted.
func (s *Service) allFeaturesAdvance(ctx context.Context, tx store.Tx, o *Organization, parent *handshakeRecord) error {
	children, err := allFeaturesChildren(ctx, tx, parent)
	if err != nil {
		return err
	}
	for _, h := range children {
		if h.action() == actionEnableAll && h.State != "ACCEPTED" {
			return nil
		}
	}
	parent.State = "OPEN"
	if err := hsSave(ctx, tx, parent); err != nil {
		return err
	}
	return hsInsert(ctx, tx, s.allFeaturesHandshake(o, actionApproveAll, parent.ID, o.Management))
}

// allFeaturesRespond runs AcceptHandshake and DeclineHandshake on a handshake of the change: a member answers its
// ENABLE_ALL_FEATURES handshake, the management account its APPROVE_ALL_FEATURES handshake or the organization's
// OPEN one.
func (s *Service) allFeaturesRespond(ctx context.Context, tx store.Tx, o *Organization, c *iam.Caller, h *handshakeRecord, state string) error {
	organizations := h.action() == actionEnableAll && h.Parent == ""
	recipient := h.Account
	if organizations {
		recipient = h.Management
	}
	if c.Account() != recipient {
		return errAccessDenied()
	}
	want := "REQUESTED"
	if organizations {
		want = "OPEN" // the management account finalizes once every member accepted
		if state == "DECLINED" {
			want = "" // the sender cancels its request; it does not decline it
		}
	}
	now := s.now()
	if have := h.state(now); have != want {
		return hsErrState(have, state)
	}
	parent := h
	if !organizations {
		e, err := tx.GetByID(ctx, h.Parent)
		if err != nil {
			return err
		}
		if parent, err = decode[handshakeRecord](e); err != nil {
			return err
		}
		if st := parent.state(now); st != "REQUESTED" && st != "OPEN" {
			return hsErrState(st, state)
		}
	}
	h.State = state
	if err := hsSave(ctx, tx, h); err != nil {
		return err
	}
	switch {
	case state == "DECLINED":
		if parent.ID != h.ID {
			parent.State = "DECLINED"
			return hsSave(ctx, tx, parent)
		}
		return nil
	case h.action() == actionEnableAll && !organizations:
		return s.allFeaturesAdvance(ctx, tx, o, parent)
	}
	// finalizing: the organization's handshake and the approval are both accepted, the organization has all features
	children, err := allFeaturesChildren(ctx, tx, parent)
	if err != nil {
		return err
	}
	for _, x := range append(children, parent) {
		if x.action() == actionApproveAll || x == parent {
			if x.ID != h.ID {
				x.State = "ACCEPTED"
				if err := hsSave(ctx, tx, x); err != nil {
					return err
				}
			}
		}
	}
	o.FeatureSet = "ALL"
	return saveOrg(ctx, tx, o)
}

// allFeaturesCancel cancels the change a handshake belongs to: the organization's handshake and every one of its
// children still waiting for an answer.
func (s *Service) allFeaturesCancel(ctx context.Context, tx store.Tx, h *handshakeRecord) error {
	parent := h
	if h.Parent != "" {
		e, err := tx.GetByID(ctx, h.Parent)
		if err != nil {
			return err
		}
		if parent, err = decode[handshakeRecord](e); err != nil {
			return err
		}
	}
	now := s.now()
	if st := parent.state(now); st != "REQUESTED" && st != "OPEN" {
		return hsErrState(h.state(now), "CANCELED")
	}
	children, err := allFeaturesChildren(ctx, tx, parent)
	if err != nil {
		return err
	}
	for _, x := range append(children, parent) {
		if st := x.state(now); st == "REQUESTED" || st == "OPEN" {
			x.State = "CANCELED"
			if err := hsSave(ctx, tx, x); err != nil {
				return err
			}
		}
		if x.ID == h.ID {
			h.State = x.State
		}
	}
	return nil
}
