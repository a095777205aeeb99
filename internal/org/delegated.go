package org

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Delegated administrators: member accounts that the management account registers as administrators of an AWS
// service for the organization. As in AWS, a delegated administrator may call the organization's read-only
// operations (Describe*, List*) that are otherwise the management account's alone; authorize consults
// delegatedReader for that. Registrations are stored in the management account's namespace (KindDelegatedAdmin,
// named ACCOUNT/SERVICE-PRINCIPAL, Parent = the account).

// delegationRecord is one registration.
type delegationRecord struct {
	Account          string    `json:"account"`
	ServicePrincipal string    `json:"servicePrincipal"`
	Enabled          time.Time `json:"enabled"`
}

func delegName(account, principal string) string { return account + "/" + strings.ToLower(principal) }

// delegatedReader reports whether account may call action, an operation otherwise reserved to the management
// account, as a delegated administrator: the action is read-only and the account is registered for some service.
func (s *Service) delegatedReader(ctx context.Context, r store.Reader, o *Organization, account, action string) (bool, error) {
	op := strings.TrimPrefix(action, "organizations:")
	if op == action || !(strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List")) {
		return false, nil
	}
	n, err := r.Count(ctx, store.ListQuery{Account: o.Management, Kind: KindDelegatedAdmin, Parent: account})
	return n > 0, err
}

// Errors of the delegated administrator operations, in the words moto's Organizations tests assert
// (testdata/errors/aws-texts.json).
func delegErrNotRegistered() error {
	return &awserr.Error{Code: "AccountNotRegisteredException", HTTPStatus: 400,
		Message: "The provided account is not a registered delegated administrator for your organization."}
}

func delegErrAlreadyRegistered() error {
	return &awserr.Error{Code: "AccountAlreadyRegisteredException", HTTPStatus: 400,
		Message: "The provided account is already a delegated administrator for your organization."}
}

// RegisterDelegatedAdministrator registers a member account as a delegated administrator of a service.
func (s *Service) RegisterDelegatedAdministrator(ctx context.Context, c *iam.Caller, in *orgtypes.RegisterDelegatedAdministratorRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:RegisterDelegatedAdministrator", accountARN(o.Partition, o.Management, o.ID, in.AccountId), true, conditionKeys("organizations:ServicePrincipal", in.ServicePrincipal)); err != nil {
			return err
		}
		if err := s.checkServicePrincipal(in.ServicePrincipal); err != nil {
			return err
		}
		if _, _, err := acctLoad(ctx, tx, o, in.AccountId); err != nil {
			return err
		}
		if in.AccountId == o.Management {
			return acctErrConstraint("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
				"You cannot register master account/yourself as delegated administrator for your organization.")
		}
		// The reason SERVICE_ACCESS_NOT_ENABLED (botocore's ConstraintViolationException: "You attempted to register
		// a delegated administrator before you enabled service access"), worded as AWS answers it.
		if !slices.ContainsFunc(o.ServiceAccess, func(sa ServiceAccess) bool { return sa.ServicePrincipal == in.ServicePrincipal }) {
			return acctErrConstraint("SERVICE_ACCESS_NOT_ENABLED",
				"You must enable service access before you delegate an administrator for this service. Call the AWS API EnableAWSServiceAccess first.")
		}
		now := s.now()
		rec := delegationRecord{Account: in.AccountId, ServicePrincipal: in.ServicePrincipal, Enabled: now}
		err = tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindDelegatedAdmin, Name: delegName(in.AccountId, in.ServicePrincipal),
			Path: "/", Parent: in.AccountId, Created: now, Data: encode(rec)})
		if errors.Is(err, store.ErrConflict) {
			return delegErrAlreadyRegistered()
		}
		return err
	})
}

// DeregisterDelegatedAdministrator ends a registration.
func (s *Service) DeregisterDelegatedAdministrator(ctx context.Context, c *iam.Caller, in *orgtypes.DeregisterDelegatedAdministratorRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DeregisterDelegatedAdministrator", accountARN(o.Partition, o.Management, o.ID, in.AccountId), true, conditionKeys("organizations:ServicePrincipal", in.ServicePrincipal)); err != nil {
			return err
		}
		if err := s.checkServicePrincipal(in.ServicePrincipal); err != nil {
			return err
		}
		if _, _, err := acctLoad(ctx, tx, o, in.AccountId); err != nil {
			return err
		}
		err = tx.Delete(ctx, o.Management, KindDelegatedAdmin, delegName(in.AccountId, in.ServicePrincipal))
		if errors.Is(err, store.ErrNotFound) {
			return delegErrNotRegistered()
		}
		return err
	})
}

// delegList returns the registrations of one account, or of all when account is "".
func delegList(ctx context.Context, r store.Reader, o *Organization, account string) ([]*delegationRecord, error) {
	page, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindDelegatedAdmin, Parent: account})
	if err != nil {
		return nil, err
	}
	out := make([]*delegationRecord, 0, len(page.Entities))
	for _, e := range page.Entities {
		d, err := decode[delegationRecord](e)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ListDelegatedAdministrators lists the delegated administrator accounts, of one service when ServicePrincipal is
// given, with the date of their first registration.
func (s *Service) ListDelegatedAdministrators(ctx context.Context, c *iam.Caller, in *orgtypes.ListDelegatedAdministratorsRequest) (*orgtypes.ListDelegatedAdministratorsResponse, error) {
	out := &orgtypes.ListDelegatedAdministratorsResponse{DelegatedAdministrators: []orgtypes.DelegatedAdministrator{}}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListDelegatedAdministrators", "*", true); err != nil {
			return err
		}
		after, limit, err := acctPageArgs(in.NextToken, in.MaxResults, acctDefaultPage)
		if err != nil {
			return err
		}
		all, err := delegList(ctx, r, o, "")
		if err != nil {
			return err
		}
		first := map[string]time.Time{}
		for _, d := range all {
			if in.ServicePrincipal != nil && !strings.EqualFold(*in.ServicePrincipal, d.ServicePrincipal) {
				continue
			}
			if t, ok := first[d.Account]; !ok || d.Enabled.Before(t) {
				first[d.Account] = d.Enabled
			}
		}
		ids := make([]string, 0, len(first))
		for id := range first {
			if id > after {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for i, id := range ids {
			_, a, err := acctLoad(ctx, r, o, id)
			if err != nil {
				return err
			}
			sh := s.acctShape(o, a, s.now())
			out.DelegatedAdministrators = append(out.DelegatedAdministrators, orgtypes.DelegatedAdministrator{Id: sh.Id, Arn: sh.Arn,
				Email: sh.Email, Name: sh.Name, Status: sh.Status, State: sh.State, JoinedMethod: sh.JoinedMethod,
				JoinedTimestamp: sh.JoinedTimestamp, DelegationEnabledDate: ptr(first[id])})
			if len(out.DelegatedAdministrators) == limit && i < len(ids)-1 {
				out.NextToken = acctNextToken(id)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListDelegatedServicesForAccount lists the services an account is a delegated administrator of.
func (s *Service) ListDelegatedServicesForAccount(ctx context.Context, c *iam.Caller, in *orgtypes.ListDelegatedServicesForAccountRequest) (*orgtypes.ListDelegatedServicesForAccountResponse, error) {
	out := &orgtypes.ListDelegatedServicesForAccountResponse{DelegatedServices: []orgtypes.DelegatedService{}}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListDelegatedServicesForAccount", accountARN(o.Partition, o.Management, o.ID, in.AccountId), true); err != nil {
			return err
		}
		after, limit, err := acctPageArgs(in.NextToken, in.MaxResults, acctDefaultPage)
		if err != nil {
			return err
		}
		if _, _, err := acctLoad(ctx, r, o, in.AccountId); err != nil {
			return err
		}
		all, err := delegList(ctx, r, o, in.AccountId)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return delegErrNotRegistered()
		}
		sort.Slice(all, func(i, j int) bool { return all[i].ServicePrincipal < all[j].ServicePrincipal })
		var kept []*delegationRecord
		for _, d := range all {
			if d.ServicePrincipal > after {
				kept = append(kept, d)
			}
		}
		for i, d := range kept {
			out.DelegatedServices = append(out.DelegatedServices, orgtypes.DelegatedService{ServicePrincipal: ptr(d.ServicePrincipal),
				DelegationEnabledDate: ptr(d.Enabled)})
			if len(out.DelegatedServices) == limit && i < len(kept)-1 {
				out.NextToken = acctNextToken(d.ServicePrincipal)
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
