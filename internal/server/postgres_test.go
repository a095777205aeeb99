package server_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamsdktypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

// TestServesFromPostgres: iamd serve --store postgres://... keeps its data in PostgreSQL: IAM calls and the
// credentials they make work, the data outlives the server, a second node with a copy of the master key serves
// the first node's writes, and a node without the key is refused.
func TestServesFromPostgres(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	withStore := func(c *config.Config) { c.Store = url }
	dir := t.TempDir()
	a, stopA, err := launchServer(dir, nil, withStore)
	if err != nil {
		t.Fatal(err)
	}
	client := awsiam.NewFromConfig(a.sdkConfig(rootCreds))
	if _, err := client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("CAROL")})
	var exists *iamsdktypes.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("a second carol in another case: %v, want EntityAlreadyExists", err)
	}
	key, err := client.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	carol := creds{aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)}
	id, err := awssts.NewFromConfig(a.sdkConfig(carol)).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil || !strings.HasSuffix(aws.ToString(id.Arn), ":user/carol") {
		t.Fatalf("GetCallerIdentity with carol's new key: %v, %v", id, err)
	}

	// A second node: its own data directory with a copy of the master key, the same database.
	dirB := t.TempDir()
	keyFile, err := os.ReadFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirB, "master.key"), keyFile, 0o600); err != nil {
		t.Fatal(err)
	}
	b := startServer(t, func(c *config.Config) { c.DataDir, c.Store = dirB, url })
	clientB := awsiam.NewFromConfig(b.sdkConfig(rootCreds))
	if _, err := clientB.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatalf("node a reading node b's user: %v", err)
	}
	if _, err := awssts.NewFromConfig(b.sdkConfig(carol)).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("node b with the key node a made (sealed with the shared master key): %v", err)
	}

	// A node without the master key is refused.
	_, _, err = launchServer(t.TempDir(), nil, withStore)
	if !errors.Is(err, server.ErrDataDir) {
		t.Fatalf("a node without the master key: %v, want ErrDataDir", err)
	}

	// The data outlives the server.
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	a, stopA, err = launchServer(dir, nil, withStore)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := stopA(); err != nil {
			t.Error(err)
		}
	}()
	users, err := awsiam.NewFromConfig(a.sdkConfig(rootCreds)).ListUsers(ctx, &awsiam.ListUsersInput{})
	if err != nil || len(users.Users) != 2 {
		t.Fatalf("users after a restart: %v, %v; want carol and dave", users, err)
	}
}
