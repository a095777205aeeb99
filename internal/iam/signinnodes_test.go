package iam_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// twoNodes returns two services on one new database of the backend ("SQLite" or "PostgreSQL"), as two iamd nodes
// on it, both on the clock clk, and the root caller. PostgreSQL is skipped under -short (it starts a cluster).
func twoNodes(t *testing.T, backend string, clk *mfaClock) (a, b *iam.Service, root *iam.Caller) {
	t.Helper()
	switch backend {
	case "SQLite":
		path := filepath.Join(t.TempDir(), "iamd.db")
		a, root = newServiceAt(t, path, iam.Options{})
		b, _ = newServiceAt(t, path, iam.Options{})
	default:
		if testing.Short() {
			t.Skip("-short: PostgreSQL starts a throwaway cluster")
		}
		url := pgtest.Database(t)
		for _, svc := range []**iam.Service{&a, &b} {
			st, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			*svc, root = newServiceOn(t, st, iam.Options{})
		}
	}
	a.Now, b.Now = clk.now, clk.now
	return a, b, root
}

var nodeBackends = []string{"SQLite", "PostgreSQL"}

// TestSignInSourceLockOutHoldsOnEveryNode: two nodes on one database, each with its own limiter. One source
// address fails five times in all (users that exist and users that do not, in the account and in one that does
// not exist), three times on one node and twice on the other, so that neither node's own count reaches five: the
// address is locked out on both, for a user with the right password too, while another address signs in; the
// lock-out ends after the limiter's Lockout, on both.
func TestSignInSourceLockOutHoldsOnEveryNode(t *testing.T) {
	for _, backend := range nodeBackends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			clk := &mfaClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			a, b, root := twoNodes(t, backend, clk)
			for _, name := range []string{"alice", "bob"} {
				userCaller(t, a, root, name)
				if _, err := a.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str(name), Password: str("Right-pass-1")}); err != nil {
					t.Fatal(err)
				}
			}
			la, lb := iam.NewSignInLimiter(clk.now), iam.NewSignInLimiter(clk.now)
			const attacker, other = "203.0.113.7", "198.51.100.8"
			failures := []struct {
				l            *iam.SignInLimiter
				svc          *iam.Service
				account, who string
			}{
				{la, a, testAccount, "alice"}, {lb, b, testAccount, "nobody"}, {la, a, "999999999999", "alice"},
				{lb, b, testAccount, "bob"}, {la, a, testAccount, "ghost"},
			}
			for i, f := range failures {
				if _, err := f.l.SignIn(ctx, f.svc, f.account, f.who, "wrong", "", attacker); err == nil {
					t.Fatalf("failure %d: a wrong password accepted", i)
				}
			}
			for _, node := range []struct {
				name string
				l    *iam.SignInLimiter
				svc  *iam.Service
			}{{"a", la, a}, {"b", lb, b}} {
				_, err := node.l.SignIn(ctx, node.svc, testAccount, "alice", "Right-pass-1", "", attacker)
				var se *iam.SignInError
				if !errors.As(err, &se) || se.Public != iam.SignInFailedMessage || !strings.Contains(se.Reason, "locked") {
					t.Fatalf("node %s: the right password from the address locked out on both nodes: %v, want a lock-out", node.name, err)
				}
				if _, err := node.l.SignIn(ctx, node.svc, testAccount, "alice", "Right-pass-1", "", other); err != nil {
					t.Fatalf("node %s: the right password from another address: %v", node.name, err)
				}
			}
			clk.t = clk.t.Add(la.Lockout)
			for _, node := range []struct {
				l   *iam.SignInLimiter
				svc *iam.Service
			}{{la, a}, {lb, b}} {
				if _, err := node.l.SignIn(ctx, node.svc, testAccount, "bob", "Right-pass-1", "", attacker); err != nil {
					t.Fatalf("after the lock-out: %v", err)
				}
			}
		})
	}
}

// TestSignInMFACodeUsedOnOneNodeIsRefusedOnAnother: a console sign-in's authenticator code, used on one node, is
// refused on the other (the device's last step is in the store, checked and moved in the sign-in's transaction);
// and of concurrent sign-ins with one fresh code on both nodes exactly one succeeds.
func TestSignInMFACodeUsedOnOneNodeIsRefusedOnAnother(t *testing.T) {
	for _, backend := range nodeBackends {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			clk := &mfaClock{t: time.Unix(1_800_000_000, 0).UTC()}
			a, b, root := twoNodes(t, backend, clk)
			userCaller(t, a, root, "alice")
			if _, err := a.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("Right-pass-1")}); err != nil {
				t.Fatal(err)
			}
			serial, seed := mfaCreate(t, a, root, "alice")
			mfaEnable(t, b, root, clk, "alice", serial, seed)

			clk.t = clk.t.Add(30 * time.Second)
			code := mfaCode(seed, clk, 0)
			if _, err := a.SignIn(ctx, testAccount, "alice", "Right-pass-1", code, ""); err != nil {
				t.Fatalf("sign-in on node a with a fresh code: %v", err)
			}
			_, err := b.SignIn(ctx, testAccount, "alice", "Right-pass-1", code, "")
			var se *iam.SignInError
			if !errors.As(err, &se) || !strings.Contains(se.Reason, "MFA") {
				t.Fatalf("sign-in on node b with the code used on a: %v, want a refused MFA code", err)
			}

			clk.t = clk.t.Add(30 * time.Second)
			code = mfaCode(seed, clk, 0)
			const each = 4
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok := 0
			for i := range 2 * each {
				svc := a
				if i%2 == 1 {
					svc = b
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := svc.SignIn(ctx, testAccount, "alice", "Right-pass-1", code, "")
					if err == nil {
						mu.Lock()
						ok++
						mu.Unlock()
					} else if !errors.As(err, new(*iam.SignInError)) {
						t.Errorf("concurrent sign-in: %v", err)
					}
				}()
			}
			wg.Wait()
			if ok != 1 {
				t.Fatalf("%d of %d concurrent sign-ins on two nodes with one code succeeded, want 1", ok, 2*each)
			}
		})
	}
}
