package org

import (
	"context"
	"errors"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Validation errors of effective policies (ListAccountsWithInvalidEffectivePolicy,
// ListEffectivePolicyValidationErrors). AWS reports an effective policy invalid when the policies merged into it
// fail its validation checks, so it is not fully enforced. iamd validates every management policy document when it
// is created or updated and computes effective policies from those documents only, so no effective policy is
// invalid: both operations answer empty lists, for an account that has an effective policy of the type. An account
// without one answers EffectivePolicyNotFoundException, as DescribeEffectivePolicy does.

// ListAccountsWithInvalidEffectivePolicy lists the accounts whose effective policy of a type is invalid: none in
// iamd. The management account and delegated administrators may call it.
func (s *Service) ListAccountsWithInvalidEffectivePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.ListAccountsWithInvalidEffectivePolicyRequest) (*orgtypes.ListAccountsWithInvalidEffectivePolicyResponse, error) {
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListAccountsWithInvalidEffectivePolicy", "*", true,
			conditionKeys("organizations:PolicyType", string(in.PolicyType))); err != nil {
			return err
		}
		_, _, err = acctPageArgs(in.NextToken, in.MaxResults, acctDefaultPage)
		return err
	})
	if err != nil {
		return nil, err
	}
	pt := in.PolicyType
	return &orgtypes.ListAccountsWithInvalidEffectivePolicyResponse{Accounts: []orgtypes.Account{}, PolicyType: &pt}, nil
}

// ListEffectivePolicyValidationErrors lists the validation errors of an account's effective policy of a type: none
// in iamd. The management account and delegated administrators may call it.
func (s *Service) ListEffectivePolicyValidationErrors(ctx context.Context, c *iam.Caller, in *orgtypes.ListEffectivePolicyValidationErrorsRequest) (*orgtypes.ListEffectivePolicyValidationErrorsResponse, error) {
	var out *orgtypes.ListEffectivePolicyValidationErrorsResponse
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListEffectivePolicyValidationErrors", accountARN(o.Partition, o.Management, o.ID, in.AccountId), true,
			conditionKeys("organizations:PolicyType", string(in.PolicyType))); err != nil {
			return err
		}
		if _, _, err := acctPageArgs(in.NextToken, in.MaxResults, acctDefaultPage); err != nil {
			return err
		}
		if _, err := r.Get(ctx, o.Management, KindOrgAccount, in.AccountId); errors.Is(err, store.ErrNotFound) {
			return acctErrNotFound()
		} else if err != nil {
			return err
		}
		_, updated, ok, err := effectivePolicy(ctx, r, o, in.AccountId, string(in.PolicyType))
		if err != nil {
			return err
		}
		if !ok {
			return errNoEffectivePolicy()
		}
		levels, err := levelsOf(ctx, r, o, in.AccountId)
		if err != nil {
			return err
		}
		pt := in.PolicyType
		out = &orgtypes.ListEffectivePolicyValidationErrorsResponse{AccountId: ptr(in.AccountId), PolicyType: &pt, Path: ptr(orgPath(o, levels)),
			EvaluationTimestamp: stamp(updated), EffectivePolicyValidationErrors: []orgtypes.EffectivePolicyValidationError{}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
