package org_test

import (
	"context"
	"testing"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/org"
)

// newClosingOrg returns an organization with all features on a test clock, and the clock.
func newClosingOrg(t *testing.T) (*service, *clock.Clock) {
	t.Helper()
	clk, err := clock.New(0)
	if err != nil {
		t.Fatal(err)
	}
	s := newOrgServiceAt(t, clk.Now)
	if _, err := s.CreateOrganization(context.Background(), rootOf(mgmt), &orgtypes.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func advance(t *testing.T, clk *clock.Clock, d time.Duration) {
	t.Helper()
	if _, err := clk.Advance(d); err != nil {
		t.Fatal(err)
	}
}

func wantAccountStatus(t *testing.T, s *service, id, status, state string) {
	t.Helper()
	d, err := s.DescribeAccount(context.Background(), rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: id})
	if err != nil {
		t.Fatal(err)
	}
	if string(*d.Account.Status) != status || string(*d.Account.State) != state {
		t.Fatalf("account %s: Status %s State %s, want %s %s", id, *d.Account.Status, *d.Account.State, status, state)
	}
}

// TestCloseAccountIsPendingThenClosed: CloseAccount leaves the account PENDING_CLOSURE (Status and State) for the
// closure delay on the service's clock, then closed (Status SUSPENDED, State CLOSED); closing it again is a conflict
// while pending and AccountAlreadyClosedException after.
func TestCloseAccountIsPendingThenClosed(t *testing.T) {
	ctx := context.Background()
	s, clk := newClosingOrg(t)
	id := *createAccount(t, s, "dev", "dev@example.com").AccountId
	wantAccountStatus(t, s, id, "ACTIVE", "ACTIVE")

	if err := s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: id}); err != nil {
		t.Fatal(err)
	}
	wantAccountStatus(t, s, id, "PENDING_CLOSURE", "PENDING_CLOSURE")
	wantCode(t, s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: id}), "ConflictException")

	advance(t, clk, org.DefaultClosureDelay)
	wantAccountStatus(t, s, id, "SUSPENDED", "CLOSED")
	wantCode(t, s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: id}), "AccountAlreadyClosedException")
	list, err := s.ListAccounts(ctx, rootOf(mgmt), &orgtypes.ListAccountsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list.Accounts {
		if *a.Id == id && (*a.Status != "SUSPENDED" || *a.State != "CLOSED") {
			t.Fatalf("ListAccounts shows the closed account as %s/%s", *a.Status, *a.State)
		}
	}

	// the closed account stays a member until the management account removes it, without the standalone
	// requirement a created account otherwise has
	if err := s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: id}); err != nil {
		t.Fatalf("removing the closed account: %v", err)
	}
	_, err = s.DescribeAccount(ctx, rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: id})
	wantCode(t, err, "AccountNotFoundException")
}

func TestCloseAccountErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := newClosingOrg(t)
	if err := org.JoinForTest(ctx, s.Service, mgmt, member); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, caller, account, code, reason string
	}{
		{"the management account", mgmt, mgmt, "ConstraintViolationException", "CANNOT_CLOSE_MANAGEMENT_ACCOUNT"},
		{"an account outside the organization", mgmt, "333333333333", "AccountNotFoundException", ""},
		{"called by a member account", member, member, "AccessDeniedException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CloseAccount(ctx, rootOf(tc.caller), &orgtypes.CloseAccountRequest{AccountId: tc.account})
			wantReason(t, err, tc.code, tc.reason)
		})
	}

	t.Run("an organization with consolidated billing only", func(t *testing.T) {
		s := newOrgService(t)
		cb := orgtypes.OrganizationFeatureSetCONSOLIDATEDBILLING
		if _, err := s.CreateOrganization(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationRequest{FeatureSet: &cb}); err != nil {
			t.Fatal(err)
		}
		if err := org.JoinForTest(ctx, s.Service, mgmt, member); err != nil {
			t.Fatal(err)
		}
		err := s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: member})
		wantReason(t, err, "ConstraintViolationException", "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")
	})
}

// TestCloseAccountQuota: AWS's quota is the higher of 250 and 20% of the member accounts, at most 1,000, in a
// rolling 30 days; closures past it answer CLOSE_ACCOUNT_QUOTA_EXCEEDED until the oldest leaves the window.
func TestCloseAccountQuota(t *testing.T) {
	for _, tc := range []struct{ members, want int }{
		{0, 250}, {10, 250}, {1250, 250}, {1255, 251}, {2000, 400}, {5000, 1000}, {100000, 1000},
	} {
		if got := org.CloseQuotaForTest(tc.members); got != tc.want {
			t.Errorf("quota for %d members = %d, want %d", tc.members, got, tc.want)
		}
	}

	ctx := context.Background()
	s, clk := newClosingOrg(t)
	s.CloseAccountQuota = 2
	var ids []string
	for _, n := range []string{"a", "b", "c"} {
		ids = append(ids, *createAccount(t, s, n, n+"@example.com").AccountId)
	}
	for _, id := range ids[:2] {
		if err := s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: id}); err != nil {
			t.Fatal(err)
		}
		advance(t, clk, 24*time.Hour)
	}
	// removing a closed account does not give its closure back
	if err := s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: ids[0]}); err != nil {
		t.Fatal(err)
	}
	err := s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: ids[2]})
	wantReason(t, err, "ConstraintViolationException", "CLOSE_ACCOUNT_QUOTA_EXCEEDED")
	wantAccountStatus(t, s, ids[2], "ACTIVE", "ACTIVE")
	advance(t, clk, 28*24*time.Hour) // the first closure is 30 days old
	if err := s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: ids[2]}); err != nil {
		t.Fatalf("closing once the first closure left the window: %v", err)
	}
}

// TestClosedAccountCredentialsFailClosed: from the moment CloseAccount succeeds, the account's access keys no longer
// authenticate (AWS suspends the account); the other accounts' keys still do.
func TestClosedAccountCredentialsFailClosed(t *testing.T) {
	ctx := context.Background()
	s, clk := newClosingOrg(t)
	const key, secretKey = "AKIAMEMBERROOTKEY001", "memberRootSecretKeyForTheClosingTest0001"
	if _, err := s.IAM.EnsureAccount(ctx, "444455556666", key, secretKey); err != nil {
		t.Fatal(err)
	}
	if err := org.JoinForTest(ctx, s.Service, mgmt, "444455556666"); err != nil {
		t.Fatal(err)
	}
	active := func() bool {
		t.Helper()
		cred, err := s.IAM.LookupAccessKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return cred.Active
	}
	if !active() {
		t.Fatal("the member's root key is inactive before closing")
	}
	if err := s.CloseAccount(ctx, rootOf(mgmt), &orgtypes.CloseAccountRequest{AccountId: "444455556666"}); err != nil {
		t.Fatal(err)
	}
	if active() {
		t.Fatal("the root key of a PENDING_CLOSURE account still authenticates")
	}
	advance(t, clk, time.Hour)
	if active() {
		t.Fatal("the root key of a closed account still authenticates")
	}
}
