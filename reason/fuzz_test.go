package reason

import (
	"encoding/json"
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
		st, ok := statementWith(t, policy.Version2012, map[string]any{"Action": "s3:GetObject", "Resource": "*",
			"Condition": map[string]any{op: map[string]any{"k": value}}})
		if !ok || len(st.Conditions) != 1 {
			return
		}
		s := &solver{budget: 1 << 30, keys: map[string]keyInfo{}}
		m, exact := s.matchSet(op, []string{value}, true, nil)
		if !exact {
			t.Fatalf("%s %q is not exact", op, value)
		}
		got := m.d.accepts(request)
		want := st.Conditions[0].Eval(policy.Context{"k": {request}})
		if got != want {
			t.Fatalf("%s %q on %q: automaton %v, engine %v", op, value, request, got, want)
		}
	})
}
