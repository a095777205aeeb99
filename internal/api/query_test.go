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

// TestQueryRequiredMemberAbsentIsNull: a required member that the request leaves out is "Value null at '<path>'"
// by its wire path, also where its Go type cannot show the absence (a tag without Value, a policy version
// without VersionId, an enum); an empty value given is a value, checked against the model's constraints.
func TestQueryRequiredMemberAbsentIsNull(t *testing.T) {
	ops := dispatch.Index(append(iamapi.Bind(nil), stsapi.Bind(nil)...))
	cases := []struct {
		name, op, form, want string
	}{
		{"a tag without Value", "TagUser", "UserName=bob&Tags.member.1.Key=a&Tags.member.1.Value=x&Tags.member.2.Key=b",
			"1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null"},
		{"two tags without Value", "TagRole", "RoleName=r&Tags.member.1.Key=a&Tags.member.2.Key=b",
			"2 validation errors detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null"},
		{"a tag with an empty Value is valid", "TagUser", "UserName=bob&Tags.member.1.Key=a&Tags.member.1.Value=", ""},
		{"a tag without Key", "TagUser", "UserName=bob&Tags.member.1.Value=v",
			"1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"},
		{"group name absent", "GetGroup", "",
			"1 validation error detected: Value null at 'groupName' failed to satisfy constraint: Member must not be null"},
		{"version ID absent, not ''", "GetPolicyVersion", "PolicyArn=arn:aws:iam::123456789012:policy/p",
			"1 validation error detected: Value null at 'versionId' failed to satisfy constraint: Member must not be null"},
		{"version ID given empty", "GetPolicyVersion", "PolicyArn=arn:aws:iam::123456789012:policy/p&VersionId=",
			"1 validation error detected: Value '' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"},
		{"enum absent", "GetSSHPublicKey", "UserName=bob&SSHPublicKeyId=APKAEIBAERJR2EXAMPLE",
			"1 validation error detected: Value null at 'encoding' failed to satisfy constraint: Member must not be null"},
		{"STS session tag without Value", "AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=sess&Tags.member.1.Key=k",
			"1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form, err := url.ParseQuery(tc.form)
			if err != nil {
				t.Fatal(err)
			}
			err = ops[tc.op].Call(context.Background(), &iam.Caller{}, form, awsquery.NewResponse(tc.op, IAMNamespace))
			var ve *apitypes.ValidationError
			if tc.want == "" {
				if errors.As(err, &ve) {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.As(err, &ve) || err.Error() != tc.want {
				t.Fatalf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
