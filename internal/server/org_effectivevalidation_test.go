package server_test

import "testing"

// TestAWSCLIEffectivePolicyValidation: with the AWS CLI, no account has an invalid effective policy and an
// account's effective tag policy has no validation error.
func TestAWSCLIEffectivePolicyValidation(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	s.mustCLI(t, rootCreds, nil, "organizations", "create-organization")
	var roots struct{ Roots []struct{ Id string } }
	s.mustCLI(t, rootCreds, &roots, "organizations", "list-roots")
	root := roots.Roots[0].Id

	var invalid struct {
		Accounts   []struct{ Id string }
		PolicyType string
	}
	s.mustCLI(t, rootCreds, &invalid, "organizations", "list-accounts-with-invalid-effective-policy", "--policy-type", "TAG_POLICY")
	if len(invalid.Accounts) != 0 || invalid.PolicyType != "TAG_POLICY" {
		t.Fatalf("list-accounts-with-invalid-effective-policy %+v", invalid)
	}
	o, e, c := s.awsCLI(t, rootCreds, "organizations", "list-effective-policy-validation-errors", "--account-id", account, "--policy-type", "TAG_POLICY")
	wantCLIError(t, o, e, c, "EffectivePolicyNotFoundException", "")

	s.mustCLI(t, rootCreds, nil, "organizations", "enable-policy-type", "--root-id", root, "--policy-type", "TAG_POLICY")
	var pol struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	s.mustCLI(t, rootCreds, &pol, "organizations", "create-policy", "--name", "cc", "--description", "cost center", "--type", "TAG_POLICY",
		"--content", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`)
	s.mustCLI(t, rootCreds, nil, "organizations", "attach-policy", "--policy-id", pol.Policy.PolicySummary.Id, "--target-id", root)
	var errs struct {
		AccountId, PolicyType, Path     string
		EffectivePolicyValidationErrors []struct{ ErrorCode string }
	}
	s.mustCLI(t, rootCreds, &errs, "organizations", "list-effective-policy-validation-errors", "--account-id", account, "--policy-type", "TAG_POLICY")
	if errs.AccountId != account || errs.PolicyType != "TAG_POLICY" || len(errs.EffectivePolicyValidationErrors) != 0 || errs.Path == "" {
		t.Fatalf("list-effective-policy-validation-errors %+v", errs)
	}
}
