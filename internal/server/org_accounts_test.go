package server_test

import (
	"strings"
	"testing"
)

// TestAWSCLIOrganizationAccounts drives Organizations accounts and handshakes through the AWS CLI: an account made
// with CreateAccount and entered through its OrganizationAccountAccessRole, a standalone account invited and
// joining, paging, delegated administrators, leaving (and an SCP that forbids it) and AWS's errors.
func TestAWSCLIOrganizationAccounts(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	standalone, alone := standaloneAccount(t, s)
	var org struct{ Organization struct{ Id string } }
	s.mustCLI(t, rootCreds, &org, "organizations", "create-organization")

	// CreateAccount completes at once
	var created struct {
		CreateAccountStatus struct{ Id, State, AccountId, AccountName string }
	}
	s.mustCLI(t, rootCreds, &created, "organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev")
	st := created.CreateAccountStatus
	if st.State != "SUCCEEDED" || len(st.AccountId) != 12 || !strings.HasPrefix(st.Id, "car-") {
		t.Fatalf("create-account %+v", st)
	}
	var status struct {
		CreateAccountStatus struct{ State, AccountId string }
	}
	s.mustCLI(t, rootCreds, &status, "organizations", "describe-create-account-status", "--create-account-request-id", st.Id)
	if status.CreateAccountStatus.State != "SUCCEEDED" || status.CreateAccountStatus.AccountId != st.AccountId {
		t.Fatalf("describe-create-account-status %+v", status)
	}

	// an administrator of the management account enters the new account through OrganizationAccountAccessRole
	// (AWS lets no root user assume a role)
	admin := credsUserWithKey(t, s, "admin")
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "admin", "--policy-name", "assume", "--policy-document", allowAssumeAny)
	var assumed assumeRoleOut
	s.mustCLI(t, admin, &assumed, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+st.AccountId+":role/OrganizationAccountAccessRole",
		"--role-session-name", "admin")
	out, errOut, code := s.sessionCLI(t, assumed.Credentials, "iam", "list-roles")
	if code != 0 || !strings.Contains(out, "arn:aws:iam::"+st.AccountId+":role/OrganizationAccountAccessRole") {
		t.Fatalf("list-roles in the new account: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code := s.sessionCLI(t, assumed.Credentials, "iam", "create-user", "--user-name", "made-by-admin"); code != 0 {
		t.Fatalf("create-user with AdministratorAccess: exit %d\n%s\n%s", code, out, errOut)
	}

	// a standalone account is invited and accepts
	var inv struct {
		Handshake struct{ Id, State, Action, Arn string }
	}
	s.mustCLI(t, rootCreds, &inv, "organizations", "invite-account-to-organization", "--target", "Id="+standalone+",Type=ACCOUNT",
		"--notes", "welcome")
	if inv.Handshake.State != "OPEN" || inv.Handshake.Action != "INVITE" ||
		!strings.HasPrefix(inv.Handshake.Arn, "arn:aws:organizations::"+account+":handshake/"+org.Organization.Id+"/invite/h-") {
		t.Fatalf("invite %+v", inv)
	}
	o, e, c := s.awsCLI(t, rootCreds, "organizations", "invite-account-to-organization", "--target", "Id="+standalone+",Type=ACCOUNT")
	wantCLIError(t, o, e, c, "DuplicateHandshakeException", "A handshake with the same action and target already exists")

	var hs struct{ Handshakes []struct{ Id, State string } }
	s.mustCLI(t, alone, &hs, "organizations", "list-handshakes-for-account")
	if len(hs.Handshakes) != 1 || hs.Handshakes[0].Id != inv.Handshake.Id {
		t.Fatalf("list-handshakes-for-account %+v", hs)
	}
	s.mustCLI(t, rootCreds, &hs, "organizations", "list-handshakes-for-organization", "--filter", "ActionType=INVITE")
	if len(hs.Handshakes) != 1 {
		t.Fatalf("list-handshakes-for-organization %+v", hs)
	}
	var acc struct{ Handshake struct{ State string } }
	s.mustCLI(t, alone, &acc, "organizations", "accept-handshake", "--handshake-id", inv.Handshake.Id)
	if acc.Handshake.State != "ACCEPTED" {
		t.Fatalf("accept-handshake %+v", acc)
	}
	o, e, c = s.awsCLI(t, alone, "organizations", "accept-handshake", "--handshake-id", inv.Handshake.Id)
	wantCLIError(t, o, e, c, "HandshakeAlreadyInStateException", "already in the requested state")

	// three accounts, also when the CLI pages one at a time
	var accounts struct {
		Accounts []struct{ Id, JoinedMethod string }
	}
	s.mustCLI(t, rootCreds, &accounts, "organizations", "list-accounts", "--page-size", "1")
	if len(accounts.Accounts) != 3 {
		t.Fatalf("list-accounts %+v", accounts)
	}
	var desc struct {
		Account struct{ Id, JoinedMethod, Status string }
	}
	s.mustCLI(t, rootCreds, &desc, "organizations", "describe-account", "--account-id", standalone)
	if desc.Account.JoinedMethod != "INVITED" || desc.Account.Status != "ACTIVE" {
		t.Fatalf("describe-account %+v", desc)
	}

	// errors
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "describe-account", "--account-id", "999999999999")
	wantCLIError(t, o, e, c, "AccountNotFoundException", "You specified an account that doesn't exist.")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "remove-account-from-organization", "--account-id", account)
	wantCLIError(t, o, e, c, "MasterCannotLeaveOrganizationException", "You can't remove a management account")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "leave-organization")
	wantCLIError(t, o, e, c, "MasterCannotLeaveOrganizationException", "management account")
	o, e, c = s.awsCLI(t, rootCreds, "organizations", "remove-account-from-organization", "--account-id", st.AccountId)
	wantCLIError(t, o, e, c, "ConstraintViolationException", "standalone account")
	o, e, c = s.awsCLI(t, alone, "organizations", "list-accounts")
	wantCLIError(t, o, e, c, "AccessDeniedException", "")

	// a delegated administrator reads the organization
	s.mustCLI(t, rootCreds, nil, "organizations", "enable-aws-service-access", "--service-principal", "guardduty.amazonaws.com")
	s.mustCLI(t, rootCreds, nil, "organizations", "register-delegated-administrator", "--account-id", standalone,
		"--service-principal", "guardduty.amazonaws.com")
	s.mustCLI(t, alone, &accounts, "organizations", "list-accounts")
	if len(accounts.Accounts) != 3 {
		t.Fatalf("delegated list-accounts %+v", accounts)
	}
	var admins struct{ DelegatedAdministrators []struct{ Id string } }
	s.mustCLI(t, rootCreds, &admins, "organizations", "list-delegated-administrators")
	if len(admins.DelegatedAdministrators) != 1 || admins.DelegatedAdministrators[0].Id != standalone {
		t.Fatalf("list-delegated-administrators %+v", admins)
	}
	o, e, c = s.awsCLI(t, alone, "organizations", "leave-organization")
	wantCLIError(t, o, e, c, "ConstraintViolationException", "delegated administrator")
	s.mustCLI(t, rootCreds, nil, "organizations", "deregister-delegated-administrator", "--account-id", standalone,
		"--service-principal", "guardduty.amazonaws.com")

	// an SCP that denies organizations:LeaveOrganization stops the member; without it, the member leaves
	var roots struct{ Roots []struct{ Id string } }
	s.mustCLI(t, rootCreds, &roots, "organizations", "list-roots")
	s.mustCLI(t, rootCreds, nil, "organizations", "enable-policy-type", "--root-id", roots.Roots[0].Id, "--policy-type", "SERVICE_CONTROL_POLICY")
	var pol struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--name", "stay", "--description", "no leaving",
		"--type", "SERVICE_CONTROL_POLICY", "--content",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", standalone)
	o, e, c = s.awsCLI(t, alone, "organizations", "leave-organization")
	wantCLIError(t, o, e, c, "AccessDeniedException", "")
	s.mustCLI(t, rootCreds, nil, "organizations", "detach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", standalone)
	s.mustCLI(t, alone, nil, "organizations", "leave-organization")
	o, e, c = s.awsCLI(t, alone, "organizations", "describe-organization")
	wantCLIError(t, o, e, c, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")

	// invited again, then removed by the management account
	s.mustCLI(t, rootCreds, &inv, "organizations", "invite-account-to-organization", "--target", "Id="+standalone+",Type=ACCOUNT")
	s.mustCLI(t, alone, nil, "organizations", "accept-handshake", "--handshake-id", inv.Handshake.Id)
	s.mustCLI(t, rootCreds, nil, "organizations", "remove-account-from-organization", "--account-id", standalone)
	s.mustCLI(t, rootCreds, &accounts, "organizations", "list-accounts")
	if len(accounts.Accounts) != 2 {
		t.Fatalf("after removal %+v", accounts)
	}
}
