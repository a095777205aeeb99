package org

import (
	"context"
	"errors"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// defaultEmail is the email address iamd gives an account that joined without one (iamd accounts have none).
func defaultEmail(account string) string { return "account-" + account + "@example.com" }

func ptr[T any](v T) *T { return &v }

// organizationShape is the API's Organization.
func organizationShape(o *Organization) *orgtypes.Organization {
	fs := orgtypes.OrganizationFeatureSet(o.FeatureSet)
	out := &orgtypes.Organization{Id: ptr(o.ID), Arn: ptr(orgARN(o.Partition, o.Management, o.ID)), FeatureSet: &fs,
		MasterAccountArn: ptr(accountARN(o.Partition, o.Management, o.ID, o.Management)),
		MasterAccountId:  ptr(o.Management), MasterAccountEmail: ptr(o.ManagementEmail),
		AvailablePolicyTypes: []orgtypes.PolicyTypeSummary{}}
	// AvailablePolicyTypes is deprecated; AWS lists SERVICE_CONTROL_POLICY there.
	out.AvailablePolicyTypes = append(out.AvailablePolicyTypes, orgtypes.PolicyTypeSummary{
		Type: ptr(orgtypes.PolicyTypeSERVICECONTROLPOLICY), Status: ptr(orgtypes.PolicyTypeStatusENABLED)})
	return out
}

// rootShape is the API's Root.
func rootShape(o *Organization) orgtypes.Root {
	r := orgtypes.Root{Id: ptr(o.RootID), Arn: ptr(rootARN(o.Partition, o.Management, o.ID, o.RootID)), Name: ptr("Root"), PolicyTypes: []orgtypes.PolicyTypeSummary{}}
	for _, t := range o.EnabledTypes {
		r.PolicyTypes = append(r.PolicyTypes, orgtypes.PolicyTypeSummary{Type: ptr(orgtypes.PolicyType(t)), Status: ptr(orgtypes.PolicyTypeStatusENABLED)})
	}
	return r
}

// CreateOrganization makes the caller's account the management account of a new organization with a root and no
// policy types enabled (the console enables SCPs; the API does not).
func (s *Service) CreateOrganization(ctx context.Context, c *iam.Caller, in *orgtypes.CreateOrganizationRequest) (*orgtypes.CreateOrganizationResponse, error) {
	fs := "ALL"
	if in.FeatureSet != nil {
		fs = string(*in.FeatureSet)
	}
	var out *Organization
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		if err := s.iam.Authorize(ctx, tx, c, iam.Authorization{Action: "organizations:CreateOrganization", Resource: "*"}); err != nil {
			return accessDeniedException(err)
		}
		acct := c.Account()
		m, err := membership(ctx, tx, acct)
		if err != nil {
			return err
		}
		if m != nil {
			return &awserr.Error{Code: "AlreadyInOrganizationException", HTTPStatus: 400,
				Message: "The AWS account is already a member of an organization."}
		}
		now := s.now()
		out = &Organization{ID: newOrgID(), FeatureSet: fs, Management: acct, ManagementEmail: defaultEmail(acct),
			RootID: newRootID(), Created: now}
		if p := c.Partition(); p != awsregion.AWS {
			out.Partition = p
		}
		if err := tx.Insert(ctx, &store.Entity{Account: acct, Kind: KindOrganization, Name: orgName, Path: "/", ID: out.ID,
			ARN: orgARN(out.Partition, acct, out.ID), Created: now, Data: encode(out)}); err != nil {
			return err
		}
		return s.join(ctx, tx, out, Account{ID: acct, Name: acct, Email: out.ManagementEmail, Status: "ACTIVE", JoinedMethod: "CREATED", Joined: now}, out.RootID)
	}, func() *orgtypes.CreateOrganizationResponse {
		return &orgtypes.CreateOrganizationResponse{Organization: organizationShape(out)}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// join records an account as a member of o under parent, with the default policies of every enabled type.
func (s *Service) join(ctx context.Context, tx store.Tx, o *Organization, a Account, parent string) error {
	if err := tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindOrgAccount, Name: a.ID, Path: "/", Parent: parent,
		ARN: accountARN(o.Partition, o.Management, o.ID, a.ID), Created: a.Joined, Data: encode(a)}); err != nil {
		return err
	}
	if err := tx.PutSetting(ctx, a.ID, settingMembership, encode(Membership{OrgID: o.ID, Management: o.Management})); err != nil {
		return err
	}
	return s.attachDefaults(ctx, tx, o, a.ID)
}

// attachDefaults attaches, to a new target, the AWS managed policy of every enabled policy type that has one.
func (s *Service) attachDefaults(ctx context.Context, tx store.Tx, o *Organization, target string) error {
	for _, t := range o.EnabledTypes {
		if m, ok := managedFor(t); ok {
			if err := tx.Link(ctx, store.Link{Account: o.Management, Kind: LinkAttached, From: target, To: m.ID, Created: s.now()}); err != nil {
				return err
			}
		}
	}
	return nil
}

// accessDeniedException renames IAM's AccessDenied to the Organizations API's AccessDeniedException.
func accessDeniedException(err error) error {
	if ae, ok := awserr.As(err); ok && ae.Code == "AccessDenied" {
		return &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 400, Message: ae.Message, Cause: ae.Cause}
	}
	return err
}

// DescribeOrganization describes the caller's organization; any member account may call it.
func (s *Service) DescribeOrganization(ctx context.Context, c *iam.Caller) (*orgtypes.DescribeOrganizationResponse, error) {
	var o *Organization
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		if o, err = s.callerOrg(ctx, r, c); err != nil {
			return err
		}
		return s.authorize(ctx, r, c, o, "organizations:DescribeOrganization", "*", false)
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.DescribeOrganizationResponse{Organization: organizationShape(o)}, nil
}

// DeleteOrganization deletes an organization that has no member account but the management account, with its OUs,
// policies and their attachments.
func (s *Service) DeleteOrganization(ctx context.Context, c *iam.Caller) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DeleteOrganization", orgARN(o.Partition, o.Management, o.ID), true); err != nil {
			return err
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: o.Management, Kind: KindOrgAccount})
		if err != nil {
			return err
		}
		if n > 1 {
			return &awserr.Error{Code: "OrganizationNotEmptyException", HTTPStatus: 400,
				Message: "To delete an organization you must first remove all member accounts (except the master)."}
		}
		if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached}); err != nil {
			return err
		}
		for _, k := range []store.Kind{KindOU, KindPolicy, KindOrgAccount, KindHandshake, KindCreateAccount, KindDelegatedAdmin, KindResourcePolicy} {
			page, err := tx.List(ctx, store.ListQuery{Account: o.Management, Kind: k})
			if err != nil {
				return err
			}
			for _, e := range page.Entities {
				if err := tx.Delete(ctx, o.Management, k, e.Name); err != nil {
					return err
				}
			}
		}
		if err := tx.DeleteSetting(ctx, o.Management, settingMembership); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Delete(ctx, o.Management, KindOrganization, orgName)
	})
}

// ListRoots lists the organization's root (there is one).
func (s *Service) ListRoots(ctx context.Context, c *iam.Caller, in *orgtypes.ListRootsRequest) (*orgtypes.ListRootsResponse, error) {
	var o *Organization
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		if o, err = s.callerOrg(ctx, r, c); err != nil {
			return err
		}
		return s.authorize(ctx, r, c, o, "organizations:ListRoots", "*", true)
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.ListRootsResponse{Roots: []orgtypes.Root{rootShape(o)}}, nil
}
