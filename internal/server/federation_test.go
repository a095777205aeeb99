package server_test

import (
	"strings"
	"testing"
)

// federationOut is the AWS CLI's output of sts get-federation-token.
type federationOut struct {
	Credentials      sessionCreds
	FederatedUser    struct{ FederatedUserId, Arn string }
	PackedPolicySize *int
}

// TestAWSCLIFederation drives GetFederationToken and GetAccessKeyInfo through the AWS CLI. Federated credentials
// identify the federated user and, as on AWS, cannot call IAM at all (their intersection semantics are tested in
// internal/sts on other services' actions).
func TestAWSCLIFederation(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	alice := credsUserWithKey(t, s, "alice")
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "fed", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","iam:ListUsers","iam:GetUser"],"Resource":"*"}]}`)
	fedARN := "arn:aws:sts::" + account + ":federated-user/bob"

	var out federationOut
	s.mustCLI(t, alice, &out, "sts", "get-federation-token", "--name", "bob", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}`)
	if !strings.HasPrefix(out.Credentials.AccessKeyId, "ASIA") || out.FederatedUser.Arn != fedARN ||
		out.FederatedUser.FederatedUserId != account+":bob" || out.PackedPolicySize == nil {
		t.Fatalf("get-federation-token %+v", out)
	}
	o, e, code := s.sessionCLI(t, out.Credentials, "sts", "get-caller-identity")
	if code != 0 || !strings.Contains(o, `"`+fedARN+`"`) || !strings.Contains(o, `"`+account+`:bob"`) {
		t.Fatalf("get-caller-identity: exit %d %s %s", code, o, e)
	}
	o, e, code = s.sessionCLI(t, out.Credentials, "iam", "list-users")
	wantCLIError(t, o, e, code, "InvalidClientTokenId", "The security token included in the request is invalid")

	o, e, code = s.sessionCLI(t, out.Credentials, "sts", "get-federation-token", "--name", "again")
	wantCLIError(t, o, e, code, "AccessDenied", "Cannot call GetFederationToken with session credentials")

	var info struct{ Account string }
	s.mustCLI(t, rootCreds, &info, "sts", "get-access-key-info", "--access-key-id", alice.id)
	if info.Account != account {
		t.Fatalf("get-access-key-info %+v", info)
	}
}
