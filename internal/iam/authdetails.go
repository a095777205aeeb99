package iam

import (
	"context"
	"strconv"
	"strings"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// GetAccountAuthorizationDetails returns every user, group, role and managed policy of the account with their
// policies, filtered by entity type and paged across all of them in that order.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, c *Caller, in *iamtypes.GetAccountAuthorizationDetailsRequest) (*iamtypes.GetAccountAuthorizationDetailsResponse, error) {
	acct := c.Account()
	want := map[iamtypes.EntityType]bool{}
	for _, f := range in.Filter {
		want[f] = true
	}
	all := len(want) == 0
	limit := DefaultMaxItems
	if in.MaxItems != nil {
		limit = int(*in.MaxItems)
	}
	start := 0
	if in.Marker != nil && *in.Marker != "" {
		n, err := strconv.Atoi(*in.Marker)
		if err != nil || n < 0 {
			return nil, awserr.ValidationError("Invalid Marker.")
		}
		start = n
	}
	out := &iamtypes.GetAccountAuthorizationDetailsResponse{}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetAccountAuthorizationDetails", Resource: "*"}); err != nil {
			return err
		}
		// Items are produced lazily in a fixed order so that a page skips the ones before its marker.
		idx := 0
		take := func() (skip, stop bool) {
			defer func() { idx++ }()
			if idx < start {
				return true, false
			}
			if idx >= start+limit {
				return true, true
			}
			return false, false
		}
		attached := func(ownerID string) ([]iamtypes.AttachedPolicy, error) {
			links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: ownerID})
			if err != nil {
				return nil, err
			}
			var list []iamtypes.AttachedPolicy
			for _, l := range links {
				name := l.To[strings.LastIndexByte(l.To, '/')+1:]
				list = append(list, iamtypes.AttachedPolicy{PolicyName: ptr(name), PolicyArn: ptr(l.To)})
			}
			return list, nil
		}
		inline := func(ps []InlinePolicy) []iamtypes.PolicyDetail {
			var list []iamtypes.PolicyDetail
			for _, p := range ps {
				list = append(list, iamtypes.PolicyDetail{PolicyName: ptr(p.Name), PolicyDocument: ptr(urlEncodeDocument(p.Document))})
			}
			return list
		}
		each := func(kind store.Kind, fn func(e *store.Entity) error) error {
			after := ""
			for {
				page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: kind, After: after, Limit: 500})
				if err != nil {
					return err
				}
				for _, e := range page.Entities {
					if err := fn(e); err != nil {
						return err
					}
				}
				if page.Next == "" {
					return nil
				}
				after = page.Next
			}
		}
		stopped := false
		if all || want[iamtypes.EntityTypeUser] {
			err := each(KindUser, func(e *store.Entity) error {
				skip, stop := take()
				if stop {
					stopped = true
				}
				if skip {
					return nil
				}
				u, err := decode[User](e)
				if err != nil {
					return err
				}
				d := iamtypes.UserDetail{Path: ptr(u.Path), UserName: ptr(u.UserName), UserId: ptr(u.UserID), Arn: ptr(u.ARN),
					CreateDate: ptr(u.CreateDate), UserPolicyList: inline(u.Policies), Tags: tagShapes(u.Tags)}
				if u.PermissionsBoundary != "" {
					d.PermissionsBoundary = boundaryShape(u.PermissionsBoundary)
				}
				if d.AttachedManagedPolicies, err = attached(u.UserID); err != nil {
					return err
				}
				groups, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID})
				if err != nil {
					return err
				}
				d.GroupList = []string{}
				for _, l := range groups {
					ge, err := r.GetByID(ctx, l.To)
					if err != nil {
						return err
					}
					d.GroupList = append(d.GroupList, ge.Name)
				}
				out.UserDetailList = append(out.UserDetailList, d)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if all || want[iamtypes.EntityTypeGroup] {
			err := each(KindGroup, func(e *store.Entity) error {
				skip, stop := take()
				if stop {
					stopped = true
				}
				if skip {
					return nil
				}
				g, err := decode[Group](e)
				if err != nil {
					return err
				}
				d := iamtypes.GroupDetail{Path: ptr(g.Path), GroupName: ptr(g.GroupName), GroupId: ptr(g.GroupID), Arn: ptr(g.ARN),
					CreateDate: ptr(g.CreateDate), GroupPolicyList: inline(g.Policies)}
				if d.AttachedManagedPolicies, err = attached(g.GroupID); err != nil {
					return err
				}
				out.GroupDetailList = append(out.GroupDetailList, d)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if all || want[iamtypes.EntityTypeRole] {
			err := each(KindRole, func(e *store.Entity) error {
				skip, stop := take()
				if stop {
					stopped = true
				}
				if skip {
					return nil
				}
				ro, err := decode[Role](e)
				if err != nil {
					return err
				}
				d := iamtypes.RoleDetail{Path: ptr(ro.Path), RoleName: ptr(ro.RoleName), RoleId: ptr(ro.RoleID), Arn: ptr(ro.ARN),
					CreateDate: ptr(ro.CreateDate), AssumeRolePolicyDocument: ptr(urlEncodeDocument(ro.AssumeRolePolicyDocument)),
					RolePolicyList: inline(ro.Policies), Tags: tagShapes(ro.Tags), InstanceProfileList: []iamtypes.InstanceProfile{}}
				if ro.PermissionsBoundary != "" {
					d.PermissionsBoundary = boundaryShape(ro.PermissionsBoundary)
				}
				if ro.LastUsed != nil {
					d.RoleLastUsed = &iamtypes.RoleLastUsed{LastUsedDate: ptr(ro.LastUsed.Date), Region: ptr(ro.LastUsed.Region)}
				}
				if d.AttachedManagedPolicies, err = attached(ro.RoleID); err != nil {
					return err
				}
				profiles, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkProfileRole, To: ro.RoleID})
				if err != nil {
					return err
				}
				for _, l := range profiles {
					pe, err := r.GetByID(ctx, l.From)
					if err != nil {
						return err
					}
					p, err := decode[InstanceProfile](pe)
					if err != nil {
						return err
					}
					d.InstanceProfileList = append(d.InstanceProfileList, iamtypes.InstanceProfile{Path: p.Path, InstanceProfileName: p.InstanceProfileName,
						InstanceProfileId: p.InstanceProfileID, Arn: p.ARN, CreateDate: p.CreateDate, Tags: tagShapes(p.Tags),
						Roles: []iamtypes.Role{{Path: ro.Path, RoleName: ro.RoleName, RoleId: ro.RoleID, Arn: ro.ARN, CreateDate: ro.CreateDate,
							AssumeRolePolicyDocument: ptr(urlEncodeDocument(ro.AssumeRolePolicyDocument))}}})
				}
				out.RoleDetailList = append(out.RoleDetailList, d)
				return nil
			})
			if err != nil {
				return err
			}
		}
		policyDetail := func(mp *ManagedPolicy) (iamtypes.ManagedPolicyDetail, error) {
			atts, err := r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, To: mp.ARN})
			if err != nil {
				return iamtypes.ManagedPolicyDetail{}, err
			}
			bounds, err := r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkBoundary, To: mp.ARN})
			if err != nil {
				return iamtypes.ManagedPolicyDetail{}, err
			}
			d := iamtypes.ManagedPolicyDetail{PolicyName: ptr(mp.PolicyName), PolicyId: ptr(mp.PolicyID), Arn: ptr(mp.ARN), Path: ptr(mp.Path),
				AttachmentCount: ptr(int32(atts)), PermissionsBoundaryUsageCount: ptr(int32(bounds)), IsAttachable: ptr(true),
				CreateDate: ptr(mp.CreateDate), UpdateDate: ptr(mp.UpdateDate)}
			if mp.Description != "" {
				d.Description = ptr(mp.Description)
			}
			for _, v := range mp.Versions {
				if v.IsDefault {
					d.DefaultVersionId = ptr(v.VersionID)
				}
				d.PolicyVersionList = append(d.PolicyVersionList, iamtypes.PolicyVersion{Document: ptr(urlEncodeDocument(v.Document)),
					VersionId: ptr(v.VersionID), IsDefaultVersion: ptr(v.IsDefault), CreateDate: ptr(v.CreateDate)})
			}
			return d, nil
		}
		if all || want[iamtypes.EntityTypeLocalManagedPolicy] {
			err := each(KindPolicy, func(e *store.Entity) error {
				skip, stop := take()
				if stop {
					stopped = true
				}
				if skip {
					return nil
				}
				mp, err := decode[ManagedPolicy](e)
				if err != nil {
					return err
				}
				d, err := policyDetail(mp)
				if err != nil {
					return err
				}
				out.Policies = append(out.Policies, d)
				return nil
			})
			if err != nil {
				return err
			}
		}
		if all || want[iamtypes.EntityTypeAWSManagedPolicy] {
			// AWS lists the AWS managed policies that are attached to something in the account.
			for _, amp := range s.Catalog.ManagedPolicies() {
				n, err := r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, To: amp.ARN})
				if err != nil {
					return err
				}
				b, err := r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkBoundary, To: amp.ARN})
				if err != nil {
					return err
				}
				if n+b == 0 {
					continue
				}
				skip, stop := take()
				if stop {
					stopped = true
				}
				if skip {
					continue
				}
				mp := &ManagedPolicy{PolicyName: amp.Name, PolicyID: awsManagedPolicyID(amp.ARN), ARN: amp.ARN, Path: amp.Path,
					CreateDate: amp.CreateDate, UpdateDate: amp.UpdateDate,
					Versions: []PolicyVersion{{VersionID: amp.DefaultVersionID, Document: string(amp.Document), IsDefault: true, CreateDate: amp.UpdateDate}}}
				d, err := policyDetail(mp)
				if err != nil {
					return err
				}
				out.Policies = append(out.Policies, d)
			}
		}
		if stopped || idx > start+limit {
			out.IsTruncated, out.Marker = ptr(true), ptr(strconv.Itoa(start+limit))
		} else {
			out.IsTruncated = ptr(false)
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}
