package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

// postSignIn posts a sign-in request and returns the status.
func postSignIn(t *testing.T, s *testServer, acct, user, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"account": acct, "userName": user, "password": password})
	resp, err := http.Post(s.URL+"/iamd/v1/signin", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// withAuditLog starts a server with an audit log in the test's directory, whose content allEventData adds.
func withAuditLog(t *testing.T) (string, func(*config.Config)) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	return path, func(c *config.Config) { c.AuditLog = path }
}

// allEventData is every stored event's record, of every account, and the audit log at logPath, for grepping.
func allEventData(t *testing.T, s *testServer, logPath string) string {
	t.Helper()
	if err := s.srv.FlushTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	log, err := os.ReadFile(logPath)
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log: %d bytes, %v", len(log), err)
	}
	b.Write(log)
	server.StoreOf(s.srv).View(context.Background(), func(ctx context.Context, r store.Reader) error {
		evs, err := r.EventsSince(ctx, 0, 100000)
		for _, e := range evs {
			b.Write(e.Data)
			b.WriteByte('\n')
		}
		return err
	})
	return b.String()
}

// TestSignInIsRecordedAsCloudTrailRecordsConsoleLogin: a console sign-in is a ConsoleLogin event of
// signin.amazonaws.com in the account signed in to. A success names the user in full; a wrong password names the
// existing user without its ARN, with errorMessage "Failed authentication" and no errorCode; a user that does not
// exist is written HIDDEN_DUE_TO_SECURITY_REASONS. Neither the password nor the mistyped name is stored or
// written to the audit log.
func TestSignInIsRecordedAsCloudTrailRecordsConsoleLogin(t *testing.T) {
	logPath, opt := withAuditLog(t)
	s := startServer(t, opt)
	const pw, typo = "Correct-Horse-Audit-9", "si-pat-typo"
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"si-pat"}})
	mustCallOK(t, s, "CreateLoginProfile", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"si-pat"}, "Password": {pw}})
	if code := postSignIn(t, s, account, "si-pat", pw); code != 200 {
		t.Fatalf("sign-in: %d", code)
	}
	if code := postSignIn(t, s, account, "si-pat", "wrong-"+pw); code != 401 {
		t.Fatalf("wrong password: %d", code)
	}
	if code := postSignIn(t, s, account, typo, pw); code != 401 {
		t.Fatalf("no such user: %d", code)
	}
	evs := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "ConsoleLogin"})
	if len(evs) != 3 {
		t.Fatalf("%d ConsoleLogin events: %s", len(evs), eventJSON(evs))
	}
	hidden, failed, ok := evs[0], evs[1], evs[2] // newest first
	for _, ev := range evs {
		if ev.EventSource != "signin.amazonaws.com" || ev.EventType != audit.TypeConsoleSignIn || ev.ReadOnly ||
			ev.RecipientAccountID != account || ev.ErrorCode != "" || ev.UserIdentity.Type != "IAMUser" {
			t.Fatalf("event %s", eventJSON(ev))
		}
	}
	u := ok.UserIdentity
	if u.ARN != "arn:aws:iam::"+account+":user/si-pat" || u.UserName != "si-pat" || u.AccountID != account || !strings.HasPrefix(u.PrincipalID, "AIDA") ||
		string(ok.ResponseElements) != `{"ConsoleLogin":"Success"}` || ok.ErrorMessage != "" || !strings.Contains(string(ok.AdditionalEventData), `"MFAUsed":"No"`) {
		t.Fatalf("success %s", eventJSON(ok))
	}
	f := failed.UserIdentity
	if f.UserName != "si-pat" || f.PrincipalID != u.PrincipalID || f.ARN != "" || failed.ErrorMessage != "Failed authentication" ||
		string(failed.ResponseElements) != `{"ConsoleLogin":"Failure"}` {
		t.Fatalf("failure %s", eventJSON(failed))
	}
	if h := hidden.UserIdentity; h.UserName != audit.Hidden || h.PrincipalID != "" || hidden.ErrorMessage != "Failed authentication" {
		t.Fatalf("unknown user %s", eventJSON(hidden))
	}
	if byName := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrUsername, Value: "si-pat"}); len(byName) < 2 {
		t.Fatalf("LookupEvents by Username si-pat finds %d events", len(byName))
	}
	all := allEventData(t, s, logPath)
	for _, secret := range []string{pw, typo} {
		if strings.Contains(all, secret) {
			t.Errorf("%q is in the trail", secret)
		}
	}
}

// TestOperatorCallsAreRecordedWithoutSecrets: the operator's CreateAccount is an event of iamd.amazonaws.com in the
// account it creates, by {"type":"AWSService","invokedBy":"iamd-operator"}, with the given secret key hidden; an
// AdvanceClock is one in the default account. Neither the secret nor the operator token is in the trail
// or the audit log.
func TestOperatorCallsAreRecordedWithoutSecrets(t *testing.T) {
	logPath, opt := withAuditLog(t)
	s := startServer(t, opt)
	const newAccount, keyID, secret = "210987654321", "AKIAOPERATORAUDIT01", "operatorAuditSecret/0123456789abcdefghijKL"
	sf := serveFile(t, s.URL, s.Data)
	if _, err := server.CreateAccountOnServer(context.Background(), s.Data, server.AccountRequest{AccountId: newAccount, AccessKeyId: keyID, SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	s.advance(t, "1d")
	evs := trailEvents(t, s, newAccount, store.EventAttr{Name: audit.AttrEventName, Value: "CreateAccount"})
	if len(evs) != 1 {
		t.Fatalf("%d CreateAccount events in %s", len(evs), newAccount)
	}
	ev := evs[0]
	var params map[string]string
	json.Unmarshal(ev.RequestParameters, &params)
	if ev.EventSource != "iamd.amazonaws.com" || ev.UserIdentity.Type != "AWSService" || ev.UserIdentity.InvokedBy != "iamd-operator" ||
		ev.RecipientAccountID != newAccount || ev.ErrorCode != "" || ev.ReadOnly || params["accountId"] != newAccount ||
		params["accessKeyId"] != keyID || params["secretAccessKey"] != audit.Hidden {
		t.Fatalf("CreateAccount event %s", eventJSON(ev))
	}
	clk := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "AdvanceClock"})
	if len(clk) != 1 || clk[0].UserIdentity.InvokedBy != "iamd-operator" || !strings.Contains(string(clk[0].RequestParameters), `"advance":"1d"`) {
		t.Fatalf("AdvanceClock events %s", eventJSON(clk))
	}
	all := allEventData(t, s, logPath)
	for _, v := range []string{secret, sf.Token} {
		if v == "" || strings.Contains(all, v) {
			t.Errorf("secret %q in the trail (or empty)", v)
		}
	}
}

// TestAlertingCountersCountRootCallsDenialsAndFailedSignIns: /metrics counts a call by the root user, an
// AccessDenied by principal and action, and a failed sign-in by account.
func TestAlertingCountersCountRootCallsDenialsAndFailedSignIns(t *testing.T) {
	s := startServer(t)
	mustCallOK(t, s, "CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {"m-root-made"}})
	bob := credsUserWithKey(t, s, "m-bob")
	if status, body := s.call(t, bob, "iam", url.Values{"Action": {"ListRoles"}}); status != 403 {
		t.Fatalf("ListRoles as m-bob: %d %s", status, body)
	}
	if code := postSignIn(t, s, account, "m-bob", "not-the-password-1"); code != 401 {
		t.Fatalf("sign-in: %d", code)
	}
	s.srv.FlushTrail(context.Background())
	_, metrics := s.get(t, "/metrics")
	for _, want := range []string{
		`iamd_root_calls_total{event_name="CreateUser",service="iam"} 2`,
		`iamd_access_denied_total{action="iam:ListRoles",principal="arn:aws:iam::` + account + `:user/m-bob"} 1`,
		`iamd_signin_failures_total{account="` + account + `"} 1`,
		`iamd_trail_write_failures_total{where="store"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "iamd_"))
		}
	}
}
