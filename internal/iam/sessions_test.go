package iam_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// sessionIssue issues temporary credentials for c in a transaction of its own.
func sessionIssue(t *testing.T, svc *iam.Service, c *iam.Caller, opt iam.SessionOptions) *iam.SessionCredentials {
	t.Helper()
	var out *iam.SessionCredentials
	err := svc.Store.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		var err error
		out, err = svc.NewSessionCredentials(ctx, tx, c, opt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSessionCredentialsAuthenticateAsTheUser(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	alice := userCaller(t, svc, root, "alice")
	alice.AccessKeyID = "AKIAALICEEXAMPLE0000"
	out := sessionIssue(t, svc, alice, iam.SessionOptions{Duration: 15 * time.Minute, MFA: true})
	if !strings.HasPrefix(out.AccessKeyID, "ASIA") || len(out.AccessKeyID) != 20 || len(out.SecretAccessKey) != 40 {
		t.Fatalf("credentials: %+v", out)
	}
	if raw, err := base64.StdEncoding.DecodeString(out.SessionToken); err != nil || len(raw) < 64 {
		t.Fatalf("session token %q: %v", out.SessionToken, err)
	}
	if want := clk.t.Add(15 * time.Minute); !out.Expiration.Equal(want) {
		t.Fatalf("expiration %v, want %v", out.Expiration, want)
	}
	cred, err := svc.LookupAccessKey(context.Background(), out.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	c := cred.Caller
	if string(cred.Secret) != out.SecretAccessKey || cred.SessionToken != out.SessionToken || !cred.Expires.Equal(out.Expiration) || !cred.Active {
		t.Fatalf("credential does not match what was issued: %+v", cred)
	}
	if c.Principal.ARN != alice.Principal.ARN || c.Name != "alice" || c.UserID != alice.UserID || c.AccessKeyID != out.AccessKeyID {
		t.Fatalf("caller: %+v", c)
	}
	if !c.SessionToken || !c.MFAPresent || !c.MFAAuthTime.Equal(clk.t) || !c.TokenIssueTime.Equal(clk.t) {
		t.Fatalf("session facts: %+v", c)
	}
	// Temporary credentials cannot issue temporary credentials.
	err = svc.Store.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		_, err := svc.NewSessionCredentials(ctx, tx, &c, iam.SessionOptions{Duration: time.Hour})
		return err
	})
	if !errors.Is(err, iam.ErrSessionCredentials) {
		t.Fatalf("session from a session: %v", err)
	}
	// A deleted user's sessions keep authenticating until they expire, as on AWS, but with no permission left.
	if err := svc.DeleteUser(context.Background(), root, &iamtypes.DeleteUserRequest{UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	cred, err = svc.LookupAccessKey(context.Background(), out.AccessKeyID)
	if err != nil {
		t.Fatalf("session of a deleted user: %v", err)
	}
	if !cred.Caller.PrincipalDeleted || cred.Caller.Principal.ARN != alice.Principal.ARN {
		t.Fatalf("caller of a deleted user's session: %+v", cred.Caller)
	}
}

func TestSessionCredentialsOfRoot(t *testing.T) {
	svc, root, _ := mfaSetup(t)
	out := sessionIssue(t, svc, root, iam.SessionOptions{Duration: time.Hour})
	cred, err := svc.LookupAccessKey(context.Background(), out.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	if !cred.Caller.IsRoot() || cred.Caller.Principal.ARN != root.Principal.ARN || !cred.Caller.SessionToken || cred.Caller.MFAPresent {
		t.Fatalf("root session caller: %+v", cred.Caller)
	}
	// Without MFA even the root user's temporary credentials cannot call IAM.
	c := cred.Caller
	_, err = svc.ListUsers(context.Background(), &c, &iamtypes.ListUsersRequest{})
	wantCode(t, err, "InvalidClientTokenId")
}

// TestSessionConditionKeys drives aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge and aws:TokenIssueTime
// through policies: present for temporary credentials only, the age only with MFA, and the age computed per request.
func TestSessionConditionKeys(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	bob := userCaller(t, svc, root, "bob")
	bob.AccessKeyID = "AKIABOBEXAMPLE000000"
	// ListUsers with MFA no older than an hour; GetUser only when aws:MultiFactorAuthPresent is absent (BoolIfExists
	// false, the documented pattern for long-term keys); ListGroups only with temporary credentials.
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}},
		{"Effect":"Allow","Action":"iam:GetUser","Resource":"*","Condition":{"Null":{"aws:MultiFactorAuthPresent":"true"}}},
		{"Effect":"Allow","Action":"iam:ListGroups","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"false"}}}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "p", PolicyDocument: doc}); err != nil {
		t.Fatal(err)
	}
	listUsers := func(c *iam.Caller) error { _, err := svc.ListUsers(ctx, c, &iamtypes.ListUsersRequest{}); return err }
	getUser := func(c *iam.Caller) error {
		_, err := svc.GetUser(ctx, c, &iamtypes.GetUserRequest{UserName: str("bob")})
		return err
	}
	listGroups := func(c *iam.Caller) error { _, err := svc.ListGroups(ctx, c, &iamtypes.ListGroupsRequest{}); return err }

	// The long-term key: no MFA keys at all, no token issue time.
	wantCode(t, listUsers(bob), "AccessDenied")
	if err := getUser(bob); err != nil {
		t.Fatalf("long-term key, aws:MultiFactorAuthPresent absent: %v", err)
	}
	wantCode(t, listGroups(bob), "AccessDenied")

	out := sessionIssue(t, svc, bob, iam.SessionOptions{Duration: 36 * time.Hour, MFA: true})
	cred, err := svc.LookupAccessKey(ctx, out.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	sess := cred.Caller
	if err := listUsers(&sess); err != nil {
		t.Fatalf("fresh MFA session: %v", err)
	}
	wantCode(t, getUser(&sess), "AccessDenied")
	if err := listGroups(&sess); err != nil {
		t.Fatalf("temporary credentials, aws:TokenIssueTime present: %v", err)
	}
	// Two hours later the same session (and the same cached evaluator) is too old for ListUsers.
	clk.t = clk.t.Add(2 * time.Hour)
	wantCode(t, listUsers(&sess), "AccessDenied")
	if err := listGroups(&sess); err != nil {
		t.Fatal(err)
	}

	// Without MFA the session cannot call IAM at all, whatever the policies say.
	noMFA := sessionIssue(t, svc, bob, iam.SessionOptions{Duration: time.Hour})
	cred, err = svc.LookupAccessKey(ctx, noMFA.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	plain := cred.Caller
	if plain.MFAPresent || !plain.MFAAuthTime.IsZero() {
		t.Fatalf("session without MFA: %+v", plain)
	}
	for _, call := range []func(*iam.Caller) error{listUsers, getUser, listGroups} {
		wantCode(t, call(&plain), "InvalidClientTokenId")
	}
}

// TestSessionsExpireAndAreSwept: the credential carries the expiry for the verifier; sessions expired for more
// than a day are deleted when new ones are issued.
func TestSessionsExpireAndAreSwept(t *testing.T) {
	svc, root, clk := mfaSetup(t)
	ctx := context.Background()
	carol := userCaller(t, svc, root, "carol")
	var old []string
	for range 5 {
		old = append(old, sessionIssue(t, svc, carol, iam.SessionOptions{Duration: 15 * time.Minute}).AccessKeyID)
	}
	clk.t = clk.t.Add(time.Hour)
	cred, err := svc.LookupAccessKey(ctx, old[0])
	if err != nil {
		t.Fatalf("an expired session is still found (for ExpiredToken): %v", err)
	}
	if clk.t.Before(cred.Expires) {
		t.Fatalf("expires %v, now %v", cred.Expires, clk.t)
	}
	clk.t = clk.t.Add(25 * time.Hour)
	fresh := ""
	// The sweep starts at a random key ID; enough issues cover every old session.
	for range 200 {
		fresh = sessionIssue(t, svc, carol, iam.SessionOptions{Duration: 15 * time.Minute}).AccessKeyID
		remaining := 0
		for _, id := range old {
			if _, err := svc.LookupAccessKey(ctx, id); err == nil {
				remaining++
			}
		}
		if remaining == 0 {
			break
		}
	}
	for _, id := range old {
		if _, err := svc.LookupAccessKey(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("session %s expired a day ago is still there: %v", id, err)
		}
	}
	if _, err := svc.LookupAccessKey(ctx, fresh); err != nil {
		t.Fatalf("a live session was swept: %v", err)
	}
}
