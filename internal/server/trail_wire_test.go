package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
)

// callTrail is a dispatch.Trail for one request: it keeps the encoders, which the test calls after the request
// was answered, as the audit trail may.
type callTrail struct{ request, response func([]byte) []byte }

func (c *callTrail) Request(enc func([]byte) []byte)  { c.request = enc }
func (c *callTrail) Response(enc func([]byte) []byte) { c.response = enc }

// TestTrailOfRealClientsHoldsNoSecret: IAM, STS and Organizations calls of the AWS CLI, served with a Trail in
// each request's context, give the trail their parameters and answers under CloudTrail's names, and none of the
// secrets they carry: the password set, the secret keys and session token handed out, the new account's email
// and name (both sensitive in the Organizations model).
func TestTrailOfRealClientsHoldsNoSecret(t *testing.T) {
	s := startServer(t)
	var (
		mu     sync.Mutex
		events []string
	)
	h := s.srv.Handler()
	traced := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c callTrail
		h.ServeHTTP(w, r.WithContext(dispatch.WithTrail(r.Context(), &c)))
		event := []byte(`{"requestParameters":`)
		event = appendOrNull(event, c.request)
		event = append(event, `,"responseElements":`...)
		event = append(appendOrNull(event, c.response), '}')
		mu.Lock()
		events = append(events, string(event))
		mu.Unlock()
	}))
	defer traced.Close()
	cli := &testServer{URL: traced.URL, Data: s.Data, srv: s.srv, logs: s.logs}

	const password, email = "Tr4il-S3cret-Pa55!", "trail-secret@example.com"
	cli.mustCLI(t, rootCreds, nil, "iam", "create-user", "--user-name", "alice")
	cli.mustCLI(t, rootCreds, nil, "iam", "create-login-profile", "--user-name", "alice", "--password", password)
	var key struct{ AccessKey struct{ AccessKeyId, SecretAccessKey string } }
	cli.mustCLI(t, rootCreds, &key, "iam", "create-access-key", "--user-name", "alice")
	var session struct{ Credentials sessionCreds }
	cli.mustCLI(t, creds{key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey}, &session, "sts", "get-session-token")
	cli.mustCLI(t, rootCreds, nil, "organizations", "create-organization", "--feature-set", "ALL")
	cli.mustCLI(t, rootCreds, nil, "organizations", "create-account", "--email", email, "--account-name", "trail-test")

	mu.Lock()
	all := strings.Join(events, "\n")
	mu.Unlock()
	for _, e := range events {
		if !json.Valid([]byte(e)) {
			t.Errorf("not JSON: %s", e)
		}
	}
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

// appendOrNull appends what enc writes, or null when there is none.
func appendOrNull(b []byte, enc func([]byte) []byte) []byte {
	if enc == nil {
		return append(b, "null"...)
	}
	return bytes.Clone(enc(b))
}
