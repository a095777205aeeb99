package api

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/iamapi"
	"github.com/iamd-dev/iamd/internal/api/stsapi"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// FuzzQueryOperationInputs: any parameters given to any IAM or STS operation go through its generated decoder
// and the model's Validate without panicking, and are answered MalformedInput (unreadable), ValidationError
// (against the model) or, once read and valid, by the method (NotImplemented here: the tables are bound to no
// service).
func FuzzQueryOperationInputs(f *testing.F) {
	ops := append(iamapi.Bind(nil), stsapi.Bind(nil)...)
	for i, s := range []string{
		"UserName=bob&Path=%2F&Tags.member.1.Key=a&Tags.member.1.Value=b",
		"UserName.1=alice", "Tags=", "Tags.member.0.Key=x", "Tags.member.x.Key=x&Tags.member.01.Key=y",
		"RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s&DurationSeconds=900&PolicyArns.member.1.arn=x",
		"DurationSeconds=abc", "MaxItems=2147483648", "ResourceArns.member.1=x",
		"PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject&ContextEntries.member.1.ContextKeyValues.member.1=v",
		"SAMLMetadataDocument=x&Name=n", "SerialNumber=x&AuthenticationCode1=1&AuthenticationCode2=2",
	} {
		f.Add(uint16(i*17), s)
	}
	f.Fuzz(func(t *testing.T, which uint16, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		op := ops[int(which)%len(ops)]
		err = op.Call(context.Background(), &iam.Caller{}, form, awsquery.NewResponse(op.Name, IAMNamespace))
		var ae *awserr.Error
		var ve *apitypes.ValidationError
		switch {
		case errors.As(err, &ve):
		case errors.As(err, &ae) && (ae.Code == awsquery.CodeMalformedInput || ae.Code == "NotImplemented"):
		default:
			t.Fatalf("%s from %v: %v", op.Name, form, err)
		}
	})
}

// TestQueryOperationsDecodeBeforeAnswering: an operation's Call reads its input (and refuses what does not read)
// before its method runs; one without input reads nothing.
func TestQueryOperationsDecodeBeforeAnswering(t *testing.T) {
	ops := dispatch.Index(append(iamapi.Bind(nil), stsapi.Bind(nil)...))
	call := func(name string, form url.Values) error {
		return ops[name].Call(context.Background(), &iam.Caller{}, form, awsquery.NewResponse(name, IAMNamespace))
	}
	if ae, ok := awserr.As(call("GetUser", url.Values{"UserName.1": {"x"}})); !ok || ae.Code != awsquery.CodeMalformedInput {
		t.Errorf("GetUser with UserName.1: %v", ae)
	}
	if ae, ok := awserr.As(call("GetUser", url.Values{"UserName": {"bob"}})); !ok || ae.Code != "NotImplemented" {
		t.Errorf("GetUser: %v", ae)
	}
	if ae, ok := awserr.As(call("GetCallerIdentity", url.Values{"Bogus.1.x": {"x"}})); !ok || ae.Code != "NotImplemented" {
		t.Errorf("GetCallerIdentity: %v", ae)
	}
}
