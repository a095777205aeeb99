package server_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/server"
)

// serveFile reads the serve file of the server at url on a data directory. It first waits for one answer of the
// server: Run publishes the file before it serves, so the file is there once the server has answered.
func serveFile(t *testing.T, url, dir string) server.ServeFile {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} // only to wait for the test server
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	data, err := os.ReadFile(filepath.Join(dir, server.ServeFileName))
	if err != nil {
		t.Fatal(err)
	}
	var sf server.ServeFile
	if err := json.Unmarshal(data, &sf); err != nil {
		t.Fatal(err)
	}
	return sf
}

// postOperator posts body to the operator endpoint with the Authorization header auth ("" for none).
func postOperator(t *testing.T, url, auth, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+server.OperatorAccountsPath, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestOperatorEndpointRefusesWithoutTheTokenAndAnswersAWSShapes(t *testing.T) {
	s := startServer(t)
	sf := serveFile(t, s.URL, s.Data)
	if sf.URL != s.URL || len(sf.Token) != 64 {
		t.Fatalf("serve file %+v, server %s", sf, s.URL)
	}
	bearer := "Bearer " + sf.Token
	const goodSecret = "abcdEFGHijklMNOPqrstUVWXyz0123456789/+AB"
	cases := []struct {
		name, auth, body string
		status           int
		code             string
	}{
		{"no-authorization", "", `{"AccountId":"111122223333"}`, http.StatusUnauthorized, "MissingAuthenticationToken"},
		{"basic-scheme", "Basic " + sf.Token, `{"AccountId":"111122223333"}`, http.StatusUnauthorized, "MissingAuthenticationToken"},
		{"wrong-token", "Bearer " + strings.Repeat("0", 64), `{"AccountId":"111122223333"}`, http.StatusForbidden, "AccessDenied"},
		{"token-prefix", "Bearer " + sf.Token[:63], `{"AccountId":"111122223333"}`, http.StatusForbidden, "AccessDenied"},
		{"not-json", bearer, `AccountId=111122223333`, http.StatusBadRequest, "MalformedRequest"},
		{"unknown-field", bearer, `{"AccountId":"111122223333","Email":"x@example.com"}`, http.StatusBadRequest, "MalformedRequest"},
		{"trailing-data", bearer, `{"AccountId":"111122223333"} {}`, http.StatusBadRequest, "MalformedRequest"},
		{"short-id", bearer, `{"AccountId":"11112222333"}`, http.StatusBadRequest, "InvalidInput"},
		{"letters-in-id", bearer, `{"AccountId":"11112222333a"}`, http.StatusBadRequest, "InvalidInput"},
		{"key-id-without-secret", bearer, `{"AccountId":"111122223333","AccessKeyId":"AKIAEXAMPLEOPERATOR1"}`, http.StatusBadRequest, "InvalidInput"},
		{"short-key-id", bearer, `{"AccountId":"111122223333","AccessKeyId":"AKIA","SecretAccessKey":"` + goodSecret + `"}`, http.StatusBadRequest, "InvalidInput"},
		{"default-account-exists", bearer, `{"AccountId":"` + account + `"}`, http.StatusConflict, "AccountAlreadyExists"},
		{"key-id-in-use", bearer, `{"AccountId":"111122223333","AccessKeyId":"` + rootKeyID + `","SecretAccessKey":"` + goodSecret + `"}`, http.StatusConflict, "AccessKeyInUse"},
		{"created", bearer, `{"AccountId":"111122223333","AccessKeyId":"AKIAEXAMPLEOPERATOR1","SecretAccessKey":"` + goodSecret + `"}`, http.StatusCreated, ""},
		{"created-again", bearer, `{"AccountId":"111122223333"}`, http.StatusConflict, "AccountAlreadyExists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := postOperator(t, s.URL, tc.auth, tc.body)
			if status != tc.status || hdr.Get("Content-Type") != "application/json" {
				t.Fatalf("status %d (%s), want %d: %s", status, hdr.Get("Content-Type"), tc.status, body)
			}
			if tc.status == http.StatusUnauthorized && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", hdr.Get("WWW-Authenticate"))
			}
			if tc.code == "" {
				var got server.AccountCredentials
				if err := json.Unmarshal([]byte(body), &got); err != nil || got != (server.AccountCredentials{AccountId: "111122223333", AccessKeyId: "AKIAEXAMPLEOPERATOR1", SecretAccessKey: goodSecret}) {
					t.Fatalf("credentials %s (%v)", body, err)
				}
				return
			}
			var e server.OperatorError
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != tc.code || e.Message == "" {
				t.Fatalf("error %s, want code %s", body, tc.code)
			}
			if tc.code == "AccountAlreadyExists" && !strings.HasSuffix(e.Message, " already exists") {
				t.Errorf("message %q", e.Message)
			}
		})
	}
	t.Run("the-existing-account-keeps-its-key", func(t *testing.T) {
		s.sdkCallerARN(t, creds{"AKIAEXAMPLEOPERATOR1", goodSecret}, "")
		s.sdkCallerARN(t, rootCreds, "")
	})
	t.Run("no-token-or-secret-in-logs", func(t *testing.T) {
		logs := s.logs.String()
		for _, secret := range []string{sf.Token, goodSecret} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs hold a secret:\n%s", logs)
			}
		}
		if !strings.Contains(logs, `msg="operator request refused"`) || !strings.Contains(logs, `msg="operator created account"`) {
			t.Errorf("the logs do not record the operator's requests:\n%s", logs)
		}
	})
}

// TestOperatorAccountsWorkWithAWSCLI creates accounts through the running server as "iamd account create" does,
// then uses them with the AWS CLI at once: their own root, their own IAM namespace, and cross-account AssumeRole.
func TestOperatorAccountsWorkWithAWSCLI(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	const accountA, accountB = "111122223333", "444455556666"
	newAccount := func(id string) creds {
		t.Helper()
		c, err := server.CreateAccountOnServer(ctx, s.Data, server.AccountRequest{AccountId: id})
		if err != nil {
			t.Fatal(err)
		}
		if c.AccountId != id || !strings.HasPrefix(c.AccessKeyId, "AKIA") || len(c.SecretAccessKey) != 40 {
			t.Fatalf("credentials of %s: %s %s", id, c.AccountId, c.AccessKeyId)
		}
		return creds{c.AccessKeyId, c.SecretAccessKey}
	}
	serveFile(t, s.URL, s.Data) // the server is up
	rootA, rootB := newAccount(accountA), newAccount(accountB)

	t.Run("own-root", func(t *testing.T) {
		var id struct{ Account, Arn, UserId string }
		s.mustCLI(t, rootA, &id, "sts", "get-caller-identity")
		if id.Account != accountA || id.Arn != "arn:aws:iam::"+accountA+":root" || id.UserId != accountA {
			t.Fatalf("caller identity %+v", id)
		}
	})
	t.Run("own-namespace", func(t *testing.T) {
		var out struct{ User struct{ Arn string } }
		s.mustCLI(t, rootA, &out, "iam", "create-user", "--user-name", "alice")
		if out.User.Arn != "arn:aws:iam::"+accountA+":user/alice" {
			t.Fatalf("user ARN %s", out.User.Arn)
		}
		// The same name is free in another account, and the default account does not see A's user.
		s.mustCLI(t, rootB, nil, "iam", "create-user", "--user-name", "alice")
		out2, errOut, code := s.awsCLI(t, rootCreds, "iam", "get-user", "--user-name", "alice")
		wantCLIError(t, out2, errOut, code, "NoSuchEntity", "alice")
	})
	t.Run("existing-account-refused", func(t *testing.T) {
		_, err := server.CreateAccountOnServer(ctx, s.Data, server.AccountRequest{AccountId: accountA})
		if !errors.Is(err, iam.ErrAccountExists) || err.Error() != "account "+accountA+" already exists" {
			t.Fatalf("err %v", err)
		}
		s.mustCLI(t, rootA, nil, "sts", "get-caller-identity") // the key was not rotated
	})
	t.Run("cross-account-assume-role", func(t *testing.T) {
		roleARN := "arn:aws:iam::" + accountA + ":role/from-b"
		s.mustCLI(t, rootA, nil, "iam", "create-role", "--role-name", "from-b",
			"--assume-role-policy-document", trustDoc("arn:aws:iam::"+accountB+":root", ""))
		s.mustCLI(t, rootB, nil, "iam", "create-user", "--user-name", "bob")
		var key struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		}
		s.mustCLI(t, rootB, &key, "iam", "create-access-key", "--user-name", "bob")
		bob := creds{key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey}
		// The trust policy names B's account; B's user still needs B's own allow (both sides must allow).
		out, errOut, code := s.awsCLI(t, bob, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "s1")
		wantCLIError(t, out, errOut, code, "AccessDenied", "arn:aws:iam::"+accountB+":user/bob is not authorized to perform: sts:AssumeRole")
		s.mustCLI(t, rootB, nil, "iam", "put-user-policy", "--user-name", "bob", "--policy-name", "assume", "--policy-document", allowAssumeAny)
		var ar assumeRoleOut
		s.mustCLI(t, bob, &ar, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "s1")
		if ar.AssumedRoleUser.Arn != "arn:aws:sts::"+accountA+":assumed-role/from-b/s1" {
			t.Fatalf("assumed role %+v", ar.AssumedRoleUser)
		}
		var id struct{ Account, Arn string }
		out, errOut, code = s.sessionCLI(t, ar.Credentials, "sts", "get-caller-identity")
		if code != 0 || json.Unmarshal([]byte(out), &id) != nil || id.Account != accountA {
			t.Fatalf("exit %d %s %s", code, out, errOut)
		}
		// The default account's users are not trusted by the role.
		alice := credsUserWithKey(t, s, "carol")
		s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "carol", "--policy-name", "assume", "--policy-document", allowAssumeAny)
		out, errOut, code = s.awsCLI(t, alice, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "s1")
		wantCLIError(t, out, errOut, code, "AccessDenied", "sts:AssumeRole")
	})
	t.Run("no-secrets-in-logs", func(t *testing.T) {
		logs := s.logs.String()
		for _, secret := range []string{rootA.secret, rootB.secret, serveFile(t, s.URL, s.Data).Token} {
			if strings.Contains(logs, secret) {
				t.Fatalf("the logs hold a secret")
			}
		}
	})
}

// runServer runs a server on a fresh loopback listener with cfg until the returned stop function is called.
func runServer(t *testing.T, cfg config.Config) (url string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		srv.Close()
	}
	t.Cleanup(stop)
	scheme := "http://"
	if cfg.TLSCert != "" {
		scheme = "https://"
	}
	return scheme + ln.Addr().String(), stop
}

func TestServeFileIsPrivateAndRemovedOnShutdown(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	url, stop := runServer(t, cfg)
	if sf := serveFile(t, url, cfg.DataDir); sf.URL != url || sf.CertSHA256 != "" || len(sf.Token) != 64 {
		t.Errorf("serve file %+v, server %s", sf, url)
	}
	path := filepath.Join(cfg.DataDir, server.ServeFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	stop()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the serve file outlived the server: %v", err)
	}
	matches, _ := filepath.Glob(filepath.Join(cfg.DataDir, ".iamd.serve-*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

func TestCreateAccountOnServerFindsNoServer(t *testing.T) {
	req := server.AccountRequest{AccountId: "111122223333"}
	t.Run("no-serve-file", func(t *testing.T) {
		if _, err := server.CreateAccountOnServer(context.Background(), t.TempDir(), req); err != server.ErrNoServer {
			t.Fatalf("err %v, want ErrNoServer", err)
		}
	})
	t.Run("stale-serve-file", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // the server is gone
		dir := t.TempDir()
		data, _ := json.Marshal(server.ServeFile{URL: "http://" + addr, Token: strings.Repeat("ab", 32)})
		if err := os.WriteFile(filepath.Join(dir, server.ServeFileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = server.CreateAccountOnServer(context.Background(), dir, req)
		if !errors.Is(err, server.ErrNoServer) || !strings.Contains(err.Error(), "stale") {
			t.Fatalf("err %v, want a stale ErrNoServer", err)
		}
	})
	t.Run("another-servers-token", func(t *testing.T) {
		s := startServer(t)
		sf := serveFile(t, s.URL, s.Data)
		sf.Token = strings.Repeat("cd", 32)
		dir := t.TempDir()
		data, _ := json.Marshal(sf)
		if err := os.WriteFile(filepath.Join(dir, server.ServeFileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := server.CreateAccountOnServer(context.Background(), dir, req)
		if !errors.Is(err, server.ErrOperatorRefused) || errors.Is(err, server.ErrNoServer) {
			t.Fatalf("err %v, want ErrOperatorRefused", err)
		}
		if strings.Contains(s.logs.String(), sf.Token) {
			t.Error("the logs hold the token")
		}
	})
}

func TestCreateAccountOnHTTPSServerTrustsThePinnedCertificate(t *testing.T) {
	certFile, keyFile := selfSigned(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	url, _ := runServer(t, cfg)
	sf := serveFile(t, url, cfg.DataDir)
	if sf.URL != url || len(sf.CertSHA256) != 64 {
		t.Fatalf("serve file %+v, server %s", sf, url)
	}
	c, err := server.CreateAccountOnServer(context.Background(), cfg.DataDir, server.AccountRequest{AccountId: "111122223333"})
	if err != nil || c.AccountId != "111122223333" {
		t.Fatalf("%+v %v", c.AccountId, err)
	}
	s := &testServer{URL: url}
	if arn := s.sdkCallerARN(t, creds{c.AccessKeyId, c.SecretAccessKey}, certFile); !strings.Contains(arn, "arn:aws:iam::111122223333:root") {
		t.Fatalf("caller %s", arn)
	}

	// Another certificate than the pinned one is refused, and is not mistaken for a gone server.
	sf.CertSHA256 = strings.Repeat("0", 64)
	data, _ := json.Marshal(sf)
	if err := os.WriteFile(filepath.Join(cfg.DataDir, server.ServeFileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = server.CreateAccountOnServer(context.Background(), cfg.DataDir, server.AccountRequest{AccountId: "444455556666"})
	if err == nil || errors.Is(err, server.ErrNoServer) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("err %v, want a certificate error", err)
	}
}

func TestCreateAccountInDir(t *testing.T) {
	ctx := context.Background()
	t.Run("absent-directory", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = filepath.Join(t.TempDir(), "new", "data")
		c, err := server.CreateAccountInDir(ctx, cfg, server.AccountRequest{AccountId: "111122223333"})
		if err != nil || c.AccountId != "111122223333" || !strings.HasPrefix(c.AccessKeyId, "AKIA") || c.SecretAccessKey == "" {
			t.Fatalf("%s %s %v", c.AccountId, c.AccessKeyId, err)
		}
		// A server started later on the directory knows the account and its key.
		url, _ := runServer(t, cfg)
		s := &testServer{URL: url}
		if arn := s.sdkCallerARN(t, creds{c.AccessKeyId, c.SecretAccessKey}, ""); arn != "arn:aws:iam::111122223333:root" {
			t.Fatalf("arn %s", arn)
		}
	})
	t.Run("existing-directory", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		cfg.RootAccessKeyID, cfg.RootSecretAccessKey = rootKeyID, rootSecret
		_, stop := runServer(t, cfg) // creates the default account, then stops
		stop()
		given := server.AccountRequest{AccountId: "444455556666", AccessKeyId: "AKIAEXAMPLEOPERATOR2", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOPERATOR2"}
		c, err := server.CreateAccountInDir(ctx, cfg, given)
		if err != nil || c != server.AccountCredentials(given) {
			t.Fatalf("%+v %v", c.AccountId, err)
		}
		for _, tc := range []struct {
			name string
			req  server.AccountRequest
			want error
		}{
			{"same-id", server.AccountRequest{AccountId: "444455556666"}, iam.ErrAccountExists},
			{"default-account", server.AccountRequest{AccountId: account}, iam.ErrAccountExists},
			{"key-in-use", server.AccountRequest{AccountId: "777788889999", AccessKeyId: rootKeyID, SecretAccessKey: "x"}, iam.ErrAccessKeyInUse},
			{"bad-id", server.AccountRequest{AccountId: "4444555566667"}, iam.ErrInvalidAccountRequest},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := server.CreateAccountInDir(ctx, cfg, tc.req); !errors.Is(err, tc.want) {
					t.Fatalf("err %v, want %v", err, tc.want)
				}
			})
		}
		url, _ := runServer(t, cfg)
		s := &testServer{URL: url}
		if arn := s.sdkCallerARN(t, creds{given.AccessKeyId, given.SecretAccessKey}, ""); arn != "arn:aws:iam::444455556666:root" {
			t.Fatalf("arn %s", arn)
		}
		// The key-in-use attempt created no account 777788889999.
		if _, err := server.CreateAccountOnServer(ctx, cfg.DataDir, server.AccountRequest{AccountId: "777788889999"}); err != nil {
			t.Fatalf("777788889999 after a refused creation: %v", err)
		}
	})
	t.Run("bad-id-creates-no-directory", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = filepath.Join(t.TempDir(), "data")
		if _, err := server.CreateAccountInDir(ctx, cfg, server.AccountRequest{AccountId: "12345"}); !errors.Is(err, iam.ErrInvalidAccountRequest) {
			t.Fatalf("err %v", err)
		}
		if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the directory was created: %v", err)
		}
	})
}
