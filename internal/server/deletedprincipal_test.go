package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// tempCreds are temporary credentials read from an STS response.
type tempCreds struct{ id, secret, token string }

var (
	reAccessKeyID  = regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`)
	reSecretKey    = regexp.MustCompile(`<SecretAccessKey>([^<]+)</SecretAccessKey>`)
	reSessionToken = regexp.MustCompile(`<SessionToken>([^<]+)</SessionToken>`)
)

// mustTempCreds sends an STS request that issues credentials and returns them.
func (s *testServer) mustTempCreds(t *testing.T, c creds, params url.Values) tempCreds {
	t.Helper()
	code, body := s.call(t, c, "sts", params)
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", params.Get("Action"), code, body)
	}
	id, sk, tok := reAccessKeyID.FindStringSubmatch(body), reSecretKey.FindStringSubmatch(body), reSessionToken.FindStringSubmatch(body)
	if id == nil || sk == nil || tok == nil {
		t.Fatalf("%s: no credentials in %s", params.Get("Action"), body)
	}
	return tempCreds{id[1], sk[1], tok[1]}
}

// callTemp is call signed with temporary credentials, at the real time.
func (s *testServer) callTemp(t testing.TB, c tempCreds, service string, params url.Values) (int, string) {
	t.Helper()
	return s.callSigned(t, sigv4.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret, SessionToken: c.token}, service, params)
}

func mustOK(t *testing.T, what string, code int, body string) {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", what, code, body)
	}
}

func wantAccessDenied(t *testing.T, what string, code int, body, msg string) {
	t.Helper()
	if code != http.StatusForbidden || !strings.Contains(body, "<Code>AccessDenied</Code>") || !strings.Contains(body, msg) {
		t.Fatalf("%s: %d %s, want 403 AccessDenied with %q", what, code, body, msg)
	}
}

const allowEverything = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// TestDeletedRoleSessionAuthenticatesButIsDenied: as on AWS, a role session outlives its role until it expires:
// its calls authenticate and are refused AccessDenied (not InvalidClientTokenId), GetCallerIdentity still answers,
// and a new role of the same name (another unique ID) lends the old session none of its permissions.
func TestDeletedRoleSessionAuthenticatesButIsDenied(t *testing.T) {
	s := startServer(t)
	alice := credsUserWithKey(t, s, "alice")
	aliceARN := "arn:aws:iam::" + account + ":user/alice"
	code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"PutUserPolicy"}, "UserName": {"alice"}, "PolicyName": {"assume"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`}})
	mustOK(t, "allow alice to assume", code, body)
	createRole := func(t *testing.T, name, trust string) {
		t.Helper()
		code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {name}, "AssumeRolePolicyDocument": {trust}})
		mustOK(t, "CreateRole "+name, code, body)
	}
	createRole(t, "ops", trustDoc(aliceARN, ""))
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"ops"}, "PolicyName": {"list"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"}]}`}})
	mustOK(t, "PutRolePolicy", code, body)
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"AttachRolePolicy"}, "RoleName": {"ops"}, "PolicyArn": {"arn:aws:iam::aws:policy/IAMReadOnlyAccess"}})
	mustOK(t, "AttachRolePolicy", code, body)
	roleARN := "arn:aws:iam::" + account + ":role/ops"
	old := s.mustTempCreds(t, alice, url.Values{"Action": {"AssumeRole"}, "RoleArn": {roleARN}, "RoleSessionName": {"s1"}})
	code, body = s.callTemp(t, old, "iam", url.Values{"Action": {"ListUsers"}})
	mustOK(t, "ListUsers before the role is deleted", code, body)

	// A third role trusts the session's own ARN: a resource-based policy naming the session must not let a deleted
	// role's session in either.
	sessionARN := "arn:aws:sts::" + account + ":assumed-role/ops/s1"
	createRole(t, "next", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+sessionARN+`"},"Action":"sts:AssumeRole"}]}`)

	// Delete the role as AWS requires: policies first.
	for _, p := range []url.Values{
		{"Action": {"DeleteRolePolicy"}, "RoleName": {"ops"}, "PolicyName": {"list"}},
		{"Action": {"DetachRolePolicy"}, "RoleName": {"ops"}, "PolicyArn": {"arn:aws:iam::aws:policy/IAMReadOnlyAccess"}},
		{"Action": {"DeleteRole"}, "RoleName": {"ops"}},
	} {
		code, body := s.call(t, rootCreds, "iam", p)
		mustOK(t, p.Get("Action"), code, body)
	}
	checkDenied := func(t *testing.T) {
		t.Helper()
		code, body := s.callTemp(t, old, "iam", url.Values{"Action": {"ListUsers"}})
		wantAccessDenied(t, "ListUsers with a deleted role's session", code, body, sessionARN+" is not authorized to perform: iam:ListUsers")
		code, body = s.callTemp(t, old, "sts", url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::" + account + ":role/next"}, "RoleSessionName": {"chain"}})
		wantAccessDenied(t, "AssumeRole with a deleted role's session", code, body, "sts:AssumeRole")
		// GetCallerIdentity needs no permission (STS API reference): the credentials still say who they are.
		code, body = s.callTemp(t, old, "sts", url.Values{"Action": {"GetCallerIdentity"}})
		if code != http.StatusOK || !strings.Contains(body, "<Arn>"+sessionARN+"</Arn>") {
			t.Fatalf("GetCallerIdentity with a deleted role's session: %d %s", code, body)
		}
	}
	t.Run("deleted", checkDenied)

	// A new role of the same name allows everything; the old session is bound to the old role's unique ID.
	t.Run("recreated", func(t *testing.T) {
		createRole(t, "ops", trustDoc(aliceARN, ""))
		code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"ops"}, "PolicyName": {"all"}, "PolicyDocument": {allowEverything}})
		mustOK(t, "PutRolePolicy on the new role", code, body)
		checkDenied(t)
		fresh := s.mustTempCreds(t, alice, url.Values{"Action": {"AssumeRole"}, "RoleArn": {roleARN}, "RoleSessionName": {"s1"}})
		code, body = s.callTemp(t, fresh, "iam", url.Values{"Action": {"ListUsers"}})
		mustOK(t, "ListUsers with a session of the new role", code, body)
		checkDenied(t) // and the new role's session, of the very same ARN, changes nothing for the old one
	})
}

// TestDeletedUserSessionAuthenticatesButIsDenied: GetSessionToken credentials of an IAM user outlive the user until
// they expire, with no permission left, also when a new user of the same name exists.
func TestDeletedUserSessionAuthenticatesButIsDenied(t *testing.T) {
	s := startServer(t)
	bob := credsUserWithKey(t, s, "bob")
	bobARN := "arn:aws:iam::" + account + ":user/bob"
	code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"PutUserPolicy"}, "UserName": {"bob"}, "PolicyName": {"all"}, "PolicyDocument": {allowEverything}})
	mustOK(t, "PutUserPolicy", code, body)
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"target"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`}})
	mustOK(t, "CreateRole", code, body)
	targetARN := "arn:aws:iam::" + account + ":role/target"
	sess := s.mustTempCreds(t, bob, url.Values{"Action": {"GetSessionToken"}})
	code, body = s.callTemp(t, sess, "sts", url.Values{"Action": {"AssumeRole"}, "RoleArn": {targetARN}, "RoleSessionName": {"before"}})
	mustOK(t, "AssumeRole with bob's session", code, body)

	for _, p := range []url.Values{
		{"Action": {"DeleteAccessKey"}, "UserName": {"bob"}, "AccessKeyId": {bob.id}},
		{"Action": {"DeleteUserPolicy"}, "UserName": {"bob"}, "PolicyName": {"all"}},
		{"Action": {"DeleteUser"}, "UserName": {"bob"}},
	} {
		code, body := s.call(t, rootCreds, "iam", p)
		mustOK(t, p.Get("Action"), code, body)
	}
	checkDenied := func(t *testing.T) {
		t.Helper()
		code, body := s.callTemp(t, sess, "sts", url.Values{"Action": {"AssumeRole"}, "RoleArn": {targetARN}, "RoleSessionName": {"after"}})
		wantAccessDenied(t, "AssumeRole with a deleted user's session", code, body, bobARN+" is not authorized to perform: sts:AssumeRole")
		code, body = s.callTemp(t, sess, "sts", url.Values{"Action": {"GetCallerIdentity"}})
		if code != http.StatusOK || !strings.Contains(body, "<Arn>"+bobARN+"</Arn>") {
			t.Fatalf("GetCallerIdentity with a deleted user's session: %d %s", code, body)
		}
	}
	t.Run("deleted", checkDenied)
	t.Run("recreated", func(t *testing.T) {
		for _, p := range []url.Values{
			{"Action": {"CreateUser"}, "UserName": {"bob"}},
			{"Action": {"PutUserPolicy"}, "UserName": {"bob"}, "PolicyName": {"all"}, "PolicyDocument": {allowEverything}},
		} {
			code, body := s.call(t, rootCreds, "iam", p)
			mustOK(t, p.Get("Action"), code, body)
		}
		checkDenied(t)
	})
}
