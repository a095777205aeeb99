package org

import (
	"context"
	"slices"
	"strings"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// orgPrincipalsNotInData are service principals that the Organizations User Guide lists among the services that work
// with Organizations ("AWS services that you can use with AWS Organizations") but that AWS's service authorization
// data and managed policies, which the catalog holds, never name.
var orgPrincipalsNotInData = []string{
	"ipam.amazonaws.com",
	"member.org.stacksets.cloudformation.amazonaws.com",
	"opsdatasync.ssm.amazonaws.com",
	"storage-lens.s3.amazonaws.com",
	"tagpolicies.tag.amazonaws.com",
}

// checkServicePrincipal refuses a service principal AWS does not have: one the catalog does not name (catalog
// ServicePrincipal) and the User Guide does not list. Without a catalog, any *.amazonaws.com name passes.
func (s *Service) checkServicePrincipal(p string) error {
	lp := strings.ToLower(p)
	known := slices.Contains(orgPrincipalsNotInData, lp)
	switch {
	case known:
	case s.catalog != nil:
		known = s.catalog.ServicePrincipal(lp)
	default:
		known = strings.HasSuffix(lp, ".amazonaws.com") && len(lp) > len(".amazonaws.com")
	}
	if !known {
		return errInvalidInput("UNRECOGNIZED_SERVICE_PRINCIPAL", "You specified an unrecognized service principal.")
	}
	return nil
}

// saveOrg writes the organization record back.
func saveOrg(ctx context.Context, tx store.Tx, o *Organization) error {
	e, err := tx.Get(ctx, o.Management, KindOrganization, orgName)
	if err != nil {
		return err
	}
	e.Data = encode(o)
	return tx.Update(ctx, e)
}

// EnableAWSServiceAccess gives an AWS service trusted access to the organization (the management account only).
// IAM's centralized root access needs it for iam.amazonaws.com.
func (s *Service) EnableAWSServiceAccess(ctx context.Context, c *iam.Caller, in *orgtypes.EnableAWSServiceAccessRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:EnableAWSServiceAccess", "*", true, conditionKeys("organizations:ServicePrincipal", in.ServicePrincipal)); err != nil {
			return err
		}
		if err := s.checkServicePrincipal(in.ServicePrincipal); err != nil {
			return err
		}
		if o.FeatureSet != "ALL" {
			return errNotAllFeatures() // ENABLE_ALL_FEATURES_REQUIRED, used before, is no reason AWS has
		}
		if slices.ContainsFunc(o.ServiceAccess, func(sa ServiceAccess) bool { return sa.ServicePrincipal == in.ServicePrincipal }) {
			return nil // enabling again is not an error
		}
		o.ServiceAccess = append(o.ServiceAccess, ServiceAccess{ServicePrincipal: in.ServicePrincipal, Enabled: s.now()})
		return saveOrg(ctx, tx, o)
	})
}

// DisableAWSServiceAccess removes a service's trusted access.
func (s *Service) DisableAWSServiceAccess(ctx context.Context, c *iam.Caller, in *orgtypes.DisableAWSServiceAccessRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DisableAWSServiceAccess", "*", true, conditionKeys("organizations:ServicePrincipal", in.ServicePrincipal)); err != nil {
			return err
		}
		if err := s.checkServicePrincipal(in.ServicePrincipal); err != nil {
			return err
		}
		o.ServiceAccess = slices.DeleteFunc(o.ServiceAccess, func(sa ServiceAccess) bool { return sa.ServicePrincipal == in.ServicePrincipal })
		return saveOrg(ctx, tx, o)
	})
}

// ListAWSServiceAccessForOrganization lists the services with trusted access.
func (s *Service) ListAWSServiceAccessForOrganization(ctx context.Context, c *iam.Caller, in *orgtypes.ListAWSServiceAccessForOrganizationRequest) (*orgtypes.ListAWSServiceAccessForOrganizationResponse, error) {
	out := &orgtypes.ListAWSServiceAccessForOrganizationResponse{EnabledServicePrincipals: []orgtypes.EnabledServicePrincipal{}}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListAWSServiceAccessForOrganization", "*", true); err != nil {
			return err
		}
		for _, sa := range o.ServiceAccess {
			out.EnabledServicePrincipals = append(out.EnabledServicePrincipals, orgtypes.EnabledServicePrincipal{
				ServicePrincipal: ptr(sa.ServicePrincipal), DateEnabled: ptr(sa.Enabled)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
