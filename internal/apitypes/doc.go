// Package apitypes holds what the generated, transport-neutral API shape packages (iamtypes, ststypes) share:
// the operation and error-shape tables they publish, and the validation runtime their generated Validate
// methods call.
//
// The shapes themselves live in the sub-packages and are generated from botocore's service models by
// tools/genshapes. Both the domain packages and the wire layer use them, so there is one type set per
// service rather than a domain copy and a wire copy. The IAM and STS shapes are plain Go (no struct tags, no
// XML methods): their query-protocol codec is generated into the wire layer (internal/api/iamapi, stsapi).
//
// Validation errors follow the wording of AWS's query-protocol ValidationError, for example
//
//	1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64
//
// with member paths in lowerCamelCase ('tags.1.member.key' for list elements) and the values of members the
// model marks sensitive left out ("Value at 'password' ...").
package apitypes
