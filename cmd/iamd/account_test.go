package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// printedAccount decodes what iamd account create printed, requiring exactly the three fields.
func printedAccount(t *testing.T, r result, id string) sigv4.Credentials {
	t.Helper()
	if r.code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if len(out) != 3 || out["AccountId"] != id || !strings.HasPrefix(out["AccessKeyId"], "AKIA") || len(out["SecretAccessKey"]) != 40 {
		t.Fatalf("printed %s", r.stdout)
	}
	return sigv4.Credentials{AccessKeyID: out["AccessKeyId"], SecretAccessKey: out["SecretAccessKey"]}
}

var operatorPublishedRE = regexp.MustCompile(`msg="operator endpoint published" file=(\S+)`)

func rootARNOf(id string) string { return "<Arn>arn:aws:iam::" + id + ":root</Arn>" }

func TestAccountCreateInTheDataDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "absent", "data")
	a := printedAccount(t, runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "111122223333"), "111122223333")
	if _, err := os.Stat(filepath.Join(dir, server.ServeFileName)); err == nil {
		t.Error("account create wrote a serve file")
	}

	// The directory exists now: another account is added, an existing one is refused without showing its key.
	b := printedAccount(t, runIamd(t, map[string]string{"IAMD_DATA": dir}, "", "account", "create", "--id", "444455556666"), "444455556666")
	r := runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "111122223333")
	if r.code != exitFail || r.stdout != "" || !strings.Contains(r.stderr, "iamd account create: account 111122223333 already exists") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	// A server started on the directory later knows both accounts and their keys.
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	for id, c := range map[string]sigv4.Credentials{"111122223333": a, "444455556666": b} {
		if code, body := callerIdentity(t, client, endpoint, c); code != http.StatusOK || !strings.Contains(body, rootARNOf(id)) {
			t.Fatalf("GetCallerIdentity of %s: %d %s", id, code, body)
		}
	}
	client.CloseIdleConnections()
	s.stop(t)
}

func TestAccountCreateGoesThroughTheRunningServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const keyID, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	env := map[string]string{"IAMD_ROOT_ACCESS_KEY_ID": keyID, "IAMD_ROOT_SECRET_ACCESS_KEY": secret}
	client := newClient(t)
	s := startServe(t, env, "--data", dir)
	endpoint := s.waitFor(t, s.stderr, servingLogRE)
	s.waitFor(t, s.stderr, operatorPublishedRE)

	r := runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "111122223333")
	a := printedAccount(t, r, "111122223333")
	if !strings.Contains(s.stderr.String(), `msg="operator created account"`) {
		t.Fatalf("the server did not create the account:\n%s", s.stderr)
	}
	// The running server knows the account at once.
	if code, body := callerIdentity(t, client, endpoint, a); code != http.StatusOK || !strings.Contains(body, rootARNOf("111122223333")) {
		t.Fatalf("GetCallerIdentity: %d %s", code, body)
	}
	given := runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "444455556666",
		"--access-key-id", "AKIAEXAMPLEOPERATOR9", "--secret-access-key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOPERATOR99")
	b := printedAccount(t, given, "444455556666")
	if b.AccessKeyID != "AKIAEXAMPLEOPERATOR9" {
		t.Fatalf("access key %s", b.AccessKeyID)
	}
	if code, body := callerIdentity(t, client, endpoint, b); code != http.StatusOK || !strings.Contains(body, rootARNOf("444455556666")) {
		t.Fatalf("GetCallerIdentity: %d %s", code, body)
	}
	for _, id := range []string{"111122223333", "123456789012"} {
		r := runIamd(t, nil, "", "account", "create", "--data", dir, "--id", id)
		if r.code != exitFail || r.stdout != "" || !strings.Contains(r.stderr, "account "+id+" already exists") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
	}
	sf, err := os.ReadFile(filepath.Join(dir, server.ServeFileName))
	if err != nil {
		t.Fatal(err)
	}
	var published server.ServeFile
	if err := json.Unmarshal(sf, &published); err != nil || published.URL != endpoint || len(published.Token) != 64 {
		t.Fatalf("serve file %s (%v)", sf, err)
	}
	for _, secret := range []string{a.SecretAccessKey, b.SecretAccessKey, published.Token} {
		if strings.Contains(s.stderr.String(), secret) || strings.Contains(s.stdout.String(), secret) {
			t.Fatal("a secret reached the server's output")
		}
	}
	client.CloseIdleConnections()
	s.stop(t)
	if _, err := os.Stat(filepath.Join(dir, server.ServeFileName)); !os.IsNotExist(err) {
		t.Fatalf("the serve file outlived the server: %v", err)
	}
}

func TestAccountCreateFallsBackFromAStaleServeFile(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the server that wrote the file is gone
	dir := t.TempDir()
	data, _ := json.Marshal(server.ServeFile{URL: "http://" + addr, Token: strings.Repeat("ab", 32)})
	if err := os.WriteFile(filepath.Join(dir, server.ServeFileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "111122223333")
	printedAccount(t, r, "111122223333")
	if !strings.Contains(r.stderr, "stale") || !strings.Contains(r.stderr, "directly") {
		t.Errorf("stderr does not explain the fallback: %s", r.stderr)
	}
}

func TestAccountCreateUsageErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"account"}, "iamd account create"},
		{"an unknown subcommand", []string{"account", "delete"}, `unknown command "delete"`},
		{"no ID", []string{"account", "create"}, `account ID "" must be 12 digits`},
		{"a short ID", []string{"account", "create", "--id", "11112222333"}, `account ID "11112222333" must be 12 digits`},
		{"a long ID", []string{"account", "create", "--id", "1111222233334"}, `must be 12 digits`},
		{"a key ID without its secret", []string{"account", "create", "--id", "111122223333", "--access-key-id", "AKIAEXAMPLEOPERATOR1"}, "or neither"},
		{"an argument", []string{"account", "create", "--id", "111122223333", "extra"}, "unexpected arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			r := runIamd(t, nil, "", append(c.args, "--data", dir)...)
			if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant %q", r.code, exitUsage, r.stdout, r.stderr, c.want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("a refused command created the data directory")
			}
		})
	}
}

// TestAccountCreateInAPartition: --partition aws-cn makes a China account (its partition is printed with its
// credentials; aws, the default, is not). A partition iamd does not know is a usage error. (What the account does
// on the wire: internal/server TestAWSCLIPartitionAccounts.)
func TestAccountCreateInAPartition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "210987654321", "--partition", "aws-cn")
	var out map[string]string
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out) != 4 || out["Partition"] != "aws-cn" || out["AccountId"] != "210987654321" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	printedAccount(t, runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "111122223333", "--partition", "aws"), "111122223333")
	r = runIamd(t, nil, "", "account", "create", "--data", dir, "--id", "444455556666", "--partition", "aws-iso")
	if r.code != exitUsage || !strings.Contains(r.stderr, `partition "aws-iso"`) {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
}
