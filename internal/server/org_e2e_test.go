package server_test

import (
	"context"
	"strings"
	"testing"
)

// TestOrganizationGuardrails is issue #7's end-to-end scenario with the AWS CLI: an organization with two OUs and
// three member accounts; a deny-list SCP (no leaving, no regions but two) and an allow-list SCP (FullAWSAccess
// replaced at one OU) change what the admin role of a member account may do, while the management account is
// unaffected; an RCP denying principals from outside the organization blocks an external account's principal
// that a role's trust policy would otherwise let in.
func TestOrganizationGuardrails(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	cli := func(c creds, v any, args ...string) { t.Helper(); s.mustCLI(t, c, v, args...) }

	var org struct{ Organization struct{ Id string } }
	cli(rootCreds, &org, "organizations", "create-organization", "--feature-set", "ALL")
	orgID := org.Organization.Id
	var roots struct{ Roots []struct{ Id string } }
	cli(rootCreds, &roots, "organizations", "list-roots")
	rootID := roots.Roots[0].Id
	cli(rootCreds, nil, "organizations", "enable-policy-type", "--root-id", rootID, "--policy-type", "SERVICE_CONTROL_POLICY")

	ou := func(name string) string {
		var out struct{ OrganizationalUnit struct{ Id string } }
		cli(rootCreds, &out, "organizations", "create-organizational-unit", "--parent-id", rootID, "--name", name)
		return out.OrganizationalUnit.Id
	}
	prodOU, sandboxOU := ou("Production"), ou("Sandbox")

	// three member accounts, created through the API: prod1 and prod2 in Production, sandbox1 in Sandbox
	members := map[string]string{}
	for _, m := range []struct{ name, ou string }{{"prod1", prodOU}, {"prod2", prodOU}, {"sandbox1", sandboxOU}} {
		var st struct {
			CreateAccountStatus struct{ Id, State, AccountId string }
		}
		cli(rootCreds, &st, "organizations", "create-account", "--email", m.name+"@example.com", "--account-name", m.name)
		cli(rootCreds, &st, "organizations", "describe-create-account-status", "--create-account-request-id", st.CreateAccountStatus.Id)
		if st.CreateAccountStatus.State != "SUCCEEDED" || len(st.CreateAccountStatus.AccountId) != 12 {
			t.Fatalf("create-account %s: %+v", m.name, st)
		}
		id := st.CreateAccountStatus.AccountId
		members[m.name] = id
		cli(rootCreds, nil, "organizations", "move-account", "--account-id", id, "--source-parent-id", rootID, "--destination-parent-id", m.ou)
	}
	var accounts struct{ Accounts []struct{ Id string } }
	cli(rootCreds, &accounts, "organizations", "list-accounts")
	if len(accounts.Accounts) != 4 {
		t.Fatalf("list-accounts: %+v", accounts)
	}

	// the management account's admin, and each member's admin role (assumed from it)
	admin := credsUserWithKey(t, s, "admin")
	cli(rootCreds, nil, "iam", "attach-user-policy", "--user-name", "admin", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	memberAdmin := func(name string) sessionCreds {
		var out struct{ Credentials sessionCreds }
		cli(admin, &out, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+members[name]+":role/OrganizationAccountAccessRole",
			"--role-session-name", "ops")
		return out.Credentials
	}
	prod1, sandbox1 := memberAdmin("prod1"), memberAdmin("sandbox1")
	mustSession := func(sc sessionCreds, args ...string) string {
		t.Helper()
		out, errOut, code := s.sessionCLI(t, sc, args...)
		if code != 0 {
			t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	mustSession(prod1, "iam", "create-user", "--user-name", "before-guardrails")

	// deny-list SCP at the root
	denyList := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"NoLeaving","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"},
	 {"Sid":"TwoRegions","Effect":"Deny","NotAction":["iam:*","organizations:*"],"Resource":"*",
	  "Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`
	var pol struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	cli(rootCreds, &pol, "organizations", "create-policy", "--name", "guardrails", "--description", "deny-list", "--type", "SERVICE_CONTROL_POLICY", "--content", denyList)
	cli(rootCreds, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", rootID)

	o, e, code := s.sessionCLI(t, prod1, "organizations", "leave-organization")
	wantCLIError(t, o, e, code, "AccessDeniedException", "with an explicit deny in a service control policy")
	// STS answers in the Region the CLI signs for; IAM is a global service, requested in us-east-1 from any Region
	// (which is why AWS's region-restricting SCP examples exempt iam:*).
	mustSession(prod1, "--region", "eu-west-1", "sts", "get-access-key-info", "--access-key-id", prod1.AccessKeyId)
	o, e, code = s.sessionCLI(t, prod1, "--region", "ap-south-1", "sts", "get-access-key-info", "--access-key-id", prod1.AccessKeyId)
	wantCLIError(t, o, e, code, "AccessDenied", "with an explicit deny in a service control policy")
	mustSession(prod1, "--region", "ap-south-1", "iam", "list-users")
	// the management account is unaffected
	if o, e, code := s.awsCLI(t, admin, "--region", "ap-south-1", "sts", "get-access-key-info", "--access-key-id", admin.id); code != 0 {
		t.Fatalf("management account in ap-south-1: exit %d %s %s", code, o, e)
	}

	// allow-list at the Sandbox OU: FullAWSAccess detached and replaced
	allowList := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","sts:*","organizations:Describe*"],"Resource":"*"}]}`
	var allow struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	cli(rootCreds, &allow, "organizations", "create-policy", "--name", "sandbox-allow-list", "--description", "allow-list", "--type", "SERVICE_CONTROL_POLICY", "--content", allowList)
	cli(rootCreds, nil, "organizations", "attach-policy", "--policy-id", allow.Policy.PolicySummary.Id, "--target-id", sandboxOU)
	cli(rootCreds, nil, "organizations", "detach-policy", "--policy-id", "p-FullAWSAccess", "--target-id", sandboxOU)

	mustSession(sandbox1, "iam", "list-users")
	o, e, code = s.sessionCLI(t, sandbox1, "iam", "create-user", "--user-name", "not-allowed")
	wantCLIError(t, o, e, code, "AccessDenied", "because no service control policy allows the iam:CreateUser action")
	mustSession(prod1, "iam", "create-user", "--user-name", "still-allowed") // Production keeps FullAWSAccess
	if _, _, code := s.awsCLI(t, admin, "iam", "create-user", "--user-name", "mgmt-user"); code != 0 {
		t.Fatal("the management account is limited by SCPs")
	}

	// RCP: a role in prod2 trusts an external account; the perimeter RCP blocks that account's principal
	const external = "999988887777"
	ext, err := s.srv.IAM.EnsureAccount(context.Background(), external, "AKIAEXTERNAL00000001", "externalSecretKey000000000000000000000001")
	if err != nil {
		t.Fatal(err)
	}
	extRoot := creds{ext.AccessKeyID, "externalSecretKey000000000000000000000001"}
	prod2 := memberAdmin("prod2")
	mustSession(prod2, "iam", "create-role", "--role-name", "partner", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+external+`:root"},"Action":"sts:AssumeRole"}]}`)
	s.mustCLI(t, extRoot, nil, "iam", "create-user", "--user-name", "partner-bot")
	var extKey struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	s.mustCLI(t, extRoot, &extKey, "iam", "create-access-key", "--user-name", "partner-bot")
	s.mustCLI(t, extRoot, nil, "iam", "put-user-policy", "--user-name", "partner-bot", "--policy-name", "assume", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	bot := creds{extKey.AccessKey.AccessKeyId, extKey.AccessKey.SecretAccessKey}
	partnerRole := "arn:aws:iam::" + members["prod2"] + ":role/partner"
	s.mustCLI(t, bot, nil, "sts", "assume-role", "--role-arn", partnerRole, "--role-session-name", "before-rcp")

	cli(rootCreds, nil, "organizations", "enable-policy-type", "--root-id", rootID, "--policy-type", "RESOURCE_CONTROL_POLICY")
	perimeter := `{"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Resource":"*",
	 "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"` + orgID + `"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}`
	var rcp struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	cli(rootCreds, &rcp, "organizations", "create-policy", "--name", "perimeter", "--description", "identity perimeter", "--type", "RESOURCE_CONTROL_POLICY", "--content", perimeter)
	cli(rootCreds, nil, "organizations", "attach-policy", "--policy-id", rcp.Policy.PolicySummary.Id, "--target-id", rootID)
	o, e, code = s.awsCLI(t, bot, "sts", "assume-role", "--role-arn", partnerRole, "--role-session-name", "after-rcp")
	wantCLIError(t, o, e, code, "AccessDenied", "sts:AssumeRole")
	// principals of the organization still get in where the trust policy lets them
	mustSession(prod2, "iam", "update-assume-role-policy", "--role-name", "partner", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::`+external+`:root","arn:aws:iam::`+account+`:root"]},"Action":"sts:AssumeRole"}]}`)
	cli(admin, nil, "sts", "assume-role", "--role-arn", partnerRole, "--role-session-name", "insider")
}
