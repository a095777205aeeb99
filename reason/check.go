package reason

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// Verdict is the answer of a check.
type Verdict uint8

const (
	// Pass: proven — no request can be allowed that the check forbids.
	Pass Verdict = iota
	// Fail: a witness request shows the access; the engine has confirmed it.
	Fail
	// Unknown: the search ran out of budget or could not decide without approximating; callers answer FAIL.
	Unknown
)

func (v Verdict) String() string { return [...]string{"PASS", "FAIL", "UNKNOWN"}[v] }

// Witness is a concrete request: the engine allows it under the first policy set and not under the second.
type Witness struct {
	// Principal is the caller: an ARN, a service principal, an identity provider, or "*" for the anonymous caller.
	Principal string `json:"principal"`
	// PrincipalType is the caller's type as aws:PrincipalType names it (Anonymous, Service, WebIdentity and SAML
	// for callers without an ARN); empty in witnesses of identity policies, whose caller is an IAM user.
	PrincipalType string `json:"principalType,omitempty"`
	// RoleARN is the role of a role session whose role has a path (the session ARN does not show it).
	RoleARN  string         `json:"roleArn,omitempty"`
	Action   string         `json:"action"`
	Resource string         `json:"resource"`
	Context  policy.Context `json:"context,omitempty"`
	// spelling maps a context key (lower case, as policy.Context keeps it) to its spelling in the policies checked,
	// for String and JSON.
	spelling map[string]string
}

// Spell returns key as the policies checked spell it (aws:SourceIp for the aws:sourceip of Context).
func (w *Witness) Spell(key string) string {
	if s, ok := w.spelling[key]; ok {
		return s
	}
	return key
}

// MarshalJSON writes the witness with its context keys spelled as the policies spell them.
func (w *Witness) MarshalJSON() ([]byte, error) {
	type plain Witness
	out := struct {
		*plain
		Context map[string][]string `json:"context,omitempty"`
	}{plain: (*plain)(w)}
	if len(w.Context) > 0 {
		out.Context = make(map[string][]string, len(w.Context))
		for k, v := range w.Context {
			out.Context[w.Spell(k)] = v
		}
	}
	return json.Marshal(out)
}

func (w *Witness) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", w.Principal)
	if w.PrincipalType != "" {
		fmt.Fprintf(&b, " (%s", w.PrincipalType)
		if w.RoleARN != "" {
			fmt.Fprintf(&b, " of %s", w.RoleARN)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, " %s on %s", w.Action, w.Resource)
	for _, k := range slices.Sorted(maps.Keys(w.Context)) {
		fmt.Fprintf(&b, " %s=%q", w.Spell(k), w.Context[k])
	}
	return b.String()
}

// Reason is one statement behind a FAIL, in the shape of Access Analyzer's ReasonSummary.
type Reason struct {
	Description    string `json:"description"`
	StatementIndex int    `json:"statementIndex"`
	StatementID    string `json:"statementId,omitempty"`
	// Witness is a request that the statement allows and the check forbids (beyond AWS).
	Witness *Witness `json:"witness,omitempty"`
}

// Result is the answer of a check.
type Result struct {
	Verdict Verdict
	Reasons []Reason
	// Message says why the answer is Unknown.
	Message string
}

// Options tunes a Checker.
type Options struct {
	// Budget bounds the work of one check, in automaton states built and search steps; 0 means DefaultBudget.
	Budget int
	// Catalog, when set, names witness actions as AWS spells them and tells single-valued condition keys from
	// multivalued ones; without it every key may hold several values (sound, but less precise).
	Catalog *catalog.Catalog
}

// DefaultBudget is the budget of a check when Options.Budget is 0.
const DefaultBudget = 2_000_000

// Checker answers questions about identity policies. It is safe for concurrent use.
type Checker struct {
	opts Options
}

// New returns a Checker.
func New(opts Options) *Checker {
	if opts.Budget <= 0 {
		opts.Budget = DefaultBudget
	}
	return &Checker{opts: opts}
}

// ErrUnsupported is returned for policies outside what the solver models: identity and resource policies mixed
// in one check, more than one resource policy on a side, or text holding the characters the solver reserves.
var ErrUnsupported = errors.New("reason: unsupported policy")

// query is what a check searches beyond the two sets: whether they are resource policies, and, for
// CheckNoPublicAccess, the principals and constraints that make a request public.
type query struct {
	resource bool
	public   *publicQuery
}

// modeOf tells identity policies (no statement has a Principal or NotPrincipal element) from resource policies
// (every statement has one).
func modeOf(sets ...[]*policy.Policy) (query, error) {
	with, without := 0, 0
	for _, set := range sets {
		for _, p := range set {
			for _, st := range p.Statements {
				if st.Principal != nil {
					with++
				} else {
					without++
				}
			}
		}
	}
	switch {
	case with > 0 && without > 0:
		return query{}, fmt.Errorf("%w: statements with and without a Principal element: compare identity policies or resource policies, not both", ErrUnsupported)
	case with > 0:
		for _, set := range sets {
			if len(set) > 1 {
				return query{}, fmt.Errorf("%w: a resource has one resource policy, not %d", ErrUnsupported, len(set))
			}
		}
		return query{resource: true}, nil
	}
	return query{}, nil
}

// Exceeds asks whether some request is allowed by the policies a and not by those of b: identity policies, or
// resource policies (at most one a side, every statement with a Principal or NotPrincipal element), whose
// requests then come from every principal (see AllowsResource). The result is Fail with, for each Allow statement
// of a that grants such access, a confirmed witness; Pass when none exists; Unknown when the budget ran out or
// approximations left the question open.
func (c *Checker) Exceeds(ctx context.Context, a, b []*policy.Policy, describe func(i int) string) (Result, error) {
	q, err := modeOf(a, b)
	if err != nil {
		return Result{}, err
	}
	return c.exceeds(ctx, a, b, describe, q)
}

func (c *Checker) exceeds(ctx context.Context, a, b []*policy.Policy, describe func(i int) string, q query) (Result, error) {
	for _, p := range append(slices.Clip(a), b...) {
		if strings.ContainsFunc(p.Text, func(r rune) bool { return r >= symBase && r <= symBase+0xFF }) {
			return Result{}, fmt.Errorf("%w: the policy holds a character of U+F0000..U+F00FF, which the solver reserves", ErrUnsupported)
		}
	}
	classes := []*pclass{{}}
	var extra func(*solver) ([]lit, []goal)
	switch {
	case q.public != nil:
		classes = classesOf(q.public.principals(a), false, a, b)
		extra = q.public.constraints
	case q.resource:
		// aws:PrincipalAccount follows the caller only where a condition reads it; elsewhere it changes nothing.
		_, tie := keyInfos(nil, a, b)[accountKey]
		classes = classesOf(candidatePrincipals(a, b), tie, a, b)
	}
	var res Result
	unknown := ""
	keys := keyInfos(c.opts.Catalog, a, b)
	phases := c.phases(a, b)
	solvers := make([]*solver, len(phases))
	for pi, p := range a {
		for _, st := range p.Statements {
			if st.Effect != policy.Allow {
				continue
			}
			why := ""
			var w *Witness
		phases:
			for i, ph := range phases {
				if solvers[i] == nil {
					solvers[i] = &solver{ctx: ctx, budget: c.opts.Budget, universe: actionUniverse(), keys: keys, cat: c.opts.Catalog, a: a, b: b,
						resource: q.resource, classes: classes}
					solvers[i].extraFn = extra
				}
				s := solvers[i]
				leaves := 0
				for _, pt := range ph.parts {
					s.steps, s.unconfirmed = 0, 0
					if pt.prob == nil {
						prob, err := guard(s, func() *problem { return s.compile(pt.bnd) })
						if errors.Is(err, errBudget) {
							why = "compiling the policies ran out of the search budget"
							break phases
						} else if err != nil {
							return Result{}, err
						}
						pt.prob = prob
					}
					s.steps = 0
					found, err := guard(s, func() *Witness { return s.run(pt.prob, pi, st, pt.sides) })
					if errors.Is(err, errBudget) {
						why = "the search ran out of its budget"
						break phases
					} else if err != nil {
						return Result{}, err
					}
					if found != nil {
						w = found
						break phases
					}
					leaves += s.unconfirmed
				}
				if ph.proves && leaves == 0 {
					why = ""
					break // proved: no request
				}
				if ph.proves {
					why = "policy variables or conditions the solver approximates left candidates the engine did not confirm"
				}
			}
			if w == nil && why == "" && q.resource && q.public == nil && st.Principal != nil && len(st.Principal.CanonicalUser) > 0 {
				// The engine matches no caller to a canonical user, so no witness can show what the grant gives.
				why = "the statement grants access to a canonical user, which the engine does not model"
			}
			switch {
			case w != nil:
				res.Reasons = append(res.Reasons, Reason{Description: describe(st.Index), StatementIndex: st.Index, StatementID: st.Sid, Witness: w})
			case why != "" && unknown == "":
				unknown = fmt.Sprintf("statement %d: %s", st.Index, why)
			}
		}
	}
	switch {
	case len(res.Reasons) > 0:
		res.Verdict = Fail
	case unknown != "":
		res.Verdict, res.Message = Unknown, unknown
	default:
		res.Verdict = Pass
	}
	return res, nil
}

// sides selects which ways of "not allowed by the second set" a search tries.
type sides uint8

const (
	sideDeny sides = 1 << iota // denied by one of its Deny statements
	sideNone                   // outside all of its Allow statements
	sideAll  = sideDeny | sideNone
)

// part is one search of a phase: the policies compiled under bindings, and the sides it covers.
type part struct {
	bnd   bindings
	sides sides
	prob  *problem
}

// phase is a way of answering: when proves is set, a phase whose parts all find no candidate is a proof.
type phase struct {
	proves bool
	parts  []*part
}

// phases plans the searches of a check. First without binding variables: patterns that use them are approximated,
// safely in each direction, so an empty search is a proof. Then, when variables are used in resources only, with
// each variable's key either unset or standing for a symbol (any value at all): also a proof. Last, with
// variables bound to sample values: these find witnesses but prove nothing.
func (c *Checker) phases(a, b []*policy.Policy) []phase {
	out := []phase{{proves: true, parts: []*part{{sides: sideAll}}}}
	vars := variableKeys(a, b)
	if len(vars) == 0 {
		return out
	}
	if len(vars) <= 3 && symbolicOK(vars, a, b) {
		sym := phase{proves: true}
		for mask := 0; mask < 1<<len(vars); mask++ {
			exact, loose := bindings{}, bindings{}
			for i, k := range vars {
				if mask&(1<<i) != 0 {
					exact[k], loose[k] = string(symBase+rune(i)), string(looseRune)
				} else {
					exact[k], loose[k] = unsetVal, unsetVal
				}
			}
			// Outside all Allow statements of the second set: symbols are exact enough (see symbolicOK). Denied by
			// one of its Deny statements: a symbol could equal what a Deny names, so the variable is any string.
			sym.parts = append(sym.parts, &part{bnd: exact, sides: sideNone}, &part{bnd: loose, sides: sideDeny})
		}
		out = append(out, sym)
	}
	for _, bnd := range sampleBindings(vars, a, b) {
		out = append(out, phase{parts: []*part{{bnd: bnd, sides: sideAll}}})
	}
	return out
}

// symbolicOK reports whether the symbolic reading of variables is sound for these sets: variables occur only in
// the Resource elements of Allow statements (NotResource only in the first set), and no condition tests a
// variable's key or uses a variable in its values.
func symbolicOK(vars []string, a, b []*policy.Policy) bool {
	for si, set := range [][]*policy.Policy{a, b} {
		for _, p := range set {
			v := p.Variables()
			for _, st := range p.Statements {
				for _, c := range st.Conditions {
					if slices.Contains(vars, strings.ToLower(c.Key)) {
						return false
					}
					for _, val := range c.Values {
						if hasVariable(val, v) {
							return false
						}
					}
				}
				for _, r := range st.Resources {
					if hasVariable(r.Raw, v) && (st.Effect == policy.Deny || (si == 1 && st.NotResource)) {
						return false
					}
				}
			}
		}
	}
	return true
}

// guard runs fn and turns the solver's budget and cancellation panics into errors.
func guard[T any](s *solver, fn func() T) (out T, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && (errors.Is(e, errBudget) || errors.Is(e, context.Canceled) || errors.Is(e, context.DeadlineExceeded)) {
				err = e
				return
			}
			panic(r)
		}
	}()
	return fn(), nil
}

// problem is both policy sets compiled for one set of variable bindings.
type problem struct {
	bnd                  bindings
	init                 state
	aDeny, bAllow, bDeny []*stmt
	feasible             bool
	views                map[*pclass]*problem // per class of principals, see view
}

func (s *solver) compile(bnd bindings) *problem {
	p := &problem{bnd: bnd, init: state{act: s.universe, res: anyDFA(), keys: map[string]keyState{}}, feasible: true}
	// Bound variables fix their key to one value.
	for _, k := range slices.Sorted(maps.Keys(bnd)) {
		if !concrete(bnd[k]) {
			continue
		}
		var ok bool
		if d := s.keys[k].dom; d == 'S' || d == 0 {
			p.init, ok = s.apply(p.init, lit{kind: litAll, key: k, set: vset{d: literalDFA(bnd[k])}})
		} else {
			p.init, ok = s.apply(p.init, lit{kind: litPresent, key: k})
		}
		p.feasible = p.feasible && ok
	}
	if s.extraFn != nil && !s.extraDone {
		s.extra, s.extraGoals = s.extraFn(s)
		s.extraDone = true
	}
	for _, l := range s.extra {
		var ok bool
		p.init, ok = s.apply(p.init, l)
		p.feasible = p.feasible && ok
	}
	for i, pol := range s.a {
		for _, st := range pol.Statements {
			if st.Effect == policy.Deny {
				p.aDeny = append(p.aDeny, s.compileStmt(st, i, under, bnd))
			}
		}
	}
	for i, pol := range s.b {
		for _, st := range pol.Statements {
			if st.Effect == policy.Deny {
				p.bDeny = append(p.bDeny, s.compileStmt(st, i, over, bnd))
			} else {
				p.bAllow = append(p.bAllow, s.compileStmt(st, i, under, bnd))
			}
		}
	}
	return p
}

// run searches for a request that Allow statement target of policy a[pi] allows, the a set as a whole allows,
// and the b set does not, for a principal of each class in turn; it returns a witness the engine confirmed, or nil.
func (s *solver) run(p *problem, pi int, target *policy.Statement, which sides) *Witness {
	if !p.feasible {
		return nil
	}
	grant := s.compileStmt(target, pi, over, p.bnd)
	// Classes that differ only in statements outside the grant's actions or resources search alike: a statement
	// that shares no action or no resource with the grant applies to none of the requests searched. A search that
	// found nothing (and left no candidate unconfirmed) answers for every class with the same key.
	var searched map[string]bool
	for _, cl := range s.classes {
		if !cl.covers(target) {
			continue
		}
		key := ""
		if cl.applies != nil {
			key = s.relevantKey(p, grant, cl)
			if searched[key] {
				continue
			}
		}
		s.cls = cl
		before := s.unconfirmed
		v := s.view(p, cl)
		if !v.feasible {
			continue
		}
		if w := s.runClass(v, grant, which); w != nil {
			return w
		}
		if cl.applies != nil && s.unconfirmed == before {
			if searched == nil {
				searched = map[string]bool{}
			}
			searched[key] = true
		}
	}
	return nil
}

// relevantKey says which of the statements that can meet the grant apply to the principals of cl.
func (s *solver) relevantKey(p *problem, grant *stmt, cl *pclass) string {
	var b strings.Builder
	b.WriteString(cl.acct.String())
	for _, group := range [][]*stmt{p.aDeny, p.bAllow, p.bDeny} {
		for _, x := range group {
			switch {
			case x.never || !s.intersects(grant.act, x.act) || !s.intersects(grant.res, x.res):
				b.WriteByte('-')
			case cl.covers(x.src):
				b.WriteByte('1')
			default:
				b.WriteByte('0')
			}
		}
	}
	return b.String()
}

// view is p restricted to the statements that apply to the principals of cl, and to the values of
// aws:PrincipalAccount they can have.
func (s *solver) view(p *problem, cl *pclass) *problem {
	if cl.applies == nil {
		return p
	}
	if v := p.views[cl]; v != nil {
		return v
	}
	keep := func(ss []*stmt) []*stmt {
		var out []*stmt
		for _, x := range ss {
			if cl.covers(x.src) {
				out = append(out, x)
			}
		}
		return out
	}
	v := &problem{bnd: p.bnd, init: p.init, feasible: p.feasible, aDeny: keep(p.aDeny), bAllow: keep(p.bAllow), bDeny: keep(p.bDeny)}
	if d := s.keys[accountKey].dom; cl.acct.kind != 0 && (d == 0 || d == 'S') {
		l := lit{kind: litAbsent, key: accountKey}
		switch cl.acct.kind {
		case '=':
			l = lit{kind: litAll, key: accountKey, set: vset{d: literalDFA(cl.acct.id)}}
		case '!':
			var seqs [][]token
			for _, id := range cl.acct.named {
				seqs = append(seqs, literalTokens(id))
			}
			l = lit{kind: litAll, key: accountKey, set: vset{d: globsDFA(seqs).complement()}}
		}
		var ok bool
		v.init, ok = s.apply(v.init, l)
		v.feasible = v.feasible && ok
	}
	if p.views == nil {
		p.views = map[*pclass]*problem{}
	}
	p.views[cl] = v
	return v
}

func (s *solver) runClass(p *problem, grant *stmt, which sides) *Witness {
	s.cur = p
	var rest []goal
	for _, d := range p.aDeny {
		rest = append(rest, s.fails(d)...)
	}
	// Not allowed by b: denied by one of its Deny statements, or outside all of its Allow statements.
	var ways [][]goal
	if which&sideDeny != 0 {
		for _, d := range p.bDeny {
			ways = append(ways, holds(d))
		}
	}
	if which&sideNone != 0 {
		var none []goal
		for _, al := range p.bAllow {
			none = append(none, s.fails(al)...)
		}
		ways = append(ways, none)
	}
	for _, side := range ways {
		goals := append(append(append(holds(grant), side...), rest...), s.extraGoals...)
		if w := s.search(p.init, goals); w != nil {
			return w
		}
	}
	return nil
}

// concrete reports whether a bound value is a value (not a symbol, unset or loose).
func concrete(v string) bool {
	for _, r := range v {
		if isSym(r) || r == looseRune || r == neverRune {
			return false
		}
	}
	return v != unsetVal
}

// keyInfos finds, for every condition key of both sets, whether it is multivalued and the domain it is compared in.
func keyInfos(cat *catalog.Catalog, sets ...[]*policy.Policy) map[string]keyInfo {
	out := map[string]keyInfo{}
	for _, set := range sets {
		for _, p := range set {
			for _, st := range p.Statements {
				for _, c := range st.Conditions {
					k := strings.ToLower(c.Key)
					info, seen := out[k]
					if !seen {
						info.multi = true
						if cat != nil {
							if ck, ok := cat.ConditionKey(c.Key); ok {
								info.multi = ck.Multivalued
							}
						}
					}
					f := family(c.BaseOperator())
					switch {
					case f == 0:
					case info.dom == 0:
						info.dom = f
					case info.dom != f:
						info.dom = 'X'
					}
					out[k] = info
				}
			}
		}
	}
	return out
}

// variableKeys lists the keys that policy variables of the sets refer to.
func variableKeys(sets ...[]*policy.Policy) []string {
	seen := map[string]bool{}
	note := func(text string, vars bool) {
		if !hasVariable(text, vars) {
			return
		}
		for _, p := range splitPattern(text, true) {
			if p.kind == '$' {
				seen[p.key] = true
			}
		}
	}
	for _, set := range sets {
		for _, p := range set {
			vars := p.Variables()
			for _, st := range p.Statements {
				for _, r := range st.Resources {
					note(r.Raw, vars)
				}
				for _, c := range st.Conditions {
					for _, v := range c.Values {
						note(v, vars)
					}
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// sampleBindings gives each variable key a fresh value, then the values that conditions on the key name and the
// plain words of the resources (a Deny of ".../home/bob/*" suggests "bob"), and values that are empty or hold
// a colon.
func sampleBindings(keys []string, sets ...[]*policy.Policy) []bindings {
	if len(keys) == 0 {
		return nil
	}
	fresh := bindings{}
	for _, k := range keys {
		fresh[k] = "witness"
	}
	out := []bindings{fresh}
	seen := map[string]bool{"witness": true}
	try := func(k, v string) {
		if len(out) >= 16 || seen[k+"\x00"+v] || strings.ContainsAny(v, "*?$") {
			return
		}
		seen[k+"\x00"+v] = true
		b := maps.Clone(fresh)
		b[k] = v
		out = append(out, b)
	}
	for _, k := range keys {
		for _, set := range sets {
			for _, p := range set {
				for _, st := range p.Statements {
					for _, c := range st.Conditions {
						if strings.EqualFold(c.Key, k) {
							for _, v := range c.Values {
								try(k, v)
							}
						}
					}
				}
			}
		}
	}
	for _, k := range keys {
		// Values that change how an ARN splits or how long a '?' is.
		try(k, "")
		try(k, "a:b")
	}
	for _, k := range keys {
		for _, set := range sets {
			for _, p := range set {
				for _, st := range p.Statements {
					for _, r := range st.Resources {
						for _, w := range strings.FieldsFunc(r.Raw, func(r rune) bool { return r == '/' || r == ':' }) {
							if w != "arn" && w != "aws" {
								try(k, w)
							}
						}
					}
				}
			}
		}
	}
	return out
}

// NoNewAccess is Access Analyzer's CheckNoNewAccess for identity or resource policies: PASS when the updated policy grants
// nothing that the existing one does not.
func (c *Checker) NoNewAccess(ctx context.Context, existing, updated *policy.Policy) (Result, error) {
	return c.Exceeds(ctx, []*policy.Policy{updated}, []*policy.Policy{existing}, func(i int) string {
		return fmt.Sprintf("New access in the statement with index: %d.", i)
	})
}

// AccessNotGranted is Access Analyzer's CheckAccessNotGranted for identity or resource policies: PASS when the policy grants
// none of the actions (on any resource, or on one of the resources when resources are given), nor any access to
// the resources when only resources are given.
func (c *Checker) AccessNotGranted(ctx context.Context, p *policy.Policy, actions, resources []string) (Result, error) {
	if len(actions) == 0 && len(resources) == 0 {
		return Result{}, errors.New("reason: AccessNotGranted needs actions or resources")
	}
	// The forbidden access is the complement of a policy that allows everything but it.
	deny := map[string]any{"Effect": "Deny"}
	if len(actions) > 0 {
		deny["Action"] = actions
	} else {
		deny["Action"] = "*"
	}
	if len(resources) > 0 {
		deny["Resource"] = resources
	} else {
		deny["Resource"] = "*"
	}
	q, err := modeOf([]*policy.Policy{p})
	if err != nil {
		return Result{}, err
	}
	doc, err := marshalPolicy(deny, q.resource)
	if err != nil {
		return Result{}, err
	}
	typ := policy.TypeIdentity
	if q.resource {
		typ = policy.TypeResource
	}
	rest, err := policy.Parse(doc, typ)
	if err != nil {
		return Result{}, fmt.Errorf("reason: actions or resources: %w", err)
	}
	return c.Exceeds(ctx, []*policy.Policy{p}, []*policy.Policy{rest}, func(i int) string {
		return fmt.Sprintf("One or more of the listed actions or resources in the statement with index: %d.", i)
	})
}

// marshalPolicy writes a policy that allows everything except what stmt denies. It uses the 2008 version so that
// "${" in a resource stays literal.
func marshalPolicy(deny map[string]any, resource bool) ([]byte, error) {
	allow := map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}
	if resource {
		// A resource policy: both statements apply to every principal.
		allow["Principal"], deny["Principal"] = "*", "*"
	}
	doc := map[string]any{
		"Version":   policy.Version2008,
		"Statement": []any{allow, deny},
	}
	return json.Marshal(doc)
}
