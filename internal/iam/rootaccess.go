package iam

import (
	"context"
	"encoding/json"
	"slices"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// Centralized root access (IAM User Guide, "Centralize root access for member accounts"): the management account
// of an organization with all features, which has given IAM trusted access (iam.amazonaws.com), enables
// RootCredentialsManagement and RootSessions; with RootSessions its principals may call sts:AssumeRoot for member
// accounts. The features are a setting of the management account.
const settingRootAccess = "iam.rootaccess"

type rootAccess struct {
	Features []string `json:"features"`
}

// errNoOrganization and its siblings are IAM's answers when centralized root access cannot be managed.
// AWS's texts are unconfirmed.
func errNoOrganization() error {
	return &awserr.Error{Code: "OrganizationNotFoundException", HTTPStatus: 400, Message: "The request was rejected because no organization is associated with your account."}
}

// rootAccessOrg checks that the caller's account can manage centralized root access and returns its organization.
func (s *Service) rootAccessOrg(ctx context.Context, r store.Reader, c *Caller, action string) (*OrgView, error) {
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: "*"}); err != nil {
		return nil, err
	}
	v, err := s.accountOrg(ctx, r, c.Account())
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errNoOrganization()
	}
	if v.Management != c.Account() {
		return nil, &awserr.Error{Code: "AccountNotManagementOrDelegatedAdministratorException", HTTPStatus: 400,
			Message: "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access."}
	}
	if !v.AllFeatures {
		return nil, &awserr.Error{Code: "OrganizationNotInAllFeaturesModeException", HTTPStatus: 400,
			Message: "The request was rejected because your organization does not have All features enabled."}
	}
	if !slices.Contains(v.TrustedServices, "iam.amazonaws.com") {
		return nil, &awserr.Error{Code: "ServiceAccessNotEnabledException", HTTPStatus: 400,
			Message: "The request was rejected because trusted access is not enabled for IAM in AWS Organizations."}
	}
	return v, nil
}

func readRootAccess(ctx context.Context, r store.Reader, account string) (rootAccess, error) {
	var ra rootAccess
	b, err := r.Setting(ctx, account, settingRootAccess)
	if notFound(err) {
		return ra, nil
	}
	if err != nil {
		return ra, err
	}
	return ra, json.Unmarshal(b, &ra)
}

// setRootAccessFeature turns a feature on or off and returns the organization ID and the features then enabled.
func (s *Service) setRootAccessFeature(ctx context.Context, c *Caller, action, feature string, on bool) (string, []iamtypes.FeatureType, error) {
	var orgID string
	var ra rootAccess
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		v, err := s.rootAccessOrg(ctx, tx, c, action)
		if err != nil {
			return err
		}
		orgID = v.OrgID
		if ra, err = readRootAccess(ctx, tx, c.Account()); err != nil {
			return err
		}
		has := slices.Contains(ra.Features, feature)
		switch {
		case on && !has:
			ra.Features = append(ra.Features, feature)
		case !on && has:
			ra.Features = slices.DeleteFunc(ra.Features, func(f string) bool { return f == feature })
		default:
			return nil
		}
		slices.Sort(ra.Features)
		return tx.PutSetting(ctx, c.Account(), settingRootAccess, encode(ra))
	})
	if err != nil {
		return "", nil, err
	}
	out := []iamtypes.FeatureType{}
	for _, f := range ra.Features {
		out = append(out, iamtypes.FeatureType(f))
	}
	return orgID, out, nil
}

// EnableOrganizationsRootCredentialsManagement lets the management account manage member accounts' root credentials.
func (s *Service) EnableOrganizationsRootCredentialsManagement(ctx context.Context, c *Caller, in *iamtypes.EnableOrganizationsRootCredentialsManagementRequest) (*iamtypes.EnableOrganizationsRootCredentialsManagementResponse, error) {
	id, f, err := s.setRootAccessFeature(ctx, c, "iam:EnableOrganizationsRootCredentialsManagement", string(iamtypes.FeatureTypeRootCredentialsManagement), true)
	if err != nil {
		return nil, err
	}
	return &iamtypes.EnableOrganizationsRootCredentialsManagementResponse{OrganizationId: &id, EnabledFeatures: f}, nil
}

// DisableOrganizationsRootCredentialsManagement turns that feature off.
func (s *Service) DisableOrganizationsRootCredentialsManagement(ctx context.Context, c *Caller, in *iamtypes.DisableOrganizationsRootCredentialsManagementRequest) (*iamtypes.DisableOrganizationsRootCredentialsManagementResponse, error) {
	id, f, err := s.setRootAccessFeature(ctx, c, "iam:DisableOrganizationsRootCredentialsManagement", string(iamtypes.FeatureTypeRootCredentialsManagement), false)
	if err != nil {
		return nil, err
	}
	return &iamtypes.DisableOrganizationsRootCredentialsManagementResponse{OrganizationId: &id, EnabledFeatures: f}, nil
}

// EnableOrganizationsRootSessions lets the management account's principals call sts:AssumeRoot for member accounts.
func (s *Service) EnableOrganizationsRootSessions(ctx context.Context, c *Caller, in *iamtypes.EnableOrganizationsRootSessionsRequest) (*iamtypes.EnableOrganizationsRootSessionsResponse, error) {
	id, f, err := s.setRootAccessFeature(ctx, c, "iam:EnableOrganizationsRootSessions", string(iamtypes.FeatureTypeRootSessions), true)
	if err != nil {
		return nil, err
	}
	return &iamtypes.EnableOrganizationsRootSessionsResponse{OrganizationId: &id, EnabledFeatures: f}, nil
}

// DisableOrganizationsRootSessions turns root sessions off.
func (s *Service) DisableOrganizationsRootSessions(ctx context.Context, c *Caller, in *iamtypes.DisableOrganizationsRootSessionsRequest) (*iamtypes.DisableOrganizationsRootSessionsResponse, error) {
	id, f, err := s.setRootAccessFeature(ctx, c, "iam:DisableOrganizationsRootSessions", string(iamtypes.FeatureTypeRootSessions), false)
	if err != nil {
		return nil, err
	}
	return &iamtypes.DisableOrganizationsRootSessionsResponse{OrganizationId: &id, EnabledFeatures: f}, nil
}

// ListOrganizationsFeatures lists the centralized root access features enabled.
func (s *Service) ListOrganizationsFeatures(ctx context.Context, c *Caller, in *iamtypes.ListOrganizationsFeaturesRequest) (*iamtypes.ListOrganizationsFeaturesResponse, error) {
	out := &iamtypes.ListOrganizationsFeaturesResponse{EnabledFeatures: []iamtypes.FeatureType{}}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		v, err := s.rootAccessOrg(ctx, r, c, "iam:ListOrganizationsFeatures")
		if err != nil {
			return err
		}
		out.OrganizationId = &v.OrgID
		ra, err := readRootAccess(ctx, r, c.Account())
		for _, f := range ra.Features {
			out.EnabledFeatures = append(out.EnabledFeatures, iamtypes.FeatureType(f))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RootSessionsEnabled reports whether the management account mgmt has enabled root sessions (sts:AssumeRoot).
func (s *Service) RootSessionsEnabled(ctx context.Context, r store.Reader, mgmt string) (bool, error) {
	ra, err := readRootAccess(ctx, r, mgmt)
	return slices.Contains(ra.Features, string(iamtypes.FeatureTypeRootSessions)), err
}

// AccountOrg exposes the organization of an account as decisions see it (nil when none).
func (s *Service) AccountOrg(ctx context.Context, r store.Reader, account string) (*OrgView, error) {
	return s.accountOrg(ctx, r, account)
}
