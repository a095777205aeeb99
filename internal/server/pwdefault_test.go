package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDefaultPasswordPolicyAppliesWithoutAccountPolicy: with no account password policy, AWS applies its default
// policy (at least 8 characters, three of the four character kinds, not the account's name) to CreateLoginProfile,
// UpdateLoginProfile and ChangePassword, and GetAccountPasswordPolicy still answers NoSuchEntity.
func TestDefaultPasswordPolicyAppliesWithoutAccountPolicy(t *testing.T) {
	s := startServer(t)
	pat := credsUserWithKey(t, s, "pat")
	// pat may change her own password
	if code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"PutUserPolicy"}, "UserName": {"pat"}, "PolicyName": {"pw"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"*"}]}`}}); code != http.StatusOK {
		t.Fatalf("PutUserPolicy: %d %s", code, body)
	}
	if code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateAccountAlias"}, "AccountAlias": {"example-corp"}}); code != http.StatusOK {
		t.Fatalf("CreateAccountAlias: %d %s", code, body)
	}
	violation := func(t *testing.T, code int, body, msg string) {
		t.Helper()
		if code != http.StatusBadRequest || !strings.Contains(body, "<Code>PasswordPolicyViolation</Code>") ||
			!strings.Contains(body, "<Message>"+msg+"</Message>") {
			t.Fatalf("got %d %s, want 400 PasswordPolicyViolation %q", code, body, msg)
		}
	}
	for _, tc := range []struct{ name, password, msg string }{
		{"five characters", "Ab1!x", "Password should have a minimum length of 8"},
		{"two kinds", "abcdefgh12", "Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol"},
		{"one kind", "abcdefghij", "Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol"},
		{"account ID", account, "Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one lowercase letter, Password should have at least one symbol"},
		{"account alias", "Example-Corp", "Password should not be identical to the account name or email address"},
	} {
		t.Run("create/"+tc.name, func(t *testing.T) {
			code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"pat"}, "Password": {tc.password}})
			violation(t, code, body, tc.msg)
		})
	}
	const good, better = "Horse-battery-9", "staple9CORRECT"
	if code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"pat"}, "Password": {good}}); code != http.StatusOK {
		t.Fatalf("CreateLoginProfile with a password of three kinds: %d %s", code, body)
	}
	code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"UpdateLoginProfile"}, "UserName": {"pat"}, "Password": {"short"}})
	violation(t, code, body, "Password should have a minimum length of 8")
	code, body = s.call(t, pat, "iam", url.Values{"Action": {"ChangePassword"}, "OldPassword": {good}, "NewPassword": {"alllowercase"}})
	violation(t, code, body, "Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol")
	if code, body := s.call(t, pat, "iam", url.Values{"Action": {"ChangePassword"}, "OldPassword": {good}, "NewPassword": {better}}); code != http.StatusOK {
		t.Fatalf("ChangePassword to a password of three kinds: %d %s", code, body)
	}
	// the default policy is not a policy the account has set
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GetAccountPasswordPolicy"}})
	if code != http.StatusNotFound || !strings.Contains(body, "<Code>NoSuchEntity</Code>") {
		t.Fatalf("GetAccountPasswordPolicy without a policy: %d %s, want 404 NoSuchEntity", code, body)
	}
	// a custom policy replaces the default: 6 characters of one kind are then enough
	if code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"UpdateAccountPasswordPolicy"}, "MinimumPasswordLength": {"6"}}); code != http.StatusOK {
		t.Fatalf("UpdateAccountPasswordPolicy: %d %s", code, body)
	}
	if code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"UpdateLoginProfile"}, "UserName": {"pat"}, "Password": {"sixsix"}}); code != http.StatusOK {
		t.Fatalf("UpdateLoginProfile under a custom policy of 6: %d %s", code, body)
	}
}
