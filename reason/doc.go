// Package reason proves things about identity policies: whether one set of policies allows a request that another
// does not, for every request at once, without enumerating requests and without an external solver.
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
// Strings are read as Unicode text: '?' matches one character, as the engine does on valid UTF-8.
package reason
