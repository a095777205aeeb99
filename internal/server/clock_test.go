package server_test

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
)

// get fetches a path of the server without credentials.
func (s *testServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// advance moves the running server's clock forward through the operator endpoint, as "iamd clock advance" does.
func (s *testServer) advance(t *testing.T, d string) server.ClockState {
	t.Helper()
	st, err := server.AdvanceClockOnServer(context.Background(), s.Data, d)
	if err != nil {
		t.Fatalf("advance %s: %v", d, err)
	}
	return st
}

// xmlTime reads the first <tag>...</tag> of a response as a time.
func xmlTime(t *testing.T, body, tag string) time.Time {
	t.Helper()
	m := regexp.MustCompile(`<` + tag + `>([^<]+)</` + tag + `>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %s", tag, body)
	}
	ts, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatalf("%s %q: %v", tag, m[1], err)
	}
	return ts
}

// near fails unless got is within five minutes of want.
func near(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -5*time.Minute || d > 5*time.Minute {
		t.Fatalf("%s = %v, want about %v (off by %v)", what, got, want, d)
	}
}

const day = 24 * time.Hour

// TestClockOffsetAtStartIsShownAndFollowed: --clock-offset 49h puts every date 49 hours ahead, is logged as a
// warning and shown by /healthz (after "ok"); an advance moves it forward only, with the operator token.
func TestClockOffsetAtStartIsShownAndFollowed(t *testing.T) {
	plain := startServer(t)
	if code, body := plain.get(t, "/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("healthz of the real clock: %d %q", code, body)
	}

	s := startServer(t, func(c *config.Config) { c.ClockOffset = "49h" })
	if code, body := s.get(t, "/healthz"); code != http.StatusOK || body != "ok\nclock-offset: 49h0m0s\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if logs := s.logs.String(); !regexp.MustCompile(`level=WARN msg="the test clock is ahead[^\n]*clock_offset=49h0m0s`).MatchString(logs) {
		t.Fatalf("no warning of the offset in the log:\n%s", logs)
	}
	code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"early"}})
	mustOK(t, "CreateUser", code, body) // signed at the real time: signatures do not follow the clock
	near(t, "CreateDate", xmlTime(t, body, "CreateDate"), time.Now().Add(49*time.Hour))

	// An authenticator app's codes are on the real time: a virtual MFA device is enabled with them under the offset.
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateVirtualMFADevice"}, "VirtualMFADeviceName": {"early"}})
	mustOK(t, "CreateVirtualMFADevice", code, body)
	m := regexp.MustCompile(`<Base32StringSeed>([^<]+)</Base32StringSeed>`).FindStringSubmatch(body)
	serial := regexp.MustCompile(`<SerialNumber>([^<]+)</SerialNumber>`).FindStringSubmatch(body)
	if m == nil || serial == nil {
		t.Fatalf("CreateVirtualMFADevice: %s", body)
	}
	b32, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(string(b32), "="))
	if err != nil {
		t.Fatal(err)
	}
	real := time.Now()
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"EnableMFADevice"}, "UserName": {"early"}, "SerialNumber": {serial[1]},
		"AuthenticationCode1": {totpAt(t, seed, real.Add(-30*time.Second))}, "AuthenticationCode2": {totpAt(t, seed, real)}})
	mustOK(t, "EnableMFADevice with real-time codes under a 49h offset", code, body)

	if st := s.advance(t, "1d"); st.Offset != "73h0m0s" {
		t.Fatalf("offset after advancing 1d: %+v", st)
	}
	if _, body := s.get(t, "/healthz"); body != "ok\nclock-offset: 73h0m0s\n" {
		t.Fatalf("healthz after the advance: %q", body)
	}
	for _, bad := range []string{"-1h", "0s", "soon", "40000d"} {
		if _, err := server.AdvanceClockOnServer(context.Background(), s.Data, bad); !errors.Is(err, server.ErrInvalidClockAdvance) {
			t.Errorf("advance %q: %v, want ErrInvalidClockAdvance", bad, err)
		}
	}
	// the operator endpoint's token is required
	for _, auth := range []string{"", "Bearer wrong"} {
		req, _ := http.NewRequest(http.MethodPost, s.URL+server.OperatorClockPath, strings.NewReader(`{"Advance":"1h"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Fatalf("clock advance with %q: %d", auth, resp.StatusCode)
		}
	}
	if _, body := s.get(t, "/healthz"); body != "ok\nclock-offset: 73h0m0s\n" {
		t.Fatalf("healthz after refused advances: %q", body)
	}
}

// TestClockAdvanceExpiresRoleSession: a one-hour role session is refused ExpiredToken once the clock is two hours
// ahead, while the signatures of long-term keys, checked against the real time, still pass.
func TestClockAdvanceExpiresRoleSession(t *testing.T) {
	s := startServer(t)
	alice := credsUserWithKey(t, s, "alice")
	code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"ops"},
		"AssumeRolePolicyDocument": {trustDoc("arn:aws:iam::"+account+":user/alice", "")}})
	mustOK(t, "CreateRole", code, body)
	sess := s.mustTempCreds(t, alice, url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::" + account + ":role/ops"},
		"RoleSessionName": {"s1"}, "DurationSeconds": {"3600"}})
	code, body = s.callTemp(t, sess, "sts", url.Values{"Action": {"GetCallerIdentity"}})
	mustOK(t, "GetCallerIdentity before the advance", code, body)

	s.advance(t, "2h")
	code, body = s.callTemp(t, sess, "sts", url.Values{"Action": {"GetCallerIdentity"}})
	if code != http.StatusForbidden || !strings.Contains(body, "<Code>ExpiredToken</Code>") ||
		!strings.Contains(body, "The security token included in the request is expired") {
		t.Fatalf("a one-hour session two hours later: %d %s", code, body)
	}
	code, body = s.call(t, alice, "sts", url.Values{"Action": {"GetCallerIdentity"}})
	mustOK(t, "GetCallerIdentity with a long-term key after the advance", code, body)
	// a new session issued after the advance works
	fresh := s.mustTempCreds(t, alice, url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::" + account + ":role/ops"},
		"RoleSessionName": {"s2"}, "DurationSeconds": {"3600"}})
	code, body = s.callTemp(t, fresh, "sts", url.Values{"Action": {"GetCallerIdentity"}})
	mustOK(t, "GetCallerIdentity with a session issued after the advance", code, body)
}

// TestClockAdvanceAgesAccessKeys: 91 days later, GetAccessKeyLastUsed and the credential report show the key
// created 91 days before the clock's now and used at the clock's now.
func TestClockAdvanceAgesAccessKeys(t *testing.T) {
	s := startServer(t)
	kim := credsUserWithKey(t, s, "kim")
	created := time.Now()
	code, body := s.call(t, kim, "sts", url.Values{"Action": {"GetCallerIdentity"}})
	mustOK(t, "GetCallerIdentity", code, body)

	s.advance(t, "91d")
	later := time.Now().Add(91 * day)
	code, body = s.call(t, kim, "iam", url.Values{"Action": {"GetUser"}})
	if code != http.StatusForbidden { // kim has no permission; the key's use is recorded all the same
		t.Fatalf("GetUser: %d %s", code, body)
	}
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GetAccessKeyLastUsed"}, "AccessKeyId": {kim.id}})
	mustOK(t, "GetAccessKeyLastUsed", code, body)
	near(t, "LastUsedDate", xmlTime(t, body, "LastUsedDate"), later)
	if !strings.Contains(body, "<ServiceName>iam</ServiceName>") {
		t.Fatalf("GetAccessKeyLastUsed: %s", body)
	}

	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GenerateCredentialReport"}})
	mustOK(t, "GenerateCredentialReport", code, body)
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GetCredentialReport"}})
	mustOK(t, "GetCredentialReport", code, body)
	near(t, "GeneratedTime", xmlTime(t, body, "GeneratedTime"), later)
	m := regexp.MustCompile(`<Content>([^<]+)</Content>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no report: %s", body)
	}
	raw, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		if r[0] != "kim" {
			continue
		}
		rotated, err1 := time.Parse(time.RFC3339, r[col["access_key_1_last_rotated"]])
		used, err2 := time.Parse(time.RFC3339, r[col["access_key_1_last_used_date"]])
		if err1 != nil || err2 != nil {
			t.Fatalf("kim's row %v: %v %v", r, err1, err2)
		}
		near(t, "access_key_1_last_rotated", rotated, created)
		near(t, "access_key_1_last_used_date", used, later)
		return
	}
	t.Fatalf("no row for kim in %s", raw)
}

// TestClockAdvanceExpiresPassword: under a policy of MaxPasswordAge 90, a password is expired at sign-in 91 days
// later.
func TestClockAdvanceExpiresPassword(t *testing.T) {
	s := startServer(t)
	code, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {"pat"}})
	mustOK(t, "CreateUser", code, body)
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"UpdateAccountPasswordPolicy"}, "MaxPasswordAge": {"90"}})
	mustOK(t, "UpdateAccountPasswordPolicy", code, body)
	const pw = "Correct-Horse-9"
	code, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"pat"}, "Password": {pw}})
	mustOK(t, "CreateLoginProfile", code, body)
	signIn := func(t *testing.T) map[string]any {
		t.Helper()
		resp, err := http.Post(s.URL+"/iamd/v1/signin", "application/json",
			strings.NewReader(`{"account":"`+account+`","userName":"pat","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-in: %d %v %v", resp.StatusCode, out, err)
		}
		return out
	}
	if out := signIn(t); out["passwordExpired"] == true {
		t.Fatalf("a new password is expired: %v", out)
	}
	s.advance(t, "89d")
	if out := signIn(t); out["passwordExpired"] == true {
		t.Fatalf("expired after 89 days: %v", out)
	}
	s.advance(t, "2d")
	if out := signIn(t); out["passwordExpired"] != true {
		t.Fatalf("not expired after 91 days: %v", out)
	}
}
