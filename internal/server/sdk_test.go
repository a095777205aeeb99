package server_test

import (
	"context"
	"errors"
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
