package iam

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/simulate"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// convert copies between shapes with the same JSON field names (the API's member names).
func convert[T any](from any) (*T, error) {
	b, err := json.Marshal(from)
	if err != nil {
		return nil, err
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SimulateCustomPolicy simulates policies given in the request.
func (s *Service) SimulateCustomPolicy(ctx context.Context, c *Caller, in *iamtypes.SimulateCustomPolicyRequest) (*iamtypes.SimulatePolicyResponse, error) {
	if err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		return s.Authorize(ctx, r, c, Authorization{Action: "iam:SimulateCustomPolicy", Resource: "*"})
	}); err != nil {
		return nil, internal(err)
	}
	sin, err := convert[simulate.CustomInput](in)
	if err != nil {
		return nil, internal(err)
	}
	return s.runSimulation(sin)
}

func (s *Service) runSimulation(sin *simulate.CustomInput) (*iamtypes.SimulatePolicyResponse, error) {
	out, err := simulate.Custom(*sin)
	if err != nil {
		return nil, internal(err) // the simulator's errors are AWS errors already
	}
	resp, err := convert[iamtypes.SimulatePolicyResponse](out)
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// principalPolicies returns the stored policies of a user (its own and its groups'), a group or a role, named for
// the simulator, and the simulated caller.
func (s *Service) principalPolicies(ctx context.Context, r store.Reader, sourceARN string) (*simulate.PrincipalPolicies, error) {
	acct, kind, name, err := splitEntityARN(sourceARN)
	if err != nil {
		return nil, err
	}
	pp := &simulate.PrincipalPolicies{}
	addInline := func(list []InlinePolicy) {
		for _, ip := range list {
			pp.Policies = append(pp.Policies, simulate.NamedPolicy{ID: ip.Name, Document: ip.Document})
		}
	}
	addAttached := func(ownerID string) error {
		links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, From: ownerID})
		if err != nil {
			return err
		}
		for _, l := range links {
			doc, pname, err := s.managedPolicyDocument(ctx, r, l.To)
			if err != nil {
				return err
			}
			pp.Policies = append(pp.Policies, simulate.NamedPolicy{ID: pname, Document: doc})
		}
		return nil
	}
	setBoundary := func(arn string) error {
		if arn == "" {
			return nil
		}
		doc, pname, err := s.managedPolicyDocument(ctx, r, arn)
		if err != nil {
			return err
		}
		pp.Boundary = &simulate.NamedPolicy{ID: pname, Document: doc}
		return nil
	}
	notFound := func() error { return awserr.NoSuchEntity("The %s with name %s cannot be found.", kind, name) }
	switch kind {
	case "user":
		e, err := r.Get(ctx, acct, KindUser, name)
		if err != nil {
			return nil, notFound()
		}
		u, err := decode[User](e)
		if err != nil {
			return nil, err
		}
		pp.Caller = authz.Principal{Type: authz.PrincipalUser, ARN: u.ARN, Account: acct}
		addInline(u.Policies)
		if err := addAttached(u.UserID); err != nil {
			return nil, err
		}
		groups, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID})
		if err != nil {
			return nil, err
		}
		for _, l := range groups {
			ge, err := r.GetByID(ctx, l.To)
			if err != nil {
				return nil, err
			}
			g, err := decode[Group](ge)
			if err != nil {
				return nil, err
			}
			addInline(g.Policies)
			if err := addAttached(g.GroupID); err != nil {
				return nil, err
			}
		}
		return pp, setBoundary(u.PermissionsBoundary)
	case "group":
		e, err := r.Get(ctx, acct, KindGroup, name)
		if err != nil {
			return nil, notFound()
		}
		g, err := decode[Group](e)
		if err != nil {
			return nil, err
		}
		addInline(g.Policies)
		return pp, addAttached(g.GroupID)
	case "role":
		e, err := r.Get(ctx, acct, KindRole, name)
		if err != nil {
			return nil, notFound()
		}
		ro, err := decode[Role](e)
		if err != nil {
			return nil, err
		}
		pp.Caller = authz.Principal{Type: authz.PrincipalAssumedRole, ARN: AssumedRoleARN(awsregion.OfARN(ro.ARN), acct, ro.RoleName, "simulation"), Account: acct, RoleARN: ro.ARN}
		addInline(ro.Policies)
		if err := addAttached(ro.RoleID); err != nil {
			return nil, err
		}
		return pp, setBoundary(ro.PermissionsBoundary)
	}
	return nil, awserr.InvalidInput("Invalid ARN %s: the policy source must be a user, group or role.", sourceARN)
}

// splitEntityARN splits arn:aws:iam::ACCOUNT:TYPE/PATH/NAME into account, type and name.
func splitEntityARN(a string) (account, kind, name string, err error) {
	rest, ok := strings.CutPrefix(a, awsregion.OfARN(a).IAMPrefix())
	if !ok {
		return "", "", "", awserr.InvalidInput("Invalid ARN %s.", a)
	}
	account, res, ok := strings.Cut(rest, ":")
	kind, _, ok2 := strings.Cut(res, "/")
	if !ok || !ok2 {
		return "", "", "", awserr.InvalidInput("Invalid ARN %s.", a)
	}
	return account, kind, res[strings.LastIndexByte(res, '/')+1:], nil
}

// SimulatePrincipalPolicy simulates a user's, group's or role's own policies, plus any given in the request.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, c *Caller, in *iamtypes.SimulatePrincipalPolicyRequest) (*iamtypes.SimulatePolicyResponse, error) {
	var pp *simulate.PrincipalPolicies
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:SimulatePrincipalPolicy", Resource: in.PolicySourceArn}); err != nil {
			return err
		}
		var err error
		pp, err = s.principalPolicies(ctx, r, in.PolicySourceArn)
		if err != nil {
			return err
		}
		// the simulated principal's account brings its organization's SCPs, as AWS's simulator applies them
		v, err := s.accountOrg(ctx, r, accountOfARN(in.PolicySourceArn))
		if err != nil || v == nil || v.SCPs == nil {
			return err
		}
		pp.SCPs, pp.Management = v.SCPs, v.Management == accountOfARN(in.PolicySourceArn)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	sin, err := convert[simulate.CustomInput](in)
	if err != nil {
		return nil, internal(err)
	}
	sin.Principal = pp
	return s.runSimulation(sin)
}

// contextKeys lists the condition keys the documents use, each once, in the order first seen.
func contextKeys(docs []string) ([]string, error) {
	seen := map[string]bool{}
	out := []string{}
	for i, d := range docs {
		p, err := policy.Parse([]byte(d), policy.TypeIdentity)
		if err != nil {
			var pe *policy.ParseError
			if errors.As(err, &pe) && len(pe.Findings) > 0 {
				return nil, awserr.InvalidInput("Policy %d is not valid: %s", i+1, pe.Findings[0].Message)
			}
			return nil, awserr.InvalidInput("Policy %d is not valid: %v", i+1, err)
		}
		for _, st := range p.Statements {
			for _, cnd := range st.Conditions {
				if k := strings.ToLower(cnd.Key); !seen[k] {
					seen[k] = true
					out = append(out, cnd.Key)
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out, nil
}

// GetContextKeysForCustomPolicy lists the condition keys of the given policies.
func (s *Service) GetContextKeysForCustomPolicy(ctx context.Context, c *Caller, in *iamtypes.GetContextKeysForCustomPolicyRequest) (*iamtypes.GetContextKeysForPolicyResponse, error) {
	if err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		return s.Authorize(ctx, r, c, Authorization{Action: "iam:GetContextKeysForCustomPolicy", Resource: "*"})
	}); err != nil {
		return nil, internal(err)
	}
	keys, err := contextKeys(in.PolicyInputList)
	if err != nil {
		return nil, err
	}
	return &iamtypes.GetContextKeysForPolicyResponse{ContextKeyNames: keys}, nil
}

// GetContextKeysForPrincipalPolicy lists the condition keys of a principal's policies and the given ones.
func (s *Service) GetContextKeysForPrincipalPolicy(ctx context.Context, c *Caller, in *iamtypes.GetContextKeysForPrincipalPolicyRequest) (*iamtypes.GetContextKeysForPolicyResponse, error) {
	var docs []string
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GetContextKeysForPrincipalPolicy", Resource: in.PolicySourceArn}); err != nil {
			return err
		}
		pp, err := s.principalPolicies(ctx, r, in.PolicySourceArn)
		if err != nil {
			return err
		}
		for _, p := range pp.Policies {
			docs = append(docs, p.Document)
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	keys, err := contextKeys(append(docs, in.PolicyInputList...))
	if err != nil {
		return nil, err
	}
	return &iamtypes.GetContextKeysForPolicyResponse{ContextKeyNames: keys}, nil
}
