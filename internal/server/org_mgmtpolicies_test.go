package server_test

import (
	"testing"
)

// Backup and AI services opt-out policies with the AWS CLI: enabled in the root, attached at the root and at an OU,
// and merged into a member account's effective policies.
func TestManagementPoliciesWithTheCLI(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	const memberID = "210987654321"
	_, root, memberRoot := cliOrgWithMember(t, s, memberID)
	var ou struct{ OrganizationalUnit struct{ Id string } }
	s.mustCLI(t, rootCreds, &ou, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "workloads")
	ouID := ou.OrganizationalUnit.Id
	s.mustCLI(t, rootCreds, nil, "organizations", "move-account", "--account-id", memberID, "--source-parent-id", root, "--destination-parent-id", ouID)

	var pol struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	create := func(typ, name, content string) string {
		s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--type", typ, "--name", name, "--description", name, "--content", content)
		return pol.Policy.PolicySummary.Id
	}
	aiRoot := create("AISERVICES_OPT_OUT_POLICY", "ai-root",
		`{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}},"comprehend":{"opt_out_policy":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":"optOut"}}}}`)
	out, errOut, code := s.awsCLI(t, rootCreds, "organizations", "attach-policy", "--policy-id", aiRoot, "--target-id", root)
	wantCLIError(t, out, errOut, code, "PolicyTypeNotEnabledException", "")

	for _, typ := range []string{"BACKUP_POLICY", "AISERVICES_OPT_OUT_POLICY"} {
		s.mustCLI(t, rootCreds, nil, "organizations", "enable-policy-type", "--root-id", root, "--policy-type", typ)
	}
	var roots struct {
		Roots []struct {
			PolicyTypes []struct{ Type, Status string }
		}
	}
	s.mustCLI(t, rootCreds, &roots, "organizations", "list-roots")
	enabled := map[string]string{}
	for _, pt := range roots.Roots[0].PolicyTypes {
		enabled[pt.Type] = pt.Status
	}
	if enabled["BACKUP_POLICY"] != "ENABLED" || enabled["AISERVICES_OPT_OUT_POLICY"] != "ENABLED" {
		t.Fatalf("root policy types %+v", roots)
	}

	out, errOut, code = s.awsCLI(t, rootCreds, "organizations", "create-policy", "--type", "AISERVICES_OPT_OUT_POLICY", "--name", "bad",
		"--description", "", "--content", `{"services":{"default":{"opt_out_policy":{"@@assign":"OptOut"}}}}`)
	wantCLIError(t, out, errOut, code, "MalformedPolicyDocumentException", "")

	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", aiRoot, "--target-id", root)
	aiOU := create("AISERVICES_OPT_OUT_POLICY", "ai-ou",
		`{"services":{"comprehend":{"opt_out_policy":{"@@assign":"optIn"}},"rekognition":{"opt_out_policy":{"@@assign":"optIn"}}}}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", aiOU, "--target-id", ouID)
	backupRoot := create("BACKUP_POLICY", "backup-root",
		`{"plans":{"daily":{"regions":{"@@assign":["us-east-1"]},"rules":{"daily":{"schedule_expression":{"@@assign":"cron(0 5 ? * * *)"},"target_backup_vault_name":{"@@assign":"Default"}}}}}}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", backupRoot, "--target-id", root)
	backupOU := create("BACKUP_POLICY", "backup-ou", `{"plans":{"daily":{"regions":{"@@append":["eu-west-1"]}}}}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", backupOU, "--target-id", ouID)

	var eff struct {
		EffectivePolicy struct{ PolicyContent, TargetId, PolicyType string }
	}
	for _, tc := range []struct{ typ, want string }{
		{"AISERVICES_OPT_OUT_POLICY", `{"services":{"default":{"opt_out_policy":"optOut"},"comprehend":{"opt_out_policy":"optOut"},"rekognition":{"opt_out_policy":"optIn"}}}`},
		{"BACKUP_POLICY", `{"plans":{"daily":{"regions":["us-east-1","eu-west-1"],"rules":{"daily":{"schedule_expression":"cron(0 5 ? * * *)","target_backup_vault_name":"Default"}}}}}`},
	} {
		s.mustCLI(t, rootCreds, &eff, "organizations", "describe-effective-policy", "--policy-type", tc.typ, "--target-id", memberID)
		if eff.EffectivePolicy.PolicyContent != tc.want || eff.EffectivePolicy.TargetId != memberID || eff.EffectivePolicy.PolicyType != tc.typ {
			t.Fatalf("effective %s %+v\nwant %s", tc.typ, eff, tc.want)
		}
	}
	// the member reads its own; the management account, outside the OU, has only the root's
	s.mustCLI(t, memberRoot, &eff, "organizations", "describe-effective-policy", "--policy-type", "BACKUP_POLICY")
	if eff.EffectivePolicy.TargetId != memberID {
		t.Fatalf("member's own effective policy %+v", eff)
	}
	s.mustCLI(t, rootCreds, &eff, "organizations", "describe-effective-policy", "--policy-type", "AISERVICES_OPT_OUT_POLICY")
	if want := `{"services":{"default":{"opt_out_policy":"optOut"},"comprehend":{"opt_out_policy":"optOut"}}}`; eff.EffectivePolicy.PolicyContent != want {
		t.Fatalf("management account's effective policy %s\nwant %s", eff.EffectivePolicy.PolicyContent, want)
	}
	out, errOut, code = s.awsCLI(t, rootCreds, "organizations", "describe-effective-policy", "--policy-type", "CHATBOT_POLICY", "--target-id", memberID)
	wantCLIError(t, out, errOut, code, "EffectivePolicyNotFoundException", "")
}
