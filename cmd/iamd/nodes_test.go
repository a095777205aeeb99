package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// nodeClient sends signed query-protocol calls to the nodes of a test.
type nodeClient struct {
	http *http.Client
}

// call signs the form (Action and Version included) for service with creds and posts it to endpoint.
func (c nodeClient) call(t *testing.T, endpoint string, creds sigv4.Credentials, service string, form url.Values) (int, string) {
	t.Helper()
	status, _, body, err := c.send(endpoint, creds, service, form)
	if err != nil {
		t.Fatal(err)
	}
	return status, body
}

// send is call for goroutines and for nodes that may be gone: err is a transport error (no whole answer).
func (c nodeClient) send(endpoint string, creds sigv4.Credentials, service string, form url.Values) (status int, contentType, body string, err error) {
	b := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(b))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(b), creds, "us-east-1", service, time.Now())
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", "", err
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(out), nil
}

// iam calls IAM and requires a 200.
func (c nodeClient) iam(t *testing.T, endpoint string, creds sigv4.Credentials, action string, kv ...string) string {
	t.Helper()
	status, body := c.call(t, endpoint, creds, "iam", iamForm(action, kv...))
	if status != http.StatusOK {
		t.Fatalf("%s on %s: %d %s", action, endpoint, status, body)
	}
	return body
}

func iamForm(action string, kv ...string) url.Values {
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return form
}

func stsForm(action string, kv ...string) url.Values {
	form := iamForm(action, kv...)
	form.Set("Version", "2011-06-15")
	return form
}

// xmlField is the text of the first element named name in an XML answer.
func xmlField(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">").FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %s", name, body)
	}
	return m[1]
}

// errorCode is the AWS error code of an answer, "" when none.
func errorCode(body string) string {
	if m := regexp.MustCompile(`<Code>([^<]*)</Code>`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// totpCode is an authenticator app's code for the 30-second step.
func totpCode(seed []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, seed)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1_000_000)
}

// TestNodesOnOneDataDirectoryBehaveAsOneServer: three "iamd serve" processes on one data directory (one SQLite file,
// as N nodes on one database) with clients spread across them. A write answered by one node is seen by the next
// request on any other: a deleted access key is refused at once, a detached policy denies at once, a TOTP code used
// on one node is refused on another; names stay unique and quotas hold when clients of different nodes write at
// once.
func TestNodesOnOneDataDirectoryBehaveAsOneServer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the test builds iamd and runs three processes")
	}
	bin := buildIamd(t)
	data := filepath.Join(t.TempDir(), "data")
	// One at a time: the first creates the database and the default account.
	nodes := []*process{startProcess(t, bin, data, nodesRoot)}
	nodes = append(nodes, startProcess(t, bin, data, nodesRoot), startProcess(t, bin, data, nodesRoot))
	testNodesBehaveAsOneServer(t, bin, nodes, data)
}

// nodesRoot is the default account's root key of the tests of many nodes.
var nodesRoot = sigv4.Credentials{AccessKeyID: "AKIANODESTESTEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYNODESTEST1"}

// testNodesBehaveAsOneServer runs the behaviours of one server on three nodes of one database, started with
// nodesRoot; data is the data directory of one of them (whose serve file "iamd account create" finds).
func testNodesBehaveAsOneServer(t *testing.T, bin string, nodes []*process, data string) {
	root := nodesRoot
	n1, n2, n3 := nodes[0].endpoint, nodes[1].endpoint, nodes[2].endpoint
	c := nodeClient{http: &http.Client{Timeout: 20 * time.Second}}

	// newUser creates a user with an access key on node at and returns the key.
	newUser := func(t *testing.T, at, name string) sigv4.Credentials {
		t.Helper()
		c.iam(t, at, root, "CreateUser", "UserName", name)
		body := c.iam(t, at, root, "CreateAccessKey", "UserName", name)
		return sigv4.Credentials{AccessKeyID: xmlField(t, body, "AccessKeyId"), SecretAccessKey: xmlField(t, body, "SecretAccessKey")}
	}
	whoAmI := func(t *testing.T, at string, creds sigv4.Credentials) (int, string) {
		t.Helper()
		return c.call(t, at, creds, "sts", stsForm("GetCallerIdentity"))
	}

	t.Run("DeletedAccessKeyIsRefusedAtOnceOnAnotherNode", func(t *testing.T) {
		key := newUser(t, n1, "keyholder")
		// Every node knows the key (and caches it) before the delete: twice, since the first use stamps the key's
		// last use, a commit that moves the node's own generations.
		for _, at := range []string{n1, n2, n3, n1, n2, n3} {
			if status, body := whoAmI(t, at, key); status != http.StatusOK {
				t.Fatalf("GetCallerIdentity on %s with a new key: %d %s", at, status, body)
			}
		}
		c.iam(t, n1, root, "DeleteAccessKey", "UserName", "keyholder", "AccessKeyId", key.AccessKeyID)
		for _, at := range []string{n2, n3, n1} {
			status, body := whoAmI(t, at, key)
			if status != http.StatusForbidden || errorCode(body) != "InvalidClientTokenId" {
				t.Fatalf("GetCallerIdentity on %s with a key deleted on %s: %d %s, want 403 InvalidClientTokenId", at, n1, status, body)
			}
		}
	})

	t.Run("DetachedPolicyDeniesAtOnceOnAnotherNode", func(t *testing.T) {
		key := newUser(t, n2, "reader")
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
		arn := xmlField(t, c.iam(t, n2, root, "CreatePolicy", "PolicyName", "get-user", "PolicyDocument", doc), "Arn")
		c.iam(t, n3, root, "AttachUserPolicy", "UserName", "reader", "PolicyArn", arn)
		for _, at := range []string{n1, n2, n3, n1, n2, n3} {
			c.iam(t, at, key, "GetUser") // allowed, and the evaluator cached on every node
		}
		c.iam(t, n2, root, "DetachUserPolicy", "UserName", "reader", "PolicyArn", arn)
		for _, at := range []string{n1, n3, n2} {
			status, body := c.call(t, at, key, "iam", iamForm("GetUser"))
			if status != http.StatusForbidden || errorCode(body) != "AccessDenied" {
				t.Fatalf("GetUser on %s after the policy was detached on %s: %d %s, want 403 AccessDenied", at, n2, status, body)
			}
		}
	})

	t.Run("TOTPCodeUsedOnOneNodeIsRefusedOnAnother", func(t *testing.T) {
		key := newUser(t, n1, "mfa-user")
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetSessionToken","Resource":"*"}]}`
		c.iam(t, n1, root, "PutUserPolicy", "UserName", "mfa-user", "PolicyName", "sessions", "PolicyDocument", doc)
		dev := c.iam(t, n2, root, "CreateVirtualMFADevice", "VirtualMFADeviceName", "mfa-user")
		serial := xmlField(t, dev, "SerialNumber")
		// The seed is a blob: base64 in XML, of the base32 text an authenticator app takes.
		b32, err := base64.StdEncoding.DecodeString(xmlField(t, dev, "Base32StringSeed"))
		if err != nil {
			t.Fatal(err)
		}
		seed, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(string(b32), "="))
		if err != nil {
			t.Fatal(err)
		}
		// Away from the end of a step, so that the steps below stay within the device's window of ±1.
		if left := 30 - time.Now().Unix()%30; left < 5 {
			time.Sleep(time.Duration(left+1) * time.Second)
		}
		now := time.Now().Unix() / 30
		// Enabling uses the codes of steps now-1 and now; the next code the device takes is that of now+1.
		c.iam(t, n2, root, "EnableMFADevice", "UserName", "mfa-user", "SerialNumber", serial,
			"AuthenticationCode1", totpCode(seed, now-1), "AuthenticationCode2", totpCode(seed, now))
		code := totpCode(seed, now+1)
		form := stsForm("GetSessionToken", "SerialNumber", serial, "TokenCode", code)
		if status, body := c.call(t, n3, key, "sts", form); status != http.StatusOK {
			t.Fatalf("GetSessionToken on %s with a fresh code: %d %s", n3, status, body)
		}
		for _, at := range []string{n1, n2, n3} {
			status, body := c.call(t, at, key, "sts", form)
			if status != http.StatusForbidden || errorCode(body) != "AccessDenied" {
				t.Fatalf("GetSessionToken on %s with a code used on %s: %d %s, want 403 AccessDenied", at, n3, status, body)
			}
		}
	})

	t.Run("SignInLockOutCountsFailuresOnEveryNode", func(t *testing.T) {
		c.iam(t, n1, root, "CreateUser", "UserName", "signer")
		c.iam(t, n1, root, "CreateLoginProfile", "UserName", "signer", "Password", "Signer-pass-1")
		c.iam(t, n2, root, "CreateUser", "UserName", "bystander")
		c.iam(t, n2, root, "CreateLoginProfile", "UserName", "bystander", "Password", "Bystander-pass-1")
		signInAs := func(at, user, password string) int {
			body := fmt.Sprintf(`{"account":"123456789012","userName":%q,"password":%q}`, user, password)
			resp, err := c.http.Post(at+"/iamd/v1/signin", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		if status := signInAs(n3, "bystander", "Bystander-pass-1"); status != http.StatusOK {
			t.Fatalf("sign-in of bystander with the right password on %s: %d", n3, status)
		}
		signIn := func(at, password string) int { return signInAs(at, "signer", password) }
		if status := signIn(n2, "Signer-pass-1"); status != http.StatusOK {
			t.Fatalf("sign-in with the right password on %s: %d", n2, status)
		}
		// Five failures in all, no more than two on any node (whose own count, by user or by address, stays below five).
		for _, at := range []string{n1, n2, n3, n1, n2} {
			if status := signIn(at, "wrong"); status != http.StatusUnauthorized {
				t.Fatalf("sign-in with a wrong password on %s: %d, want 401", at, status)
			}
		}
		for _, at := range []string{n3, n1, n2} {
			if status := signIn(at, "Signer-pass-1"); status != http.StatusUnauthorized {
				t.Fatalf("sign-in with the right password on %s while the user is locked out: %d, want 401", at, status)
			}
		}
		// The five failures came from one source address (the loopback), on three nodes: the address is locked out
		// on every node too, for another user with the right password.
		for _, at := range []string{n1, n2, n3} {
			if status := signInAs(at, "bystander", "Bystander-pass-1"); status != http.StatusUnauthorized {
				t.Fatalf("sign-in of another user from the locked-out address on %s: %d, want 401", at, status)
			}
		}
	})

	t.Run("AccountCreatedThroughOneNodeWorksOnEvery", func(t *testing.T) {
		// The serve file names one node; the account it creates is served by all.
		out, err := exec.Command(bin, "account", "create", "--data", data, "--id", "111122223333").Output()
		if err != nil {
			t.Fatalf("iamd account create: %v", err)
		}
		var acct struct{ AccountId, AccessKeyId, SecretAccessKey string }
		if err := json.Unmarshal(out, &acct); err != nil || acct.AccessKeyId == "" {
			t.Fatalf("iamd account create printed %q: %v", out, err)
		}
		key := sigv4.Credentials{AccessKeyID: acct.AccessKeyId, SecretAccessKey: acct.SecretAccessKey}
		for _, at := range []string{n1, n2, n3} {
			status, body := whoAmI(t, at, key)
			if status != http.StatusOK || xmlField(t, body, "Account") != "111122223333" {
				t.Fatalf("GetCallerIdentity on %s as the new account's root: %d %s", at, status, body)
			}
		}
	})

	t.Run("ConcurrentCreateUserOfOneNameOnThreeNodesSucceedsOnce", func(t *testing.T) {
		names := []string{"Shared", "SHARED", "shared", "sHaReD"}
		const each = 4
		var wg sync.WaitGroup
		type answer struct {
			status int
			body   string
		}
		answers := make(chan answer, len(nodes)*each)
		for i, p := range nodes {
			for j := range each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, body := c.call(t, p.endpoint, root, "iam", iamForm("CreateUser", "UserName", names[(i+j)%len(names)]))
					answers <- answer{status, body}
				}()
			}
		}
		wg.Wait()
		close(answers)
		won := 0
		for a := range answers {
			switch {
			case a.status == http.StatusOK:
				won++
			case a.status == http.StatusConflict && errorCode(a.body) == "EntityAlreadyExists":
			default:
				t.Errorf("CreateUser: %d %s, want 200 or 409 EntityAlreadyExists", a.status, a.body)
			}
		}
		if won != 1 {
			t.Fatalf("%d CreateUser calls of one name (in any case) succeeded on three nodes, want exactly 1", won)
		}
	})

	t.Run("AccessKeyQuotaHoldsUnderConcurrentCreatesOnThreeNodes", func(t *testing.T) {
		c.iam(t, n1, root, "CreateUser", "UserName", "quota")
		const each = 3
		var wg sync.WaitGroup
		var mu sync.Mutex
		created, limited := 0, 0
		for _, p := range nodes {
			for range each {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, body := c.call(t, p.endpoint, root, "iam", iamForm("CreateAccessKey", "UserName", "quota"))
					mu.Lock()
					defer mu.Unlock()
					switch {
					case status == http.StatusOK:
						created++
					case errorCode(body) == "LimitExceeded":
						limited++
					default:
						t.Errorf("CreateAccessKey: %d %s, want 200 or LimitExceeded", status, body)
					}
				}()
			}
		}
		wg.Wait()
		if created != 2 || limited != len(nodes)*each-2 {
			t.Fatalf("%d access keys created and %d refused with LimitExceeded, want 2 and %d", created, limited, len(nodes)*each-2)
		}
		body := c.iam(t, n3, root, "ListAccessKeys", "UserName", "quota")
		if n := strings.Count(body, "<AccessKeyId>"); n != 2 {
			t.Fatalf("ListAccessKeys on %s lists %d keys, want 2", n3, n)
		}
	})

	// Last: every node's clock is 90 days ahead afterwards.
	t.Run("ClockAdvancedThroughOneNodeMovesEveryNode", func(t *testing.T) {
		r := runIamd(t, nil, "", "clock", "advance", "90d", "--data", data)
		if r.code != exitOK || !strings.Contains(r.stdout, "clock-offset: 2160h0m0s") {
			t.Fatalf("iamd clock advance: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, at := range []string{n1, n2, n3} {
			// A user created now, on the node's clock, is 90 days ahead of the real time.
			body := c.iam(t, at, root, "CreateUser", "UserName", "later-"+strings.TrimPrefix(at, "http://127.0.0.1:"))
			created, err := time.Parse(time.RFC3339, xmlField(t, body, "CreateDate"))
			if err != nil {
				t.Fatal(err)
			}
			if ahead := time.Until(created); ahead < 89*24*time.Hour || ahead > 91*24*time.Hour {
				t.Errorf("a user created on %s after the advance is dated %s, %v ahead of the real time; want 90 days", at, created, ahead.Round(time.Hour))
			}
			resp, err := c.http.Get(at + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), "clock-offset: 2160h0m0s") {
				t.Errorf("/healthz of %s: %q, want the clock 90 days ahead", at, b)
			}
		}
	})
}
