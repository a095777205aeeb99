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
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/simulate"
	"github.com/iamd-dev/iamd/internal/store"
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

// TestErrorInfoIsTheOneMapping: every error type that reaches the pipeline's edge, on every path (AWS APIs, the
// decision API, sign-in, the operator's endpoints), reaches the wire through errorInfo with its code, message,
// status and fault; its cause never does. (A client's cancel never reaches errorInfo: it is not answered.)
func TestErrorInfoIsTheOneMapping(t *testing.T) {
	secretCause := errors.New("store: disk full at /var/lib/secret")
	decodeErr := dispatch.Index(iamapi.Bind(nil))["CreateUser"].Call(context.Background(), &iam.Caller{},
		url.Values{"UserName.1": {"alice"}}, awsquery.NewResponse("CreateUser", IAMNamespace))
	_, simErr := simulate.Custom(simulate.CustomInput{PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}, ActionNames: []string{"s3:GetObject"}, Marker: "x"})
	_, simPolicyErr := simulate.Custom(simulate.CustomInput{PolicyInputList: []string{`{not json`}, ActionNames: []string{"s3:GetObject"}})
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
		{"a refused signature, as sigv4 words it", fmt.Errorf("authenticate: %w", &sigv4.Error{Code: sigv4.CodeSignatureDoesNotMatch, HTTPStatus: 403,
			Message: "Credential should be scoped to correct service: 'iam'. "}),
			awsquery.ErrorInfo{Type: "Sender", Code: "SignatureDoesNotMatch", Message: "Credential should be scoped to correct service: 'iam'. ", HTTPStatus: 403}},
		{"the simulator's error", simErr,
			awsquery.ErrorInfo{Type: "Sender", Code: "InvalidInput", Message: `Invalid Marker "x"`, HTTPStatus: 400}},
		{"a server-side deadline", fmt.Errorf("store: %w", context.DeadlineExceeded),
			awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.", HTTPStatus: 503}},
		{"a database that is away", fmt.Errorf("create user: %w", fmt.Errorf("%w: begin write: terminating connection", store.ErrUnavailable)),
			awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.", HTTPStatus: 503}},
		{"an internal failure of a database that is away", awserr.Internal(store.ErrUnavailable),
			awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.", HTTPStatus: 503}},
		{"an internal failure past the deadline", awserr.Internal(context.DeadlineExceeded),
			awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceUnavailable", Message: "The request has failed due to a temporary failure of the server.", HTTPStatus: 503}},
		{"the sender's error keeps its code whatever its cause", &awserr.Error{Code: "IDPCommunicationError", HTTPStatus: 400, Message: "unreachable", Cause: context.DeadlineExceeded},
			awsquery.ErrorInfo{Type: "Sender", Code: "IDPCommunicationError", Message: "unreachable", HTTPStatus: 400}},
		{"a refused sign-in shows only its public message", &iam.SignInError{Public: iam.SignInFailedMessage, Reason: "wrong password"},
			awsquery.ErrorInfo{Type: "Sender", Code: "SignInFailed", Message: iam.SignInFailedMessage, HTTPStatus: 401}},
		{"the operator's invalid account", fmt.Errorf("%w: account ID must be 12 digits", iam.ErrInvalidAccountRequest),
			awsquery.ErrorInfo{Type: "Sender", Code: "InvalidInput", Message: "invalid account request: account ID must be 12 digits", HTTPStatus: 400}},
		{"the operator's existing account", fmt.Errorf("account 111122223333 %w", iam.ErrAccountExists),
			awsquery.ErrorInfo{Type: "Sender", Code: "AccountAlreadyExists", Message: "account 111122223333 already exists", HTTPStatus: 409}},
		{"the operator's key in use", fmt.Errorf("access key ID AKIAEXAMPLE %w", iam.ErrAccessKeyInUse),
			awsquery.ErrorInfo{Type: "Sender", Code: "AccessKeyInUse", Message: "access key ID AKIAEXAMPLE is already in use", HTTPStatus: 409}},
		{"the simulator's malformed policy", simPolicyErr,
			awsquery.ErrorInfo{Type: "Sender", Code: "MalformedPolicyDocument", Message: "PolicyInputList.1: " + policyParseMessage(simPolicyErr), HTTPStatus: 400}},
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

// policyParseMessage is the engine's message for the policy of a simulator's *PolicyError.
func policyParseMessage(err error) string {
	var pe *simulate.PolicyError
	if !errors.As(err, &pe) {
		return "(not a *simulate.PolicyError: " + fmt.Sprint(err) + ")"
	}
	return pe.Err.Error()
}
