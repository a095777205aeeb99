package server_test

import (
	"context"
	"net/url"
	"regexp"
	"testing"
)

// TestGoldenDelegation records the wire answers of the delegation operations, GetHumanReadableSummary,
// SetSecurityTokenServicePreferences and STS GetDelegatedAccessToken (testdata/golden/Delegation-*.xml): a partner
// account files a request, the customer's root user associates, updates, accepts it and sends the token, and the
// partner trades the token.
func TestGoldenDelegation(t *testing.T) {
	s := startServer(t)
	const partnerAccount = "111122223333"
	partner := creds{"AKIAPARTNER000000002", "partnerSecretKey0000000000000000000000000"}
	if _, err := s.srv.IAM.EnsureAccount(context.Background(), partnerAccount, partner.id, partner.secret); err != nil {
		t.Fatal(err)
	}
	if status, body := s.call(t, partner, "iam", url.Values{"Action": {"CreatePolicy"}, "PolicyName": {"onboarding"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/{{Prefix}}*"}]}`}}); status != 200 {
		t.Fatalf("CreatePolicy: %d %s", status, body)
	}
	create := url.Values{"Action": {"CreateDelegationRequest"}, "OwnerAccountId": {account}, "Description": {"Set up Example"},
		"RequestMessage": {"First setup"}, "RequestorWorkflowId": {"wf-golden"}, "SessionDuration": {"900"},
		"NotificationChannel": {"arn:aws:sns:us-east-1:" + partnerAccount + ":delegations"}, "RedirectUrl": {"https://example.com/done"},
		"Permissions.PolicyTemplateArn":        {"arn:aws:iam::" + partnerAccount + ":policy/onboarding"},
		"Permissions.Parameters.member.1.Name": {"Prefix"}, "Permissions.Parameters.member.1.Values.member.1": {"example-"}}
	status, body := s.call(t, partner, "iam", create)
	golden(t, "Delegation-CreateDelegationRequest", status, body)
	id := regexp.MustCompile(`<DelegationRequestId>([^<]+)</DelegationRequestId>`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no request ID in %s", body)
	}
	status, body = s.call(t, partner, "iam", create)
	golden(t, "Delegation-CreateDelegationRequest-duplicate", status, body)

	byID := func(action string, extra ...string) url.Values {
		v := url.Values{"Action": {action}, "DelegationRequestId": {id[1]}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	steps := []struct {
		name    string
		c       creds
		service string
		params  url.Values
	}{
		{"GetDelegationRequest-other-account", partner, "iam", byID("GetDelegationRequest")},
		{"AcceptDelegationRequest-unassigned", rootCreds, "iam", byID("AcceptDelegationRequest")},
		{"AssociateDelegationRequest", rootCreds, "iam", byID("AssociateDelegationRequest")},
		{"UpdateDelegationRequest", rootCreds, "iam", byID("UpdateDelegationRequest", "Notes", "Forwarded for review")},
		{"GetDelegationRequest", rootCreds, "iam", byID("GetDelegationRequest", "DelegationPermissionCheck", "true")},
		{"ListDelegationRequests", rootCreds, "iam", url.Values{"Action": {"ListDelegationRequests"}}},
		{"GetHumanReadableSummary", rootCreds, "iam", url.Values{"Action": {"GetHumanReadableSummary"},
			"EntityArn": {"arn:aws:iam::" + account + ":delegation-request/" + id[1]}}},
		{"AcceptDelegationRequest", rootCreds, "iam", byID("AcceptDelegationRequest")},
		{"SendDelegationToken", rootCreds, "iam", byID("SendDelegationToken")},
		{"RejectDelegationRequest-finalized", rootCreds, "iam", byID("RejectDelegationRequest")},
		{"SetSecurityTokenServicePreferences", rootCreds, "iam", url.Values{"Action": {"SetSecurityTokenServicePreferences"}, "GlobalEndpointTokenVersion": {"v2Token"}}},
	}
	for _, st := range steps {
		status, body := s.call(t, st.c, st.service, st.params)
		golden(t, "Delegation-"+st.name, status, body)
	}
	_, token, err := s.srv.IAM.DelegationToken(context.Background(), id[1])
	if err != nil {
		t.Fatal(err)
	}
	sessionToken := regexp.MustCompile(`<SessionToken>[^<]+</SessionToken>`)
	for _, name := range []string{"GetDelegatedAccessToken", "GetDelegatedAccessToken-reused"} {
		status, body := s.call(t, partner, "sts", url.Values{"Action": {"GetDelegatedAccessToken"}, "TradeInToken": {token}})
		golden(t, "Delegation-"+name, status, sessionToken.ReplaceAllString(body, "<SessionToken>TOKEN</SessionToken>"))
	}
}
