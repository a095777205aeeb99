package iam_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
)

// mdCase is a case of the policy package's validation corpus (policy/testdata/validate).
type mdCase struct {
	Name       string `json:"name"`
	PolicyType string `json:"policyType"`
	Policy     string `json:"policy"`
	Valid      bool   `json:"valid"`
	Managed    bool   `json:"managed"`
	AWSMessage string `json:"awsMessage"`
}

func mdLoad(t *testing.T, file string) []mdCase {
	t.Helper()
	data, err := os.ReadFile("../../policy/testdata/validate/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Cases []mdCase }
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// TestCreatePolicyAnswersAsAWSForItsValidationCases: every document of the corpus that AWS's CreatePolicy answered
// (aws-moto.json) gets the same answer from iamd's CreatePolicy: created, or MalformedPolicyDocument with AWS's text.
func TestCreatePolicyAnswersAsAWSForItsValidationCases(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	cases := mdLoad(t, "aws-moto.json")
	if len(cases) < 100 {
		t.Fatalf("only %d cases", len(cases))
	}
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			out, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: fmt.Sprint("p", i), PolicyDocument: c.Policy})
			if !c.Valid {
				rpWant(t, err, "MalformedPolicyDocument", c.AWSMessage)
				return
			}
			if err != nil {
				t.Fatalf("AWS accepted the document; iamd: %v", err)
			}
			if err := svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: *out.Policy.Arn}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestManagedPoliciesNeedVersion2012ButInlinePoliciesDoNot: IAM refuses a managed policy (CreatePolicy,
// CreatePolicyVersion) without "Version": "2012-10-17", and takes the same document as an inline policy.
func TestManagedPoliciesNeedVersion2012ButInlinePoliciesDoNot(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "r")
	const want = "Policy document must be version 2012-10-17 or greater."
	for _, doc := range []string{
		`{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
		`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`,
	} {
		_, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "p", PolicyDocument: doc})
		rpWant(t, err, "MalformedPolicyDocument", want)
		if err := svc.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "inline", PolicyDocument: doc}); err != nil {
			t.Fatalf("inline policy %s: %v", doc, err)
		}
	}
	out, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "p", PolicyDocument: ptAllow("*", "s3:GetObject")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: *out.Policy.Arn,
		PolicyDocument: `{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}`})
	rpWant(t, err, "MalformedPolicyDocument", want)
}

// TestInlinePoliciesAnswerWithIAMsTexts: PutUserPolicy, PutGroupPolicy and PutRolePolicy answer with the same texts
// as CreatePolicy for what they refuse.
func TestInlinePoliciesAnswerWithIAMsTexts(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "r")
	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "u"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: "g"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ doc, message string }{
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket"}}`, "Policy statement must contain resources."},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}}`,
			"Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},
		{`{"Version":"2012-10-17","Statement":{"Effect":"denY","Action":"s3:ListBucket","Resource":"*"}}`, "The policy failed legacy parsing"},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"*"}}`, "Policy document should not specify a principal."},
		{`not json`, "Syntax errors in policy."},
	}
	for _, c := range cases {
		rpWant(t, svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "u", PolicyName: "p", PolicyDocument: c.doc}), "MalformedPolicyDocument", c.message)
		rpWant(t, svc.PutGroupPolicy(ctx, root, &iamtypes.PutGroupPolicyRequest{GroupName: "g", PolicyName: "p", PolicyDocument: c.doc}), "MalformedPolicyDocument", c.message)
		rpWant(t, svc.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: "r", PolicyName: "p", PolicyDocument: c.doc}), "MalformedPolicyDocument", c.message)
	}
}

// TestTrustPoliciesAsAWSParsesThem: CreateRole and UpdateAssumeRolePolicy take the trust policy that
// terraform-aws-modules' assumable-role modules write (an empty list under one principal type), refuse a Principal
// that names nobody, and answer with IAM's texts for trust policies.
func TestTrustPoliciesAsAWSParsesThem(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	for _, c := range mdLoad(t, "principals.json") {
		if c.PolicyType != "trust" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			_, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: c.Policy})
			switch {
			case !c.Valid && c.AWSMessage != "":
				rpWant(t, err, "MalformedPolicyDocument", c.AWSMessage)
			case !c.Valid:
				wantCode(t, err, "MalformedPolicyDocument")
			case err != nil:
				t.Fatalf("AWS accepts the trust policy; iamd: %v", err)
			default:
				if err := svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "r", PolicyDocument: c.Policy}); err != nil {
					t.Fatalf("UpdateAssumeRolePolicy: %v", err)
				}
				if err := svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: "r"}); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestTrustPolicyRefusesServicePrincipalsAWSDoesNotHave: CreateRole and UpdateAssumeRolePolicy refuse a service
// principal AWS has not, with IAM's text, and take the ones AWS has (judged from the shipped AWS data).
func TestTrustPolicyRefusesServicePrincipalsAWSDoesNotHave(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	trust := func(services ...string) string {
		b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": services}, "Action": "sts:AssumeRole"}}})
		return string(b)
	}
	rpCreateRole(t, svc, root, "existing")
	for _, p := range []string{
		"ec2.amazonaws.com", "lambda.amazonaws.com", "states.amazonaws.com", "ecs-tasks.amazonaws.com",
		"monitoring.rds.amazonaws.com", "eks-fargate-pods.amazonaws.com", "edgelambda.amazonaws.com",
		"logs.us-east-1.amazonaws.com", "delivery.logs.amazonaws.com", "vpc-flow-logs.amazonaws.com",
		"airflow-env.amazonaws.com", "scheduler.amazonaws.com", "alexa-appkit.amazon.com",
	} {
		t.Run("accepts "+p, func(t *testing.T) {
			if err := svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "existing", PolicyDocument: trust(p)}); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, tc := range []struct {
		services []string
		bad      string
	}{
		{[]string{"nope.amazonaws.com"}, "nope.amazonaws.com"},                 // CloudFormation event for CreateRole
		{[]string{"codepipeiine.amazonaws.com"}, "codepipeiine.amazonaws.com"}, // a misspelt codepipeline
		{[]string{"eks.amazonaws.com.cn"}, "eks.amazonaws.com.cn"},             // China's form in the aws partition
		{[]string{"ec2.amazonaws.com", "invalid.amazonaws.com"}, "invalid.amazonaws.com"},
	} {
		t.Run("refuses "+tc.bad, func(t *testing.T) {
			want := `Invalid principal in policy: "SERVICE":"` + tc.bad + `"`
			_, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "r", AssumeRolePolicyDocument: trust(tc.services...)})
			rpWant(t, err, "MalformedPolicyDocument", want)
			err = svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "existing", PolicyDocument: trust(tc.services...)})
			rpWant(t, err, "MalformedPolicyDocument", want)
		})
	}
}
