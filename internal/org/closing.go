package org

import (
	"context"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Closing member accounts (CloseAccount).
//
// AWS closes an account in the background: DescribeAccount shows it PENDING_CLOSURE (Status and State) for a few
// minutes, then closed: Status SUSPENDED and State CLOSED, for the 90 days in which AWS Support can still reopen it.
// iamd records when the closure was requested and computes the rest from the service's clock: an account is
// PENDING_CLOSURE for ClosureDelay (DefaultClosureDelay, one minute, unless Options say otherwise), then closed. The
// account stays a member until the management account removes it (RemoveAccountFromOrganization, which a closing
// or closed account passes without the standalone-account requirement); iamd does not remove it after 90 days.
//
// A closing or closed account is suspended: from the moment CloseAccount succeeds, no credential of the account
// (its root user's and IAM users' access keys, its sessions) authenticates any request. View reports the account
// Closed, and the IAM service treats its credentials as unknown (InvalidClientTokenId).
//
// AWS limits closures to the higher of 250 and 20% of the organization's member accounts, at most 1,000, within a
// rolling 30 days (the CloseAccount API reference; older versions said 10%, between 10 and 1,000). The quota counts
// CloseAccount requests, whether their accounts have left the organization since or not.

// DefaultClosureDelay is how long a closing account is PENDING_CLOSURE before it is closed.
const DefaultClosureDelay = time.Minute

// closeWindow is the rolling period of the closure quota.
const closeWindow = 30 * 24 * time.Hour

// Account statuses and states as the API writes them.
const (
	statusActive         = "ACTIVE"
	statusPendingClosure = "PENDING_CLOSURE"
	statusSuspended      = "SUSPENDED"
	stateClosed          = "CLOSED"
)

// closeQuota is how many accounts an organization with members member accounts (the management account not
// counted) may close in a rolling 30 days.
func closeQuota(members int) int {
	return min(1000, max(250, members*20/100))
}

func (s *Service) closureDelay() time.Duration {
	if s.ClosureDelay > 0 {
		return s.ClosureDelay
	}
	return DefaultClosureDelay
}

// acctStatus returns an account's Status and State at now.
func (s *Service) acctStatus(a *Account, now time.Time) (status, state string) {
	if a.ClosureRequested.IsZero() {
		return a.Status, a.Status
	}
	if now.Before(a.ClosureRequested.Add(s.closureDelay())) {
		return statusPendingClosure, statusPendingClosure
	}
	return statusSuspended, stateClosed
}

// acctClosing reports whether CloseAccount was called for the account (it is closing or closed).
func acctClosing(a *Account) bool { return !a.ClosureRequested.IsZero() }

// Errors of CloseAccount. The messages are the API reference's descriptions of the exceptions and reasons; AWS's
// live texts are unconfirmed.
func errNotAllFeatures() error {
	return errConstraint("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE", "You attempted to perform an operation that requires the organization to be configured to support all features. An organization that supports only consolidated billing features can't perform this operation.")
}

func errAlreadyClosed() error {
	return &awserr.Error{Code: "AccountAlreadyClosedException", HTTPStatus: 400, Message: "You attempted to close an account that is already closed."}
}

func errClosureInProgress() error {
	return &awserr.Error{Code: "ConflictException", HTTPStatus: 400, Message: "The request failed because it conflicts with the current state of the specified resource."}
}

// CloseAccount closes a member account: it is PENDING_CLOSURE at once and closed after the closure delay. Only the
// management account may call it, in an organization with all features, and not for itself.
func (s *Service) CloseAccount(ctx context.Context, c *iam.Caller, in *orgtypes.CloseAccountRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:CloseAccount", accountARN(o.Partition, o.Management, o.ID, in.AccountId), true); err != nil {
			return err
		}
		if o.FeatureSet != "ALL" {
			return errNotAllFeatures()
		}
		e, a, err := acctLoad(ctx, tx, o, in.AccountId)
		if err != nil {
			return err
		}
		if a.ID == o.Management {
			return errConstraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization. Follow standard account closure process using root credentials.")
		}
		now := s.now()
		if acctClosing(a) {
			if status, _ := s.acctStatus(a, now); status == statusPendingClosure {
				return errClosureInProgress()
			}
			return errAlreadyClosed()
		}
		members, err := tx.Count(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount})
		if err != nil {
			return err
		}
		quota := s.CloseAccountQuota
		if quota <= 0 {
			quota = closeQuota(members - 1)
		}
		recent := o.Closures[:0]
		for _, t := range o.Closures {
			if now.Sub(t) < closeWindow {
				recent = append(recent, t)
			}
		}
		if len(recent) >= quota {
			return errConstraint("CLOSE_ACCOUNT_QUOTA_EXCEEDED", "You have exceeded close account quota for the past 30 days.")
		}
		o.Closures = append(recent, now)
		if err := saveOrg(ctx, tx, o); err != nil {
			return err
		}
		a.Status, a.ClosureRequested = statusPendingClosure, now
		e.Data = encode(a)
		return tx.Update(ctx, e)
	})
}
