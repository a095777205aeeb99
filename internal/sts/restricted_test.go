package sts_test

import (
	"context"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestSessionCredentialsSTSLimits checks the STS API reference's limits on temporary credentials whatever the
// policies allow: GetFederationToken credentials call no STS API but GetCallerIdentity; GetSessionToken
// credentials only AssumeRole and GetCallerIdentity.
func TestSessionCredentialsSTSLimits(t *testing.T) {
	ctx := context.Background()
	s, root, alice := setup(t)
	all := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	if err := s.IAM.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "all", PolicyDocument: all}); err != nil {
		t.Fatal(err)
	}
	fed, err := s.GetFederationToken(ctx, alice, &ststypes.GetFederationTokenRequest{Name: "bob", Policy: ptr(all)})
	if err != nil {
		t.Fatal(err)
	}
	gst, err := s.GetSessionToken(ctx, alice, &ststypes.GetSessionTokenRequest{})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := s.IAM.LookupAccessKey(ctx, gst.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	session := cred.Caller
	federated := fedCaller(t, s.IAM, fed)
	role := "arn:aws:iam::" + acct + ":role/team/first"
	assume := func(c *iam.Caller) error {
		_, err := s.AssumeRole(ctx, c, &ststypes.AssumeRoleRequest{RoleArn: role, RoleSessionName: "s"})
		return err
	}
	keyInfo := func(c *iam.Caller) error {
		_, err := s.GetAccessKeyInfo(ctx, c, &ststypes.GetAccessKeyInfoRequest{AccessKeyId: gst.Credentials.AccessKeyId})
		return err
	}
	decode := func(c *iam.Caller) error {
		_, err := s.DecodeAuthorizationMessage(ctx, c, &ststypes.DecodeAuthorizationMessageRequest{EncodedMessage: "x"})
		return err
	}
	cases := []struct {
		name   string
		caller *iam.Caller
		call   func(*iam.Caller) error
		want   string // "" for success
	}{
		{"long-term key may assume a role", alice, assume, ""},
		{"session token may assume a role", &session, assume, ""},
		{"session token may not get key info", &session, keyInfo, "AccessDenied"},
		{"session token may not decode messages", &session, decode, "AccessDenied"},
		{"federated user may not assume a role", federated, assume, "AccessDenied"},
		{"federated user may not get key info", federated, keyInfo, "AccessDenied"},
		{"federated user may not decode messages", federated, decode, "AccessDenied"},
		{"long-term key reaches decoding", alice, decode, "InvalidAuthorizationMessageException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(tc.caller)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.want)
		})
	}
}
