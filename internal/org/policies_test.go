package org_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
)

func wantReasonOf(t *testing.T, err error, reason string) {
	t.Helper()
	if reason == "" {
		return
	}
	if ae, ok := awserr.As(err); !ok || ae.Reason != reason {
		t.Fatalf("err = %v, want reason %s", err, reason)
	}
}

const (
	denyCreateUser = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`
	allowReadIAM   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}`
)

func mustPolicy(t *testing.T, s *service, typ orgtypes.PolicyType, name, content string) string {
	t.Helper()
	out, err := s.CreatePolicy(context.Background(), rootOf(mgmt), &orgtypes.CreatePolicyRequest{Type: typ, Name: name, Description: name, Content: content})
	if err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	return *out.Policy.PolicySummary.Id
}

func enable(t *testing.T, s *service, root string, typ orgtypes.PolicyType) {
	t.Helper()
	if _, err := s.EnablePolicyType(context.Background(), rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: root, PolicyType: typ}); err != nil {
		t.Fatal(err)
	}
}

func attach(t *testing.T, s *service, policyID, target string) {
	t.Helper()
	if err := s.AttachPolicy(context.Background(), rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: policyID, TargetId: target}); err != nil {
		t.Fatalf("attach %s to %s: %v", policyID, target, err)
	}
}

func TestCreatePolicyValidatesContentNameAndType(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrgWithMember(t)
	mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "deny", denyCreateUser)
	long := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*","Sid":"` + strings.Repeat("a", 5100) + `"}]}`
	for _, tc := range []struct {
		name, typ, policyName, content, code, reason string
	}{
		{"an SCP the engine rejects", "SERVICE_CONTROL_POLICY", "bad", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, "MalformedPolicyDocumentException", ""},
		{"an SCP that is not JSON", "SERVICE_CONTROL_POLICY", "bad", `{`, "MalformedPolicyDocumentException", ""},
		{"an SCP over 5,120 characters", "SERVICE_CONTROL_POLICY", "long", long, "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED"},
		{"an RCP without a Principal", "RESOURCE_CONTROL_POLICY", "rcp", denyCreateUser, "MalformedPolicyDocumentException", ""},
		{"a name taken by an SCP", "SERVICE_CONTROL_POLICY", "deny", allowReadIAM, "DuplicatePolicyException", ""},
		{"the name of the AWS managed SCP", "SERVICE_CONTROL_POLICY", "FullAWSAccess", allowReadIAM, "DuplicatePolicyException", ""},
		{"a tag policy with an unknown setting", "TAG_POLICY", "tp", `{"tags":{"cc":{"tag_color":{"@@assign":"x"}}}}`, "MalformedPolicyDocumentException", ""},
		{"a tag policy with an unknown operator", "TAG_POLICY", "tp", `{"tags":{"cc":{"tag_value":{"@@replace":["x"]}}}}`, "MalformedPolicyDocumentException", ""},
		{"a tag policy whose tag_key differs from its policy key", "TAG_POLICY", "tp", `{"tags":{"cc":{"tag_key":{"@@assign":"Owner"}}}}`, "MalformedPolicyDocumentException", ""},
		{"a backup policy with an element other than plans", "BACKUP_POLICY", "b", `{"backup_plans":{}}`, "MalformedPolicyDocumentException", ""},
		{"an AI services opt-out policy with a value in the wrong case", "AISERVICES_OPT_OUT_POLICY", "ai", `{"services":{"default":{"opt_out_policy":{"@@assign":"OptOut"}}}}`, "MalformedPolicyDocumentException", ""},
		{"an AI services opt-out policy over 2,500 characters", "AISERVICES_OPT_OUT_POLICY", "ai", `{"services":{"default":{"opt_out_policy":{"@@assign":"optOut"}}},"x":"` + strings.Repeat("a", 2500) + `"}`, "ConstraintViolationException", "POLICY_CONTENT_LIMIT_EXCEEDED"},
		{"an S3 policy neither all nor none", "S3_POLICY", "s3", `{"s3_attributes":{"public_access_block_configuration":{"@@assign":"some"}}}`, "MalformedPolicyDocumentException", ""},
		{"a declarative policy mixing operators and elements", "DECLARATIVE_POLICY_EC2", "d", `{"ec2_attributes":{"image_block_public_access":{"@@assign":"x","state":{"@@assign":"block_new_sharing"}}}}`, "MalformedPolicyDocumentException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreatePolicy(ctx, rootOf(mgmt), &orgtypes.CreatePolicyRequest{Type: orgtypes.PolicyType(tc.typ), Name: tc.policyName, Content: tc.content})
			wantCode(t, err, tc.code)
			wantReasonOf(t, err, tc.reason)
		})
	}
	// the same name is free in another type
	mustPolicy(t, s, orgtypes.PolicyTypeTAGPOLICY, "deny", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"}}}}`)
	list, err := s.ListPolicies(ctx, rootOf(mgmt), &orgtypes.ListPoliciesRequest{Filter: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	if err != nil || len(list.Policies) != 2 || *list.Policies[0].Id != "p-FullAWSAccess" || !*list.Policies[0].AwsManaged || *list.Policies[1].AwsManaged {
		t.Fatalf("list: %v %+v", err, list)
	}
	d, err := s.DescribePolicy(ctx, rootOf(mgmt), &orgtypes.DescribePolicyRequest{PolicyId: "p-FullAWSAccess"})
	if err != nil || *d.Policy.PolicySummary.Arn != "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess" {
		t.Fatalf("describe managed: %v %+v", err, d)
	}
	_, err = s.UpdatePolicy(ctx, rootOf(mgmt), &orgtypes.UpdatePolicyRequest{PolicyId: "p-FullAWSAccess", Name: sref("x")})
	wantReasonOf(t, err, "IMMUTABLE_POLICY")
	err = s.DeletePolicy(ctx, rootOf(mgmt), &orgtypes.DeletePolicyRequest{PolicyId: "p-FullAWSAccess"})
	wantReasonOf(t, err, "IMMUTABLE_POLICY")
	_, err = s.DescribePolicy(ctx, rootOf(member), &orgtypes.DescribePolicyRequest{PolicyId: "p-FullAWSAccess"})
	wantCode(t, err, "AccessDeniedException")
}

func TestAttachAndDetachPolicyRules(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	ou := mustOU(t, s, root, "prod")
	deny := mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "deny", denyCreateUser)

	err := s.AttachPolicy(ctx, rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: deny, TargetId: *ou.Id})
	wantCode(t, err, "PolicyTypeNotEnabledException")

	enable(t, s, root, orgtypes.PolicyTypeSERVICECONTROLPOLICY)
	_, err = s.EnablePolicyType(ctx, rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: root, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	wantCode(t, err, "PolicyTypeAlreadyEnabledException")
	// FullAWSAccess is now on the root, the OU and both accounts; a new OU gets it too
	later := mustOU(t, s, root, "later")
	targets, err := s.ListTargetsForPolicy(ctx, rootOf(mgmt), &orgtypes.ListTargetsForPolicyRequest{PolicyId: "p-FullAWSAccess"})
	if err != nil {
		t.Fatal(err)
	}
	all, next := targets.Targets, targets.NextToken
	if len(all) != 5 || next != nil {
		t.Fatalf("FullAWSAccess targets %+v", targets)
	}
	_ = later

	attach(t, s, deny, *ou.Id)
	for _, tc := range []struct {
		name, policy, target, code, reason string
	}{
		{"twice", deny, *ou.Id, "DuplicatePolicyAttachmentException", ""},
		{"an unknown policy", "p-zzzzzzzz", *ou.Id, "PolicyNotFoundException", ""},
		{"an unknown target", deny, "ou-" + root[2:] + "-zzzzzzzz", "TargetNotFoundException", ""},
		{"an account outside the organization", deny, "333333333333", "TargetNotFoundException", ""},
	} {
		t.Run("attach "+tc.name, func(t *testing.T) {
			err := s.AttachPolicy(ctx, rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: tc.policy, TargetId: tc.target})
			wantCode(t, err, tc.code)
		})
	}
	// five SCPs per target: FullAWSAccess, deny and three more
	for _, n := range []string{"a", "b", "c"} {
		attach(t, s, mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, n, allowReadIAM), *ou.Id)
	}
	sixth := mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "sixth", allowReadIAM)
	err = s.AttachPolicy(ctx, rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: sixth, TargetId: *ou.Id})
	wantCode(t, err, "ConstraintViolationException")
	wantReasonOf(t, err, "POLICY_NUMBER_LIMIT_EXCEEDED")

	err = s.DeletePolicy(ctx, rootOf(mgmt), &orgtypes.DeletePolicyRequest{PolicyId: deny})
	wantCode(t, err, "PolicyInUseException")
	err = s.DetachPolicy(ctx, rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: sixth, TargetId: *ou.Id})
	wantCode(t, err, "PolicyNotAttachedException")
	err = s.DetachPolicy(ctx, rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: "p-FullAWSAccess", TargetId: member})
	wantCode(t, err, "ConstraintViolationException")
	wantReasonOf(t, err, "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED")
	if err := s.DetachPolicy(ctx, rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: deny, TargetId: *ou.Id}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePolicy(ctx, rootOf(mgmt), &orgtypes.DeletePolicyRequest{PolicyId: deny}); err != nil {
		t.Fatal(err)
	}
	pft, err := s.ListPoliciesForTarget(ctx, rootOf(mgmt), &orgtypes.ListPoliciesForTargetRequest{TargetId: *ou.Id, Filter: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	if err != nil || len(pft.Policies) != 4 {
		t.Fatalf("policies for the OU: %v %+v", err, pft)
	}

	// disabling detaches every SCP; the root no longer lists the type
	out, err := s.DisablePolicyType(ctx, rootOf(mgmt), &orgtypes.DisablePolicyTypeRequest{RootId: root, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	if err != nil || len(out.Root.PolicyTypes) != 0 {
		t.Fatalf("disable: %v %+v", err, out)
	}
	pft, err = s.ListPoliciesForTarget(ctx, rootOf(mgmt), &orgtypes.ListPoliciesForTargetRequest{TargetId: *ou.Id, Filter: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	if err != nil || len(pft.Policies) != 0 {
		t.Fatalf("policies after disabling: %v %+v", err, pft)
	}
	_, err = s.DisablePolicyType(ctx, rootOf(mgmt), &orgtypes.DisablePolicyTypeRequest{RootId: root, PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	wantCode(t, err, "PolicyTypeNotEnabledException")
	_, err = s.EnablePolicyType(ctx, rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: "r-zzzz", PolicyType: orgtypes.PolicyTypeSERVICECONTROLPOLICY})
	wantCode(t, err, "RootNotFoundException")
}

// memberUser creates an IAM user in the member account whose identity policy allows every IAM action.
func memberUser(t *testing.T, s *service, account, name string) *iam.Caller {
	t.Helper()
	ctx := context.Background()
	u, err := s.IAM.CreateUser(ctx, rootOf(account), &iamtypes.CreateUserRequest{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.IAM.PutUserPolicy(ctx, rootOf(account), &iamtypes.PutUserPolicyRequest{UserName: name, PolicyName: "all",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.User.Arn, Account: account}, Name: name, UserID: u.User.UserId}
}

func TestSCPsAttachedAlongThePathLimitMembersNotTheManagementAccount(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	bob := memberUser(t, s, member, "bob")
	admin := memberUser(t, s, mgmt, "admin")
	enable(t, s, root, orgtypes.PolicyTypeSERVICECONTROLPOLICY)
	ou := mustOU(t, s, root, "workloads")
	if err := s.MoveAccount(ctx, rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: member, SourceParentId: root, DestinationParentId: *ou.Id}); err != nil {
		t.Fatal(err)
	}
	createUser := func(c *iam.Caller, name string) error {
		_, err := s.IAM.CreateUser(ctx, c, &iamtypes.CreateUserRequest{UserName: name})
		return err
	}
	if err := createUser(bob, "before"); err != nil {
		t.Fatalf("FullAWSAccess everywhere: %v", err)
	}

	deny := mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "DenyCreateUser", denyCreateUser)
	attach(t, s, deny, *ou.Id)
	attach(t, s, deny, mgmt)
	err := createUser(bob, "denied")
	wantCode(t, err, "AccessDenied")
	ae, _ := awserr.As(err)
	if !strings.Contains(ae.Message, "with an explicit deny in a service control policy") || ae.Cause == nil ||
		!strings.Contains(ae.Cause.Error(), `"DenyCreateUser" at OU `+*ou.Id+" (workloads)") {
		t.Fatalf("denial %q, explanation %v", ae.Message, ae.Cause)
	}
	if err := createUser(admin, "mgmt-unaffected"); err != nil {
		t.Fatalf("the management account is not limited by SCPs: %v", err)
	}

	// an allow-list in place of FullAWSAccess at the OU: only what it allows is left
	if err := s.DetachPolicy(ctx, rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: deny, TargetId: *ou.Id}); err != nil {
		t.Fatal(err)
	}
	attach(t, s, mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "ReadIAM", allowReadIAM), *ou.Id)
	if err := s.DetachPolicy(ctx, rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: "p-FullAWSAccess", TargetId: *ou.Id}); err != nil {
		t.Fatal(err)
	}
	err = createUser(bob, "not-allowed")
	wantCode(t, err, "AccessDenied")
	ae, _ = awserr.As(err)
	if !strings.Contains(ae.Message, "because no service control policy allows the iam:CreateUser action") ||
		!strings.Contains(ae.Cause.Error(), "no service control policy at OU "+*ou.Id+" (workloads) allows iam:CreateUser") {
		t.Fatalf("denial %q, explanation %v", ae.Message, ae.Cause)
	}
	if _, err := s.IAM.GetUser(ctx, bob, &iamtypes.GetUserRequest{UserName: sref("bob")}); err != nil {
		t.Fatalf("the allow-list allows iam:GetUser: %v", err)
	}
	// moving the account back to the root leaves the OU's policies behind
	if err := s.MoveAccount(ctx, rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: member, SourceParentId: *ou.Id, DestinationParentId: root}); err != nil {
		t.Fatal(err)
	}
	if err := createUser(bob, "after-move"); err != nil {
		t.Fatalf("after the move: %v", err)
	}
}

func TestDescribeEffectivePolicyMergesTagPoliciesFromTheRootDown(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	ou := mustOU(t, s, root, "ou1")
	if err := s.MoveAccount(ctx, rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: member, SourceParentId: root, DestinationParentId: *ou.Id}); err != nil {
		t.Fatal(err)
	}
	describe := func(c *iam.Caller, target *string) (*orgtypes.DescribeEffectivePolicyResponse, error) {
		return s.DescribeEffectivePolicy(ctx, c, &orgtypes.DescribeEffectivePolicyRequest{PolicyType: orgtypes.EffectivePolicyTypeTAGPOLICY, TargetId: target})
	}
	_, err := describe(rootOf(member), nil)
	wantCode(t, err, "EffectivePolicyNotFoundException")
	enable(t, s, root, orgtypes.PolicyTypeTAGPOLICY)
	_, err = describe(rootOf(member), nil)
	wantCode(t, err, "EffectivePolicyNotFoundException")

	attach(t, s, mustPolicy(t, s, orgtypes.PolicyTypeTAGPOLICY, "root", `{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["Development","Support"]}}}}`), root)
	attach(t, s, mustPolicy(t, s, orgtypes.PolicyTypeTAGPOLICY, "ou", `{"tags":{"costcenter":{"tag_value":{"@@assign":["Sandbox"]},"enforced_for":{"@@assign":["redshift:*","dynamodb:table"]}}}}`), *ou.Id)
	out, err := describe(rootOf(member), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *out.EffectivePolicy.PolicyContent, `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Sandbox"],"enforced_for":["redshift:*","dynamodb:table"]}}}`; got != want || *out.EffectivePolicy.TargetId != member {
		t.Fatalf("effective policy\n got %s\nwant %s", got, want)
	}
	mg, err := describe(rootOf(mgmt), nil)
	if err != nil || *mg.EffectivePolicy.PolicyContent != `{"tags":{"costcenter":{"tag_key":"CostCenter","tag_value":["Development","Support"]}}}` {
		t.Fatalf("management account: %v %+v", err, mg)
	}
	if _, err := describe(rootOf(mgmt), sref(member)); err != nil {
		t.Fatal(err)
	}
	_, err = describe(rootOf(member), sref(mgmt))
	wantCode(t, err, "AccessDeniedException")
	_, err = s.DescribeEffectivePolicy(ctx, rootOf(member), &orgtypes.DescribeEffectivePolicyRequest{PolicyType: orgtypes.EffectivePolicyTypeBACKUPPOLICY})
	wantCode(t, err, "EffectivePolicyNotFoundException")
}

func TestEffectiveTagPolicyInheritanceOperators(t *testing.T) {
	for _, tc := range []struct {
		name   string
		levels [][]string
		want   string // "" for no effective policy
	}{
		{"append adds to inherited values", [][]string{
			{`{"tags":{"cc":{"tag_value":{"@@assign":["a","b"]}}}}`},
			{`{"tags":{"cc":{"tag_value":{"@@append":["c","a"]}}}}`},
		}, `{"tags":{"cc":{"tag_value":["a","b","c"]}}}`},
		{"remove takes inherited values away", [][]string{
			{`{"tags":{"cc":{"tag_value":{"@@assign":["a","b"]}}}}`},
			{`{"tags":{"cc":{"tag_value":{"@@remove":["a"]}}}}`},
		}, `{"tags":{"cc":{"tag_value":["b"]}}}`},
		{"@@none locks the value", [][]string{
			{`{"tags":{"cc":{"tag_value":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":["a"]}}}}`},
			{`{"tags":{"cc":{"tag_value":{"@@assign":["z"]}}}}`},
		}, `{"tags":{"cc":{"tag_value":["a"]}}}`},
		{"only the allowed operators apply below", [][]string{
			{`{"tags":{"cc":{"@@operators_allowed_for_child_policies":["@@append"],"tag_value":{"@@assign":["a"]}}}}`},
			{`{"tags":{"cc":{"tag_value":{"@@assign":["z"]}}}}`, `{"tags":{"cc":{"tag_value":{"@@append":["y"]}}}}`},
		}, `{"tags":{"cc":{"tag_value":["a","y"]}}}`},
		{"a policy at the same level may use operators it forbids below", [][]string{
			{`{"tags":{"cc":{"tag_value":{"@@operators_allowed_for_child_policies":["@@none"],"@@assign":["a"]}}}}`, `{"tags":{"cc":{"tag_value":{"@@assign":["b"]}}}}`},
		}, `{"tags":{"cc":{"tag_value":["b"]}}}`},
		{"a child adds its own keys", [][]string{
			{`{"tags":{"cc":{"tag_key":{"@@assign":"CC"}}}}`},
			{`{"tags":{"owner":{"tag_key":{"@@assign":"Owner"}}}}`},
		}, `{"tags":{"cc":{"tag_key":"CC"},"owner":{"tag_key":"Owner"}}}`},
		{"nothing but child controls", [][]string{{`{"tags":{"@@operators_allowed_for_child_policies":["@@all"]}}`}}, ""},
		{"no policies", [][]string{{}, {}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := org.EffectiveTagPolicyForTest(tc.levels)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if ok {
					t.Fatalf("got %s, want none", got)
				}
				return
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func FuzzTagPolicy(f *testing.F) {
	for _, s := range []string{
		`{"tags":{"costcenter":{"tag_key":{"@@assign":"CostCenter"},"tag_value":{"@@assign":["a"]},"enforced_for":{"@@assign":["ec2:instance"]}}}}`,
		`{"tags":{"cc":{"@@operators_allowed_for_child_policies":["@@none"],"tag_value":{"@@append":["x"],"@@remove":["y"]}}}}`,
		`{}`, `[]`, `{"tags":[]}`, `{"tags":{"a":{"tag_value":{"@@assign":[1]}}}}`,
	} {
		f.Add(s, `{"tags":{"cc":{"tag_value":{"@@append":["z"]}}}}`)
	}
	f.Fuzz(func(t *testing.T, parent, child string) {
		got, ok, err := org.EffectiveTagPolicyForTest([][]string{{parent}, {child}})
		if err != nil || !ok {
			return
		}
		if !json.Valid([]byte(got)) {
			t.Fatalf("effective policy is not JSON: %s", got)
		}
	})
}
