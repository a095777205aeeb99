package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/server"
)

// TestAWSCLIPartitionAccounts creates accounts in aws-cn and aws-us-gov as "iamd account create --partition" does
// (through the running server's operator endpoint) and drives IAM and STS with the AWS CLI signing for the
// partition's IAM Region: ARNs, AWS managed policy ARNs and the caller identity are the partition's, another
// partition's managed policy does not exist, and a request signed for a Region of another partition is refused.
func TestAWSCLIPartitionAccounts(t *testing.T) {
	s := startServer(t)
	serveFile(t, s.URL, s.Data)
	for _, tc := range []struct {
		partition, account, region, foreignRegion string
	}{
		{"aws-cn", "210987654321", "cn-north-1", "us-east-1"},
		{"aws-us-gov", "310987654321", "us-gov-west-1", "cn-north-1"},
	} {
		t.Run(tc.partition, func(t *testing.T) {
			c, err := server.CreateAccountOnServer(context.Background(), s.Data, server.AccountRequest{AccountId: tc.account, Partition: tc.partition})
			if err != nil {
				t.Fatal(err)
			}
			root := creds{c.AccessKeyId, c.SecretAccessKey}
			prefix := "arn:" + tc.partition + ":"
			var id struct{ Account, Arn string }
			s.mustCLI(t, root, &id, "--region", tc.region, "sts", "get-caller-identity")
			if id.Account != tc.account || id.Arn != prefix+"iam::"+tc.account+":root" {
				t.Fatalf("caller identity %+v", id)
			}
			var u struct{ User struct{ Arn string } }
			s.mustCLI(t, root, &u, "--region", tc.region, "iam", "create-user", "--user-name", "alice")
			if u.User.Arn != prefix+"iam::"+tc.account+":user/alice" {
				t.Fatalf("user ARN %s", u.User.Arn)
			}
			readOnly := prefix + "iam::aws:policy/ReadOnlyAccess"
			s.mustCLI(t, root, nil, "--region", tc.region, "iam", "attach-user-policy", "--user-name", "alice", "--policy-arn", readOnly)
			var att struct{ AttachedPolicies []struct{ PolicyArn string } }
			s.mustCLI(t, root, &att, "--region", tc.region, "iam", "list-attached-user-policies", "--user-name", "alice")
			if len(att.AttachedPolicies) != 1 || att.AttachedPolicies[0].PolicyArn != readOnly {
				t.Fatalf("attached %+v", att)
			}
			out, errOut, code := s.awsCLI(t, root, "--region", tc.region, "iam", "attach-user-policy", "--user-name", "alice",
				"--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
			wantCLIError(t, out, errOut, code, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/AdministratorAccess does not exist or is not attachable.")

			// A role and its session: the assumed-role ARN is the partition's.
			s.mustCLI(t, root, nil, "--region", tc.region, "iam", "create-role", "--role-name", "ops",
				"--assume-role-policy-document", trustDoc(prefix+"iam::"+tc.account+":root", ""))
			s.mustCLI(t, root, nil, "--region", tc.region, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume", "--policy-document", allowAssumeAny)
			var key struct {
				AccessKey struct{ AccessKeyId, SecretAccessKey string }
			}
			s.mustCLI(t, root, &key, "--region", tc.region, "iam", "create-access-key", "--user-name", "alice")
			alice := creds{key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey}
			var ar assumeRoleOut
			s.mustCLI(t, alice, &ar, "--region", tc.region, "sts", "assume-role", "--role-arn", prefix+"iam::"+tc.account+":role/ops", "--role-session-name", "s1")
			if ar.AssumedRoleUser.Arn != prefix+"sts::"+tc.account+":assumed-role/ops/s1" {
				t.Fatalf("assumed role %+v", ar.AssumedRoleUser)
			}

			out, errOut, code = s.awsCLI(t, root, "--region", tc.foreignRegion, "iam", "list-users")
			wantCLIError(t, out, errOut, code, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '"+tc.foreignRegion+"'.")
		})
	}
	// The default account stays in aws and cannot sign for a China Region.
	out, errOut, code := s.awsCLI(t, rootCreds, "--region", "cn-north-1", "sts", "get-caller-identity")
	wantCLIError(t, out, errOut, code, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'cn-north-1'.")
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("server URL %s", s.URL)
	}
}
