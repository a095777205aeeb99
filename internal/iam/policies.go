package iam

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file holds the managed-policy operations: customer managed policies with their versions and tags, and read
// access to AWS managed policies, which come from the catalog and cannot be changed.

// awsPolicyPrefix begins the ARN of every AWS managed policy.
const awsPolicyPrefix = "arn:aws:iam::aws:policy/"

// polRef is a managed policy an ARN resolved to: one of the account's own (Customer and Entity set) or one of AWS's
// (AWS set).
type polRef struct {
	ARN, Name, Path string
	Customer        *ManagedPolicy
	Entity          *store.Entity
	AWS             *catalog.ManagedPolicy
}

// tags returns the policy's tags (AWS managed policies have none here).
func (p *polRef) tags() []Tag {
	if p.Customer != nil {
		return p.Customer.Tags
	}
	return nil
}

// save writes a customer managed policy back to its entity.
func (p *polRef) save(ctx context.Context, tx store.Tx) error {
	p.Entity.Data = encode(p.Customer)
	return tx.Update(ctx, p.Entity)
}

// awsManagedPolicy finds the AWS managed policy an ARN of any partition names (arn:aws-cn:iam::aws:policy/X is
// the catalog's arn:aws:iam::aws:policy/X) and returns it with its ARN in the ARN's partition; ok is false when
// arn is not an AWS managed policy ARN, mp nil when the catalog has no such policy.
func (s *Service) awsManagedPolicy(arn string) (mp *catalog.ManagedPolicy, partitionARN string, ok bool) {
	p := awsregion.OfARN(arn)
	rest, ok := strings.CutPrefix(arn, p.ManagedPolicyPrefix())
	if !ok {
		return nil, "", false
	}
	mp, found := s.Catalog.ManagedPolicy(awsPolicyPrefix + rest)
	if !found {
		return nil, "", true
	}
	return mp, p.ManagedPolicyPrefix() + strings.TrimPrefix(mp.ARN, awsPolicyPrefix), true
}

// polAccountOf returns the account field of an IAM ARN ("aws" for AWS managed policies), or "".
func polAccountOf(arn string) string {
	rest, ok := strings.CutPrefix(arn, awsregion.OfARN(arn).IAMPrefix())
	if !ok {
		return ""
	}
	acct, _, _ := strings.Cut(rest, ":")
	return acct
}

// polReadOwner is the resource owner to authorize a read of the policy an ARN names against: AWS managed policies
// are readable like the account's own (AWS reports "no identity-based policy allows" for them), another account's
// policies are another account's resources.
func polReadOwner(arn string) string {
	if a := polAccountOf(arn); a != "aws" {
		return a
	}
	return ""
}

// polResolve finds the managed policy an ARN names: an AWS managed policy from the catalog, or one of the account's
// customer managed policies (the name compares case-insensitively, the path exactly). It returns nil and no error
// when there is no such policy, and InvalidInput when the ARN is not a policy ARN.
func (s *Service) polResolve(ctx context.Context, r store.Reader, acct, arn string) (*polRef, error) {
	p, err := partitionOf(ctx, r, acct)
	if err != nil {
		return nil, err
	}
	if mp, parn, ok := s.awsManagedPolicy(arn); ok {
		// Another partition's AWS managed policy does not exist in this one.
		if mp == nil || awsregion.OfARN(arn) != p {
			return nil, nil
		}
		return &polRef{ARN: parn, Name: mp.Name, Path: mp.Path, AWS: mp}, nil
	}
	account, path, name, err := splitPolicyARN(arn)
	if err != nil {
		return nil, err
	}
	if account != acct || name == "" || awsregion.OfARN(arn) != p {
		return nil, nil
	}
	e, err := r.Get(ctx, acct, KindPolicy, name)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	mp, err := decode[ManagedPolicy](e)
	if err != nil {
		return nil, err
	}
	if mp.Path != path {
		return nil, nil
	}
	return &polRef{ARN: mp.ARN, Name: mp.PolicyName, Path: mp.Path, Customer: mp, Entity: e}, nil
}

// polResourceContext adds aws:ResourceTag/* for a policy's tags (the policy resource type has no iam:ResourceTag key).
func polResourceContext(actx policy.Context, tags []Tag) policy.Context {
	out := policy.Context{}
	for k, v := range actx {
		out[k] = v
	}
	for _, t := range tags {
		out.Set("aws:ResourceTag/"+t.Key, t.Value)
	}
	return out
}

// polForRead resolves a policy for an operation that reads it and authorizes the action; a policy that does not exist
// is NoSuchEntity "Policy ARN was not found." once the caller is found allowed to ask.
func (s *Service) polForRead(ctx context.Context, r store.Reader, c *Caller, action, arn string) (*polRef, error) {
	ref, err := s.polResolve(ctx, r, c.Account(), arn)
	if err != nil {
		return nil, err
	}
	if ref == nil {
		if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arn, ResourceOwner: polReadOwner(arn)}); err != nil {
			return nil, err
		}
		return nil, awserr.NoSuchEntity("Policy %s was not found.", arn)
	}
	err = s.Authorize(ctx, r, c, Authorization{Action: action, Resource: ref.ARN, ResourceOwner: polReadOwner(ref.ARN),
		Context: polResourceContext(nil, ref.tags())})
	if err != nil {
		return nil, err
	}
	return ref, nil
}

// polForWrite resolves a customer managed policy for an operation that changes it and authorizes the action. AWS
// managed policies belong to AWS's account, so a change to one is authorized as a request on another account's
// resource that no resource-based policy allows, and refused with AccessDenied, as AWS refuses it.
func (s *Service) polForWrite(ctx context.Context, r store.Reader, c *Caller, action, arn string, actx policy.Context) (*polRef, error) {
	ref, err := s.polResolve(ctx, r, c.Account(), arn)
	if err != nil {
		return nil, err
	}
	if ref == nil || ref.AWS != nil {
		res := arn
		if ref != nil {
			res = ref.ARN
		}
		if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: res, ResourceOwner: polAccountOf(res), Context: actx}); err != nil {
			return nil, err
		}
		return nil, awserr.NoSuchEntity("Policy %s was not found.", arn)
	}
	err = s.Authorize(ctx, r, c, Authorization{Action: action, Resource: ref.ARN, Context: polResourceContext(actx, ref.tags())})
	if err != nil {
		return nil, err
	}
	return ref, nil
}

// polCounts are how many entities of the account use a policy as a permissions policy and as a boundary.
type polCounts struct{ attached, boundary int }

// polCountsFor counts the uses of one policy.
func polCountsFor(ctx context.Context, r store.Reader, acct, arn string) (polCounts, error) {
	a, err := r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, To: arn})
	if err != nil {
		return polCounts{}, err
	}
	b, err := r.CountLinks(ctx, store.LinkQuery{Account: acct, Kind: LinkBoundary, To: arn})
	if err != nil {
		return polCounts{}, err
	}
	return polCounts{attached: a, boundary: b}, nil
}

// polAllCounts counts the uses of every policy of the account, by ARN.
func polAllCounts(ctx context.Context, r store.Reader, acct string) (map[string]polCounts, error) {
	out := map[string]polCounts{}
	for _, kind := range []string{LinkAttached, LinkBoundary} {
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: kind})
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			n := out[l.To]
			if kind == LinkAttached {
				n.attached++
			} else {
				n.boundary++
			}
			out[l.To] = n
		}
	}
	return out, nil
}

// polShape converts a policy to the API's Policy. full adds the description and tags, as GetPolicy returns them;
// ListPolicies returns neither.
func polShape(ref *polRef, n polCounts, full bool) iamtypes.Policy {
	out := iamtypes.Policy{PolicyName: ptr(ref.Name), Arn: ptr(ref.ARN), Path: ptr(ref.Path), IsAttachable: ptr(true),
		AttachmentCount: ptr(int32(n.attached)), PermissionsBoundaryUsageCount: ptr(int32(n.boundary))}
	if mp := ref.Customer; mp != nil {
		out.PolicyId = ptr(mp.PolicyID)
		if v := mp.DefaultVersion(); v != nil {
			out.DefaultVersionId = ptr(v.VersionID)
		}
		out.CreateDate, out.UpdateDate = ptr(mp.CreateDate), ptr(mp.UpdateDate)
		if full {
			if mp.Description != "" {
				out.Description = ptr(mp.Description)
			}
			out.Tags = tagShapes(mp.Tags)
		}
		return out
	}
	mp := ref.AWS
	out.PolicyId = ptr(awsManagedPolicyID(mp.ARN))
	out.DefaultVersionId = ptr(mp.DefaultVersionID)
	out.IsAttachable = ptr(mp.IsAttachable)
	out.CreateDate, out.UpdateDate = ptr(mp.CreateDate.UTC()), ptr(mp.UpdateDate.UTC())
	return out
}

// polVersionShape converts a version; the document is URL-encoded as AWS returns it, and only GetPolicyVersion
// returns it.
func polVersionShape(v PolicyVersion, withDocument bool) iamtypes.PolicyVersion {
	out := iamtypes.PolicyVersion{VersionId: ptr(v.VersionID), IsDefaultVersion: ptr(v.IsDefault), CreateDate: ptr(v.CreateDate)}
	if withDocument {
		out.Document = ptr(urlEncodeDocument(v.Document))
	}
	return out
}

// polVersions returns a policy's versions, newest first; an AWS managed policy has its default version only.
func polVersions(ref *polRef) []PolicyVersion {
	if ref.AWS != nil {
		return []PolicyVersion{{VersionID: ref.AWS.DefaultVersionID, Document: string(ref.AWS.Document), IsDefault: true,
			CreateDate: ref.AWS.UpdateDate.UTC()}}
	}
	vs := slices.Clone(ref.Customer.Versions)
	slices.SortFunc(vs, func(a, b PolicyVersion) int { return polVersionNumber(b.VersionID) - polVersionNumber(a.VersionID) })
	return vs
}

// polVersionNumber is the number of a version ID "vN" (0 if it has none).
func polVersionNumber(id string) int {
	digits := strings.TrimPrefix(id, "v")
	if i := strings.IndexByte(digits, '.'); i >= 0 {
		digits = digits[:i]
	}
	n, _ := strconv.Atoi(digits)
	return n
}

// polFindVersion returns the index of a version, or NoSuchEntity.
func polFindVersion(versions []PolicyVersion, arn, id string) (int, error) {
	for i := range versions {
		if versions[i].VersionID == id {
			return i, nil
		}
	}
	return -1, awserr.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
}

// polPage returns the page of items, sorted by key, that come after the marker, and the marker of the next page.
func polPage[T any](items []T, key func(T) string, pa pageArgs) ([]T, string) {
	start := 0
	if pa.after != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > pa.after })
	}
	items = items[start:]
	if pa.limit > 0 && len(items) > pa.limit {
		return items[:pa.limit], key(items[pa.limit-1])
	}
	return items, ""
}

// polNameKey orders by name ignoring case, then by ARN.
func polNameKey(name, arn string) string { return strings.ToLower(name) + "\x00" + arn }

// polNow is the service's clock as IAM records times: UTC, whole seconds.
func (s *Service) polNow() time.Time { return s.Now().UTC().Truncate(time.Second) }

// CreatePolicy creates a customer managed policy with its first version, v1, as the default.
func (s *Service) CreatePolicy(ctx context.Context, c *Caller, in *iamtypes.CreatePolicyRequest) (*iamtypes.CreatePolicyResponse, error) {
	acct := c.Account()
	path := str(in.Path, "/")
	tags, keys, values := tagsOf(in.Tags)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return nil, err
	}
	if len(tags) > MaxTagsPerResource {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	now := s.polNow()
	mp := &ManagedPolicy{PolicyName: in.PolicyName, PolicyID: secret.NewID("ANPA", 21), ARN: arnFor(c.Partition(), acct, "policy", path, in.PolicyName),
		Path: path, Description: str(in.Description, ""), CreateDate: now, UpdateDate: now, Tags: tags,
		Versions: []PolicyVersion{{VersionID: "v1", Document: in.PolicyDocument, IsDefault: true, CreateDate: now}}, NextVersion: 2}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:CreatePolicy", Resource: mp.ARN, Context: actx}); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:TagPolicy", Resource: mp.ARN, Context: actx}); err != nil {
				return err
			}
		}
		if err := checkPolicyDocument(in.PolicyDocument, policy.TypeIdentity, true, MaxManagedPolicySize, "PolicySize"); err != nil {
			return err
		}
		n, err := tx.Count(ctx, store.ListQuery{Account: acct, Kind: KindPolicy})
		if err != nil {
			return err
		}
		if n >= s.quotas.PoliciesPerAccount {
			return awserr.LimitExceeded("Cannot exceed quota for PoliciesPerAccount: %d", s.quotas.PoliciesPerAccount)
		}
		e := &store.Entity{Account: acct, Kind: KindPolicy, Name: mp.PolicyName, Path: mp.Path, ID: mp.PolicyID, ARN: mp.ARN, Created: now, Data: encode(mp)}
		if err := tx.Insert(ctx, e); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
			}
			return err
		}
		return nil
	}, func() *iamtypes.CreatePolicyResponse {
		out := polShape(&polRef{ARN: mp.ARN, Name: mp.PolicyName, Path: mp.Path, Customer: mp}, polCounts{}, true)
		out.Description = nil // CreatePolicy's answer, like ListPolicies', has no description; GetPolicy has it
		return &iamtypes.CreatePolicyResponse{Policy: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetPolicy returns a managed policy, customer or AWS, with how many entities of the account use it.
func (s *Service) GetPolicy(ctx context.Context, c *Caller, in *iamtypes.GetPolicyRequest) (*iamtypes.GetPolicyResponse, error) {
	var out iamtypes.Policy
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ref, err := s.polForRead(ctx, r, c, "iam:GetPolicy", in.PolicyArn)
		if err != nil {
			return err
		}
		n, err := polCountsFor(ctx, r, c.Account(), ref.ARN)
		if err != nil {
			return err
		}
		out = polShape(ref, n, true)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetPolicyResponse{Policy: &out}, nil
}

// ListPolicies lists managed policies: the account's (Scope Local), AWS's (Scope AWS) or both (All, the default),
// under a path prefix, optionally only those in use, a page at a time.
func (s *Service) ListPolicies(ctx context.Context, c *Caller, in *iamtypes.ListPoliciesRequest) (*iamtypes.ListPoliciesResponse, error) {
	acct := c.Account()
	scope := iamtypes.PolicyScopeTypeAll
	if in.Scope != nil {
		scope = *in.Scope
	}
	prefix := str(in.PathPrefix, "/")
	onlyAttached := in.OnlyAttached != nil && *in.OnlyAttached
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListPoliciesResponse{Policies: []iamtypes.Policy{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:ListPolicies", Resource: "*"}); err != nil {
			return err
		}
		counts, err := polAllCounts(ctx, r, acct)
		if err != nil {
			return err
		}
		type item struct {
			key string
			p   iamtypes.Policy
		}
		var items []item
		keep := func(ref *polRef) {
			n := counts[ref.ARN]
			switch {
			case onlyAttached && n.attached == 0,
				in.PolicyUsageFilter != nil && *in.PolicyUsageFilter == iamtypes.PolicyUsageTypePermissionsPolicy && n.attached == 0,
				in.PolicyUsageFilter != nil && *in.PolicyUsageFilter == iamtypes.PolicyUsageTypePermissionsBoundary && n.boundary == 0:
				return
			}
			items = append(items, item{key: polNameKey(ref.Name, ref.ARN), p: polShape(ref, n, false)})
		}
		if scope != iamtypes.PolicyScopeTypeAWS {
			// Read the account's policies a page at a time from the marker on, until one more than a page is kept:
			// later ones sort after everything this page can show.
			after, _, _ := strings.Cut(pa.after, "\x00")
			for {
				page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: KindPolicy, PathPrefix: prefix, After: after, Limit: pa.limit + 1})
				if err != nil {
					return err
				}
				for _, e := range page.Entities {
					mp, err := decode[ManagedPolicy](e)
					if err != nil {
						return err
					}
					keep(&polRef{ARN: mp.ARN, Name: mp.PolicyName, Path: mp.Path, Customer: mp})
				}
				if page.Next == "" || len(items) > pa.limit {
					break
				}
				after = page.Next
			}
		}
		if scope != iamtypes.PolicyScopeTypeLocal {
			for _, mp := range s.Catalog.ManagedPolicies() {
				if !strings.HasPrefix(mp.Path, prefix) {
					continue
				}
				parn := c.Partition().ManagedPolicyPrefix() + strings.TrimPrefix(mp.ARN, awsPolicyPrefix)
				n := counts[parn]
				if mp.Deprecated && n.attached == 0 && n.boundary == 0 {
					continue // a deprecated policy stays visible only to accounts that still use it
				}
				keep(&polRef{ARN: parn, Name: mp.Name, Path: mp.Path, AWS: mp})
			}
		}
		slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.key, b.key) })
		page, next := polPage(items, func(it item) string { return it.key }, pa)
		for _, it := range page {
			out.Policies = append(out.Policies, it.p)
		}
		out.IsTruncated, out.Marker = nextMarker(next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// DeletePolicy deletes a customer managed policy that no entity uses and that has no version but its default.
func (s *Service) DeletePolicy(ctx context.Context, c *Caller, in *iamtypes.DeletePolicyRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ref, err := s.polForWrite(ctx, tx, c, "iam:DeletePolicy", in.PolicyArn, policy.Context{})
		if err != nil {
			return err
		}
		n, err := polCountsFor(ctx, tx, acct, ref.ARN)
		if err != nil {
			return err
		}
		if n.attached > 0 || n.boundary > 0 {
			return awserr.DeleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(ref.Customer.Versions) > 1 {
			return awserr.DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(ctx, acct, KindPolicy, ref.Name)
	})
	return internal(err)
}

// CreatePolicyVersion adds a version to a customer managed policy, optionally as its new default.
func (s *Service) CreatePolicyVersion(ctx context.Context, c *Caller, in *iamtypes.CreatePolicyVersionRequest) (*iamtypes.CreatePolicyVersionResponse, error) {
	var out iamtypes.PolicyVersion
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		ref, err := s.polForWrite(ctx, tx, c, "iam:CreatePolicyVersion", in.PolicyArn, policy.Context{})
		if err != nil {
			return err
		}
		if err := checkPolicyDocument(in.PolicyDocument, policy.TypeIdentity, true, MaxManagedPolicySize, "PolicySize"); err != nil {
			return err
		}
		mp := ref.Customer
		if len(mp.Versions) >= MaxPolicyVersions {
			return awserr.LimitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", MaxPolicyVersions)
		}
		if mp.NextVersion < 2 {
			mp.NextVersion = 2
			for _, v := range mp.Versions {
				mp.NextVersion = max(mp.NextVersion, polVersionNumber(v.VersionID)+1)
			}
		}
		now := s.polNow()
		v := PolicyVersion{VersionID: fmt.Sprintf("v%d", mp.NextVersion), Document: in.PolicyDocument, CreateDate: now}
		mp.NextVersion++
		if in.SetAsDefault != nil && *in.SetAsDefault {
			for i := range mp.Versions {
				mp.Versions[i].IsDefault = false
			}
			v.IsDefault = true
			mp.UpdateDate = now
		}
		mp.Versions = append(mp.Versions, v)
		out = polVersionShape(v, false)
		return ref.save(ctx, tx)
	}, func() *iamtypes.CreatePolicyVersionResponse {
		return &iamtypes.CreatePolicyVersionResponse{PolicyVersion: &out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetPolicyVersion returns one version of a managed policy with its document.
func (s *Service) GetPolicyVersion(ctx context.Context, c *Caller, in *iamtypes.GetPolicyVersionRequest) (*iamtypes.GetPolicyVersionResponse, error) {
	var out iamtypes.PolicyVersion
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ref, err := s.polForRead(ctx, r, c, "iam:GetPolicyVersion", in.PolicyArn)
		if err != nil {
			return err
		}
		vs := polVersions(ref)
		i, err := polFindVersion(vs, ref.ARN, in.VersionId)
		if err != nil {
			return err
		}
		out = polVersionShape(vs[i], true)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetPolicyVersionResponse{PolicyVersion: &out}, nil
}

// ListPolicyVersions lists a managed policy's versions, newest first, without their documents.
func (s *Service) ListPolicyVersions(ctx context.Context, c *Caller, in *iamtypes.ListPolicyVersionsRequest) (*iamtypes.ListPolicyVersionsResponse, error) {
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListPolicyVersionsResponse{Versions: []iamtypes.PolicyVersion{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ref, err := s.polForRead(ctx, r, c, "iam:ListPolicyVersions", in.PolicyArn)
		if err != nil {
			return err
		}
		// Newest first: the key counts down as version numbers go up.
		key := func(v PolicyVersion) string { return fmt.Sprintf("%010d", 1<<31-polVersionNumber(v.VersionID)) }
		page, next := polPage(polVersions(ref), key, pa)
		for _, v := range page {
			out.Versions = append(out.Versions, polVersionShape(v, false))
		}
		out.IsTruncated, out.Marker = nextMarker(next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// DeletePolicyVersion deletes a version of a customer managed policy other than its default.
func (s *Service) DeletePolicyVersion(ctx context.Context, c *Caller, in *iamtypes.DeletePolicyVersionRequest) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ref, err := s.polForWrite(ctx, tx, c, "iam:DeletePolicyVersion", in.PolicyArn, policy.Context{})
		if err != nil {
			return err
		}
		mp := ref.Customer
		i, err := polFindVersion(mp.Versions, ref.ARN, in.VersionId)
		if err != nil {
			return err
		}
		if mp.Versions[i].IsDefault {
			return awserr.DeleteConflict("Cannot delete the default version of a policy.")
		}
		mp.Versions = slices.Delete(mp.Versions, i, i+1)
		return ref.save(ctx, tx)
	})
	return internal(err)
}

// SetDefaultPolicyVersion makes a version the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, c *Caller, in *iamtypes.SetDefaultPolicyVersionRequest) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		ref, err := s.polForWrite(ctx, tx, c, "iam:SetDefaultPolicyVersion", in.PolicyArn, policy.Context{})
		if err != nil {
			return err
		}
		mp := ref.Customer
		i, err := polFindVersion(mp.Versions, ref.ARN, in.VersionId)
		if err != nil {
			return err
		}
		if mp.Versions[i].IsDefault {
			return nil
		}
		for j := range mp.Versions {
			mp.Versions[j].IsDefault = j == i
		}
		mp.UpdateDate = s.polNow()
		return ref.save(ctx, tx)
	})
	return internal(err)
}

// policyTagging describes customer managed policies for tagEntity; an AWS managed policy is refused as polForWrite
// refuses any change to one.
func policyTagging() taggable[polRef] {
	return taggable[polRef]{tagAction: "iam:TagPolicy", untagAction: "iam:UntagPolicy", maxTags: MaxTagsPerResource,
		load: func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, arn string, actx policy.Context) (*polRef, error) {
			return s.polForWrite(ctx, r, c, action, arn, actx)
		},
		tags: func(ref *polRef) *[]Tag { return &ref.Customer.Tags },
		save: func(ctx context.Context, tx store.Tx, _ string, ref *polRef) error { return ref.save(ctx, tx) },
	}
}

// TagPolicy adds or replaces tags on a customer managed policy.
func (s *Service) TagPolicy(ctx context.Context, c *Caller, in *iamtypes.TagPolicyRequest) error {
	return tagEntity(ctx, s, c, policyTagging(), in.PolicyArn, in.Tags)
}

// UntagPolicy removes tags from a customer managed policy.
func (s *Service) UntagPolicy(ctx context.Context, c *Caller, in *iamtypes.UntagPolicyRequest) error {
	return untagEntity(ctx, s, c, policyTagging(), in.PolicyArn, in.TagKeys)
}

// ListPolicyTags lists a managed policy's tags (an AWS managed policy has none), a page at a time.
func (s *Service) ListPolicyTags(ctx context.Context, c *Caller, in *iamtypes.ListPolicyTagsRequest) (*iamtypes.ListPolicyTagsResponse, error) {
	tags, truncated, marker, err := s.listTags(ctx, in.Marker, in.MaxItems, func(ctx context.Context, r store.Reader) ([]Tag, error) {
		ref, err := s.polForRead(ctx, r, c, "iam:ListPolicyTags", in.PolicyArn)
		if err != nil {
			return nil, err
		}
		return ref.tags(), nil
	})
	if err != nil {
		return nil, err
	}
	return &iamtypes.ListPolicyTagsResponse{Tags: tags, IsTruncated: truncated, Marker: marker}, nil
}
