package server_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store"
)

// lastAccessPolicy allows two tracked IAM actions and one S3 action, so that the reports stay short.
const lastAccessPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser","s3:GetObject"],"Resource":"*"}]}`

var jobIDRE = regexp.MustCompile(`<JobId>([^<]+)</JobId>`)

// TestGoldenLastAccessedResponses answers the six last-accessed operations over HTTP: a user's report (service
// and action level), its entities, the policies granting a service, the errors of a bad ARN and an unknown job,
// and the Organizations report of the management account.
func TestGoldenLastAccessedResponses(t *testing.T) {
	s := startServer(t)
	acct := account
	alice := s.userWithPolicy(t, "la-alice", lastAccessPolicy)
	s.mustCall(t, alice, "iam", url.Values{"Action": {"ListUsers"}})
	flushTrail(t, s)
	call := func(name string, c creds, params map[string]string) string {
		t.Helper()
		v := url.Values{}
		for k, x := range params {
			v.Set(k, x)
		}
		status, body := s.call(t, c, "iam", v)
		golden(t, name, status, body)
		return body
	}
	job := func(body string) string {
		t.Helper()
		m := jobIDRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no JobId in %s", body)
		}
		return m[1]
	}
	aliceARN := "arn:aws:iam::" + acct + ":user/la-alice"
	j := job(call("GenerateServiceLastAccessedDetails", rootCreds, map[string]string{"Action": "GenerateServiceLastAccessedDetails", "Arn": aliceARN}))
	call("GetServiceLastAccessedDetails", rootCreds, map[string]string{"Action": "GetServiceLastAccessedDetails", "JobId": j})
	call("GetServiceLastAccessedDetails-paged", rootCreds, map[string]string{"Action": "GetServiceLastAccessedDetails", "JobId": j, "MaxItems": "1"})
	call("GetServiceLastAccessedDetailsWithEntities", rootCreds, map[string]string{"Action": "GetServiceLastAccessedDetailsWithEntities", "JobId": j, "ServiceNamespace": "iam"})
	ja := job(call("GenerateServiceLastAccessedDetails-action-level", rootCreds, map[string]string{"Action": "GenerateServiceLastAccessedDetails", "Arn": aliceARN, "Granularity": "ACTION_LEVEL"}))
	call("GetServiceLastAccessedDetails-action-level", rootCreds, map[string]string{"Action": "GetServiceLastAccessedDetails", "JobId": ja})
	call("GenerateServiceLastAccessedDetails-invalid-arn", rootCreds, map[string]string{"Action": "GenerateServiceLastAccessedDetails", "Arn": "arn:aws:s3:::a-bucket-name"})
	call("GenerateServiceLastAccessedDetails-missing", rootCreds, map[string]string{"Action": "GenerateServiceLastAccessedDetails", "Arn": "arn:aws:iam::" + acct + ":role/nobody"})
	call("GetServiceLastAccessedDetails-missing", rootCreds, map[string]string{"Action": "GetServiceLastAccessedDetails", "JobId": "00000000-0000-4000-8000-000000000000"})
	call("ListPoliciesGrantingServiceAccess", rootCreds, map[string]string{"Action": "ListPoliciesGrantingServiceAccess", "Arn": aliceARN,
		"ServiceNamespaces.member.1": "iam", "ServiceNamespaces.member.2": "ec2"})

	// The Organizations report of the management account: every service (it is not limited by SCPs), a page
	// of two in namespace order.
	var org struct{ Organization struct{ Id string } }
	_, body := s.callJSON(t, rootCreds, "CreateOrganization", `{"FeatureSet":"ALL"}`)
	if err := json.Unmarshal([]byte(body), &org); err != nil {
		t.Fatal(err)
	}
	var roots struct{ Roots []struct{ Id string } }
	_, body = s.callJSON(t, rootCreds, "ListRoots", `{}`)
	if err := json.Unmarshal([]byte(body), &roots); err != nil || len(roots.Roots) != 1 {
		t.Fatalf("ListRoots: %v %s", err, body)
	}
	s.callJSON(t, rootCreds, "EnablePolicyType", `{"RootId":"`+roots.Roots[0].Id+`","PolicyType":"SERVICE_CONTROL_POLICY"}`)
	path := org.Organization.Id + "/" + roots.Roots[0].Id + "/" + acct
	flushTrail(t, s)
	normalizeOrg := func(s string) string {
		return strings.NewReplacer(org.Organization.Id, "o-exampleorg", roots.Roots[0].Id, "r-exam").Replace(s)
	}
	v := url.Values{"Action": {"GenerateOrganizationsAccessReport"}, "EntityPath": {path}}
	status, body := s.call(t, rootCreds, "iam", v)
	golden(t, "GenerateOrganizationsAccessReport", status, normalizeOrg(body))
	oj := job(body)
	status, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GetOrganizationsAccessReport"}, "JobId": {oj}, "MaxItems": {"2"}})
	golden(t, "GetOrganizationsAccessReport", status, normalizeOrg(body))
	// Sorted by the last use, newest first: the services the management account used come first.
	status, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GetOrganizationsAccessReport"}, "JobId": {oj}, "MaxItems": {"2"},
		"SortKey": {"LAST_AUTHENTICATED_TIME_DESCENDING"}})
	var rep struct {
		Details []struct {
			Namespace string `xml:"ServiceNamespace"`
			Path      string `xml:"EntityPath"`
			Last      string `xml:"LastAuthenticatedTime"`
		} `xml:"GetOrganizationsAccessReportResult>AccessDetails>member"`
	}
	if err := xml.Unmarshal([]byte(body), &rep); err != nil || status != 200 || len(rep.Details) != 2 {
		t.Fatalf("GetOrganizationsAccessReport by time: %d %v\n%s", status, err, body)
	}
	used := map[string]bool{}
	for _, d := range rep.Details {
		if d.Last == "" || d.Path != path {
			t.Fatalf("detail %+v, want a use from %s", d, path)
		}
		used[d.Namespace] = true
	}
	if !used["iam"] || !used["organizations"] {
		t.Fatalf("the management account's iam and organizations calls are not the newest uses: %+v", rep.Details)
	}
	status, body = s.call(t, rootCreds, "iam", url.Values{"Action": {"GenerateOrganizationsAccessReport"}, "EntityPath": {org.Organization.Id + "/r-zzzz"}})
	golden(t, "GenerateOrganizationsAccessReport-missing", status, normalizeOrg(body))
}

// flushTrail waits until every answered request's event is in the store (a read-only call's event is written in
// a batch after the answer; AWS's own data takes up to four hours).
func flushTrail(t *testing.T, s *testServer) {
	t.Helper()
	if err := s.srv.FlushTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestLastAccessedAgreesWithTheTrail: a service a user called appears in its report with the time and region of
// the trail's newest event of that call (to the second), and one it never called has no use.
func TestLastAccessedAgreesWithTheTrail(t *testing.T) {
	s := startServer(t)
	alice := s.userWithPolicy(t, "trail-la", lastAccessPolicy)
	s.mustCall(t, alice, "iam", url.Values{"Action": {"ListUsers"}})
	evs := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrPrincipalAction, Value: audit.PrincipalAction("arn:aws:iam::"+account+":user/trail-la", "iam", "ListUsers")})
	if len(evs) != 1 {
		t.Fatalf("trail events of the ListUsers call: %d", len(evs))
	}
	body := s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"GenerateServiceLastAccessedDetails"}, "Arn": {"arn:aws:iam::" + account + ":user/trail-la"}})
	j := jobIDRE.FindStringSubmatch(body)[1]
	body = s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"GetServiceLastAccessedDetails"}, "JobId": {j}})
	var rep struct {
		Services []struct {
			Namespace string `xml:"ServiceNamespace"`
			Last      string `xml:"LastAuthenticated"`
			Region    string `xml:"LastAuthenticatedRegion"`
		} `xml:"GetServiceLastAccessedDetailsResult>ServicesLastAccessed>member"`
	}
	if err := xml.Unmarshal([]byte(body), &rep); err != nil || len(rep.Services) != 2 {
		t.Fatalf("%v\n%s", err, body)
	}
	for _, svc := range rep.Services {
		switch svc.Namespace {
		case "iam":
			last, err := time.Parse(time.RFC3339, svc.Last)
			if err != nil {
				t.Fatalf("LastAuthenticated %q: %v", svc.Last, err)
			}
			evTime, _ := evs[0].Time()
			if !last.Equal(evTime) || svc.Region != evs[0].AWSRegion {
				t.Fatalf("iam last used %s in %s; the trail's event %s in %s", last, svc.Region, evTime, evs[0].AWSRegion)
			}
		case "s3":
			if svc.Last != "" {
				t.Fatalf("s3, never called, last used %s", svc.Last)
			}
		}
	}
}

// TestLastAccessedWithTheAWSCLI: `aws iam generate-service-last-accessed-details` then
// `get-service-last-accessed-details --job-id` show the service a user used with its LastAuthenticated, and the one
// it never used without.
func TestLastAccessedWithTheAWSCLI(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	alice := s.userWithPolicy(t, "cli-la", lastAccessPolicy)
	s.mustCLI(t, alice, nil, "iam", "list-users")
	flushTrail(t, s)
	var gen struct{ JobId string }
	s.mustCLI(t, rootCreds, &gen, "iam", "generate-service-last-accessed-details", "--arn", "arn:aws:iam::"+account+":user/cli-la",
		"--granularity", "ACTION_LEVEL")
	var rep struct {
		JobStatus            string
		ServicesLastAccessed []struct {
			ServiceNamespace           string
			LastAuthenticated          *string
			LastAuthenticatedEntity    *string
			TotalAuthenticatedEntities *int
			TrackedActionsLastAccessed []struct {
				ActionName       string
				LastAccessedTime *string
			}
		}
	}
	s.mustCLI(t, rootCreds, &rep, "iam", "get-service-last-accessed-details", "--job-id", gen.JobId)
	if rep.JobStatus != "COMPLETED" || len(rep.ServicesLastAccessed) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, svc := range rep.ServicesLastAccessed {
		switch svc.ServiceNamespace {
		case "iam":
			if svc.LastAuthenticated == nil || *svc.LastAuthenticatedEntity != "arn:aws:iam::"+account+":user/cli-la" || *svc.TotalAuthenticatedEntities != 1 {
				t.Fatalf("iam %+v", svc)
			}
			for _, a := range svc.TrackedActionsLastAccessed {
				if (a.ActionName == "ListUsers") != (a.LastAccessedTime != nil) {
					t.Fatalf("tracked action %s last accessed %v", a.ActionName, a.LastAccessedTime)
				}
			}
		case "s3":
			if svc.LastAuthenticated != nil {
				t.Fatalf("s3 never used, reported %+v", svc)
			}
		}
	}
}

// TestLastUsedAgreesWithTheTrail: GetAccessKeyLastUsed and GetRole's RoleLastUsed give the time (to the second),
// the region and the service of the trail's newest request signed with the key, or made by a session of the role,
// even when the stamp on the key (written at most every 15 minutes) or on the role (written when it is assumed)
// is older.
func TestLastUsedAgreesWithTheTrail(t *testing.T) {
	s := startServer(t)
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	alice := s.userWithPolicy(t, "lu-alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"}]}`)
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"lu-role"}, "AssumeRolePolicyDocument": {trust}})
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"PutRolePolicy"}, "RoleName": {"lu-role"}, "PolicyName": {"p"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`}})
	body := s.mustCall(t, alice, "sts", url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::" + account + ":role/lu-role"}, "RoleSessionName": {"s1"}})
	s.mustCall(t, alice, "iam", url.Values{"Action": {"ListUsers"}})
	var assumed struct {
		Creds sessionCreds `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.Unmarshal([]byte(body), &assumed); err != nil || assumed.Creds.SessionToken == "" {
		t.Fatalf("AssumeRole: %v\n%s", err, body)
	}
	// A second later: the key's stamp and the role's stamp stay where they were; the trail moves on.
	time.Sleep(1100 * time.Millisecond)
	s.mustCall(t, alice, "iam", url.Values{"Action": {"ListUsers"}})
	status, body := s.callSigned(t, sigv4.Credentials{AccessKeyID: assumed.Creds.AccessKeyId, SecretAccessKey: assumed.Creds.SecretAccessKey,
		SessionToken: assumed.Creds.SessionToken}, "iam", url.Values{"Action": {"ListRoles"}})
	if status != 200 {
		t.Fatalf("ListRoles as the role: %d %s", status, body)
	}
	flushTrail(t, s)

	keyEvents := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrAccessKeyID, Value: alice.id})
	var lu struct {
		Date    string `xml:"GetAccessKeyLastUsedResult>AccessKeyLastUsed>LastUsedDate"`
		Service string `xml:"GetAccessKeyLastUsedResult>AccessKeyLastUsed>ServiceName"`
		Region  string `xml:"GetAccessKeyLastUsedResult>AccessKeyLastUsed>Region"`
	}
	body = s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"GetAccessKeyLastUsed"}, "AccessKeyId": {alice.id}})
	if err := xml.Unmarshal([]byte(body), &lu); err != nil || len(keyEvents) == 0 {
		t.Fatalf("%v %d\n%s", err, len(keyEvents), body)
	}
	newest := keyEvents[0]
	if lu.Date != newest.EventTime || lu.Service != newest.Namespace() || lu.Region != newest.AWSRegion {
		t.Fatalf("access key last used %s %s %s; the trail's newest event %s %s %s (%s)", lu.Date, lu.Service, lu.Region,
			newest.EventTime, newest.Namespace(), newest.AWSRegion, newest.EventName)
	}

	roleEvents := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrPrincipal, Value: "arn:aws:iam::" + account + ":role/lu-role"})
	var role struct {
		Date   string `xml:"GetRoleResult>Role>RoleLastUsed>LastUsedDate"`
		Region string `xml:"GetRoleResult>Role>RoleLastUsed>Region"`
	}
	body = s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"GetRole"}, "RoleName": {"lu-role"}})
	if err := xml.Unmarshal([]byte(body), &role); err != nil || len(roleEvents) == 0 {
		t.Fatalf("%v %d\n%s", err, len(roleEvents), body)
	}
	if role.Date != roleEvents[0].EventTime || role.Region != roleEvents[0].AWSRegion || roleEvents[0].EventName != "ListRoles" {
		t.Fatalf("RoleLastUsed %s %s; the trail's newest event of the role %s %s (%s)", role.Date, role.Region,
			roleEvents[0].EventTime, roleEvents[0].AWSRegion, roleEvents[0].EventName)
	}

	// PasswordLastUsed is the time of the user's last ConsoleLogin in the trail.
	const password = "Lu-Passw0rd-1!"
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"lu-alice"}, "Password": {password}})
	if status := postSignIn(t, s, account, "lu-alice", password); status != 200 {
		t.Fatalf("sign-in: %d", status)
	}
	flushTrail(t, s)
	signIns := trailEvents(t, s, account, store.EventAttr{Name: audit.AttrEventName, Value: "ConsoleLogin"})
	var user struct {
		PasswordLastUsed string `xml:"GetUserResult>User>PasswordLastUsed"`
	}
	body = s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"GetUser"}, "UserName": {"lu-alice"}})
	if err := xml.Unmarshal([]byte(body), &user); err != nil || len(signIns) == 0 {
		t.Fatalf("%v %d\n%s", err, len(signIns), body)
	}
	if user.PasswordLastUsed != signIns[0].EventTime || signIns[0].UserIdentity.UserName != "lu-alice" {
		t.Fatalf("PasswordLastUsed %s; the trail's newest ConsoleLogin %s of %s", user.PasswordLastUsed, signIns[0].EventTime,
			signIns[0].UserIdentity.UserName)
	}
}

// TestOrganizationsAccessReportFollowsTheSCPsAndTheAccounts: a root's report takes its member accounts' requests
// but not the management account's; an OU whose only SCP allows iam and sts lists just those two services for an
// account in it; a report by policy ID lists the services that SCP allows and counts only the accounts it applies
// to.
func TestOrganizationsAccessReportFollowsTheSCPsAndTheAccounts(t *testing.T) {
	s := startServer(t)
	org := func(op, body string, v any) {
		t.Helper()
		status, out := s.callJSON(t, rootCreds, op, body)
		if status != 200 {
			t.Fatalf("%s: %d %s", op, status, out)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("%s: %v %s", op, err, out)
			}
		}
	}
	var o struct{ Organization struct{ Id string } }
	org("CreateOrganization", `{"FeatureSet":"ALL"}`, &o)
	var roots struct{ Roots []struct{ Id string } }
	org("ListRoots", `{}`, &roots)
	root := roots.Roots[0].Id
	org("EnablePolicyType", `{"RootId":"`+root+`","PolicyType":"SERVICE_CONTROL_POLICY"}`, nil)
	var ou struct{ OrganizationalUnit struct{ Id string } }
	org("CreateOrganizationalUnit", `{"ParentId":"`+root+`","Name":"Sandbox"}`, &ou)
	var car struct {
		CreateAccountStatus struct{ Id, AccountId string }
	}
	org("CreateAccount", `{"Email":"m1@example.com","AccountName":"m1"}`, &car)
	org("DescribeCreateAccountStatus", `{"CreateAccountRequestId":"`+car.CreateAccountStatus.Id+`"}`, &car)
	member := car.CreateAccountStatus.AccountId
	org("MoveAccount", `{"AccountId":"`+member+`","SourceParentId":"`+root+`","DestinationParentId":"`+ou.OrganizationalUnit.Id+`"}`, nil)
	var pol struct {
		Policy struct{ PolicySummary struct{ Id string } }
	}
	allowList := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","sts:*"],"Resource":"*"}]}`
	body, _ := json.Marshal(map[string]string{"Name": "iam-sts", "Description": "allow-list", "Type": "SERVICE_CONTROL_POLICY", "Content": allowList})
	org("CreatePolicy", string(body), &pol)
	org("AttachPolicy", `{"PolicyId":"`+pol.Policy.PolicySummary.Id+`","TargetId":"`+ou.OrganizationalUnit.Id+`"}`, nil)
	org("DetachPolicy", `{"PolicyId":"p-FullAWSAccess","TargetId":"`+ou.OrganizationalUnit.Id+`"}`, nil)

	// The member's admin role, assumed by the management account's admin, lists the member's users.
	admin := s.userWithPolicy(t, "org-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	out := s.mustCall(t, admin, "sts", url.Values{"Action": {"AssumeRole"}, "RoleArn": {"arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"}, "RoleSessionName": {"ops"}})
	var assumed struct {
		Creds sessionCreds `xml:"AssumeRoleResult>Credentials"`
	}
	if err := xml.Unmarshal([]byte(out), &assumed); err != nil {
		t.Fatal(err)
	}
	if status, out := s.callSigned(t, sigv4.Credentials{AccessKeyID: assumed.Creds.AccessKeyId, SecretAccessKey: assumed.Creds.SecretAccessKey,
		SessionToken: assumed.Creds.SessionToken}, "iam", url.Values{"Action": {"ListUsers"}}); status != 200 {
		t.Fatalf("ListUsers in the member account: %d %s", status, out)
	}
	flushTrail(t, s)

	type detail struct {
		Namespace string `xml:"ServiceNamespace"`
		Path      string `xml:"EntityPath"`
		Last      string `xml:"LastAuthenticatedTime"`
	}
	report := func(path, policyID string) map[string]detail {
		t.Helper()
		v := url.Values{"Action": {"GenerateOrganizationsAccessReport"}, "EntityPath": {path}}
		if policyID != "" {
			v.Set("OrganizationsPolicyId", policyID)
		}
		out := s.mustCall(t, rootCreds, "iam", v)
		j := jobIDRE.FindStringSubmatch(out)[1]
		out = s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"GetOrganizationsAccessReport"}, "JobId": {j}, "MaxItems": {"1000"}})
		var rep struct {
			Details []detail `xml:"GetOrganizationsAccessReportResult>AccessDetails>member"`
		}
		if err := xml.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		m := map[string]detail{}
		for _, d := range rep.Details {
			m[d.Namespace] = d
		}
		return m
	}
	rootPath := o.Organization.Id + "/" + root
	ouPath := rootPath + "/" + ou.OrganizationalUnit.Id
	memberPath := ouPath + "/" + member

	byRoot := report(rootPath, "")
	if len(byRoot) < 100 || byRoot["iam"].Path != memberPath || byRoot["organizations"].Last != "" {
		t.Fatalf("root report: %d services, iam %+v, organizations %+v (the management account's use must not count)", len(byRoot), byRoot["iam"], byRoot["organizations"])
	}
	byAccount := report(memberPath, "")
	if len(byAccount) != 2 || byAccount["iam"].Last == "" || byAccount["sts"].Last != "" {
		t.Fatalf("member account report under the iam/sts allow-list: %+v", byAccount)
	}
	byPolicy := report(rootPath, pol.Policy.PolicySummary.Id)
	if len(byPolicy) != 2 || byPolicy["iam"].Path != memberPath {
		t.Fatalf("report of the allow-list SCP: %+v", byPolicy)
	}
	byMgmt := report(rootPath+"/"+account, "")
	if len(byMgmt) < 100 || byMgmt["organizations"].Path != rootPath+"/"+account {
		t.Fatalf("management account report: %d services, organizations %+v", len(byMgmt), byMgmt["organizations"])
	}
}
