// Package reason proves things about identity and resource policies: whether one set of policies allows a request
// that another does not, for every request at once, without enumerating requests and without an external solver.
// It answers IAM Access Analyzer's custom policy checks: CheckNoNewAccess (NoNewAccess), CheckAccessNotGranted
// (AccessNotGranted) and CheckNoPublicAccess (NoPublicAccess), also as functions over policy text for the API
// (CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess).
//
// Requests are symbolic. The action is a string of the form service:name with ASCII letters folded, so the
// finite set of AWS actions in the catalog and every unknown action are covered alike (witness actions are taken
// from the catalog when one fits). Resources and string condition values are languages of wildcard patterns,
// compiled to deterministic automata over runes with a default edge per state (product, complement, emptiness, a
// shortest witness), with ARN patterns split into components exactly as package policy matches them. Numbers,
// dates and IP addresses (IPv4 and IPv6) are interval sets, together with the strings that do not parse. A
// condition is a constraint on one context key: what it gives when the key is absent, and when present a "some
// value is in S" or "every value is in S" test, which covers negated operators, IfExists and ForAllValues /
// ForAnyValue exactly; keys the catalog marks single-valued hold one value (without a catalog every key may hold
// several, which is sound but less precise).
//
// The decision procedure searches, per Allow statement of the first set, for a conjunction of these constraints
// that the statement and the rest of its set allow and that the second set does not (denied by one of its Deny
// statements, or outside all of its Allow statements), branching on the ways a statement can fail to apply. It is
// sound: PASS only when the search space is exhausted, and every FAIL carries a witness request that iamd's engine
// (package authz) has decided as claimed.
//
// Policy variables must hold for every value. In Resource elements of Allow statements they are read exactly: the
// key is either unset (the variable takes its default, or the pattern matches nothing) or stands for a symbol, a
// letter of its own that no literal matches and that '?' and one-component wildcards cover only where that widens
// the granting side; against Deny statements, which could name the very value, the variable is any string.
// Elsewhere (in condition values, in Deny statements, or with a condition on the variable's key) a statement is
// widened or narrowed in the direction that keeps an empty search a proof; so are BinaryEquals and a key compared
// as two types. Candidates found under such readings only count once the engine confirms them, after trying sample
// values for the variables (the values conditions and resources name). A question left open that way, or a search
// that runs out of its budget, answers Unknown, which callers report as FAIL.
//
// Resource policies add the principal. Whether a Principal or NotPrincipal element names a caller is a test of
// equality (its ARN, its role's ARN, its account's root ARN, its service or identity provider), so the callers
// fall into finitely many classes that every statement treats alike; the search runs per class, on the statements
// that apply to it as package authz decides (authz.StatementAppliesTo), and the witness names a caller of the
// class. A resource policy "allows" a request when the engine grants it to a caller of another account whose own
// policies allow everything (AllowsResource): a statement grants it and none denies it. aws:PrincipalAccount
// follows the caller (its account for an identity, absent for the anonymous caller; the accounts conditions name
// get classes of their own), so "Principal *" with a condition on the account compares exactly with naming the
// account. Other keys AWS derives from the caller (aws:PrincipalArn, aws:PrincipalOrgID, aws:PrincipalAccount of
// service principals, ...) are free like any other key, which only widens the search: a FAIL may then rest on a
// request no real caller sends (it is still confirmed by the engine), a PASS is still a proof. Canonical users are not modelled by the engine
// and so match no caller.
//
// CheckNoPublicAccess searches for a public request the policy allows: from the anonymous caller or an identity
// of an account the policy does not name (and, in role trust policies, a user of a public identity provider),
// for an action of the resource type's service, with the condition keys that AWS lists as limiting a grant
// (principal and source account, ARN and organization, VPC and VPC endpoint, user ID, KMS caller account, S3
// access point) absent, and aws:SourceIp a public address outside any range of /8 (IPv6 /32) or narrower that the
// policy names (see public.go for the sources).
//
// Strings are read as Unicode text: '?' matches one character, as the engine does on valid UTF-8.
package reason
