package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamsdktypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// sdkConfig returns an aws-sdk-go-v2 configuration pointing at the test server.
func (s *testServer) sdkConfig(c creds) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(c.id, c.secret, ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	}
}

func TestSDKv2UsersAndCallerIdentity(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	cfg := s.sdkConfig(rootCreds)
	stsClient := awssts.NewFromConfig(cfg)
	id, err := stsClient.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Account) != account {
		t.Fatalf("account %s", aws.ToString(id.Account))
	}
	client := awsiam.NewFromConfig(cfg)
	created, err := client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol"), Tags: []iamsdktypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aws.ToString(created.User.UserId), "AIDA") || created.User.CreateDate == nil {
		t.Fatalf("created %+v", created.User)
	}
	got, err := client.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("carol")})
	if err != nil || aws.ToString(got.User.Arn) != "arn:aws:iam::"+account+":user/carol" || len(got.User.Tags) != 1 {
		t.Fatalf("get: %+v %v", got, err)
	}
	pager := awsiam.NewListUsersPaginator(client, &awsiam.ListUsersInput{MaxItems: aws.Int32(1)})
	n := 0
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Users)
	}
	if n != 1 {
		t.Fatalf("listed %d users", n)
	}
	_, err = client.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("nobody")})
	var nse *iamsdktypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("missing user: %v", err)
	}
	_, err = client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("CAROL")})
	var eae *iamsdktypes.EntityAlreadyExistsException
	if !errors.As(err, &eae) {
		t.Fatalf("duplicate: %v", err)
	}
	bad := awsiam.NewFromConfig(s.sdkConfig(creds{rootKeyID, "not-the-secret-not-the-secret-not-the-se"}))
	_, err = bad.ListUsers(ctx, &awsiam.ListUsersInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("tampered: %v", err)
	}
}

// sdkCallerARN calls GetCallerIdentity with aws-sdk-go-v2 and returns the caller's ARN, failing the test on an error:
// the in-process stand-in for "aws sts get-caller-identity" where the AWS CLI is not what a test is about. With a
// caFile, the client trusts that certificate as AWS_CA_BUNDLE makes the CLI do.
func (s *testServer) sdkCallerARN(t *testing.T, c creds, caFile string) string {
	t.Helper()
	cfg := s.sdkConfig(c)
	if caFile != "" {
		pemBytes, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			t.Fatalf("no certificate in %s", caFile)
		}
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	id, err := awssts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(id.Arn)
}
