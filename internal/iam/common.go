package iam

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Account quotas, as the IAM User Guide's "IAM and AWS STS quotas" lists their defaults. AWS raises some of them on
// request; Quotas holds the values in force.
const (
	MaxUsersPerAccount            = 5000
	MaxGroupsPerAccount           = 300
	MaxRolesPerAccount            = 1000
	MaxPoliciesPerAccount         = 1500
	MaxInstanceProfilesPerAccount = 1000
)

// Quotas are the account quotas in force; an operator may raise the adjustable ones up to AWS's maximums.
type Quotas struct {
	UsersPerAccount            int
	GroupsPerAccount           int
	RolesPerAccount            int
	PoliciesPerAccount         int
	InstanceProfilesPerAccount int
	// AccountsPerOrganization is Organizations' quota of member accounts (10 by default), kept here so that one
	// --quotas flag raises it too.
	AccountsPerOrganization int
}

// DefaultQuotas are AWS's defaults.
func DefaultQuotas() Quotas {
	return Quotas{UsersPerAccount: MaxUsersPerAccount, GroupsPerAccount: MaxGroupsPerAccount, RolesPerAccount: MaxRolesPerAccount,
		PoliciesPerAccount: MaxPoliciesPerAccount, InstanceProfilesPerAccount: MaxInstanceProfilesPerAccount, AccountsPerOrganization: 10}
}

// quotaLimits are the highest values AWS grants for each adjustable quota.
var quotaLimits = map[string]int{"UsersPerAccount": 5000, "GroupsPerAccount": 500, "RolesPerAccount": 5000,
	"PoliciesPerAccount": 5000, "InstanceProfilesPerAccount": 5000, "AccountsPerOrganization": 10000}

// ParseQuotas reads "Name=N,Name=N" over the defaults, e.g. "RolesPerAccount=5000,PoliciesPerAccount=5000".
func ParseQuotas(spec string) (Quotas, error) {
	q := DefaultQuotas()
	if strings.TrimSpace(spec) == "" {
		return q, nil
	}
	for _, kv := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		limit, known := quotaLimits[name]
		n := 0
		if _, err := fmt.Sscan(val, &n); !ok || !known || err != nil || n < 1 || n > limit {
			return q, fmt.Errorf("quota %q: want NAME=N with NAME one of UsersPerAccount, GroupsPerAccount, RolesPerAccount, PoliciesPerAccount, InstanceProfilesPerAccount, AccountsPerOrganization and N from 1 to AWS's maximum", kv)
		}
		switch name {
		case "UsersPerAccount":
			q.UsersPerAccount = n
		case "GroupsPerAccount":
			q.GroupsPerAccount = n
		case "RolesPerAccount":
			q.RolesPerAccount = n
		case "PoliciesPerAccount":
			q.PoliciesPerAccount = n
		case "InstanceProfilesPerAccount":
			q.InstanceProfilesPerAccount = n
		case "AccountsPerOrganization":
			q.AccountsPerOrganization = n
		}
	}
	return q, nil
}

// Per-entity quotas.
const (
	MaxGroupsPerUser            = 10
	MaxManagedPoliciesPerEntity = 10
	MaxAccessKeysPerUser        = 2
	MaxPolicyVersions           = 5
	MaxTagsPerResource          = 50
	MaxManagedPolicySize        = 6144
	MaxUserInlinePolicySize     = 2048
	MaxGroupInlinePolicySize    = 5120
	MaxRoleInlinePolicySize     = 10240
	MaxTrustPolicySize          = 2048
	DefaultMaxItems             = 100
)

// run runs fn in a write transaction and turns store sentinels into AWS errors where a handler forgot.
func (s *Service) update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.Store.Update(ctx, fn)
}

// updateAnswering is UpdateAnswering in the service's store.
func updateAnswering[R any](ctx context.Context, s *Service, fn func(ctx context.Context, tx store.Tx) error, respond func() *R) (*R, error) {
	return UpdateAnswering(ctx, s.Store, fn, respond)
}

func (s *Service) view(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	return s.Store.View(ctx, fn)
}

// str returns *p or def.
func str(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// arnFor builds an IAM ARN in partition p: arn:PARTITION:iam::ACCOUNT:TYPE PATH NAME.
func arnFor(p awsregion.Partition, account, typ, path, name string) string {
	return p.IAMPrefix() + account + ":" + typ + path + name
}

// pageOf reads Marker and MaxItems.
type pageArgs struct {
	after string
	limit int
}

func pageArgsOf(marker *string, maxItems *int32) (pageArgs, error) {
	pa := pageArgs{limit: DefaultMaxItems}
	if maxItems != nil {
		pa.limit = int(*maxItems)
	}
	if marker != nil && *marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(*marker)
		if err != nil {
			return pa, awserr.ValidationError("Invalid Marker.")
		}
		pa.after = string(b)
	}
	return pa, nil
}

// nextMarker encodes a store page marker for the client.
func nextMarker(next string) (*bool, *string) {
	if next == "" {
		return ptr(false), nil
	}
	return ptr(true), ptr(base64.RawURLEncoding.EncodeToString([]byte(next)))
}

// notFound reports whether err is the store's not-found.
func notFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// conflict reports whether err is the store's conflict.
func conflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// tagContext adds aws:RequestTag/* and aws:TagKeys for tags in a request.
func tagContext(ctx policy.Context, keys, values []string) {
	if len(keys) == 0 {
		return
	}
	for i, k := range keys {
		ctx.Set("aws:RequestTag/"+k, values[i])
	}
	ctx.Set("aws:TagKeys", keys...)
}

// resourceTagContext adds aws:ResourceTag/* and iam:ResourceTag/* for an existing resource's tags.
func resourceTagContext(ctx policy.Context, tags []Tag) {
	for _, t := range tags {
		ctx.Set("aws:ResourceTag/"+t.Key, t.Value)
		ctx.Set("iam:ResourceTag/"+t.Key, t.Value)
	}
}

// mergeTags applies new tags over existing ones (tag keys compare case-insensitively, as IAM's do) and checks the
// quota of max tags.
func mergeTags(existing []Tag, add []Tag, max int) ([]Tag, error) {
	out := append([]Tag(nil), existing...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > max {
		return nil, awserr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// removeTags deletes tag keys (case-insensitively).
func removeTags(existing []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range existing {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// checkDuplicateTagKeys rejects a request that names one key twice.
func checkDuplicateTagKeys(keys []string) error {
	seen := map[string]bool{}
	for _, k := range keys {
		lk := strings.ToLower(k)
		if seen[lk] {
			return awserr.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lk] = true
	}
	return nil
}

// checkPolicyDocument parses a policy document as AWS does on write and returns MalformedPolicyDocument with IAM's
// text. A managed policy (CreatePolicy, CreatePolicyVersion) must also have Version 2012-10-17.
func checkPolicyDocument(doc string, typ policy.Type, managed bool, maxSize int, what string) error {
	if n := policySize(doc); n > maxSize {
		return awserr.LimitExceeded("Cannot exceed quota for %s: %d", what, maxSize)
	}
	parse := policy.Parse
	if managed {
		parse = policy.ParseManaged
	}
	_, err := parse([]byte(doc), typ)
	return malformed(err)
}

// malformed turns a parse error into MalformedPolicyDocument with the text IAM answers.
func malformed(err error) error {
	if err == nil {
		return nil
	}
	var pe *policy.ParseError
	if errors.As(err, &pe) {
		return awserr.MalformedPolicyDocument("%s", pe.AWSMessage())
	}
	return awserr.MalformedPolicyDocument("%v", err)
}

// policySize counts a policy's characters as IAM does for its quotas: whitespace does not count.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

// internal wraps an unexpected error.
func internal(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return awserr.Internal(err)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// urlEncodeDocument encodes a policy document as IAM returns documents in its responses: percent-encoded as in
// RFC 3986 (everything but letters, digits and "-._~"; a space is %20), which the AWS CLI and SDKs decode.
func urlEncodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// awsManagedPolicyID derives a stable PolicyId for an AWS managed policy, whose real ID our data lacks: "ANPA"
// followed by 17 characters of AWS's ID alphabet (A-Z, 2-7), one per leading byte of the SHA-256 of the ARN (the
// byte modulo 32) — 21 characters like AWS's, the same on every server and every run.
func awsManagedPolicyID(arn string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	sum := sha256.Sum256([]byte(arn))
	b := []byte("ANPA")
	for i := 0; len(b) < 21; i++ {
		b = append(b, alphabet[int(sum[i])%len(alphabet)])
	}
	return string(b)
}

// listPage is one page of a path-filtered List operation.
type listPage[S any] struct {
	items     []S
	truncated *bool
	marker    *string
}

// listByPath runs a List operation over entities of one kind under a path prefix, as ListUsers, ListGroups,
// ListRoles and ListInstanceProfiles do: authorized on the path-prefix ARN (arn:aws:iam::ACCT:TYPE/PREFIX), one
// store page from the marker, each record decoded and shaped.
func listByPath[R, S any](s *Service, ctx context.Context, c *Caller, action string, kind store.Kind, arnType string,
	pathPrefix, marker *string, maxItems *int32, shape func(ctx context.Context, r store.Reader, rec *R) (S, error)) (listPage[S], error) {
	acct := c.Account()
	prefix := str(pathPrefix, "/")
	out := listPage[S]{items: []S{}}
	pa, err := pageArgsOf(marker, maxItems)
	if err != nil {
		return out, err
	}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, arnType, prefix, "")}); err != nil {
			return err
		}
		page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: kind, PathPrefix: prefix, After: pa.after, Limit: pa.limit})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			rec, err := decode[R](e)
			if err != nil {
				return err
			}
			item, err := shape(ctx, r, rec)
			if err != nil {
				return err
			}
			out.items = append(out.items, item)
		}
		out.truncated, out.marker = nextMarker(page.Next)
		return nil
	})
	return out, internal(err)
}
