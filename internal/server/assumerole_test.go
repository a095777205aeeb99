package server_test

import (
	"context"
	"strings"
	"testing"
)

// assumeRoleOut is the AWS CLI's output of sts assume-role.
type assumeRoleOut struct {
	Credentials      sessionCreds
	AssumedRoleUser  struct{ AssumedRoleId, Arn string }
	PackedPolicySize *int
}

func trustDoc(principal, extra string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal +
		`"},"Action":["sts:AssumeRole","sts:TagSession"]` + extra + `}]}`
}

const allowAssumeAny = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`

// TestAWSCLIAssumeRole drives AssumeRole through the AWS CLI: same-account and cross-account trust, ExternalId,
// duration limits, role chaining, session policies, session tags and the session's identity.
func TestAWSCLIAssumeRole(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	alice := credsUserWithKey(t, s, "alice")
	bob := credsUserWithKey(t, s, "bob")
	aliceARN := "arn:aws:iam::" + account + ":user/alice"
	rootARN := "arn:aws:iam::" + account + ":root"
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume", "--policy-document", allowAssumeAny)
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "acct", "--assume-role-policy-document", trustDoc(rootARN, ""))
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "direct", "--assume-role-policy-document", trustDoc(aliceARN, ""))
	roleARN := func(name string) string { return "arn:aws:iam::" + account + ":role/" + name }

	var first assumeRoleOut
	t.Run("same-account", func(t *testing.T) {
		s.mustCLI(t, alice, &first, "sts", "assume-role", "--role-arn", roleARN("acct"), "--role-session-name", "s1")
		if !strings.HasPrefix(first.Credentials.AccessKeyId, "ASIA") || first.Credentials.SessionToken == "" {
			t.Fatalf("credentials %+v", first.Credentials)
		}
		if want := "arn:aws:sts::" + account + ":assumed-role/acct/s1"; first.AssumedRoleUser.Arn != want || !strings.HasSuffix(first.AssumedRoleUser.AssumedRoleId, ":s1") {
			t.Fatalf("assumed role user %+v", first.AssumedRoleUser)
		}
		out, errOut, code := s.awsCLI(t, bob, "sts", "assume-role", "--role-arn", roleARN("acct"), "--role-session-name", "s1")
		wantCLIError(t, out, errOut, code, "AccessDenied", "User: arn:aws:iam::"+account+":user/bob is not authorized to perform: sts:AssumeRole on resource: "+roleARN("acct"))
		// A trust policy naming the user suffices without an identity-based allow.
		s.mustCLI(t, rootCreds, nil, "iam", "update-assume-role-policy", "--role-name", "direct", "--policy-document", trustDoc("arn:aws:iam::"+account+":user/bob", ""))
		s.mustCLI(t, bob, nil, "sts", "assume-role", "--role-arn", roleARN("direct"), "--role-session-name", "s-b")
		out, errOut, code = s.awsCLI(t, bob, "sts", "assume-role", "--role-arn", roleARN("missing"), "--role-session-name", "s-b")
		wantCLIError(t, out, errOut, code, "AccessDenied", "sts:AssumeRole")
	})

	t.Run("caller-identity", func(t *testing.T) {
		out, errOut, code := s.sessionCLI(t, first.Credentials, "sts", "get-caller-identity")
		if code != 0 || !strings.Contains(out, `"arn:aws:sts::`+account+`:assumed-role/acct/s1"`) {
			t.Fatalf("exit %d %s %s", code, out, errOut)
		}
		var role struct {
			Role struct {
				RoleLastUsed struct{ LastUsedDate, Region string }
			}
		}
		s.mustCLI(t, rootCreds, &role, "iam", "get-role", "--role-name", "acct")
		if role.Role.RoleLastUsed.LastUsedDate == "" || role.Role.RoleLastUsed.Region != "us-east-1" {
			t.Fatalf("RoleLastUsed %+v", role.Role.RoleLastUsed)
		}
	})

	t.Run("cross-account", func(t *testing.T) {
		if _, err := s.srv.IAM.EnsureAccount(context.Background(), "111122223333", "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"); err != nil {
			t.Fatal(err)
		}
		other := creds{"AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"}
		s.mustCLI(t, other, nil, "iam", "create-role", "--role-name", "partner", "--assume-role-policy-document",
			trustDoc(rootARN, `,"Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}`))
		partner := "arn:aws:iam::111122223333:role/partner"
		var out assumeRoleOut
		s.mustCLI(t, alice, &out, "sts", "assume-role", "--role-arn", partner, "--role-session-name", "s-x", "--external-id", "xyz")
		if out.AssumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/partner/s-x" {
			t.Fatalf("arn %s", out.AssumedRoleUser.Arn)
		}
		for _, extra := range [][]string{nil, {"--external-id", "abc"}} {
			o, e, code := s.awsCLI(t, alice, append([]string{"sts", "assume-role", "--role-arn", partner, "--role-session-name", "s-x"}, extra...)...)
			wantCLIError(t, o, e, code, "AccessDenied", "not authorized to perform: sts:AssumeRole on resource: "+partner)
		}
		// bob has no identity-based allow: the other account's trust is not enough.
		o, e, code := s.awsCLI(t, bob, "sts", "assume-role", "--role-arn", partner, "--role-session-name", "s-x", "--external-id", "xyz")
		wantCLIError(t, o, e, code, "AccessDenied", "sts:AssumeRole")
	})

	t.Run("duration", func(t *testing.T) {
		o, e, code := s.awsCLI(t, alice, "sts", "assume-role", "--role-arn", roleARN("acct"), "--role-session-name", "s-d", "--duration-seconds", "7200")
		wantCLIError(t, o, e, code, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	})

	t.Run("chaining", func(t *testing.T) {
		s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "next", "--max-session-duration", "43200",
			"--assume-role-policy-document", trustDoc(rootARN, ""))
		s.mustCLI(t, rootCreds, nil, "iam", "put-role-policy", "--role-name", "acct", "--policy-name", "assume", "--policy-document", allowAssumeAny)
		o, e, code := s.sessionCLI(t, first.Credentials, "sts", "assume-role", "--role-arn", roleARN("next"), "--role-session-name", "s-c", "--duration-seconds", "7200")
		wantCLIError(t, o, e, code, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
		o, e, code = s.sessionCLI(t, first.Credentials, "sts", "assume-role", "--role-arn", roleARN("next"), "--role-session-name", "s-c", "--duration-seconds", "3600")
		if code != 0 || !strings.Contains(o, "assumed-role/next/s-c") {
			t.Fatalf("exit %d %s %s", code, o, e)
		}
	})

	t.Run("session-policy", func(t *testing.T) {
		s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "lister", "--assume-role-policy-document", trustDoc(aliceARN, ""))
		s.mustCLI(t, rootCreds, nil, "iam", "put-role-policy", "--role-name", "lister", "--policy-name", "list", "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}`)
		var plain, narrowed assumeRoleOut
		s.mustCLI(t, alice, &plain, "sts", "assume-role", "--role-arn", roleARN("lister"), "--role-session-name", "s-p")
		if o, e, code := s.sessionCLI(t, plain.Credentials, "iam", "list-users"); code != 0 {
			t.Fatalf("role session list-users: exit %d %s %s", code, o, e)
		}
		s.mustCLI(t, alice, &narrowed, "sts", "assume-role", "--role-arn", roleARN("lister"), "--role-session-name", "s-n", "--policy",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)
		if narrowed.PackedPolicySize == nil || *narrowed.PackedPolicySize <= 0 || *narrowed.PackedPolicySize > 100 {
			t.Fatalf("PackedPolicySize %v", narrowed.PackedPolicySize)
		}
		o, e, code := s.sessionCLI(t, narrowed.Credentials, "iam", "list-users")
		wantCLIError(t, o, e, code, "AccessDenied", "assumed-role/lister/s-n is not authorized to perform: iam:ListUsers")
		if o, e, code := s.sessionCLI(t, narrowed.Credentials, "iam", "list-roles"); code != 0 {
			t.Fatalf("list-roles: exit %d %s %s", code, o, e)
		}
		o, e, code = s.awsCLI(t, alice, "sts", "assume-role", "--role-arn", roleARN("lister"), "--role-session-name", "s-n", "--policy", `{"Statement":[`)
		wantCLIError(t, o, e, code, "MalformedPolicyDocument", "")
	})

	t.Run("session-tags", func(t *testing.T) {
		s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "tagged", "--assume-role-policy-document", trustDoc(aliceARN, ""))
		s.mustCLI(t, rootCreds, nil, "iam", "put-role-policy", "--role-name", "tagged", "--policy-name", "list", "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)
		var blue, red assumeRoleOut
		s.mustCLI(t, alice, &blue, "sts", "assume-role", "--role-arn", roleARN("tagged"), "--role-session-name", "blue", "--tags", "Key=team,Value=blue")
		s.mustCLI(t, alice, &red, "sts", "assume-role", "--role-arn", roleARN("tagged"), "--role-session-name", "red", "--tags", "Key=team,Value=red")
		if o, e, code := s.sessionCLI(t, blue.Credentials, "iam", "list-users"); code != 0 {
			t.Fatalf("blue: exit %d %s %s", code, o, e)
		}
		o, e, code := s.sessionCLI(t, red.Credentials, "iam", "list-users")
		wantCLIError(t, o, e, code, "AccessDenied", "iam:ListUsers")
	})

	t.Run("role-deleted", func(t *testing.T) {
		var out assumeRoleOut
		s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "gone", "--assume-role-policy-document", trustDoc(aliceARN, ""))
		s.mustCLI(t, alice, &out, "sts", "assume-role", "--role-arn", roleARN("gone"), "--role-session-name", "s-g")
		s.mustCLI(t, rootCreds, nil, "iam", "delete-role", "--role-name", "gone")
		// As on AWS, the credentials authenticate until they expire (GetCallerIdentity needs no permission), but
		// the deleted role's permissions are gone.
		o, e, code := s.sessionCLI(t, out.Credentials, "sts", "get-caller-identity")
		if code != 0 || !strings.Contains(o, "assumed-role/gone/s-g") {
			t.Fatalf("get-caller-identity with a deleted role's session: exit %d %s %s", code, o, e)
		}
		o, e, code = s.sessionCLI(t, out.Credentials, "iam", "list-users")
		wantCLIError(t, o, e, code, "AccessDenied", "assumed-role/gone/s-g is not authorized to perform: iam:ListUsers")
	})
}
