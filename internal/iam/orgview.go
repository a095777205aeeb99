package iam

import (
	"context"
	"strings"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// OrgView is what decisions need to know of an account's organization.
type OrgView struct {
	OrgID      string // o-...
	Management string // the management account's ID
	// Paths is the account's path as aws:PrincipalOrgPaths and aws:ResourceOrgPaths carry it:
	// "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/".
	Paths string
	// SCPs and RCPs are the policies of that type attached at each level from the root down to the account, nil
	// when the policy type is not enabled on the root.
	SCPs, RCPs []authz.Level
	// AllFeatures is true for an organization with all features (not only consolidated billing).
	AllFeatures bool
	// TrustedServices are the service principals with trusted access to the organization.
	TrustedServices []string
	// Closed is true for an account being closed or closed (Organizations CloseAccount): AWS suspends it, and none
	// of its credentials authenticate a request.
	Closed bool
}

// Organizations tells the IAM service which organization an account belongs to, if any; internal/org implements
// it. AccountOrg returns nil and no error for an account in no organization.
type Organizations interface {
	AccountOrg(ctx context.Context, r store.Reader, account string) (*OrgView, error)
}

// accountOrg returns the organization of account, or nil when iamd has no organizations or the account is in none.
func (s *Service) accountOrg(ctx context.Context, r store.Reader, account string) (*OrgView, error) {
	if s.orgs == nil || account == "" {
		return nil, nil
	}
	return s.orgs.AccountOrg(ctx, r, account)
}

// applyPrincipalOrg adds the SCPs of the principal's account to set and aws:PrincipalOrgID and
// aws:PrincipalOrgPaths to its keys. The engine exempts the management account and service-linked roles.
func (s *Service) applyPrincipalOrg(ctx context.Context, r store.Reader, c *Caller, set *authz.PolicySet, keys policy.Context) error {
	switch c.Principal.Type {
	case authz.PrincipalUser, authz.PrincipalRoot, authz.PrincipalAssumedRole, authz.PrincipalFederatedUser:
	default:
		return nil
	}
	v, err := s.accountOrg(ctx, r, c.Account())
	if err != nil || v == nil {
		return err
	}
	set.SCPs = v.SCPs
	set.PrincipalAccountIsManagement = v.Management == c.Account()
	keys.Set("aws:PrincipalOrgID", v.OrgID)
	keys.Set("aws:PrincipalOrgPaths", v.Paths)
	return nil
}

// applyResourceOrg adds the RCPs of the resource owner's account to set and aws:ResourceAccount,
// aws:ResourceOrgID and aws:ResourceOrgPaths to the request's keys. It reports whether RCPs were added.
func (s *Service) applyResourceOrg(ctx context.Context, r store.Reader, owner string, set *authz.PolicySet, keys policy.Context) (bool, error) {
	if owner == "" {
		return false, nil
	}
	keys["aws:resourceaccount"] = []string{owner}
	v, err := s.accountOrg(ctx, r, owner)
	if err != nil || v == nil {
		return false, err
	}
	keys["aws:resourceorgid"] = []string{v.OrgID}
	keys["aws:resourceorgpaths"] = []string{v.Paths}
	if v.RCPs == nil {
		return false, nil
	}
	set.RCPs = v.RCPs
	set.ResourceAccountIsManagement = v.Management == owner
	return true, nil
}

// rcpGoverned reports whether an action's service is one whose resources RCPs govern.
func rcpGoverned(action string) bool {
	svc, _, _ := strings.Cut(action, ":")
	for _, s := range authz.DefaultRCPServices() {
		if strings.EqualFold(s, svc) {
			return true
		}
	}
	return false
}
