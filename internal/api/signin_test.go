package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/api"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

func TestSignInHandler(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	svc := iam.New(st, cat, box, time.Now, "us-east-1", iam.Options{})
	const acct = "123456789012"
	if _, err := svc.EnsureAccount(ctx, acct, "", ""); err != nil {
		t.Fatal(err)
	}
	root := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", Account: acct}, UserID: acct}
	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	const pw = "S3cret-Passw0rd"
	reset := true
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: ptr("alice"), Password: ptr(pw), PasswordResetRequired: &reset}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h := api.NewSignInHandler(svc, slog.New(slog.NewJSONHandler(&logs, nil)))
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/iamd/v1/signin", strings.NewReader(body))
		req.RemoteAddr = "192.0.2.7:4242"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"wrong password", `{"account":"123456789012","userName":"alice","password":"wrong-guess"}`, 401},
		{"unknown user", `{"account":"123456789012","userName":"ghost","password":"wrong-guess"}`, 401},
		{"malformed", `{"account":`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := post(tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var e struct{ Error string }
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
				t.Fatalf("body %s", rec.Body)
			}
		})
	}
	// Wrong password and unknown user read the same.
	a, b := post(`{"account":"123456789012","userName":"alice","password":"wrong-guess"}`), post(`{"account":"123456789012","userName":"ghost","password":"wrong-guess"}`)
	if a.Body.String() != b.Body.String() {
		t.Fatalf("enumeration: %s vs %s", a.Body, b.Body)
	}

	rec := post(`{"account":"123456789012","userName":"alice","password":"` + pw + `","mfaCode":""}`)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var out struct {
		SessionToken          string `json:"sessionToken"`
		Expiration            string `json:"expiration"`
		PasswordResetRequired bool   `json:"passwordResetRequired"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.SessionToken == "" || !out.PasswordResetRequired {
		t.Fatalf("body %s", rec.Body)
	}
	if exp, err := time.Parse(time.RFC3339, out.Expiration); err != nil || time.Until(exp) > time.Hour || time.Until(exp) < 50*time.Minute {
		t.Fatalf("expiration %q", out.Expiration)
	}
	if _, err := svc.VerifySessionToken(ctx, out.SessionToken); err != nil {
		t.Fatal(err)
	}

	// The log names failures with user, account, address and reason, and never holds a password.
	l := logs.String()
	if strings.Contains(l, pw) || strings.Contains(l, "wrong-guess") {
		t.Fatalf("password logged: %s", l)
	}
	for _, want := range []string{`"user":"alice"`, `"account":"123456789012"`, `"sourceIp":"192.0.2.7"`, `"reason":"wrong password"`, `"reason":"no such user"`} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %s: %s", want, l)
		}
	}

	// Mounted on a mux as the server would, other methods are refused.
	mux := http.NewServeMux()
	mux.Handle("POST /iamd/v1/signin", h)
	r := httptest.NewRecorder()
	mux.ServeHTTP(r, httptest.NewRequest(http.MethodGet, "/iamd/v1/signin", nil))
	if r.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", r.Code)
	}
}

func ptr[T any](v T) *T { return &v }
