package awsquery

import (
	"errors"
	"net/http"
)

// ErrorInfo is what an ErrorResponse carries: <Type>, <Code>, <Message>, plus the HTTP status to send.
type ErrorInfo struct {
	// Type is "Sender" or "Receiver".
	Type       string
	Code       string
	Message    string
	HTTPStatus int
}

// APIError is implemented by errors that know their AWS wire form: this package's *Error and
// *apitypes.ValidationError, and any domain error type that wants to be written as itself.
type APIError interface {
	error
	ErrorCode() string
	ErrorMessage() string
	HTTPStatus() int
	SenderFault() bool
}

// Info returns the ErrorInfo of err when err (or an error it wraps) is an APIError.
func Info(err error) (ErrorInfo, bool) {
	var ae APIError
	if !errors.As(err, &ae) {
		return ErrorInfo{}, false
	}
	typ := "Receiver"
	if ae.SenderFault() {
		typ = "Sender"
	}
	return ErrorInfo{Type: typ, Code: ae.ErrorCode(), Message: ae.ErrorMessage(), HTTPStatus: ae.HTTPStatus()}, true
}

// Error is a query-protocol error raised by this package: a missing action, a malformed body, a value that
// cannot be converted.
type Error struct {
	Code    string
	Message string
	Status  int
	// Param is the query parameter at fault, when there is one.
	Param string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode is the wire code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the wire message.
func (e *Error) ErrorMessage() string { return e.Message }

// HTTPStatus is the status to send.
func (e *Error) HTTPStatus() int { return e.Status }

// SenderFault is true for every error this package raises: they are all about the request.
func (e *Error) SenderFault() bool { return true }

// Codes of the errors this package raises. MissingAction, InvalidAction and MalformedQueryString (with its
// documented 404) are AWS's common query-API errors; MalformedInput is what IAM answers for a parameter it
// cannot read into its member (for instance UserName.1=alice for the scalar UserName).
const (
	CodeMissingAction        = "MissingAction"
	CodeInvalidAction        = "InvalidAction"
	CodeMalformedQueryString = "MalformedQueryString"
	CodeMalformedInput       = "MalformedInput"
)

func errMissingAction() *Error {
	return &Error{Code: CodeMissingAction, Message: "Missing Action", Status: http.StatusBadRequest, Param: "Action"}
}

func errMalformedQueryString(msg string) *Error {
	return &Error{Code: CodeMalformedQueryString, Message: msg, Status: http.StatusNotFound}
}

func errMalformedInput(param, msg string) *Error {
	return &Error{Code: CodeMalformedInput, Message: msg, Status: http.StatusBadRequest, Param: param}
}

// UnknownOperation is AWS's answer to an Action the service does not have at the requested Version
// ("Could not find operation Foo for version 2010-05-08"); version is "NO_VERSION_SPECIFIED" when the
// request has none.
func UnknownOperation(action, version string) *Error {
	if version == "" {
		version = NoVersionSpecified
	}
	return &Error{
		Code:    CodeInvalidAction,
		Message: "Could not find operation " + action + " for version " + version,
		Status:  http.StatusBadRequest,
		Param:   "Action",
	}
}

// NoVersionSpecified is how AWS names the version of a request that has no Version parameter.
const NoVersionSpecified = "NO_VERSION_SPECIFIED"
