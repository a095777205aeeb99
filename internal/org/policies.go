package org

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// policyQuota is what the Organizations User Guide's "Quotas for AWS Organizations" allows a policy type: the
// largest document in characters (counted as sent: the console strips white space outside strings, the API and
// CLI do not), how many policies of the type an organization may have, and how many may be attached to one root,
// OU or account.
type policyQuota struct {
	maxContent, maxPolicies, maxAttached int
}

// policyQuotas holds every policy type of the API (botocore's PolicyType enum). The quotas page and the policy
// types table of "Managing organization policies" give the SCP, RCP, tag, backup, AI services opt-out, chat
// applications, declarative and Security Hub figures; the upgrade rollout syntax page gives 5,120 (bytes there,
// counted here as characters like the others). For the attachments of chat applications, declarative, Security
// Hub, Inspector, upgrade rollout, Bedrock, S3 and network security director policies, and the sizes and policy
// counts of the last four besides upgrade rollout, iamd found no figure and takes the management policies' usual
// 10,000 characters, 1,000 policies and 10 attachments.
var policyQuotas = map[string]policyQuota{
	TypeSCP:                     {maxContent: 5120, maxPolicies: 10000, maxAttached: 5},
	TypeRCP:                     {maxContent: 5120, maxPolicies: 1000, maxAttached: 5},
	TypeTag:                     {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeBackup:                  {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeAIOptOut:                {maxContent: 2500, maxPolicies: 1000, maxAttached: 5},
	TypeChatbot:                 {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeDeclarativeEC2:          {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeSecurityHub:             {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeInspector:               {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeUpgradeRollout:          {maxContent: 5120, maxPolicies: 1000, maxAttached: 10},
	TypeBedrock:                 {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeS3:                      {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
	TypeNetworkSecurityDirector: {maxContent: 10000, maxPolicies: 1000, maxAttached: 10},
}

// Errors of the policy operations. Where AWS's own text is on record (testdata/errors/aws-texts.json names the
// source of each), the message is that text; the others are the API reference's exception descriptions.
func errPolicyNotFound() error {
	return &awserr.Error{Code: "PolicyNotFoundException", HTTPStatus: 400, Message: "We can't find a policy with the PolicyId that you specified."}
}

// policyDoesNotExist rewrites loadPolicy's PolicyNotFoundException into the text DescribePolicy and
// ListTargetsForPolicy answer with; DeletePolicy and UpdatePolicy keep errPolicyNotFound's (both are asserted by
// moto's Organizations tests, each for its operations).
func policyDoesNotExist(err error) error {
	if ae, ok := awserr.As(err); ok && ae.Code == "PolicyNotFoundException" {
		return &awserr.Error{Code: ae.Code, HTTPStatus: ae.HTTPStatus, Message: "You specified a policy that doesn't exist."}
	}
	return err
}

func errPolicyTypeNotEnabled() error {
	return &awserr.Error{Code: "PolicyTypeNotEnabledException", HTTPStatus: 400, Message: "This operation can be performed only for enabled policy types."}
}

func errPolicyTypeNotAvailable() error {
	return &awserr.Error{Code: "PolicyTypeNotAvailableForOrganizationException", HTTPStatus: 400, Message: "You can't use the specified policy type with the feature set currently enabled for this organization."}
}

func errImmutable() error {
	return errInvalidInput("IMMUTABLE_POLICY", "You specified a policy that is managed by AWS and can't be modified.")
}

func errRootNotFound() error {
	return &awserr.Error{Code: "RootNotFoundException", HTTPStatus: 400, Message: "You specified a root that doesn't exist."}
}

// supportedType reports whether iamd keeps policies of a type: SCPs and RCPs (enforced on every decision) and every
// management policy type (merged into effective policies).
func supportedType(typ string) bool { _, ok := policyQuotas[typ]; return ok }

// checkContent validates a policy document for its type.
func checkContent(typ, content string) error {
	if utf8.RuneCountInString(content) > policyQuotas[typ].maxContent {
		// The text AWS reports for an SCP over the quota (as quoted by users; the API's exact text is unconfirmed).
		return errConstraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You have exceeded the maximum policy size.")
	}
	var err error
	switch typ {
	case TypeSCP:
		_, err = policy.Parse([]byte(content), policy.TypeSCP)
	case TypeRCP:
		_, err = policy.Parse([]byte(content), policy.TypeRCP)
	default:
		_, err = parseMgmtPolicy(typ, []byte(content))
	}
	if err != nil {
		// AWS's sentence (as reported in org-formation/org-formation-cli#225), then what the engine found.
		detail := err.Error()
		if detail != "" {
			detail = strings.ToUpper(detail[:1]) + detail[1:]
		}
		return &awserr.Error{Code: "MalformedPolicyDocumentException", HTTPStatus: 400,
			Message: "The provided policy document does not meet the requirements of the specified policy type. " + detail, Cause: err}
	}
	return nil
}

// policyRec is a policy, AWS or customer managed, as the operations see it.
type policyRec struct {
	Policy
	managed bool
	entity  *store.Entity
}

func loadPolicy(ctx context.Context, r store.Reader, o *Organization, id string) (*policyRec, error) {
	if m, ok := Managed(id); ok {
		return &policyRec{Policy: Policy{ID: m.ID, Name: m.Name, Description: m.Description, Type: m.Type, Content: m.Content}, managed: true}, nil
	}
	e, err := r.Get(ctx, o.Management, KindPolicy, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errPolicyNotFound()
	}
	if err != nil {
		return nil, err
	}
	p, err := decode[Policy](e)
	if err != nil {
		return nil, err
	}
	return &policyRec{Policy: *p, entity: e}, nil
}

func summaryOf(o *Organization, p *policyRec) orgtypes.PolicySummary {
	return orgtypes.PolicySummary{Id: ptr(p.ID), Arn: ptr(policyARN(o.Partition, o.Management, o.ID, p.Type, p.ID)), Name: ptr(p.Name),
		Description: ptr(p.Description), Type: ptr(orgtypes.PolicyType(p.Type)), AwsManaged: ptr(p.managed)}
}

func policyShape(o *Organization, p *policyRec) *orgtypes.Policy {
	sum := summaryOf(o, p)
	return &orgtypes.Policy{PolicySummary: &sum, Content: ptr(p.Content)}
}

// customerPolicies returns every customer managed policy of the organization.
func customerPolicies(ctx context.Context, r store.Reader, o *Organization) ([]*policyRec, error) {
	page, err := r.List(ctx, store.ListQuery{Account: o.Management, Kind: KindPolicy})
	if err != nil {
		return nil, err
	}
	out := make([]*policyRec, 0, len(page.Entities))
	for _, e := range page.Entities {
		p, err := decode[Policy](e)
		if err != nil {
			return nil, err
		}
		out = append(out, &policyRec{Policy: *p, entity: e})
	}
	return out, nil
}

// checkName answers DuplicatePolicyException when another policy of the type, AWS managed ones included, has the name.
func checkName(all []*policyRec, typ, name, except string) error {
	taken := false
	for _, m := range managedPolicies {
		taken = taken || (m.Type == typ && m.Name == name)
	}
	for _, p := range all {
		taken = taken || (p.Type == typ && p.Name == name && p.ID != except)
	}
	if taken {
		return &awserr.Error{Code: "DuplicatePolicyException", HTTPStatus: 400, Message: "A policy with the same name already exists."}
	}
	return nil
}

// CreatePolicy creates a customer managed policy of a type iamd supports.
func (s *Service) CreatePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.CreatePolicyRequest) (*orgtypes.CreatePolicyResponse, error) {
	var out *orgtypes.Policy
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:CreatePolicy", "*", true, conditionKeys("organizations:PolicyType", string(in.Type))); err != nil {
			return err
		}
		typ := string(in.Type)
		if !supportedType(typ) || o.FeatureSet != "ALL" {
			return errPolicyTypeNotAvailable()
		}
		if err := checkContent(typ, in.Content); err != nil {
			return err
		}
		all, err := customerPolicies(ctx, tx, o)
		if err != nil {
			return err
		}
		if err := checkName(all, typ, in.Name, ""); err != nil {
			return err
		}
		n := 0
		for _, p := range all {
			if p.Type == typ {
				n++
			}
		}
		if n >= policyQuotas[typ].maxPolicies {
			return errConstraint("POLICY_NUMBER_LIMIT_EXCEEDED", "You attempted to exceed the number of policies that you can have in an organization.")
		}
		p := &policyRec{Policy: Policy{ID: newPolicyID(), Name: in.Name, Description: in.Description, Type: typ, Content: in.Content}}
		arn := policyARN(o.Partition, o.Management, o.ID, typ, p.ID)
		if len(in.Tags) > 0 {
			if err := s.authorize(ctx, tx, c, o, "organizations:TagResource", arn, true); err != nil {
				return err
			}
			if p.Tags, err = mergeTags(nil, in.Tags); err != nil {
				return err
			}
		}
		if err := tx.Insert(ctx, &store.Entity{Account: o.Management, Kind: KindPolicy, Name: p.ID, Path: "/", ARN: arn,
			Created: s.now(), Data: encode(p.Policy)}); err != nil {
			return err
		}
		out = policyShape(o, p)
		return nil
	}, func() *orgtypes.CreatePolicyResponse {
		return &orgtypes.CreatePolicyResponse{Policy: out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// UpdatePolicy changes a customer managed policy's name, description or content.
func (s *Service) UpdatePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.UpdatePolicyRequest) (*orgtypes.UpdatePolicyResponse, error) {
	var out *orgtypes.Policy
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:UpdatePolicy", policyARN(o.Partition, o.Management, o.ID, "", in.PolicyId), true); err != nil {
			return err
		}
		p, err := loadPolicy(ctx, tx, o, in.PolicyId)
		if err != nil {
			return err
		}
		if p.managed {
			return errImmutable()
		}
		if in.Name != nil && *in.Name != p.Name {
			all, err := customerPolicies(ctx, tx, o)
			if err != nil {
				return err
			}
			if err := checkName(all, p.Type, *in.Name, p.ID); err != nil {
				return err
			}
			p.Name = *in.Name
		}
		if in.Description != nil {
			p.Description = *in.Description
		}
		if in.Content != nil {
			if err := checkContent(p.Type, *in.Content); err != nil {
				return err
			}
			p.Content = *in.Content
		}
		p.entity.Data = encode(p.Policy)
		if err := tx.Update(ctx, p.entity); err != nil {
			return err
		}
		out = policyShape(o, p)
		return nil
	}, func() *orgtypes.UpdatePolicyResponse {
		return &orgtypes.UpdatePolicyResponse{Policy: out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere.
func (s *Service) DeletePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.DeletePolicyRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DeletePolicy", policyARN(o.Partition, o.Management, o.ID, "", in.PolicyId), true); err != nil {
			return err
		}
		p, err := loadPolicy(ctx, tx, o, in.PolicyId)
		if err != nil {
			return err
		}
		if p.managed {
			return errImmutable()
		}
		n, err := tx.CountLinks(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, To: p.ID})
		if err != nil {
			return err
		}
		if n > 0 {
			return &awserr.Error{Code: "PolicyInUseException", HTTPStatus: 400,
				Message: "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation."}
		}
		return tx.Delete(ctx, o.Management, KindPolicy, p.ID)
	})
}

// DescribePolicy describes a policy, AWS managed ones included.
func (s *Service) DescribePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.DescribePolicyRequest) (*orgtypes.DescribePolicyResponse, error) {
	var out *orgtypes.Policy
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:DescribePolicy", policyARN(o.Partition, o.Management, o.ID, "", in.PolicyId), true); err != nil {
			return err
		}
		p, err := loadPolicy(ctx, r, o, in.PolicyId)
		if err != nil {
			return policyDoesNotExist(err)
		}
		out = policyShape(o, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.DescribePolicyResponse{Policy: out}, nil
}

// ListPolicies lists the policies of a type, AWS managed first.
func (s *Service) ListPolicies(ctx context.Context, c *iam.Caller, in *orgtypes.ListPoliciesRequest) (*orgtypes.ListPoliciesResponse, error) {
	out := &orgtypes.ListPoliciesResponse{}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListPolicies", "*", true); err != nil {
			return err
		}
		typ := string(in.Filter)
		all := []orgtypes.PolicySummary{}
		for _, m := range managedPolicies {
			if m.Type == typ {
				all = append(all, summaryOf(o, &policyRec{Policy: Policy{ID: m.ID, Name: m.Name, Description: m.Description, Type: m.Type}, managed: true}))
			}
		}
		cust, err := customerPolicies(ctx, r, o)
		if err != nil {
			return err
		}
		for _, p := range cust {
			if p.Type == typ {
				all = append(all, summaryOf(o, p))
			}
		}
		out.Policies, out.NextToken, err = pageOf(all, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// target is a root, OU or account that policies attach to.
type target struct {
	id, arn, name string
	typ           orgtypes.TargetType
}

// findTarget loads a root, OU or account of the organization; TargetNotFoundException when there is none.
func findTarget(ctx context.Context, r store.Reader, o *Organization, id string) (*target, error) {
	if id == o.RootID {
		return &target{id: id, arn: rootARN(o.Partition, o.Management, o.ID, id), name: "Root", typ: orgtypes.TargetTypeROOT}, nil
	}
	if strings.HasPrefix(id, "ou-") {
		e, ou, err := getOU(ctx, r, o, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errTargetNotFound()
		}
		if err != nil {
			return nil, err
		}
		return &target{id: id, arn: e.ARN, name: ou.Name, typ: orgtypes.TargetTypeORGANIZATIONALUNIT}, nil
	}
	e, err := r.Get(ctx, o.Management, KindOrgAccount, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && strings.HasPrefix(id, "r-")) {
		return nil, errTargetNotFound()
	}
	if err != nil {
		return nil, err
	}
	a, err := decode[Account](e)
	if err != nil {
		return nil, err
	}
	return &target{id: id, arn: accountARN(o.Partition, o.Management, o.ID, id), name: a.Name, typ: orgtypes.TargetTypeACCOUNT}, nil
}

// targetARN is the ARN of a target ID, written from its form alone (for authorization before lookups).
func targetARN(o *Organization, id string) string {
	if strings.HasPrefix(id, "r-") || strings.HasPrefix(id, "ou-") {
		return containerARN(o, id)
	}
	return accountARN(o.Partition, o.Management, o.ID, id)
}

// attachedOfType returns the IDs of the policies of a type attached to a target.
func attachedOfType(ctx context.Context, r store.Reader, o *Organization, targetID, typ string) ([]string, error) {
	links, err := r.Links(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, From: targetID})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range links {
		p, err := loadPolicy(ctx, r, o, l.To)
		if err != nil {
			return nil, err
		}
		if p.Type == typ {
			out = append(out, l.To)
		}
	}
	return out, nil
}

// policyAndTarget loads both sides of an attachment after authorizing the action on both.
func (s *Service) policyAndTarget(ctx context.Context, r store.Reader, c *iam.Caller, action, policyID, targetID string) (*Organization, *policyRec, *target, error) {
	o, err := s.callerOrg(ctx, r, c)
	if err != nil {
		return nil, nil, nil, err
	}
	keys := policy.Context{}
	if _, typ, _, err := policyContent(ctx, r, o, policyID); err == nil { // a missing policy is answered below
		keys.Set("organizations:PolicyType", typ)
	}
	if err := s.authorize(ctx, r, c, o, action, policyARN(o.Partition, o.Management, o.ID, "", policyID), true, keys); err != nil {
		return nil, nil, nil, err
	}
	if err := s.authorize(ctx, r, c, o, action, targetARN(o, targetID), true, keys); err != nil {
		return nil, nil, nil, err
	}
	p, err := loadPolicy(ctx, r, o, policyID)
	if err != nil {
		return nil, nil, nil, err
	}
	t, err := findTarget(ctx, r, o, targetID)
	if err != nil {
		return nil, nil, nil, err
	}
	return o, p, t, nil
}

// AttachPolicy attaches a policy of an enabled type to a root, OU or account.
func (s *Service) AttachPolicy(ctx context.Context, c *iam.Caller, in *orgtypes.AttachPolicyRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, p, t, err := s.policyAndTarget(ctx, tx, c, "organizations:AttachPolicy", in.PolicyId, in.TargetId)
		if err != nil {
			return err
		}
		if !o.enabled(p.Type) {
			return errPolicyTypeNotEnabled()
		}
		ids, err := attachedOfType(ctx, tx, o, t.id, p.Type)
		if err != nil {
			return err
		}
		if slices.Contains(ids, p.ID) {
			return &awserr.Error{Code: "DuplicatePolicyAttachmentException", HTTPStatus: 400, Message: "A policy with the specified name and type already exists."}
		}
		if len(ids) >= policyQuotas[p.Type].maxAttached {
			// AWS's text, as reported in hashicorp/terraform-provider-aws#41493.
			return errConstraint("POLICY_NUMBER_LIMIT_EXCEEDED", "You have attached the maximum number of policies to the specified target.")
		}
		return tx.Link(ctx, store.Link{Account: o.Management, Kind: LinkAttached, From: t.id, To: p.ID, Created: s.now()})
	})
}

// DetachPolicy detaches a policy from a root, OU or account; a target keeps at least one SCP (and one RCP) while the
// type is enabled.
func (s *Service) DetachPolicy(ctx context.Context, c *iam.Caller, in *orgtypes.DetachPolicyRequest) error {
	return s.store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		o, p, t, err := s.policyAndTarget(ctx, tx, c, "organizations:DetachPolicy", in.PolicyId, in.TargetId)
		if err != nil {
			return err
		}
		ids, err := attachedOfType(ctx, tx, o, t.id, p.Type)
		if err != nil {
			return err
		}
		if !slices.Contains(ids, p.ID) {
			return &awserr.Error{Code: "PolicyNotAttachedException", HTTPStatus: 400, Message: "The policy isn't attached to the specified target in the specified root."}
		}
		if (p.Type == TypeSCP || p.Type == TypeRCP) && o.enabled(p.Type) && len(ids) == 1 {
			// AWS's text, as reported in hashicorp/terraform-provider-aws#26797.
			return errConstraint("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You cannot remove the last policy attached to the specified target. You must have at least one attached at all times.")
		}
		return tx.Unlink(ctx, store.Link{Account: o.Management, Kind: LinkAttached, From: t.id, To: p.ID})
	})
}

// ListPoliciesForTarget lists the policies of a type attached directly to a root, OU or account.
func (s *Service) ListPoliciesForTarget(ctx context.Context, c *iam.Caller, in *orgtypes.ListPoliciesForTargetRequest) (*orgtypes.ListPoliciesForTargetResponse, error) {
	out := &orgtypes.ListPoliciesForTargetResponse{}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListPoliciesForTarget", targetARN(o, in.TargetId), true); err != nil {
			return err
		}
		t, err := findTarget(ctx, r, o, in.TargetId)
		if err != nil {
			return err
		}
		ids, err := attachedOfType(ctx, r, o, t.id, string(in.Filter))
		if err != nil {
			return err
		}
		all := []orgtypes.PolicySummary{}
		for _, id := range ids {
			p, err := loadPolicy(ctx, r, o, id)
			if err != nil {
				return err
			}
			all = append(all, summaryOf(o, p))
		}
		// by name, so that pages are stable whatever the random policy IDs
		slices.SortStableFunc(all, func(a, b orgtypes.PolicySummary) int { return strings.Compare(*a.Name, *b.Name) })
		out.Policies, out.NextToken, err = pageOf(all, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTargetsForPolicy lists the roots, OUs and accounts a policy is attached to.
func (s *Service) ListTargetsForPolicy(ctx context.Context, c *iam.Caller, in *orgtypes.ListTargetsForPolicyRequest) (*orgtypes.ListTargetsForPolicyResponse, error) {
	out := &orgtypes.ListTargetsForPolicyResponse{}
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, r, c, o, "organizations:ListTargetsForPolicy", policyARN(o.Partition, o.Management, o.ID, "", in.PolicyId), true); err != nil {
			return err
		}
		if _, err := loadPolicy(ctx, r, o, in.PolicyId); err != nil {
			return policyDoesNotExist(err)
		}
		links, err := r.Links(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, To: in.PolicyId})
		if err != nil {
			return err
		}
		all := []orgtypes.PolicyTargetSummary{}
		for _, l := range links {
			t, err := findTarget(ctx, r, o, l.From)
			if ae, ok := awserr.As(err); ok && ae.Code == "TargetNotFoundException" {
				continue // an attachment left behind by a target that is gone
			}
			if err != nil {
				return err
			}
			all = append(all, orgtypes.PolicyTargetSummary{TargetId: ptr(t.id), Arn: ptr(t.arn), Name: ptr(t.name), Type: ptr(t.typ)})
		}
		out.Targets, out.NextToken, err = pageOf(all, in.NextToken, in.MaxResults)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// saveEnabledTypes writes the organization's enabled policy types back.
func saveEnabledTypes(ctx context.Context, tx store.Tx, o *Organization) error {
	e, err := tx.Get(ctx, o.Management, KindOrganization, orgName)
	if err != nil {
		return err
	}
	cur, err := decode[Organization](e)
	if err != nil {
		return err
	}
	cur.EnabledTypes = o.EnabledTypes
	e.Data = encode(cur)
	return tx.Update(ctx, e)
}

// EnablePolicyType enables a policy type on the root and attaches its AWS managed policy, if it has one, to the
// root, every OU and every account.
func (s *Service) EnablePolicyType(ctx context.Context, c *iam.Caller, in *orgtypes.EnablePolicyTypeRequest) (*orgtypes.EnablePolicyTypeResponse, error) {
	var out orgtypes.Root
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:EnablePolicyType", rootARN(o.Partition, o.Management, o.ID, in.RootId), true, conditionKeys("organizations:PolicyType", string(in.PolicyType))); err != nil {
			return err
		}
		if in.RootId != o.RootID {
			return errRootNotFound()
		}
		typ := string(in.PolicyType)
		if !supportedType(typ) || o.FeatureSet != "ALL" {
			return errPolicyTypeNotAvailable()
		}
		if o.enabled(typ) {
			return &awserr.Error{Code: "PolicyTypeAlreadyEnabledException", HTTPStatus: 400, Message: "The specified policy type is already enabled."}
		}
		o.EnabledTypes = append(o.EnabledTypes, typ)
		if err := saveEnabledTypes(ctx, tx, o); err != nil {
			return err
		}
		if m, ok := managedFor(typ); ok {
			targets := []string{o.RootID}
			for _, k := range []store.Kind{KindOU, KindOrgAccount} {
				page, err := tx.List(ctx, store.ListQuery{Account: o.Management, Kind: k})
				if err != nil {
					return err
				}
				for _, e := range page.Entities {
					targets = append(targets, e.Name)
				}
			}
			for _, t := range targets {
				err := tx.Link(ctx, store.Link{Account: o.Management, Kind: LinkAttached, From: t, To: m.ID, Created: s.now()})
				if err != nil && !errors.Is(err, store.ErrConflict) {
					return err
				}
			}
		}
		out = rootShape(o)
		return nil
	}, func() *orgtypes.EnablePolicyTypeResponse {
		return &orgtypes.EnablePolicyTypeResponse{Root: &out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// DisablePolicyType disables a policy type on the root and detaches every policy of the type from every target.
func (s *Service) DisablePolicyType(ctx context.Context, c *iam.Caller, in *orgtypes.DisablePolicyTypeRequest) (*orgtypes.DisablePolicyTypeResponse, error) {
	var out orgtypes.Root
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		o, err := s.callerOrg(ctx, tx, c)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, o, "organizations:DisablePolicyType", rootARN(o.Partition, o.Management, o.ID, in.RootId), true, conditionKeys("organizations:PolicyType", string(in.PolicyType))); err != nil {
			return err
		}
		if in.RootId != o.RootID {
			return errRootNotFound()
		}
		typ := string(in.PolicyType)
		if !o.enabled(typ) {
			return errPolicyTypeNotEnabled()
		}
		links, err := tx.Links(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached})
		if err != nil {
			return err
		}
		for _, l := range links {
			p, err := loadPolicy(ctx, tx, o, l.To)
			if err != nil {
				return err
			}
			if p.Type == typ {
				if err := tx.Unlink(ctx, l); err != nil {
					return err
				}
			}
		}
		o.EnabledTypes = slices.DeleteFunc(o.EnabledTypes, func(t string) bool { return t == typ })
		if err := saveEnabledTypes(ctx, tx, o); err != nil {
			return err
		}
		out = rootShape(o)
		return nil
	}, func() *orgtypes.DisablePolicyTypeResponse {
		return &orgtypes.DisablePolicyTypeResponse{Root: &out}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func errNoEffectivePolicy() error {
	return &awserr.Error{Code: "EffectivePolicyNotFoundException", HTTPStatus: 400,
		// The API reference's description of the exception; the live text is unconfirmed.
		Message: "If you ran this action on the management account, this policy type is not enabled. If you ran the action on a member account, the account doesn't have an effective policy of this type. Contact the administrator of your organization."}
}

// DescribeEffectivePolicy returns an account's effective policy of a management policy type: the policies of the type
// attached from the root down to the account merged with their inheritance operators. SCPs and RCPs have none.
func (s *Service) DescribeEffectivePolicy(ctx context.Context, c *iam.Caller, in *orgtypes.DescribeEffectivePolicyRequest) (*orgtypes.DescribeEffectivePolicyResponse, error) {
	var out *orgtypes.EffectivePolicy
	err := s.store.View(ctx, func(ctx context.Context, r store.Reader) error {
		o, err := s.callerOrg(ctx, r, c)
		if err != nil {
			return err
		}
		acct := c.Account()
		if in.TargetId != nil {
			acct = *in.TargetId
		}
		if err := s.authorize(ctx, r, c, o, "organizations:DescribeEffectivePolicy", accountARN(o.Partition, o.Management, o.ID, acct), acct != c.Account()); err != nil {
			return err
		}
		if _, err := r.Get(ctx, o.Management, KindOrgAccount, acct); errors.Is(err, store.ErrNotFound) {
			return errTargetNotFound()
		} else if err != nil {
			return err
		}
		typ := string(in.PolicyType)
		content, updated, ok, err := effectivePolicy(ctx, r, o, acct, typ)
		if err != nil {
			return err
		}
		if !ok {
			return errNoEffectivePolicy()
		}
		pt := orgtypes.EffectivePolicyType(typ)
		out = &orgtypes.EffectivePolicy{PolicyContent: ptr(content), LastUpdatedTimestamp: stamp(updated),
			TargetId: ptr(acct), PolicyType: &pt}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &orgtypes.DescribeEffectivePolicyResponse{EffectivePolicy: out}, nil
}

// effectivePolicy returns an account's effective policy of a type and when it last changed; ok is false when the
// account has none (no policy of the type applies, the type is not enabled, or it is not a management type).
func effectivePolicy(ctx context.Context, r store.Reader, o *Organization, acct, typ string) (content string, updated time.Time, ok bool, err error) {
	if !isManagementType(typ) || !o.enabled(typ) {
		return "", time.Time{}, false, nil
	}
	levels, err := levelsOf(ctx, r, o, acct)
	if err != nil {
		return "", time.Time{}, false, err
	}
	var docs [][]*mgmtNode
	for _, l := range levels {
		links, err := r.Links(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, From: l.id})
		if err != nil {
			return "", time.Time{}, false, err
		}
		var level []*mgmtNode
		for _, ln := range links {
			p, err := loadPolicy(ctx, r, o, ln.To)
			if err != nil {
				return "", time.Time{}, false, err
			}
			if p.Type != typ {
				continue
			}
			doc, err := parseMgmtPolicy(typ, []byte(p.Content))
			if err != nil {
				return "", time.Time{}, false, err
			}
			level = append(level, doc)
			if p.entity != nil && p.entity.Created.After(updated) {
				updated = p.entity.Created
			}
			if ln.Created.After(updated) {
				updated = ln.Created
			}
		}
		docs = append(docs, level)
	}
	content, ok = effectiveMgmtPolicy(docs)
	return content, updated, ok, nil
}
