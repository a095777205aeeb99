package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file is unused-access analysis (Access Analyzer's ACCOUNT_UNUSED_ACCESS and ORGANIZATION_UNUSED_ACCESS
// analyzers): which roles, access keys, console passwords and permissions of an account no one used within the
// analyzer's unusedAccessAge, read from the audit trail's index of who last used what (iam.AccessHistory), which
// outlives the trail's retention. The rules are AWS's (IAM User Guide, "IAM Access Analyzer findings" and
// "Create an unused access analyzer"):
//   - an entity is analyzed only once it has existed for the whole tracking period: a role, user, access key or
//     password younger than the age is not unused yet;
//   - service-linked roles are never analyzed, nor the account's root user;
//   - a role whose sessions made no request within the age is an UnusedIAMRole, and has no permission findings;
//   - an active access key not used within the age is an UnusedIAMUserAccessKey, a console password not used to
//     sign in within the age an UnusedIAMUserPassword;
//   - for a user or role that made a request within the age, each service its permissions policies allow and that
//     it did not use is an UnusedPermission, and so is each service it used with actions it did not (iamd records
//     every action of every service, so every service has action-level data).
//
// lastAccessed is the newest use since the entity was created (an older entity of the same ARN was another one),
// however old, and absent when there is none.

// Principals is what unused-access analysis needs of IAM: users' and roles' permissions policies, what they
// allow, and when a managed policy last changed. *iam.Service implements it.
type Principals interface {
	UserPolicies(ctx context.Context, r store.Reader, acct string, u *iam.User) ([]authz.Attached, error)
	RolePolicies(ctx context.Context, r store.Reader, acct string, ro *iam.Role) ([]authz.Attached, error)
	AllowedActions(pols []*policy.Policy) []iam.AllowedService
	ManagedPolicyUpdated(ctx context.Context, r store.Reader, arn string) (time.Time, error)
}

var _ Principals = (*iam.Service)(nil)

// UnusedOptions are an unused-access analyzer's settings for one account.
type UnusedOptions struct {
	Account string
	// Now is the time of the analysis; Age the analyzer's unusedAccessAge (in days on the wire): what was not used
	// since Now-Age is unused.
	Age time.Duration
	Now time.Time
	// ExcludeAccounts and ExcludeResourceTags are the analyzer's analysisRule exclusions: an account listed has no
	// findings, nor a user or role whose tags include every pair of one of the maps (a pair with an empty value
	// matches any value of its key).
	ExcludeAccounts     []string
	ExcludeResourceTags []map[string]string
}

// ErrUnusedNotConfigured is returned by DetectUnused and RecommendUnused when the Service has no History or no
// Principals.
var ErrUnusedNotConfigured = errors.New("analyzer: unused-access analysis needs Options.History and Options.Principals")

func (s *Service) unusedReady(o UnusedOptions) error {
	if s.opts.History == nil || s.opts.Principals == nil {
		return ErrUnusedNotConfigured
	}
	if o.Age <= 0 || o.Account == "" || o.Now.IsZero() {
		return fmt.Errorf("analyzer: unused-access analysis needs an account, a time and a positive age (got %q, %v, %v)", o.Account, o.Now, o.Age)
	}
	return nil
}

// excludedByTags reports whether an entity's tags match one of the exclusions.
func (o UnusedOptions) excludedByTags(tags []iam.Tag) bool {
	for _, want := range o.ExcludeResourceTags {
		if len(want) == 0 {
			continue
		}
		all := true
		for k, v := range want {
			if !slices.ContainsFunc(tags, func(t iam.Tag) bool { return t.Key == k && (v == "" || t.Value == v) }) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// DetectUnused finds the unused access of an account as of o.Now: unused roles, access keys, passwords and
// permissions, roles first, each kind in name order. Key is "" for a role or a password, the access key's ID,
// or the service namespace of an unused permission.
func (s *Service) DetectUnused(ctx context.Context, r store.Reader, o UnusedOptions) ([]Detected, error) {
	if err := s.unusedReady(o); err != nil {
		return nil, err
	}
	if slices.Contains(o.ExcludeAccounts, o.Account) {
		return nil, nil
	}
	sc := &unusedScan{s: s, r: r, o: o, cutoff: o.Now.Add(-o.Age)}
	roles, err := listRecords[iam.Role](ctx, r, o.Account, iam.KindRole, "")
	if err != nil {
		return nil, err
	}
	for _, ro := range roles {
		if err := sc.role(ctx, ro); err != nil {
			return nil, fmt.Errorf("analyzer: role %s: %w", ro.ARN, err)
		}
	}
	users, err := listRecords[iam.User](ctx, r, o.Account, iam.KindUser, "")
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if err := sc.user(ctx, u); err != nil {
			return nil, fmt.Errorf("analyzer: user %s: %w", u.ARN, err)
		}
	}
	return sc.out, nil
}

// listRecords decodes every entity of a kind of an account (owned by parent when not empty).
func listRecords[T any](ctx context.Context, r store.Reader, acct string, kind store.Kind, parent string) ([]*T, error) {
	page, err := r.List(ctx, store.ListQuery{Account: acct, Kind: kind, Parent: parent})
	if err != nil {
		return nil, fmt.Errorf("analyzer: list %s: %w", kind, err)
	}
	out := make([]*T, 0, len(page.Entities))
	for _, e := range page.Entities {
		v, err := decodeRecord[T](e)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func decodeRecord[T any](e *store.Entity) (*T, error) {
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return nil, fmt.Errorf("analyzer: decode %s %q: %w", e.Kind, e.Name, err)
	}
	return &v, nil
}

// unusedScan is one DetectUnused.
type unusedScan struct {
	s      *Service
	r      store.Reader
	o      UnusedOptions
	cutoff time.Time // Now - Age: a use at or after it is recent
	out    []Detected
}

// lastUse is the newest recorded request that matches q, or nil.
func (sc *unusedScan) lastUse(ctx context.Context, q iam.AccessQuery) (*time.Time, error) {
	return lastUse(ctx, sc.s.opts.History, sc.r, sc.o.Account, q)
}

func lastUse(ctx context.Context, h iam.AccessHistory, r store.Reader, acct string, q iam.AccessQuery) (*time.Time, error) {
	q.Account = acct
	a, err := h.LastAccess(ctx, r, q)
	if err != nil || a == nil {
		return nil, err
	}
	t := a.Time.UTC()
	return &t, nil
}

// recent reports whether a use is within the age.
func (sc *unusedScan) recent(t *time.Time) bool { return t != nil && !t.Before(sc.cutoff) }

// young reports whether an entity created at t has not yet existed for the whole tracking period.
func (sc *unusedScan) young(t time.Time) bool { return t.After(sc.cutoff) }

// shown is a last use as findings show it: to the second, as IAM's last-used dates are.
func shown(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.Truncate(time.Second)
	return &v
}

func newer(a, b *time.Time) *time.Time {
	if a == nil || b != nil && b.After(*a) {
		return b
	}
	return a
}

func (sc *unusedScan) add(resource string, typ aatypes.ResourceType, ft aatypes.FindingType, key string, d aatypes.FindingDetails) {
	sc.out = append(sc.out, Detected{Resource: resource, ResourceType: typ, ResourceOwnerAccount: sc.o.Account,
		FindingType: ft, Key: key, Details: []aatypes.FindingDetails{d}})
}

func (sc *unusedScan) role(ctx context.Context, ro *iam.Role) error {
	if ro.ServiceLinked || sc.young(ro.CreateDate) || sc.o.excludedByTags(ro.Tags) {
		return nil
	}
	last, err := sc.lastUse(ctx, iam.AccessQuery{Principal: ro.ARN, Since: ro.CreateDate})
	if err != nil {
		return err
	}
	if !sc.recent(last) {
		sc.add(ro.ARN, aatypes.ResourceTypeAWSIAMRole, aatypes.FindingTypeUnusedIAMRole, "",
			aatypes.FindingDetails{UnusedIamRoleDetails: &aatypes.UnusedIamRoleDetails{LastAccessed: shown(last)}})
		return nil
	}
	pols, err := sc.s.opts.Principals.RolePolicies(ctx, sc.r, sc.o.Account, ro)
	if err != nil {
		return err
	}
	return sc.permissions(ctx, ro.ARN, aatypes.ResourceTypeAWSIAMRole, ro.CreateDate, pols)
}

func (sc *unusedScan) user(ctx context.Context, u *iam.User) error {
	if sc.o.excludedByTags(u.Tags) {
		return nil
	}
	keys, err := listRecords[iam.AccessKey](ctx, sc.r, sc.o.Account, iam.KindAccessKey, strings.ToLower(u.UserName))
	if err != nil {
		return err
	}
	slices.SortFunc(keys, func(a, b *iam.AccessKey) int { return strings.Compare(a.AccessKeyID, b.AccessKeyID) })
	for _, k := range keys {
		if k.Status != "Active" || sc.young(k.CreateDate) {
			continue
		}
		last, err := sc.lastUse(ctx, iam.AccessQuery{AccessKeyID: k.AccessKeyID, Since: k.CreateDate})
		if err != nil {
			return err
		}
		// The use stamped on the key outlives any trail (RecordKeyUse writes it).
		if last = newer(last, k.LastUsedDate); !sc.recent(last) {
			sc.add(u.ARN, aatypes.ResourceTypeAWSIAMUser, aatypes.FindingTypeUnusedIAMUserAccessKey, k.AccessKeyID,
				aatypes.FindingDetails{UnusedIamUserAccessKeyDetails: &aatypes.UnusedIamUserAccessKeyDetails{AccessKeyId: k.AccessKeyID, LastAccessed: shown(last)}})
		}
	}
	e, err := sc.r.Get(ctx, sc.o.Account, iam.KindLoginProfile, u.UserName)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		prof, err := decodeRecord[iam.PasswordProfile](e)
		if err != nil {
			return err
		}
		// PasswordLastUsed is stamped by every console sign-in.
		if !sc.young(prof.CreateDate) && !sc.recent(u.PasswordLastUsed) {
			sc.add(u.ARN, aatypes.ResourceTypeAWSIAMUser, aatypes.FindingTypeUnusedIAMUserPassword, "",
				aatypes.FindingDetails{UnusedIamUserPasswordDetails: &aatypes.UnusedIamUserPasswordDetails{LastAccessed: shown(u.PasswordLastUsed)}})
		}
	}
	if sc.young(u.CreateDate) {
		return nil
	}
	// Only an active user's permissions are analyzed: an inactive one's show as unused keys and passwords.
	active, err := sc.lastUse(ctx, iam.AccessQuery{Principal: u.ARN, Since: sc.cutoff})
	if err != nil || active == nil {
		return err
	}
	pols, err := sc.s.opts.Principals.UserPolicies(ctx, sc.r, sc.o.Account, u)
	if err != nil {
		return err
	}
	return sc.permissions(ctx, u.ARN, aatypes.ResourceTypeAWSIAMUser, u.CreateDate, pols)
}

// permissions adds a principal's unused permissions: one finding per service its policies allow that it did not
// use within the age, or used with some allowed actions it did not.
func (sc *unusedScan) permissions(ctx context.Context, arn string, typ aatypes.ResourceType, created time.Time, pols []authz.Attached) error {
	for _, as := range sc.s.opts.Principals.AllowedActions(compiled(pols)) {
		ns := as.Service.Prefix
		last, err := sc.lastUse(ctx, iam.AccessQuery{Principal: arn, Service: ns, Since: created})
		if err != nil {
			return err
		}
		d := &aatypes.UnusedPermissionDetails{ServiceNamespace: ns, LastAccessed: shown(last)}
		if sc.recent(last) {
			for _, name := range as.Actions {
				la, err := sc.lastUse(ctx, iam.AccessQuery{Principal: arn, Service: ns, Action: name, Since: created})
				if err != nil {
					return err
				}
				if !sc.recent(la) {
					d.Actions = append(d.Actions, aatypes.UnusedAction{Action: name, LastAccessed: shown(la)})
				}
			}
			if len(d.Actions) == 0 {
				continue
			}
		}
		sc.add(arn, typ, aatypes.FindingTypeUnusedPermission, ns, aatypes.FindingDetails{UnusedPermissionDetails: d})
	}
	return nil
}

func compiled(pols []authz.Attached) []*policy.Policy {
	out := make([]*policy.Policy, len(pols))
	for i := range pols {
		out[i] = pols[i].Policy
	}
	return out
}
