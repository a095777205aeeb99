package reason

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// errBudget stops a search that has used up its budget.
var errBudget = errors.New("reason: search budget exhausted")

// solver holds one search: its budget, what it knows of the condition keys, and the policies to confirm
// witnesses with.
type solver struct {
	ctx      context.Context
	budget   int
	steps    int
	calls    int
	universe *dfa
	keys     map[string]keyInfo
	cat      *catalog.Catalog
	a, b     []*policy.Policy
	// confirm decides a candidate witness with the engine: true when a allows it and b does not.
	unconfirmed int // leaves whose witness the engine did not confirm
	meets       map[[2]*dfa]bool
	cur         *problem // the problem being searched
	// resource: the sets are resource policies, searched once per class of principals (classes); identity
	// policies have one class, the witness principal, to which every statement applies.
	resource bool
	classes  []*pclass
	cls      *pclass // the class being searched
	// extra constrains every request searched (CheckNoPublicAccess: the actions of the resource type, and the
	// condition keys that would make a grant non-public absent).
	extra      []lit
	extraGoals []goal
	extraFn    func(*solver) ([]lit, []goal) // computes extra and extraGoals, once, within the budget
	extraDone  bool
}

// intersects is the package function, remembered per pair of automata (they are immutable).
func (s *solver) intersects(a, b *dfa) bool {
	k := [2]*dfa{a, b}
	if v, ok := s.meets[k]; ok {
		return v
	}
	s.spend(1)
	v := intersects(a, b)
	if s.meets == nil {
		s.meets = map[[2]*dfa]bool{}
	}
	s.meets[k] = v
	return v
}

func (s *solver) spend(n int) {
	s.steps += n
	if s.steps > s.budget {
		panic(errBudget)
	}
	s.calls++
	if s.calls&255 == 0 && s.ctx != nil && s.ctx.Err() != nil {
		panic(s.ctx.Err())
	}
}

func (s *solver) product(a, b *dfa, keep func(x, y bool) bool) *dfa {
	s.spend(1)
	limit := s.budget - s.steps
	d := product(a, b, keep, max(limit, 1))
	if d == nil {
		panic(errBudget)
	}
	s.spend(len(d.states))
	return d
}

// restrict returns cur ∩ by, or nil when that is empty; cur itself when by does not restrict it.
func (s *solver) restrict(cur, by *dfa) *dfa {
	s.spend(1)
	if !s.intersects(cur, by) {
		return nil
	}
	if by.co == nil {
		by.co = by.complement()
	}
	if !s.intersects(cur, by.co) {
		return cur
	}
	return s.product(cur, by, and)
}

// litKind is the kind of an atomic constraint.
type litKind uint8

const (
	litAct     litKind = iota // the action is in d
	litRes                    // the resource is in d
	litAbsent                 // the key is absent
	litPresent                // the key is present
	litAll                    // the key is present and every value is in set
	litEx                     // the key is present and some value is in set
)

type lit struct {
	kind litKind
	key  string
	d    *dfa
	set  vset
}

// goal is a disjunction of conjunctions; skip, when set, is a statement that the goal negates: the goal holds
// without a choice when the state already lies outside the statement's actions or resources.
type goal struct {
	alts [][]lit
	skip *stmt
}

type keyState struct {
	pres int8  // 1 present, -1 absent, 0 not yet decided
	all  *vset // every value is in all; nil for no constraint
	ex   []vset
}

// state is a conjunction of constraints: a set of requests (action, resource, context).
type state struct {
	act, res *dfa
	keys     map[string]keyState
}

// apply adds l to st; false when the result is empty.
func (s *solver) apply(st state, l lit) (state, bool) {
	s.spend(1)
	switch l.kind {
	case litAct:
		st.act = s.restrict(st.act, l.d)
		return st, st.act != nil
	case litRes:
		st.res = s.restrict(st.res, l.d)
		return st, st.res != nil
	}
	ks := st.keys[l.key]
	switch l.kind {
	case litAbsent:
		if ks.pres == 1 {
			return st, false
		}
		ks.pres = -1
	default:
		if ks.pres == -1 {
			return st, false
		}
		ks.pres = 1
		multi := s.keys[l.key].multi
		switch {
		case l.kind == litAll || (l.kind == litEx && !multi):
			v := l.set
			if ks.all != nil {
				v = s.and(*ks.all, l.set)
			}
			if v.empty() {
				return st, false
			}
			ks.all = &v
			for _, e := range ks.ex {
				if s.and(v, e).empty() {
					return st, false
				}
			}
		case l.kind == litEx:
			if ks.all != nil && s.and(*ks.all, l.set).empty() || l.set.empty() {
				return st, false
			}
			ks.ex = append(slices.Clip(ks.ex), l.set)
		}
	}
	st.keys = maps.Clone(st.keys)
	st.keys[l.key] = ks
	return st, true
}

// condAlts lists the ways constraint c can hold, each a conjunction of literals.
func condAlts(c cond) [][]lit {
	var alts [][]lit
	if c.absent {
		alts = append(alts, []lit{{kind: litAbsent, key: c.key}})
	}
	switch c.q {
	case qTrue:
		alts = append(alts, []lit{{kind: litPresent, key: c.key}})
	case qAll:
		alts = append(alts, []lit{{kind: litAll, key: c.key, set: c.set}})
	case qEx:
		alts = append(alts, []lit{{kind: litEx, key: c.key, set: c.set}})
	}
	return alts
}

// holds returns the goals that make a request fall in st's scope.
func holds(st *stmt) []goal {
	if st.never {
		return []goal{{}} // no alternative: unsatisfiable
	}
	gs := []goal{{alts: [][]lit{{{kind: litAct, d: st.act}}}}, {alts: [][]lit{{{kind: litRes, d: st.res}}}}}
	for _, c := range st.conds {
		gs = append(gs, goal{alts: condAlts(c)})
	}
	return gs
}

// fails returns the goal that makes a request fall outside st's scope.
func (s *solver) fails(st *stmt) []goal {
	if st.never {
		return nil
	}
	g := goal{skip: st, alts: [][]lit{{{kind: litAct, d: st.act.complement()}}, {{kind: litRes, d: st.res.complement()}}}}
	for _, c := range st.conds {
		g.alts = append(g.alts, condAlts(c.not(s))...)
	}
	return []goal{g}
}

// search looks for a request in st that meets every goal and that the engine confirms; it returns the witness.
func (s *solver) search(st state, goals []goal) *Witness {
	if len(goals) == 0 {
		w := s.witness(st)
		if w != nil && s.confirm(w) {
			w.spelling = s.spelling()
			return w
		}
		s.unconfirmed++
		return nil
	}
	g := goals[0]
	if g.skip != nil {
		s.spend(1)
		if !s.intersects(st.act, g.skip.act) || !s.intersects(st.res, g.skip.res) {
			return s.search(st, goals[1:])
		}
	}
	for _, alt := range g.alts {
		next, ok := st, true
		for _, l := range alt {
			if next, ok = s.apply(next, l); !ok {
				break
			}
		}
		if ok {
			if w := s.search(next, goals[1:]); w != nil {
				return w
			}
		}
	}
	return nil
}

// spelling maps each condition key of the policies checked, in lower case, to its first spelling in them.
func (s *solver) spelling() map[string]string {
	out := map[string]string{}
	for _, set := range [][]*policy.Policy{s.a, s.b} {
		for _, p := range set {
			for _, st := range p.Statements {
				for _, c := range st.Conditions {
					if k := strings.ToLower(c.Key); out[k] == "" {
						out[k] = c.Key
					}
				}
			}
		}
	}
	return out
}

// witness builds a concrete request from a satisfiable state.
func (s *solver) witness(st state) *Witness {
	act, ok := s.action(st.act)
	if !ok {
		return nil
	}
	res := "*"
	if !st.res.accepts(res) {
		var ok bool
		if res, ok = st.res.witness(); !ok {
			return nil
		}
	}
	w := &Witness{Principal: witnessPrincipal, Action: act, Resource: res, Context: policy.Context{}}
	if s.resource && s.cls != nil {
		setWitnessPrincipal(w, s.cls.p)
	}
	defer s.bindWitness(w)
	for _, k := range slices.Sorted(maps.Keys(st.keys)) {
		ks := st.keys[k]
		if ks.pres != 1 {
			continue
		}
		var vals []string
		all := ks.all
		for _, e := range ks.ex {
			v := e
			if all != nil {
				v = s.and(*all, e)
			}
			x, ok := v.sample()
			if !ok {
				return nil
			}
			vals = append(vals, x)
		}
		if k == accountKey && s.cls != nil && s.cls.p.Account != "" && len(vals) <= 1 {
			// The caller's own account, when the constraints allow it.
			acct, fits := s.cls.p.Account, all == nil || all.d != nil && all.d.accepts(s.cls.p.Account)
			for _, e := range ks.ex {
				fits = fits && e.d != nil && e.d.accepts(acct)
			}
			if fits {
				vals = []string{acct}
			}
		}
		if len(vals) == 0 {
			x, ok := "x", true
			if all != nil {
				x, ok = all.sample()
			}
			if !ok {
				return nil
			}
			vals = append(vals, x)
		}
		w.Context[k] = vals
	}
	return w
}

// bindWitness gives the witness's variable keys their values: a symbol becomes a sample value (in the resource
// too), an unset key is left out.
func (s *solver) bindWitness(w *Witness) {
	if s.cur == nil {
		return
	}
	for k, v := range s.cur.bnd {
		switch {
		case v == unsetVal:
			delete(w.Context, k)
		case concrete(v):
			w.Context[k] = []string{v}
		default:
			val := "witness"
			w.Context[k] = []string{val}
			w.Resource = strings.ReplaceAll(w.Resource, v, val)
		}
	}
}

// action picks an action of d, preferring one the catalog knows, spelled as AWS spells it.
func (s *solver) action(d *dfa) (string, bool) {
	if s.cat != nil {
		live := d.live()
		for _, svc := range s.cat.Services() {
			q := d.start
			for _, r := range svc.Prefix + ":" {
				q = d.step(q, r)
			}
			if !live[q] {
				continue
			}
			for _, a := range svc.Actions {
				if d.accepts(svc.Prefix + ":" + strings.ToLower(a.Name)) {
					return a.String(), true
				}
			}
		}
	}
	return d.witness()
}

// witnessPrincipal is the caller of every witness request: identity policies do not name their principal.
const witnessPrincipal = "arn:aws:iam::111122223333:user/witness"

// confirm decides w with the engine: the first policy set allows it and the second does not.
func (s *solver) confirm(w *Witness) bool {
	if s.resource {
		return AllowsResource(first(s.a), w) && !AllowsResource(first(s.b), w)
	}
	return Allows(s.a, w) && !Allows(s.b, w)
}

// first returns the policy of a set of resource policies (a resource has at most one), or nil.
func first(ps []*policy.Policy) *policy.Policy {
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

// Allows reports whether identity policies ps allow request w, as iamd's engine decides it.
func Allows(ps []*policy.Policy, w *Witness) bool {
	p, err := w.principal()
	if err != nil {
		return false
	}
	set := authz.PolicySet{}
	for i, pol := range ps {
		set.Identity = append(set.Identity, authz.Attached{Name: "policy" + string(rune('0'+i%10)), Policy: pol})
	}
	req := &authz.Request{Principal: p, Action: w.Action, Resource: w.Resource, Context: w.Context}
	d := authz.Decide(set, req)
	return d.Result == authz.Allowed
}
