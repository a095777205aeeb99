package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

const testAccount = "123456789012"

// legacyDataDir writes a data directory as an iamd from before data keys left it: master.key sealed every secret
// itself (no key ID in the sealed form), and the database holds the root access key and the access key of the
// user "old", with the master key check when withCheck. It returns the directory, the root key and old's key.
func legacyDataDir(t *testing.T, withCheck bool) (string, sigv4.Credentials, sigv4.Credentials) {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	key := secret.NewKey()
	if err := secret.WriteKey(filepath.Join(dir, "master.key"), key); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	if withCheck {
		if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.PutMeta(ctx, "master-key-check", box.NewCheck())
		}); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	svc := iam.New(st, cat, box, time.Now, "us-east-1", iam.Options{})
	root := sigv4.Credentials{AccessKeyID: "AKIALEGACYROOTEXAMPL", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLEGACYROOT1"}
	if _, err := svc.EnsureAccount(ctx, testAccount, root.AccessKeyID, root.SecretAccessKey); err != nil {
		t.Fatal(err)
	}
	caller := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount}, UserID: testAccount}
	name := "old"
	if _, err := svc.CreateUser(ctx, caller, &iamtypes.CreateUserRequest{UserName: name}); err != nil {
		t.Fatal(err)
	}
	out, err := svc.CreateAccessKey(ctx, caller, &iamtypes.CreateAccessKeyRequest{UserName: &name})
	if err != nil {
		t.Fatal(err)
	}
	old := sigv4.Credentials{AccessKeyID: out.AccessKey.AccessKeyId, SecretAccessKey: out.AccessKey.SecretAccessKey}
	return dir, root, old
}

// sealedKeyID reads the stored access key id from the database file of dir and returns the ID of the data key
// that sealed its secret (false: sealed without a key ID, before data keys).
func sealedKeyID(t *testing.T, dir, accessKeyID string) (uint32, bool) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "iamd.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var data []byte
	if err := db.QueryRow("SELECT data FROM entities WHERE id = ?", accessKeyID).Scan(&data); err != nil {
		t.Fatalf("access key %s: %v", accessKeyID, err)
	}
	var rec struct{ Secret []byte }
	if err := json.Unmarshal(data, &rec); err != nil || rec.Secret == nil {
		t.Fatalf("access key record %s: %v", data, err)
	}
	return secret.SealedKeyID(rec.Secret)
}

// storedKeyring reads the data keys stored in dir's database.
func storedKeyring(t *testing.T, dir string) *secret.Keyring {
	t.Helper()
	r, err := secret.ParseKeyring(metaValue(t, dir, "data-keys"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestServeMigratesADataDirectoryFromBeforeDataKeys: a directory whose master.key sealed the secrets itself, with
// and without the key check, starts with the same key and no step from the user; the old root and user access
// keys keep working; the database now holds the data keys (the old key as legacy data key 1, a new data key 2 that
// seals new secrets); master.key is unchanged; and an iamd from before data keys would now refuse the database.
func TestServeMigratesADataDirectoryFromBeforeDataKeys(t *testing.T) {
	t.Parallel()
	for _, withCheck := range []bool{true, false} {
		name := map[bool]string{true: "with the key check", false: "from before the key check"}[withCheck]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, root, old := legacyDataDir(t, withCheck)
			keyBefore := readFile(t, filepath.Join(dir, "master.key"))
			client := newClient(t)
			s := startServe(t, nil, "--data", dir)
			endpoint := s.waitFor(t, s.stderr, servingLogRE)
			for _, c := range []sigv4.Credentials{root, old} {
				if code, body := callerIdentity(t, client, endpoint, c); code != http.StatusOK {
					t.Fatalf("GetCallerIdentity with %s after the migration: %d %s", c.AccessKeyID, code, body)
				}
			}
			newKey := createAccessKey(t, client, endpoint, root, "old")
			if code, body := callerIdentity(t, client, endpoint, newKey); code != http.StatusOK {
				t.Fatalf("a key created after the migration: %d %s", code, body)
			}
			client.CloseIdleConnections()
			s.stop(t)

			if string(readFile(t, filepath.Join(dir, "master.key"))) != string(keyBefore) {
				t.Fatal("the migration changed master.key")
			}
			if _, ok := sealedKeyID(t, dir, old.AccessKeyID); ok {
				t.Fatal("the old secret was sealed again")
			}
			if id, ok := sealedKeyID(t, dir, newKey.AccessKeyID); !ok || id != 2 {
				t.Fatalf("a new secret is sealed with data key %d (%t), want 2", id, ok)
			}
			r := storedKeyring(t, dir)
			if len(r.Keys) != 2 || !r.Keys[0].Legacy || r.Active != 2 || len(r.MasterKeyIDs()) != 1 {
				t.Fatalf("the data keys after the migration: %+v", r)
			}
			oldBox, _ := secret.NewBox(mustReadKey(t, filepath.Join(dir, "master.key")))
			if err := oldBox.Verify(metaValue(t, dir, "master-key-check")); err == nil {
				t.Fatal("an iamd from before data keys would still accept the database")
			}
			serveWorks(t, dir, root)
		})
	}
}

func mustReadKey(t *testing.T, path string) []byte {
	t.Helper()
	key, err := secret.ReadKey(path)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func metaValue(t *testing.T, dir, key string) []byte {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "iamd.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b []byte
	if err := db.QueryRow("SELECT value FROM meta WHERE key = ?", key).Scan(&b); err != nil {
		t.Fatalf("meta %s: %v", key, err)
	}
	return b
}

var accessKeyRE = regexp.MustCompile(`<AccessKeyId>(\S+)</AccessKeyId>[\s\S]*<SecretAccessKey>(\S+)</SecretAccessKey>`)

// createAccessKey sends IAM CreateAccessKey for user, signed with creds, and returns the new key.
func createAccessKey(t *testing.T, client *http.Client, endpoint string, creds sigv4.Credentials, user string) sigv4.Credentials {
	t.Helper()
	body := "Action=CreateAccessKey&Version=2010-05-08&UserName=" + user
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
	m := accessKeyRE.FindStringSubmatch(string(b))
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("CreateAccessKey for %s: %d %s", user, resp.StatusCode, b)
	}
	return sigv4.Credentials{AccessKeyID: m[1], SecretAccessKey: m[2]}
}

// TestServeTakesTheMasterKeyFromTheEnvironmentOrAFile: a new data directory started with IAMD_MASTER_KEY gets no
// master.key: its data keys are wrapped by the given key. The same key in a file (--master-key-file) opens it; no
// key, another key in the environment or an invalid one are refused, never printing key material.
func TestServeTakesTheMasterKeyFromTheEnvironmentOrAFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	key := secret.NewKey()
	env := map[string]string{"IAMD_MASTER_KEY": base64.StdEncoding.EncodeToString(key)}
	client := newClient(t)
	s := startServe(t, env, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	if code, body := callerIdentity(t, client, endpoint, root); code != http.StatusOK {
		t.Fatalf("GetCallerIdentity: %d %s", code, body)
	}
	if strings.Contains(s.stderr.String(), env["IAMD_MASTER_KEY"]) {
		t.Fatalf("the log shows the master key:\n%s", s.stderr)
	}
	if !strings.Contains(s.stderr.String(), `master-key=\"IAMD_MASTER_KEY (REDACTED)\"`) {
		t.Errorf("the configuration logged does not say where the master key comes from:\n%s", s.stderr)
	}
	client.CloseIdleConnections()
	s.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "master.key")); err == nil {
		t.Fatal("iamd wrote master.key although the master key was given")
	}

	keyFile := filepath.Join(t.TempDir(), "kek")
	if err := secret.WriteKey(keyFile, key); err != nil {
		t.Fatal(err)
	}
	serveWorksWith(t, dir, root, nil, "--master-key-file", keyFile)

	other := base64.StdEncoding.EncodeToString(secret.NewKey())
	stderr := serveRefusedWith(t, dir, map[string]string{"IAMD_MASTER_KEY": other}, nil, "IAMD_MASTER_KEY does not open the database", "wrapped by the master keys")
	for _, k := range []string{other, env["IAMD_MASTER_KEY"]} {
		if strings.Contains(stderr, k) {
			t.Fatalf("the refusal shows key material:\n%s", stderr)
		}
	}
	serveRefusedWith(t, dir, nil, nil, "master.key is missing", "IAMD_MASTER_KEY")
	if r := runIamd(t, map[string]string{"IAMD_MASTER_KEY": "c2hvcnQ="}, "", "serve", "--data", dir); r.code != exitUsage || !strings.Contains(r.stderr, "IAMD_MASTER_KEY must be base64 of 32 bytes") {
		t.Fatalf("an invalid IAMD_MASTER_KEY: exit %d, %s", r.code, r.stderr)
	}
}

// TestKeysRotateWhileServingKeepsOldAccessKeysWorkingAndRefusesTheWrongKey runs the iamd binary on a data
// directory from before data keys and rotates its keys while it serves, checking that every access key keeps
// working, across restarts, at each step:
//
//  1. iamd keys rotate --new-master-key-file k2 (creating k2): the data keys are wrapped by both keys; the
//     running node goes on serving, and after a restart a node given either key starts;
//  2. iamd keys rotate --finish --master-key-file k2: the running node goes on serving; the old key is refused at
//     the next start (exit 1, a message that names it, nothing served);
//  3. iamd keys rotate --data-key: the running node opens secrets of the new data key and seals new ones with it
//     after its next start, while secrets sealed before keep opening.
func TestKeysRotateWhileServingKeepsOldAccessKeysWorkingAndRefusesTheWrongKey(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the rotation test builds iamd and runs it as a process")
	}
	bin := buildIamd(t)
	dir, root, old := legacyDataDir(t, true)
	k1, k2 := filepath.Join(dir, "master.key"), filepath.Join(t.TempDir(), "k2")
	client := &http.Client{Timeout: 10 * time.Second}
	works := func(p *process, keys ...sigv4.Credentials) {
		t.Helper()
		for _, c := range keys {
			if code, body := callerIdentity(t, client, p.endpoint, c); code != http.StatusOK {
				t.Fatalf("GetCallerIdentity with %s: %d %s\nstderr: %s", c.AccessKeyID, code, body, p.stderr)
			}
		}
	}
	rotate := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"keys", "rotate", "--data", dir}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("iamd keys rotate %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("iamd keys rotate %s:\n%s", strings.Join(args, " "), out)
		return string(out)
	}

	p := startProcessWith(t, bin, dir, root, nil)
	works(p, root, old)
	out := rotate("--new-master-key-file", k2)
	if !strings.Contains(out, "new master key") || !strings.Contains(out, "written to "+k2) {
		t.Fatalf("the rotation does not say it made the new key:\n%s", out)
	}
	if ids := storedKeyring(t, dir).MasterKeyIDs(); len(ids) != 2 {
		t.Fatalf("master keys during the rotation: %v", ids)
	}
	works(p, root, old)
	newUserKey := func(p *process, name string) sigv4.Credentials {
		t.Helper()
		createUser(t, client, p.endpoint, root, name)
		return createAccessKey(t, client, p.endpoint, root, name)
	}
	during := newUserKey(p, "during")
	p.stop(t)

	for _, key := range []string{k1, k2} { // during the rotation, nodes given either key start
		p = startProcessWith(t, bin, dir, root, nil, "--master-key-file", key)
		works(p, root, old, during)
		p.stop(t)
	}

	p = startProcessWith(t, bin, dir, root, nil, "--master-key-file", k2)
	out = rotate("--finish", "--master-key-file", k2)
	if !strings.Contains(out, "removed: nodes given it no longer start") {
		t.Fatalf("--finish does not say which key it removed:\n%s", out)
	}
	works(p, root, old, during)
	out = rotate("--data-key", "--master-key-file", k2)
	if !strings.Contains(out, "data key 3 added") { // 1: the legacy key, 2: the migration's, 3: this one
		t.Fatalf("--data-key:\n%s", out)
	}
	works(p, root, old, during)
	beforeRestart := newUserKey(p, "before-restart")
	works(p, beforeRestart)
	p.stop(t)

	stderr := processRefused(t, bin, dir, root, nil, "--master-key-file", k1)
	for _, want := range []string{k1, "does not open the database"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the refusal of the old key does not say %q:\n%s", want, stderr)
		}
	}
	processRefused(t, bin, dir, root, []string{"IAMD_MASTER_KEY=" + base64.StdEncoding.EncodeToString(secret.NewKey())})

	p = startProcessWith(t, bin, dir, root, nil, "--master-key-file", k2)
	works(p, root, old, during, beforeRestart)
	after := newUserKey(p, "after")
	works(p, after)
	p.stop(t)
	for key, want := range map[string]uint32{during.AccessKeyID: 2, after.AccessKeyID: 3} {
		if id, _ := sealedKeyID(t, dir, key); id != want {
			t.Errorf("access key %s is sealed with data key %d, want %d", key, id, want)
		}
	}
	if _, ok := sealedKeyID(t, dir, old.AccessKeyID); ok {
		t.Error("the access key from before data keys was sealed again")
	}
}

// buildIamd builds the iamd binary into a temporary directory and returns its path.
func buildIamd(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the test builds iamd: go is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "iamd")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// processRefused runs the iamd binary's serve on data with the extra environment and arguments and requires it
// to refuse to start: exit 1, nothing served. It returns the error output.
func processRefused(t *testing.T, bin, data string, root sigv4.Credentials, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", data,
		"--root-access-key-id", root.AccessKeyID, "--root-secret-access-key", root.SecretAccessKey}, args...)...)
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir()), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if cmd.ProcessState.ExitCode() != exitFail {
			t.Fatalf("iamd serve: %v, want exit %d\nstderr: %s", err, exitFail, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("iamd serve neither refused nor stopped\nstderr: %s", stderr.String())
	}
	if servingLogRE.MatchString(stderr.String()) {
		t.Fatalf("iamd serve served with the wrong master key:\n%s", stderr.String())
	}
	t.Logf("refused: %s", stderr.String())
	return stderr.String()
}
