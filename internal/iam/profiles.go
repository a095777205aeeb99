package iam

import (
	"context"
	"maps"
	"sort"
	"strings"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// MaxRolesPerInstanceProfile is AWS's InstanceSessionsPerInstanceProfile quota, which cannot be raised.
const MaxRolesPerInstanceProfile = 1

// profilesLoad loads an instance profile by name, with AWS's NoSuchEntity when absent.
func profilesLoad(ctx context.Context, r store.Reader, account, name string) (*InstanceProfile, error) {
	e, err := r.Get(ctx, account, KindInstanceProfile, name)
	if notFound(err) {
		return nil, awserr.NoSuchEntity("Instance Profile %s cannot be found.", name)
	}
	if err != nil {
		return nil, err
	}
	return decode[InstanceProfile](e)
}

func profilesSave(ctx context.Context, tx store.Tx, account string, p *InstanceProfile, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindInstanceProfile, Name: p.InstanceProfileName, Path: p.Path,
		ID: p.InstanceProfileID, ARN: p.ARN, Created: p.CreateDate, Data: encode(p)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// profilesRoles loads the roles an instance profile holds.
func profilesRoles(ctx context.Context, r store.Reader, account, profileID string) ([]*Role, error) {
	links, err := r.Links(ctx, store.LinkQuery{Account: account, Kind: LinkProfileRole, From: profileID})
	if err != nil {
		return nil, err
	}
	var out []*Role
	for _, l := range links {
		e, err := r.GetByID(ctx, l.To)
		if err != nil {
			return nil, errorf("role %s of instance profile %s: %w", l.To, profileID, err)
		}
		ro, err := decode[Role](e)
		if err != nil {
			return nil, err
		}
		out = append(out, ro)
	}
	return out, nil
}

// profilesShape converts a record to the API's InstanceProfile with its roles; tags only when full.
func profilesShape(ctx context.Context, r store.Reader, account string, p *InstanceProfile, full bool) (iamtypes.InstanceProfile, error) {
	out := iamtypes.InstanceProfile{Path: p.Path, InstanceProfileName: p.InstanceProfileName, InstanceProfileId: p.InstanceProfileID,
		Arn: p.ARN, CreateDate: p.CreateDate, Roles: []iamtypes.Role{}}
	roles, err := profilesRoles(ctx, r, account, p.InstanceProfileID)
	if err != nil {
		return out, err
	}
	for _, ro := range roles {
		out.Roles = append(out.Roles, rolesShape(ro, roleViewList))
	}
	if full {
		out.Tags = tagShapes(p.Tags)
	}
	return out, nil
}

// profilesContext returns the condition keys an existing instance profile contributes. The instance-profile
// resource type has aws:ResourceTag only (no iam:ResourceTag).
func profilesContext(p *InstanceProfile) policy.Context {
	actx := policy.Context{}
	for _, t := range p.Tags {
		actx.Set("aws:ResourceTag/"+t.Key, t.Value)
	}
	return actx
}

// profilesAuthorized loads an instance profile and authorizes the action on it; see rolesAuthorized.
func (s *Service) profilesAuthorized(ctx context.Context, r store.Reader, c *Caller, action, name string, more func(actx policy.Context)) (*InstanceProfile, error) {
	acct := c.Account()
	p, err := profilesLoad(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "instance-profile", "/", name)}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	actx := profilesContext(p)
	if more != nil {
		more(actx)
	}
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: p.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return p, nil
}

// CreateInstanceProfile creates an instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.CreateInstanceProfileRequest) (*iamtypes.CreateInstanceProfileResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	p := &InstanceProfile{InstanceProfileName: in.InstanceProfileName, InstanceProfileID: secret.NewID("AIPA", 21),
		ARN: arnFor(c.Partition(), acct, "instance-profile", path, in.InstanceProfileName), Path: path, CreateDate: s.Now().UTC().Truncate(1e9), Tags: tags}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateInstanceProfile", Resource: p.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagInstanceProfile", Resource: p.ARN, Context: actx}); err != nil {
				return err
			}
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindInstanceProfile})
		if err != nil {
			return err
		}
		if n >= s.quotas.InstanceProfilesPerAccount {
			return awserr.LimitExceeded("Cannot exceed quota for InstanceProfilesPerAccount: %d", s.quotas.InstanceProfilesPerAccount)
		}
		if err := profilesSave(ctx, tx, acct, p, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("Instance Profile %s already exists.", in.InstanceProfileName)
			}
			return err
		}
		return nil
	}, func() *iamtypes.CreateInstanceProfileResponse {
		out := iamtypes.InstanceProfile{Path: p.Path, InstanceProfileName: p.InstanceProfileName, InstanceProfileId: p.InstanceProfileID,
			Arn: p.ARN, CreateDate: p.CreateDate, Roles: []iamtypes.Role{}, Tags: tagShapes(p.Tags)}
		return &iamtypes.CreateInstanceProfileResponse{InstanceProfile: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetInstanceProfile returns an instance profile with its role and tags.
func (s *Service) GetInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.GetInstanceProfileRequest) (*iamtypes.GetInstanceProfileResponse, error) {
	acct := c.Account()
	var out iamtypes.InstanceProfile
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		p, err := s.profilesAuthorized(ctx, r, c, "iam:GetInstanceProfile", in.InstanceProfileName, nil)
		if err != nil {
			return err
		}
		out, err = profilesShape(ctx, r, acct, p, true)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetInstanceProfileResponse{InstanceProfile: &out}, nil
}

// ListInstanceProfiles lists instance profiles, optionally under a path prefix, a page at a time.
func (s *Service) ListInstanceProfiles(ctx context.Context, c *Caller, in *iamtypes.ListInstanceProfilesRequest) (*iamtypes.ListInstanceProfilesResponse, error) {
	p, err := listByPath(s, ctx, c, "iam:ListInstanceProfiles", KindInstanceProfile, "instance-profile", in.PathPrefix, in.Marker, in.MaxItems,
		func(ctx context.Context, r store.Reader, ip *InstanceProfile) (iamtypes.InstanceProfile, error) {
			return profilesShape(ctx, r, c.Account(), ip, false)
		})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListInstanceProfilesResponse{InstanceProfiles: p.items, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// DeleteInstanceProfile deletes an instance profile that holds no role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.DeleteInstanceProfileRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.profilesAuthorized(ctx, tx, c, "iam:DeleteInstanceProfile", in.InstanceProfileName, nil)
		if err != nil {
			return err
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkProfileRole, From: p.InstanceProfileID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		return tx.Delete(ctx, acct, KindInstanceProfile, p.InstanceProfileName)
	})
	return internal(err)
}

// AddRoleToInstanceProfile puts a role in an instance profile, which holds at most one. As AWS documents, the caller
// also needs iam:PassRole on the role (for EC2, which is what an instance profile passes it to).
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.AddRoleToInstanceProfileRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.profilesAuthorized(ctx, tx, c, "iam:AddRoleToInstanceProfile", in.InstanceProfileName, nil)
		if err != nil {
			return err
		}
		ro, err := rolesLoad(ctx, tx, acct, in.RoleName)
		if err != nil {
			return err
		}
		pctx := rolesContext(ro)
		pctx.Set("iam:PassedToService", "ec2.amazonaws.com")
		pctx.Set("iam:AssociatedResourceArn", c.Partition().ARN("ec2", "*", acct, "instance/*"))
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:PassRole", Resource: ro.ARN, Context: pctx}); err != nil {
			return err
		}
		n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkProfileRole, From: p.InstanceProfileID})
		if err != nil {
			return err
		}
		if n >= MaxRolesPerInstanceProfile {
			return awserr.LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", MaxRolesPerInstanceProfile)
		}
		return tx.Link(ctx, store.Link{Account: acct, Kind: LinkProfileRole, From: p.InstanceProfileID, To: ro.RoleID, Created: s.Now().UTC().Truncate(1e9)})
	})
	return internal(err)
}

// RemoveRoleFromInstanceProfile takes a role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.RemoveRoleFromInstanceProfileRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		p, err := s.profilesAuthorized(ctx, tx, c, "iam:RemoveRoleFromInstanceProfile", in.InstanceProfileName, nil)
		if err != nil {
			return err
		}
		ro, err := rolesLoad(ctx, tx, acct, in.RoleName)
		if err != nil {
			return err
		}
		err = tx.Unlink(ctx, store.Link{Account: acct, Kind: LinkProfileRole, From: p.InstanceProfileID, To: ro.RoleID})
		if notFound(err) {
			return awserr.NoSuchEntity("Role %s in Instance Profile %s cannot be found.", ro.RoleName, p.InstanceProfileName)
		}
		return err
	})
	return internal(err)
}

// ListInstanceProfilesForRole lists the instance profiles that hold a role, in name order, a page at a time.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, c *Caller, in *iamtypes.ListInstanceProfilesForRoleRequest) (*iamtypes.ListInstanceProfilesForRoleResponse, error) {
	acct := c.Account()
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListInstanceProfilesForRoleResponse{InstanceProfiles: []iamtypes.InstanceProfile{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ro, err := s.rolesAuthorized(ctx, r, c, "iam:ListInstanceProfilesForRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkProfileRole, To: ro.RoleID})
		if err != nil {
			return err
		}
		var profiles []*InstanceProfile
		for _, l := range links {
			e, err := r.GetByID(ctx, l.From)
			if err != nil {
				return errorf("instance profile %s of role %s: %w", l.From, ro.RoleID, err)
			}
			p, err := decode[InstanceProfile](e)
			if err != nil {
				return err
			}
			if pa.after == "" || strings.ToLower(p.InstanceProfileName) > pa.after {
				profiles = append(profiles, p)
			}
		}
		sort.Slice(profiles, func(i, j int) bool {
			return strings.ToLower(profiles[i].InstanceProfileName) < strings.ToLower(profiles[j].InstanceProfileName)
		})
		next := ""
		if pa.limit > 0 && len(profiles) > pa.limit {
			profiles = profiles[:pa.limit]
			next = strings.ToLower(profiles[len(profiles)-1].InstanceProfileName)
		}
		for _, p := range profiles {
			shape, err := profilesShape(ctx, r, acct, p, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, shape)
		}
		out.IsTruncated, out.Marker = nextMarker(next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// instanceProfileTagging describes instance profiles for tagEntity; a missing profile is authorized against its ARN
// at the root path.
func instanceProfileTagging() taggable[InstanceProfile] {
	return taggable[InstanceProfile]{tagAction: "iam:TagInstanceProfile", untagAction: "iam:UntagInstanceProfile", maxTags: MaxTagsPerResource,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, name string, actx policy.Context) (*InstanceProfile, error) {
			return s.profilesAuthorized(ctx, r, c, action, name, func(own policy.Context) { maps.Copy(own, actx) })
		},
		tags: func(p *InstanceProfile) *[]Tag { return &p.Tags },
		save: func(ctx context.Context, tx store.Tx, account string, p *InstanceProfile) error {
			return profilesSave(ctx, tx, account, p, false)
		},
	}
}

// TagInstanceProfile adds or replaces tags on an instance profile.
func (s *Service) TagInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.TagInstanceProfileRequest) error {
	return tagEntity(ctx, s, c, instanceProfileTagging(), in.InstanceProfileName, in.Tags)
}

// UntagInstanceProfile removes tags from an instance profile.
func (s *Service) UntagInstanceProfile(ctx context.Context, c *Caller, in *iamtypes.UntagInstanceProfileRequest) error {
	return untagEntity(ctx, s, c, instanceProfileTagging(), in.InstanceProfileName, in.TagKeys)
}

// ListInstanceProfileTags lists an instance profile's tags, a page at a time.
func (s *Service) ListInstanceProfileTags(ctx context.Context, c *Caller, in *iamtypes.ListInstanceProfileTagsRequest) (*iamtypes.ListInstanceProfileTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		p, err := s.profilesAuthorized(ctx, r, c, "iam:ListInstanceProfileTags", in.InstanceProfileName, nil)
		if err != nil {
			return nil, err
		}
		return p.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListInstanceProfileTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
