package reason

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/policy"
)

// statementWith parses a one-statement identity policy; ok is false when IAM would refuse it.
func statementWith(t *testing.T, version string, st map[string]any) (*policy.Statement, bool) {
	t.Helper()
	st["Effect"] = "Allow"
	doc, err := json.Marshal(map[string]any{"Version": version, "Statement": []any{st}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse(doc, policy.TypeIdentity)
	if err != nil || len(p.Statements) != 1 {
		return nil, false
	}
	return p.Statements[0], true
}

// FuzzResourcePatternAgreesWithTheEngine: the automaton of a Resource value accepts exactly the ARNs that the
// engine's matcher accepts.
func FuzzResourcePatternAgreesWithTheEngine(f *testing.F) {
	for _, s := range [][2]string{
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b"},
		{"arn:aws:sqs:*:111122223333:queue1", "arn:aws:sqs:us-east-1:111122223333:queue1"},
		{"arn:aws:logs:us-east-1:1:log-group:g*", "arn:aws:logs:us-east-1:1:log-group:g1:log-stream:x"},
		{"arn:aws:s3:::a*z", "arn:aws:s3:::a:z"},
		{"arn:?ws:*:*:*:x?*:y", "arn:aws:s3:r:a:x1:q:y"},
		{"arn:aws:s3:::${*}x", "arn:aws:s3:::*x"},
		{"*", ""},
		{"a*:b*", "a:c:b"},
	} {
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, pattern, resource string, vars bool) {
		if !utf8.ValidString(resource) {
			return // requests are UTF-8 text; the automata read runes
		}
		if strings.Contains(pattern, "${") && vars && hasVariable(pattern, true) {
			return // variables are checked with bindings elsewhere
		}
		version := policy.Version2008
		if vars {
			version = policy.Version2012
		}
		st, ok := statementWith(t, version, map[string]any{"Action": "s3:GetObject", "Resource": pattern})
		if !ok || len(st.Resources) != 1 {
			return
		}
		ts, exact := resourceTokens(pattern, vars, nil)
		if !exact {
			t.Fatalf("pattern %q without variables is not exact", pattern)
		}
		got := globDFA(ts).accepts(resource)
		if want := st.MatchResource(resource, policy.Context{}); got != want {
			t.Fatalf("Resource %q on %q: automaton %v, engine %v", pattern, resource, got, want)
		}
	})
}

// FuzzActionPatternAgreesWithTheEngine: the automaton of an Action value, within the action universe, accepts
// exactly the actions the engine matches.
func FuzzActionPatternAgreesWithTheEngine(f *testing.F) {
	for _, s := range [][2]string{
		{"s3:Get*", "s3:getobject"}, {"*", "iam:PassRole"}, {"*:Get?", "ec2:GetX"}, {"S3:*", "s3:a:b"}, {"s?:*", "s3:x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, action string) {
		st, ok := statementWith(t, policy.Version2012, map[string]any{"Action": pattern, "Resource": "*"})
		if !ok || len(st.Actions) != 1 {
			return
		}
		if !utf8.ValidString(action) {
			return
		}
		folded := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return r + 'a' - 'A'
			}
			return r
		}, action)
		u := actionUniverse()
		if !u.accepts(folded) {
			return
		}
		s := &solver{budget: 1 << 30}
		d := s.product(globDFA(actionTokens(pattern)), u, and)
		svc, name := policy.SplitAction(action)
		if got, want := d.accepts(folded), st.MatchAction(svc, name); got != want {
			t.Fatalf("Action %q on %q: automaton %v, engine %v", pattern, action, got, want)
		}
	})
}

// conditionUnderTest parses `{op: {"k": value}}` and compiles its value set; false when IAM would refuse it.
func conditionUnderTest(t *testing.T, op, value string) (*policy.Condition, vset, bool) {
	st, ok := statementWith(t, policy.Version2012, map[string]any{"Action": "s3:GetObject", "Resource": "*",
		"Condition": map[string]any{op: map[string]any{"k": value}}})
	if !ok || len(st.Conditions) != 1 {
		return nil, vset{}, false
	}
	s := &solver{budget: 1 << 30, keys: map[string]keyInfo{}}
	m, exact := s.matchSet(op, []string{value}, true, nil)
	if !exact {
		t.Fatalf("%s %q is not exact", op, value)
	}
	return st.Conditions[0], m, true
}

// FuzzStringConditionAgreesWithTheEngine: the value set of a string condition holds exactly the values the engine
// matches, for every string operator family.
func FuzzStringConditionAgreesWithTheEngine(f *testing.F) {
	for _, s := range [][3]string{
		{"StringLike", "a*b?", "axxbc"}, {"StringEqualsIgnoreCase", "Blue", "bLUE"}, {"StringEquals", "a*", "a*"},
		{"ArnLike", "arn:aws:iam::*:role/*", "arn:aws:iam::1:role/a:b"}, {"Bool", "True", "tRUE"},
		{"StringEqualsIgnoreCase", "k", "\u212a"}, {"ArnEquals", "arn:aws:s3:::b", "arn:aws:s3:::b"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, op, value, request string) {
		switch op {
		case "StringLike", "StringEquals", "StringEqualsIgnoreCase", "ArnLike", "ArnEquals", "Bool":
		default:
			return
		}
		if hasVariable(value, true) || !utf8.ValidString(request) {
			return
		}
		cond, m, ok := conditionUnderTest(t, op, value)
		if !ok {
			return
		}
		got := m.d.accepts(request)
		want := cond.Eval(policy.Context{"k": {request}})
		if got != want {
			t.Fatalf("%s %q on %q: automaton %v, engine %v", op, value, request, got, want)
		}
	})
}

// member reports whether request value r is in s, reading r as the engine reads a value of s's domain.
func (s *iset) member(r string) bool {
	var k u128
	switch s.dom {
	case domNumber:
		f, err := strconv.ParseFloat(r, 64)
		if err != nil || math.IsNaN(f) {
			return s.other
		}
		k = u128{0, numKey(f)}
	case domDate:
		t, ok := policy.ParseDate(r)
		if !ok {
			return s.other
		}
		k = dateKey(t)
	case domIP:
		a, err := netip.ParseAddr(r)
		if err != nil || a.Zone() != "" {
			return s.other
		}
		k = ipKey(a.Unmap())
	}
	for _, x := range s.spans {
		if x.lo.cmp(k) <= 0 && k.cmp(x.hi) <= 0 {
			return true
		}
	}
	return false
}

// FuzzTypedConditionAgreesWithTheEngine: the interval set of a numeric, date or IP condition, and its
// complement, hold exactly the request values the engine matches and does not match; and a sample value of a
// non-empty set is in it.
func FuzzTypedConditionAgreesWithTheEngine(f *testing.F) {
	for _, s := range [][3]string{
		{"NumericLessThan", "10", "9.999"}, {"NumericEquals", "0", "-0"}, {"NumericGreaterThan", "1e308", "+Inf"},
		{"NumericLessThanEquals", "-5", "NaN"}, {"DateLessThan", "2020-01-01T00:00:00Z", "1577836799"},
		{"DateGreaterThanEquals", "2020-01-01", "2020-01-01T00:00:00.000000001Z"}, {"DateEquals", "1577836800", "2020-01-01T00:00:00Z"},
		{"IpAddress", "203.0.113.0/24", "203.0.113.255"}, {"IpAddress", "::ffff:10.0.0.0/104", "10.1.2.3"},
		{"IpAddress", "2001:db8::/32", "::ffff:203.0.113.1"}, {"IpAddress", "::/0", "1.2.3.4"}, {"IpAddress", "0.0.0.0/0", "fe80::1%eth0"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, op, value, request string) {
		switch op {
		case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
			"DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals", "IpAddress":
		default:
			return
		}
		cond, m, ok := conditionUnderTest(t, op, value)
		if !ok {
			return
		}
		if m.n == nil {
			t.Fatalf("%s %q is not an interval set", op, value)
		}
		want := cond.Eval(policy.Context{"k": {request}})
		if got := m.n.member(request); got != want {
			t.Fatalf("%s %q on %q: interval set %v, engine %v (set %+v)", op, value, request, got, want, m.n)
		}
		if got := m.n.complement().member(request); got == want {
			t.Fatalf("%s %q on %q: complement %v, engine %v", op, value, request, got, want)
		}
		for _, set := range []*iset{m.n, m.n.complement()} {
			if w, ok := set.sample(); ok {
				if in := cond.Eval(policy.Context{"k": {w}}); in != (set == m.n) {
					t.Fatalf("%s %q: sample %q of the set is decided %v by the engine", op, value, w, in)
				}
			} else if !set.isEmpty() {
				t.Fatalf("%s %q: a non-empty set has no sample", op, value)
			}
		}
	})
}
