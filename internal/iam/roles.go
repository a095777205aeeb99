package iam

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Limits of a role's maximum session duration, in seconds.
const (
	rolesMinSessionDuration     = 3600
	rolesMaxSessionDuration     = 43200
	rolesDefaultSessionDuration = 3600
)

// rolesLoad loads a role by name, with AWS's NoSuchEntity when absent.
func rolesLoad(ctx context.Context, r store.Reader, account, name string) (*Role, error) {
	e, err := r.Get(ctx, account, KindRole, name)
	if notFound(err) {
		return nil, awserr.NoSuchEntity("The role with name %s cannot be found.", name)
	}
	if err != nil {
		return nil, err
	}
	return decode[Role](e)
}

// rolesSave inserts or replaces a role.
func rolesSave(ctx context.Context, tx store.Tx, account string, ro *Role, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindRole, Name: ro.RoleName, Path: ro.Path, ID: ro.RoleID, ARN: ro.ARN,
		Created: ro.CreateDate, Data: encode(ro)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// rolesCheckModifiable returns AWS's UnmodifiableEntity for a service-linked role: only the service that owns it may
// change its trust policy, its permissions (inline, attached or boundary) or delete it. Operations owned elsewhere
// (PutRolePolicy, DeleteRolePolicy, AttachRolePolicy, DetachRolePolicy) call it after authorizing.
func rolesCheckModifiable(ro *Role) error {
	if ro.ServiceLinked {
		return awserr.UnmodifiableEntity("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", ro.RoleName)
	}
	return nil
}

// roleView selects the members of a Role that an operation returns.
type roleView int

const (
	roleViewCreate roleView = iota // CreateRole: no MaxSessionDuration, no RoleLastUsed; tags and boundary when set
	roleViewList                   // ListRoles, instance profiles: no tags, boundary or RoleLastUsed
	roleViewGet                    // GetRole and the role-returning updates: everything
)

// rolesShape converts a record to the API's Role.
func rolesShape(ro *Role, view roleView) iamtypes.Role {
	out := iamtypes.Role{Path: ro.Path, RoleName: ro.RoleName, RoleId: ro.RoleID, Arn: ro.ARN, CreateDate: ro.CreateDate,
		AssumeRolePolicyDocument: ptr(urlEncodeDocument(ro.AssumeRolePolicyDocument))}
	if ro.Description != "" {
		out.Description = ptr(ro.Description)
	}
	if view != roleViewCreate {
		out.MaxSessionDuration = ptr(ro.MaxSessionDuration)
	}
	if view != roleViewList {
		if ro.PermissionsBoundary != "" {
			out.PermissionsBoundary = boundaryShape(ro.PermissionsBoundary)
		}
		out.Tags = tagShapes(ro.Tags)
	}
	if view == roleViewGet {
		out.RoleLastUsed = roleLastUsedShape(ro)
	}
	return out
}

// roleLastUsedShape is a role's RoleLastUsed as GetRole and GetAccountAuthorizationDetails send it: present, and
// empty (<RoleLastUsed/>) for a role never used.
func roleLastUsedShape(ro *Role) *iamtypes.RoleLastUsed {
	out := &iamtypes.RoleLastUsed{}
	if ro.LastUsed != nil {
		d := ro.LastUsed.Date
		out.LastUsedDate = &d
		if ro.LastUsed.Region != "" {
			out.Region = ptr(ro.LastUsed.Region)
		}
	}
	return out
}

// rolesContext returns the condition keys an existing role contributes: its tags and its permissions boundary.
func rolesContext(ro *Role) policy.Context {
	actx := policy.Context{}
	resourceTagContext(actx, ro.Tags)
	if ro.PermissionsBoundary != "" {
		actx.Set("iam:PermissionsBoundary", ro.PermissionsBoundary)
	}
	return actx
}

// rolesAuthorized loads a role and authorizes the action on it. When the role does not exist, the caller is
// authorized against the ARN the role would have at the root path, so that a caller who may not act on it learns
// nothing from NoSuchEntity. more, when set, adds the operation's own keys to the context.
func (s *Service) rolesAuthorized(ctx context.Context, r store.Reader, c *Caller, action, name string, more func(ro *Role, actx policy.Context)) (*Role, error) {
	acct := c.Account()
	ro, err := rolesLoad(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "role", "/", name)}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	actx := rolesContext(ro)
	if more != nil {
		more(ro, actx)
	}
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: ro.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return ro, nil
}

// rolesCheckSessionDuration checks MaxSessionDuration as IAM's model does, with its ValidationError.
func rolesCheckSessionDuration(d int32) error {
	switch {
	case d < rolesMinSessionDuration:
		return awserr.ValidationError("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to %d", d, rolesMinSessionDuration)
	case d > rolesMaxSessionDuration:
		return awserr.ValidationError("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to %d", d, rolesMaxSessionDuration)
	}
	return nil
}

// rolesCheckTrustPolicy validates a trust policy as IAM does on write: the policy language for trust policies, the
// size quota, and the principals it names. An IAM user or role of an account iamd holds must exist, as AWS resolves
// such principals when the policy is saved; account roots, "*", assumed-role and federated-user sessions and
// federated providers are accepted as written. A service principal must be one AWS has (knownServicePrincipal).
// AWS principals must be of the role's partition p (roles trust only their own partition); in China a service
// principal is written as elsewhere (NAME.amazonaws.com), and also, for the few services AWS documents so,
// with China's suffix (servicePrincipalsChina).
func (s *Service) rolesCheckTrustPolicy(ctx context.Context, r store.Reader, p awsregion.Partition, doc string) error {
	if err := checkPolicyDocument(doc, policy.TypeTrust, false, MaxTrustPolicySize, "ACLSizePerRole"); err != nil {
		return err
	}
	compiled, err := s.compile(doc, policy.TypeTrust)
	if err != nil {
		return err
	}
	for _, st := range compiled.Statements {
		if st.Principal == nil {
			continue
		}
		for _, a := range st.Principal.AWS {
			ok, err := s.rolesPrincipalExists(ctx, r, p, a)
			if err != nil {
				return err
			}
			if !ok {
				return awserr.MalformedPolicyDocument("Invalid principal in policy: \"AWS\":\"%s\"", a)
			}
		}
		for _, svc := range st.Principal.Service {
			if !(p == awsregion.China && slices.Contains(servicePrincipalsChina, strings.ToLower(svc))) && !knownServicePrincipal(s.Catalog, svc) {
				return awserr.MalformedPolicyDocument("Invalid principal in policy: \"SERVICE\":\"%s\"", svc)
			}
		}
	}
	return nil
}

// rolesPrincipalExists reports whether an AWS principal ARN of a trust policy may be saved.
func (s *Service) rolesPrincipalExists(ctx context.Context, r store.Reader, p awsregion.Partition, principal string) (bool, error) {
	a, err := arn.Parse(principal)
	if err != nil || a.Partition != p.String() || a.Region != "" || !isAccountID(a.Account) {
		return false, nil
	}
	switch a.Service {
	case "sts":
		return strings.HasPrefix(a.Resource, "assumed-role/") || strings.HasPrefix(a.Resource, "federated-user/"), nil
	case "iam":
	default:
		return false, nil
	}
	if a.Resource == "root" {
		return true, nil
	}
	var kind store.Kind
	switch {
	case strings.HasPrefix(a.Resource, "user/"):
		kind = KindUser
	case strings.HasPrefix(a.Resource, "role/"):
		kind = KindRole
	default:
		return false, nil
	}
	if _, err := r.Setting(ctx, a.Account, settingAccount); notFound(err) {
		return true, nil // an account iamd does not hold: its principals cannot be checked
	} else if err != nil {
		return false, err
	}
	name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	e, err := r.Get(ctx, a.Account, kind, name)
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.EqualFold(e.ARN, principal), nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CreateRole creates an IAM role.
func (s *Service) CreateRole(ctx context.Context, c *Caller, in *iamtypes.CreateRoleRequest) (*iamtypes.CreateRoleResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	maxSession := int32(rolesDefaultSessionDuration)
	if in.MaxSessionDuration != nil {
		maxSession = *in.MaxSessionDuration
		if err := rolesCheckSessionDuration(maxSession); err != nil {
			return nil, err
		}
	}
	ro := &Role{RoleName: in.RoleName, RoleID: secret.NewID("AROA", 21), ARN: arnFor(c.Partition(), acct, "role", path, in.RoleName), Path: path,
		CreateDate: s.Now().UTC().Truncate(1e9), AssumeRolePolicyDocument: in.AssumeRolePolicyDocument,
		Description: str(in.Description, ""), MaxSessionDuration: maxSession, PermissionsBoundary: str(in.PermissionsBoundary, ""), Tags: tags}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if ro.PermissionsBoundary != "" {
			actx.Set("iam:PermissionsBoundary", ro.PermissionsBoundary)
		}
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreateRole", Resource: ro.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagRole", Resource: ro.ARN, Context: actx}); err != nil {
				return err
			}
		}
		if err := s.rolesCheckTrustPolicy(ctx, tx, c.Partition(), ro.AssumeRolePolicyDocument); err != nil {
			return err
		}
		if ro.PermissionsBoundary != "" {
			if err := s.checkBoundaryPolicy(ctx, tx, ro.PermissionsBoundary); err != nil {
				return err
			}
		}
		return s.rolesInsert(ctx, tx, acct, ro)
	}, func() *iamtypes.CreateRoleResponse {
		out := rolesShape(ro, roleViewCreate)
		return &iamtypes.CreateRoleResponse{Role: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// rolesInsert stores a new role after checking the account's quota, and links its boundary.
func (s *Service) rolesInsert(ctx context.Context, tx store.Tx, acct string, ro *Role) error {
	n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindRole})
	if err != nil {
		return err
	}
	if n >= s.quotas.RolesPerAccount {
		return awserr.LimitExceeded("Cannot exceed quota for RolesPerAccount: %d", s.quotas.RolesPerAccount)
	}
	if err := rolesSave(ctx, tx, acct, ro, true); err != nil {
		if conflict(err) {
			return awserr.EntityAlreadyExists("Role with name %s already exists.", ro.RoleName)
		}
		return err
	}
	if ro.PermissionsBoundary != "" {
		return tx.Link(ctx, store.Link{Account: acct, Kind: LinkBoundary, From: ro.RoleID, To: ro.PermissionsBoundary, Created: ro.CreateDate})
	}
	return nil
}

// GetRole returns a role with its tags, boundary and last use.
func (s *Service) GetRole(ctx context.Context, c *Caller, in *iamtypes.GetRoleRequest) (*iamtypes.GetRoleResponse, error) {
	var out iamtypes.Role
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ro, err := s.rolesAuthorized(ctx, r, c, "iam:GetRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		if ro, err = s.withLastUse(ctx, r, c.Account(), ro); err != nil {
			return err
		}
		out = rolesShape(ro, roleViewGet)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetRoleResponse{Role: &out}, nil
}

// ListRoles lists roles, optionally under a path prefix, a page at a time. As in AWS, the items carry no tags,
// permissions boundary or last use.
func (s *Service) ListRoles(ctx context.Context, c *Caller, in *iamtypes.ListRolesRequest) (*iamtypes.ListRolesResponse, error) {
	p, err := listByPath(s, ctx, c, "iam:ListRoles", KindRole, "role", in.PathPrefix, in.Marker, in.MaxItems,
		func(_ context.Context, _ store.Reader, ro *Role) (iamtypes.Role, error) {
			return rolesShape(ro, roleViewList), nil
		})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListRolesResponse{Roles: p.items, IsTruncated: p.truncated, Marker: p.marker}, nil
}

// UpdateRole changes a role's description and maximum session duration; a member left out keeps its value. The
// description of a service-linked role may change, as AWS allows for any role; its session duration may not.
func (s *Service) UpdateRole(ctx context.Context, c *Caller, in *iamtypes.UpdateRoleRequest) (*iamtypes.UpdateRoleResponse, error) {
	acct := c.Account()
	if in.MaxSessionDuration != nil {
		if err := rolesCheckSessionDuration(*in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:UpdateRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		if in.MaxSessionDuration != nil {
			if err := rolesCheckModifiable(ro); err != nil {
				return err
			}
			ro.MaxSessionDuration = *in.MaxSessionDuration
		}
		if in.Description != nil {
			ro.Description = *in.Description
		}
		return rolesSave(ctx, tx, acct, ro, false)
	}, func() *iamtypes.UpdateRoleResponse {
		return &iamtypes.UpdateRoleResponse{}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// UpdateRoleDescription changes a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, c *Caller, in *iamtypes.UpdateRoleDescriptionRequest) (*iamtypes.UpdateRoleDescriptionResponse, error) {
	acct := c.Account()
	var out iamtypes.Role
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:UpdateRoleDescription", in.RoleName, nil)
		if err != nil {
			return err
		}
		ro.Description = in.Description
		if err := rolesSave(ctx, tx, acct, ro, false); err != nil {
			return err
		}
		out = rolesShape(ro, roleViewGet)
		return nil
	}, func() *iamtypes.UpdateRoleDescriptionResponse {
		return &iamtypes.UpdateRoleDescriptionResponse{Role: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// DeleteRole deletes a role that is in no instance profile and has no policies.
func (s *Service) DeleteRole(ctx context.Context, c *Caller, in *iamtypes.DeleteRoleRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:DeleteRole", in.RoleName, nil)
		if err != nil {
			return err
		}
		if err := rolesCheckModifiable(ro); err != nil {
			return err
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkProfileRole, To: ro.RoleID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
		}
		if n, err := tx.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: ro.RoleID}); err != nil {
			return err
		} else if n > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must detach all policies first.")
		}
		if len(ro.Policies) > 0 {
			return awserr.DeleteConflict("Cannot delete entity, must delete policies first.")
		}
		return rolesRemove(ctx, tx, acct, ro)
	})
	return internal(err)
}

// rolesRemove deletes a role with its links.
func rolesRemove(ctx context.Context, tx store.Tx, acct string, ro *Role) error {
	for _, kind := range []string{LinkBoundary, LinkAttached} {
		if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: kind, From: ro.RoleID}); err != nil {
			return err
		}
	}
	if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: LinkProfileRole, To: ro.RoleID}); err != nil {
		return err
	}
	return tx.Delete(ctx, acct, KindRole, ro.RoleName)
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *Caller, in *iamtypes.UpdateAssumeRolePolicyRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:UpdateAssumeRolePolicy", in.RoleName, nil)
		if err != nil {
			return err
		}
		if err := rolesCheckModifiable(ro); err != nil {
			return err
		}
		if err := s.rolesCheckTrustPolicy(ctx, tx, c.Partition(), in.PolicyDocument); err != nil {
			return err
		}
		ro.AssumeRolePolicyDocument = in.PolicyDocument
		return rolesSave(ctx, tx, acct, ro, false)
	})
	return internal(err)
}

// roleTagging describes roles for tagEntity; a missing role is authorized against its ARN at the root path.
func roleTagging() taggable[Role] {
	return taggable[Role]{tagAction: "iam:TagRole", untagAction: "iam:UntagRole", maxTags: MaxTagsPerResource,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, name string, actx policy.Context) (*Role, error) {
			return s.rolesAuthorized(ctx, r, c, action, name, func(_ *Role, own policy.Context) { maps.Copy(own, actx) })
		},
		tags: func(ro *Role) *[]Tag { return &ro.Tags },
		save: func(ctx context.Context, tx store.Tx, account string, ro *Role) error {
			return rolesSave(ctx, tx, account, ro, false)
		},
	}
}

// TagRole adds or replaces tags on a role. AWS lets service-linked roles be tagged.
func (s *Service) TagRole(ctx context.Context, c *Caller, in *iamtypes.TagRoleRequest) error {
	return tagEntity(ctx, s, c, roleTagging(), in.RoleName, in.Tags)
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, c *Caller, in *iamtypes.UntagRoleRequest) error {
	return untagEntity(ctx, s, c, roleTagging(), in.RoleName, in.TagKeys)
}

// ListRoleTags lists a role's tags, a page at a time.
func (s *Service) ListRoleTags(ctx context.Context, c *Caller, in *iamtypes.ListRoleTagsRequest) (*iamtypes.ListRoleTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		ro, err := s.rolesAuthorized(ctx, r, c, "iam:ListRoleTags", in.RoleName, nil)
		if err != nil {
			return nil, err
		}
		return ro.Tags, nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListRoleTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}

// listTags answers a List*Tags operation: load authorizes the caller and returns the entity's tags, in one read
// transaction; the answer is one page of them (the marker is the position of the next tag).
func (s *Service) listTags(ctx context.Context, marker *string, maxItems *int32, load func(ctx context.Context, r store.Reader) ([]Tag, error)) ([]iamtypes.Tag, *bool, *string, error) {
	pa, err := pageArgsOf(marker, maxItems)
	if err != nil {
		return nil, nil, nil, err
	}
	var tags []Tag
	if err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		tags, err = load(ctx, r)
		return err
	}); err != nil {
		return nil, nil, nil, internal(err)
	}
	page, truncated, next, err := tagPage(tags, pa)
	if err != nil {
		return nil, nil, nil, err
	}
	return append([]iamtypes.Tag{}, tagShapes(page)...), truncated, next, nil
}

// tagPage returns one page of a resource's tags; the marker is the position of the next tag.
func tagPage(tags []Tag, pa pageArgs) ([]Tag, *bool, *string, error) {
	start := 0
	if pa.after != "" {
		n, err := strconv.Atoi(pa.after)
		if err != nil || n < 0 || n > len(tags) {
			return nil, nil, nil, awserr.ValidationError("Invalid Marker.")
		}
		start = n
	}
	end := len(tags)
	if pa.limit > 0 && start+pa.limit < end {
		end = start + pa.limit
	}
	next := ""
	if end < len(tags) {
		next = strconv.Itoa(end)
	}
	truncated, marker := nextMarker(next)
	return tags[start:end], truncated, marker, nil
}

// PutRolePermissionsBoundary sets or replaces a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, c *Caller, in *iamtypes.PutRolePermissionsBoundaryRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:PutRolePermissionsBoundary", in.RoleName, func(_ *Role, actx policy.Context) {
			actx.Set("iam:PermissionsBoundary", in.PermissionsBoundary)
		})
		if err != nil {
			return err
		}
		if err := rolesCheckModifiable(ro); err != nil {
			return err
		}
		if err := s.checkBoundaryPolicy(ctx, tx, in.PermissionsBoundary); err != nil {
			return err
		}
		if err := rolesSetBoundary(ctx, tx, acct, ro.RoleID, in.PermissionsBoundary, s.Now()); err != nil {
			return err
		}
		ro.PermissionsBoundary = in.PermissionsBoundary
		return rolesSave(ctx, tx, acct, ro, false)
	})
	return internal(err)
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, c *Caller, in *iamtypes.DeleteRolePermissionsBoundaryRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ro, err := s.rolesAuthorized(ctx, tx, c, "iam:DeleteRolePermissionsBoundary", in.RoleName, nil)
		if err != nil {
			return err
		}
		if err := rolesCheckModifiable(ro); err != nil {
			return err
		}
		if err := rolesSetBoundary(ctx, tx, acct, ro.RoleID, "", s.Now()); err != nil {
			return err
		}
		ro.PermissionsBoundary = ""
		return rolesSave(ctx, tx, acct, ro, false)
	})
	return internal(err)
}

// PutUserPermissionsBoundary sets or replaces a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, c *Caller, in *iamtypes.PutUserPermissionsBoundaryRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.rolesAuthorizedUser(ctx, tx, c, "iam:PutUserPermissionsBoundary", in.UserName, in.PermissionsBoundary)
		if err != nil {
			return err
		}
		if err := s.checkBoundaryPolicy(ctx, tx, in.PermissionsBoundary); err != nil {
			return err
		}
		if err := rolesSetBoundary(ctx, tx, acct, u.UserID, in.PermissionsBoundary, s.Now()); err != nil {
			return err
		}
		u.PermissionsBoundary = in.PermissionsBoundary
		return putUser(ctx, tx, acct, u, false)
	})
	return internal(err)
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, c *Caller, in *iamtypes.DeleteUserPermissionsBoundaryRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.rolesAuthorizedUser(ctx, tx, c, "iam:DeleteUserPermissionsBoundary", in.UserName, "")
		if err != nil {
			return err
		}
		if err := rolesSetBoundary(ctx, tx, acct, u.UserID, "", s.Now()); err != nil {
			return err
		}
		u.PermissionsBoundary = ""
		return putUser(ctx, tx, acct, u, false)
	})
	return internal(err)
}

// rolesAuthorizedUser loads a user and authorizes a boundary action on it; iam:PermissionsBoundary is the boundary
// requested when one is given, and the user's current one otherwise.
func (s *Service) rolesAuthorizedUser(ctx context.Context, r store.Reader, c *Caller, action, name, boundary string) (*User, error) {
	acct := c.Account()
	u, err := getUser(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "user", "/", name)}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	actx := policy.Context{}
	resourceTagContext(actx, u.Tags)
	if boundary == "" {
		boundary = u.PermissionsBoundary
	}
	if boundary != "" {
		actx.Set("iam:PermissionsBoundary", boundary)
	}
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: u.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return u, nil
}

// rolesSetBoundary keeps the boundary link of a user or role (by unique ID) in step with its record: the old link
// goes, and a new one is made when arn is not empty.
func rolesSetBoundary(ctx context.Context, tx store.Tx, acct, ownerID, arn string, now time.Time) error {
	if _, err := tx.UnlinkAll(ctx, store.LinkQuery{Account: acct, Kind: LinkBoundary, From: ownerID}); err != nil {
		return err
	}
	if arn == "" {
		return nil
	}
	return tx.Link(ctx, store.Link{Account: acct, Kind: LinkBoundary, From: ownerID, To: arn, Created: now.UTC().Truncate(1e9)})
}
