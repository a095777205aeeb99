package analyzer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file is GetFindingRecommendation for an unused-permission finding: for each permissions policy of the
// principal that allows an action of the finding's service that the principal did not use within the age, one
// step (AWS's IAM User Guide, "Resolve IAM Access Analyzer findings"; the API's UnusedPermissionsRecommendedStep):
//   - DETACH_POLICY when the policy allows nothing the principal used within the age;
//   - CREATE_POLICY otherwise, with recommendedPolicy: the policy with the unused actions of the service taken
//     out and everything else kept as written (other services, resources, conditions, Deny statements), so that
//     it still allows every request it allowed that used the service's used actions. existingPolicyId names the
//     policy it replaces.
//
// existingPolicyId is a managed policy's ARN, or an inline policy's name; policyUpdatedAt a managed policy's
// UpdateDate (IAM keeps no date for inline policies). Only the principal's own policies get steps: a policy of a
// user's group serves the group's other members too, and changing it for one member is not a recommendation
// about that member's access.

// Recommendation errors (RecommendationError.Code) of iamd.
const (
	// RecommendationPrincipalGone: the finding's user or role no longer exists.
	RecommendationPrincipalGone = "RESOURCE_NOT_FOUND"
)

// RecommendUnused answers GetFindingRecommendation for the unused-permission finding d, as of o (the analyzer's
// account, age and the time of the request): StartedAt and CompletedAt are o.Now, and the steps read the trail
// as of then. A finding of another type has no recommendation: a ValidationException.
func (s *Service) RecommendUnused(ctx context.Context, r store.Reader, d Detected, o UnusedOptions) (*aatypes.GetFindingRecommendationResponse, error) {
	if err := s.unusedReady(o); err != nil {
		return nil, err
	}
	if d.FindingType != aatypes.FindingTypeUnusedPermission || len(d.Details) != 1 || d.Details[0].UnusedPermissionDetails == nil {
		return nil, &awserr.Error{Code: "ValidationException", HTTPStatus: 400,
			Message: "Recommendations are only available for findings of type UnusedPermission."}
	}
	now := o.Now.UTC()
	out := &aatypes.GetFindingRecommendationResponse{StartedAt: now, CompletedAt: &now, ResourceArn: d.Resource,
		RecommendationType: aatypes.RecommendationTypeUnusedPermissionRecommendation, Status: aatypes.StatusSUCCEEDED,
		RecommendedSteps: []aatypes.RecommendedStep{}}
	p, err := s.principalOf(ctx, r, o.Account, d.Resource)
	if errors.Is(err, store.ErrNotFound) {
		out.Status, out.RecommendedSteps = aatypes.StatusFAILED, nil
		out.Error = &aatypes.RecommendationError{Code: RecommendationPrincipalGone, Message: "The principal " + d.Resource + " no longer exists."}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	rc := &recommender{s: s, r: r, acct: o.Account, principal: p.arn, since: o.Now.Add(-o.Age),
		services: map[string]bool{}, actions: map[string]bool{}}
	if p.created.After(rc.since) {
		rc.since = p.created
	}
	ns := d.Details[0].UnusedPermissionDetails.ServiceNamespace
	for _, pol := range p.policies {
		step, err := rc.step(ctx, pol, ns)
		if err != nil {
			return nil, fmt.Errorf("analyzer: recommendation for %s, policy %s: %w", d.Resource, pol.Name, err)
		}
		if step != nil {
			out.RecommendedSteps = append(out.RecommendedSteps, aatypes.RecommendedStep{UnusedPermissionsRecommendedStep: step})
		}
	}
	return out, nil
}

// recPrincipal is the user or role a finding is about, with its own permissions policies.
type recPrincipal struct {
	arn      string
	created  time.Time
	policies []authz.Attached
}

// principalOf finds the user or role an ARN names in the account; store.ErrNotFound when there is none (or
// another of the same name).
func (s *Service) principalOf(ctx context.Context, r store.Reader, acct, resource string) (*recPrincipal, error) {
	a, err := arn.Parse(resource)
	if err != nil {
		return nil, fmt.Errorf("analyzer: finding resource %q: %w", resource, err)
	}
	typ, rest, _ := strings.Cut(a.Resource, "/")
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	kind := map[string]store.Kind{"user": iam.KindUser, "role": iam.KindRole}[typ]
	if kind == "" || a.Account != acct {
		return nil, store.ErrNotFound
	}
	e, err := r.Get(ctx, acct, kind, name)
	if err != nil {
		return nil, err
	}
	if kind == iam.KindRole {
		ro, err := decodeRecord[iam.Role](e)
		if err != nil {
			return nil, err
		}
		if ro.ARN != resource {
			return nil, store.ErrNotFound
		}
		pols, err := s.opts.Principals.RolePolicies(ctx, r, acct, ro)
		return &recPrincipal{arn: ro.ARN, created: ro.CreateDate, policies: pols}, err
	}
	u, err := decodeRecord[iam.User](e)
	if err != nil {
		return nil, err
	}
	if u.ARN != resource {
		return nil, store.ErrNotFound
	}
	pols, err := s.opts.Principals.UserPolicies(ctx, r, acct, u)
	own := "user/" + u.UserName
	pols = slices.DeleteFunc(pols, func(a authz.Attached) bool { return a.AttachedTo != own })
	return &recPrincipal{arn: u.ARN, created: u.CreateDate, policies: pols}, err
}

// recommender is one RecommendUnused: the principal's uses within the age, read once each.
type recommender struct {
	s         *Service
	r         store.Reader
	acct      string
	principal string
	since     time.Time       // the start of the age (or the principal's creation, when later)
	services  map[string]bool // namespace -> used within the age
	actions   map[string]bool // "ns:Name" -> used within the age
}

func (rc *recommender) used(ctx context.Context, ns, action string) (bool, error) {
	cache, key := rc.services, ns
	if action != "" {
		cache, key = rc.actions, ns+":"+action
	}
	if u, ok := cache[key]; ok {
		return u, nil
	}
	t, err := lastUse(ctx, rc.s.opts.History, rc.r, rc.acct, iam.AccessQuery{Principal: rc.principal, Service: ns, Action: action, Since: rc.since})
	if err != nil {
		return false, err
	}
	cache[key] = t != nil
	return t != nil, nil
}

// step is the recommendation for one policy, or nil when it allows no unused action of the service ns.
func (rc *recommender) step(ctx context.Context, pol authz.Attached, ns string) (*aatypes.UnusedPermissionsRecommendedStep, error) {
	allowed := rc.s.opts.Principals.AllowedActions([]*policy.Policy{pol.Policy})
	i := slices.IndexFunc(allowed, func(a iam.AllowedService) bool { return a.Service.Prefix == ns })
	if i < 0 {
		return nil, nil
	}
	var used []string // the used actions of ns the policy allows
	for _, name := range allowed[i].Actions {
		u, err := rc.used(ctx, ns, name)
		if err != nil {
			return nil, err
		}
		if u {
			used = append(used, name)
		}
	}
	if len(used) == len(allowed[i].Actions) {
		return nil, nil
	}
	step := &aatypes.UnusedPermissionsRecommendedStep{ExistingPolicyId: ptr(pol.Name)}
	if pol.ARN != "" {
		step.ExistingPolicyId = ptr(pol.ARN)
		t, err := rc.s.opts.Principals.ManagedPolicyUpdated(ctx, rc.r, pol.ARN)
		if err != nil {
			return nil, err
		}
		step.PolicyUpdatedAt = ptr(t.UTC())
	}
	anyUsed := len(used) > 0
	for _, as := range allowed {
		if anyUsed {
			break
		}
		if as.Service.Prefix != ns {
			u, err := rc.used(ctx, as.Service.Prefix, "")
			if err != nil {
				return nil, err
			}
			anyUsed = u
		}
	}
	if !anyUsed {
		step.RecommendedAction = aatypes.RecommendedRemediationActionDETACHPOLICY
		return step, nil
	}
	doc, err := rc.reduce(pol.Policy, ns, used)
	if err != nil {
		return nil, err
	}
	if doc == "" {
		step.RecommendedAction = aatypes.RecommendedRemediationActionDETACHPOLICY
		return step, nil
	}
	step.RecommendedAction = aatypes.RecommendedRemediationActionCREATEPOLICY
	step.RecommendedPolicy = &doc
	return step, nil
}

// reduce is p without the actions of the service ns other than used (AWS's spelling), or "" when nothing it
// allows is left. Statements that allow no action of ns are kept as written. In one that does:
//   - an Action value of ns ("s3:Get*", "s3:GetObject") becomes the used actions it matches;
//   - "*" becomes a statement of its own with NotAction ns:* (everything else), the used actions going to the
//     statement's Action list;
//   - another value with a wildcard in its service part ("s*:List*") becomes one value per other service it
//     matches ("sqs:List*", "sns:List*", ...), and the used actions of ns it matches;
//   - a NotAction statement gets ns:* added to its NotAction, and a statement of its own (same Resource and
//     Condition) for the used actions it allowed.
//
// Deny statements are kept as written. The result is checked with policy.Parse.
func (rc *recommender) reduce(p *policy.Policy, ns string, used []string) (string, error) {
	var stmts []json.RawMessage
	allows := 0
	for _, st := range p.Statements {
		if st.Effect == policy.Deny || !allowsService(st, ns, rc) {
			stmts = append(stmts, json.RawMessage(st.Text()))
			if st.Effect == policy.Allow {
				allows++
			}
			continue
		}
		out, err := rc.reduceStatement(st, ns, used)
		if err != nil {
			return "", err
		}
		stmts = append(stmts, out...)
		allows += len(out)
	}
	if allows == 0 {
		return "", nil
	}
	doc := struct {
		Version   string            `json:"Version,omitempty"`
		ID        string            `json:"Id,omitempty"`
		Statement []json.RawMessage `json:"Statement"`
	}{p.Version, p.ID, stmts}
	b, err := marshalCompact(doc)
	if err != nil {
		return "", err
	}
	if _, err := policy.Parse(b, policy.TypeIdentity); err != nil {
		return "", fmt.Errorf("the reduced policy does not parse: %w", err)
	}
	return string(b), nil
}

// allowsService reports whether an Allow statement allows any action of ns.
func allowsService(st *policy.Statement, ns string, rc *recommender) bool {
	for _, as := range rc.s.opts.Principals.AllowedActions([]*policy.Policy{single(st)}) {
		if as.Service.Prefix == ns {
			return true
		}
	}
	return false
}

// single is a policy of one statement alone, for AllowedActions.
func single(st *policy.Statement) *policy.Policy {
	return &policy.Policy{Type: st.Policy.Type, Version: st.Policy.Version, Statements: []*policy.Statement{st}}
}

// reduceStatement rewrites one Allow statement that allows actions of ns (see reduce).
func (rc *recommender) reduceStatement(st *policy.Statement, ns string, used []string) ([]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(st.Text()), &fields); err != nil {
		return nil, err
	}
	matched := func(a *policy.ActionPattern) []string {
		var out []string
		for _, name := range used {
			if a.Match(ns, strings.ToLower(name)) {
				out = append(out, ns+":"+name)
			}
		}
		return out
	}
	var out []json.RawMessage
	emit := func(sid bool, key string, actions []string) error {
		b, err := statementJSON(fields, sid, key, actions)
		out = append(out, b)
		return err
	}
	if st.NotAction {
		notActions := rawValues(st.Actions)
		var usedHere []string
		for _, name := range used {
			if st.MatchAction(ns, strings.ToLower(name)) {
				usedHere = append(usedHere, ns+":"+name)
			}
		}
		if err := emit(true, "NotAction", append(notActions, ns+":*")); err != nil {
			return nil, err
		}
		if len(usedHere) > 0 {
			if err := emit(false, "Action", usedHere); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var actions []string
	star := false
	for i := range st.Actions {
		a := &st.Actions[i]
		switch {
		case a.Raw == "*":
			star = true
			actions = append(actions, matched(a)...)
		case a.HasServiceWildcard():
			others, err := rc.expand(a, ns)
			if err != nil {
				return nil, err
			}
			actions = append(append(actions, others...), matched(a)...)
		case a.Service == ns:
			actions = append(actions, matched(a)...)
		default:
			actions = append(actions, a.Raw)
		}
	}
	actions = dedupe(actions)
	if len(actions) > 0 {
		if err := emit(true, "Action", actions); err != nil {
			return nil, err
		}
	}
	if star {
		if err := emit(len(actions) == 0, "NotAction", []string{ns + ":*"}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// expand is an Action value with a wildcard in its service part as one value per other service of the catalog it
// matches: its service part replaced by the service's prefix.
func (rc *recommender) expand(a *policy.ActionPattern, ns string) ([]string, error) {
	_, name, ok := strings.Cut(a.Raw, ":")
	if !ok {
		return nil, fmt.Errorf("action %q has no service", a.Raw)
	}
	probe := &policy.Statement{Effect: policy.Allow, Actions: []policy.ActionPattern{*a}}
	probe.Policy = &policy.Policy{Type: policy.TypeIdentity, Statements: []*policy.Statement{probe}}
	var out []string
	for _, as := range rc.s.opts.Principals.AllowedActions([]*policy.Policy{probe.Policy}) {
		if as.Service.Prefix != ns {
			out = append(out, as.Service.Prefix+":"+name)
		}
	}
	return out, nil
}

func rawValues(as []policy.ActionPattern) []string {
	out := make([]string, len(as))
	for i := range as {
		out[i] = as[i].Raw
	}
	return out
}

func dedupe(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0]
	for _, v := range list {
		k := strings.ToLower(v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// statementOrder is the order of a rewritten statement's elements; others follow in name order.
var statementOrder = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}

// statementJSON writes a statement from the elements of the one it rewrites, with its Action and NotAction
// replaced by key: actions, and its Sid only when sid.
func statementJSON(fields map[string]json.RawMessage, sid bool, key string, actions []string) (json.RawMessage, error) {
	vals, err := json.Marshal(actions)
	if err != nil {
		return nil, err
	}
	var keys []string
	for k := range fields {
		if !slices.Contains(statementOrder, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	write := func(k string, v json.RawMessage) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(v)
	}
	for _, k := range append(slices.Clone(statementOrder), keys...) {
		switch {
		case k == "Sid" && !sid:
		case k == key:
			write(k, vals)
		case k == "Action" || k == "NotAction":
		default:
			if v, ok := fields[k]; ok {
				write(k, v)
			}
		}
	}
	b.WriteByte('}')
	return compact(b.Bytes())
}

func compact(b []byte) (json.RawMessage, error) {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// marshalCompact is json.Marshal without HTML escaping and with its raw messages compacted.
func marshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return compact(bytes.TrimSpace(b.Bytes()))
}
