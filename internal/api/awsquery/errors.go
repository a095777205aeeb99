package awsquery

import (
	"github.com/iamd-dev/iamd/internal/awserr"
)

// ErrorInfo is what an ErrorResponse carries: <Type>, <Code>, <Message>, plus the HTTP status to send.
type ErrorInfo struct {
	// Type is "Sender" or "Receiver".
	Type       string
	Code       string
	Message    string
	HTTPStatus int
}

// ParamError names the query parameter at fault. It is the Cause of the *awserr.Error this package returns when
// one parameter is to blame: detail for logs and tests, never written to the wire.
type ParamError struct {
	Param string
}

func (e *ParamError) Error() string { return "parameter " + e.Param }

// Codes of the errors this package raises. MissingAction, InvalidAction and MalformedQueryString (with its
// documented 404) are AWS's common query-API errors; MalformedInput is what IAM answers for a parameter it
// cannot read into its member (for instance UserName.1=alice for the scalar UserName). Every one is the sender's
// fault: they are all about the request.
const (
	CodeMissingAction        = "MissingAction"
	CodeInvalidAction        = "InvalidAction"
	CodeMalformedQueryString = "MalformedQueryString"
	CodeMalformedInput       = "MalformedInput"
)

func errMissingAction() *awserr.Error {
	return &awserr.Error{Code: CodeMissingAction, Message: "Missing Action", HTTPStatus: awserr.StatusBadRequest,
		Cause: &ParamError{Param: "Action"}}
}

func errMalformedQueryString(msg string) *awserr.Error {
	return &awserr.Error{Code: CodeMalformedQueryString, Message: msg, HTTPStatus: awserr.StatusNotFound}
}

func errMalformedInput(param, msg string) *awserr.Error {
	return &awserr.Error{Code: CodeMalformedInput, Message: msg, HTTPStatus: awserr.StatusBadRequest,
		Cause: &ParamError{Param: param}}
}

// UnknownOperation is AWS's answer to an Action the service does not have at the requested Version
// ("Could not find operation Foo for version 2010-05-08"); version is "NO_VERSION_SPECIFIED" when the
// request has none.
func UnknownOperation(action, version string) *awserr.Error {
	if version == "" {
		version = NoVersionSpecified
	}
	return &awserr.Error{
		Code:       CodeInvalidAction,
		Message:    "Could not find operation " + action + " for version " + version,
		HTTPStatus: awserr.StatusBadRequest,
		Cause:      &ParamError{Param: "Action"},
	}
}

// UnknownVersion is AWS's answer to a Version the service does not have: the same InvalidAction text as an
// unknown Action ("Could not find operation GetPolicy for version 201"), with HTTP 404 — the status IAM
// answered a request whose Version was cut short, as quoted from AWS in
// github.com/hashicorp/terraform-provider-aws/issues/49189 (a missing Version is 400 there, as UnknownOperation
// answers it).
func UnknownVersion(action, version string) *awserr.Error {
	e := UnknownOperation(action, version)
	e.HTTPStatus = awserr.StatusNotFound
	e.Cause = &ParamError{Param: "Version"}
	return e
}

// NoVersionSpecified is how AWS names the version of a request that has no Version parameter.
const NoVersionSpecified = "NO_VERSION_SPECIFIED"
