// Package authz decides AWS authorization requests: given a request (principal, action, resource, context) and the
// policies that apply to it (identity, resource, permissions boundary, session, SCPs and RCPs per level), it returns
// AWS's decision — allowed, explicit deny or implicit deny — and the statements that decided it, following the
// policy evaluation logic of the AWS IAM User Guide. It is pure: no I/O, no clock, no logging.
//
// Compile a PolicySet once with New, then call Decide for each request; Decide allocates nothing on the common path.
package authz
