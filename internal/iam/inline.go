package iam

import (
	"context"
	"math"
	"slices"
	"strings"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file holds the inline policies of users, groups and roles. They live in the entity's record (its Policies
// slice), each document exactly as it was given, since GetXxxPolicy returns it. Names are unique per entity and
// compare ignoring case, like every IAM name; putting a policy under a name that differs only in case replaces
// that policy's document and keeps its name.

// polInlineMaxSize is the quota on the aggregate size of an entity's inline policies.
func polInlineMaxSize(kind store.Kind) int {
	switch kind {
	case KindGroup:
		return MaxGroupInlinePolicySize
	case KindRole:
		return MaxRoleInlinePolicySize
	}
	return MaxUserInlinePolicySize
}

// polFindInline returns the index of an inline policy by name, ignoring case, or -1.
func polFindInline(list []InlinePolicy, name string) int {
	for i := range list {
		if strings.EqualFold(list[i].Name, name) {
			return i
		}
	}
	return -1
}

// polNoSuchInline is AWS's NoSuchEntity for a missing inline policy.
func polNoSuchInline(kind store.Kind, name string) error {
	return awserr.NoSuchEntity("The %s policy with name %s cannot be found.", polLabel(kind), name)
}

// polPutInline adds or replaces an inline policy of a user, group or role.
func (s *Service) polPutInline(ctx context.Context, c *Caller, kind store.Kind, name, policyName, doc string) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.polAuthorizeOwner(ctx, tx, c, kind, name, "iam:Put"+polActionKind(kind)+"Policy", kind != KindGroup, nil)
		if err != nil {
			return err
		}
		if err := o.polCheckModifiable(); err != nil {
			return err
		}
		list := *o.inline
		i := polFindInline(list, policyName)
		// The quota is on all the entity's inline policies together, the one being replaced counted at its new size.
		total := policySize(doc)
		for j := range list {
			if j != i {
				total += policySize(list[j].Document)
			}
		}
		if maxSize := polInlineMaxSize(kind); total > maxSize {
			return awserr.LimitExceeded("Maximum policy size of %d bytes exceeded for %s %s", maxSize, o.label, o.name)
		}
		if err := checkPolicyDocument(doc, policy.TypeIdentity, false, math.MaxInt, "PolicySize"); err != nil {
			return err
		}
		if i >= 0 {
			list[i].Document = doc
		} else {
			*o.inline = append(list, InlinePolicy{Name: policyName, Document: doc})
		}
		return o.save(ctx, tx)
	})
	return internal(err)
}

// polGetInline returns an inline policy's stored name and its document, URL-encoded as AWS returns it, with the
// entity's name.
func (s *Service) polGetInline(ctx context.Context, c *Caller, kind store.Kind, name, policyName string) (owner, polName, doc string, err error) {
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.polAuthorizeOwner(ctx, r, c, kind, name, "iam:Get"+polActionKind(kind)+"Policy", false, nil)
		if err != nil {
			return err
		}
		i := polFindInline(*o.inline, policyName)
		if i < 0 {
			return polNoSuchInline(kind, policyName)
		}
		p := (*o.inline)[i]
		owner, polName, doc = o.name, p.Name, urlEncodeDocument(p.Document)
		return nil
	})
	return owner, polName, doc, internal(err)
}

// polDeleteInline deletes an inline policy of a user, group or role.
func (s *Service) polDeleteInline(ctx context.Context, c *Caller, kind store.Kind, name, policyName string) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.polAuthorizeOwner(ctx, tx, c, kind, name, "iam:Delete"+polActionKind(kind)+"Policy", kind != KindGroup, nil)
		if err != nil {
			return err
		}
		if err := o.polCheckModifiable(); err != nil {
			return err
		}
		i := polFindInline(*o.inline, policyName)
		if i < 0 {
			return polNoSuchInline(kind, policyName)
		}
		*o.inline = slices.Delete(*o.inline, i, i+1)
		return o.save(ctx, tx)
	})
	return internal(err)
}

// polListInline lists the names of an entity's inline policies in name order, a page at a time.
func (s *Service) polListInline(ctx context.Context, c *Caller, kind store.Kind, name string, marker *string, maxItems *int32) ([]string, *bool, *string, error) {
	pa, err := pageArgsOf(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	names := []string{}
	var truncated *bool
	var next *string
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.polAuthorizeOwner(ctx, r, c, kind, name, "iam:List"+polActionKind(kind)+"Policies", false, nil)
		if err != nil {
			return err
		}
		var all []string
		for _, p := range *o.inline {
			all = append(all, p.Name)
		}
		key := func(n string) string { return strings.ToLower(n) }
		slices.SortFunc(all, func(a, b string) int { return strings.Compare(key(a), key(b)) })
		page, nextKey := polPage(all, key, pa)
		names = append(names, page...)
		truncated, next = nextMarker(nextKey)
		return nil
	})
	if err != nil {
		return nil, nil, nil, internal(err)
	}
	return names, truncated, next, nil
}

// PutUserPolicy adds or replaces an inline policy of a user.
func (s *Service) PutUserPolicy(ctx context.Context, c *Caller, in *iamtypes.PutUserPolicyRequest) error {
	return s.polPutInline(ctx, c, KindUser, in.UserName, in.PolicyName, in.PolicyDocument)
}

// PutGroupPolicy adds or replaces an inline policy of a group.
func (s *Service) PutGroupPolicy(ctx context.Context, c *Caller, in *iamtypes.PutGroupPolicyRequest) error {
	return s.polPutInline(ctx, c, KindGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
}

// PutRolePolicy adds or replaces an inline policy of a role.
func (s *Service) PutRolePolicy(ctx context.Context, c *Caller, in *iamtypes.PutRolePolicyRequest) error {
	return s.polPutInline(ctx, c, KindRole, in.RoleName, in.PolicyName, in.PolicyDocument)
}

// GetUserPolicy returns an inline policy of a user.
func (s *Service) GetUserPolicy(ctx context.Context, c *Caller, in *iamtypes.GetUserPolicyRequest) (*iamtypes.GetUserPolicyResponse, error) {
	owner, name, doc, err := s.polGetInline(ctx, c, KindUser, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamtypes.GetUserPolicyResponse{UserName: owner, PolicyName: name, PolicyDocument: doc}, nil
}

// GetGroupPolicy returns an inline policy of a group.
func (s *Service) GetGroupPolicy(ctx context.Context, c *Caller, in *iamtypes.GetGroupPolicyRequest) (*iamtypes.GetGroupPolicyResponse, error) {
	owner, name, doc, err := s.polGetInline(ctx, c, KindGroup, in.GroupName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamtypes.GetGroupPolicyResponse{GroupName: owner, PolicyName: name, PolicyDocument: doc}, nil
}

// GetRolePolicy returns an inline policy of a role.
func (s *Service) GetRolePolicy(ctx context.Context, c *Caller, in *iamtypes.GetRolePolicyRequest) (*iamtypes.GetRolePolicyResponse, error) {
	owner, name, doc, err := s.polGetInline(ctx, c, KindRole, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamtypes.GetRolePolicyResponse{RoleName: owner, PolicyName: name, PolicyDocument: doc}, nil
}

// DeleteUserPolicy deletes an inline policy of a user.
func (s *Service) DeleteUserPolicy(ctx context.Context, c *Caller, in *iamtypes.DeleteUserPolicyRequest) error {
	return s.polDeleteInline(ctx, c, KindUser, in.UserName, in.PolicyName)
}

// DeleteGroupPolicy deletes an inline policy of a group.
func (s *Service) DeleteGroupPolicy(ctx context.Context, c *Caller, in *iamtypes.DeleteGroupPolicyRequest) error {
	return s.polDeleteInline(ctx, c, KindGroup, in.GroupName, in.PolicyName)
}

// DeleteRolePolicy deletes an inline policy of a role.
func (s *Service) DeleteRolePolicy(ctx context.Context, c *Caller, in *iamtypes.DeleteRolePolicyRequest) error {
	return s.polDeleteInline(ctx, c, KindRole, in.RoleName, in.PolicyName)
}

// ListUserPolicies lists the names of a user's inline policies.
func (s *Service) ListUserPolicies(ctx context.Context, c *Caller, in *iamtypes.ListUserPoliciesRequest) (*iamtypes.ListUserPoliciesResponse, error) {
	names, truncated, marker, err := s.polListInline(ctx, c, KindUser, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListUserPoliciesResponse{PolicyNames: names, IsTruncated: truncated, Marker: marker}, nil
}

// ListGroupPolicies lists the names of a group's inline policies.
func (s *Service) ListGroupPolicies(ctx context.Context, c *Caller, in *iamtypes.ListGroupPoliciesRequest) (*iamtypes.ListGroupPoliciesResponse, error) {
	names, truncated, marker, err := s.polListInline(ctx, c, KindGroup, in.GroupName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListGroupPoliciesResponse{PolicyNames: names, IsTruncated: truncated, Marker: marker}, nil
}

// ListRolePolicies lists the names of a role's inline policies.
func (s *Service) ListRolePolicies(ctx context.Context, c *Caller, in *iamtypes.ListRolePoliciesRequest) (*iamtypes.ListRolePoliciesResponse, error) {
	names, truncated, marker, err := s.polListInline(ctx, c, KindRole, in.RoleName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListRolePoliciesResponse{PolicyNames: names, IsTruncated: truncated, Marker: marker}, nil
}
