package org

import (
	"context"
	"errors"
	"strings"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// maxTags is how many tags an account, OU, root or policy can carry (Organizations User Guide, tagging quotas).
const maxTags = 50

// errTargetNotFound is AWS's TargetNotFoundException as moto's tests record it for ListPoliciesForTarget and the
// tagging operations (testdata/errors/aws-texts.json); AttachPolicy and DetachPolicy answer the same exception with
// the same text, for which no response of their own is on record.
func errTargetNotFound() error {
	return &awserr.Error{Code: "TargetNotFoundException", HTTPStatus: 400, Message: "You specified a target that doesn't exist."}
}

// mergeTags adds tags to existing ones (a key already there takes the new value) and checks the result.
func mergeTags(existing []Tag, add []orgtypes.Tag) ([]Tag, error) {
	out := append([]Tag(nil), existing...)
	for _, t := range add {
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			// The reason AWS documents for tags in the reserved aws: namespace.
			return nil, errInvalidInput("INVALID_SYSTEM_TAGS_PARAMETER", "You provided a tag key that uses the reserved aws: prefix.")
		}
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value, replaced = t.Value, true
			}
		}
		if !replaced {
			out = append(out, Tag{Key: t.Key, Value: t.Value})
		}
	}
	if len(out) > maxTags {
		return nil, errConstraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the number of tags allowed on this resource.")
	}
	return out, nil
}

// taggable is a resource that carries tags: its ARN, its tags and how to save new ones.
type taggable struct {
	arn  string
	tags []Tag
	save func(ctx context.Context, tx store.Tx, tags []Tag) error
}

// resourceARN is the ARN of a taggable resource ID, written from its form alone.
func resourceARN(o *Organization, id string) string {
	switch {
	case strings.HasPrefix(id, "r-"), strings.HasPrefix(id, "ou-"):
		return containerARN(o, id)
	case strings.HasPrefix(id, "p-"):
		return policyARN(o.Partition, o.Management, o.ID, "", id)
	case strings.HasPrefix(id, "rp-"):
		return resourcePolicyARN(o, id)
	}
	return accountARN(o.Partition, o.Management, o.ID, id)
}

// findTaggable loads a root, OU, account, customer managed policy or the resource policy by ID;
// TargetNotFoundException when there is none.
func findTaggable(ctx context.Context, r store.Reader, o *Organization, id string) (*taggable, error) {
	if id == o.RootID {
		return &taggable{arn: rootARN(o.Partition, o.Management, o.ID, id), tags: o.RootTags, save: func(ctx context.Context, tx store.Tx, tags []Tag) error {
			e, err := tx.Get(ctx, o.Management, KindOrganization, orgName)
			if err != nil {
				return err
			}
			cur, err := decode[Organization](e)
			if err != nil {
				return err
			}
			cur.RootTags = tags
			e.Data = encode(cur)
			return tx.Update(ctx, e)
		}}, nil
	}
	if strings.HasPrefix(id, "rp-") {
		e, rec, err := loadResourcePolicy(ctx, r, o)
		if err != nil {
			return nil, err
		}
		if rec == nil || rec.ID != id {
			return nil, errTargetNotFound()
		}
		return taggableOf[resourcePolicyRecord](e, func(v *resourcePolicyRecord) *[]Tag { return &v.Tags })
	}
	var kind store.Kind
	switch {
	case strings.HasPrefix(id, "ou-"):
		kind = KindOU
	case strings.HasPrefix(id, "p-"):
		kind = KindPolicy
	case len(id) == 12 && strings.Trim(id, "0123456789") == "":
		kind = KindOrgAccount
	default:
		return nil, errTargetNotFound()
	}
	e, err := r.Get(ctx, o.Management, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errTargetNotFound()
	}
	if err != nil {
		return nil, err
	}
	// Each record keeps its tags in its own Tags field; the record is decoded whole so other fields survive.
	switch kind {
	case KindOU:
		return taggableOf[OU](e, func(v *OU) *[]Tag { return &v.Tags })
	case KindPolicy:
		return taggableOf[Policy](e, func(v *Policy) *[]Tag { return &v.Tags })
	default:
		return taggableOf[Account](e, func(v *Account) *[]Tag { return &v.Tags })
	}
}

func taggableOf[T any](e *store.Entity, field func(*T) *[]Tag) (*taggable, error) {
	v, err := decode[T](e)
	if err != nil {
		return nil, err
	}
	return &taggable{arn: e.ARN, tags: *field(v), save: func(ctx context.Context, tx store.Tx, tags []Tag) error {
		*field(v) = tags
		e.Data = encode(v)
		return tx.Update(ctx, e)
	}}, nil
}

// TagResource adds tags to an account, OU, root or policy.
func (s *Service) TagResource(ctx context.Context, c *iam.Caller, in *orgtypes.TagResourceRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:TagResource", resourceARN(o, in.ResourceId), true); err != nil {
			return err
		}
		t, err := findTaggable(ctx, tx, o, in.ResourceId)
		if err != nil {
			return err
		}
		tags, err := mergeTags(t.tags, in.Tags)
		if err != nil {
			return err
		}
		return t.save(ctx, tx, tags)
	})
}

// UntagResource removes tags by key; keys the resource does not carry are ignored.
func (s *Service) UntagResource(ctx context.Context, c *iam.Caller, in *orgtypes.UntagResourceRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:UntagResource", resourceARN(o, in.ResourceId), true); err != nil {
			return err
		}
		t, err := findTaggable(ctx, tx, o, in.ResourceId)
		if err != nil {
			return err
		}
		var keep []Tag
	next:
		for _, tag := range t.tags {
			for _, k := range in.TagKeys {
				if tag.Key == k {
					continue next
				}
			}
			keep = append(keep, tag)
		}
		return t.save(ctx, tx, keep)
	})
}

// ListTagsForResource lists the tags of an account, OU, root or policy.
func (s *Service) ListTagsForResource(ctx context.Context, c *iam.Caller, in *orgtypes.ListTagsForResourceRequest) (*orgtypes.ListTagsForResourceResponse, error) {
	out := &orgtypes.ListTagsForResourceResponse{Tags: []orgtypes.Tag{}}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListTagsForResource", resourceARN(o, in.ResourceId), true); err != nil {
			return err
		}
		t, err := findTaggable(ctx, r, o, in.ResourceId)
		if err != nil {
			return err
		}
		all := make([]orgtypes.Tag, 0, len(t.tags))
		for _, tag := range t.tags {
			all = append(all, orgtypes.Tag{Key: tag.Key, Value: tag.Value})
		}
		out.Tags, out.NextToken, err = pageOf(all, in.NextToken, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
