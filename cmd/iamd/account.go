package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/server"
)

const accountUsage = `Usage:
  iamd account create --id ACCOUNT_ID [--partition aws|aws-cn|aws-us-gov] [--data DIR]
                      [--access-key-id ID --secret-access-key SECRET]

Creates a standalone account with the chosen 12-digit ID and prints its root credentials once, as JSON:
{"AccountId": ..., "AccessKeyId": ..., "SecretAccessKey": ...}. A root key is generated unless one is given.
When an iamd server runs on DIR (it keeps DIR/` + server.ServeFileName + `), the account is created through that
server's operator endpoint and is usable at once; otherwise in DIR directly (created if absent). An account whose
root has a key is refused (exit 1) and keeps its key; one that Organizations created without root credentials gets
its first root key. --partition puts the account in the China (aws-cn) or GovCloud (aws-us-gov) partition: its
ARNs begin arn:aws-cn: or arn:aws-us-gov:, and its requests must be signed for a Region of that partition
(cn-north-1, us-gov-west-1, ...). The default is aws.

`

// runAccount runs "iamd account SUBCOMMAND".
func runAccount(ctx context.Context, s stdio, args []string) int {
	return runSubcommand(ctx, s, "iamd account", accountUsage, args, map[string]command{
		"create": runAccountCreate,
	})
}

// runAccountCreate creates an account through the running server on the data directory, or in the directory.
func runAccountCreate(ctx context.Context, s stdio, args []string) int {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	cfg.AWSData = s.getenv(envAWSData)
	var req server.AccountRequest
	fs := newFlagSet("iamd account create", accountUsage, s.stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (env IAMD_DATA)")
	cfg.AddMasterKeyFlags(fs, s.getenv)
	fs.StringVar(&req.AccountId, "id", "", "12-digit ID of the new account")
	fs.StringVar(&req.AccessKeyId, "access-key-id", "", "root access key ID to use instead of a generated one")
	fs.StringVar(&req.SecretAccessKey, "secret-access-key", "", "root secret access key, with --access-key-id")
	fs.StringVar(&req.Partition, "partition", "aws", "partition of the account: aws, aws-cn or aws-us-gov")
	fs.StringVar(&cfg.AWSData, "aws-data", cfg.AWSData, "directory of AWS authorization data, when creating in the directory (env "+envAWSData+")")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected arguments: %q", pos)
	}
	if cfg.DataDir == "" {
		return usageError(fs, "--data must not be empty")
	}
	if err := iam.ValidateAccountRequest(req.AccountId, req.AccessKeyId, req.SecretAccessKey); err != nil {
		return usageError(fs, "%v", err)
	}
	if p, err := awsregion.ParsePartition(req.Partition); err != nil {
		return usageError(fs, "--partition: %v", err)
	} else if p == awsregion.AWS {
		req.Partition = "" // the default: the request and the printed credentials stay as they were before partitions
	}
	creds, err := server.CreateAccountOnServer(ctx, cfg.DataDir, req)
	if errors.Is(err, server.ErrNoServer) {
		if err != server.ErrNoServer { // a stale serve file: say why the server is not used
			fmt.Fprintf(s.stderr, "iamd account create: %v; creating the account in %s directly\n", err, cfg.DataDir)
		}
		creds, err = server.CreateAccountInDir(ctx, cfg, req)
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd account create: %v\n", err)
		if errors.Is(err, iam.ErrInvalidAccountRequest) {
			return exitUsage
		}
		return exitFail
	}
	out, err := json.MarshalIndent(creds, "", "    ")
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd account create: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(s.stdout, "%s\n", out)
	return exitOK
}
