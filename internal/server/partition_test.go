package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/iam"
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
	// A partition iamd does not know is refused by the operator API as bad input.
	if _, err := server.CreateAccountOnServer(context.Background(), s.Data, server.AccountRequest{AccountId: "510987654321", Partition: "aws-iso"}); !errors.Is(err, iam.ErrInvalidAccountRequest) {
		t.Fatalf("aws-iso: %v", err)
	}
	// The default account stays in aws and cannot sign for a China Region.
	out, errOut, code := s.awsCLI(t, rootCreds, "--region", "cn-north-1", "sts", "get-caller-identity")
	wantCLIError(t, out, errOut, code, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not 'cn-north-1'.")
}

// TestAWSCLICreateGovCloudAccount: the management account of an organization in aws creates a commercial member
// account paired with a standalone aws-us-gov account; the GovCloud account is not in the organization, takes its
// first root key from the operator ("iamd account create --partition aws-us-gov") and signs for us-gov-west-1.
func TestAWSCLICreateGovCloudAccount(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	serveFile(t, s.URL, s.Data)
	s.mustCLI(t, rootCreds, nil, "organizations", "create-organization")
	var created struct {
		CreateAccountStatus struct{ Id, State, AccountId, GovCloudAccountId, AccountName string }
	}
	s.mustCLI(t, rootCreds, &created, "organizations", "create-gov-cloud-account", "--email", "gov@example.com", "--account-name", "gov")
	st := created.CreateAccountStatus
	if st.State != "SUCCEEDED" || len(st.AccountId) != 12 || len(st.GovCloudAccountId) != 12 || st.AccountId == st.GovCloudAccountId ||
		!strings.HasPrefix(st.Id, "car-") || st.AccountName != "gov" {
		t.Fatalf("create-gov-cloud-account %+v", st)
	}
	var status struct {
		CreateAccountStatus struct{ State, AccountId, GovCloudAccountId string }
	}
	s.mustCLI(t, rootCreds, &status, "organizations", "describe-create-account-status", "--create-account-request-id", st.Id)
	if status.CreateAccountStatus.GovCloudAccountId != st.GovCloudAccountId || status.CreateAccountStatus.AccountId != st.AccountId {
		t.Fatalf("describe-create-account-status %+v", status)
	}
	// The commercial account is a member; the GovCloud account is not.
	var listed struct{ Accounts []struct{ Id string } }
	s.mustCLI(t, rootCreds, &listed, "organizations", "list-accounts")
	ids := ""
	for _, a := range listed.Accounts {
		ids += a.Id + " "
	}
	if !strings.Contains(ids, st.AccountId) || strings.Contains(ids, st.GovCloudAccountId) {
		t.Fatalf("accounts %s (commercial %s, GovCloud %s)", ids, st.AccountId, st.GovCloudAccountId)
	}
	// The GovCloud account is in aws-us-gov: asking for it in another partition is refused, in its own it gets
	// its first root key and its access role is there with GovCloud's AdministratorAccess.
	if _, err := server.CreateAccountOnServer(context.Background(), s.Data, server.AccountRequest{AccountId: st.GovCloudAccountId}); err == nil ||
		!strings.Contains(err.Error(), "is in the aws-us-gov partition") {
		t.Fatalf("the GovCloud account as an aws account: %v", err)
	}
	c, err := server.CreateAccountOnServer(context.Background(), s.Data, server.AccountRequest{AccountId: st.GovCloudAccountId, Partition: "aws-us-gov"})
	if err != nil {
		t.Fatal(err)
	}
	gov := creds{c.AccessKeyId, c.SecretAccessKey}
	var roles struct{ AttachedPolicies []struct{ PolicyArn string } }
	s.mustCLI(t, gov, &roles, "--region", "us-gov-west-1", "iam", "list-attached-role-policies", "--role-name", "OrganizationAccountAccessRole")
	if len(roles.AttachedPolicies) != 1 || roles.AttachedPolicies[0].PolicyArn != "arn:aws-us-gov:iam::aws:policy/AdministratorAccess" {
		t.Fatalf("access role policies %+v", roles)
	}
	// An organization's account in another partition cannot call it.
	out, errOut, code := s.awsCLI(t, gov, "--region", "us-gov-west-1", "organizations", "create-gov-cloud-account", "--email", "x@example.com", "--account-name", "x")
	if code == 0 || !strings.Contains(errOut, "UnsupportedAPIEndpointException") {
		t.Fatalf("create-gov-cloud-account from GovCloud: exit %d\n%s\n%s", code, out, errOut)
	}
}
