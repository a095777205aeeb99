package iam

import (
	"context"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// taggable describes, for tagEntity and untagEntity, one kind of IAM entity with Tag and Untag operations: users,
// roles, customer managed policies, instance profiles, OIDC and SAML providers, server certificates and virtual MFA
// devices. What differs between the kinds (how an entity is named and found, its NoSuchEntity text, what a caller is
// authorized against when it does not exist, its own condition keys) lives in load; the rest is one step.
type taggable[T any] struct {
	// tagAction and untagAction are the IAM actions authorized, e.g. "iam:TagRole".
	tagAction, untagAction string
	// load finds the entity id names in the caller's account (or its kind's NoSuchEntity) and authorizes action on it
	// with the entity's own keys (aws:ResourceTag/* and the kind's others) and actx, the request's keys, in the
	// context. Each kind keeps its own rule for a missing entity: most authorize the action on the ARN asked for
	// first, so that a denied caller learns nothing.
	load func(s *Service, ctx context.Context, r store.Reader, c *Caller, action, id string, actx policy.Context) (*T, error)
	// tags points at the entity's tags.
	tags func(e *T) *[]Tag
	// save writes the changed entity.
	save func(ctx context.Context, tx store.Tx, account string, e *T) error
	// maxTags is the kind's quota of tags per entity (AWS's "Tags per IAM resource", 50 for every kind).
	maxTags int
	// untagKeysOnlyWhenSome leaves aws:TagKeys out of an Untag request's context when it names no key, as the
	// server certificate and SAML provider operations always have; the other kinds set the key, empty. Conditions
	// treat an empty key as absent, but the encoded authorization message of a denial shows it.
	untagKeysOnlyWhenSome bool
}

// tagEntity adds or replaces tags on an entity (keys compare case-insensitively): a request naming a key twice is
// InvalidInput before anything is read; the caller is authorized with the request's tags as aws:RequestTag/* and
// aws:TagKeys; more than the kind's quota of tags in all is LimitExceeded.
func tagEntity[T any](ctx context.Context, s *Service, c *Caller, k taggable[T], id string, in []iamtypes.Tag) error {
	tags, keys, values := tagsOf(in)
	if err := checkDuplicateTagKeys(keys); err != nil {
		return err
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		tagContext(actx, keys, values)
		e, err := k.load(s, ctx, tx, c, k.tagAction, id, actx)
		if err != nil {
			return err
		}
		t := k.tags(e)
		if *t, err = mergeTags(*t, tags, k.maxTags); err != nil {
			return err
		}
		return k.save(ctx, tx, c.Account(), e)
	})
	return internal(err)
}

// untagEntity removes tags from an entity by key (case-insensitively; a key it does not have is ignored), the caller
// authorized with the keys as aws:TagKeys.
func untagEntity[T any](ctx context.Context, s *Service, c *Caller, k taggable[T], id string, keys []string) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		actx := policy.Context{}
		if len(keys) > 0 || !k.untagKeysOnlyWhenSome {
			actx.Set("aws:TagKeys", keys...)
		}
		e, err := k.load(s, ctx, tx, c, k.untagAction, id, actx)
		if err != nil {
			return err
		}
		t := k.tags(e)
		*t = removeTags(*t, keys)
		return k.save(ctx, tx, c.Account(), e)
	})
	return internal(err)
}
