package server_test

import (
	"context"
	"strings"
	"testing"
)

// TestAWSCLIDelegationRequestEndToEnd drives IAM temporary delegation with the AWS CLI: a partner account files a
// request from its policy template, a role session of the customer associates, reads, summarizes, accepts it and
// sends the token; the partner trades the token (as the SNS topic would have delivered it) for credentials with
// STS GetDelegatedAccessToken, which allow only what both the request and the approving role allow.
func TestAWSCLIDelegationRequestEndToEnd(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	ctx := context.Background()
	const partnerAccount = "111122223333"
	partner := creds{"AKIAPARTNER000000001", "partnerSecretKey0000000000000000000000000"}
	if _, err := s.srv.IAM.EnsureAccount(ctx, partnerAccount, partner.id, partner.secret); err != nil {
		t.Fatal(err)
	}
	var pol struct{ Policy struct{ Arn string } }
	s.mustCLI(t, partner, &pol, "iam", "create-policy", "--policy-name", "onboarding", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","iam:ListUsers"],"Resource":"*"},
		{"Effect":"Allow","Action":"iam:TagRole","Resource":"arn:aws:iam::*:role/{{Prefix}}*"}]}`)
	var created struct{ DelegationRequestId string }
	s.mustCLI(t, partner, &created, "iam", "create-delegation-request", "--owner-account-id", "123456789012",
		"--description", "Set up Example", "--requestor-workflow-id", "wf-0001", "--session-duration", "900",
		"--notification-channel", "arn:aws:sns:us-east-1:"+partnerAccount+":delegations",
		"--permissions", `{"PolicyTemplateArn":"`+pol.Policy.Arn+`","Parameters":[{"Name":"Prefix","Values":["example-"]}]}`)
	id := created.DelegationRequestId
	o, e, code := s.awsCLI(t, partner, "iam", "create-delegation-request", "--description", "again", "--requestor-workflow-id", "wf-0001",
		"--session-duration", "900", "--notification-channel", "arn:aws:sns:us-east-1:"+partnerAccount+":delegations",
		"--permissions", `{"PolicyTemplateArn":"`+pol.Policy.Arn+`","Parameters":[{"Name":"Prefix","Values":["x"]}]}`)
	wantCLIError(t, o, e, code, "EntityAlreadyExists", "wf-0001")

	// The approver: a role session whose role may manage delegation requests and read roles, not users.
	admin := s.userWithPolicy(t, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "approver", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)
	s.mustCLI(t, rootCreds, nil, "iam", "put-role-policy", "--role-name", "approver", "--policy-name", "p", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*DelegationRequest*","iam:SendDelegationToken","iam:GetHumanReadableSummary","iam:GetRole","iam:ListRoles"],"Resource":"*"}]}`)
	var assumed struct{ Credentials sessionCreds }
	s.mustCLI(t, admin, &assumed, "sts", "assume-role", "--role-arn", "arn:aws:iam::123456789012:role/approver", "--role-session-name", "reviewer")
	approver := assumed.Credentials
	cli := func(args ...string) string {
		t.Helper()
		o, e, code := s.sessionCLI(t, approver, args...)
		if code != 0 {
			t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, e)
		}
		return o
	}
	cli("iam", "associate-delegation-request", "--delegation-request-id", id)
	if o := cli("iam", "get-delegation-request", "--delegation-request-id", id); !strings.Contains(o, `"State": "ASSIGNED"`) ||
		!strings.Contains(o, `"OwnerId": "arn:aws:sts::123456789012:assumed-role/approver/reviewer"`) {
		t.Fatalf("get-delegation-request:\n%s", o)
	}
	if o := cli("iam", "list-delegation-requests"); !strings.Contains(o, id) {
		t.Fatalf("list-delegation-requests:\n%s", o)
	}
	if o := cli("iam", "get-human-readable-summary", "--entity-arn", "arn:aws:iam::123456789012:delegation-request/"+id); !strings.Contains(o, `"SummaryState": "AVAILABLE"`) ||
		!strings.Contains(o, "Read: GetRole") {
		t.Fatalf("get-human-readable-summary:\n%s", o)
	}
	cli("iam", "accept-delegation-request", "--delegation-request-id", id)
	cli("iam", "send-delegation-token", "--delegation-request-id", id)

	_, token, err := s.srv.IAM.DelegationToken(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var delegated struct {
		Credentials      sessionCreds
		AssumedPrincipal string
	}
	s.mustCLI(t, partner, &delegated, "sts", "get-delegated-access-token", "--trade-in-token", token)
	if delegated.AssumedPrincipal != "arn:aws:sts::123456789012:assumed-role/approver/reviewer" {
		t.Fatalf("AssumedPrincipal = %s", delegated.AssumedPrincipal)
	}
	o, e, code = s.awsCLI(t, partner, "sts", "get-delegated-access-token", "--trade-in-token", token)
	wantCLIError(t, o, e, code, "ExpiredTradeInTokenException", "expired")

	if o, e, code := s.sessionCLI(t, delegated.Credentials, "iam", "get-role", "--role-name", "approver"); code != 0 {
		t.Fatalf("get-role (in the request and the role's policy): exit %d %s %s", code, o, e)
	}
	o, e, code = s.sessionCLI(t, delegated.Credentials, "iam", "list-users")
	wantCLIError(t, o, e, code, "AccessDenied", "iam:ListUsers") // in the request, not the role's
	o, e, code = s.sessionCLI(t, delegated.Credentials, "iam", "list-roles")
	wantCLIError(t, o, e, code, "AccessDenied", "iam:ListRoles") // the role's, not in the request
}

// TestAWSCLISetSecurityTokenServicePreferences: the chosen token version shows in GetAccountSummary.
func TestAWSCLISetSecurityTokenServicePreferences(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	var sum struct{ SummaryMap map[string]int }
	s.mustCLI(t, rootCreds, &sum, "iam", "get-account-summary")
	if v := sum.SummaryMap["GlobalEndpointTokenVersion"]; v != 1 {
		t.Fatalf("default GlobalEndpointTokenVersion = %d", v)
	}
	s.mustCLI(t, rootCreds, nil, "iam", "set-security-token-service-preferences", "--global-endpoint-token-version", "v2Token")
	s.mustCLI(t, rootCreds, &sum, "iam", "get-account-summary")
	if v := sum.SummaryMap["GlobalEndpointTokenVersion"]; v != 2 {
		t.Fatalf("GlobalEndpointTokenVersion after v2Token = %d", v)
	}
	o, e, code := s.awsCLI(t, rootCreds, "iam", "set-security-token-service-preferences", "--global-endpoint-token-version", "v3Token")
	wantCLIError(t, o, e, code, "ValidationError", "v3Token")
}
