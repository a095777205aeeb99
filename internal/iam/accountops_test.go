package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

func gkAliases(t testing.TB, svc *iam.Service, c *iam.Caller) string {
	t.Helper()
	out, err := svc.ListAccountAliases(context.Background(), c, &iamtypes.ListAccountAliasesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if out.AccountAliases == nil || out.IsTruncated == nil || *out.IsTruncated {
		t.Fatalf("list shape: %+v", out)
	}
	return strings.Join(out.AccountAliases, ",")
}

func TestAccountAliasLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	if got := gkAliases(t, svc, root); got != "" {
		t.Fatalf("a new account has no alias, got %q", got)
	}
	if err := svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: "example-corp"}); err != nil {
		t.Fatal(err)
	}
	if got := gkAliases(t, svc, root); got != "example-corp" {
		t.Fatalf("aliases %q", got)
	}
	gkWantMessage(t, svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: "example-corp"}),
		"EntityAlreadyExists", "The account alias example-corp already exists.")
	// An account has one alias: a new one replaces it.
	if err := svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: "example-2"}); err != nil {
		t.Fatal(err)
	}
	if got := gkAliases(t, svc, root); got != "example-2" {
		t.Fatalf("aliases after replacing %q", got)
	}
	gkWantMessage(t, svc.DeleteAccountAlias(ctx, root, &iamtypes.DeleteAccountAliasRequest{AccountAlias: "example-corp"}),
		"NoSuchEntity", "The account alias example-corp cannot be found.")
	if err := svc.DeleteAccountAlias(ctx, root, &iamtypes.DeleteAccountAliasRequest{AccountAlias: "example-2"}); err != nil {
		t.Fatal(err)
	}
	if got := gkAliases(t, svc, root); got != "" {
		t.Fatalf("aliases after delete %q", got)
	}
}

func TestAccountAliasIsUniqueAcrossAccounts(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	const other = "210987654321"
	if _, err := svc.EnsureAccount(ctx, other, "", ""); err != nil {
		t.Fatal(err)
	}
	otherRoot := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + other + ":root", Account: other}, UserID: other}
	if err := svc.CreateAccountAlias(ctx, otherRoot, &iamtypes.CreateAccountAliasRequest{AccountAlias: "taken"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: "mine"}); err != nil {
		t.Fatal(err)
	}
	gkWantMessage(t, svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: "taken"}),
		"EntityAlreadyExists", "The account alias taken already exists.")
	// The failed replacement kept this account's alias, and the other account's alias is not this account's to delete.
	if got := gkAliases(t, svc, root); got != "mine" {
		t.Fatalf("aliases after a failed replacement %q", got)
	}
	wantCode(t, svc.DeleteAccountAlias(ctx, root, &iamtypes.DeleteAccountAliasRequest{AccountAlias: "taken"}), "NoSuchEntity")
	if got := gkAliases(t, svc, otherRoot); got != "taken" {
		t.Fatalf("other account's aliases %q", got)
	}
	// Once released, the alias can be taken.
	if err := svc.DeleteAccountAlias(ctx, otherRoot, &iamtypes.DeleteAccountAliasRequest{AccountAlias: "taken"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: "taken"}); err != nil {
		t.Fatal(err)
	}
}

func TestAccountAliasRules(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	const pattern = "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
	long := strings.Repeat("a", 64)
	cases := []struct {
		alias   string
		message string // "" when valid
	}{
		{"abc", ""},
		{"a-b-c-1", ""},
		{strings.Repeat("a", 63), ""},
		{"Example", "1 validation error detected: Value 'Example' at 'accountAlias' failed to satisfy constraint: " + pattern},
		{"-abc", "1 validation error detected: Value '-abc' at 'accountAlias' failed to satisfy constraint: " + pattern},
		{"abc-", "1 validation error detected: Value 'abc-' at 'accountAlias' failed to satisfy constraint: " + pattern},
		{"a--b", "1 validation error detected: Value 'a--b' at 'accountAlias' failed to satisfy constraint: " + pattern},
		{"a_b", "1 validation error detected: Value 'a_b' at 'accountAlias' failed to satisfy constraint: " + pattern},
		{"ab", "2 validation errors detected: Value 'ab' at 'accountAlias' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
			"Value 'ab' at 'accountAlias' failed to satisfy constraint: " + pattern},
		{long, "2 validation errors detected: Value '" + long + "' at 'accountAlias' failed to satisfy constraint: Member must have length less than or equal to 63; " +
			"Value '" + long + "' at 'accountAlias' failed to satisfy constraint: " + pattern},
	}
	for _, tc := range cases {
		t.Run(tc.alias, func(t *testing.T) {
			err := svc.CreateAccountAlias(ctx, root, &iamtypes.CreateAccountAliasRequest{AccountAlias: tc.alias})
			if tc.message == "" {
				if err != nil {
					t.Fatalf("valid alias refused: %v", err)
				}
				return
			}
			gkWantMessage(t, err, "ValidationError", tc.message)
			gkWantMessage(t, svc.DeleteAccountAlias(ctx, root, &iamtypes.DeleteAccountAliasRequest{AccountAlias: tc.alias}), "ValidationError", tc.message)
		})
	}
}

func TestAccountSummary(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	for i := 0; i < 3; i++ {
		gkCreateUser(t, svc, root, fmt.Sprintf("u%d", i))
	}
	gkCreateGroup(t, svc, root, "g", "/")
	out, err := svc.GetAccountSummary(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	m := out.SummaryMap
	for _, k := range iamtypes.SummaryKeyType("").Values() {
		if _, ok := m[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	want := map[iamtypes.SummaryKeyType]int32{
		"Users": 3, "UsersQuota": 5000, "Groups": 1, "GroupsQuota": 300, "Roles": 0, "RolesQuota": 1000,
		"Policies": 0, "PoliciesQuota": 1500, "InstanceProfiles": 0, "InstanceProfilesQuota": 1000,
		"AccessKeysPerUserQuota": 2, "GroupsPerUserQuota": 10, "AttachedPoliciesPerUserQuota": 10,
		"AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10, "PolicyVersionsInUseQuota": 10000,
		"ServerCertificatesQuota": 20, "VersionsPerPolicyQuota": 5, "PolicySizeQuota": 6144, "UserPolicySizeQuota": 2048,
		"GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240, "AssumeRolePolicySizeQuota": 2048,
		"SigningCertificatesPerUserQuota": 2, "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "MFADevices": 0,
		"PolicyVersionsInUse": 0,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %d, want %d", k, m[k], v)
		}
	}
}

func TestAccountOperationsAuthorizeOnStar(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	deny := func(action string) string {
		return "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: " + action + " on resource: * because no identity-based policy allows the " + action + " action"
	}
	_, err := svc.ListAccountAliases(ctx, bob, &iamtypes.ListAccountAliasesRequest{})
	gkWantMessage(t, err, "AccessDenied", deny("iam:ListAccountAliases"))
	gkWantMessage(t, svc.CreateAccountAlias(ctx, bob, &iamtypes.CreateAccountAliasRequest{AccountAlias: "bobs"}), "AccessDenied", deny("iam:CreateAccountAlias"))
	gkWantMessage(t, svc.DeleteAccountAlias(ctx, bob, &iamtypes.DeleteAccountAliasRequest{AccountAlias: "bobs"}), "AccessDenied", deny("iam:DeleteAccountAlias"))
	_, err = svc.GetAccountSummary(ctx, bob)
	gkWantMessage(t, err, "AccessDenied", deny("iam:GetAccountSummary"))
	if got := gkAliases(t, svc, root); got != "" {
		t.Fatalf("a denied create set an alias: %q", got)
	}

	// Reading is allowed, writing is not.
	gkGrant(t, svc, root, bob, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListAccountAliases","iam:GetAccountSummary"],"Resource":"*"}]}`)
	if got := gkAliases(t, svc, bob); got != "" {
		t.Fatalf("aliases %q", got)
	}
	if out, err := svc.GetAccountSummary(ctx, bob); err != nil || out.SummaryMap["Users"] != 1 || out.SummaryMap["Groups"] != 1 {
		t.Fatalf("summary: %+v %v", out, err)
	}
	wantCode(t, svc.CreateAccountAlias(ctx, bob, &iamtypes.CreateAccountAliasRequest{AccountAlias: "bobs"}), "AccessDenied")
}
