package reason

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// The vocabulary of random policies and of the requests that cross-check them.
var (
	randActions   = []string{"s3:GetObject", "s3:Get*", "s3:*", "*", "s3:PutObject", "iam:PassRole", "iam:*", "s3:?etObject", "*:Get*"}
	randResources = []string{"*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/a*", "arn:aws:s3:::b/a/x", "arn:aws:s3:::c", "arn:aws:s3:::*", "arn:aws:s3:::b*",
		"arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/a${aws:username}*", "arn:aws:s3:::b/${aws:username, 'x'}",
		"arn:aws:s3:::b/?${aws:username}", "arn:aws:s3:::b/*x", "arn:aws:s3:::b/bob", "arn:aws:s3:::b/x"}
	randConds = []map[string]any{
		{"StringEquals": map[string]any{"aws:PrincipalTag/team": "blue"}},
		{"StringNotEquals": map[string]any{"aws:PrincipalTag/team": "red"}},
		{"StringLike": map[string]any{"aws:PrincipalTag/team": "b*"}},
		{"StringEqualsIgnoreCase": map[string]any{"aws:PrincipalTag/team": "BLUE"}},
		{"StringEqualsIfExists": map[string]any{"aws:PrincipalTag/team": []string{"blue", "red"}}},
		{"Null": map[string]any{"aws:PrincipalTag/team": "true"}},
		{"Null": map[string]any{"aws:PrincipalTag/team": "false"}},
		{"NumericLessThan": map[string]any{"s3:max-keys": "10"}},
		{"NumericGreaterThanEquals": map[string]any{"s3:max-keys": "5"}},
		{"NumericNotEquals": map[string]any{"s3:max-keys": "10"}},
		{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}},
		{"NotIpAddress": map[string]any{"aws:SourceIp": []string{"203.0.113.0/25", "2001:db8::/32"}}},
		{"ForAllValues:StringEquals": map[string]any{"aws:TagKeys": []string{"env", "team"}}},
		{"ForAnyValue:StringEquals": map[string]any{"aws:TagKeys": "env"}},
		{"ForAnyValue:StringNotLike": map[string]any{"aws:TagKeys": "t*"}},
		{"DateLessThan": map[string]any{"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
		{"Bool": map[string]any{"aws:SecureTransport": "true"}},
	}
	reqActions   = []string{"s3:GetObject", "s3:PutObject", "iam:PassRole", "s3:ListBucket", "ec2:GetConsoleOutput", "s3:Getx", "iam:GetRole"}
	reqResources = []string{"arn:aws:s3:::b/a/x", "arn:aws:s3:::b/z", "arn:aws:s3:::c", "*", "arn:aws:s3:::b/a", "arn:aws:s3:::bb", "x"}
	reqKeys      = map[string][][]string{
		"aws:principaltag/team": {nil, {"blue"}, {"red"}, {"Blue"}, {"black"}},
		"s3:max-keys":           {nil, {"5"}, {"10"}, {"11"}, {"4.5"}, {"x"}},
		"aws:sourceip":          {nil, {"203.0.113.5"}, {"203.0.113.200"}, {"192.0.2.1"}, {"2001:db8::1"}},
		"aws:tagkeys":           {nil, {"env"}, {"env", "team"}, {"team"}, {"other"}},
		"aws:currenttime":       {nil, {"2029-12-31T00:00:00Z"}, {"2031-01-01T00:00:00Z"}},
		"aws:securetransport":   {nil, {"true"}, {"false"}},
		"aws:username":          {nil, {"bob"}, {"a:b"}, {""}, {"x"}, {"bob", "x"}, {"a/x"}},
	}
	reqSuffixes = []string{"", "/", "/x", "x", ":y"}
)

func randStatements(r *rand.Rand, n int, effect string) []any {
	var stmts []any
	for range n {
		st := map[string]any{"Effect": effect}
		if effect == "" {
			st["Effect"] = "Allow"
			if r.IntN(4) == 0 {
				st["Effect"] = "Deny"
			}
		}
		acts := []string{randActions[r.IntN(len(randActions))]}
		if r.IntN(3) == 0 {
			acts = append(acts, randActions[r.IntN(len(randActions))])
		}
		if r.IntN(6) == 0 {
			st["NotAction"] = acts
		} else {
			st["Action"] = acts
		}
		res := []string{randResources[r.IntN(len(randResources))]}
		if r.IntN(6) == 0 {
			st["NotResource"] = res
		} else {
			st["Resource"] = res
		}
		if n := r.IntN(3); n > 0 {
			cond := map[string]any{}
			for range n {
				for op, v := range randConds[r.IntN(len(randConds))] {
					cond[op] = v
				}
			}
			st["Condition"] = cond
		}
		stmts = append(stmts, st)
	}
	return stmts
}

// randPair returns an existing and a new policy: unrelated, or the new one the existing one with fewer Allow
// statements or more Deny statements (mostly PASS), or the reverse (mostly FAIL).
func randPair(t testing.TB, r *rand.Rand) (existing, updated *policy.Policy) {
	base := randStatements(r, 1+r.IntN(3), "")
	switch r.IntN(4) {
	case 0:
		return toPolicy(t, base), toPolicy(t, randStatements(r, 1+r.IntN(3), ""))
	case 1:
		return toPolicy(t, append(slices.Clip(base), randStatements(r, 1, "Allow")...)), toPolicy(t, base)
	case 2:
		return toPolicy(t, base), toPolicy(t, append(slices.Clip(base), randStatements(r, 1, "Deny")...))
	default:
		return toPolicy(t, base), toPolicy(t, append(slices.Clip(base), randStatements(r, 1, "")...))
	}
}

func toPolicy(t testing.TB, stmts []any) *policy.Policy {
	t.Helper()
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.Parse(doc, policy.TypeIdentity)
	if err != nil {
		t.Fatalf("random policy does not parse: %v\n%s", err, doc)
	}
	return p
}

// sampleRequests is the finite sample of requests a PASS is cross-checked on.
func sampleRequests(r *rand.Rand, n int) []*authz.Request {
	p, _ := authz.PrincipalFromARN(witnessPrincipal)
	var out []*authz.Request
	for range n {
		ctx := policy.Context{}
		for k, vals := range reqKeys {
			if v := vals[r.IntN(len(vals))]; v != nil {
				ctx[k] = v
			}
		}
		res := reqResources[r.IntN(len(reqResources))]
		if u := ctx["aws:username"]; len(u) == 1 && r.IntN(2) == 0 {
			// Resources built from the variable's value, where policies with variables differ.
			res = []string{"arn:aws:s3:::b/", "arn:aws:s3:::b/a", "arn:aws:s3:::b/z"}[r.IntN(3)] + u[0] + reqSuffixes[r.IntN(len(reqSuffixes))]
		}
		out = append(out, &authz.Request{Principal: p, Action: reqActions[r.IntN(len(reqActions))], Resource: res, Context: ctx})
	}
	return out
}

func evaluator(p *policy.Policy) *authz.Evaluator {
	return authz.New(authz.PolicySet{Identity: []authz.Attached{{Name: "p", Policy: p}}})
}

// TestRandomPoliciesAgreeWithTheEngine: for random pairs of small policies, every FAIL's witness is allowed by the
// new policy and not by the existing one as the engine decides, no PASS is contradicted by any request of a
// sample, and without policy variables the search never answers UNKNOWN.
func TestRandomPoliciesAgreeWithTheEngine(t *testing.T) {
	pairs, samples := 300, 3000
	if testing.Short() {
		pairs, samples = 40, 1000
	}
	cat, err := testCatalog()
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Catalog: cat})
	r := rand.New(rand.NewPCG(16, 1))
	reqs := sampleRequests(r, samples)
	var pass, fail, unknown int
	for i := range pairs {
		existing, updated := randPair(t, r)
		res, err := c.NoNewAccess(context.Background(), existing, updated)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Verdict {
		case Unknown:
			if len(variableKeys([]*policy.Policy{existing, updated})) > 0 {
				unknown++
				continue
			}
			t.Errorf("pair %d: UNKNOWN (%s)\nexisting %s\nnew %s", i, res.Message, existing.Text, updated.Text)
		case Fail:
			fail++
			for _, re := range res.Reasons {
				if !Allows([]*policy.Policy{updated}, re.Witness) || Allows([]*policy.Policy{existing}, re.Witness) {
					t.Errorf("pair %d: the engine does not confirm witness %s", i, re.Witness)
				}
			}
		case Pass:
			pass++
			en, ee := evaluator(updated), evaluator(existing)
			for _, q := range reqs {
				if en.Decide(q).Result == authz.Allowed && ee.Decide(q).Result != authz.Allowed {
					t.Errorf("pair %d: PASS, but the engine allows %s %s %v under the new policy only\nexisting %s\nnew %s",
						i, q.Action, q.Resource, q.Context, existing.Text, updated.Text)
					break
				}
			}
		}
	}
	t.Logf("%d pairs: %d PASS, %d FAIL, %d UNKNOWN (policy variables); each PASS checked on %d requests", pairs, pass, fail, unknown, samples)
	if pass == 0 || fail == 0 {
		t.Errorf("the generator should produce both answers (PASS %d, FAIL %d)", pass, fail)
	}
}

// TestRandomAccessNotGrantedAgreesWithTheEngine: for random policies and random lists of actions (and sometimes
// resources), every FAIL's witness is allowed by the engine and lies in the lists, and no PASS is contradicted by
// a sample request in the lists that the engine allows.
func TestRandomAccessNotGrantedAgreesWithTheEngine(t *testing.T) {
	n, samples := 300, 3000
	if testing.Short() {
		n, samples = 40, 1000
	}
	cat, err := testCatalog()
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Catalog: cat})
	r := rand.New(rand.NewPCG(16, 2))
	reqs := sampleRequests(r, samples)
	var pass, fail, unknown int
	for i := range n {
		p := toPolicy(t, randStatements(r, 1+r.IntN(3), ""))
		actions := []string{reqActions[r.IntN(len(reqActions))], reqActions[r.IntN(len(reqActions))]}
		var resources []string
		if r.IntN(2) == 0 {
			resources = []string{"arn:aws:s3:::b/a/x", "arn:aws:s3:::c"}
		}
		in := func(action, resource string) bool {
			return slices.ContainsFunc(actions, func(a string) bool { return strings.EqualFold(a, action) }) &&
				(resources == nil || slices.Contains(resources, resource))
		}
		res, err := c.AccessNotGranted(context.Background(), p, actions, resources)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Verdict {
		case Unknown:
			if len(variableKeys([]*policy.Policy{p})) == 0 {
				t.Errorf("case %d: UNKNOWN (%s)\n%s", i, res.Message, p.Text)
			}
			unknown++
		case Fail:
			fail++
			for _, re := range res.Reasons {
				if !Allows([]*policy.Policy{p}, re.Witness) || !in(re.Witness.Action, re.Witness.Resource) {
					t.Errorf("case %d: witness %s is not an allowed request for %v on %v", i, re.Witness, actions, resources)
				}
			}
		case Pass:
			pass++
			ev := evaluator(p)
			for _, q := range reqs {
				if in(q.Action, q.Resource) && ev.Decide(q).Result == authz.Allowed {
					t.Errorf("case %d: PASS, but the engine allows %s %s %v\n%s", i, q.Action, q.Resource, q.Context, p.Text)
					break
				}
			}
		}
	}
	t.Logf("%d policies: %d PASS, %d FAIL, %d UNKNOWN; each PASS checked on %d requests", n, pass, fail, unknown, samples)
}
