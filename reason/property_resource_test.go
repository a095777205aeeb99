package reason

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// The vocabulary of random resource policies and of the requests that cross-check them.
var (
	randPrincipals = []any{
		"*", map[string]any{"AWS": "*"},
		map[string]any{"AWS": "111122223333"}, map[string]any{"AWS": "arn:aws:iam::444455556666:root"},
		map[string]any{"AWS": "arn:aws:iam::111122223333:user/alice"},
		map[string]any{"AWS": "arn:aws:iam::111122223333:role/app"},
		map[string]any{"AWS": "arn:aws:iam::111122223333:role/team/app"},
		map[string]any{"AWS": "arn:aws:sts::111122223333:assumed-role/app/build"},
		map[string]any{"AWS": []string{"arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:user/alice"}},
		map[string]any{"Service": "sns.amazonaws.com"}, map[string]any{"Service": []string{"sns.amazonaws.com", "s3.amazonaws.com"}},
		map[string]any{"Federated": "accounts.google.com"},
		map[string]any{"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
	}
	randResourceConds = []map[string]any{
		{"StringEquals": map[string]any{"aws:PrincipalOrgID": "o-1"}},
		{"StringNotEquals": map[string]any{"aws:PrincipalAccount": "444455556666"}},
		{"StringEquals": map[string]any{"aws:PrincipalAccount": []string{"111122223333", "777788889999"}}},
		{"StringEquals": map[string]any{"aws:SourceAccount": "111122223333"}},
		{"StringEqualsIfExists": map[string]any{"aws:SourceAccount": "111122223333"}},
		{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}},
		{"IpAddress": map[string]any{"aws:SourceIp": "203.0.113.0/24"}},
		{"IpAddress": map[string]any{"aws:SourceIp": "0.0.0.0/1"}},
		{"NotIpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}},
		{"Bool": map[string]any{"aws:SecureTransport": "true"}},
		{"Null": map[string]any{"aws:SourceVpce": "true"}},
		{"StringEquals": map[string]any{"aws:SourceVpce": "vpce-1"}},
		{"StringLike": map[string]any{"aws:PrincipalTag/team": "b*"}},
	}
	reqPrincipals = func() []authz.Principal {
		var out []authz.Principal
		for _, a := range []string{
			"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/bob",
			"arn:aws:sts::111122223333:assumed-role/app/build", "arn:aws:sts::111122223333:assumed-role/app/other",
			"arn:aws:sts::111122223333:assumed-role/ops/build", "arn:aws:iam::444455556666:root",
			"arn:aws:iam::444455556666:user/alice", "arn:aws:sts::777788889999:federated-user/eve", "arn:aws:iam::777788889999:user/eve",
		} {
			p, _ := authz.PrincipalFromARN(a)
			out = append(out, p)
		}
		pathed, _ := authz.PrincipalFromARN("arn:aws:sts::111122223333:assumed-role/app/build")
		pathed.RoleARN = "arn:aws:iam::111122223333:role/team/app"
		return append(out, pathed,
			authz.Principal{Type: authz.PrincipalAnonymous},
			authz.Principal{Type: authz.PrincipalService, Service: "sns.amazonaws.com"},
			authz.Principal{Type: authz.PrincipalService, Service: "ec2.amazonaws.com"},
			authz.Principal{Type: authz.PrincipalWebIdentity, Provider: "accounts.google.com"},
			authz.Principal{Type: authz.PrincipalSAML, Provider: "arn:aws:iam::111122223333:saml-provider/corp"})
	}()
	reqResourceKeys = map[string][][]string{
		"aws:principalorgid":    {nil, {"o-1"}, {"o-2"}},
		"aws:principalaccount":  {nil, {"444455556666"}, {"111122223333"}},
		"aws:sourceaccount":     {nil, {"111122223333"}, {"444455556666"}},
		"aws:sourcearn":         {nil, {"arn:aws:sns:us-east-1:111122223333:t"}, {"arn:aws:sns:us-east-1:444455556666:t"}},
		"aws:sourceip":          {nil, {"203.0.113.7"}, {"198.51.100.1"}, {"10.1.2.3"}, {"200.1.1.1"}},
		"aws:securetransport":   {nil, {"true"}, {"false"}},
		"aws:sourcevpce":        {nil, {"vpce-1"}, {"vpce-2"}},
		"aws:principaltag/team": {nil, {"blue"}, {"red"}},
	}
	randResourceActions = []string{"s3:GetObject", "s3:*", "*", "s3:Put*", "sqs:SendMessage", "s3:?etObject"}
)

func randResourceStatements(r *rand.Rand, n int, effect string) []any {
	var stmts []any
	for range n {
		st := map[string]any{"Effect": effect}
		if effect == "" {
			st["Effect"] = "Allow"
			if r.IntN(4) == 0 {
				st["Effect"] = "Deny"
			}
		}
		pr := randPrincipals[r.IntN(len(randPrincipals))]
		if st["Effect"] == "Deny" && r.IntN(3) == 0 {
			if m, ok := pr.(map[string]any); ok {
				st["NotPrincipal"] = m
			} else {
				st["Principal"] = pr
			}
		} else {
			st["Principal"] = pr
		}
		st["Action"] = []string{randResourceActions[r.IntN(len(randResourceActions))]}
		st["Resource"] = []string{[]string{"*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/a*", "arn:aws:s3:::c"}[r.IntN(4)]}
		if n := r.IntN(3); n > 0 {
			cond := map[string]any{}
			for range n {
				for op, v := range randResourceConds[r.IntN(len(randResourceConds))] {
					cond[op] = v
				}
			}
			st["Condition"] = cond
		}
		stmts = append(stmts, st)
	}
	return stmts
}

func toResourcePolicy(t testing.TB, stmts []any) *policy.Policy {
	t.Helper()
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.Parse(doc, policy.TypeResource)
	if err != nil {
		t.Fatalf("random policy does not parse: %v\n%s", err, doc)
	}
	return p
}

// resourceSample is the finite sample of requests to a resource policy a PASS is cross-checked on.
func resourceSample(r *rand.Rand, n int) []*Witness {
	var out []*Witness
	for range n {
		ctx := policy.Context{}
		for k, vals := range reqResourceKeys {
			if v := vals[r.IntN(len(vals))]; v != nil {
				ctx[k] = v
			}
		}
		w := &Witness{Action: []string{"s3:GetObject", "s3:PutObject", "sqs:SendMessage", "s3:ListBucket"}[r.IntN(4)],
			Resource: []string{"arn:aws:s3:::b/a/x", "arn:aws:s3:::b/z", "arn:aws:s3:::c", "*"}[r.IntN(4)], Context: ctx}
		pr := reqPrincipals[r.IntN(len(reqPrincipals))]
		// aws:PrincipalAccount as AWS sets it: the caller's account, absent for the anonymous caller.
		switch pr.Type {
		case authz.PrincipalAnonymous:
			delete(ctx, "aws:principalaccount")
		case authz.PrincipalUser, authz.PrincipalRoot, authz.PrincipalAssumedRole, authz.PrincipalFederatedUser:
			ctx["aws:principalaccount"] = []string{pr.Account}
		}
		setWitnessPrincipal(w, pr)
		out = append(out, w)
	}
	return out
}

// publicSample is a sample of requests from public callers (anonymous, or of an account no random policy names),
// without the keys that limit a grant.
func publicSample(r *rand.Rand, n int) []*Witness {
	callers := []authz.Principal{{Type: authz.PrincipalAnonymous}}
	for _, a := range []string{"arn:aws:iam::777788889999:user/eve", "arn:aws:sts::777788889999:assumed-role/x/y", "arn:aws:iam::777788889999:root"} {
		p, _ := authz.PrincipalFromARN(a)
		callers = append(callers, p)
	}
	var out []*Witness
	for range n {
		ctx := policy.Context{"aws:sourceip": []string{[]string{"203.0.113.7", "198.51.100.1", "200.1.1.1", "1.2.3.4", "2001:db8::1", "2600::1"}[r.IntN(6)]}}
		for _, k := range []string{"aws:securetransport", "aws:principaltag/team", "aws:principalorgid", "aws:sourcevpce", "aws:sourceaccount", "aws:principalaccount"} {
			if v := reqResourceKeys[k][r.IntN(len(reqResourceKeys[k]))]; v != nil {
				ctx[k] = v
			}
		}
		w := &Witness{Action: []string{"s3:GetObject", "s3:PutObject", "sqs:SendMessage", "s3:ListBucket"}[r.IntN(4)],
			Resource: []string{"arn:aws:s3:::b/a/x", "arn:aws:s3:::b/z", "arn:aws:s3:::c", "*"}[r.IntN(4)], Context: ctx}
		setWitnessPrincipal(w, callers[r.IntN(len(callers))])
		out = append(out, w)
	}
	return out
}

// TestRandomResourcePoliciesAgreeWithTheEngine: for random pairs of resource policies, every FAIL's witness is
// granted by the new policy and not by the existing one as the engine decides, and no PASS is contradicted by a
// sample of requests from principals of every kind.
func TestRandomResourcePoliciesAgreeWithTheEngine(t *testing.T) {
	pairs, samples := 300, 3000
	if testing.Short() {
		pairs, samples = 40, 1000
	}
	c := New(Options{})
	r := rand.New(rand.NewPCG(16, 3))
	reqs := resourceSample(r, samples)
	var pass, fail int
	for i := range pairs {
		base := randResourceStatements(r, 1+r.IntN(3), "")
		var existing, updated *policy.Policy
		switch r.IntN(3) {
		case 0:
			existing, updated = toResourcePolicy(t, base), toResourcePolicy(t, randResourceStatements(r, 1+r.IntN(3), ""))
		case 1:
			existing, updated = toResourcePolicy(t, base), toResourcePolicy(t, append(slices.Clip(base), randResourceStatements(r, 1, "Deny")...))
		default:
			existing, updated = toResourcePolicy(t, base), toResourcePolicy(t, append(slices.Clip(base), randResourceStatements(r, 1, "")...))
		}
		res, err := c.NoNewAccess(context.Background(), existing, updated)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Verdict {
		case Unknown:
			t.Errorf("pair %d: UNKNOWN (%s)\nexisting %s\nnew %s", i, res.Message, existing.Text, updated.Text)
		case Fail:
			fail++
			for _, re := range res.Reasons {
				if !AllowsResource(updated, re.Witness) || AllowsResource(existing, re.Witness) {
					t.Errorf("pair %d: the engine does not confirm witness %s", i, re.Witness)
				}
			}
		case Pass:
			pass++
			for _, q := range reqs {
				if AllowsResource(updated, q) && !AllowsResource(existing, q) {
					t.Errorf("pair %d: PASS, but the engine grants %s under the new policy only\nexisting %s\nnew %s", i, q, existing.Text, updated.Text)
					break
				}
			}
		}
	}
	t.Logf("%d pairs: %d PASS, %d FAIL; each PASS checked on %d requests", pairs, pass, fail, samples)
	if pass == 0 || fail == 0 {
		t.Errorf("the generator should produce both answers (PASS %d, FAIL %d)", pass, fail)
	}
}

// isPublic reports whether request w is public for policy p under CheckNoPublicAccess's reading (see public.go),
// restated here from the definition: the caller is anonymous or an identity of an account p does not name, the
// keys that limit a grant are absent, the address is present, public and outside p's fixed ranges, and the action
// is of the resource type's services.
func isPublic(p *policy.Policy, w *Witness, resourceType string) bool {
	pr, err := w.principal()
	if err != nil {
		return false
	}
	switch pr.Type {
	case authz.PrincipalAnonymous:
	case authz.PrincipalService, authz.PrincipalWebIdentity, authz.PrincipalSAML:
		return false
	default:
		if strings.Contains(p.Text, pr.Account) {
			return false
		}
	}
	if !freshLimitingKeys(p, w) {
		return false
	}
	ips := w.Context["aws:sourceip"]
	if len(ips) != 1 {
		return false
	}
	a, err := netip.ParseAddr(ips[0])
	if err != nil || a.IsPrivate() || a.IsLoopback() {
		return false
	}
	for _, f := range fixedRanges([]*policy.Policy{p}) {
		if f.Contains(a) {
			return false
		}
	}
	svc, _, _ := strings.Cut(strings.ToLower(w.Action), ":")
	return slices.Contains(publicServices[resourceType], svc)
}

// freshLimitingKeys reports whether every limiting key of w is absent or holds only values that no condition of p
// on the key names (as the engine matches them; a pattern of stars names no one), aws:PrincipalIsAWSService only
// "false" and aws:PrincipalServiceName nothing.
func freshLimitingKeys(p *policy.Policy, w *Witness) bool {
	for _, k := range limitingKeys {
		vals, ok := w.Context[k]
		if !ok {
			continue
		}
		switch k {
		case "aws:principalservicename":
			return false
		case "aws:principalisawsservice":
			for _, v := range vals {
				if !strings.EqualFold(v, "false") {
					return false
				}
			}
			continue
		}
		for _, st := range p.Statements {
			for _, c := range st.Conditions {
				op := c.BaseOperator()
				if !strings.EqualFold(c.Key, k) || family(op) != 'S' {
					continue
				}
				positive := strings.Replace(op, "Not", "", 1)
				for _, v := range c.Values {
					if strings.Trim(v, "*") == "" && (strings.Contains(op, "Like") || strings.HasPrefix(op, "Arn")) {
						continue
					}
					doc, _ := json.Marshal(map[string]any{"Version": "2008-10-17", "Statement": []any{map[string]any{"Effect": "Allow",
						"Principal": "*", "Action": "*", "Resource": "*", "Condition": map[string]any{"ForAnyValue:" + positive: map[string]any{k: v}}}}})
					q, err := policy.Parse(doc, policy.TypeResource)
					if err != nil {
						return false
					}
					if q.Statements[0].MatchConditions(policy.Context{k: vals}) {
						return false
					}
				}
			}
		}
	}
	return true
}

// TestRandomPublicAccessAgreesWithTheEngine: for random resource policies, every FAIL's witness is a public
// request the engine grants, and no PASS is contradicted by a public request of a sample that the engine grants.
func TestRandomPublicAccessAgreesWithTheEngine(t *testing.T) {
	n, samples := 300, 3000
	if testing.Short() {
		n, samples = 60, 1000
	}
	c := New(Options{})
	r := rand.New(rand.NewPCG(16, 4))
	reqs := append(resourceSample(r, samples), publicSample(r, samples)...)
	var pass, fail, checked int
	for i := range n {
		stmts := randResourceStatements(r, 1+r.IntN(3), "")
		for _, st := range stmts {
			if m := st.(map[string]any); m["Principal"] != nil && r.IntN(2) == 0 {
				m["Principal"] = "*"
			}
		}
		p := toResourcePolicy(t, stmts)
		rt := []string{"AWS::S3::Bucket", "AWS::SQS::Queue"}[r.IntN(2)]
		res, err := c.NoPublicAccess(context.Background(), p, rt)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Verdict {
		case Unknown:
			t.Errorf("case %d: UNKNOWN (%s)\n%s", i, res.Message, p.Text)
		case Fail:
			fail++
			for _, re := range res.Reasons {
				if !AllowsResource(p, re.Witness) || !isPublic(p, re.Witness, rt) {
					t.Errorf("case %d: witness %s is not a public request the engine grants\n%s", i, re.Witness, p.Text)
				}
			}
		case Pass:
			pass++
			for _, q := range reqs {
				if isPublic(p, q, rt) {
					checked++
					if AllowsResource(p, q) {
						t.Errorf("case %d: PASS for %s, but the engine grants the public request %s\n%s", i, rt, q, p.Text)
						break
					}
				}
			}
		}
	}
	t.Logf("%d policies: %d PASS, %d FAIL; %d public sample requests checked against the PASSes", n, pass, fail, checked)
	if pass == 0 || fail == 0 {
		t.Errorf("the generator should produce both answers (PASS %d, FAIL %d)", pass, fail)
	}
}

// TestRandomResourceAccessNotGrantedAgreesWithTheEngine: for random resource policies and actions, every FAIL's
// witness is a listed action the engine grants, and no PASS is contradicted by a sample request for a listed action.
func TestRandomResourceAccessNotGrantedAgreesWithTheEngine(t *testing.T) {
	n, samples := 300, 3000
	if testing.Short() {
		n, samples = 40, 1000
	}
	c := New(Options{})
	r := rand.New(rand.NewPCG(16, 5))
	reqs := append(resourceSample(r, samples), publicSample(r, samples/2)...)
	var pass, fail int
	for i := range n {
		p := toResourcePolicy(t, randResourceStatements(r, 1+r.IntN(3), ""))
		actions := []string{[]string{"s3:GetObject", "s3:PutObject", "sqs:SendMessage", "s3:ListBucket"}[r.IntN(4)]}
		res, err := c.AccessNotGranted(context.Background(), p, actions, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Verdict {
		case Unknown:
			t.Errorf("case %d: UNKNOWN (%s)\n%s", i, res.Message, p.Text)
		case Fail:
			fail++
			for _, re := range res.Reasons {
				if !AllowsResource(p, re.Witness) || !strings.EqualFold(re.Witness.Action, actions[0]) {
					t.Errorf("case %d: witness %s is not a granted request for %v\n%s", i, re.Witness, actions, p.Text)
				}
			}
		case Pass:
			pass++
			for _, q := range reqs {
				if strings.EqualFold(q.Action, actions[0]) && AllowsResource(p, q) {
					t.Errorf("case %d: PASS, but the engine grants %s\n%s", i, q, p.Text)
					break
				}
			}
		}
	}
	t.Logf("%d policies: %d PASS, %d FAIL; each PASS checked on %d requests", n, pass, fail, len(reqs))
	if pass == 0 || fail == 0 {
		t.Errorf("the generator should produce both answers (PASS %d, FAIL %d)", pass, fail)
	}
}
