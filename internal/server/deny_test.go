package server_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// cliScenario is a server shared by the authorization scenarios of TestAWSCLIAuthorization, with every secret
// access key they created.
type cliScenario struct {
	s       *testServer
	mu      sync.Mutex
	secrets []string
	keyIDs  []string
}

// userWithKey creates an IAM user with an access key, as root, and returns the key.
func (sc *cliScenario) userWithKey(t *testing.T, name string) creds {
	t.Helper()
	sc.s.mustCLI(t, rootCreds, nil, "iam", "create-user", "--user-name", name)
	var out struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	sc.s.mustCLI(t, rootCreds, &out, "iam", "create-access-key", "--user-name", name)
	if out.AccessKey.AccessKeyId == "" || out.AccessKey.SecretAccessKey == "" {
		t.Fatalf("create-access-key: %+v", out)
	}
	sc.mu.Lock()
	sc.secrets = append(sc.secrets, out.AccessKey.SecretAccessKey)
	sc.keyIDs = append(sc.keyIDs, out.AccessKey.AccessKeyId)
	sc.mu.Unlock()
	return creds{out.AccessKey.AccessKeyId, out.AccessKey.SecretAccessKey}
}

// managedPolicy creates a customer managed policy and returns its ARN.
func (sc *cliScenario) managedPolicy(t *testing.T, name, doc string) string {
	t.Helper()
	var out struct{ Policy struct{ Arn string } }
	sc.s.mustCLI(t, rootCreds, &out, "iam", "create-policy", "--policy-name", name, "--policy-document", doc)
	return out.Policy.Arn
}

// attach creates a customer managed policy and attaches it to a user.
func (sc *cliScenario) attach(t *testing.T, user, name, doc string) {
	t.Helper()
	sc.s.mustCLI(t, rootCreds, nil, "iam", "attach-user-policy", "--user-name", user, "--policy-arn", sc.managedPolicy(t, name, doc))
}

// inline puts an inline policy on a user.
func (sc *cliScenario) inline(t *testing.T, user, name, doc string) {
	t.Helper()
	sc.s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", user, "--policy-name", name, "--policy-document", doc)
}

// expectError runs the AWS CLI and requires it to fail with the error code and a message that ends with msg, as
// the AWS CLI prints them: "An error occurred (CODE) when calling the OPERATION operation: MESSAGE" (with
// "(reached max retries: N)" before the colon in the standard retry mode).
func (sc *cliScenario) expectError(t *testing.T, c creds, code, operation, msg string, args ...string) {
	t.Helper()
	_, errOut, exit := sc.s.awsCLI(t, c, args...)
	want := regexp.MustCompile(`An error occurred \(` + regexp.QuoteMeta(code) + `\) when calling the ` + regexp.QuoteMeta(operation) +
		` operation( \(reached max retries: \d+\))?: ` + regexp.QuoteMeta(msg) + `$`)
	if exit == 0 || !want.MatchString(strings.TrimSpace(errOut)) {
		t.Fatalf("aws %s: exit %d\n%s\nwant the error to end with (%s) ... %s", strings.Join(args, " "), exit, errOut, code, msg)
	}
}

// denyMessage is AWS's AccessDenied message for an IAM user.
func denyMessage(user, action, resource, reason string) string {
	return "User: arn:aws:iam::" + account + ":user/" + user + " is not authorized to perform: " + action +
		" on resource: " + resource + " " + reason
}

func iamUserARN(name string) string { return "arn:aws:iam::" + account + ":user/" + name }

// TestAWSCLIAuthorization drives the policy engine through the AWS CLI as IAM users with narrow policies, explicit
// denies, a permissions boundary and conditions, then checks that no secret access key leaked to the log or, in
// clear, to the data directory.
func TestAWSCLIAuthorization(t *testing.T) {
	needRealClient(t, "aws")
	t.Parallel()
	sc := &cliScenario{s: startServer(t), secrets: []string{rootSecret}}

	t.Run("scenarios", func(t *testing.T) {
		t.Run("a narrow managed policy allows only the actions it names", func(t *testing.T) {
			t.Parallel()
			dana := sc.userWithKey(t, "dana")
			sc.attach(t, "dana", "DanaReadUsers", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Action":["iam:GetUser","iam:ListUsers"],"Resource":"arn:aws:iam::`+account+`:user/*"}]}`)
			var got struct{ User struct{ Arn string } }
			sc.s.mustCLI(t, dana, &got, "iam", "get-user", "--user-name", "dana")
			if got.User.Arn != iamUserARN("dana") {
				t.Fatalf("get-user: %+v", got)
			}
			var list struct{ Users []struct{ UserName string } }
			sc.s.mustCLI(t, dana, &list, "iam", "list-users")
			if len(list.Users) == 0 {
				t.Fatalf("list-users: %+v", list)
			}
			sc.expectError(t, dana, "AccessDenied", "CreateUser",
				denyMessage("dana", "iam:CreateUser", iamUserARN("x"), "because no identity-based policy allows the iam:CreateUser action"),
				"iam", "create-user", "--user-name", "x")
			sc.expectError(t, rootCreds, "NoSuchEntity", "GetUser", "The user with name x cannot be found.",
				"iam", "get-user", "--user-name", "x")
		})

		t.Run("an explicit deny overrides an allow", func(t *testing.T) {
			t.Parallel()
			allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}]}`
			deny := func(name string) string {
				return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"` + iamUserARN(name) + `"}]}`
			}
			cases := []struct {
				name, user string
				policies   func(t *testing.T, user string)
			}{
				{"in the same policy", "erin", func(t *testing.T, user string) {
					sc.inline(t, user, "both", `{"Version":"2012-10-17","Statement":[
						{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"},
						{"Sid":"NoX","Effect":"Deny","Action":"iam:CreateUser","Resource":"`+iamUserARN("x-"+user)+`"}]}`)
				}},
				{"in another policy", "frank", func(t *testing.T, user string) {
					sc.inline(t, user, "allow", allow)
					sc.attach(t, user, "DenyX-"+user, deny("x-"+user))
				}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					k := sc.userWithKey(t, c.user)
					c.policies(t, c.user)
					sc.s.mustCLI(t, k, nil, "iam", "create-user", "--user-name", "y-"+c.user)
					sc.expectError(t, k, "AccessDenied", "CreateUser",
						denyMessage(c.user, "iam:CreateUser", iamUserARN("x-"+c.user), "with an explicit deny in an identity-based policy"),
						"iam", "create-user", "--user-name", "x-"+c.user)
				})
			}
		})

		t.Run("a permissions boundary limits what an identity policy allows", func(t *testing.T) {
			t.Parallel()
			k := sc.userWithKey(t, "gina")
			sc.inline(t, "gina", "everything", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`)
			boundary := sc.managedPolicy(t, "GetOnly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`)
			sc.s.mustCLI(t, rootCreds, nil, "iam", "put-user-permissions-boundary", "--user-name", "gina", "--permissions-boundary", boundary)
			var got struct {
				User struct {
					PermissionsBoundary struct{ PermissionsBoundaryArn, PermissionsBoundaryType string }
				}
			}
			sc.s.mustCLI(t, k, &got, "iam", "get-user", "--user-name", "gina")
			if pb := got.User.PermissionsBoundary; pb.PermissionsBoundaryArn != boundary || pb.PermissionsBoundaryType != "PermissionsBoundaryPolicy" {
				t.Fatalf("get-user: %+v", got)
			}
			sc.expectError(t, k, "AccessDenied", "CreateUser",
				denyMessage("gina", "iam:CreateUser", iamUserARN("x"), "because no permissions boundary allows the iam:CreateUser action"),
				"iam", "create-user", "--user-name", "x")
		})

		t.Run("aws:SecureTransport is false over plain HTTP", func(t *testing.T) {
			t.Parallel()
			cases := []struct {
				user, value string
				denied      bool
			}{
				{"hal", "false", true},
				{"ida", "true", false},
			}
			for _, c := range cases {
				t.Run("Deny when "+c.value, func(t *testing.T) {
					k := sc.userWithKey(t, c.user)
					sc.inline(t, c.user, "https-only", `{"Version":"2012-10-17","Statement":[
						{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"},
						{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"`+c.value+`"}}}]}`)
					args := []string{"iam", "create-user", "--user-name", "z-" + c.user}
					if !c.denied {
						sc.s.mustCLI(t, k, nil, args...)
						return
					}
					sc.expectError(t, k, "AccessDenied", "CreateUser",
						denyMessage(c.user, "iam:CreateUser", iamUserARN("z-"+c.user), "with an explicit deny in an identity-based policy"), args...)
				})
			}
		})

		t.Run("aws:SourceIp is the loopback address", func(t *testing.T) {
			t.Parallel()
			cases := []struct {
				user, cidr string
				denied     bool
			}{
				{"jo", "127.0.0.0/8", false},
				{"kim", "203.0.113.0/24", true},
			}
			for _, c := range cases {
				t.Run("Allow from "+c.cidr, func(t *testing.T) {
					k := sc.userWithKey(t, c.user)
					sc.inline(t, c.user, "from-network", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser",
						"Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"`+c.cidr+`"}}}]}`)
					args := []string{"iam", "create-user", "--user-name", "w-" + c.user}
					if !c.denied {
						sc.s.mustCLI(t, k, nil, args...)
						return
					}
					sc.expectError(t, k, "AccessDenied", "CreateUser",
						denyMessage(c.user, "iam:CreateUser", iamUserARN("w-"+c.user), "because no identity-based policy allows the iam:CreateUser action"), args...)
				})
			}
		})

		t.Run("an inactive access key is rejected until reactivated", func(t *testing.T) {
			t.Parallel()
			k := sc.userWithKey(t, "lee")
			sc.inline(t, "lee", "self", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"`+iamUserARN("lee")+`"}]}`)
			sc.s.mustCLI(t, k, nil, "iam", "get-user", "--user-name", "lee")
			sc.s.mustCLI(t, rootCreds, nil, "iam", "update-access-key", "--user-name", "lee", "--access-key-id", k.id, "--status", "Inactive")
			sc.expectError(t, k, "InvalidClientTokenId", "GetUser", "The security token included in the request is invalid.",
				"iam", "get-user", "--user-name", "lee")
			var keys struct {
				AccessKeyMetadata []struct{ AccessKeyId, Status string }
			}
			sc.s.mustCLI(t, rootCreds, &keys, "iam", "list-access-keys", "--user-name", "lee")
			if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].Status != "Inactive" {
				t.Fatalf("list-access-keys: %+v", keys)
			}
			sc.s.mustCLI(t, rootCreds, nil, "iam", "update-access-key", "--user-name", "lee", "--access-key-id", k.id, "--status", "Active")
			sc.s.mustCLI(t, k, nil, "iam", "get-user", "--user-name", "lee")
		})
	})

	t.Run("no secret access key is in the log or in clear in the data directory", func(t *testing.T) {
		sc.mu.Lock()
		secrets, keyIDs := sc.secrets, sc.keyIDs
		sc.mu.Unlock()
		if len(keyIDs) == 0 {
			t.Skip("no scenario created an access key")
		}
		logs := sc.s.logs.String()
		if logs == "" {
			t.Fatal("the server logged nothing")
		}
		files := map[string][]byte{}
		// On PostgreSQL the stored data is not in the data directory: the log and the directory's files are
		// checked for secrets, but the scan cannot be required to find the access key IDs there.
		onPostgres := os.Getenv(testStoreEnv) == "postgres"
		err := filepath.WalkDir(sc.s.Data, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			files[path] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// The scan must see the stored data: every access key ID is kept in clear.
		for _, id := range keyIDs {
			if onPostgres {
				break
			}
			found := false
			for _, b := range files {
				found = found || bytes.Contains(b, []byte(id))
			}
			if !found {
				t.Errorf("access key ID %s is in no file of %s: the scan does not see the database", id, sc.s.Data)
			}
		}
		for _, secret := range secrets {
			if strings.Contains(logs, secret) {
				t.Errorf("the log holds the secret access key %s...", secret[:4])
			}
			for path, b := range files {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("%s holds the secret access key %s... in clear", path, secret[:4])
				}
			}
		}
	})
}
