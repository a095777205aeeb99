package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/server"
)

// offsetClock is the IAM service's clock in these tests: real time plus an offset the test moves.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *offsetClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// startServerWithClock is startServer with the IAM service on a clock the test controls, set before the server
// serves its first request.
func startServerWithClock(t *testing.T) (*testServer, *offsetClock) {
	t.Helper()
	clk := &offsetClock{}
	s := startTunedServer(t, func(srv *server.Server) {
		srv.IAM.Now = clk.now
		srv.IAM.RealNow = clk.now // the tests' authenticator codes follow this clock too
	})
	return s, clk
}

// sessionCreds are temporary credentials as GetSessionToken returns them.
type sessionCreds struct {
	AccessKeyId, SecretAccessKey, SessionToken, Expiration string
}

func (sc sessionCreds) creds() creds { return creds{sc.AccessKeyId, sc.SecretAccessKey} }

// sessionCLI runs the AWS CLI with temporary credentials (AWS_SESSION_TOKEN).
func (s *testServer) sessionCLI(t *testing.T, sc sessionCreds, args ...string) (string, string, int) {
	t.Helper()
	return s.awsCLIEnv(t, sc.creds(), []string{"AWS_SESSION_TOKEN=" + sc.SessionToken}, args...)
}

// wantCLIError requires a failed AWS CLI run whose message names the error code and contains msg.
func wantCLIError(t *testing.T, stdout, stderr string, exit int, code, msg string) {
	t.Helper()
	if exit == 0 || !strings.Contains(stderr, "("+code+")") || !strings.Contains(stderr, msg) {
		t.Fatalf("exit %d, stdout %s\nstderr %s\nwant (%s) ... %s", exit, stdout, stderr, code, msg)
	}
}

// credsUserWithKey creates a user and an access key as root, over the query API in process: it is the setup of
// tests that need no real client, so that they run under -short too.
func credsUserWithKey(t *testing.T, s *testServer, name string) creds {
	t.Helper()
	return s.userWithPolicy(t, name, "")
}

// totpAt is the virtual device's code at a time, as an authenticator app computes it.
func totpAt(t *testing.T, seed []byte, at time.Time) string {
	t.Helper()
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, seed)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1_000_000)
}

// blockWithoutMFA is the IAM User Guide's policy that lets users manage their own MFA device and denies everything
// else unless they signed in with MFA (statement BlockMostAccessUnlessSignedInWithMFA), plus an allow for ListUsers.
const blockWithoutMFA = `{"Version":"2012-10-17","Statement":[
	{"Sid":"AllowViewAccountInfo","Effect":"Allow","Action":"iam:ListVirtualMFADevices","Resource":"*"},
	{"Sid":"AllowManageOwnVirtualMFADevice","Effect":"Allow","Action":["iam:CreateVirtualMFADevice"],"Resource":"arn:aws:iam::*:mfa/*"},
	{"Sid":"AllowManageOwnUserMFA","Effect":"Allow","Action":["iam:DeactivateMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ResyncMFADevice"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
	{"Sid":"BlockMostAccessUnlessSignedInWithMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}},
	{"Sid":"ListUsers","Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`

// TestAWSCLICredentials drives passwords, virtual MFA, GetSessionToken and the credential report through the AWS
// CLI, then checks that no secret of any kind reached the log or, in clear, the data directory.
func TestAWSCLICredentials(t *testing.T) {
	needRealClient(t, "aws")
	s, clk := startServerWithClock(t)
	secrets := []string{rootSecret}

	// (a) The password policy governs login profiles and the user's own password changes.
	pat := credsUserWithKey(t, s, "pat")
	secrets = append(secrets, pat.secret)
	s.mustCLI(t, rootCreds, nil, "iam", "update-account-password-policy", "--minimum-password-length", "12", "--require-symbols",
		"--password-reuse-prevention", "3", "--allow-users-to-change-password")
	short, pw1, pw2 := "Sh0rt!pw", "Correct-Horse-Battery-1", "Staple#Second-Pass-2"
	secrets = append(secrets, short, pw1, pw2)
	o, e, x := s.awsCLI(t, rootCreds, "iam", "create-login-profile", "--user-name", "pat", "--password", short)
	wantCLIError(t, o, e, x, "PasswordPolicyViolation", "")
	s.mustCLI(t, rootCreds, nil, "iam", "create-login-profile", "--user-name", "pat", "--password", pw1)
	s.mustCLI(t, pat, nil, "iam", "change-password", "--old-password", pw1, "--new-password", pw2)
	o, e, x = s.awsCLI(t, pat, "iam", "change-password", "--old-password", pw2, "--new-password", pw1)
	wantCLIError(t, o, e, x, "PasswordPolicyViolation", "")

	// (b) A virtual MFA device, created by the user under the MFA-or-nothing policy, enabled with two consecutive
	// codes after wrong ones are refused.
	mal := credsUserWithKey(t, s, "mallory")
	secrets = append(secrets, mal.secret)
	var pol struct{ Policy struct{ Arn string } }
	s.mustCLI(t, rootCreds, &pol, "iam", "create-policy", "--policy-name", "ForceMFA", "--policy-document", blockWithoutMFA)
	s.mustCLI(t, rootCreds, nil, "iam", "attach-user-policy", "--user-name", "mallory", "--policy-arn", pol.Policy.Arn)
	o, e, x = s.awsCLI(t, mal, "iam", "list-users")
	wantCLIError(t, o, e, x, "AccessDenied", "with an explicit deny")

	seedFile := filepath.Join(t.TempDir(), "seed.txt")
	var dev struct{ VirtualMFADevice struct{ SerialNumber string } }
	s.mustCLI(t, mal, &dev, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "mallory",
		"--outfile", seedFile, "--bootstrap-method", "Base32StringSeed")
	serial := dev.VirtualMFADevice.SerialNumber
	b32, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, strings.TrimSpace(string(b32)))
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(strings.TrimSpace(string(b32)), "="))
	if err != nil {
		t.Fatalf("seed %q: %v", b32, err)
	}
	now := clk.now()
	wrong1, wrong2 := totpAt(t, seed, now.Add(-10*time.Minute)), totpAt(t, seed, now.Add(-9*time.Minute))
	o, e, x = s.awsCLI(t, mal, "iam", "enable-mfa-device", "--user-name", "mallory", "--serial-number", serial,
		"--authentication-code1", wrong1, "--authentication-code2", wrong2)
	wantCLIError(t, o, e, x, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
	s.mustCLI(t, mal, nil, "iam", "enable-mfa-device", "--user-name", "mallory", "--serial-number", serial,
		"--authentication-code1", totpAt(t, seed, now.Add(-30*time.Second)), "--authentication-code2", totpAt(t, seed, now))

	// (c) GetSessionToken with MFA lifts the deny; without MFA the session cannot call IAM; expired sessions are
	// refused.
	clk.advance(30 * time.Second) // the next code, as a device shows it half a minute later
	o, e, x = s.awsCLI(t, mal, "sts", "get-session-token", "--serial-number", serial, "--token-code", "000000")
	if totpAt(t, seed, clk.now()) != "000000" {
		wantCLIError(t, o, e, x, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	var got struct{ Credentials sessionCreds }
	s.mustCLI(t, mal, &got, "sts", "get-session-token", "--serial-number", serial, "--token-code", totpAt(t, seed, clk.now()))
	withMFA := got.Credentials
	secrets = append(secrets, withMFA.SecretAccessKey, withMFA.SessionToken)
	if !strings.HasPrefix(withMFA.AccessKeyId, "ASIA") || withMFA.SessionToken == "" || withMFA.SecretAccessKey == "" {
		t.Fatalf("get-session-token: %+v", withMFA)
	}
	exp, err := time.Parse(time.RFC3339, withMFA.Expiration)
	if err != nil {
		t.Fatalf("expiration %q: %v", withMFA.Expiration, err)
	}
	if d := exp.Sub(clk.now()); d < 11*time.Hour || d > 12*time.Hour+time.Minute {
		t.Fatalf("default duration: expires in %v, want 12 hours", d)
	}
	o, e, x = s.sessionCLI(t, withMFA, "iam", "list-users")
	if x != 0 || !strings.Contains(o, `"mallory"`) {
		t.Fatalf("list-users with the MFA session: exit %d\n%s\n%s", x, o, e)
	}
	o, e, x = s.sessionCLI(t, withMFA, "sts", "get-caller-identity")
	if x != 0 || !strings.Contains(o, iamUserARN("mallory")) {
		t.Fatalf("get-caller-identity with the session: exit %d\n%s\n%s", x, o, e)
	}
	o, e, x = s.sessionCLI(t, withMFA, "sts", "get-session-token")
	wantCLIError(t, o, e, x, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	// A wrong token, or none, does not authenticate.
	o, e, x = s.sessionCLI(t, sessionCreds{withMFA.AccessKeyId, withMFA.SecretAccessKey, "bogus" + withMFA.SessionToken, ""}, "sts", "get-caller-identity")
	wantCLIError(t, o, e, x, "InvalidClientTokenId", "The security token included in the request is invalid")
	o, e, x = s.awsCLI(t, withMFA.creds(), "sts", "get-caller-identity")
	wantCLIError(t, o, e, x, "InvalidClientTokenId", "The security token included in the request is invalid")

	s.mustCLI(t, mal, &got, "sts", "get-session-token", "--duration-seconds", "900")
	noMFA := got.Credentials
	secrets = append(secrets, noMFA.SecretAccessKey, noMFA.SessionToken)
	o, e, x = s.sessionCLI(t, noMFA, "iam", "list-users")
	wantCLIError(t, o, e, x, "InvalidClientTokenId", "The security token included in the request is invalid")
	o, e, x = s.sessionCLI(t, noMFA, "sts", "get-caller-identity")
	if x != 0 {
		t.Fatalf("get-caller-identity with a session without MFA: %s", e)
	}
	o, e, x = s.awsCLI(t, mal, "sts", "get-session-token", "--duration-seconds", "129601")
	wantCLIError(t, o, e, x, "ValidationError", "Member must have value less than or equal to 129600")

	// A session issued an hour ago for 15 minutes has expired.
	clk.advance(-time.Hour)
	s.mustCLI(t, mal, &got, "sts", "get-session-token", "--duration-seconds", "900")
	clk.advance(time.Hour)
	expired := got.Credentials
	secrets = append(secrets, expired.SecretAccessKey, expired.SessionToken)
	o, e, x = s.sessionCLI(t, expired, "sts", "get-caller-identity")
	wantCLIError(t, o, e, x, "ExpiredToken", "The security token included in the request is expired")

	// (d) The credential report: AWS's header, the root row first, and a key's last use once it is used.
	kim := credsUserWithKey(t, s, "kim")
	secrets = append(secrets, kim.secret)
	report := func() [][]string {
		t.Helper()
		s.mustCLI(t, rootCreds, nil, "iam", "generate-credential-report")
		var rep struct{ Content string }
		for range 20 {
			o, e, x := s.awsCLI(t, rootCreds, "iam", "get-credential-report")
			if x == 0 {
				if err := json.Unmarshal([]byte(o), &rep); err != nil {
					t.Fatal(err)
				}
				break
			}
			if !strings.Contains(e, "ReportInProgress") {
				t.Fatalf("get-credential-report: %s", e)
			}
			time.Sleep(200 * time.Millisecond)
		}
		raw, err := base64.StdEncoding.DecodeString(rep.Content)
		if err != nil {
			t.Fatalf("report content: %v", err)
		}
		lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
		const header = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation," +
			"mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region," +
			"access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
			"access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
		if lines[0] != header {
			t.Fatalf("header:\n%s\nwant\n%s", lines[0], header)
		}
		var rows [][]string
		for _, l := range lines[1:] {
			rows = append(rows, strings.Split(l, ","))
		}
		if len(rows) == 0 || rows[0][0] != "<root_account>" || rows[0][1] != "arn:aws:iam::"+account+":root" {
			t.Fatalf("first row: %v", rows)
		}
		return rows
	}
	kimRow := func(rows [][]string) []string {
		for _, r := range rows {
			if r[0] == "kim" {
				if len(r) != 22 {
					t.Fatalf("kim's row has %d columns: %v", len(r), r)
				}
				return r
			}
		}
		t.Fatalf("no row for kim: %v", rows)
		return nil
	}
	if r := kimRow(report()); r[10] != "N/A" {
		t.Fatalf("kim's key unused: access_key_1_last_used_date = %q", r[10])
	}
	s.mustCLI(t, kim, nil, "sts", "get-caller-identity")
	clk.advance(4*time.Hour + time.Minute) // the report is kept for four hours
	r := kimRow(report())
	if r[10] == "N/A" || r[11] != "us-east-1" || r[12] != "sts" {
		t.Fatalf("kim's key used: last used %q in %q for %q", r[10], r[11], r[12])
	}

	// (e) No secret in the log or, in clear, in the data directory.
	logs := s.logs.String()
	for _, sec := range secrets {
		if sec == "" {
			t.Fatal("empty secret collected")
		}
		if strings.Contains(logs, sec) {
			t.Errorf("the log contains a secret (%d chars)", len(sec))
		}
	}
	err = filepath.WalkDir(s.Data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s contains a secret (%d chars) in clear", path, len(sec))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
