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
// ForAnyValue exactly; keys the catalog marks single-valued hold one value.
//
// The decision procedure searches, per Allow statement of the first set, for a conjunction of these constraints
// that the statement and the rest of its set allow and that the second set does not (denied by one of its Deny
// statements, or outside all of its Allow statements), branching on the ways a statement can fail to apply. It is
// sound: PASS only when the search space is exhausted. Where a statement cannot be stated exactly (a policy
// variable, BinaryEquals, a key compared as two types) it is widened or narrowed in the direction that keeps a
// PASS a proof; candidates found that way are only reported once the engine (package authz) confirms them, and
// policy variables are then tried with sample values. A search that runs out of its budget answers Unknown, which
// callers report as FAIL.
package reason
