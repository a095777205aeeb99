package iam

import (
	"context"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file is what analysis outside IAM (Access Analyzer's unused-access findings) reads of a principal's
// permissions: its identity policies, the services and actions they allow, and when a managed policy last changed.

// UserPolicies are a user's permissions policies: its inline and managed policies and those of its groups, each
// with where it is attached ("user/NAME" or "group/NAME").
func (s *Service) UserPolicies(ctx context.Context, r store.Reader, acct string, u *User) ([]authz.Attached, error) {
	return s.userPolicies(ctx, r, acct, u, true)
}

// RolePolicies are a role's inline and managed permissions policies, attached to "role/NAME".
func (s *Service) RolePolicies(ctx context.Context, r store.Reader, acct string, ro *Role) ([]authz.Attached, error) {
	return s.rolePolicies(ctx, r, acct, ro)
}

// AllowedService is a service that permissions policies allow, with every action of it they allow (AWS's
// spelling, in the catalog's order).
type AllowedService struct {
	Service *catalog.Service
	Actions []string
}

// AllowedActions are the services of the catalog the policies allow any action of, in namespace order, each with
// every action they allow. They are read as IAM's last accessed data reads them: an Allow statement's Action or
// NotAction allows (whatever its Resource and Condition), and a Deny without conditions on every resource takes
// the actions it names away.
func (s *Service) AllowedActions(pols []*policy.Policy) []AllowedService {
	services := s.allowedServicesOf(pols, func(*catalog.Action) bool { return true })
	out := make([]AllowedService, len(services))
	for i, ls := range services {
		out[i] = AllowedService{Service: ls.svc, Actions: ls.tracked}
	}
	return out
}

// ManagedPolicyUpdated is when the managed policy an ARN names (customer or AWS managed) was last changed: its
// UpdateDate, as GetPolicy answers it.
func (s *Service) ManagedPolicyUpdated(ctx context.Context, r store.Reader, arn string) (time.Time, error) {
	if mp, _, ok := s.awsManagedPolicy(arn); ok {
		if mp == nil {
			return time.Time{}, errorf("no AWS managed policy %s", arn)
		}
		return mp.UpdateDate, nil
	}
	acct, _, name, err := splitPolicyARN(arn)
	if err != nil {
		return time.Time{}, err
	}
	e, err := r.Get(ctx, acct, KindPolicy, name)
	if err != nil {
		return time.Time{}, err
	}
	mp, err := decode[ManagedPolicy](e)
	if err != nil {
		return time.Time{}, err
	}
	return mp.UpdateDate, nil
}
