package server_test

import (
	"testing"
)

// TestAWSCLIPolicyValidationAsAWS: the AWS CLI gets IAM's MalformedPolicyDocument texts, and CreateRole takes the
// trust policy that terraform-aws-modules' assumable-role modules write (an empty list under one principal type).
func TestAWSCLIPolicyValidationAsAWS(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "policyvalidation_test.go")
	const tfTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",` +
		`"Principal":{"AWS":"arn:aws:iam::123456789012:root","Service":[]}}]}`
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "tf-assumable", "--assume-role-policy-document", tfTrust)
	s.mustCLI(t, rootCreds, nil, "iam", "delete-role", "--role-name", "tf-assumable")

	cases := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown service principal", []string{"iam", "create-role", "--role-name", "r", "--assume-role-policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"nope.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
			`Invalid principal in policy: "SERVICE":"nope.amazonaws.com"`},
		{"trust policy with Resource", []string{"iam", "create-role", "--role-name", "r", "--assume-role-policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`},
			"Has prohibited field Resource"},
		{"managed policy without Version", []string{"iam", "create-policy", "--policy-name", "p", "--policy-document",
			`{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}}`},
			"Policy document must be version 2012-10-17 or greater."},
		{"region in an S3 ARN", []string{"iam", "create-policy", "--policy-name", "p", "--policy-document",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:us-east-1::example_bucket"}}`},
			"Resource arn:aws:s3:us-east-1::example_bucket can not contain region information."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := s.awsCLI(t, rootCreds, tc.args...)
			wantCLIError(t, out, errOut, code, "MalformedPolicyDocument", tc.msg)
		})
	}
}
