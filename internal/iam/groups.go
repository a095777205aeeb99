package iam

import (
	"context"
	"sort"
	"strings"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// groupsLoad loads a group by name, with AWS's NoSuchEntity when absent.
func groupsLoad(ctx context.Context, r store.Reader, account, name string) (*Group, error) {
	e, err := r.Get(ctx, account, KindGroup, name)
	if notFound(err) {
		return nil, awserr.NoSuchEntity("The group with name %s cannot be found.", name)
	}
	if err != nil {
		return nil, err
	}
	return decode[Group](e)
}

// groupsSave inserts or replaces a group's entity.
func groupsSave(ctx context.Context, tx store.Tx, account string, g *Group, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindGroup, Name: g.GroupName, Path: g.Path, ID: g.GroupID, ARN: g.ARN, Created: g.CreateDate, Data: encode(g)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// groupsShape converts a record to the API's Group.
func groupsShape(g *Group) iamtypes.Group {
	return iamtypes.Group{Path: g.Path, GroupName: g.GroupName, GroupId: g.GroupID, Arn: g.ARN, CreateDate: g.CreateDate}
}

// groupsAuthorizeMissing authorizes an action on the ARN a missing group would have, so that a caller who may not
// act on it learns nothing about whether it exists; it returns notFoundErr when the caller may.
func (s *Service) groupsAuthorizeMissing(ctx context.Context, r store.Reader, c *Caller, action, name string, notFoundErr error) error {
	if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), c.Account(), "group", "/", name)}); aerr != nil {
		return aerr
	}
	return notFoundErr
}

// groupsPage returns one page of items sorted by their names ignoring case, after the page marker, and the marker of
// the next page ("" on the last page). Membership lists are small (at most 10 groups per user, and a group's users
// are bounded by the account's users), so they are paged in memory.
func groupsPage[T any](items []T, name func(T) string, pa pageArgs) ([]T, string) {
	sort.Slice(items, func(i, j int) bool { return strings.ToLower(name(items[i])) < strings.ToLower(name(items[j])) })
	var out []T
	for _, it := range items {
		if pa.after != "" && strings.ToLower(name(it)) <= pa.after {
			continue
		}
		if pa.limit > 0 && len(out) == pa.limit {
			return out, strings.ToLower(name(out[len(out)-1]))
		}
		out = append(out, it)
	}
	return out, ""
}

// CreateGroup creates an IAM group.
func (s *Service) CreateGroup(ctx context.Context, c *Caller, in *iamtypes.CreateGroupRequest) (*iamtypes.CreateGroupResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	g := &Group{GroupName: in.GroupName, GroupID: secret.NewID("AGPA", 21), ARN: arnFor(c.Partition(), acct, "group", path, in.GroupName), Path: path,
		CreateDate: s.Now().UTC().Truncate(time.Second)}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateGroup", Resource: g.ARN}); err != nil {
			return err
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindGroup})
		if err != nil {
			return err
		}
		if n >= s.quotas.GroupsPerAccount {
			return awserr.LimitExceeded("Cannot exceed quota for GroupsPerAccount: %d", s.quotas.GroupsPerAccount)
		}
		if err := groupsSave(ctx, tx, acct, g, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("Group with name %s already exists.", in.GroupName)
			}
			return err
		}
		return nil
	}, func() *iamtypes.CreateGroupResponse {
		out := groupsShape(g)
		return &iamtypes.CreateGroupResponse{Group: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetGroup returns a group and a page of its users.
func (s *Service) GetGroup(ctx context.Context, c *Caller, in *iamtypes.GetGroupRequest) (*iamtypes.GetGroupResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.GetGroupResponse{Users: []iamtypes.User{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		g, err := groupsLoad(ctx, r, acct, in.GroupName)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				return s.groupsAuthorizeMissing(ctx, r, c, "iam:GetGroup", in.GroupName, err)
			}
			return err
		}
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetGroup", Resource: g.ARN}); err != nil {
			return err
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, To: g.GroupID})
		if err != nil {
			return err
		}
		users := make([]*User, 0, len(links))
		for _, l := range links {
			e, err := r.GetByID(ctx, l.From)
			if err != nil {
				return errorf("member %s of group %s: %w", l.From, g.GroupName, err)
			}
			u, err := decode[User](e)
			if err != nil {
				return err
			}
			users = append(users, u)
		}
		page, next := groupsPage(users, func(u *User) string { return u.UserName }, pa)
		for _, u := range page {
			out.Users = append(out.Users, userShape(u, false))
		}
		gs := groupsShape(g)
		out.Group = &gs
		out.IsTruncated, out.Marker = nextMarker(next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// ListGroups lists groups, optionally under a path prefix, a page at a time.
func (s *Service) ListGroups(ctx context.Context, c *Caller, in *iamtypes.ListGroupsRequest) (*iamtypes.ListGroupsResponse, error) {
	p, err := listByPath(s, ctx, c, "iam:ListGroups", KindGroup, "group", in.PathPrefix, in.Marker, in.MaxItems,
		func(_ context.Context, _ store.Reader, g *Group) (iamtypes.Group, error) { return groupsShape(g), nil })
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListGroupsResponse{Groups: p.items, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// UpdateGroup renames a group or changes its path. Memberships and attached policies follow, as they link the
// group's unique ID.
func (s *Service) UpdateGroup(ctx context.Context, c *Caller, in *iamtypes.UpdateGroupRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		g, err := groupsLoad(ctx, tx, acct, in.GroupName)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				return s.groupsAuthorizeMissing(ctx, tx, c, "iam:UpdateGroup", in.GroupName, err)
			}
			return err
		}
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateGroup", Resource: g.ARN}); err != nil {
			return err
		}
		newName, newPath := str(in.NewGroupName, g.GroupName), str(in.NewPath, g.Path)
		newARN := arnFor(c.Partition(), acct, "group", newPath, newName)
		if newARN != g.ARN {
			// AWS requires permission on both the old and the new group.
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateGroup", Resource: newARN}); err != nil {
				return err
			}
		}
		oldName := g.GroupName
		g.GroupName, g.Path, g.ARN = newName, newPath, newARN
		if strings.EqualFold(oldName, newName) {
			return groupsSave(ctx, tx, acct, g, false)
		}
		if err := tx.Delete(ctx, acct, KindGroup, oldName); err != nil {
			return err
		}
		if err := groupsSave(ctx, tx, acct, g, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("Group with name %s already exists.", newName)
			}
			return err
		}
		return nil
	})
	return internal(err)
}

// DeleteGroup deletes a group that has no members and no policies.
func (s *Service) DeleteGroup(ctx context.Context, c *Caller, in *iamtypes.DeleteGroupRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		g, err := groupsLoad(ctx, tx, acct, in.GroupName)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				return s.groupsAuthorizeMissing(ctx, tx, c, "iam:DeleteGroup", in.GroupName, err)
			}
			return err
		}
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:DeleteGroup", Resource: g.ARN}); err != nil {
			return err
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, To: g.GroupID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must remove users from group first.")
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: g.GroupID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		if len(g.Policies) > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must delete policies first.")
		}
		return tx.Delete(ctx, acct, KindGroup, g.GroupName)
	})
	return internal(err)
}

// groupsMembership loads the group and the user of a membership operation, authorizing the action on the group
// first (on the ARN a missing group would have, so a denied caller learns nothing).
func (s *Service) groupsMembership(ctx context.Context, r store.Reader, c *Caller, action, groupName, userName string) (*Group, *User, error) {
	acct := c.Account()
	g, err := groupsLoad(ctx, r, acct, groupName)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, nil, s.groupsAuthorizeMissing(ctx, r, c, action, groupName, err)
		}
		return nil, nil, err
	}
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: g.ARN}); err != nil {
		return nil, nil, err
	}
	u, err := getUser(ctx, r, acct, userName)
	if err != nil {
		return nil, nil, err
	}
	return g, u, nil
}

// AddUserToGroup adds a user to a group. Adding a member again succeeds and changes nothing, as in AWS.
func (s *Service) AddUserToGroup(ctx context.Context, c *Caller, in *iamtypes.AddUserToGroupRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		g, u, err := s.groupsMembership(ctx, tx, c, "iam:AddUserToGroup", in.GroupName, in.UserName)
		if err != nil {
			return err
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID, To: g.GroupID}); err != nil {
			return err
		} else if n > 0 {
			return nil
		}
		n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID})
		if err != nil {
			return err
		}
		if n >= MaxGroupsPerUser {
			return awserr.LimitExceeded("Cannot exceed quota for GroupsPerUser: %d", MaxGroupsPerUser)
		}
		return tx.Link(ctx, store.Link{Account: acct, Kind: LinkMember, From: u.UserID, To: g.GroupID, Created: s.Now().UTC().Truncate(time.Second)})
	})
	return internal(err)
}

// RemoveUserFromGroup removes a user from a group. Removing a user who is not a member succeeds, as in AWS.
func (s *Service) RemoveUserFromGroup(ctx context.Context, c *Caller, in *iamtypes.RemoveUserFromGroupRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		g, u, err := s.groupsMembership(ctx, tx, c, "iam:RemoveUserFromGroup", in.GroupName, in.UserName)
		if err != nil {
			return err
		}
		_, err = tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID, To: g.GroupID})
		return err
	})
	return internal(err)
}

// ListGroupsForUser lists the groups a user belongs to, a page at a time.
func (s *Service) ListGroupsForUser(ctx context.Context, c *Caller, in *iamtypes.ListGroupsForUserRequest) (*iamtypes.ListGroupsForUserResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListGroupsForUserResponse{Groups: []iamtypes.Group{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		u, err := getUser(ctx, r, acct, in.UserName)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				if aerr := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListGroupsForUser", Resource: arnFor(c.Partition(), acct, "user", "/", in.UserName)}); aerr != nil {
					return aerr
				}
			}
			return err
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListGroupsForUser", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID})
		if err != nil {
			return err
		}
		groups := make([]*Group, 0, len(links))
		for _, l := range links {
			e, err := r.GetByID(ctx, l.To)
			if err != nil {
				return errorf("group %s of user %s: %w", l.To, u.UserName, err)
			}
			g, err := decode[Group](e)
			if err != nil {
				return err
			}
			groups = append(groups, g)
		}
		page, next := groupsPage(groups, func(g *Group) string { return g.GroupName }, pa)
		for _, g := range page {
			out.Groups = append(out.Groups, groupsShape(g))
		}
		out.IsTruncated, out.Marker = nextMarker(next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}
