// Package policy is the AWS policy language: it parses a JSON policy document into a validated, compiled form
// (statements, principals, action and resource patterns, conditions with every AWS operator, policy variables) and
// answers whether one statement applies to a request. It does no I/O, reads no clock and logs nothing: it is the
// language half of iamd's engine, and package authz combines statements into decisions.
//
// Compile once, match many times: Parse does all string work up front (case-folded action patterns, split ARN
// patterns, parsed condition values), so that matching allocates nothing.
package policy
