package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// iamQuery sends an IAM query-protocol call signed with creds and returns the status and body of the answer.
func iamQuery(t *testing.T, client *http.Client, endpoint string, creds sigv4.Credentials, params url.Values) (int, string) {
	t.Helper()
	params.Set("Version", "2010-05-08")
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), creds, "us-east-1", "iam", time.Now())
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAnalyzeGeneratePolicyFromTheDataDirectory: a user of a server on a data directory reads two users and is
// refused a third call; "iamd analyze generate-policy" on that directory prints the policy that allows what it
// did, on the users it read, and nothing of what it was refused.
func TestAnalyzeGeneratePolicyFromTheDataDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	call := func(c sigv4.Credentials, want int, kv ...string) string {
		t.Helper()
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		code, body := iamQuery(t, client, endpoint, c, v)
		if code != want {
			t.Fatalf("%s: %d %s", kv[1], code, body)
		}
		return body
	}
	call(root, 200, "Action", "CreateUser", "UserName", "gen-user")
	call(root, 200, "Action", "CreateUser", "UserName", "other")
	call(root, 200, "Action", "PutUserPolicy", "UserName", "gen-user", "PolicyName", "read",
		"PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	key := call(root, 200, "Action", "CreateAccessKey", "UserName", "gen-user")
	user := sigv4.Credentials{AccessKeyID: regexp.MustCompile(`<AccessKeyId>(\S+?)</AccessKeyId>`).FindStringSubmatch(key)[1],
		SecretAccessKey: regexp.MustCompile(`<SecretAccessKey>(\S+?)</SecretAccessKey>`).FindStringSubmatch(key)[1]}
	call(user, 200, "Action", "GetUser", "UserName", "gen-user")
	call(user, 200, "Action", "GetUser", "UserName", "other")
	call(user, 403, "Action", "ListUsers")
	client.CloseIdleConnections()
	s.stop(t)

	r := runIamd(t, nil, "", "analyze", "generate-policy", "--data", dir, "--principal", "arn:aws:iam::123456789012:user/gen-user", "--start", "1h")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var p struct {
		Statement []struct {
			Action   string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(p.Statement) != 1 || p.Statement[0].Action != "iam:GetUser" ||
		strings.Join(p.Statement[0].Resource, " ") != "arn:aws:iam::123456789012:user/gen-user arn:aws:iam::123456789012:user/other" {
		t.Fatalf("policy %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "3 events read, 1 refused") {
		t.Errorf("stderr %q", r.stderr)
	}

	t.Run("without resources, on *", func(t *testing.T) {
		r := runIamd(t, nil, "", "analyze", "generate-policy", "--data", dir, "--principal", "arn:aws:iam::123456789012:user/gen-user", "--resources=false")
		if r.code != exitOK || !strings.Contains(r.stdout, `"Resource": "*"`) {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("a principal that used nothing or does not exist exits 1", func(t *testing.T) {
		for _, p := range []string{"arn:aws:iam::123456789012:user/other", "arn:aws:iam::123456789012:role/none"} {
			if r := runIamd(t, nil, "", "analyze", "generate-policy", "--data", dir, "--principal", p); r.code != exitFail || r.stdout != "" {
				t.Errorf("%s: exit %d\n%s%s", p, r.code, r.stdout, r.stderr)
			}
		}
	})
	t.Run("a window longer than 90 days is a usage error", func(t *testing.T) {
		if r := runIamd(t, nil, "", "analyze", "generate-policy", "--data", dir, "--principal", "arn:aws:iam::123456789012:user/gen-user", "--start", "91d"); r.code != exitUsage {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
}
