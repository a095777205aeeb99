package server_test

import (
	"strings"
	"testing"
)

// TestAWSCLIAssumeRoot drives centralized root access with the AWS CLI: trusted access for IAM, root sessions
// enabled, then a management-account admin takes a privileged root session of a member account limited by the
// IAMAuditRootUserCredentials task policy.
func TestAWSCLIAssumeRoot(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	s.mustCLI(t, rootCreds, nil, "organizations", "create-organization")
	var st struct{ CreateAccountStatus struct{ AccountId string } }
	s.mustCLI(t, rootCreds, &st, "organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev")
	member := st.CreateAccountStatus.AccountId
	admin := credsUserWithKey(t, s, "admin")
	s.mustCLI(t, rootCreds, nil, "iam", "attach-user-policy", "--user-name", "admin", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	audit := "arn=arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"

	o, e, code := s.awsCLI(t, rootCreds, "iam", "enable-organizations-root-sessions")
	wantCLIError(t, o, e, code, "ServiceAccessNotEnabledException", "trusted access")
	s.mustCLI(t, rootCreds, nil, "organizations", "enable-aws-service-access", "--service-principal", "iam.amazonaws.com")
	o, e, code = s.awsCLI(t, admin, "sts", "assume-root", "--target-principal", member, "--task-policy-arn", audit)
	wantCLIError(t, o, e, code, "AccessDenied", "sts:AssumeRoot") // root sessions not enabled yet
	var feats struct {
		OrganizationId  string
		EnabledFeatures []string
	}
	s.mustCLI(t, rootCreds, &feats, "iam", "enable-organizations-root-sessions")
	if len(feats.EnabledFeatures) != 1 || feats.EnabledFeatures[0] != "RootSessions" || !strings.HasPrefix(feats.OrganizationId, "o-") {
		t.Fatalf("enable-organizations-root-sessions: %+v", feats)
	}
	o, e, code = s.awsCLI(t, rootCreds, "sts", "assume-root", "--target-principal", member, "--task-policy-arn", audit)
	wantCLIError(t, o, e, code, "AccessDenied", "sts:AssumeRoot") // not with root user credentials

	var out struct{ Credentials sessionCreds }
	s.mustCLI(t, admin, &out, "sts", "assume-root", "--target-principal", member, "--task-policy-arn", audit, "--duration-seconds", "900")
	o, e, code = s.sessionCLI(t, out.Credentials, "sts", "get-caller-identity")
	if code != 0 || !strings.Contains(o, `"arn:aws:iam::`+member+`:root"`) {
		t.Fatalf("get-caller-identity: exit %d %s %s", code, o, e)
	}
	if o, e, code := s.sessionCLI(t, out.Credentials, "iam", "list-access-keys"); code != 0 {
		t.Fatalf("list-access-keys in the root session: exit %d %s %s", code, o, e)
	}
	o, e, code = s.sessionCLI(t, out.Credentials, "iam", "create-user", "--user-name", "intruder")
	wantCLIError(t, o, e, code, "AccessDenied", "with an explicit deny in an identity-based policy")
}
