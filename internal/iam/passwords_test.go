package iam_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

func pwBool(b bool) *bool  { return &b }
func pwInt(n int32) *int32 { return &n }
func pwMessage(err error) string {
	if ae, ok := awserr.As(err); ok {
		return ae.Message
	}
	return ""
}

// pwAllow gives a user an inline policy allowing actions on every resource.
func pwAllow(t *testing.T, svc *iam.Service, root *iam.Caller, user string, actions ...string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
	if err := svc.PutUserPolicy(context.Background(), root, &iamtypes.PutUserPolicyRequest{UserName: user, PolicyName: "p", PolicyDocument: doc}); err != nil {
		t.Fatal(err)
	}
}

func TestAccountPasswordPolicyDefaultsAndLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	_, err := svc.GetAccountPasswordPolicy(ctx, root)
	wantCode(t, err, "NoSuchEntity")
	if pwMessage(err) != "The Password Policy with domain name 123456789012 cannot be found." {
		t.Fatalf("message %q", pwMessage(err))
	}
	wantCode(t, svc.DeleteAccountPasswordPolicy(ctx, root), "NoSuchEntity")

	// Every parameter left out takes its default.
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{}); err != nil {
		t.Fatal(err)
	}
	out, err := svc.GetAccountPasswordPolicy(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	p := out.PasswordPolicy
	if *p.MinimumPasswordLength != 6 || *p.RequireSymbols || *p.RequireNumbers || *p.RequireUppercaseCharacters ||
		*p.RequireLowercaseCharacters || *p.AllowUsersToChangePassword || *p.ExpirePasswords ||
		p.MaxPasswordAge != nil || p.PasswordReusePrevention != nil || p.HardExpiry != nil {
		t.Fatalf("defaults %+v", p)
	}

	// A full policy; ExpirePasswords follows MaxPasswordAge.
	full := &iamtypes.UpdateAccountPasswordPolicyRequest{MinimumPasswordLength: pwInt(14), RequireSymbols: pwBool(true),
		RequireNumbers: pwBool(true), RequireUppercaseCharacters: pwBool(true), RequireLowercaseCharacters: pwBool(true),
		AllowUsersToChangePassword: pwBool(true), MaxPasswordAge: pwInt(90), PasswordReusePrevention: pwInt(24), HardExpiry: pwBool(false)}
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, full); err != nil {
		t.Fatal(err)
	}
	out, _ = svc.GetAccountPasswordPolicy(ctx, root)
	p = out.PasswordPolicy
	if *p.MinimumPasswordLength != 14 || !*p.RequireSymbols || !*p.RequireNumbers || !*p.RequireUppercaseCharacters ||
		!*p.RequireLowercaseCharacters || !*p.AllowUsersToChangePassword || !*p.ExpirePasswords ||
		*p.MaxPasswordAge != 90 || *p.PasswordReusePrevention != 24 || p.HardExpiry == nil || *p.HardExpiry {
		t.Fatalf("full %+v", p)
	}

	// Out-of-range values are refused and change nothing.
	for _, bad := range []*iamtypes.UpdateAccountPasswordPolicyRequest{
		{MinimumPasswordLength: pwInt(5)}, {MinimumPasswordLength: pwInt(129)}, {MaxPasswordAge: pwInt(0)},
		{MaxPasswordAge: pwInt(1096)}, {PasswordReusePrevention: pwInt(25)},
	} {
		wantCode(t, svc.UpdateAccountPasswordPolicy(ctx, root, bad), "ValidationError")
	}
	out, _ = svc.GetAccountPasswordPolicy(ctx, root)
	if *out.PasswordPolicy.MinimumPasswordLength != 14 {
		t.Fatal("failed update changed the policy")
	}

	if err := svc.DeleteAccountPasswordPolicy(ctx, root); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetAccountPasswordPolicy(ctx, root)
	wantCode(t, err, "NoSuchEntity")
}

func TestAccountPasswordPolicyAuthorization(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	wantCode(t, svc.UpdateAccountPasswordPolicy(ctx, bob, &iamtypes.UpdateAccountPasswordPolicyRequest{}), "AccessDenied")
	_, err := svc.GetAccountPasswordPolicy(ctx, bob)
	wantCode(t, err, "AccessDenied")
	wantCode(t, svc.DeleteAccountPasswordPolicy(ctx, bob), "AccessDenied")

	// AllowUsersToChangePassword lets every user read the policy.
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{AllowUsersToChangePassword: pwBool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetAccountPasswordPolicy(ctx, bob); err != nil {
		t.Fatal(err)
	}
	pwAllow(t, svc, root, "bob", "iam:UpdateAccountPasswordPolicy")
	if err := svc.UpdateAccountPasswordPolicy(ctx, bob, &iamtypes.UpdateAccountPasswordPolicyRequest{MinimumPasswordLength: pwInt(10)}); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordPolicyCheckMessages(t *testing.T) {
	p := &iam.PasswordPolicy{MinimumPasswordLength: 8, RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true}
	for _, tc := range []struct{ name, pw, want string }{
		{"too short", "Ab1!", "Password should have a minimum length of 8"},
		{"no uppercase", "abcdefg1!", "Password should have at least one uppercase letter"},
		{"no lowercase", "ABCDEFG1!", "Password should have at least one lowercase letter"},
		{"no number", "Abcdefgh!", "Password should have at least one number"},
		{"no symbol", "Abcdefgh1", "Password should have at least one symbol"},
		{"dot is not a symbol", "Abcdefgh1.", "Password should have at least one symbol"},
		{"length counts characters, not bytes", "Aéééé1!", "Password should have a minimum length of 8"},
		{"good", "Abcdefg1!", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.Check(tc.pw); got != tc.want {
				t.Fatalf("Check(%q) = %q, want %q", tc.pw, got, tc.want)
			}
		})
	}
	var none *iam.PasswordPolicy
	if none.Check("x") != "" {
		t.Fatal("nil policy has rules")
	}
}

func TestLoginProfileLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	const pw = "Correct-Horse-9"
	out, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("ALICE"), Password: str(pw), PasswordResetRequired: pwBool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if out.LoginProfile.UserName != "alice" || !*out.LoginProfile.PasswordResetRequired || out.LoginProfile.CreateDate.IsZero() {
		t.Fatalf("created %+v", out.LoginProfile)
	}
	// Stored only as an argon2id hash.
	err = svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.Get(ctx, testAccount, iam.KindLoginProfile, "alice")
		if err != nil {
			return err
		}
		if bytes.Contains(e.Data, []byte(pw)) || !bytes.Contains(e.Data, []byte("$argon2id$v=19$")) || e.Parent != "alice" {
			t.Errorf("stored %s parent %q", e.Data, e.Parent)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str(pw)})
	wantCode(t, err, "EntityAlreadyExists")
	if pwMessage(err) != "Login Profile for user alice already exists." {
		t.Fatalf("message %q", pwMessage(err))
	}
	got, err := svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	if err != nil || !*got.LoginProfile.PasswordResetRequired {
		t.Fatalf("get %+v %v", got, err)
	}
	if err := svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", PasswordResetRequired: pwBool(false)}); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	if *got.LoginProfile.PasswordResetRequired {
		t.Fatal("reset flag not cleared")
	}
	if err := svc.DeleteLoginProfile(ctx, root, &iamtypes.DeleteLoginProfileRequest{UserName: str("alice")}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	wantCode(t, err, "NoSuchEntity")
	if pwMessage(err) != "Login Profile for User alice cannot be found." {
		t.Fatalf("message %q", pwMessage(err))
	}
	wantCode(t, svc.DeleteLoginProfile(ctx, root, &iamtypes.DeleteLoginProfileRequest{UserName: str("alice")}), "NoSuchEntity")
	wantCode(t, svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice"}), "NoSuchEntity")
	_, err = svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("nobody"), Password: str(pw)})
	wantCode(t, err, "NoSuchEntity")
	_, err = svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{})
	wantCode(t, err, "ValidationError")
}

func TestLoginProfileEnforcesPolicyAndChangesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{MinimumPasswordLength: pwInt(12), RequireUppercaseCharacters: pwBool(true), PasswordReusePrevention: pwInt(2)}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("short")})
	wantCode(t, err, "PasswordPolicyViolation")
	if pwMessage(err) != "Password should have a minimum length of 12" {
		t.Fatalf("message %q", pwMessage(err))
	}
	_, err = svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	wantCode(t, err, "NoSuchEntity")
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("Password-one")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", Password: str("no-uppercase-here")}), "PasswordPolicyViolation")
	// The current password counts as remembered.
	wantCode(t, svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", Password: str("Password-one"), PasswordResetRequired: pwBool(true)}), "PasswordPolicyViolation")
	got, _ := svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	if *got.LoginProfile.PasswordResetRequired {
		t.Fatal("failed update changed the profile")
	}
	if _, err := svc.SignIn(ctx, testAccount, "alice", "Password-one", "", "192.0.2.1"); err != nil {
		t.Fatalf("old password no longer works after failed update: %v", err)
	}
	if err := svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", Password: str("Password-two")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", Password: str("Password-three")}); err != nil {
		t.Fatal(err)
	}
	// Two remembered: three and two. One is old enough to use again.
	wantCode(t, svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", Password: str("Password-two")}), "PasswordPolicyViolation")
	if err := svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", Password: str("Password-one")}); err != nil {
		t.Fatal(err)
	}
}

func TestLoginProfileAuthorization(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "alice")
	_, err := svc.CreateLoginProfile(ctx, bob, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("Whatever-1")})
	wantCode(t, err, "AccessDenied")
	_, err = svc.GetLoginProfile(ctx, bob, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	wantCode(t, err, "AccessDenied")
	_, err = svc.GetLoginProfile(ctx, bob, &iamtypes.GetLoginProfileRequest{UserName: str("ghost")})
	wantCode(t, err, "AccessDenied") // a denied caller does not learn that the user is missing
	wantCode(t, svc.UpdateLoginProfile(ctx, bob, &iamtypes.UpdateLoginProfileRequest{UserName: "alice"}), "AccessDenied")
	wantCode(t, svc.DeleteLoginProfile(ctx, bob, &iamtypes.DeleteLoginProfileRequest{UserName: str("alice")}), "AccessDenied")
	pwAllow(t, svc, root, "bob", "iam:CreateLoginProfile", "iam:GetLoginProfile")
	if _, err := svc.CreateLoginProfile(ctx, bob, &iamtypes.CreateLoginProfileRequest{Password: str("Bobs-own-1")}); err != nil {
		t.Fatal(err)
	}
	if out, err := svc.GetLoginProfile(ctx, bob, &iamtypes.GetLoginProfileRequest{}); err != nil || out.LoginProfile.UserName != "bob" {
		t.Fatalf("own profile %+v %v", out, err)
	}
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	bob := userCaller(t, svc, root, "bob")
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("First-pass-1"), PasswordResetRequired: pwBool(true)}); err != nil {
		t.Fatal(err)
	}
	change := func(c *iam.Caller, old, new string) error {
		return svc.ChangePassword(ctx, c, &iamtypes.ChangePasswordRequest{OldPassword: old, NewPassword: new})
	}
	// Neither the policy nor a permission allows it yet.
	wantCode(t, change(alice, "First-pass-1", "Second-pass-2"), "AccessDenied")
	wantCode(t, change(root, "x", "y"), "InvalidUserType")
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{AllowUsersToChangePassword: pwBool(true), PasswordReusePrevention: pwInt(3), RequireNumbers: pwBool(true)}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, change(alice, "wrong", "Second-pass-2"), "AccessDenied")
	wantCode(t, change(alice, "First-pass-1", "no-number"), "PasswordPolicyViolation")
	wantCode(t, change(alice, "First-pass-1", "First-pass-1"), "PasswordPolicyViolation")
	wantCode(t, change(bob, "a", "b1"), "NoSuchEntity")
	if err := change(alice, "First-pass-1", "Second-pass-2"); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.GetLoginProfile(ctx, root, &iamtypes.GetLoginProfileRequest{UserName: str("alice")})
	if *got.LoginProfile.PasswordResetRequired {
		t.Fatal("ChangePassword left PasswordResetRequired set")
	}
	wantCode(t, change(alice, "Second-pass-2", "First-pass-1"), "PasswordPolicyViolation")

	// Without the policy's permission, iam:ChangePassword on the user's own ARN does it.
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, change(alice, "Second-pass-2", "Third-pass-3"), "AccessDenied")
	pwAllow(t, svc, root, "alice", "iam:ChangePassword")
	if err := change(alice, "Second-pass-2", "Third-pass-3"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(ctx, testAccount, "alice", "Third-pass-3", "", ""); err != nil {
		t.Fatal(err)
	}
}

func TestSignIn(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc.Now = func() time.Time { return now }
	userCaller(t, svc, root, "alice")
	userCaller(t, svc, root, "nopw")
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("Alice-pass-1")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, acct, user, pw string }{
		{"wrong password", testAccount, "alice", "nope"},
		{"no such user", testAccount, "ghost", "Alice-pass-1"},
		{"user without password", testAccount, "nopw", "Alice-pass-1"},
		{"other account", "999999999999", "alice", "Alice-pass-1"},
		{"empty password", testAccount, "alice", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.SignIn(ctx, tc.acct, tc.user, tc.pw, "", "192.0.2.1")
			var se *iam.SignInError
			if !errors.As(err, &se) || se.Error() != iam.SignInFailedMessage || se.Reason == "" {
				t.Fatalf("err = %v", err)
			}
		})
	}
	res, err := svc.SignIn(ctx, testAccount, "ALICE", "Alice-pass-1", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if res.UserName != "alice" || res.PasswordResetRequired || res.PasswordExpired || !res.Expiration.Equal(now.Add(time.Hour)) || res.SessionToken == "" {
		t.Fatalf("result %+v", res)
	}
	u, _ := svc.GetUser(ctx, root, &iamtypes.GetUserRequest{UserName: str("alice")})
	if u.User.PasswordLastUsed == nil || !u.User.PasswordLastUsed.Equal(now) {
		t.Fatalf("PasswordLastUsed %v", u.User.PasswordLastUsed)
	}
	sess, err := svc.VerifySessionToken(ctx, res.SessionToken)
	if err != nil || sess.UserName != "alice" || sess.Account != testAccount {
		t.Fatalf("verify %+v %v", sess, err)
	}
	// A tampered token, and an expired one, do not verify.
	parts := strings.SplitN(res.SessionToken, ".", 2)
	if _, err := svc.VerifySessionToken(ctx, parts[0]+"."+strings.Repeat("A", len(parts[1]))); !errors.Is(err, iam.ErrSignInToken) {
		t.Fatalf("tampered: %v", err)
	}
	// The signing key is stored sealed.
	_ = svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		b, err := r.Setting(ctx, testAccount, "signin-key")
		if err != nil || len(b) < 32+28 {
			t.Errorf("signin key setting %d bytes, %v", len(b), err)
		}
		return nil
	})
	now = now.Add(time.Hour)
	if _, err := svc.VerifySessionToken(ctx, res.SessionToken); !errors.Is(err, iam.ErrSignInToken) {
		t.Fatalf("expired: %v", err)
	}

	// Reset required and expiry are reported; hard expiry refuses.
	if err := svc.UpdateLoginProfile(ctx, root, &iamtypes.UpdateLoginProfileRequest{UserName: "alice", PasswordResetRequired: pwBool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{MaxPasswordAge: pwInt(30)}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(31 * 24 * time.Hour)
	res, err = svc.SignIn(ctx, testAccount, "alice", "Alice-pass-1", "", "")
	if err != nil || !res.PasswordResetRequired || !res.PasswordExpired {
		t.Fatalf("expired sign-in %+v %v", res, err)
	}
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{MaxPasswordAge: pwInt(30), HardExpiry: pwBool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.SignIn(ctx, testAccount, "alice", "Alice-pass-1", "", "")
	var se *iam.SignInError
	if !errors.As(err, &se) || se.Public != iam.SignInHardExpiredMessage {
		t.Fatalf("hard expiry: %v", err)
	}
}

func TestSignInLimiterLocksUserAndAddress(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc.Now = clock
	userCaller(t, svc, root, "alice")
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("Alice-pass-1")}); err != nil {
		t.Fatal(err)
	}
	lim := iam.NewSignInLimiter(clock)
	for i := range 5 {
		if _, err := lim.SignIn(ctx, svc, testAccount, "alice", "wrong", "", "198.51.100."+string(rune('1'+i))); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	// Locked: the right password fails like a wrong one.
	_, err := lim.SignIn(ctx, svc, testAccount, "alice", "Alice-pass-1", "", "203.0.113.9")
	var se *iam.SignInError
	if !errors.As(err, &se) || se.Public != iam.SignInFailedMessage || !strings.Contains(se.Reason, "locked") {
		t.Fatalf("locked user: %v", err)
	}
	now = now.Add(5 * time.Minute)
	if _, err := lim.SignIn(ctx, svc, testAccount, "alice", "Alice-pass-1", "", "203.0.113.9"); err != nil {
		t.Fatalf("after lockout: %v", err)
	}
	// One address failing for many users is locked too.
	for i := range 5 {
		lim.SignIn(ctx, svc, testAccount, "user"+string(rune('a'+i)), "x", "", "192.0.2.66")
	}
	if _, err := lim.SignIn(ctx, svc, testAccount, "alice", "Alice-pass-1", "", "192.0.2.66"); err == nil {
		t.Fatal("locked address signed in")
	}
}

// TestSignInLockOutHoldsOnEveryNode: two services on one database (two iamd nodes), each with its own limiter,
// sources that change every time: a user's failures on both nodes add up, the lock-out holds on both, and once it
// ends a success on one node clears the count for both.
func TestSignInLockOutHoldsOnEveryNode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	a, root := newServiceAt(t, path, iam.Options{})
	b, _ := newServiceAt(t, path, iam.Options{})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a.Now, b.Now = clock, clock
	userCaller(t, a, root, "alice")
	if _, err := a.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("Alice-pass-1")}); err != nil {
		t.Fatal(err)
	}
	la, lb := iam.NewSignInLimiter(clock), iam.NewSignInLimiter(clock)
	source := 0
	signIn := func(l *iam.SignInLimiter, svc *iam.Service, password string) error {
		source++
		_, err := l.SignIn(ctx, svc, testAccount, "alice", password, "", fmt.Sprintf("198.51.100.%d", source))
		return err
	}
	// Four failures, spread: no node has seen five, nor any source more than one.
	for i := range 4 {
		l, svc := la, a
		if i%2 == 1 {
			l, svc = lb, b
		}
		if signIn(l, svc, "wrong") == nil {
			t.Fatal("wrong password accepted")
		}
	}
	if err := signIn(lb, b, "Alice-pass-1"); err != nil {
		t.Fatalf("right password after four failures: %v", err)
	}
	// The success cleared the count: five more failures lock, the fifth on b.
	for i := range 5 {
		l, svc := la, a
		if i%2 == 1 {
			l, svc = lb, b
		}
		signIn(l, svc, "wrong")
	}
	for _, node := range []struct {
		l   *iam.SignInLimiter
		svc *iam.Service
	}{{la, a}, {lb, b}} {
		err := signIn(node.l, node.svc, "Alice-pass-1")
		var se *iam.SignInError
		if !errors.As(err, &se) || se.Public != iam.SignInFailedMessage || !strings.Contains(se.Reason, "locked") {
			t.Fatalf("right password on a node while the user is locked out: %v, want a lock-out", err)
		}
	}
	now = now.Add(5 * time.Minute)
	if err := signIn(la, a, "Alice-pass-1"); err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
	if err := signIn(lb, b, "Alice-pass-1"); err != nil {
		t.Fatalf("after the lock-out, on the other node: %v", err)
	}
}

// FuzzPasswordPolicyCheck: any password against any policy never panics, and a password that passes satisfies
// every rule of the policy.
func FuzzPasswordPolicyCheck(f *testing.F) {
	f.Add("Abcdefg1!", uint8(8), true, true, true, true)
	f.Add("", uint8(6), false, false, false, false)
	f.Add("ééééééé", uint8(7), false, false, false, true)
	f.Add("\xff\xfe'|", uint8(3), true, false, false, false)
	f.Fuzz(func(t *testing.T, pw string, minLen uint8, sym, num, up, low bool) {
		p := &iam.PasswordPolicy{MinimumPasswordLength: 6 + int(minLen)%123, RequireSymbols: sym, RequireNumbers: num,
			RequireUppercaseCharacters: up, RequireLowercaseCharacters: low}
		if p.Check(pw) != "" {
			return
		}
		if n := len([]rune(pw)); n < p.MinimumPasswordLength {
			t.Fatalf("%q (%d characters) passed minimum %d", pw, n, p.MinimumPasswordLength)
		}
		has := func(ok func(r rune) bool) bool {
			for _, r := range pw {
				if ok(r) {
					return true
				}
			}
			return false
		}
		if sym && !has(func(r rune) bool { return strings.ContainsRune("!@#$%^&*()_+-=[]{}|'", r) }) ||
			num && !has(func(r rune) bool { return r >= '0' && r <= '9' }) ||
			up && !has(func(r rune) bool { return r >= 'A' && r <= 'Z' }) ||
			low && !has(func(r rune) bool { return r >= 'a' && r <= 'z' }) {
			t.Fatalf("%q passed %+v without a required character", pw, p)
		}
	})
}

// TestChangePasswordExplicitDenyWins: AllowUsersToChangePassword acts like an attached Allow, so an explicit Deny of
// iam:ChangePassword (or of reading the password policy) still refuses.
func TestChangePasswordExplicitDenyWins(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	if _, err := svc.CreateLoginProfile(ctx, root, &iamtypes.CreateLoginProfileRequest{UserName: str("alice"), Password: str("First-pass-1")}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateAccountPasswordPolicy(ctx, root, &iamtypes.UpdateAccountPasswordPolicyRequest{AllowUsersToChangePassword: pwBool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetAccountPasswordPolicy(ctx, alice); err != nil {
		t.Fatalf("reading the policy without a permission: %v", err)
	}
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "locked", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":["iam:ChangePassword","iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	err := svc.ChangePassword(ctx, alice, &iamtypes.ChangePasswordRequest{OldPassword: "First-pass-1", NewPassword: "Second-pass-2"})
	wantCode(t, err, "AccessDenied")
	_, err = svc.GetAccountPasswordPolicy(ctx, alice)
	wantCode(t, err, "AccessDenied")
}
