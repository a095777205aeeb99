package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/iamapi"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestEncodeErrorFromValidation: a ValidationError from a generated Validate is written as AWS writes it.
func TestEncodeErrorFromValidation(t *testing.T) {
	name := strings.Repeat("a", 129)
	in := iamtypes.GetUserRequest{UserName: &name}
	info, ok := errorInfo(in.Validate())
	if !ok {
		t.Fatal("errorInfo does not recognise a validation error")
	}
	if info.Code != "ValidationError" || info.HTTPStatus != 400 || info.Type != "Sender" {
		t.Fatalf("info = %+v", info)
	}
	var b bytes.Buffer
	if err := awsquery.EncodeError(&b, iamtypes.XMLNamespace, info, "r"); err != nil {
		t.Fatal(err)
	}
	want := "<Message>1 validation error detected: Value '" + name +
		"' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128</Message>"
	if !strings.Contains(b.String(), want) {
		t.Errorf("body %s lacks %s", b.String(), want)
	}
	if _, ok := errorInfo(errors.New("plain")); ok {
		t.Error("errorInfo recognised a plain error")
	}
}

// TestErrorInfoIsTheOneMapping: every AWS error reaches the wire through errorInfo with its code, message, status
// and fault; its cause never does.
func TestErrorInfoIsTheOneMapping(t *testing.T) {
	secretCause := errors.New("store: disk full at /var/lib/secret")
	decodeErr := dispatch.Index(iamapi.Bind(nil))["CreateUser"].Call(context.Background(), &iam.Caller{},
		url.Values{"UserName.1": {"alice"}}, awsquery.NewResponse("CreateUser", IAMNamespace))
	cases := []struct {
		name string
		err  error
		want awsquery.ErrorInfo
	}{
		{"a domain error", awserr.NoSuchEntity("The user with name bob cannot be found."),
			awsquery.ErrorInfo{Type: "Sender", Code: "NoSuchEntity", Message: "The user with name bob cannot be found.", HTTPStatus: 404}},
		{"a wrapped domain error", fmt.Errorf("get user: %w", awserr.AccessDenied("no")),
			awsquery.ErrorInfo{Type: "Sender", Code: "AccessDenied", Message: "no", HTTPStatus: 403}},
		{"an internal failure keeps its cause to itself", awserr.Internal(secretCause),
			awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceFailure", Message: internalFailure, HTTPStatus: 500}},
		{"the query codec's error", awsquery.UnknownOperation("Frob", ""),
			awsquery.ErrorInfo{Type: "Sender", Code: "InvalidAction", Message: "Could not find operation Frob for version NO_VERSION_SPECIFIED", HTTPStatus: 400}},
		{"the query decoder's error", decodeErr,
			awsquery.ErrorInfo{Type: "Sender", Code: "MalformedInput", Message: "Invalid parameter UserName.1: UserName takes a single value.", HTTPStatus: 400}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := errorInfo(tc.err)
			if !ok || got != tc.want {
				t.Fatalf("errorInfo = %+v, %v; want %+v", got, ok, tc.want)
			}
		})
	}
	if got := errors.Unwrap(awserr.Internal(secretCause)); got != secretCause {
		t.Errorf("errors.Unwrap(Internal(cause)) = %v, want the cause", got)
	}
}
