package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestSDKv2AccessAnalyzerPolicyChecks: aws-sdk-go-v2's accessanalyzer client, unchanged, calls the four policy
// checks against iamd and reads their answers as typed values: ValidatePolicy's findings with their locations,
// each custom check's PASS or FAIL with its reasons, a bad enum as *types.ValidationException with its field, and a
// caller without access-analyzer permissions as *types.AccessDeniedException.
func TestSDKv2AccessAnalyzerPolicyChecks(t *testing.T) {
	ctx := context.Background()
	s := sharedServer(t, "accessanalyzer_sdk_test.go")
	client := accessanalyzer.NewFromConfig(s.sdkConfig(rootCreds))

	t.Run("ValidatePolicy reports findings with their locations", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:NoSuchAction","Resource":"*"}]}`
		out, err := client.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyType: aatypes.PolicyTypeIdentityPolicy, PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Findings) != 1 {
			t.Fatalf("findings %+v", out.Findings)
		}
		f := out.Findings[0]
		if aws.ToString(f.IssueCode) != "INVALID_ACTION" || f.FindingType != aatypes.ValidatePolicyFindingTypeError || len(f.Locations) != 1 ||
			f.Locations[0].Span == nil || int(aws.ToInt32(f.Locations[0].Span.Start.Offset)) != strings.Index(doc, `"s3:NoSuchAction"`) {
			t.Fatalf("finding %s at %+v", aws.ToString(f.IssueCode), f.Locations[0].Span)
		}
		if len(f.Locations[0].Path) != 3 {
			t.Fatalf("path %+v", f.Locations[0].Path)
		}
		if v, ok := f.Locations[0].Path[0].(*aatypes.PathElementMemberValue); !ok || v.Value != "Statement" {
			t.Fatalf("path %+v", f.Locations[0].Path[0])
		}
	})
	t.Run("CheckNoNewAccess fails on an added action with its statement", func(t *testing.T) {
		out, err := client.CheckNoNewAccess(ctx, &accessanalyzer.CheckNoNewAccessInput{PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy,
			ExistingPolicyDocument: aws.String(aaExisting), NewPolicyDocument: aws.String(aaNew)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Result != aatypes.CheckNoNewAccessResultFail || len(out.Reasons) != 1 || out.Reasons[0].StatementIndex == nil ||
			!strings.Contains(aws.ToString(out.Reasons[0].Description), "iamd witness: ") {
			t.Fatalf("got %s %+v", out.Result, out.Reasons)
		}
	})
	t.Run("CheckAccessNotGranted finds iam:PassRole", func(t *testing.T) {
		out, err := client.CheckAccessNotGranted(ctx, &accessanalyzer.CheckAccessNotGrantedInput{PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy,
			PolicyDocument: aws.String(aaPassRole), Access: []aatypes.Access{{Actions: []string{"iam:PassRole"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Result != aatypes.CheckAccessNotGrantedResultFail || len(out.Reasons) != 1 {
			t.Fatalf("got %s %+v", out.Result, out.Reasons)
		}
	})
	t.Run("CheckNoPublicAccess passes a grant to one user", func(t *testing.T) {
		out, err := client.CheckNoPublicAccess(ctx, &accessanalyzer.CheckNoPublicAccessInput{PolicyDocument: aws.String(aaBucketPolicy),
			ResourceType: aatypes.AccessCheckResourceTypeS3Bucket})
		if err != nil {
			t.Fatal(err)
		}
		if out.Result != aatypes.CheckNoPublicAccessResultPass || len(out.Reasons) != 0 {
			t.Fatalf("got %s %+v", out.Result, out.Reasons)
		}
	})
	t.Run("a bad enum is a ValidationException naming its field", func(t *testing.T) {
		_, err := client.CheckNoNewAccess(ctx, &accessanalyzer.CheckNoNewAccessInput{PolicyType: "SESSION_POLICY",
			ExistingPolicyDocument: aws.String(aaExisting), NewPolicyDocument: aws.String(aaNew)})
		var ve *aatypes.ValidationException
		if !errors.As(err, &ve) || len(ve.FieldList) != 1 || aws.ToString(ve.FieldList[0].Name) != "policyType" {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a caller without access-analyzer permissions is denied", func(t *testing.T) {
		iamClient := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
		if _, err := iamClient.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("aa-sdk-nobody")}); err != nil {
			t.Fatal(err)
		}
		key, err := iamClient.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("aa-sdk-nobody")})
		if err != nil {
			t.Fatal(err)
		}
		nobody := accessanalyzer.NewFromConfig(s.sdkConfig(creds{aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)}))
		_, err = nobody.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyType: aatypes.PolicyTypeIdentityPolicy, PolicyDocument: aws.String(aaExisting)})
		var ad *aatypes.AccessDeniedException
		if !errors.As(err, &ad) {
			t.Fatalf("err %v", err)
		}
	})
}
