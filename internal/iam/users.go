package iam

import (
	"context"
	"encoding/json"
	"strings"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// getUser loads a user by name, with AWS's NoSuchEntity when absent.
func getUser(ctx context.Context, r store.Reader, account, name string) (*User, error) {
	e, err := r.Get(ctx, account, KindUser, name)
	if notFound(err) {
		return nil, awserr.NoSuchEntity("The user with name %s cannot be found.", name)
	}
	if err != nil {
		return nil, err
	}
	return decode[User](e)
}

// readUser is getUser for read-only use: the record is shared and must not be modified.
func (s *Service) readUser(ctx context.Context, r store.Reader, account, name string) (*User, error) {
	e, err := r.Get(ctx, account, KindUser, name)
	if notFound(err) {
		return nil, awserr.NoSuchEntity("The user with name %s cannot be found.", name)
	}
	if err != nil {
		return nil, err
	}
	return readRecord[User](s, e)
}

func putUser(ctx context.Context, tx store.Tx, account string, u *User, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindUser, Name: u.UserName, Path: u.Path, ID: u.UserID, ARN: u.ARN, Created: u.CreateDate, Data: encode(u)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// userShape converts a record to the API's User; full includes tags and the boundary (GetUser, CreateUser).
func userShape(u *User, full bool) iamtypes.User {
	out := iamtypes.User{Path: u.Path, UserName: u.UserName, UserId: u.UserID, Arn: u.ARN, CreateDate: u.CreateDate, PasswordLastUsed: u.PasswordLastUsed}
	if full {
		if u.PermissionsBoundary != "" {
			out.PermissionsBoundary = boundaryShape(u.PermissionsBoundary)
		}
		out.Tags = tagShapes(u.Tags)
	}
	return out
}

func boundaryShape(arn string) *iamtypes.AttachedPermissionsBoundary {
	t := iamtypes.PermissionsBoundaryAttachmentType("PermissionsBoundaryPolicy")
	return &iamtypes.AttachedPermissionsBoundary{PermissionsBoundaryType: &t, PermissionsBoundaryArn: ptr(arn)}
}

func tagShapes(tags []Tag) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, t := range tags {
		out = append(out, iamtypes.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

func tagsOf(in []iamtypes.Tag) ([]Tag, []string, []string) {
	var tags []Tag
	var keys, values []string
	for _, t := range in {
		tags = append(tags, Tag{Key: t.Key, Value: t.Value})
		keys = append(keys, t.Key)
		values = append(values, t.Value)
	}
	return tags, keys, values
}

// checkBoundaryPolicy verifies that a permissions boundary names an existing managed policy.
func (s *Service) checkBoundaryPolicy(ctx context.Context, r store.Reader, arn string) error {
	if _, _, err := s.managedPolicyDocument(ctx, r, arn); err != nil {
		if _, ok := awserr.As(err); ok {
			return awserr.NoSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
		}
		return err
	}
	return nil
}

// CreateUser creates an IAM user.
func (s *Service) CreateUser(ctx context.Context, c *Caller, in *iamtypes.CreateUserRequest) (*iamtypes.CreateUserResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	u := &User{UserName: in.UserName, UserID: secret.NewID("AIDA", 21), ARN: arnFor(c.Partition(), acct, "user", path, in.UserName), Path: path,
		CreateDate: s.Now().UTC().Truncate(1e9), PermissionsBoundary: str(in.PermissionsBoundary, ""), Tags: tags}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if u.PermissionsBoundary != "" {
			actx.Set("iam:PermissionsBoundary", u.PermissionsBoundary)
		}
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateUser", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagUser", Resource: u.ARN, Context: actx}); err != nil {
				return err
			}
		}
		if u.PermissionsBoundary != "" {
			if err := s.checkBoundaryPolicy(ctx, tx, u.PermissionsBoundary); err != nil {
				return err
			}
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindUser})
		if err != nil {
			return err
		}
		if n >= s.quotas.UsersPerAccount {
			return awserr.LimitExceeded("Cannot exceed quota for UsersPerAccount: %d", s.quotas.UsersPerAccount)
		}
		if err := putUser(ctx, tx, acct, u, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("User with name %s already exists.", in.UserName)
			}
			return err
		}
		if u.PermissionsBoundary != "" {
			return tx.Link(ctx, store.Link{Account: acct, Kind: LinkBoundary, From: u.UserID, To: u.PermissionsBoundary, Created: u.CreateDate})
		}
		return nil
	}, func() *iamtypes.CreateUserResponse {
		out := userShape(u, true)
		return &iamtypes.CreateUserResponse{User: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetUser returns a user; without a name, the caller itself.
func (s *Service) GetUser(ctx context.Context, c *Caller, in *iamtypes.GetUserRequest) (*iamtypes.GetUserResponse, error) {
	acct := c.Account()
	name := str(in.UserName, "")
	var out iamtypes.User
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if name == "" {
			switch {
			case c.IsRoot():
				if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetUser", Resource: c.Principal.ARN}); err != nil {
					return err
				}
				created, err := s.accountCreated(ctx, r, acct)
				if err != nil {
					return err
				}
				out = iamtypes.User{UserId: acct, Arn: c.Principal.ARN, CreateDate: created}
				return nil
			case c.Name != "" && strings.HasPrefix(c.Principal.ARN, c.Partition().IAMPrefix()):
				name = c.Name
			default:
				return awserr.ValidationError("Must specify userName when calling with non-User credentials")
			}
		}
		u, err := s.readUser(ctx, r, acct, name)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				// Authorize against the ARN the user would have, so a denied caller learns nothing.
				if aerr := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetUser", Resource: arnFor(c.Partition(), acct, "user", "/", name)}); aerr != nil {
					return aerr
				}
			}
			return err
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetUser", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		out = userShape(u, true)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetUserResponse{User: &out}, nil
}

// ListUsers lists users, optionally under a path prefix, a page at a time.
func (s *Service) ListUsers(ctx context.Context, c *Caller, in *iamtypes.ListUsersRequest) (*iamtypes.ListUsersResponse, error) {
	p, err := listByPath(s, ctx, c, "iam:ListUsers", KindUser, "user", in.PathPrefix, in.Marker, in.MaxItems,
		func(_ context.Context, _ store.Reader, u *User) (iamtypes.User, error) {
			return userShape(u, false), nil
		})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListUsersResponse{Users: p.items, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// UpdateUser renames a user or changes its path.
func (s *Service) UpdateUser(ctx context.Context, c *Caller, in *iamtypes.UpdateUserRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, acct, in.UserName)
		if err != nil {
			if aerr := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateUser", Resource: arnFor(c.Partition(), acct, "user", "/", in.UserName)}); aerr != nil {
				return aerr
			}
			return err
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateUser", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		newName, newPath := str(in.NewUserName, u.UserName), str(in.NewPath, u.Path)
		newARN := arnFor(c.Partition(), acct, "user", newPath, newName)
		if newARN != u.ARN {
			// Renaming also needs permission on the new name.
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateUser", Resource: newARN, Context: actx}); err != nil {
				return err
			}
		}
		oldName := u.UserName
		u.UserName, u.Path, u.ARN = newName, newPath, newARN
		if !strings.EqualFold(oldName, newName) {
			if err := tx.Delete(ctx, acct, KindUser, oldName); err != nil {
				return err
			}
			if err := putUser(ctx, tx, acct, u, true); err != nil {
				if conflict(err) {
					return awserr.EntityAlreadyExists("User with name %s already exists.", newName)
				}
				return err
			}
			return s.renameUserKeys(ctx, tx, acct, oldName, newName)
		}
		return putUser(ctx, tx, acct, u, false)
	})
	return internal(err)
}

// userOwnedKinds are the credentials a user owns, stored with Parent set to the user's lower-cased name and the
// user's name in the record's "user" field.
var userOwnedKinds = [...]store.Kind{KindAccessKey, KindSSHPublicKey, KindSigningCertificate, KindServiceCredential}

// renameUserKeys moves a renamed user's credentials (access keys, SSH keys, signing certificates, service-specific
// credentials and the login profile) to the new name.
func (s *Service) renameUserKeys(ctx context.Context, tx store.Tx, acct, oldName, newName string) error {
	rewrite := func(e *store.Entity) error {
		var rec map[string]any
		if err := json.Unmarshal(e.Data, &rec); err != nil {
			return err
		}
		rec["user"] = newName
		e.Data = encode(rec)
		return nil
	}
	for _, kind := range userOwnedKinds {
		page, err := tx.List(ctx, store.ListQuery{Account: acct, Kind: kind, Parent: strings.ToLower(oldName)})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			if err := rewrite(e); err != nil {
				return err
			}
			e.Parent = strings.ToLower(newName)
			if err := tx.Update(ctx, e); err != nil {
				return err
			}
		}
	}
	// The login profile is named after its user.
	e, err := tx.Get(ctx, acct, KindLoginProfile, oldName)
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := rewrite(e); err != nil {
		return err
	}
	if err := tx.Delete(ctx, acct, KindLoginProfile, oldName); err != nil {
		return err
	}
	e.Name, e.Parent = newName, strings.ToLower(newName)
	return tx.Insert(ctx, e)
}

// DeleteUser deletes a user that has nothing attached.
func (s *Service) DeleteUser(ctx context.Context, c *Caller, in *iamtypes.DeleteUserRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, acct, in.UserName)
		if err != nil {
			if aerr := s.Authorize(ctx, tx, c, Authorization{Action: "iam:DeleteUser", Resource: arnFor(c.Partition(), acct, "user", "/", in.UserName)}); aerr != nil {
				return aerr
			}
			return err
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:DeleteUser", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, acct, KindLoginProfile, u.UserName); err == nil {
			return awserr.DeleteConflict("Cannot delete entity, must delete login profile first.")
		} else if !notFound(err) {
			return err
		}
		for _, owned := range []struct {
			kind store.Kind
			what string
		}{
			{KindAccessKey, "access keys"}, {KindSigningCertificate, "signing certificates"},
			{KindSSHPublicKey, "SSH public keys"}, {KindServiceCredential, "service specific credentials"},
		} {
			if n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: owned.kind, Parent: strings.ToLower(u.UserName)}); err != nil {
				return err
			} else if n > 0 {
				return awserr.DeleteConflict("Cannot delete entity, must delete %s first.", owned.what)
			}
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMFADevice, From: u.UserID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must delete MFA device first.")
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must remove users from group first.")
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: u.UserID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		if len(u.Policies) > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must delete policies first.")
		}
		if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: LinkBoundary, From: u.UserID}); err != nil {
			return err
		}
		return tx.Delete(ctx, acct, KindUser, u.UserName)
	})
	return internal(err)
}

// userTagging describes users for tagEntity: a missing user is NoSuchEntity without an authorization first, as
// TagUser and UntagUser have always answered.
func userTagging() taggable[User] {
	return taggable[User]{tagAction: "iam:TagUser", untagAction: "iam:UntagUser", maxTags: MaxTagsPerResource,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, name string, actx policy.Context) (*User, error) {
			u, err := getUser(ctx, r, c.Account(), name)
			if err != nil {
				return nil, err
			}
			resourceTagContext(actx, u.Tags)
			if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: u.ARN, Context: actx}); err != nil {
				return nil, err
			}
			return u, nil
		},
		tags: func(u *User) *[]Tag { return &u.Tags },
		save: func(ctx context.Context, tx store.Tx, account string, u *User) error {
			return putUser(ctx, tx, account, u, false)
		},
	}
}

// TagUser adds or replaces tags on a user.
func (s *Service) TagUser(ctx context.Context, c *Caller, in *iamtypes.TagUserRequest) error {
	return tagEntity(ctx, s, c, userTagging(), in.UserName, in.Tags)
}

// UntagUser removes tags from a user.
func (s *Service) UntagUser(ctx context.Context, c *Caller, in *iamtypes.UntagUserRequest) error {
	return untagEntity(ctx, s, c, userTagging(), in.UserName, in.TagKeys)
}

// ListUserTags lists a user's tags, a page at a time.
func (s *Service) ListUserTags(ctx context.Context, c *Caller, in *iamtypes.ListUserTagsRequest) (*iamtypes.ListUserTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		u, err := getUser(ctx, r, c.Account(), in.UserName)
		if err != nil {
			return nil, err
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListUserTags", Resource: u.ARN, Context: actx}); err != nil {
			return nil, err
		}
		return u.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListUserTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
