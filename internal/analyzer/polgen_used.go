package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// This file reads what a principal used from the trail: the part of policy generation that the API's jobs and
// "iamd analyze generate-policy" share. polgen_policy.go writes the policy, polgen.go serves the API.

// ErrPrincipalNotFound is Used's answer for an ARN that names no user or role of the account.
var ErrPrincipalNotFound = errors.New("analyzer: no such user or role")

// DefaultMaxEvents bounds the events one generation reads when UsedOptions.MaxEvents is zero; a window with more
// gives a policy that is not complete (GeneratedPolicyProperties.isComplete false), as AWS's generation stops at
// its quota of CloudTrail data.
const DefaultMaxEvents = 1_000_000

// usedPage is how many events one read of the store returns.
const usedPage = 1000

// UsedOptions configure Used.
type UsedOptions struct {
	// Catalog spells the actions as AWS does (iam:CreateRole, not iam:createrole as a decision API caller may ask);
	// actions it does not know are kept as the trail has them. Nil: as the trail has them.
	Catalog *catalog.Catalog
	// MaxEvents bounds the events read; DefaultMaxEvents when zero.
	MaxEvents int
}

// Usage is what a user or role used in a window of time, from the trail: every action the engine allowed it and
// the resources it was allowed on.
type Usage struct {
	// Principal is the user's or role's ARN as stored.
	Principal string `json:"principal"`
	// Start and End are the window read (End inclusive); Start is never before the principal was created, since
	// the events of an older user or role of the same name were another principal's.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Used are the actions allowed, each with the resources it was allowed on, sorted.
	Used []UsedAction `json:"used,omitempty"`
	// Events is how many events of the principal the window holds (read); Refused how many of them the engine
	// denied, which add nothing to the policy.
	Events  int `json:"events"`
	Refused int `json:"refused,omitempty"`
	// Complete is false when the window held more events than were read (UsedOptions.MaxEvents).
	Complete bool `json:"complete"`
}

// UsedAction is one action a principal was allowed, with the resources it was allowed on ("*" for an action
// without a resource type).
type UsedAction struct {
	Action    string   `json:"action"`
	Resources []string `json:"resources"`
}

// Used reads from the trail what the user or role principalARN of account used from start to end (both inclusive):
// its own calls and, for a role, the calls of its sessions, including the authorizations the decision API was
// asked on their behalf (data events). Only what the engine allowed counts: a refused call adds nothing, since the
// policy made from it must grant no access the principal did not have (policy generation's "no new access"
// guarantee), and a call that needed no permission (sts:GetCallerIdentity) needs none after; neither does one a
// resource-based policy allowed alone (a trust policy naming the principal), which the identity policy made
// here need not grant. A call allowed by several decisions (CreateRole with tags also needs iam:TagRole) counts
// each of them. It answers
// ErrPrincipalNotFound when the account has no such user or role.
func Used(ctx context.Context, r store.Reader, account, principalARN string, start, end time.Time, o UsedOptions) (*Usage, error) {
	principal, created, err := principalOf(ctx, r, account, principalARN)
	if err != nil {
		return nil, err
	}
	if created.After(start) {
		start = created
	}
	u := &Usage{Principal: principal, Start: start, End: end, Complete: true}
	if end.Before(start) {
		return u, nil
	}
	max := o.MaxEvents
	if max <= 0 {
		max = DefaultMaxEvents
	}
	acc := usedSet{}
	for _, who := range principalNames(principal) {
		if !u.Complete {
			break
		}
		q := store.EventQuery{Account: account, Attr: store.EventAttr{Name: audit.AttrPrincipal, Value: who}, From: start, To: end, Limit: usedPage}
		for {
			evs, err := r.Events(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("policy generation: %w", err)
			}
			for _, e := range evs {
				if u.Events == max {
					u.Complete = false
					break
				}
				u.Events++
				// Only iamd's explanation is read: decoding the whole record would cost twice as much.
				var ev audit.Event
				var add struct {
					Data *json.RawMessage `json:"additionalEventData"`
				}
				add.Data = &ev.AdditionalEventData
				if err := json.Unmarshal(e.Data, &add); err != nil {
					return nil, fmt.Errorf("policy generation: event %s: %w", e.ID, err)
				}
				allowed, refused := audit.Decisions(&ev)
				if refused {
					u.Refused++
					continue
				}
				for _, a := range allowed {
					if a.Identity {
						acc.add(o.Catalog, a.Action, a.Resource)
					}
				}
			}
			if !u.Complete || len(evs) < q.Limit {
				break
			}
			q.After = evs[len(evs)-1].Cursor()
		}
	}
	u.Used = acc.sorted()
	return u, nil
}

// principalNames are the values of audit.AttrPrincipal a principal's events carry: its ARN and, for a role with
// a path, the ARN without it, as a data event names the role of a session it knows only by the session's ARN
// (arn:aws:sts::111122223333:assumed-role/NAME/SESSION).
func principalNames(principal string) []string {
	a, err := arn.Parse(principal)
	if err != nil {
		return []string{principal}
	}
	kind, rest, _ := strings.Cut(a.Resource, "/")
	if kind != "role" || !strings.Contains(rest, "/") {
		return []string{principal}
	}
	short := a
	short.Resource = "role/" + rest[strings.LastIndexByte(rest, '/')+1:]
	return []string{principal, short.String()}
}

// principalOf finds the user or role an ARN names in account: its ARN as stored and when it was created.
func principalOf(ctx context.Context, r store.Reader, account, principalARN string) (string, time.Time, error) {
	a, err := arn.Parse(principalARN)
	if err != nil || a.Service != "iam" || a.Account != account {
		return "", time.Time{}, fmt.Errorf("%w: %s", ErrPrincipalNotFound, principalARN)
	}
	kind, rest, ok := strings.Cut(a.Resource, "/")
	if !ok || rest == "" {
		return "", time.Time{}, fmt.Errorf("%w: %s", ErrPrincipalNotFound, principalARN)
	}
	var k store.Kind
	switch kind {
	case "user":
		k = iam.KindUser
	case "role":
		k = iam.KindRole
	default:
		return "", time.Time{}, fmt.Errorf("%w: %s", ErrPrincipalNotFound, principalARN)
	}
	e, err := r.Get(ctx, account, k, rest[strings.LastIndexByte(rest, '/')+1:])
	if errors.Is(err, store.ErrNotFound) || err == nil && !strings.EqualFold(e.ARN, principalARN) {
		return "", time.Time{}, fmt.Errorf("%w: %s", ErrPrincipalNotFound, principalARN)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("policy generation: %w", err)
	}
	return e.ARN, e.Created, nil
}

// usedSet gathers actions and their resources.
type usedSet map[string]map[string]bool

func (s usedSet) add(cat *catalog.Catalog, action, resource string) {
	svc, name, ok := strings.Cut(action, ":")
	if !ok || svc == "" || name == "" {
		return
	}
	svc = strings.ToLower(svc)
	if cat != nil {
		if a, ok := cat.Action(svc, name); ok {
			name = a.Name
		}
	}
	action = svc + ":" + name
	if resource == "" {
		resource = "*"
	}
	if s[action] == nil {
		s[action] = map[string]bool{}
	}
	s[action][resource] = true
}

func (s usedSet) sorted() []UsedAction {
	out := make([]UsedAction, 0, len(s))
	for a, rs := range s {
		res := make([]string, 0, len(rs))
		for r := range rs {
			res = append(res, r)
		}
		slices.Sort(res)
		out = append(out, UsedAction{Action: a, Resources: res})
	}
	slices.SortFunc(out, func(a, b UsedAction) int { return strings.Compare(a.Action, b.Action) })
	return out
}
