package org

import (
	"context"
	"errors"
	"strings"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// The organization's resource policy (PutResourcePolicy, DescribeResourcePolicy, DeleteResourcePolicy): a
// resource-based policy by which the management account delegates Organizations actions to member accounts, as the
// Organizations User Guide describes it for delegated administrators. It may name AWS principals only, and allow
// only the read-only actions (Describe*, List*) and the management of organization policies (delegableActions), on
// Organizations resources. The management account's operations that a member account may not call (authorize)
// become open to the principals it allows, within their own identity policies.
//
// One policy per organization, stored in the management account's namespace (KindResourcePolicy, named
// resourcePolicyName, ID'd rp-...). It carries tags like the organization's other resources.

// delegableActions are the Organizations actions beyond Describe* and List* a resource policy may allow: the
// management of organization policies.
var delegableActions = map[string]bool{
	"attachpolicy": true, "createpolicy": true, "deletepolicy": true, "detachpolicy": true, "disablepolicytype": true,
	"enablepolicytype": true, "tagresource": true, "untagresource": true, "updatepolicy": true,
}

// delegable reports whether a resource policy may allow an Organizations action (lower-cased name).
func delegable(name string) bool {
	return strings.HasPrefix(name, "describe") || strings.HasPrefix(name, "list") || delegableActions[name]
}

// resourcePolicyRecord is the stored policy.
type resourcePolicyRecord struct {
	ID      string `json:"id"`
	Content string `json:"content"`
	Tags    []Tag  `json:"tags,omitempty"`
}

func resourcePolicyARN(o *Organization, id string) string {
	return o.Partition.ARN("organizations", "", o.Management, "resourcepolicy/"+o.ID+"/"+id)
}

func newResourcePolicyID() string { return "rp-" + randomString(lowerDigits, 8) }

func (p *resourcePolicyRecord) shape(o *Organization) *orgtypes.ResourcePolicy {
	return &orgtypes.ResourcePolicy{Content: ptr(p.Content),
		ResourcePolicySummary: &orgtypes.ResourcePolicySummary{Id: ptr(p.ID), Arn: ptr(resourcePolicyARN(o, p.ID))}}
}

// Errors of the resource policy operations. The messages of ResourcePolicyNotFoundException and INVALID_PRINCIPAL
// are the API reference's descriptions; the other reasons have none there, and their texts are iamd's.
func errResourcePolicyNotFound() error {
	return &awserr.Error{Code: "ResourcePolicyNotFoundException", HTTPStatus: 400, Message: "We can't find a resource policy request with the parameter that you specified."}
}

// loadResourcePolicy returns the organization's resource policy and its entity, nil and no error when it has none.
func loadResourcePolicy(ctx context.Context, r store.Reader, o *Organization) (*store.Entity, *resourcePolicyRecord, error) {
	e, err := r.Get(ctx, o.Management, KindResourcePolicy, resourcePolicyName)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := decode[resourcePolicyRecord](e)
	return e, p, err
}

// checkResourcePolicy validates a resource policy's document: valid policy grammar, AWS principals, delegable
// Organizations actions and Organizations resources.
func (s *Service) checkResourcePolicy(content string) (*policy.Policy, error) {
	p, err := policy.Parse([]byte(content), policy.TypeResource)
	if err != nil {
		return nil, &awserr.Error{Code: "InvalidInputException", HTTPStatus: 400, Reason: "INVALID_RESOURCE_POLICY_JSON",
			Message: "The resource policy is not valid: " + err.Error(), Cause: err}
	}
	for _, st := range p.Statements {
		if st.Principal == nil || st.NotPrincipal || len(st.Principal.Service) > 0 || len(st.Principal.Federated) > 0 || len(st.Principal.CanonicalUser) > 0 {
			return nil, errInvalidInput("INVALID_PRINCIPAL", "You specified an invalid principal element in the policy.")
		}
		if st.NotAction {
			return nil, errInvalidInput("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY", "The resource policy may not use NotAction.")
		}
		for i := range st.Actions {
			if a := &st.Actions[i]; !s.delegablePattern(a) {
				return nil, errInvalidInput("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY", "The resource policy allows an action that can't be delegated: "+a.Raw)
			}
		}
		if st.NotResource {
			return nil, errInvalidInput("UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY", "The resource policy may not use NotResource.")
		}
		for _, r := range st.Resources {
			if r.Raw != "*" && !strings.HasPrefix(r.Raw, awsregion.OfARN(r.Raw).ARNPrefix()+"organizations::") {
				return nil, errInvalidInput("UNSUPPORTED_RESOURCE_IN_RESOURCE_POLICY", "The resource policy names a resource that is not an Organizations resource: "+r.Raw)
			}
		}
	}
	return p, nil
}

// delegablePattern reports whether every Organizations action an Action value matches may be delegated. With the
// catalog, a wildcard is expanded against AWS's actions; without it, only exact names are accepted.
func (s *Service) delegablePattern(a *policy.ActionPattern) bool {
	if a.HasServiceWildcard() || a.Service != "organizations" {
		return false
	}
	if key, ok := a.Exact(); ok {
		return delegable(strings.TrimPrefix(key, "organizations:"))
	}
	if s.catalog == nil {
		return false
	}
	svc, ok := s.catalog.Service("organizations")
	if !ok {
		return false
	}
	matched := false
	for _, act := range svc.Actions {
		name := strings.ToLower(act.Name)
		if a.Match("organizations", name) {
			if !delegable(name) {
				return false
			}
			matched = true
		}
	}
	return matched
}

// requestTagKeys is the context of a request that tags a new resource: aws:RequestTag/KEY and aws:TagKeys.
func requestTagKeys(tags []orgtypes.Tag) policy.Context {
	k := policy.Context{}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		k.Set("aws:RequestTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	if len(keys) > 0 {
		k.Set("aws:TagKeys", keys...)
	}
	return k
}

// PutResourcePolicy creates or replaces the organization's resource policy; only the management account may call
// it. Tags apply to a new policy only.
func (s *Service) PutResourcePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.PutResourcePolicyRequest) (*orgtypes.PutResourcePolicyResponse, error) {
	if _, err := acctTags(in.Tags); err != nil { // duplicate keys, too many
		return nil, err
	}
	tags, err := mergeTags(nil, in.Tags) // the reserved aws: prefix
	if err != nil {
		return nil, err
	}
	var (
		o   *Organization
		rec *resourcePolicyRecord
	)
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		if o, err = s.callerOrg(ctx, tx, c); err != nil {
			return err
		}
		e, existing, err := loadResourcePolicy(ctx, tx, o)
		if err != nil {
			return err
		}
		rec = existing
		if rec == nil {
			rec = &resourcePolicyRecord{ID: newResourcePolicyID()}
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:PutResourcePolicy", resourcePolicyARN(o, rec.ID), true, requestTagKeys(in.Tags)); err != nil {
			return err
		}
		if _, err := s.checkResourcePolicy(in.Content); err != nil {
			return err
		}
		rec.Content = in.Content
		if existing != nil {
			if len(tags) > 0 {
				return errInvalidInput("INVALID_LIST_MEMBER", "Tags apply only when the resource policy is created; use TagResource to tag the existing one.")
			}
			e.Data = encode(rec)
			return tx.Update(ctx, e)
		}
		rec.Tags = tags
		return tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindResourcePolicy, Name: resourcePolicyName, ID: rec.ID,
			Path: "/", ARN: resourcePolicyARN(o, rec.ID), Created: s.now(), Data: encode(rec)})
	}, func() *orgtypes.PutResourcePolicyResponse {
		return &orgtypes.PutResourcePolicyResponse{ResourcePolicy: rec.shape(o)}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// DescribeResourcePolicy returns the organization's resource policy; the management account and delegated
// administrators may call it.
func (s *Service) DescribeResourcePolicy(ctx context.Context, c *iam.Caller) (*orgtypes.DescribeResourcePolicyResponse, error) {
	var (
		o   *Organization
		rec *resourcePolicyRecord
	)
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		if o, err = s.callerOrg(ctx, r, c); err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:DescribeResourcePolicy", "*", true); err != nil {
			return err
		}
		if _, rec, err = loadResourcePolicy(ctx, r, o); err == nil && rec == nil {
			err = errResourcePolicyNotFound()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.DescribeResourcePolicyResponse{ResourcePolicy: rec.shape(o)}, nil
}

// DeleteResourcePolicy deletes the organization's resource policy with its tags; only the management account may.
func (s *Service) DeleteResourcePolicy(ctx context.Context, c *iam.Caller) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DeleteResourcePolicy", "*", true); err != nil {
			return err
		}
		if _, rec, err := loadResourcePolicy(ctx, tx, o); err != nil {
			return err
		} else if rec == nil {
			return errResourcePolicyNotFound()
		}
		return tx.Delete(ctx, o.Management, KindResourcePolicy, resourcePolicyName)
	})
}

// resourcePolicyAllows reports whether the organization's resource policy lets the caller, a member account's
// principal, perform an action that is otherwise the management account's: a statement that names the caller
// allows it and none denies it.
func (s *Service) resourcePolicyAllows(ctx context.Context, r store.Reader, o *Organization, c *iam.Caller, action, resource string, keys policy.Context) (bool, error) {
	_, rec, err := loadResourcePolicy(ctx, r, o)
	if err != nil || rec == nil {
		return false, err
	}
	p, err := policy.Parse([]byte(rec.Content), policy.TypeResource)
	if err != nil {
		return false, err // it was valid when stored
	}
	svc, name, _ := strings.Cut(strings.ToLower(action), ":")
	rc := policy.Context{}
	for k, v := range keys {
		rc[k] = v
	}
	rc.Set("aws:PrincipalAccount", c.Account())
	rc.Set("aws:PrincipalArn", c.Principal.ARN)
	rc.Set("aws:PrincipalOrgID", o.ID)
	allowed := false
	for _, st := range p.Statements {
		if !namesCaller(st.Principal, c) || !st.MatchAction(svc, name) || !st.MatchResource(resource, rc) || !st.MatchConditions(rc) {
			continue
		}
		if st.Effect == policy.Deny {
			return false, nil
		}
		allowed = true
	}
	return allowed, nil
}

// namesCaller reports whether a Principal element names the caller: "*", its account or its own ARN.
func namesCaller(p *policy.Principals, c *iam.Caller) bool {
	if p == nil {
		return false
	}
	if p.Any {
		return true
	}
	for _, a := range p.AWS {
		if a == "*" || a == c.Partition().IAMPrefix()+c.Account()+":root" || a == c.Principal.ARN {
			return true
		}
	}
	return false
}
