package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/store"
)

// joinOrgMember creates an iamd account with a root key and records it as a member of the caller's organization,
// under the root, the way CreateAccount and accepted invitations leave it; it returns the member's root key. Call
// it before enabling policy types (it attaches no default policy).
func joinOrgMember(t *testing.T, s *testServer, orgID, rootID, id string) creds {
	t.Helper()
	ctx := context.Background()
	c := creds{"AKIA" + id[:12] + "MBR1", "memberSecretKey/" + id + "EXAMPLEEXAMPL"}
	if _, err := s.srv.IAM.EnsureAccount(ctx, id, c.id, c.secret); err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(org.Account{ID: id, Name: "member", Email: "member@example.com", Status: "ACTIVE", JoinedMethod: "INVITED", Joined: time.Now().UTC()})
	m, _ := json.Marshal(org.Membership{OrgID: orgID, Management: account})
	err := s.srv.IAM.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.Insert(ctx, &store.Entity{Account: account, Kind: org.KindOrgAccount, Name: id, Path: "/", Parent: rootID,
			ARN: "arn:aws:organizations::" + account + ":account/" + orgID + "/" + id, Created: time.Now(), Data: a}); err != nil {
			return err
		}
		return tx.PutSetting(ctx, id, "org.membership", m) // the membership setting every member account carries
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cliOrgWithMember creates an organization with the AWS CLI and records memberID as a member under its root
// (joinOrgMember); it returns the organization's ID, the root's ID and the member's root key.
func cliOrgWithMember(t *testing.T, s *testServer, memberID string) (orgID, rootID string, member creds) {
	t.Helper()
	var created struct{ Organization struct{ Id string } }
	s.mustCLI(t, rootCreds, &created, "organizations", "create-organization")
	var roots struct{ Roots []struct{ Id string } }
	s.mustCLI(t, rootCreds, &roots, "organizations", "list-roots")
	orgID, rootID = created.Organization.Id, roots.Roots[0].Id
	return orgID, rootID, joinOrgMember(t, s, orgID, rootID, memberID)
}

// standaloneAccount gives iamd a standalone account with a root key, to be invited into an organization.
func standaloneAccount(t *testing.T, s *testServer) (string, creds) {
	t.Helper()
	const id = "444455556666"
	c := creds{"AKIAEXAMPLESTANDALON", "standaloneSecretKeyForTheInvitedAccount1"}
	if _, err := s.srv.IAM.EnsureAccount(context.Background(), id, c.id, c.secret); err != nil {
		t.Fatal(err)
	}
	return id, c
}

func TestOrganizationPoliciesWithTheCLI(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	const memberID = "210987654321"
	var created struct{ Organization struct{ Id string } }
	s.mustCLI(t, rootCreds, &created, "organizations", "create-organization", "--feature-set", "ALL")
	var roots struct{ Roots []struct{ Id string } }
	s.mustCLI(t, rootCreds, &roots, "organizations", "list-roots")
	root := roots.Roots[0].Id
	memberRoot := joinOrgMember(t, s, created.Organization.Id, root, memberID)

	// an IAM user in each account, allowed every IAM action by its identity policy
	allowIAM := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
	userIn := func(c creds, name string) creds {
		s.mustCLI(t, c, nil, "iam", "create-user", "--user-name", name)
		s.mustCLI(t, c, nil, "iam", "put-user-policy", "--user-name", name, "--policy-name", "all", "--policy-document", allowIAM)
		var k struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		}
		s.mustCLI(t, c, &k, "iam", "create-access-key", "--user-name", name)
		return creds{k.AccessKey.AccessKeyId, k.AccessKey.SecretAccessKey}
	}
	bob := userIn(memberRoot, "bob")
	admin := userIn(rootCreds, "admin")

	var enabled struct {
		Root struct {
			PolicyTypes []struct{ Type, Status string }
		}
	}
	s.mustCLI(t, rootCreds, &enabled, "organizations", "enable-policy-type", "--root-id", root, "--policy-type", "SERVICE_CONTROL_POLICY")
	if len(enabled.Root.PolicyTypes) != 1 || enabled.Root.PolicyTypes[0].Type != "SERVICE_CONTROL_POLICY" {
		t.Fatalf("enable-policy-type: %+v", enabled)
	}
	var ou struct {
		OrganizationalUnit struct{ Id, Name, Path string }
	}
	s.mustCLI(t, rootCreds, &ou, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "workloads")
	ouID := ou.OrganizationalUnit.Id
	s.mustCLI(t, rootCreds, nil, "organizations", "move-account", "--account-id", memberID, "--source-parent-id", root, "--destination-parent-id", ouID)
	out, errOut, code := s.awsCLI(t, rootCreds, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "workloads")
	wantCLIError(t, out, errOut, code, "DuplicateOrganizationalUnitException", "An OU with the same name already exists.")

	var pol struct {
		Policy struct{ PolicySummary struct{ Id, Arn string } }
	}
	s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--type", "SERVICE_CONTROL_POLICY", "--name", "DenyCreateUser",
		"--description", "no new users", "--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`)
	deny := pol.Policy.PolicySummary.Id
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", deny, "--target-id", ouID)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", deny, "--target-id", account)
	var listed struct{ Policies []struct{ Id string } }
	s.mustCLI(t, rootCreds, &listed, "organizations", "list-policies-for-target", "--target-id", ouID, "--filter", "SERVICE_CONTROL_POLICY")
	if len(listed.Policies) != 2 || listed.Policies[0].Id != deny || listed.Policies[1].Id != "p-FullAWSAccess" { // by name
		t.Fatalf("policies for the OU: %+v", listed)
	}
	out, errOut, code = s.awsCLI(t, rootCreds, "organizations", "create-policy", "--type", "SERVICE_CONTROL_POLICY", "--name", "bad",
		"--description", "", "--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}`)
	wantCLIError(t, out, errOut, code, "MalformedPolicyDocumentException", "does not meet the requirements of the specified policy type")

	// the SCP at the OU denies the member's user; the management account's user is not limited
	out, errOut, code = s.awsCLI(t, bob, "iam", "create-user", "--user-name", "denied")
	wantCLIError(t, out, errOut, code, "AccessDenied", "with an explicit deny in a service control policy")
	if logs := s.logs.String(); !strings.Contains(logs, `\"DenyCreateUser\" at OU `+ouID+` (workloads)`) && !strings.Contains(logs, `"DenyCreateUser" at OU `+ouID+` (workloads)`) {
		t.Errorf("the log does not explain the denial by the OU's SCP")
	}
	s.mustCLI(t, admin, nil, "iam", "create-user", "--user-name", "by-management")

	// detach errors
	for _, tc := range []struct {
		name, policy, target, code, msg string
	}{
		{"the last SCP of a target", "p-FullAWSAccess", memberID, "ConstraintViolationException", "You cannot remove the last policy attached to the specified target."},
		{"a policy not attached there", deny, root, "PolicyNotAttachedException", "The policy isn't attached to the specified target"},
		{"an unknown policy", "p-zzzzzzzz", root, "PolicyNotFoundException", ""},
	} {
		t.Run("detach "+tc.name, func(t *testing.T) {
			out, errOut, code := s.awsCLI(t, rootCreds, "organizations", "detach-policy", "--policy-id", tc.policy, "--target-id", tc.target)
			wantCLIError(t, out, errOut, code, tc.code, tc.msg)
		})
	}
	out, errOut, code = s.awsCLI(t, rootCreds, "organizations", "delete-policy", "--policy-id", deny)
	wantCLIError(t, out, errOut, code, "PolicyInUseException", "")

	// FullAWSAccess replaced at the OU by an allow-list: the member keeps only what it allows
	s.mustCLI(t, rootCreds, nil, "organizations", "detach-policy", "--policy-id", deny, "--target-id", ouID)
	s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--type", "SERVICE_CONTROL_POLICY", "--name", "ReadIAM", "--description", "read",
		"--content", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", ouID)
	s.mustCLI(t, rootCreds, nil, "organizations", "detach-policy", "--policy-id", "p-FullAWSAccess", "--target-id", ouID)
	out, errOut, code = s.awsCLI(t, bob, "iam", "create-user", "--user-name", "not-allowed")
	wantCLIError(t, out, errOut, code, "AccessDenied", "because no service control policy allows the iam:CreateUser action")
	if !strings.Contains(s.logs.String(), "no service control policy at OU "+ouID+" (workloads) allows iam:CreateUser") {
		t.Errorf("the log does not name the OU lacking an Allow")
	}
	s.mustCLI(t, bob, nil, "iam", "get-user", "--user-name", "bob")
	s.mustCLI(t, admin, nil, "iam", "create-user", "--user-name", "by-management-2")

	// tag policies: the member's effective policy merges the root's and the OU's
	s.mustCLI(t, rootCreds, nil, "organizations", "enable-policy-type", "--root-id", root, "--policy-type", "TAG_POLICY")
	s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--type", "TAG_POLICY", "--name", "cc-root", "--description", "",
		"--content", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Development","Support"]}}}}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", root)
	s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--type", "TAG_POLICY", "--name", "cc-ou", "--description", "",
		"--content", `{"tags":{"costcenter":{"tag_value":{"@@append":["Sandbox"]},"enforced_for":{"@@assign":["ec2:instance"]}}}}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", ouID)
	var eff struct {
		EffectivePolicy struct{ PolicyContent, TargetId, PolicyType string }
	}
	s.mustCLI(t, rootCreds, &eff, "organizations", "describe-effective-policy", "--policy-type", "TAG_POLICY", "--target-id", memberID)
	if want := `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support","Sandbox"],"enforced_for":["ec2:instance"]}}}`; eff.EffectivePolicy.PolicyContent != want || eff.EffectivePolicy.TargetId != memberID {
		t.Fatalf("effective tag policy %+v\nwant %s", eff, want)
	}
	out, errOut, code = s.awsCLI(t, rootCreds, "organizations", "describe-effective-policy", "--policy-type", "BACKUP_POLICY", "--target-id", memberID)
	wantCLIError(t, out, errOut, code, "EffectivePolicyNotFoundException", "")

	// tags, and the targets of a policy
	s.mustCLI(t, rootCreds, nil, "organizations", "tag-resource", "--resource-id", ouID, "--tags", "Key=team,Value=platform")
	var tags struct{ Tags []struct{ Key, Value string } }
	s.mustCLI(t, rootCreds, &tags, "organizations", "list-tags-for-resource", "--resource-id", ouID)
	if len(tags.Tags) != 1 || tags.Tags[0].Key != "team" {
		t.Fatalf("tags %+v", tags)
	}
	var targets struct {
		Targets []struct{ TargetId, Type, Name string }
	}
	s.mustCLI(t, rootCreds, &targets, "organizations", "list-targets-for-policy", "--policy-id", "p-FullAWSAccess")
	if len(targets.Targets) != 3 { // the root and both accounts; not the OU any more
		t.Fatalf("FullAWSAccess targets %+v", targets)
	}
	var children struct{ Children []struct{ Id, Type string } }
	s.mustCLI(t, rootCreds, &children, "organizations", "list-children", "--parent-id", ouID, "--child-type", "ACCOUNT")
	if len(children.Children) != 1 || children.Children[0].Id != memberID {
		t.Fatalf("children %+v", children)
	}
	out, errOut, code = s.awsCLI(t, rootCreds, "organizations", "delete-organizational-unit", "--organizational-unit-id", ouID)
	wantCLIError(t, out, errOut, code, "OrganizationalUnitNotEmptyException", "")
}
