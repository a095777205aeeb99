package stsapi

import (
	"net/url"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
)

// TestDecodeGeneratedShapes: what botocore sends for AssumeRole lands in the generated struct.
func TestDecodeGeneratedShapes(t *testing.T) {
	form, err := url.ParseQuery("RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s&DurationSeconds=900" +
		"&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/ReadOnlyAccess&TransitiveTagKeys.member.1=k")
	if err != nil {
		t.Fatal(err)
	}
	var assume ststypes.AssumeRoleRequest
	if _, err := decodeAssumeRoleRequest(awsquery.ParseForm(form), "", &assume); err != nil {
		t.Fatal(err)
	}
	if assume.DurationSeconds == nil || *assume.DurationSeconds != 900 || len(assume.PolicyArns) != 1 ||
		assume.PolicyArns[0].Arn == nil || assume.TransitiveTagKeys[0] != "k" {
		t.Errorf("got %+v", assume)
	}
}
