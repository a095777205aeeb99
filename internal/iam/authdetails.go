package iam

import (
	"context"
	"strconv"
	"strings"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
)

// GetAccountAuthorizationDetails returns every user, group, role and managed policy of the account with their
// policies, filtered by entity type and paged across all of them in that order: one pager counts the items of the
// whole sequence and one emitter per entity kind adds the kind's items that fall on the page.
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, c *Caller, in *iamtypes.GetAccountAuthorizationDetailsRequest) (*iamtypes.GetAccountAuthorizationDetailsResponse, error) {
	page, err := detailsPageOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	want := map[iamtypes.EntityType]bool{}
	for _, f := range in.Filter {
		want[f] = true
	}
	out := &iamtypes.GetAccountAuthorizationDetailsResponse{}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetAccountAuthorizationDetails", Resource: "*"}); err != nil {
			return err
		}
		d := &authDetails{s: s, r: r, acct: c.Account(), part: c.Partition(), page: page, out: out}
		// The emitters in the order AWS lists the kinds; the Filter picks which of them run.
		emitters := []struct {
			kind iamtypes.EntityType
			emit func(context.Context) error
		}{
			{iamtypes.EntityTypeUser, d.users},
			{iamtypes.EntityTypeGroup, d.groups},
			{iamtypes.EntityTypeRole, d.roles},
			{iamtypes.EntityTypeLocalManagedPolicy, d.localPolicies},
			{iamtypes.EntityTypeAWSManagedPolicy, d.awsPolicies},
		}
		for _, e := range emitters {
			if d.page.truncated {
				break
			}
			if len(want) > 0 && !want[e.kind] {
				continue
			}
			if err := e.emit(ctx); err != nil {
				return err
			}
		}
		out.IsTruncated = ptr(d.page.truncated)
		if d.page.truncated {
			out.Marker = ptr(strconv.Itoa(d.page.start + d.page.limit))
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// detailsPager pages the one sequence GetAccountAuthorizationDetails lists across the entity kinds. Its marker is the
// index in that sequence of the page's first item (a decimal number), so a page skips the items before it without
// reading their details.
type detailsPager struct {
	start, limit int
	seen         int  // items of the sequence met so far
	truncated    bool // an item lies past the page: the page is full and the answer is truncated
}

// detailsPageOf reads Marker and MaxItems.
func detailsPageOf(marker *string, maxItems *int32) (*detailsPager, error) {
	p := &detailsPager{limit: DefaultMaxItems}
	if maxItems != nil {
		p.limit = int(*maxItems)
	}
	if marker != nil && *marker != "" {
		n, err := strconv.Atoi(*marker)
		if err != nil || n < 0 {
			return nil, awserr.ValidationError("Invalid Marker.")
		}
		p.start = n
	}
	return p, nil
}

// take counts the next item of the sequence and reports whether it is on the page. An item past the page marks the
// answer truncated; the emitters stop there.
func (p *detailsPager) take() bool {
	i := p.seen
	p.seen++
	if i >= p.start+p.limit {
		p.truncated = true
		return false
	}
	return i >= p.start
}

// authDetails is one GetAccountAuthorizationDetails answer being built inside a read transaction.
type authDetails struct {
	s    *Service
	r    store.Reader
	acct string
	part awsregion.Partition // the account's: AWS managed policies are shown with its ARNs
	page *detailsPager
	out  *iamtypes.GetAccountAuthorizationDetailsResponse
}

// each calls fn for the entities of a kind, in the store's order, that fall on the page.
func (d *authDetails) each(ctx context.Context, kind store.Kind, fn func(e *store.Entity) error) error {
	after := ""
	for {
		page, err := d.r.List(ctx, store.ListQuery{Account: d.acct, Kind: kind, After: after, Limit: 500})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			if !d.page.take() {
				if d.page.truncated {
					return nil
				}
				continue
			}
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

// The lists of a user's, group's and role's entry are present even when empty, as AWS sends them: the sample
// response of the API reference (GetAccountAuthorizationDetails) has <AttachedManagedPolicies/>, <GroupPolicyList/>
// and <RolePolicyList/>, and the AWS CLI's example output (aws iam get-account-authorization-details) has
// "UserPolicyList": [], "AttachedManagedPolicies": [], "GroupPolicyList": [] and "RolePolicyList": []. Tags are
// "Tags": [] for a user or role without tags in captured real outputs (public GetAccountAuthorizationDetails dumps
// used as test fixtures, e.g. praetorian-inc's aurelian and duo-labs' parliament); the sample responses predate
// tags. Those dumps also have "RoleLastUsed": {} for a role never used, as GetRole sends it. A permissions boundary
// stays absent when there is none.

// users emits the users with their inline, attached and boundary policies and their groups' names.
func (d *authDetails) users(ctx context.Context) error {
	return d.each(ctx, KindUser, func(e *store.Entity) error {
		u, err := decode[User](e)
		if err != nil {
			return err
		}
		det := iamtypes.UserDetail{Path: ptr(u.Path), UserName: ptr(u.UserName), UserId: ptr(u.UserID), Arn: ptr(u.ARN),
			CreateDate: ptr(u.CreateDate), UserPolicyList: inlineDetails(u.Policies), Tags: tagList(u.Tags)}
		if u.PermissionsBoundary != "" {
			det.PermissionsBoundary = boundaryShape(u.PermissionsBoundary)
		}
		if det.AttachedManagedPolicies, err = d.attached(ctx, u.UserID); err != nil {
			return err
		}
		groups, err := d.r.Links(ctx, store.LinkQuery{Account: d.acct, Kind: LinkMember, From: u.UserID})
		if err != nil {
			return err
		}
		det.GroupList = []string{}
		for _, l := range groups {
			ge, err := d.r.GetByID(ctx, l.To)
			if err != nil {
				return err
			}
			det.GroupList = append(det.GroupList, ge.Name)
		}
		d.out.UserDetailList = append(d.out.UserDetailList, det)
		return nil
	})
}

// groups emits the groups with their inline and attached policies.
func (d *authDetails) groups(ctx context.Context) error {
	return d.each(ctx, KindGroup, func(e *store.Entity) error {
		g, err := decode[Group](e)
		if err != nil {
			return err
		}
		det := iamtypes.GroupDetail{Path: ptr(g.Path), GroupName: ptr(g.GroupName), GroupId: ptr(g.GroupID), Arn: ptr(g.ARN),
			CreateDate: ptr(g.CreateDate), GroupPolicyList: inlineDetails(g.Policies)}
		if det.AttachedManagedPolicies, err = d.attached(ctx, g.GroupID); err != nil {
			return err
		}
		d.out.GroupDetailList = append(d.out.GroupDetailList, det)
		return nil
	})
}

// roles emits the roles with their trust, inline, attached and boundary policies, last use and instance profiles.
func (d *authDetails) roles(ctx context.Context) error {
	return d.each(ctx, KindRole, func(e *store.Entity) error {
		ro, err := decode[Role](e)
		if err != nil {
			return err
		}
		if ro, err = d.s.withLastUse(ctx, d.r, d.acct, ro); err != nil {
			return err
		}
		det := iamtypes.RoleDetail{Path: ptr(ro.Path), RoleName: ptr(ro.RoleName), RoleId: ptr(ro.RoleID), Arn: ptr(ro.ARN),
			CreateDate: ptr(ro.CreateDate), AssumeRolePolicyDocument: ptr(urlEncodeDocument(ro.AssumeRolePolicyDocument)),
			RolePolicyList: inlineDetails(ro.Policies), Tags: tagList(ro.Tags), InstanceProfileList: []iamtypes.InstanceProfile{},
			RoleLastUsed: roleLastUsedShape(ro)}
		if ro.PermissionsBoundary != "" {
			det.PermissionsBoundary = boundaryShape(ro.PermissionsBoundary)
		}
		if det.AttachedManagedPolicies, err = d.attached(ctx, ro.RoleID); err != nil {
			return err
		}
		profiles, err := d.r.Links(ctx, store.LinkQuery{Account: d.acct, Kind: LinkProfileRole, To: ro.RoleID})
		if err != nil {
			return err
		}
		for _, l := range profiles {
			pe, err := d.r.GetByID(ctx, l.From)
			if err != nil {
				return err
			}
			p, err := decode[InstanceProfile](pe)
			if err != nil {
				return err
			}
			det.InstanceProfileList = append(det.InstanceProfileList, iamtypes.InstanceProfile{Path: p.Path, InstanceProfileName: p.InstanceProfileName,
				InstanceProfileId: p.InstanceProfileID, Arn: p.ARN, CreateDate: p.CreateDate, Tags: tagShapes(p.Tags),
				Roles: []iamtypes.Role{{Path: ro.Path, RoleName: ro.RoleName, RoleId: ro.RoleID, Arn: ro.ARN, CreateDate: ro.CreateDate,
					AssumeRolePolicyDocument: ptr(urlEncodeDocument(ro.AssumeRolePolicyDocument))}}})
		}
		d.out.RoleDetailList = append(d.out.RoleDetailList, det)
		return nil
	})
}

// localPolicies emits the account's customer managed policies with every version.
func (d *authDetails) localPolicies(ctx context.Context) error {
	return d.each(ctx, KindPolicy, func(e *store.Entity) error {
		mp, err := decode[ManagedPolicy](e)
		if err != nil {
			return err
		}
		atts, bounds, err := d.usage(ctx, mp.ARN)
		if err != nil {
			return err
		}
		d.out.Policies = append(d.out.Policies, policyDetail(mp, atts, bounds))
		return nil
	})
}

// awsPolicies emits the AWS managed policies, as AWS does only those attached to something in the account (as a
// permissions policy or a boundary).
func (d *authDetails) awsPolicies(ctx context.Context) error {
	for _, amp := range d.s.Catalog.ManagedPolicies() {
		parn := d.part.ManagedPolicyPrefix() + strings.TrimPrefix(amp.ARN, awsPolicyPrefix)
		atts, bounds, err := d.usage(ctx, parn)
		if err != nil {
			return err
		}
		if atts+bounds == 0 {
			continue
		}
		if !d.page.take() {
			if d.page.truncated {
				return nil
			}
			continue
		}
		mp := &ManagedPolicy{PolicyName: amp.Name, PolicyID: awsManagedPolicyID(amp.ARN), ARN: parn, Path: amp.Path,
			CreateDate: amp.CreateDate, UpdateDate: amp.UpdateDate,
			Versions: []PolicyVersion{{VersionID: amp.DefaultVersionID, Document: string(amp.Document), IsDefault: true, CreateDate: amp.UpdateDate}}}
		d.out.Policies = append(d.out.Policies, policyDetail(mp, atts, bounds))
	}
	return nil
}

// attached lists the managed policies attached to a user, group or role.
func (d *authDetails) attached(ctx context.Context, ownerID string) ([]iamtypes.AttachedPolicy, error) {
	links, err := d.r.Links(ctx, store.LinkQuery{Account: d.acct, Kind: LinkAttached, From: ownerID})
	if err != nil {
		return nil, err
	}
	list := []iamtypes.AttachedPolicy{}
	for _, l := range links {
		name := l.To[strings.LastIndexByte(l.To, '/')+1:]
		list = append(list, iamtypes.AttachedPolicy{PolicyName: ptr(name), PolicyArn: ptr(l.To)})
	}
	return list, nil
}

// usage counts the attachments of a managed policy as a permissions policy and as a permissions boundary.
func (d *authDetails) usage(ctx context.Context, arn string) (atts, bounds int, err error) {
	if atts, err = d.r.CountLinks(ctx, store.LinkQuery{Account: d.acct, Kind: LinkAttached, To: arn}); err != nil {
		return 0, 0, err
	}
	if bounds, err = d.r.CountLinks(ctx, store.LinkQuery{Account: d.acct, Kind: LinkBoundary, To: arn}); err != nil {
		return 0, 0, err
	}
	return atts, bounds, nil
}

// inlineDetails lists inline policies with their documents encoded as IAM returns them; none is an empty list.
func inlineDetails(ps []InlinePolicy) []iamtypes.PolicyDetail {
	list := []iamtypes.PolicyDetail{}
	for _, p := range ps {
		list = append(list, iamtypes.PolicyDetail{PolicyName: ptr(p.Name), PolicyDocument: ptr(urlEncodeDocument(p.Document))})
	}
	return list
}

// tagList is tagShapes for where AWS sends an entity's tags as a list even when it has none.
func tagList(tags []Tag) []iamtypes.Tag {
	if len(tags) == 0 {
		return []iamtypes.Tag{}
	}
	return tagShapes(tags)
}

// policyDetail is a managed policy's entry with every version and its usage counts.
func policyDetail(mp *ManagedPolicy, atts, bounds int) iamtypes.ManagedPolicyDetail {
	det := iamtypes.ManagedPolicyDetail{PolicyName: ptr(mp.PolicyName), PolicyId: ptr(mp.PolicyID), Arn: ptr(mp.ARN), Path: ptr(mp.Path),
		AttachmentCount: ptr(int32(atts)), PermissionsBoundaryUsageCount: ptr(int32(bounds)), IsAttachable: ptr(true),
		CreateDate: ptr(mp.CreateDate), UpdateDate: ptr(mp.UpdateDate)}
	if mp.Description != "" {
		det.Description = ptr(mp.Description)
	}
	for _, v := range mp.Versions {
		if v.IsDefault {
			det.DefaultVersionId = ptr(v.VersionID)
		}
		det.PolicyVersionList = append(det.PolicyVersionList, iamtypes.PolicyVersion{Document: ptr(urlEncodeDocument(v.Document)),
			VersionId: ptr(v.VersionID), IsDefaultVersion: ptr(v.IsDefault), CreateDate: ptr(v.CreateDate)})
	}
	return det
}
