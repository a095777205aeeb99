package org_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// newOrg returns the service with an organization whose management account is mgmt, and its root ID.
func newOrg(t *testing.T) (*service, string) {
	t.Helper()
	s := newOrgService(t)
	if _, err := s.CreateOrganization(context.Background(), rootOf(mgmt), &orgtypes.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	roots, err := s.ListRoots(context.Background(), rootOf(mgmt), &orgtypes.ListRootsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return s, *roots.Roots[0].Id
}

func createAccount(t *testing.T, s *service, name, email string) orgtypes.CreateAccountStatus {
	t.Helper()
	out, err := s.CreateAccount(context.Background(), rootOf(mgmt), &orgtypes.CreateAccountRequest{AccountName: name, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return *out.CreateAccountStatus
}

func wantReason(t *testing.T, err error, code, reason string) {
	t.Helper()
	wantCode(t, err, code)
	if ae, _ := awserr.As(err); ae.Reason != reason {
		t.Fatalf("reason = %q, want %q (%v)", ae.Reason, reason, err)
	}
}

func TestCreateAccountMakesAMemberWithTheAccessRole(t *testing.T) {
	ctx := context.Background()
	s, root := newOrg(t)
	st := createAccount(t, s, "dev", "dev@example.com")
	if *st.State != orgtypes.CreateAccountStateSUCCEEDED || st.AccountId == nil || !regexp.MustCompile(`^\d{12}$`).MatchString(*st.AccountId) ||
		!regexp.MustCompile(`^car-[a-z0-9]{8,32}$`).MatchString(*st.Id) || *st.AccountName != "dev" || st.CompletedTimestamp == nil {
		t.Fatalf("status %+v", st)
	}
	id := *st.AccountId

	d, err := s.DescribeCreateAccountStatus(ctx, rootOf(mgmt), &orgtypes.DescribeCreateAccountStatusRequest{CreateAccountRequestId: *st.Id})
	if err != nil || *d.CreateAccountStatus.AccountId != id {
		t.Fatalf("describe status: %v %+v", err, d)
	}
	_, err = s.DescribeCreateAccountStatus(ctx, rootOf(mgmt), &orgtypes.DescribeCreateAccountStatusRequest{CreateAccountRequestId: "car-0000000000"})
	wantCode(t, err, "CreateAccountStatusNotFoundException")

	// the access role trusts the management account and has AdministratorAccess
	role, err := s.IAM.GetRole(ctx, rootOf(id), &iamtypes.GetRoleRequest{RoleName: "OrganizationAccountAccessRole"})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(*role.Role.AssumeRolePolicyDocument); !strings.Contains(doc, `"AWS":"arn:aws:iam::`+mgmt+`:root"`) {
		t.Fatalf("role: %v %+v", err, role)
	}
	att, err := s.IAM.ListAttachedRolePolicies(ctx, rootOf(id), &iamtypes.ListAttachedRolePoliciesRequest{RoleName: "OrganizationAccountAccessRole"})
	if err != nil || len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != iam.AdministratorAccessARN {
		t.Fatalf("attached: %v %+v", err, att)
	}

	a, err := s.DescribeAccount(ctx, rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: id})
	if err != nil || *a.Account.Name != "dev" || *a.Account.Email != "dev@example.com" || *a.Account.JoinedMethod != "CREATED" ||
		*a.Account.Status != "ACTIVE" || !regexp.MustCompile(`^arn:aws:organizations::`+mgmt+`:account/o-[a-z0-9]{10}/`+id+`$`).MatchString(*a.Account.Arn) {
		t.Fatalf("describe account: %v %+v", err, a)
	}
	under, err := s.ListAccountsForParent(ctx, rootOf(mgmt), &orgtypes.ListAccountsForParentRequest{ParentId: root})
	if err != nil || len(under.Accounts) != 2 {
		t.Fatalf("accounts under the root: %v %+v", err, under)
	}

	// a second account with a custom role name; the same email fails as AWS reports it, in the status
	st2, err := s.CreateAccount(ctx, rootOf(mgmt), &orgtypes.CreateAccountRequest{AccountName: "ops", Email: "ops@example.com",
		RoleName: aptr("Admin"), Tags: []orgtypes.Tag{{Key: "team", Value: "ops"}}})
	if err != nil || *st2.CreateAccountStatus.State != "SUCCEEDED" {
		t.Fatalf("second: %v %+v", err, st2)
	}
	if _, err := s.IAM.GetRole(ctx, rootOf(*st2.CreateAccountStatus.AccountId), &iamtypes.GetRoleRequest{RoleName: "Admin"}); err != nil {
		t.Fatal(err)
	}
	dup := createAccount(t, s, "dev2", "DEV@example.com")
	if *dup.State != "FAILED" || *dup.FailureReason != "EMAIL_ALREADY_EXISTS" || dup.AccountId != nil {
		t.Fatalf("duplicate email %+v", dup)
	}
	failed, err := s.ListCreateAccountStatus(ctx, rootOf(mgmt), &orgtypes.ListCreateAccountStatusRequest{States: []orgtypes.CreateAccountState{"FAILED"}})
	if err != nil || len(failed.CreateAccountStatuses) != 1 || *failed.CreateAccountStatuses[0].Id != *dup.Id {
		t.Fatalf("failed list: %v %+v", err, failed)
	}
	succeeded, err := s.ListCreateAccountStatus(ctx, rootOf(mgmt), &orgtypes.ListCreateAccountStatusRequest{States: []orgtypes.CreateAccountState{"SUCCEEDED"}, MaxResults: aptr(int32(1))})
	if err != nil || len(succeeded.CreateAccountStatuses) != 1 || succeeded.NextToken == nil {
		t.Fatalf("succeeded page 1: %v %+v", err, succeeded)
	}
	next, err := s.ListCreateAccountStatus(ctx, rootOf(mgmt), &orgtypes.ListCreateAccountStatusRequest{States: []orgtypes.CreateAccountState{"SUCCEEDED"}, MaxResults: aptr(int32(1)), NextToken: succeeded.NextToken})
	if err != nil || len(next.CreateAccountStatuses) != 1 || next.NextToken != nil || *next.CreateAccountStatuses[0].Id == *succeeded.CreateAccountStatuses[0].Id {
		t.Fatalf("succeeded page 2: %v %+v", err, next)
	}
}

func TestCreateAccountQuota(t *testing.T) {
	s, _ := newOrg(t)
	s.MaxAccounts = 2
	if st := createAccount(t, s, "a", "a@example.com"); *st.State != "SUCCEEDED" {
		t.Fatalf("first %+v", st)
	}
	st := createAccount(t, s, "b", "b@example.com")
	if *st.State != "FAILED" || *st.FailureReason != "ACCOUNT_LIMIT_EXCEEDED" {
		t.Fatalf("over the quota %+v", st)
	}
	_, err := s.InviteAccountToOrganization(context.Background(), rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{
		Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	wantReason(t, err, "HandshakeConstraintViolationException", "ACCOUNT_NUMBER_LIMIT_EXCEEDED")
}

func TestListAccountsPages(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrg(t)
	for _, n := range []string{"a", "b", "c"} {
		createAccount(t, s, n, n+"@example.com")
	}
	seen := map[string]bool{}
	var token *string
	for pages := 0; ; pages++ {
		out, err := s.ListAccounts(ctx, rootOf(mgmt), &orgtypes.ListAccountsRequest{MaxResults: aptr(int32(3)), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Accounts {
			seen[*a.Id] = true
		}
		if token = out.NextToken; token == nil {
			if pages != 1 {
				t.Fatalf("pages = %d, want 2", pages+1)
			}
			break
		}
	}
	if len(seen) != 4 {
		t.Fatalf("accounts %v", seen)
	}
	_, err := s.ListAccounts(ctx, rootOf(mgmt), &orgtypes.ListAccountsRequest{NextToken: aptr("!!")})
	wantReason(t, err, "InvalidInputException", "INVALID_NEXT_TOKEN")
}

func TestAccountOperationErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrg(t)
	cases := []struct {
		name, code string
		call       func() error
	}{
		{"describe an account outside the organization", "AccountNotFoundException", func() error {
			_, err := s.DescribeAccount(ctx, rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: member})
			return err
		}},
		{"list under a parent that does not exist", "ParentNotFoundException", func() error {
			_, err := s.ListAccountsForParent(ctx, rootOf(mgmt), &orgtypes.ListAccountsForParentRequest{ParentId: "ou-abcd-12345678"})
			return err
		}},
		{"create an account from outside any organization", "AWSOrganizationsNotInUseException", func() error {
			_, err := s.CreateAccount(ctx, rootOf(member), &orgtypes.CreateAccountRequest{AccountName: "x", Email: "x@example.com"})
			return err
		}},
		{"remove the management account", "MasterCannotLeaveOrganizationException", func() error {
			return s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: mgmt})
		}},
		{"the management account leaves", "MasterCannotLeaveOrganizationException", func() error { return s.LeaveOrganization(ctx, rootOf(mgmt)) }},
		{"remove an account outside the organization", "AccountNotFoundException", func() error {
			return s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: member})
		}},
		{"a standalone account leaves", "AWSOrganizationsNotInUseException", func() error { return s.LeaveOrganization(ctx, rootOf(member)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantCode(t, tc.call(), tc.code) })
	}
}

func TestInvitedAccountJoinsAndLeaves(t *testing.T) {
	ctx := context.Background()
	s, root := newOrg(t)
	inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{
		Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}, Notes: aptr("join us"), Tags: []orgtypes.Tag{{Key: "k", Value: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := inv.Handshake
	if *h.State != "OPEN" || *h.Action != "INVITE" || len(h.Parties) != 2 || !regexp.MustCompile(`^h-[a-z0-9]{8,32}$`).MatchString(*h.Id) ||
		!regexp.MustCompile(`^arn:aws:organizations::`+mgmt+`:handshake/o-[a-z0-9]{10}/invite/h-`).MatchString(*h.Arn) ||
		h.ExpirationTimestamp.Sub(*h.RequestedTimestamp).Hours() != 15*24 {
		t.Fatalf("handshake %+v", h)
	}
	_, err = s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	wantCode(t, err, "DuplicateHandshakeException")

	mine, err := s.ListHandshakesForAccount(ctx, rootOf(member), &orgtypes.ListHandshakesForAccountRequest{})
	if err != nil || len(mine.Handshakes) != 1 || *mine.Handshakes[0].Id != *h.Id {
		t.Fatalf("for account: %v %+v", err, mine)
	}
	theirs, err := s.ListHandshakesForOrganization(ctx, rootOf(mgmt), &orgtypes.ListHandshakesForOrganizationRequest{Filter: &orgtypes.HandshakeFilter{ActionType: aptr(orgtypes.ActionTypeINVITE)}})
	if err != nil || len(theirs.Handshakes) != 1 {
		t.Fatalf("for organization: %v %+v", err, theirs)
	}
	none, err := s.ListHandshakesForOrganization(ctx, rootOf(mgmt), &orgtypes.ListHandshakesForOrganizationRequest{Filter: &orgtypes.HandshakeFilter{ActionType: aptr(orgtypes.ActionTypeENABLEALLFEATURES)}})
	if err != nil || len(none.Handshakes) != 0 {
		t.Fatalf("filtered: %v %+v", err, none)
	}
	_, err = s.AcceptHandshake(ctx, rootOf(mgmt), &orgtypes.AcceptHandshakeRequest{HandshakeId: *h.Id})
	wantCode(t, err, "AccessDeniedException")
	_, err = s.DescribeHandshake(ctx, rootOf("333333333333"), &orgtypes.DescribeHandshakeRequest{HandshakeId: *h.Id})
	wantCode(t, err, "HandshakeNotFoundException")

	acc, err := s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *h.Id})
	if err != nil || *acc.Handshake.State != "ACCEPTED" {
		t.Fatalf("accept: %v %+v", err, acc)
	}
	_, err = s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *h.Id})
	wantCode(t, err, "HandshakeAlreadyInStateException")
	_, err = s.DeclineHandshake(ctx, rootOf(member), &orgtypes.DeclineHandshakeRequest{HandshakeId: *h.Id})
	wantCode(t, err, "InvalidHandshakeTransitionException")

	a, err := s.DescribeAccount(ctx, rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: member})
	if err != nil || *a.Account.JoinedMethod != "INVITED" {
		t.Fatalf("member: %v %+v", err, a)
	}
	under, err := s.ListAccountsForParent(ctx, rootOf(mgmt), &orgtypes.ListAccountsForParentRequest{ParentId: root})
	if err != nil || len(under.Accounts) != 2 {
		t.Fatalf("under root: %v %+v", err, under)
	}
	if d, err := s.DescribeOrganization(ctx, rootOf(member)); err != nil || *d.Organization.MasterAccountId != mgmt {
		t.Fatalf("member's organization: %v %+v", err, d)
	}
	_, err = s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	wantReason(t, err, "HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION")

	// a member is no administrator
	_, err = s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{})
	wantCode(t, err, "AccessDeniedException")

	if err := s.LeaveOrganization(ctx, rootOf(member)); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeOrganization(ctx, rootOf(member))
	wantCode(t, err, "AWSOrganizationsNotInUseException")
	list, err := s.ListAccounts(ctx, rootOf(mgmt), &orgtypes.ListAccountsRequest{})
	if err != nil || len(list.Accounts) != 1 {
		t.Fatalf("after leaving: %v %+v", err, list)
	}
}

func TestHandshakeTransitions(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		first   func(s *service, id string) error
		then    func(s *service, id string) error
		code    string
		wantNow string
	}{
		{"declined cannot be accepted", decline(member), accept(member), "InvalidHandshakeTransitionException", "DECLINED"},
		{"declined cannot be declined again", decline(member), decline(member), "HandshakeAlreadyInStateException", "DECLINED"},
		{"canceled cannot be accepted", cancel(mgmt), accept(member), "InvalidHandshakeTransitionException", "CANCELED"},
		{"canceled cannot be canceled again", cancel(mgmt), cancel(mgmt), "HandshakeAlreadyInStateException", "CANCELED"},
		{"the invited account cannot cancel", nil, cancel(member), "AccessDeniedException", "OPEN"},
		{"the originator cannot decline", nil, decline(mgmt), "AccessDeniedException", "OPEN"},
		{"a stranger finds no handshake", nil, accept("333333333333"), "HandshakeNotFoundException", "OPEN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newOrg(t)
			inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
			if err != nil {
				t.Fatal(err)
			}
			id := *inv.Handshake.Id
			if tc.first != nil {
				if err := tc.first(s, id); err != nil {
					t.Fatal(err)
				}
			}
			wantCode(t, tc.then(s, id), tc.code)
			d, err := s.DescribeHandshake(ctx, rootOf(mgmt), &orgtypes.DescribeHandshakeRequest{HandshakeId: id})
			if err != nil || string(*d.Handshake.State) != tc.wantNow {
				t.Fatalf("state: %v %+v, want %s", err, d, tc.wantNow)
			}
		})
	}
}

func accept(acct string) func(*service, string) error {
	return func(s *service, id string) error {
		_, err := s.AcceptHandshake(context.Background(), rootOf(acct), &orgtypes.AcceptHandshakeRequest{HandshakeId: id})
		return err
	}
}

func decline(acct string) func(*service, string) error {
	return func(s *service, id string) error {
		_, err := s.DeclineHandshake(context.Background(), rootOf(acct), &orgtypes.DeclineHandshakeRequest{HandshakeId: id})
		return err
	}
}

func cancel(acct string) func(*service, string) error {
	return func(s *service, id string) error {
		_, err := s.CancelHandshake(context.Background(), rootOf(acct), &orgtypes.CancelHandshakeRequest{HandshakeId: id})
		return err
	}
}

func TestInviteTargets(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, typ, id, code, reason string
		reaches                     bool // the invited iamd account sees the invitation
	}{
		{"an account iamd holds", "ACCOUNT", member, "", "", true},
		{"an account iamd does not hold", "ACCOUNT", "999999999999", "", "", false},
		{"the default email address of an iamd account", "EMAIL", "account-" + member + "@example.com", "", "", true},
		{"another email address", "EMAIL", "someone@example.com", "", "", false},
		{"an account ID that is not one", "ACCOUNT", "someone@example.com", "InvalidInputException", "INVALID_PARTY_TYPE_TARGET", false},
		{"an email address that is not one", "EMAIL", "nobody", "InvalidInputException", "INVALID_EMAIL_ADDRESS_TARGET", false},
		{"an organization", "ORGANIZATION", "o-abcdefghij", "InvalidInputException", "INVALID_PARTY_TYPE_TARGET", false},
		{"the management account itself", "ACCOUNT", mgmt, "HandshakeConstraintViolationException", "ALREADY_IN_AN_ORGANIZATION", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newOrg(t)
			_, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{
				Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyType(tc.typ), Id: tc.id}})
			if tc.code != "" {
				wantReason(t, err, tc.code, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.ListHandshakesForAccount(ctx, rootOf(member), &orgtypes.ListHandshakesForAccountRequest{})
			if err != nil || (len(got.Handshakes) == 1) != tc.reaches {
				t.Fatalf("member's handshakes: %v %+v", err, got)
			}
		})
	}
}

func TestCreatedAccountLeavesOnlyWithRootCredentials(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrg(t)
	id := *createAccount(t, s, "dev", "dev@example.com").AccountId
	err := s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: id})
	wantReason(t, err, "ConstraintViolationException", "ACCOUNT_CANNOT_LEAVE_WITHOUT_EULA")
	if _, err := s.IAM.EnsureAccount(ctx, id, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = s.DescribeAccount(ctx, rootOf(mgmt), &orgtypes.DescribeAccountRequest{AccountId: id})
	wantCode(t, err, "AccountNotFoundException")
	// its access role stays, as in AWS
	if _, err := s.IAM.GetRole(ctx, rootOf(id), &iamtypes.GetRoleRequest{RoleName: "OrganizationAccountAccessRole"}); err != nil {
		t.Fatal(err)
	}
}

func TestSCPDenyingLeaveOrganizationStopsIt(t *testing.T) {
	ctx := context.Background()
	s, root := newOrg(t)
	inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnablePolicyType(ctx, rootOf(mgmt), &orgtypes.EnablePolicyTypeRequest{RootId: root, PolicyType: "SERVICE_CONTROL_POLICY"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.CreatePolicy(ctx, rootOf(mgmt), &orgtypes.CreatePolicyRequest{Name: "stay", Description: "no leaving", Type: "SERVICE_CONTROL_POLICY",
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPolicy(ctx, rootOf(mgmt), &orgtypes.AttachPolicyRequest{PolicyId: *p.Policy.PolicySummary.Id, TargetId: member}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.LeaveOrganization(ctx, rootOf(member)), "AccessDeniedException")
	if err := s.DetachPolicy(ctx, rootOf(mgmt), &orgtypes.DetachPolicyRequest{PolicyId: *p.Policy.PolicySummary.Id, TargetId: member}); err != nil {
		t.Fatal(err)
	}
	if err := s.LeaveOrganization(ctx, rootOf(member)); err != nil {
		t.Fatal(err)
	}
}

func TestDelegatedAdministrator(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrg(t)
	inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id}); err != nil {
		t.Fatal(err)
	}
	const svc = "guardduty.amazonaws.com"
	reg := func(acct, principal string) error {
		return s.RegisterDelegatedAdministrator(ctx, rootOf(mgmt), &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: acct, ServicePrincipal: principal})
	}
	_, err = s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{})
	wantCode(t, err, "AccessDeniedException")
	// A service needs trusted access before it gets a delegated administrator (SERVICE_ACCESS_NOT_ENABLED).
	err = reg(member, svc)
	wantCode(t, err, "ConstraintViolationException")
	if err := s.EnableAWSServiceAccess(ctx, rootOf(mgmt), &orgtypes.EnableAWSServiceAccessRequest{ServicePrincipal: svc}); err != nil {
		t.Fatal(err)
	}
	if err := reg(member, svc); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, code, reason string
		err                error
	}{
		{"twice", "AccountAlreadyRegisteredException", "", reg(member, svc)},
		{"the management account", "ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR", reg(mgmt, svc)},
		{"an account outside", "AccountNotFoundException", "", reg("333333333333", svc)},
		{"not a service principal", "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL", reg(member, "guardduty")},
		{"by a member", "AccessDeniedException", "", s.RegisterDelegatedAdministrator(ctx, rootOf(member), &orgtypes.RegisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: "config.amazonaws.com"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantReason(t, tc.err, tc.code, tc.reason) })
	}

	// the delegated administrator reads the organization but changes nothing
	if list, err := s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{}); err != nil || len(list.Accounts) != 2 {
		t.Fatalf("delegated list: %v %+v", err, list)
	}
	if _, err := s.DescribeAccount(ctx, rootOf(member), &orgtypes.DescribeAccountRequest{AccountId: mgmt}); err != nil {
		t.Fatal(err)
	}
	_, err = s.CreateAccount(ctx, rootOf(member), &orgtypes.CreateAccountRequest{AccountName: "x", Email: "x@example.com"})
	wantCode(t, err, "AccessDeniedException")

	admins, err := s.ListDelegatedAdministrators(ctx, rootOf(mgmt), &orgtypes.ListDelegatedAdministratorsRequest{ServicePrincipal: aptr(svc)})
	if err != nil || len(admins.DelegatedAdministrators) != 1 || *admins.DelegatedAdministrators[0].Id != member || admins.DelegatedAdministrators[0].DelegationEnabledDate == nil {
		t.Fatalf("admins: %v %+v", err, admins)
	}
	other, err := s.ListDelegatedAdministrators(ctx, rootOf(mgmt), &orgtypes.ListDelegatedAdministratorsRequest{ServicePrincipal: aptr("config.amazonaws.com")})
	if err != nil || len(other.DelegatedAdministrators) != 0 {
		t.Fatalf("other service: %v %+v", err, other)
	}
	svcs, err := s.ListDelegatedServicesForAccount(ctx, rootOf(mgmt), &orgtypes.ListDelegatedServicesForAccountRequest{AccountId: member})
	if err != nil || len(svcs.DelegatedServices) != 1 || *svcs.DelegatedServices[0].ServicePrincipal != svc {
		t.Fatalf("services: %v %+v", err, svcs)
	}
	_, err = s.ListDelegatedServicesForAccount(ctx, rootOf(mgmt), &orgtypes.ListDelegatedServicesForAccountRequest{AccountId: mgmt})
	wantCode(t, err, "AccountNotRegisteredException")

	err = s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: member})
	wantReason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")

	dereg := func() error {
		return s.DeregisterDelegatedAdministrator(ctx, rootOf(mgmt), &orgtypes.DeregisterDelegatedAdministratorRequest{AccountId: member, ServicePrincipal: svc})
	}
	if err := dereg(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, dereg(), "AccountNotRegisteredException")
	_, err = s.ListAccounts(ctx, rootOf(member), &orgtypes.ListAccountsRequest{})
	wantCode(t, err, "AccessDeniedException")
	if err := s.RemoveAccountFromOrganization(ctx, rootOf(mgmt), &orgtypes.RemoveAccountFromOrganizationRequest{AccountId: member}); err != nil {
		t.Fatal(err)
	}
}

func TestIAMUserNeedsAllowForAccountOperations(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrg(t)
	u, err := s.IAM.CreateUser(ctx, rootOf(mgmt), &iamtypes.CreateUserRequest{UserName: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	bob := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.User.Arn, Account: mgmt}, Name: "bob", UserID: u.User.UserId}
	_, err = s.CreateAccount(ctx, bob, &orgtypes.CreateAccountRequest{AccountName: "x", Email: "x@example.com"})
	wantCode(t, err, "AccessDeniedException")
	if err := s.IAM.PutUserPolicy(ctx, rootOf(mgmt), &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "p",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:CreateAccount","organizations:ListAccounts"],"Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, bob, &orgtypes.CreateAccountRequest{AccountName: "x", Email: "x@example.com"}); err != nil {
		t.Fatal(err)
	}
	// DescribeAccount is authorized on the account's ARN, which bob's policy does not grant
	_, err = s.DescribeAccount(ctx, bob, &orgtypes.DescribeAccountRequest{AccountId: mgmt})
	wantCode(t, err, "AccessDeniedException")
}

func aptr[T any](v T) *T { return &v }

func TestInvitationExpiresAfterFifteenDays(t *testing.T) {
	ctx := context.Background()
	s, _ := newOrg(t)
	inv, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}})
	if err != nil {
		t.Fatal(err)
	}
	later := *inv.Handshake.ExpirationTimestamp
	s.IAM.Now = func() time.Time { return later }
	d, err := s.DescribeHandshake(ctx, rootOf(member), &orgtypes.DescribeHandshakeRequest{HandshakeId: *inv.Handshake.Id})
	if err != nil || *d.Handshake.State != "EXPIRED" {
		t.Fatalf("describe: %v %+v", err, d)
	}
	_, err = s.AcceptHandshake(ctx, rootOf(member), &orgtypes.AcceptHandshakeRequest{HandshakeId: *inv.Handshake.Id})
	wantCode(t, err, "InvalidHandshakeTransitionException")
	// an expired invitation no longer holds a place: the account may be invited again
	if _, err := s.InviteAccountToOrganization(ctx, rootOf(mgmt), &orgtypes.InviteAccountToOrganizationRequest{Target: &orgtypes.HandshakeParty{Type: "ACCOUNT", Id: member}}); err != nil {
		t.Fatal(err)
	}
}
