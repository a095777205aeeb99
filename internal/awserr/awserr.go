// Package awserr is the one error type of iamd's AWS APIs: a code, a message, an HTTP status, whether the sender
// or the service is at fault, and an internal cause. Every layer returns *Error for what the caller did wrong (the
// domains, the query codec in internal/api/awsquery, the wire layer itself); internal/api maps it to the wire in
// one place and writes it in the protocol's shape. The cause is unwrappable (errors.Unwrap, errors.Is) and is
// logged, never written to the wire. Any other error becomes the protocol's internal failure without its text.
package awserr

import (
	"errors"
	"fmt"
)

// HTTP statuses of AWS errors, as plain numbers: this package, like the domains that use it, stays free of
// net/http (internal/archtest checks the transitive imports); the wire layer writes them.
const (
	StatusBadRequest          = 400
	StatusForbidden           = 403
	StatusNotFound            = 404
	StatusConflict            = 409
	StatusInternalServerError = 500
	StatusNotImplemented      = 501
)

// Error is an AWS API error.
type Error struct {
	Code       string
	Message    string
	HTTPStatus int
	Receiver   bool  // the service's fault (Type Receiver); false: the sender's
	Cause      error // internal detail for logs; never sent
	// Reason is the machine-readable reason that some JSON-protocol errors carry besides the message
	// (Organizations' ConstraintViolationException, InvalidInputException, HandshakeConstraintViolationException).
	Reason string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// Type returns "Sender" or "Receiver" as the query protocol's error body names it.
func (e *Error) Type() string {
	if e.Receiver {
		return "Receiver"
	}
	return "Sender"
}

// New returns a sender error with a formatted message.
func New(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, HTTPStatus: status, Message: fmt.Sprintf(format, args...)}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Constructors for the codes IAM and STS return, with their HTTP statuses.

func NoSuchEntity(format string, args ...any) *Error {
	return New("NoSuchEntity", StatusNotFound, format, args...)
}
func EntityAlreadyExists(format string, args ...any) *Error {
	return New("EntityAlreadyExists", StatusConflict, format, args...)
}
func DeleteConflict(format string, args ...any) *Error {
	return New("DeleteConflict", StatusConflict, format, args...)
}
func LimitExceeded(format string, args ...any) *Error {
	return New("LimitExceeded", StatusConflict, format, args...)
}
func ValidationError(format string, args ...any) *Error {
	return New("ValidationError", StatusBadRequest, format, args...)
}
func InvalidInput(format string, args ...any) *Error {
	return New("InvalidInput", StatusBadRequest, format, args...)
}
func MalformedPolicyDocument(format string, args ...any) *Error {
	return New("MalformedPolicyDocument", StatusBadRequest, format, args...)
}
func UnmodifiableEntity(format string, args ...any) *Error {
	return New("UnmodifiableEntity", StatusBadRequest, format, args...)
}
func AccessDenied(format string, args ...any) *Error {
	return New("AccessDenied", StatusForbidden, format, args...)
}
func NotImplemented(action string) *Error {
	return New("NotImplemented", StatusNotImplemented, "%s is not implemented by iamd yet", action)
}

// NotImplementedException is NotImplemented in the AWS JSON protocol's words (Organizations). iamd's text: AWS
// implements every operation of its models.
func NotImplementedException(op string) *Error {
	return &Error{Code: "NotImplementedException", HTTPStatus: StatusNotImplemented, Message: "iamd does not implement " + op + " yet."}
}
func InvalidAction(action string) *Error {
	return New("InvalidAction", StatusBadRequest, "The action %s is not valid for this web service.", action)
}

// Internal wraps an unexpected error: the client sees only that the service failed.
func Internal(cause error) *Error {
	return &Error{Code: "ServiceFailure", HTTPStatus: StatusInternalServerError, Receiver: true,
		Message: "The request processing has failed because of an unknown error, exception or failure.", Cause: cause}
}
