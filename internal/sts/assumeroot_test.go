package sts_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// fakeOrgs is an organization of fixed accounts, as internal/org would describe it.
type fakeOrgs map[string]*iam.OrgView

func (f fakeOrgs) AccountOrg(ctx context.Context, r store.Reader, account string) (*iam.OrgView, error) {
	return f[account], nil
}

func TestAssumeRoot(t *testing.T) {
	ctx := context.Background()
	const member, outsider = "222233334444", "555566667777"
	view := &iam.OrgView{OrgID: "o-aaaaaaaaaa", Management: acct, Paths: "o-aaaaaaaaaa/r-aaaa/", AllFeatures: true}
	s, root, alice := setupWith(t, iam.Options{Orgs: fakeOrgs{acct: view, member: view}})
	for _, a := range []string{member, outsider} {
		if _, err := s.IAM.EnsureAccount(ctx, a, "", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.IAM.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "root-tasks",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoot","Resource":"*",
		"Condition":{"StringEquals":{"sts:TaskPolicyArn":"arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}}}]}`}); err != nil {
		t.Fatal(err)
	}
	audit := &ststypes.PolicyDescriptorType{Arn: ptr("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")}
	assume := func(c *iam.Caller, target string, task *ststypes.PolicyDescriptorType) (*ststypes.AssumeRootResponse, error) {
		return s.AssumeRoot(ctx, c, &ststypes.AssumeRootRequest{TargetPrincipal: target, TaskPolicyArn: task})
	}

	// centralized root access needs trusted access for IAM, then root sessions enabled
	_, err := s.IAM.EnableOrganizationsRootSessions(ctx, root, &iamtypes.EnableOrganizationsRootSessionsRequest{})
	wantCode(t, err, "ServiceAccessNotEnabledException")
	view.TrustedServices = []string{"iam.amazonaws.com"}
	_, err = assume(alice, member, audit)
	wantCode(t, err, "AccessDenied") // root sessions not enabled yet
	out, err := s.IAM.EnableOrganizationsRootSessions(ctx, root, &iamtypes.EnableOrganizationsRootSessionsRequest{})
	if err != nil || *out.OrganizationId != view.OrgID || len(out.EnabledFeatures) != 1 || out.EnabledFeatures[0] != "RootSessions" {
		t.Fatalf("EnableOrganizationsRootSessions: %v %+v", err, out)
	}
	memberRoot := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + member + ":root", Account: member}, UserID: member}
	_, err = s.IAM.EnableOrganizationsRootSessions(ctx, memberRoot, &iamtypes.EnableOrganizationsRootSessionsRequest{})
	wantCode(t, err, "AccountNotManagementOrDelegatedAdministratorException")

	for _, tc := range []struct {
		name   string
		caller *iam.Caller
		target string
		task   *ststypes.PolicyDescriptorType
		code   string
	}{
		{"root user credentials", root, member, audit, "AccessDenied"},
		{"the management account itself", alice, acct, audit, "AccessDenied"},
		{"an account outside the organization", alice, outsider, audit, "AccessDenied"},
		{"a task policy the identity policy does not allow", alice, member, &ststypes.PolicyDescriptorType{Arn: ptr("arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy")}, "AccessDenied"},
		{"not a root-task policy", alice, member, &ststypes.PolicyDescriptorType{Arn: ptr("arn:aws:iam::aws:policy/AdministratorAccess")}, "ValidationError"},
		{"not an account", alice, "arn:aws:iam::" + member + ":user/bob", audit, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := assume(tc.caller, tc.target, tc.task)
			wantCode(t, err, tc.code)
		})
	}

	res, err := assume(alice, "arn:aws:iam::"+member+":root", audit)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := s.IAM.LookupAccessKey(ctx, res.Credentials.AccessKeyId)
	if err != nil {
		t.Fatal(err)
	}
	c := cred.Caller
	if c.Principal.ARN != "arn:aws:iam::"+member+":root" || !c.RootTask || cred.Expires.Sub(s.IAM.Now()) > 900e9 {
		t.Fatalf("root session caller %+v expires %v", c, cred.Expires)
	}
	// the audit task allows reading the root user's credentials, and nothing else
	if _, err := s.IAM.ListAccessKeys(ctx, &c, &iamtypes.ListAccessKeysRequest{}); err != nil {
		t.Fatalf("ListAccessKeys: %v", err)
	}
	if _, err := s.IAM.GetAccountSummary(ctx, &c); err != nil {
		t.Fatalf("GetAccountSummary: %v", err)
	}
	_, err = s.IAM.CreateUser(ctx, &c, &iamtypes.CreateUserRequest{UserName: "intruder"})
	wantCode(t, err, "AccessDenied")
	_, err = s.IAM.ListUsers(ctx, &c, &iamtypes.ListUsersRequest{})
	wantCode(t, err, "AccessDenied")
}
