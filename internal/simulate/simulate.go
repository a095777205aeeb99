package simulate

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
	maxPolicyLength = 131072
)

// policyChars is the API model's pattern for policy documents.
var policyChars = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+$`)

// Custom runs SimulateCustomPolicy: it evaluates each action of in.ActionNames on the resources of
// in.ResourceArns with the given identity-based policies, permissions boundary and resource-based policy, and
// returns one EvaluationResult per action.
//
// When ResourceArns is absent or ["*"], each result is the decision for the resource "*", with its matched
// statements and missing context values. When ResourceArns lists resources, each result is the aggregate over
// them — the most restrictive decision, the statements behind it, the union of the missing context values — and
// ResourceSpecificResults holds each resource's own result; EvalResourceName is set only when one resource is
// listed. This is AWS's current behaviour; it formerly returned one result per action and resource.
//
// Errors are *Error (InvalidInput, ValidationError) or *PolicyError (whose chain holds a MalformedPolicyDocument
// *Error).
func Custom(in CustomInput) (*Output, error) {
	s, err := newSimulation(in)
	if err != nil {
		return nil, err
	}
	n := len(in.ActionNames)
	start := 0
	if in.Marker != "" {
		start, err = strconv.Atoi(in.Marker)
		if err != nil || start <= 0 || start >= n || strconv.Itoa(start) != in.Marker {
			return nil, invalidInput("Invalid Marker %q", in.Marker)
		}
	}
	limit := in.MaxItems
	if limit == 0 {
		limit = defaultMaxItems
	}
	end := min(start+limit, n)
	out := &Output{EvaluationResults: make([]EvaluationResult, 0, end-start)}
	for _, action := range in.ActionNames[start:end] {
		out.EvaluationResults = append(out.EvaluationResults, s.action(action))
	}
	if end < n {
		out.IsTruncated, out.Marker = true, strconv.Itoa(end)
	}
	return out, nil
}

// source is one input policy.
type source struct {
	id   string // SourcePolicyId
	typ  string // SourcePolicyType
	rank int    // order of MatchedStatements: the resource policy, then PolicyInputList in order, then the boundary
	pol  *policy.Policy
}

// simulation is one call's parsed input.
type simulation struct {
	resources []string
	explicit  bool // ResourceArns lists resources, rather than being absent or ["*"]
	principal authz.Principal
	owner     string // the account of ResourceOwner, or ""
	ctx       policy.Context

	sources  []source // identity policies, then the boundary, then the resource policy
	bySource map[*policy.Policy]*source
	boundary *policy.Policy
	hasRes   bool

	full, identitySide, resourceSide *authz.Evaluator
	orgs                             *authz.Evaluator // the SCPs alone, for OrganizationsDecisionDetail; nil without
}

func newSimulation(in CustomInput) (*simulation, error) {
	if err := validate(in); err != nil {
		return nil, err
	}
	s := &simulation{bySource: map[*policy.Policy]*source{}}
	if in.ResourceOwner != "" {
		a, err := arn.Parse(in.ResourceOwner)
		if err != nil || a.Service != "iam" || a.Resource != "root" || !isAccountID(a.Account) {
			return nil, invalidInput("%q is not a valid Resource Owner: give the account's root ARN, arn:aws:iam::ACCOUNT-ID:root", in.ResourceOwner)
		}
		s.owner = a.Account
	}
	switch {
	case in.Principal != nil && in.CallerArn == "" && in.Principal.Caller.Type != authz.PrincipalAnonymous:
		s.principal = in.Principal.Caller
	case in.CallerArn != "":
		p, err := authz.PrincipalFromARN(in.CallerArn)
		if err != nil || p.Type != authz.PrincipalUser {
			return nil, invalidInput("Invalid caller %q: CallerArn must be the ARN of an IAM user", in.CallerArn)
		}
		s.principal = p
	case in.ResourcePolicy != "":
		return nil, invalidInput("CallerArn is required when a ResourcePolicy is given: the policy's Principal element needs a caller to match")
	default:
		// No caller: an unnamed IAM user of the resource owner's account (or of no account in particular, which
		// makes every resource the caller's own).
		s.principal = authz.Principal{Type: authz.PrincipalUser, Account: s.owner}
	}
	if err := s.parsePolicies(in); err != nil {
		return nil, err
	}
	ctx, err := Context(in.ContextEntries)
	if err != nil {
		return nil, err
	}
	s.ctx = ctx

	s.resources = in.ResourceArns
	s.explicit = len(s.resources) > 0 && !(len(s.resources) == 1 && s.resources[0] == "*")
	if len(s.resources) == 0 {
		s.resources = []string{"*"}
	}

	var set authz.PolicySet
	for _, src := range s.sources {
		att := authz.Attached{Name: src.id, Policy: src.pol}
		switch src.typ {
		case TypeIAMPolicy:
			set.Identity = append(set.Identity, att)
		case TypeBoundaryPolicy:
			set.Boundary = &att
		case TypeResourcePolicy:
			set.Resource = &att
		}
	}
	if p := in.Principal; p != nil && p.SCPs != nil {
		set.SCPs, set.PrincipalAccountIsManagement = p.SCPs, p.Management
		all, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), policy.TypeIdentity)
		if err != nil {
			return nil, err
		}
		s.orgs = authz.New(authz.PolicySet{Identity: []authz.Attached{{Name: "all", Policy: all}}, SCPs: p.SCPs,
			PrincipalAccountIsManagement: p.Management})
	}
	s.full = authz.New(set)
	s.identitySide = authz.New(authz.PolicySet{Identity: set.Identity, Boundary: set.Boundary})
	s.resourceSide = authz.New(authz.PolicySet{Resource: set.Resource})
	return s, nil
}

// validate checks the input against the API model's constraints and the operation's rules that need no parsing.
func validate(in CustomInput) error {
	var v validation
	checkPolicies := func(docs []string, at string) {
		for i, d := range docs {
			a := fmt.Sprintf("%s.%d.member", at, i+1)
			v.length(d, a, 1, maxPolicyLength)
			if d != "" && !policyChars.MatchString(d) {
				v.addf(d, a, "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
			}
		}
	}
	if len(in.PolicyInputList) == 0 && in.Principal == nil {
		v.addf("null", "policyInputList", "Member must not be null")
	}
	checkPolicies(in.PolicyInputList, "policyInputList")
	checkPolicies(in.PermissionsBoundaryPolicyInputList, "permissionsBoundaryPolicyInputList")
	if in.ResourcePolicy != "" {
		checkPolicies([]string{in.ResourcePolicy}, "resourcePolicy")
	}
	if len(in.ActionNames) == 0 {
		v.addf("null", "actionNames", "Member must not be null")
	}
	for i, a := range in.ActionNames {
		v.length(a, fmt.Sprintf("actionNames.%d.member", i+1), 3, 128)
	}
	for i, r := range in.ResourceArns {
		v.length(r, fmt.Sprintf("resourceArns.%d.member", i+1), 1, 2048)
	}
	v.length(in.ResourceOwner, "resourceOwner", 0, 2048)
	v.length(in.CallerArn, "callerArn", 0, 2048)
	v.length(in.ResourceHandlingOption, "resourceHandlingOption", 0, 64)
	v.length(in.Marker, "marker", 0, 320)
	if in.MaxItems < 0 || in.MaxItems > maxMaxItems {
		v.addf(strconv.Itoa(in.MaxItems), "maxItems", "Member must have value between 1 and %d", maxMaxItems)
	}
	if err := v.err(); err != nil {
		return err
	}
	if n := len(in.PermissionsBoundaryPolicyInputList); n > 1 {
		return invalidInput("Only one permissions boundary can be simulated; PermissionsBoundaryPolicyInputList has %d", n)
	}
	for _, a := range in.ActionNames {
		svc, name, ok := strings.Cut(a, ":")
		switch {
		case !ok || svc == "" || name == "":
			return invalidInput("Action %q is not valid: write service:ActionName, such as iam:CreateUser", a)
		case strings.ContainsAny(a, "*?"):
			return invalidInput("Action %q is not valid: SimulateCustomPolicy does not support wildcards in action names", a)
		}
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parsePolicies parses the input policies in the order of their source ids.
func (s *simulation) parsePolicies(in CustomInput) error {
	add := func(doc, list string, index int, typ policy.Type, srcType string, rank int) error {
		id := list
		if index > 0 {
			id = list + "." + strconv.Itoa(index)
		}
		if index < 0 {
			id = list // a principal's own policy, reported by name
		}
		p, err := policy.Parse([]byte(doc), typ)
		if err != nil {
			var pe *policy.ParseError
			if !errors.As(err, &pe) {
				pe = &policy.ParseError{Findings: []policy.Finding{{Code: policy.CodeJSONSyntax, Severity: policy.SeverityError, Message: err.Error()}}}
			}
			return &PolicyError{List: list, Index: index, PolicyID: id, Err: pe}
		}
		s.sources = append(s.sources, source{id: id, typ: srcType, rank: rank, pol: p})
		return nil
	}
	if p := in.Principal; p != nil {
		for _, np := range p.Policies {
			if err := add(np.Document, np.ID, -1, policy.TypeIdentity, TypeIAMPolicy, 0); err != nil {
				return err
			}
		}
		if p.Boundary != nil && len(in.PermissionsBoundaryPolicyInputList) == 0 {
			if err := add(p.Boundary.Document, p.Boundary.ID, -1, policy.TypeBoundary, TypeBoundaryPolicy, len(in.PolicyInputList)+1); err != nil {
				return err
			}
		}
	}
	for i, doc := range in.PolicyInputList {
		if err := add(doc, SourcePolicyInputList, i+1, policy.TypeIdentity, TypeIAMPolicy, i+1); err != nil {
			return err
		}
	}
	for i, doc := range in.PermissionsBoundaryPolicyInputList {
		if err := add(doc, SourceBoundaryList, i+1, policy.TypeBoundary, TypeBoundaryPolicy, len(in.PolicyInputList)+1); err != nil {
			return err
		}
	}
	if in.ResourcePolicy != "" {
		if err := add(in.ResourcePolicy, SourceResourcePolicy, 0, policy.TypeResource, TypeResourcePolicy, 0); err != nil {
			return err
		}
	}
	for i := range s.sources {
		src := &s.sources[i]
		s.bySource[src.pol] = src
		switch src.typ {
		case TypeBoundaryPolicy:
			s.boundary = src.pol
		case TypeResourcePolicy:
			s.hasRes = true
		}
	}
	return nil
}

// resourceAccount returns the account that owns a resource: the ARN's account field, else ResourceOwner's
// account, else the caller's.
func (s *simulation) resourceAccount(resource string) string {
	if a, err := arn.Parse(resource); err == nil && a.Account != "" {
		return a.Account
	}
	if s.owner != "" {
		return s.owner
	}
	return s.principal.Account
}

// resourceEval is the outcome of one action on one resource.
type resourceEval struct {
	resource string
	decision Decision
	matched  []Statement
	missing  []string
	cross    bool
	details  map[string]Decision // set for cross-account requests
	boundary *PermissionsBoundaryDecisionDetail
	orgs     *OrganizationsDecisionDetail
	explain  string
}

func (s *simulation) evaluate(action, resource string) resourceEval {
	req := authz.Request{
		Principal:       s.principal,
		Action:          action,
		Resource:        resource,
		ResourceAccount: s.resourceAccount(resource),
		Context:         s.ctx,
	}
	d := s.full.Decide(&req)
	e := resourceEval{
		resource: resource,
		decision: decisionOf(d.Result),
		matched:  s.statements(d.Matched()),
		missing:  s.missing(action, resource),
		explain:  d.Explain(action),
	}
	if p := s.principal.Account; p != "" && req.ResourceAccount != "" && p != req.ResourceAccount {
		e.cross = true
		e.details = s.crossDetails(req)
	}
	if s.boundary != nil {
		e.boundary = &PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: s.boundaryAllows(action, resource)}
	}
	if s.orgs != nil {
		e.orgs = &OrganizationsDecisionDetail{AllowedByOrganizations: s.orgs.Decide(&req).Result == authz.Allowed}
	}
	return e
}

// crossDetails is EvalDecisionDetails for a cross-account request: the decision of each side on its own. The
// caller's account decides with the identity-based policies and the boundary; the resource's account decides with
// the resource-based policy, which allows when it names the caller or the caller's account.
func (s *simulation) crossDetails(req authz.Request) map[string]Decision {
	own := req
	own.ResourceAccount = s.principal.Account
	id := s.identitySide.Decide(&own)
	res := ImplicitDeny
	if s.hasRes {
		d := s.resourceSide.Decide(&req)
		switch {
		case d.Result == authz.ExplicitDeny:
			res = ExplicitDeny
		case d.Result == authz.Allowed, d.Missing != authz.LayerResource:
			res = Allowed // the resource policy allows; only the caller's side was missing
		}
	}
	return map[string]Decision{TypeIAMPolicy: decisionOf(id.Result), TypeResourcePolicy: res}
}

// boundaryAllows reports whether the permissions boundary has an Allow statement for the request and no Deny.
func (s *simulation) boundaryAllows(action, resource string) bool {
	svc, name := policy.SplitAction(action)
	allow := false
	for _, st := range s.boundary.Statements {
		if !st.MatchAction(svc, name) || !st.MatchResource(resource, s.ctx) || !st.MatchConditions(s.ctx) {
			continue
		}
		if st.Effect == policy.Deny {
			return false
		}
		allow = true
	}
	return allow
}

// statements converts the engine's matches to Statements, ordered by policy (the resource policy, the identity
// policies in order, the boundary) and position, without repeats. It never returns nil: AWS always sends the list.
func (s *simulation) statements(matches []authz.Match) []Statement {
	type keyed struct {
		rank, index int
		st          Statement
	}
	var ks []keyed
	seen := map[*policy.Statement]bool{}
	for _, m := range matches {
		src := s.bySource[m.Statement.Policy]
		if src == nil || seen[m.Statement] {
			continue
		}
		seen[m.Statement] = true
		start, end := statementPositions(m.Statement)
		ks = append(ks, keyed{src.rank, m.Statement.Index, Statement{SourcePolicyId: src.id, SourcePolicyType: src.typ, StartPosition: &start, EndPosition: &end}})
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return a.index - b.index
	})
	out := make([]Statement, len(ks))
	for i := range ks {
		out[i] = ks[i].st
	}
	return out
}

// missing returns the condition keys of the statements that apply to the action and resource which the context
// lacks, spelt as the first policy that uses them spells them, in policy order. It never returns nil.
func (s *simulation) missing(action, resource string) []string {
	svc, name := policy.SplitAction(action)
	out := []string{}
	seen := map[string]bool{}
	for _, src := range s.sources {
		for _, st := range src.pol.Statements {
			if !st.MatchAction(svc, name) || !st.MatchResource(resource, s.ctx) {
				continue
			}
			for _, c := range st.Conditions {
				k := strings.ToLower(c.Key)
				if seen[k] {
					continue
				}
				seen[k] = true
				if _, ok := s.ctx.Get(k); !ok {
					out = append(out, c.Key)
				}
			}
		}
	}
	return out
}

// action simulates one action on every resource and builds its EvaluationResult.
func (s *simulation) action(name string) EvaluationResult {
	evals := make([]resourceEval, len(s.resources))
	for i, r := range s.resources {
		evals[i] = s.evaluate(name, r)
	}
	res := EvaluationResult{EvalActionName: name, Explanations: make([]Explanation, len(evals))}
	for i, e := range evals {
		res.Explanations[i] = Explanation{Resource: e.resource, Decision: e.decision, Text: e.explain}
	}
	if !s.explicit {
		e := evals[0]
		res.EvalResourceName = e.resource
		res.EvalDecision = e.decision
		res.MatchedStatements = e.matched
		res.MissingContextValues = e.missing
		res.PermissionsBoundaryDecisionDetail = e.boundary
		res.OrganizationsDecisionDetail = e.orgs
		if e.cross {
			res.EvalDecisionDetails = e.details
		}
		return res
	}

	if len(evals) == 1 {
		res.EvalResourceName = evals[0].resource
	}
	res.EvalDecision = Allowed
	for _, e := range evals {
		res.EvalDecision = stricter(res.EvalDecision, e.decision)
	}
	res.MatchedStatements = []Statement{}
	res.MissingContextValues = []string{}
	res.EvalDecisionDetails = map[string]Decision{}
	res.ResourceSpecificResults = make([]ResourceSpecificResult, 0, len(evals))
	seenKey := map[string]bool{}
	for _, e := range evals {
		if e.decision == res.EvalDecision {
			for _, st := range e.matched {
				if !slices.ContainsFunc(res.MatchedStatements, func(x Statement) bool { return sameStatement(x, st) }) {
					res.MatchedStatements = append(res.MatchedStatements, st)
				}
			}
		}
		for _, k := range e.missing {
			if lk := strings.ToLower(k); !seenKey[lk] {
				seenKey[lk] = true
				res.MissingContextValues = append(res.MissingContextValues, k)
			}
		}
		for k, d := range e.details {
			if prev, ok := res.EvalDecisionDetails[k]; ok {
				d = stricter(prev, d)
			}
			res.EvalDecisionDetails[k] = d
		}
		if e.orgs != nil {
			if res.OrganizationsDecisionDetail == nil {
				res.OrganizationsDecisionDetail = &OrganizationsDecisionDetail{AllowedByOrganizations: true}
			}
			res.OrganizationsDecisionDetail.AllowedByOrganizations = res.OrganizationsDecisionDetail.AllowedByOrganizations && e.orgs.AllowedByOrganizations
		}
		if e.boundary != nil {
			if res.PermissionsBoundaryDecisionDetail == nil {
				res.PermissionsBoundaryDecisionDetail = &PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: true}
			}
			res.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary =
				res.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary && e.boundary.AllowedByPermissionsBoundary
		}
		rsr := ResourceSpecificResult{
			EvalResourceName:                  e.resource,
			EvalResourceDecision:              e.decision,
			MatchedStatements:                 e.matched,
			MissingContextValues:              e.missing,
			PermissionsBoundaryDecisionDetail: e.boundary,
		}
		if e.cross {
			rsr.EvalDecisionDetails = e.details
		}
		res.ResourceSpecificResults = append(res.ResourceSpecificResults, rsr)
	}
	return res
}

func sameStatement(a, b Statement) bool {
	return a.SourcePolicyId == b.SourcePolicyId && *a.StartPosition == *b.StartPosition && *a.EndPosition == *b.EndPosition
}

func decisionOf(r authz.Result) Decision {
	switch r {
	case authz.Allowed:
		return Allowed
	case authz.ExplicitDeny:
		return ExplicitDeny
	}
	return ImplicitDeny
}

// stricter returns the more restrictive of two decisions: explicitDeny, then implicitDeny, then allowed.
func stricter(a, b Decision) Decision {
	rank := func(d Decision) int {
		switch d {
		case ExplicitDeny:
			return 2
		case ImplicitDeny:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
