package server_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// orgMoreNormalizers replace what the wider Organizations scenario changes from run to run, beyond goldenJSON's.
var orgMoreNormalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\bcar-[a-z0-9]{8,32}\b`), "car-examplerequest"},
	{regexp.MustCompile(`\bh-[a-z0-9]{8,32}\b`), "h-examplehandshake"},
	{regexp.MustCompile(`\brp-[a-z0-9]{8}\b`), "rp-examplerp"},
	{regexp.MustCompile(`"(Timestamp|CreatedTimestamp|LastUpdatedTimestamp|DelegationEnabledDate|EnabledDate|StartTimestamp|EndTimestamp|EvaluationTimestamp)":[0-9.]+`), `"$1":1767225600`},
}

// TestGoldenOrganizationsOperations pins the JSON of the Organizations operations TestGoldenOrganizations does not
// answer: accounts, OUs, policies and effective policies, tags, service access and delegated administrators,
// the resource policy, handshakes, and closing an account.
func TestGoldenOrganizationsOperations(t *testing.T) {
	s := startServer(t)
	var created string // the account CreateAccount made
	step := func(c creds, name, op, body string) string {
		t.Helper()
		status, out := s.callJSON(t, c, op, body)
		for _, n := range orgMoreNormalizers {
			out = n.re.ReplaceAllString(out, n.with)
		}
		if created != "" {
			out = strings.ReplaceAll(out, created, "210987654321")
		}
		goldenJSON(t, name, status, inAccountIDOrder(t, out))
		return out
	}
	setup := func(op, body string) string {
		t.Helper()
		status, out := s.callJSON(t, rootCreds, op, body)
		if status != 200 {
			t.Fatalf("%s: %d %s", op, status, out)
		}
		return out
	}
	setup("CreateOrganization", `{"FeatureSet":"ALL"}`)
	root := regexp.MustCompile(`r-[a-z0-9]{4}`).FindString(setup("ListRoots", `{}`))
	step(rootCreds, "DescribeOrganization", "DescribeOrganization", `{}`)

	// Accounts and OUs.
	status, out := s.callJSON(t, rootCreds, "CreateAccount", `{"Email":"dev@example.com","AccountName":"dev"}`)
	created = regexp.MustCompile(`"AccountId":"([0-9]{12})"`).FindStringSubmatch(out)[1]
	carID := regexp.MustCompile(`car-[a-z0-9]+`).FindString(out)
	for _, n := range orgMoreNormalizers {
		out = n.re.ReplaceAllString(out, n.with)
	}
	goldenJSON(t, "CreateAccount", status, strings.ReplaceAll(out, created, "210987654321"))
	step(rootCreds, "DescribeCreateAccountStatus", "DescribeCreateAccountStatus", `{"CreateAccountRequestId":"`+carID+`"}`)
	step(rootCreds, "ListCreateAccountStatus", "ListCreateAccountStatus", `{}`)
	step(rootCreds, "ListAccounts", "ListAccounts", `{}`)
	step(rootCreds, "ListAccountsForParent", "ListAccountsForParent", `{"ParentId":"`+root+`"}`)
	step(rootCreds, "DescribeAccount", "DescribeAccount", `{"AccountId":"`+created+`"}`)
	step(rootCreds, "ListParents", "ListParents", `{"ChildId":"`+created+`"}`)
	step(rootCreds, "ListChildren", "ListChildren", `{"ParentId":"`+root+`","ChildType":"ACCOUNT"}`)
	ou := regexp.MustCompile(`ou-[a-z0-9]{4}-[a-z0-9]{8}`).FindString(setup("CreateOrganizationalUnit", `{"ParentId":"`+root+`","Name":"Production"}`))
	step(rootCreds, "DescribeOrganizationalUnit", "DescribeOrganizationalUnit", `{"OrganizationalUnitId":"`+ou+`"}`)
	step(rootCreds, "UpdateOrganizationalUnit", "UpdateOrganizationalUnit", `{"OrganizationalUnitId":"`+ou+`","Name":"Prod"}`)
	step(rootCreds, "ListOrganizationalUnitsForParent", "ListOrganizationalUnitsForParent", `{"ParentId":"`+root+`"}`)
	step(rootCreds, "MoveAccount", "MoveAccount", `{"AccountId":"`+created+`","SourceParentId":"`+root+`","DestinationParentId":"`+ou+`"}`)
	step(rootCreds, "TagResource", "TagResource", `{"ResourceId":"`+ou+`","Tags":[{"Key":"team","Value":"platform"}]}`)
	step(rootCreds, "ListTagsForResource", "ListTagsForResource", `{"ResourceId":"`+ou+`"}`)
	step(rootCreds, "UntagResource", "UntagResource", `{"ResourceId":"`+ou+`","TagKeys":["team"]}`)

	// Policies and effective policies.
	setup("EnablePolicyType", `{"RootId":"`+root+`","PolicyType":"SERVICE_CONTROL_POLICY"}`)
	pol := regexp.MustCompile(`p-[a-z0-9]{8}`).FindString(setup("CreatePolicy", `{"Name":"deny-leave","Description":"d","Type":"SERVICE_CONTROL_POLICY",`+
		`"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"organizations:LeaveOrganization\",\"Resource\":\"*\"}]}"}`))
	step(rootCreds, "UpdatePolicy", "UpdatePolicy", `{"PolicyId":"`+pol+`","Description":"no leaving"}`)
	step(rootCreds, "ListPolicies", "ListPolicies", `{"Filter":"SERVICE_CONTROL_POLICY"}`)
	setup("AttachPolicy", `{"PolicyId":"`+pol+`","TargetId":"`+ou+`"}`)
	step(rootCreds, "ListTargetsForPolicy", "ListTargetsForPolicy", `{"PolicyId":"`+pol+`"}`)
	step(rootCreds, "DetachPolicy", "DetachPolicy", `{"PolicyId":"`+pol+`","TargetId":"`+ou+`"}`)
	step(rootCreds, "DeletePolicy", "DeletePolicy", `{"PolicyId":"`+pol+`"}`)
	setup("EnablePolicyType", `{"RootId":"`+root+`","PolicyType":"TAG_POLICY"}`)
	tag := regexp.MustCompile(`p-[a-z0-9]{8}`).FindString(setup("CreatePolicy", `{"Name":"cc","Description":"cost center","Type":"TAG_POLICY",`+
		`"Content":"{\"tags\":{\"costcenter\":{\"tag_key\":{\"@@assign\":\"CostCenter\"}}}}"}`))
	setup("AttachPolicy", `{"PolicyId":"`+tag+`","TargetId":"`+root+`"}`)
	step(rootCreds, "DescribeEffectivePolicy", "DescribeEffectivePolicy", `{"PolicyType":"TAG_POLICY","TargetId":"`+created+`"}`)
	step(rootCreds, "ListAccountsWithInvalidEffectivePolicy", "ListAccountsWithInvalidEffectivePolicy", `{"PolicyType":"TAG_POLICY"}`)
	step(rootCreds, "ListEffectivePolicyValidationErrors", "ListEffectivePolicyValidationErrors", `{"AccountId":"`+created+`","PolicyType":"TAG_POLICY"}`)
	setup("DetachPolicy", `{"PolicyId":"`+tag+`","TargetId":"`+root+`"}`)
	step(rootCreds, "DisablePolicyType", "DisablePolicyType", `{"RootId":"`+root+`","PolicyType":"TAG_POLICY"}`)

	// Service access and delegated administrators.
	step(rootCreds, "EnableAWSServiceAccess", "EnableAWSServiceAccess", `{"ServicePrincipal":"config.amazonaws.com"}`)
	step(rootCreds, "ListAWSServiceAccessForOrganization", "ListAWSServiceAccessForOrganization", `{}`)
	step(rootCreds, "RegisterDelegatedAdministrator", "RegisterDelegatedAdministrator", `{"AccountId":"`+created+`","ServicePrincipal":"config.amazonaws.com"}`)
	step(rootCreds, "ListDelegatedAdministrators", "ListDelegatedAdministrators", `{}`)
	step(rootCreds, "ListDelegatedServicesForAccount", "ListDelegatedServicesForAccount", `{"AccountId":"`+created+`"}`)
	step(rootCreds, "DeregisterDelegatedAdministrator", "DeregisterDelegatedAdministrator", `{"AccountId":"`+created+`","ServicePrincipal":"config.amazonaws.com"}`)
	step(rootCreds, "DisableAWSServiceAccess", "DisableAWSServiceAccess", `{"ServicePrincipal":"config.amazonaws.com"}`)

	// The organization's resource policy.
	doc := `{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Describe\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::` + created +
		`:root\"},\"Action\":\"organizations:DescribeOrganization\",\"Resource\":\"*\"}]}`
	step(rootCreds, "PutResourcePolicy", "PutResourcePolicy", `{"Content":"`+doc+`"}`)
	step(rootCreds, "DescribeResourcePolicy", "DescribeResourcePolicy", `{}`)
	step(rootCreds, "DeleteResourcePolicy", "DeleteResourcePolicy", `{}`)

	// Handshakes with a standalone account: declined, cancelled, accepted; then it is removed, joins again and
	// leaves.
	standalone, alone := standaloneAccount(t, s)
	invite := func(name string) string {
		t.Helper()
		return regexp.MustCompile(`h-[a-z0-9]+`).FindString(func() string {
			if name == "" {
				return setup("InviteAccountToOrganization", `{"Target":{"Id":"`+standalone+`","Type":"ACCOUNT"}}`)
			}
			status, out := s.callJSON(t, rootCreds, "InviteAccountToOrganization", `{"Target":{"Id":"`+standalone+`","Type":"ACCOUNT"},"Notes":"welcome"}`)
			raw := out
			for _, n := range orgMoreNormalizers {
				out = n.re.ReplaceAllString(out, n.with)
			}
			goldenJSON(t, name, status, out)
			return raw
		}())
	}
	h := invite("InviteAccountToOrganization")
	step(rootCreds, "DescribeHandshake", "DescribeHandshake", `{"HandshakeId":"`+h+`"}`)
	step(rootCreds, "ListHandshakesForOrganization", "ListHandshakesForOrganization", `{}`)
	step(alone, "ListHandshakesForAccount", "ListHandshakesForAccount", `{}`)
	step(alone, "DeclineHandshake", "DeclineHandshake", `{"HandshakeId":"`+h+`"}`)
	h = invite("")
	step(rootCreds, "CancelHandshake", "CancelHandshake", `{"HandshakeId":"`+h+`"}`)
	h = invite("")
	step(alone, "AcceptHandshake", "AcceptHandshake", `{"HandshakeId":"`+h+`"}`)
	step(rootCreds, "RemoveAccountFromOrganization", "RemoveAccountFromOrganization", `{"AccountId":"`+standalone+`"}`)
	h = invite("")
	setupAs := func(c creds, op, body string) {
		t.Helper()
		if status, out := s.callJSON(t, c, op, body); status != 200 {
			t.Fatalf("%s: %d %s", op, status, out)
		}
	}
	setupAs(alone, "AcceptHandshake", `{"HandshakeId":"`+h+`"}`)
	step(alone, "LeaveOrganization", "LeaveOrganization", `{}`)

	ou2 := regexp.MustCompile(`ou-[a-z0-9]{4}-[a-z0-9]{8}`).FindString(setup("CreateOrganizationalUnit", `{"ParentId":"`+root+`","Name":"Temp"}`))
	step(rootCreds, "DeleteOrganizationalUnit", "DeleteOrganizationalUnit", `{"OrganizationalUnitId":"`+ou2+`"}`)

	// IAM's centralized root access, which needs the organization's trusted access for IAM, and STS AssumeRoot.
	setup("EnableAWSServiceAccess", `{"ServicePrincipal":"iam.amazonaws.com"}`)
	query := func(c creds, service, name string, params url.Values) {
		t.Helper()
		status, body := s.call(t, c, service, params)
		for _, n := range orgNormalizers {
			body = n.re.ReplaceAllString(body, n.with)
		}
		goldenSTS(t, name, status, strings.ReplaceAll(body, created, "210987654321"))
	}
	query(rootCreds, "iam", "EnableOrganizationsRootCredentialsManagement", url.Values{"Action": {"EnableOrganizationsRootCredentialsManagement"}})
	query(rootCreds, "iam", "EnableOrganizationsRootSessions", url.Values{"Action": {"EnableOrganizationsRootSessions"}})
	query(rootCreds, "iam", "ListOrganizationsFeatures", url.Values{"Action": {"ListOrganizationsFeatures"}})
	admin := s.userWithPolicy(t, "admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoot","Resource":"*"}]}`)
	query(admin, "sts", "AssumeRoot", url.Values{"Action": {"AssumeRoot"}, "TargetPrincipal": {created},
		"TaskPolicyArn.arn": {"arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}})
	query(rootCreds, "iam", "DisableOrganizationsRootSessions", url.Values{"Action": {"DisableOrganizationsRootSessions"}})
	query(rootCreds, "iam", "DisableOrganizationsRootCredentialsManagement", url.Values{"Action": {"DisableOrganizationsRootCredentialsManagement"}})

	step(rootCreds, "CloseAccount", "CloseAccount", `{"AccountId":"`+created+`"}`)
}

// inAccountIDOrder puts the accounts of a {"Accounts":[...]} or {"Children":[...]} answer back in account ID
// order after the random ID of the created account was replaced by 210987654321 (iamd lists them in ID order).
func inAccountIDOrder(t *testing.T, out string) string {
	t.Helper()
	for _, key := range []string{"Accounts", "Children"} {
		var v map[string][]json.RawMessage
		if !strings.HasPrefix(out, `{"`+key+`":[`) || json.Unmarshal([]byte(out), &v) != nil || len(v) != 1 {
			continue
		}
		list := v[key]
		id := func(raw json.RawMessage) string {
			var a struct{ Id string }
			json.Unmarshal(raw, &a)
			return a.Id
		}
		sort.SliceStable(list, func(i, j int) bool { return id(list[i]) < id(list[j]) })
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return out
}

// TestGoldenOrganizationAllFeaturesAndDeletion pins EnableAllFeatures (an organization created with consolidated
// billing only) and DeleteOrganization (one without members).
func TestGoldenOrganizationAllFeaturesAndDeletion(t *testing.T) {
	s := startServer(t)
	if status, out := s.callJSON(t, rootCreds, "CreateOrganization", `{"FeatureSet":"CONSOLIDATED_BILLING"}`); status != 200 {
		t.Fatalf("CreateOrganization: %d %s", status, out)
	}
	status, out := s.callJSON(t, rootCreds, "EnableAllFeatures", `{}`)
	for _, n := range orgMoreNormalizers {
		out = n.re.ReplaceAllString(out, n.with)
	}
	goldenJSON(t, "EnableAllFeatures", status, out)
	status, out = s.callJSON(t, rootCreds, "DeleteOrganization", `{}`)
	goldenJSON(t, "DeleteOrganization", status, out)
}
