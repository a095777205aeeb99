package iam

import (
	"context"
	"slices"
	"strings"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file attaches managed policies to users, groups and roles, and lists the attachments. An attachment is a
// store link of kind LinkAttached from the entity's unique ID to the policy's ARN.

// polOwner is a user, group or role as the policy operations see it: enough to authorize a request on it, link
// policies to it and edit its inline policies.
type polOwner struct {
	kind          store.Kind
	label         string // "user", "group" or "role", as AWS's messages name the kind
	name, id, arn string
	boundary      string
	tags          []Tag
	inline        *[]InlinePolicy
	entity        *store.Entity
	record        any // *User, *Group or *Role; encoded back by save
}

// polLabel names an entity kind as AWS's messages do.
func polLabel(kind store.Kind) string {
	switch kind {
	case KindGroup:
		return "group"
	case KindRole:
		return "role"
	}
	return "user"
}

// polActionKind is the kind as it appears in action names ("User" in iam:AttachUserPolicy).
func polActionKind(kind store.Kind) string {
	l := polLabel(kind)
	return strings.ToUpper(l[:1]) + l[1:]
}

// polLoadOwner loads a user, group or role by name, with AWS's NoSuchEntity when absent.
func polLoadOwner(ctx context.Context, r store.Reader, acct string, kind store.Kind, name string) (*polOwner, error) {
	e, err := r.Get(ctx, acct, kind, name)
	if notFound(err) {
		return nil, awserr.NoSuchEntity("The %s with name %s cannot be found.", polLabel(kind), name)
	}
	if err != nil {
		return nil, err
	}
	o := &polOwner{kind: kind, label: polLabel(kind), entity: e}
	switch kind {
	case KindUser:
		u, err := decode[User](e)
		if err != nil {
			return nil, err
		}
		o.name, o.id, o.arn, o.boundary, o.tags, o.inline, o.record = u.UserName, u.UserID, u.ARN, u.PermissionsBoundary, u.Tags, &u.Policies, u
	case KindGroup:
		g, err := decode[Group](e)
		if err != nil {
			return nil, err
		}
		o.name, o.id, o.arn, o.inline, o.record = g.GroupName, g.GroupID, g.ARN, &g.Policies, g
	case KindRole:
		ro, err := decode[Role](e)
		if err != nil {
			return nil, err
		}
		o.name, o.id, o.arn, o.boundary, o.tags, o.inline, o.record = ro.RoleName, ro.RoleID, ro.ARN, ro.PermissionsBoundary, ro.Tags, &ro.Policies, ro
	}
	return o, nil
}

// save writes the owner's record back, with its inline policies.
func (o *polOwner) save(ctx context.Context, tx store.Tx) error {
	o.entity.Data = encode(o.record)
	return tx.Update(ctx, o.entity)
}

// polAuthorizeOwner loads a user, group or role and authorizes an action on it, with the action's own context keys,
// iam:PermissionsBoundary (the entity's boundary) when the action has that key, and the entity's tags. When the
// entity does not exist the action is authorized against the ARN it would have, so that a caller who may not ask
// learns nothing, and then NoSuchEntity is returned.
func (s *Service) polAuthorizeOwner(ctx context.Context, r store.Reader, c *Caller, kind store.Kind, name, action string, withBoundary bool, keys policy.Context) (*polOwner, error) {
	acct := c.Account()
	actx := policy.Context{}
	for k, v := range keys {
		actx[k] = v
	}
	o, err := polLoadOwner(ctx, r, acct, kind, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, polLabel(kind), "/", name), Context: actx}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	if withBoundary && o.boundary != "" {
		actx.Set("iam:PermissionsBoundary", o.boundary)
	}
	resourceTagContext(actx, o.tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: o.arn, Context: actx}); err != nil {
		return nil, err
	}
	return o, nil
}

// polCheckModifiable refuses a change to the permissions of a service-linked role, which only its service may
// change, with the roles' own UnmodifiableEntity error.
func (o *polOwner) polCheckModifiable() error {
	if ro, ok := o.record.(*Role); ok {
		return rolesCheckModifiable(ro)
	}
	return nil
}

// polQuotaName is the name AWS's LimitExceeded message gives the quota on attached policies.
func polQuotaName(kind store.Kind) string { return "PoliciesPer" + polActionKind(kind) }

// polAttach attaches a managed policy to a user, group or role.
func (s *Service) polAttach(ctx context.Context, c *Caller, kind store.Kind, name, policyARN string) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		keys := policy.Context{}
		keys.Set("iam:PolicyARN", policyARN)
		o, err := s.polAuthorizeOwner(ctx, tx, c, kind, name, "iam:Attach"+polActionKind(kind)+"Policy", kind != KindGroup, keys)
		if err != nil {
			return err
		}
		if err := o.polCheckModifiable(); err != nil {
			return err
		}
		ref, err := s.polResolve(ctx, tx, acct, policyARN)
		if err != nil {
			return err
		}
		if ref == nil || (ref.AWS != nil && (!ref.AWS.IsAttachable || ref.AWS.Deprecated)) {
			return awserr.NoSuchEntity("Policy %s does not exist or is not attachable.", policyARN)
		}
		if ref.AWS != nil && strings.HasPrefix(ref.Path, "/aws-service-role/") {
			// Policies for service-linked roles are attached by AWS to those roles only.
			return awserr.New("PolicyNotAttachable", 400, "Cannot attach a Service Role Policy to a Customer Role.")
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: o.id, To: ref.ARN}); err != nil {
			return err
		} else if n > 0 {
			return nil // attaching an attached policy again changes nothing
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: o.id}); err != nil {
			return err
		} else if n >= MaxManagedPoliciesPerEntity {
			return awserr.LimitExceeded("Cannot exceed quota for %s: %d", polQuotaName(kind), MaxManagedPoliciesPerEntity)
		}
		return tx.Link(ctx, store.Link{Account: acct, Kind: LinkAttached, From: o.id, To: ref.ARN, Created: s.polNow()})
	})
	return internal(err)
}

// polDetach detaches a managed policy from a user, group or role.
func (s *Service) polDetach(ctx context.Context, c *Caller, kind store.Kind, name, policyARN string) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		keys := policy.Context{}
		keys.Set("iam:PolicyARN", policyARN)
		o, err := s.polAuthorizeOwner(ctx, tx, c, kind, name, "iam:Detach"+polActionKind(kind)+"Policy", kind != KindGroup, keys)
		if err != nil {
			return err
		}
		if err := o.polCheckModifiable(); err != nil {
			return err
		}
		ref, err := s.polResolve(ctx, tx, acct, policyARN)
		if err != nil {
			return err
		}
		to := policyARN
		if ref != nil {
			to = ref.ARN
		}
		err = tx.Unlink(ctx, store.Link{Account: acct, Kind: LinkAttached, From: o.id, To: to})
		if notFound(err) {
			return awserr.NoSuchEntity("Policy %s was not found.", policyARN)
		}
		return err
	})
	return internal(err)
}

// polListAttached lists the managed policies attached to a user, group or role, under a path prefix of the policies,
// in name order, a page at a time.
func (s *Service) polListAttached(ctx context.Context, c *Caller, kind store.Kind, name string, pathPrefix, marker *string, maxItems *int32) ([]iamtypes.AttachedPolicy, *bool, *string, error) {
	acct := c.Account()
	prefix := str(pathPrefix, "/")
	pa, err := pageArgsOf(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	out := []iamtypes.AttachedPolicy{}
	var truncated *bool
	var next *string
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.polAuthorizeOwner(ctx, r, c, kind, name, "iam:ListAttached"+polActionKind(kind)+"Policies", false, nil)
		if err != nil {
			return err
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: o.id})
		if err != nil {
			return err
		}
		type item struct {
			key  string
			name string
			arn  string
		}
		var items []item
		for _, l := range links {
			ref, err := s.polResolve(ctx, r, acct, l.To)
			if err != nil {
				return err
			}
			if ref == nil {
				continue // a policy that no longer exists is not attached to anything
			}
			if !strings.HasPrefix(ref.Path, prefix) {
				continue
			}
			items = append(items, item{key: polNameKey(ref.Name, ref.ARN), name: ref.Name, arn: ref.ARN})
		}
		slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
		page, nextKey := polPage(items, func(it item) string { return it.key }, pa)
		for _, it := range page {
			out = append(out, iamtypes.AttachedPolicy{PolicyName: ptr(it.name), PolicyArn: ptr(it.arn)})
		}
		truncated, next = nextMarker(nextKey)
		return nil
	})
	if err != nil {
		return nil, nil, nil, internal(err)
	}
	return out, truncated, next, nil
}

// AttachUserPolicy attaches a managed policy to a user.
func (s *Service) AttachUserPolicy(ctx context.Context, c *Caller, in *iamtypes.AttachUserPolicyRequest) error {
	return s.polAttach(ctx, c, KindUser, in.UserName, in.PolicyArn)
}

// AttachGroupPolicy attaches a managed policy to a group.
func (s *Service) AttachGroupPolicy(ctx context.Context, c *Caller, in *iamtypes.AttachGroupPolicyRequest) error {
	return s.polAttach(ctx, c, KindGroup, in.GroupName, in.PolicyArn)
}

// AttachRolePolicy attaches a managed policy to a role.
func (s *Service) AttachRolePolicy(ctx context.Context, c *Caller, in *iamtypes.AttachRolePolicyRequest) error {
	return s.polAttach(ctx, c, KindRole, in.RoleName, in.PolicyArn)
}

// DetachUserPolicy detaches a managed policy from a user.
func (s *Service) DetachUserPolicy(ctx context.Context, c *Caller, in *iamtypes.DetachUserPolicyRequest) error {
	return s.polDetach(ctx, c, KindUser, in.UserName, in.PolicyArn)
}

// DetachGroupPolicy detaches a managed policy from a group.
func (s *Service) DetachGroupPolicy(ctx context.Context, c *Caller, in *iamtypes.DetachGroupPolicyRequest) error {
	return s.polDetach(ctx, c, KindGroup, in.GroupName, in.PolicyArn)
}

// DetachRolePolicy detaches a managed policy from a role.
func (s *Service) DetachRolePolicy(ctx context.Context, c *Caller, in *iamtypes.DetachRolePolicyRequest) error {
	return s.polDetach(ctx, c, KindRole, in.RoleName, in.PolicyArn)
}

// ListAttachedUserPolicies lists the managed policies attached to a user.
func (s *Service) ListAttachedUserPolicies(ctx context.Context, c *Caller, in *iamtypes.ListAttachedUserPoliciesRequest) (*iamtypes.ListAttachedUserPoliciesResponse, error) {
	list, truncated, marker, err := s.polListAttached(ctx, c, KindUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListAttachedUserPoliciesResponse{AttachedPolicies: list, IsTruncated: truncated, Marker: marker}, nil
}

// ListAttachedGroupPolicies lists the managed policies attached to a group.
func (s *Service) ListAttachedGroupPolicies(ctx context.Context, c *Caller, in *iamtypes.ListAttachedGroupPoliciesRequest) (*iamtypes.ListAttachedGroupPoliciesResponse, error) {
	list, truncated, marker, err := s.polListAttached(ctx, c, KindGroup, in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListAttachedGroupPoliciesResponse{AttachedPolicies: list, IsTruncated: truncated, Marker: marker}, nil
}

// ListAttachedRolePolicies lists the managed policies attached to a role.
func (s *Service) ListAttachedRolePolicies(ctx context.Context, c *Caller, in *iamtypes.ListAttachedRolePoliciesRequest) (*iamtypes.ListAttachedRolePoliciesResponse, error) {
	list, truncated, marker, err := s.polListAttached(ctx, c, KindRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListAttachedRolePoliciesResponse{AttachedPolicies: list, IsTruncated: truncated, Marker: marker}, nil
}

// ListEntitiesForPolicy lists the users, groups and roles of the account that use a managed policy as a permissions
// policy, as a permissions boundary, or (without PolicyUsageFilter) either, a page at a time.
func (s *Service) ListEntitiesForPolicy(ctx context.Context, c *Caller, in *iamtypes.ListEntitiesForPolicyRequest) (*iamtypes.ListEntitiesForPolicyResponse, error) {
	acct := c.Account()
	prefix := str(in.PathPrefix, "/")
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListEntitiesForPolicyResponse{PolicyGroups: []iamtypes.PolicyGroup{}, PolicyUsers: []iamtypes.PolicyUser{}, PolicyRoles: []iamtypes.PolicyRole{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ref, err := s.polForRead(ctx, r, c, "iam:ListEntitiesForPolicy", in.PolicyArn)
		if err != nil {
			return err
		}
		var linkKinds []string
		switch {
		case in.PolicyUsageFilter == nil:
			linkKinds = []string{LinkAttached, LinkBoundary}
		case *in.PolicyUsageFilter == iamtypes.PolicyUsageTypePermissionsBoundary:
			linkKinds = []string{LinkBoundary}
		default:
			linkKinds = []string{LinkAttached}
		}
		want := func(kind store.Kind) bool {
			if in.EntityFilter == nil {
				return true
			}
			switch *in.EntityFilter {
			case iamtypes.EntityTypeUser:
				return kind == KindUser
			case iamtypes.EntityTypeGroup:
				return kind == KindGroup
			case iamtypes.EntityTypeRole:
				return kind == KindRole
			case iamtypes.EntityTypeLocalManagedPolicy:
				return ref.Customer != nil
			case iamtypes.EntityTypeAWSManagedPolicy:
				return ref.AWS != nil
			}
			return true
		}
		type item struct {
			key string
			e   *store.Entity
		}
		var items []item
		seen := map[string]bool{}
		for _, lk := range linkKinds {
			links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: lk, To: ref.ARN})
			if err != nil {
				return err
			}
			for _, l := range links {
				if seen[l.From] {
					continue
				}
				seen[l.From] = true
				e, err := r.GetByID(ctx, l.From)
				if notFound(err) {
					continue
				}
				if err != nil {
					return err
				}
				if !want(e.Kind) || !strings.HasPrefix(e.Path, prefix) {
					continue
				}
				// Groups, then users, then roles, as the answer lists them; by name within each.
				order := map[store.Kind]string{KindGroup: "1", KindUser: "2", KindRole: "3"}[e.Kind]
				if order == "" {
					continue
				}
				items = append(items, item{key: order + strings.ToLower(e.Name), e: e})
			}
		}
		slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
		page, next := polPage(items, func(it item) string { return it.key }, pa)
		for _, it := range page {
			switch it.e.Kind {
			case KindGroup:
				out.PolicyGroups = append(out.PolicyGroups, iamtypes.PolicyGroup{GroupName: ptr(it.e.Name), GroupId: ptr(it.e.ID)})
			case KindUser:
				out.PolicyUsers = append(out.PolicyUsers, iamtypes.PolicyUser{UserName: ptr(it.e.Name), UserId: ptr(it.e.ID)})
			case KindRole:
				out.PolicyRoles = append(out.PolicyRoles, iamtypes.PolicyRole{RoleName: ptr(it.e.Name), RoleId: ptr(it.e.ID)})
			}
		}
		out.IsTruncated, out.Marker = nextMarker(next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}
