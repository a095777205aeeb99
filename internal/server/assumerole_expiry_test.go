package server_test

import (
	"testing"
	"time"
)

// TestAWSCLIExpiredRoleSession: a role session issued an hour ago for 15 minutes is refused with ExpiredToken,
// while a fresh one works.
func TestAWSCLIExpiredRoleSession(t *testing.T) {
	needRealClient(t, "aws")
	s, clk := startServerWithClock(t)
	alice := credsUserWithKey(t, s, "alice")
	aliceARN := "arn:aws:iam::" + account + ":user/alice"
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "ops", "--assume-role-policy-document", trustDoc(aliceARN, ""))
	roleARN := "arn:aws:iam::" + account + ":role/ops"

	var fresh, old assumeRoleOut
	s.mustCLI(t, alice, &fresh, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "now", "--duration-seconds", "900")
	clk.advance(-time.Hour)
	s.mustCLI(t, alice, &old, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "earlier", "--duration-seconds", "900")
	clk.advance(time.Hour)

	if o, e, code := s.sessionCLI(t, fresh.Credentials, "sts", "get-caller-identity"); code != 0 {
		t.Fatalf("fresh session: exit %d %s %s", code, o, e)
	}
	o, e, code := s.sessionCLI(t, old.Credentials, "sts", "get-caller-identity")
	wantCLIError(t, o, e, code, "ExpiredToken", "The security token included in the request is expired")
}
