package awserr

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorCarriesCodeMessageStatusFaultAndCause: the parts of the one AWS error type, and the cause reachable by
// errors.Unwrap, errors.Is and errors.As through wrapping.
func TestErrorCarriesCodeMessageStatusFaultAndCause(t *testing.T) {
	cause := errors.New("store: locked")
	cases := []struct {
		name             string
		err              *Error
		code, msg, fault string
		status           int
		cause            error
	}{
		{"a sender error", NoSuchEntity("The user with name %s cannot be found.", "bob"),
			"NoSuchEntity", "The user with name bob cannot be found.", "Sender", StatusNotFound, nil},
		{"an internal failure", Internal(cause),
			"ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.", "Receiver", StatusInternalServerError, cause},
		{"the JSON protocol's NotImplemented", NotImplementedException("ListRoots"),
			"NotImplementedException", "iamd does not implement ListRoots yet.", "Sender", StatusNotImplemented, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.err
			if e.Code != tc.code || e.Message != tc.msg || e.Type() != tc.fault || e.HTTPStatus != tc.status {
				t.Fatalf("got %+v (%s)", e, e.Type())
			}
			if got := e.Error(); got != tc.code+": "+tc.msg {
				t.Errorf("Error() = %q", got)
			}
			if got := errors.Unwrap(e); got != tc.cause {
				t.Errorf("errors.Unwrap = %v, want %v", got, tc.cause)
			}
			wrapped := fmt.Errorf("op: %w", e)
			if got, ok := As(wrapped); !ok || got != e {
				t.Errorf("As(wrapped) = %v, %v", got, ok)
			}
			if tc.cause != nil && !errors.Is(wrapped, tc.cause) {
				t.Error("errors.Is does not reach the cause")
			}
		})
	}
	if _, ok := As(errors.New("plain")); ok {
		t.Error("As recognised a plain error")
	}
}
