package server_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTrailOfRealClientsHoldsNoSecret: IAM, STS and Organizations calls of the AWS CLI are recorded in the audit
// trail with their parameters and answers under CloudTrail's names, and none of the secrets they carry: the password
// set, the secret keys and session token handed out, the new account's email and name (both sensitive in the
// Organizations model).
func TestTrailOfRealClientsHoldsNoSecret(t *testing.T) {
	s := startServer(t)
	cli := s
	const password, email = "Tr4il-S3cret-Pa55!", "trail-secret@example.com"
	cli.mustCLI(t, rootCreds, nil, "iam", "create-user", "--user-name", "alice")
	cli.mustCLI(t, rootCreds, nil, "iam", "create-login-profile", "--user-name", "alice", "--password", password)
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	cli.mustCLI(t, rootCreds, &key, "iam", "create-access-key", "--user-name", "alice")
	var session struct{ Credentials sessionCreds }
	cli.mustCLI(t, creds{key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey}, &session, "sts", "get-session-token")
	cli.mustCLI(t, rootCreds, nil, "organizations", "create-organization", "--feature-set", "ALL")
	cli.mustCLI(t, rootCreds, nil, "organizations", "create-account", "--email", email, "--account-name", "trail-test")

	var events []string
	for _, ev := range storedTrail(t, s) {
		pair, _ := json.Marshal(struct {
			P json.RawMessage `json:"requestParameters"`
			R json.RawMessage `json:"responseElements"`
		}{ev.RequestParameters, ev.ResponseElements})
		events = append(events, string(pair))
	}
	all := strings.Join(events, "\n")
	for _, secret := range []string{password, key.AccessKey.SecretAccessKey, session.Credentials.SecretAccessKey,
		session.Credentials.SessionToken, email, "trail-test"} {
		if secret == "" || strings.Contains(all, secret) {
			t.Errorf("the secret %q is in the trail (or the call did not return it):\n%s", secret, all)
		}
	}
	for _, want := range []string{
		`{"requestParameters":{"userName":"alice"},"responseElements":{"user":{"path":"/","userName":"alice"`,
		`{"requestParameters":{"userName":"alice","password":"HIDDEN_DUE_TO_SECURITY_REASONS"}`,
		`"secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS"`,
		`{"requestParameters":null,"responseElements":{"credentials":{"accessKeyId":"` + session.Credentials.AccessKeyId +
			`","secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS","sessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS","expiration":"`,
		`{"requestParameters":{"email":"HIDDEN_DUE_TO_SECURITY_REASONS","accountName":"HIDDEN_DUE_TO_SECURITY_REASONS"}`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the trail lacks %s:\n%s", want, all)
		}
	}
}
