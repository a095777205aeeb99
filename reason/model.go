package reason

import (
	"math"
	"strconv"
	"strings"

	"github.com/iamd-dev/iamd/policy"
)

// vset is a set of values of one condition key: a string language, or an interval set of numbers, dates or IP
// addresses (with the strings that do not parse).
type vset struct {
	d *dfa
	n *iset
}

// kind is the value domain of a key: 'S' strings (String*, Arn*, Bool), 'N', 'D', 'I' for numbers, dates and IP
// addresses, 'X' when the key is compared in more than one domain (or with BinaryEquals), which this package does
// not model exactly.
func family(op string) byte {
	switch {
	case strings.HasPrefix(op, "String"), strings.HasPrefix(op, "Arn"), op == "Bool":
		return 'S'
	case strings.HasPrefix(op, "Numeric"):
		return 'N'
	case strings.HasPrefix(op, "Date"):
		return 'D'
	case op == "IpAddress" || op == "NotIpAddress":
		return 'I'
	case op == "Null":
		return 0
	}
	return 'X'
}

// cmpOf returns the comparison a Numeric or Date operator makes.
func cmpOf(op string) string {
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return "le"
	case strings.HasSuffix(op, "LessThan"):
		return "lt"
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return "ge"
	case strings.HasSuffix(op, "GreaterThan"):
		return "gt"
	}
	return "eq"
}

// keyInfo is what the solver knows of a condition key across both policy sets.
type keyInfo struct {
	multi bool // the request may hold more than one value
	dom   byte // see family; 0 when only Null tests the key
}

// qkind is the shape of a condition's test on a present key.
type qkind uint8

const (
	qTrue  qkind = iota // holds whatever the values
	qFalse              // never holds
	qAll                // every value is in set
	qEx                 // some value is in set
)

// cond is one condition as a constraint: when the key is absent it holds iff absent is true; when present, q
// decides.
type cond struct {
	key    string
	absent bool
	q      qkind
	set    vset
}

// not returns the constraint that holds exactly when c does not.
func (c cond) not(s *solver) cond {
	n := cond{key: c.key, absent: !c.absent}
	switch c.q {
	case qTrue:
		n.q = qFalse
	case qFalse:
		n.q = qTrue
	case qAll:
		n.q, n.set = qEx, s.not(c.set)
	case qEx:
		n.q, n.set = qAll, s.not(c.set)
	}
	return n
}

// compileCond turns a policy condition into a constraint; exact is false when the constraint cannot be stated
// exactly (an unbound variable in a value, BinaryEquals, a key compared in two domains).
func (s *solver) compileCond(c *policy.Condition, vars bool, b bindings) (cond, bool) {
	op := c.BaseOperator()
	key := strings.ToLower(c.Key)
	info := s.keys[key]
	out := cond{key: key}
	if op == "Null" {
		hasTrue, hasFalse := false, false
		for _, v := range c.Values {
			hasTrue = hasTrue || strings.EqualFold(v, "true")
			hasFalse = hasFalse || strings.EqualFold(v, "false")
		}
		out.absent = hasTrue
		out.q = qFalse
		if hasFalse {
			out.q = qTrue
		}
		return out, true
	}
	neg := c.Negated()
	switch {
	case c.IfExists, c.Qualifier == policy.QualifierForAllValues:
		out.absent = true
	case c.Qualifier == policy.QualifierForAnyValue:
		out.absent = false
	default:
		out.absent = neg
	}
	if info.dom == 'X' || family(op) == 'X' {
		return out, false
	}
	m, exact := s.matchSet(op, c.Values, vars, b)
	if !exact {
		return out, false
	}
	// Under symbols, context values are plain text: a symbol stands only for a variable's value in a resource.
	var plain *dfa
	if syms := b.syms(); len(syms) > 0 && m.d != nil {
		plain = globDFA([]token{{kind: tokStar, class: classAny, runes: syms}})
	}

	switch {
	case c.Qualifier == policy.QualifierForAllValues && neg:
		out.q, out.set = qAll, s.not(m)
	case c.Qualifier == policy.QualifierForAllValues:
		out.q, out.set = qAll, m
	case c.Qualifier == policy.QualifierForAnyValue && neg:
		out.q, out.set = qEx, s.not(m)
	case neg:
		out.q, out.set = qAll, s.not(m)
	default:
		out.q, out.set = qEx, m
	}
	if plain != nil {
		out.set.d = s.product(out.set.d, plain, and)
	}
	return out, true
}

// matchSet is the set of request values that match at least one policy value under the positive form of op.
func (s *solver) matchSet(op string, values []string, vars bool, b bindings) (vset, bool) {
	switch family(op) {
	case 'N', 'D', 'I':
		dom := map[byte]domain{'N': domNumber, 'D': domDate, 'I': domIP}[family(op)]
		set := &iset{dom: dom}
		for _, v := range values {
			if hasVariable(v, vars) {
				return vset{}, false
			}
			switch dom {
			case domNumber:
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(f) {
					continue
				}
				set = set.union(compareSet(dom, u128{0, numKey(f)}, cmpOf(op)))
			case domDate:
				t, ok := policy.ParseDate(v)
				if !ok {
					continue
				}
				set = set.union(compareSet(dom, dateKey(t), cmpOf(op)))
			case domIP:
				p, ok := policy.ParseCIDR(v)
				if !ok {
					continue
				}
				set = set.union(prefixSet(p))
			}
		}
		return vset{n: set}, true
	}
	var seqs [][]token
	for _, v := range values {
		var ts []token
		exact, ok := true, true
		switch {
		case op == "Bool":
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				continue
			}
			ts = foldTokens(literalTokens(strings.ToLower(v)))
		case strings.HasPrefix(op, "Arn"):
			ts, ok, exact = arnCondTokens(v, vars, b)
		case strings.Contains(op, "Like"):
			ts, exact = likeTokens(v, vars, b)
		case strings.HasSuffix(op, "IgnoreCase"):
			ts, exact = templateTokens(v, vars, b)
			ts = foldTokens(ts)
		default:
			ts, exact = templateTokens(v, vars, b)
		}
		if !exact {
			return vset{}, false
		}
		if ok {
			seqs = append(seqs, ts)
		}
	}
	return vset{d: globsDFA(seqs)}, true
}

func (s *solver) not(v vset) vset {
	if v.d != nil {
		return vset{d: v.d.complement()}
	}
	return vset{n: v.n.complement()}
}

func (s *solver) and(v, w vset) vset {
	if v.d != nil {
		return vset{d: s.product(v.d, w.d, and)}
	}
	return vset{n: v.n.intersect(w.n)}
}

func (v vset) empty() bool {
	if v.d != nil {
		return v.d.empty()
	}
	return v.n.isEmpty()
}

func (v vset) sample() (string, bool) {
	if v.d != nil {
		return v.d.witness()
	}
	return v.n.sample()
}

// stmt is a statement compiled for the solver: the actions and resources it applies to and its conditions.
type stmt struct {
	src    *policy.Statement
	index  int
	sid    string
	pol    int // which policy of its set
	allow  bool
	act    *dfa // within the action universe
	res    *dfa
	conds  []cond
	never  bool // under-approximated to nothing
	approx bool // the compiled form is not exact
}

// role says which way a statement may be approximated: over (the compiled statement applies to at least the
// requests the real one does) or under (to at most those).
type role uint8

const (
	over role = iota
	under
)

// compileStmt compiles st; when part of it cannot be stated exactly, it is widened (over) or narrowed (under).
func (s *solver) compileStmt(st *policy.Statement, pol int, r role, b bindings) *stmt {
	vars := st.Policy.Variables()
	c := &stmt{src: st, index: st.Index, sid: st.Sid, pol: pol, allow: st.Effect == policy.Allow}
	var seqs [][]token
	for _, a := range st.Actions {
		seqs = append(seqs, actionTokens(a.Raw))
	}
	acts := globsDFA(seqs)
	if st.NotAction {
		acts = acts.complement()
	}
	c.act = s.product(acts, s.universe, and)

	if len(st.Resources) == 0 {
		c.res = anyDFA()
	} else {
		// The element's union is widened when the statement is, and narrowed otherwise; NotResource flips it.
		widen := (r == over) != st.NotResource
		var seqs [][]token
		syms := b.syms()
		for _, p := range st.Resources {
			ts, exact := resourceTokens(p.Raw, vars, b)
			if !exact {
				c.approx = true
				if !widen {
					continue
				}
			}
			if !widen {
				ts = excludeSyms(ts, syms)
			}
			seqs = append(seqs, ts)
		}
		res := globsDFA(seqs)
		if st.NotResource {
			res = res.complement()
			if r == under && len(syms) > 0 {
				// A resource with a symbol may stand for one the element lists: narrowed, the statement keeps to
				// plain resources.
				res = s.product(res, globDFA([]token{{kind: tokStar, class: classAny, runes: syms}}), and)
			}
		}
		c.res = res
	}
	for _, cd := range st.Conditions {
		k, exact := s.compileCond(cd, vars, b)
		if !exact {
			c.approx = true
			if r == under {
				c.never = true
			}
			continue // over: the condition is taken to hold
		}
		c.conds = append(c.conds, k)
	}
	return c
}
