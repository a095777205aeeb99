package reason

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// The principal of a request to a resource policy is not a string the solver reads symbolically: whether a
// Principal or NotPrincipal element names a principal is a test of equality (of its ARN, its role's ARN or its
// account's root ARN, its service or its identity provider), so the principals split into finitely many classes
// that every statement of both sets treats alike. principalClasses lists one principal per class: each principal
// an element names, a role session and fresh identities in each account named, each service and identity provider
// named, fresh ones of each, and the anonymous caller. The searches run once per class, on the statements that
// apply to it (decided by package authz itself), so a Principal dimension costs no approximation.

// pclass is one class of principals and the statements that apply to it.
type pclass struct {
	p       authz.Principal
	applies map[*policy.Statement]bool // nil: every statement applies (identity policies)
	acct    acctRule
}

// acctRule is what the class tells of aws:PrincipalAccount, which AWS sets from the caller: nothing (services and
// identity providers, and every class of a public access check), absent (the anonymous caller), the account
// (identities of an account the policies name, in Principal elements or in conditions on the key), or none of
// the named accounts (identities of the other accounts).
type acctRule struct {
	kind  byte // 0 nothing, 'a' absent, '=' the account id, '!' none of named
	id    string
	named []string
}

func (r acctRule) String() string { return string(rune('0'+r.kind)) + r.id }

// accountKey is the condition key that acctRule constrains.
const accountKey = "aws:principalaccount"

// conditionAccounts lists the account IDs that conditions on aws:PrincipalAccount name.
func conditionAccounts(sets ...[]*policy.Policy) []string {
	var out []string
	for _, set := range sets {
		for _, p := range set {
			for _, st := range p.Statements {
				for _, c := range st.Conditions {
					if !strings.EqualFold(c.Key, accountKey) {
						continue
					}
					for _, v := range c.Values {
						if len(v) == 12 && strings.Trim(v, "0123456789") == "" && !slices.Contains(out, v) {
							out = append(out, v)
						}
					}
				}
			}
		}
	}
	return out
}

func (c *pclass) covers(st *policy.Statement) bool { return c.applies == nil || c.applies[st] }

// freshName returns base, or base with a number, such that mk(name) is not in taken.
func freshName(base string, taken map[string]bool, mk func(string) string) string {
	name := base
	for i := 1; taken[mk(name)]; i++ {
		name = base + strconv.Itoa(i)
	}
	return name
}

// elements lists the Principal and NotPrincipal elements of the sets.
func elements(sets ...[]*policy.Policy) []*policy.Principals {
	var out []*policy.Principals
	for _, set := range sets {
		for _, p := range set {
			for _, st := range p.Statements {
				if st.Principal != nil {
					out = append(out, st.Principal)
				}
			}
		}
	}
	return out
}

// freshAccount returns a 12-digit account ID that no element names.
func freshAccount(accounts map[string]bool) string {
	for i := 0; ; i++ {
		id := fmt.Sprintf("%012d", 111122223333+i*1000001)
		if !accounts[id] {
			return id
		}
	}
}

// accountPrincipals returns the root, a user, a role session and a federated user of an account, with names that
// no element lists.
func accountPrincipals(partition, account string, taken map[string]bool) []authz.Principal {
	prefix := "arn:" + partition + ":"
	user := freshName("witness", taken, func(n string) string { return prefix + "iam::" + account + ":user/" + n })
	role := freshName("witness", taken, func(n string) string { return prefix + "iam::" + account + ":role/" + n })
	fed := freshName("witness", taken, func(n string) string { return prefix + "sts::" + account + ":federated-user/" + n })
	return []authz.Principal{
		{Type: authz.PrincipalRoot, ARN: prefix + "iam::" + account + ":root", Account: account},
		{Type: authz.PrincipalUser, ARN: prefix + "iam::" + account + ":user/" + user, Account: account},
		{Type: authz.PrincipalAssumedRole, ARN: prefix + "sts::" + account + ":assumed-role/" + role + "/witness",
			RoleARN: prefix + "iam::" + account + ":role/" + role, Account: account},
		{Type: authz.PrincipalFederatedUser, ARN: prefix + "sts::" + account + ":federated-user/" + fed, Account: account},
	}
}

// providerPrincipal is the caller that an identity provider as a Federated element names stands for.
func providerPrincipal(provider string) authz.Principal {
	if strings.Contains(provider, ":saml-provider/") {
		return authz.Principal{Type: authz.PrincipalSAML, Provider: provider}
	}
	return authz.Principal{Type: authz.PrincipalWebIdentity, Provider: provider}
}

// candidatePrincipals lists at least one principal of every class the elements of the sets tell apart, and of
// every account they or conditions on aws:PrincipalAccount name.
func candidatePrincipals(sets ...[]*policy.Policy) []authz.Principal {
	els := elements(sets...)
	taken := map[string]bool{}
	accounts := map[string]bool{}
	type acct struct{ partition, id string }
	var named []acct
	for _, id := range conditionAccounts(sets...) {
		accounts[id] = true
		named = append(named, acct{"aws", id})
	}
	for _, e := range els {
		for _, s := range e.AWS {
			taken[s] = true
			if a, err := arn.Parse(s); err == nil && a.Account != "" {
				accounts[a.Account] = true
				if k := (acct{a.Partition, a.Account}); !slices.Contains(named, k) {
					named = append(named, k)
				}
			}
		}
		for _, s := range slices.Concat(e.Service, e.Federated) {
			taken[s] = true
		}
	}
	var out []authz.Principal
	// The principals the elements name, and the sessions of the roles they name.
	for _, e := range els {
		for _, s := range e.AWS {
			a, err := arn.Parse(s)
			if err != nil {
				continue
			}
			if p, err := authz.PrincipalFromARN(s); err == nil && p.Type != authz.PrincipalRoot {
				out = append(out, p)
				if p.Type == authz.PrincipalAssumedRole {
					// The same session of a role with a path, named or not.
					name := strings.Split(a.Resource, "/")[1]
					other := p
					other.RoleARN = "arn:" + a.Partition + ":iam::" + a.Account + ":role/" +
						freshName("witness-path", taken, func(n string) string {
							return "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + n + "/" + name
						}) + "/" + name
					out = append(out, other)
					for _, r := range e.AWS {
						if ra, err := arn.Parse(r); err == nil && ra.Service == "iam" && ra.Partition == a.Partition &&
							ra.Account == a.Account && strings.HasPrefix(ra.Resource, "role/") && strings.HasSuffix(ra.Resource, "/"+name) {
							other.RoleARN = r
							out = append(out, other)
						}
					}
				}
				continue
			}
			if a.Service == "iam" && strings.HasPrefix(a.Resource, "role/") {
				name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
				prefix := "arn:" + a.Partition + ":sts::" + a.Account + ":assumed-role/" + name + "/"
				session := freshName("witness", taken, func(n string) string { return prefix + n })
				out = append(out, authz.Principal{Type: authz.PrincipalAssumedRole, ARN: prefix + session, RoleARN: s, Account: a.Account})
			}
		}
	}
	// Fresh identities of every account named, and of one that is not.
	fresh := freshAccount(accounts)
	for _, k := range append(named, acct{"aws", fresh}) {
		out = append(out, accountPrincipals(k.partition, k.id, taken)...)
	}
	// Services and identity providers, named and fresh.
	for _, e := range els {
		for _, s := range e.Service {
			out = append(out, authz.Principal{Type: authz.PrincipalService, Service: s})
		}
		for _, f := range e.Federated {
			out = append(out, providerPrincipal(f))
		}
	}
	out = append(out,
		authz.Principal{Type: authz.PrincipalService, Service: freshName("witness", taken, func(n string) string { return n + ".amazonaws.com" }) + ".amazonaws.com"},
		authz.Principal{Type: authz.PrincipalWebIdentity, Provider: freshName("witness", taken, func(n string) string { return n + ".example.com" }) + ".example.com"},
		authz.Principal{Type: authz.PrincipalSAML, Provider: "arn:aws:iam::" + fresh + ":saml-provider/witness"},
		authz.Principal{Type: authz.PrincipalAnonymous},
	)
	return out
}

// classesOf groups principals by the statements of the sets that apply to them (and, when tie is set, by what
// they tell of aws:PrincipalAccount), keeping the first of each group.
func classesOf(ps []authz.Principal, tie bool, sets ...[]*policy.Policy) []*pclass {
	var named []string
	if tie {
		seen := map[string]bool{}
		for _, e := range elements(sets...) {
			for _, s := range e.AWS {
				if a, err := arn.Parse(s); err == nil && a.Account != "" && !seen[a.Account] {
					seen[a.Account] = true
					named = append(named, a.Account)
				}
			}
		}
		for _, id := range conditionAccounts(sets...) {
			if !seen[id] {
				seen[id] = true
				named = append(named, id)
			}
		}
	}
	var stmts []*policy.Statement
	for _, set := range sets {
		for _, p := range set {
			stmts = append(stmts, p.Statements...)
		}
	}
	seen := map[string]bool{}
	var out []*pclass
	sig := make([]byte, len(stmts))
	for _, p := range ps {
		c := &pclass{p: p, applies: make(map[*policy.Statement]bool, len(stmts))}
		for i, st := range stmts {
			sig[i] = '0'
			if authz.StatementAppliesTo(st, &c.p) {
				c.applies[st] = true
				sig[i] = '1'
			}
		}
		if tie {
			switch c.p.Type {
			case authz.PrincipalAnonymous:
				c.acct = acctRule{kind: 'a'}
			case authz.PrincipalUser, authz.PrincipalRoot, authz.PrincipalAssumedRole, authz.PrincipalFederatedUser:
				if slices.Contains(named, c.p.Account) {
					c.acct = acctRule{kind: '=', id: c.p.Account}
				} else {
					c.acct = acctRule{kind: '!', named: named}
				}
			}
		}
		if key := string(sig) + c.acct.String(); !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	return out
}

// setWitnessPrincipal writes p into w.
func setWitnessPrincipal(w *Witness, p authz.Principal) {
	w.PrincipalType = p.Type.String()
	switch p.Type {
	case authz.PrincipalAnonymous:
		w.Principal = "*"
	case authz.PrincipalService:
		w.Principal = p.Service
	case authz.PrincipalWebIdentity, authz.PrincipalSAML:
		w.Principal = p.Provider
	default:
		w.Principal = p.ARN
		if p.Type == authz.PrincipalAssumedRole {
			if q, err := authz.PrincipalFromARN(p.ARN); err != nil || q.RoleARN != p.RoleARN {
				w.RoleARN = p.RoleARN
			}
		}
	}
}

// principal returns the caller of a witness request.
func (w *Witness) principal() (authz.Principal, error) {
	switch w.PrincipalType {
	case "", "User", "Account", "AssumedRole", "FederatedUser":
		p, err := authz.PrincipalFromARN(w.Principal)
		if err != nil {
			return p, err
		}
		if w.RoleARN != "" {
			p.RoleARN = w.RoleARN
		}
		return p, nil
	case "Anonymous":
		return authz.Principal{Type: authz.PrincipalAnonymous}, nil
	case "Service":
		return authz.Principal{Type: authz.PrincipalService, Service: w.Principal}, nil
	case "WebIdentity":
		return authz.Principal{Type: authz.PrincipalWebIdentity, Provider: w.Principal}, nil
	case "SAML":
		return authz.Principal{Type: authz.PrincipalSAML, Provider: w.Principal}, nil
	}
	return authz.Principal{}, fmt.Errorf("reason: witness principal type %q", w.PrincipalType)
}

// everything is an identity policy that allows every request; it stands for the identity-based side of a
// cross-account request, so that only the resource policy decides.
var everything = sync.OnceValue(func() *policy.Policy {
	p, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), policy.TypeIdentity)
	if err != nil {
		panic(err)
	}
	return p
})

// AllowsResource reports whether resource policy p grants request w as iamd's engine decides it: the caller is
// taken to be in another account than the resource, with identity-based policies that allow everything, so the
// answer is whether a statement of p grants the request to the caller and none denies it. A nil p grants nothing.
func AllowsResource(p *policy.Policy, w *Witness) bool {
	if p == nil {
		return false
	}
	pr, err := w.principal()
	if err != nil {
		return false
	}
	all := authz.Attached{Name: "everything", Policy: everything()}
	set := authz.PolicySet{Resource: &authz.Attached{Name: "resource", Policy: p}, Identity: []authz.Attached{all}, Session: []authz.Attached{all}}
	owner := "999999999999"
	if pr.Account == owner {
		owner = "999999999998"
	}
	req := &authz.Request{Principal: pr, Action: w.Action, Resource: w.Resource, ResourceAccount: owner, Context: w.Context}
	return authz.Decide(set, req).Result == authz.Allowed
}
