package server_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// step is one request of the golden scenario.
type step struct {
	name    string // golden file name: NN-Action or NN-Action-case
	service string
	params  map[string]string
}

const (
	goldenTrust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	goldenPolicy  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	goldenPolicy2 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`
)

// goldenScenario exercises IAM's core operations, in an order where each has what it needs; the other golden
// tests answer the rest, and TestGoldenCoversEveryImplementedOperation checks that together they answer every
// operation iamd implements.
func goldenScenario() []step {
	acct := account
	pol := "arn:aws:iam::" + acct + ":policy/app/AppRead"
	return []step{
		{"GetCallerIdentity", "sts", map[string]string{"Action": "GetCallerIdentity"}},
		{"CreateUser", "iam", map[string]string{"Action": "CreateUser", "UserName": "alice", "Path": "/eng/", "Tags.member.1.Key": "team", "Tags.member.1.Value": "blue"}},
		{"CreateUser-duplicate", "iam", map[string]string{"Action": "CreateUser", "UserName": "ALICE"}},
		{"CreateUser-invalid", "iam", map[string]string{"Action": "CreateUser", "UserName": "bad name!"}},
		{"GetUser", "iam", map[string]string{"Action": "GetUser", "UserName": "alice"}},
		{"GetUser-missing", "iam", map[string]string{"Action": "GetUser", "UserName": "nobody"}},
		{"ListUsers", "iam", map[string]string{"Action": "ListUsers"}},
		{"TagUser", "iam", map[string]string{"Action": "TagUser", "UserName": "alice", "Tags.member.1.Key": "env", "Tags.member.1.Value": "dev"}},
		{"ListUserTags", "iam", map[string]string{"Action": "ListUserTags", "UserName": "alice"}},
		{"UntagUser", "iam", map[string]string{"Action": "UntagUser", "UserName": "alice", "TagKeys.member.1": "env"}},
		{"UpdateUser", "iam", map[string]string{"Action": "UpdateUser", "UserName": "alice", "NewPath": "/eng/web/"}},
		{"CreateAccessKey", "iam", map[string]string{"Action": "CreateAccessKey", "UserName": "alice"}},
		{"ListAccessKeys", "iam", map[string]string{"Action": "ListAccessKeys", "UserName": "alice"}},
		{"CreateGroup", "iam", map[string]string{"Action": "CreateGroup", "GroupName": "devs", "Path": "/teams/"}},
		{"AddUserToGroup", "iam", map[string]string{"Action": "AddUserToGroup", "GroupName": "devs", "UserName": "alice"}},
		{"GetGroup", "iam", map[string]string{"Action": "GetGroup", "GroupName": "devs"}},
		{"ListGroups", "iam", map[string]string{"Action": "ListGroups"}},
		{"ListGroupsForUser", "iam", map[string]string{"Action": "ListGroupsForUser", "UserName": "alice"}},
		{"UpdateGroup", "iam", map[string]string{"Action": "UpdateGroup", "GroupName": "devs", "NewPath": "/teams/web/"}},
		{"CreatePolicy", "iam", map[string]string{"Action": "CreatePolicy", "PolicyName": "AppRead", "Path": "/app/", "PolicyDocument": goldenPolicy, "Description": "Read app data"}},
		{"CreatePolicy-malformed", "iam", map[string]string{"Action": "CreatePolicy", "PolicyName": "Bad", "PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`}},
		{"GetPolicy", "iam", map[string]string{"Action": "GetPolicy", "PolicyArn": pol}},
		{"CreatePolicyVersion", "iam", map[string]string{"Action": "CreatePolicyVersion", "PolicyArn": pol, "PolicyDocument": goldenPolicy2, "SetAsDefault": "true"}},
		{"ListPolicyVersions", "iam", map[string]string{"Action": "ListPolicyVersions", "PolicyArn": pol}},
		{"GetPolicyVersion", "iam", map[string]string{"Action": "GetPolicyVersion", "PolicyArn": pol, "VersionId": "v1"}},
		{"SetDefaultPolicyVersion", "iam", map[string]string{"Action": "SetDefaultPolicyVersion", "PolicyArn": pol, "VersionId": "v1"}},
		{"DeletePolicyVersion", "iam", map[string]string{"Action": "DeletePolicyVersion", "PolicyArn": pol, "VersionId": "v2"}},
		{"TagPolicy", "iam", map[string]string{"Action": "TagPolicy", "PolicyArn": pol, "Tags.member.1.Key": "owner", "Tags.member.1.Value": "app"}},
		{"ListPolicyTags", "iam", map[string]string{"Action": "ListPolicyTags", "PolicyArn": pol}},
		{"UntagPolicy", "iam", map[string]string{"Action": "UntagPolicy", "PolicyArn": pol, "TagKeys.member.1": "owner"}},
		{"ListPolicies-local", "iam", map[string]string{"Action": "ListPolicies", "Scope": "Local"}},
		{"GetPolicy-aws", "iam", map[string]string{"Action": "GetPolicy", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		{"AttachUserPolicy", "iam", map[string]string{"Action": "AttachUserPolicy", "UserName": "alice", "PolicyArn": pol}},
		{"AttachGroupPolicy", "iam", map[string]string{"Action": "AttachGroupPolicy", "GroupName": "devs", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		{"ListAttachedUserPolicies", "iam", map[string]string{"Action": "ListAttachedUserPolicies", "UserName": "alice"}},
		{"ListAttachedGroupPolicies", "iam", map[string]string{"Action": "ListAttachedGroupPolicies", "GroupName": "devs"}},
		{"ListEntitiesForPolicy", "iam", map[string]string{"Action": "ListEntitiesForPolicy", "PolicyArn": pol}},
		{"PutUserPolicy", "iam", map[string]string{"Action": "PutUserPolicy", "UserName": "alice", "PolicyName": "inline1", "PolicyDocument": goldenPolicy}},
		{"GetUserPolicy", "iam", map[string]string{"Action": "GetUserPolicy", "UserName": "alice", "PolicyName": "inline1"}},
		{"ListUserPolicies", "iam", map[string]string{"Action": "ListUserPolicies", "UserName": "alice"}},
		{"PutGroupPolicy", "iam", map[string]string{"Action": "PutGroupPolicy", "GroupName": "devs", "PolicyName": "inline2", "PolicyDocument": goldenPolicy}},
		{"GetGroupPolicy", "iam", map[string]string{"Action": "GetGroupPolicy", "GroupName": "devs", "PolicyName": "inline2"}},
		{"ListGroupPolicies", "iam", map[string]string{"Action": "ListGroupPolicies", "GroupName": "devs"}},
		{"PutUserPermissionsBoundary", "iam", map[string]string{"Action": "PutUserPermissionsBoundary", "UserName": "alice", "PermissionsBoundary": pol}},
		{"DeleteUser-conflict", "iam", map[string]string{"Action": "DeleteUser", "UserName": "alice"}},
		{"CreateRole", "iam", map[string]string{"Action": "CreateRole", "RoleName": "app", "Path": "/svc/", "AssumeRolePolicyDocument": goldenTrust, "Description": "App servers", "MaxSessionDuration": "7200", "Tags.member.1.Key": "app", "Tags.member.1.Value": "web"}},
		{"CreateRole-bad-duration", "iam", map[string]string{"Action": "CreateRole", "RoleName": "bad", "AssumeRolePolicyDocument": goldenTrust, "MaxSessionDuration": "60"}},
		{"GetRole", "iam", map[string]string{"Action": "GetRole", "RoleName": "app"}},
		{"ListRoles", "iam", map[string]string{"Action": "ListRoles"}},
		{"UpdateRole", "iam", map[string]string{"Action": "UpdateRole", "RoleName": "app", "Description": "Application servers", "MaxSessionDuration": "3600"}},
		{"UpdateRoleDescription", "iam", map[string]string{"Action": "UpdateRoleDescription", "RoleName": "app", "Description": "App"}},
		{"UpdateAssumeRolePolicy", "iam", map[string]string{"Action": "UpdateAssumeRolePolicy", "RoleName": "app", "PolicyDocument": goldenTrust}},
		{"TagRole", "iam", map[string]string{"Action": "TagRole", "RoleName": "app", "Tags.member.1.Key": "tier", "Tags.member.1.Value": "1"}},
		{"ListRoleTags", "iam", map[string]string{"Action": "ListRoleTags", "RoleName": "app"}},
		{"UntagRole", "iam", map[string]string{"Action": "UntagRole", "RoleName": "app", "TagKeys.member.1": "tier"}},
		{"PutRolePermissionsBoundary", "iam", map[string]string{"Action": "PutRolePermissionsBoundary", "RoleName": "app", "PermissionsBoundary": pol}},
		{"DeleteRolePermissionsBoundary", "iam", map[string]string{"Action": "DeleteRolePermissionsBoundary", "RoleName": "app"}},
		{"AttachRolePolicy", "iam", map[string]string{"Action": "AttachRolePolicy", "RoleName": "app", "PolicyArn": pol}},
		{"ListAttachedRolePolicies", "iam", map[string]string{"Action": "ListAttachedRolePolicies", "RoleName": "app"}},
		{"PutRolePolicy", "iam", map[string]string{"Action": "PutRolePolicy", "RoleName": "app", "PolicyName": "inline3", "PolicyDocument": goldenPolicy}},
		{"GetRolePolicy", "iam", map[string]string{"Action": "GetRolePolicy", "RoleName": "app", "PolicyName": "inline3"}},
		{"ListRolePolicies", "iam", map[string]string{"Action": "ListRolePolicies", "RoleName": "app"}},
		{"CreateInstanceProfile", "iam", map[string]string{"Action": "CreateInstanceProfile", "InstanceProfileName": "app", "Path": "/svc/"}},
		{"AddRoleToInstanceProfile", "iam", map[string]string{"Action": "AddRoleToInstanceProfile", "InstanceProfileName": "app", "RoleName": "app"}},
		{"GetInstanceProfile", "iam", map[string]string{"Action": "GetInstanceProfile", "InstanceProfileName": "app"}},
		{"ListInstanceProfiles", "iam", map[string]string{"Action": "ListInstanceProfiles"}},
		{"ListInstanceProfilesForRole", "iam", map[string]string{"Action": "ListInstanceProfilesForRole", "RoleName": "app"}},
		{"TagInstanceProfile", "iam", map[string]string{"Action": "TagInstanceProfile", "InstanceProfileName": "app", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"}},
		{"ListInstanceProfileTags", "iam", map[string]string{"Action": "ListInstanceProfileTags", "InstanceProfileName": "app"}},
		{"UntagInstanceProfile", "iam", map[string]string{"Action": "UntagInstanceProfile", "InstanceProfileName": "app", "TagKeys.member.1": "k"}},
		{"DeleteRole-conflict", "iam", map[string]string{"Action": "DeleteRole", "RoleName": "app"}},
		{"CreateServiceLinkedRole", "iam", map[string]string{"Action": "CreateServiceLinkedRole", "AWSServiceName": "autoscaling.amazonaws.com"}},
		{"CreateAccountAlias", "iam", map[string]string{"Action": "CreateAccountAlias", "AccountAlias": "example-corp"}},
		{"ListAccountAliases", "iam", map[string]string{"Action": "ListAccountAliases"}},
		{"GetAccountSummary", "iam", map[string]string{"Action": "GetAccountSummary"}},
		{"GetAccountAuthorizationDetails", "iam", map[string]string{"Action": "GetAccountAuthorizationDetails", "Filter.member.1": "User"}},
		{"SimulatePrincipalPolicy", "iam", map[string]string{"Action": "SimulatePrincipalPolicy", "PolicySourceArn": "arn:aws:iam::" + acct + ":user/eng/web/alice", "ActionNames.member.1": "s3:GetObject", "ResourceArns.member.1": "arn:aws:s3:::b/k"}},
		{"GetContextKeysForPrincipalPolicy", "iam", map[string]string{"Action": "GetContextKeysForPrincipalPolicy", "PolicySourceArn": "arn:aws:iam::" + acct + ":user/eng/web/alice"}},
		{"RemoveRoleFromInstanceProfile", "iam", map[string]string{"Action": "RemoveRoleFromInstanceProfile", "InstanceProfileName": "app", "RoleName": "app"}},
		{"DeleteInstanceProfile", "iam", map[string]string{"Action": "DeleteInstanceProfile", "InstanceProfileName": "app"}},
		{"DeleteRolePolicy", "iam", map[string]string{"Action": "DeleteRolePolicy", "RoleName": "app", "PolicyName": "inline3"}},
		{"DetachRolePolicy", "iam", map[string]string{"Action": "DetachRolePolicy", "RoleName": "app", "PolicyArn": pol}},
		// The role has no inline or attached policy, instance profile or tag left: AWS sends those lists empty.
		{"GetAccountAuthorizationDetails-empty-lists", "iam", map[string]string{"Action": "GetAccountAuthorizationDetails", "Filter.member.1": "Role"}},
		{"DeleteRole", "iam", map[string]string{"Action": "DeleteRole", "RoleName": "app"}},
		{"DeleteAccountAlias", "iam", map[string]string{"Action": "DeleteAccountAlias", "AccountAlias": "example-corp"}},
		{"DeleteUserPermissionsBoundary", "iam", map[string]string{"Action": "DeleteUserPermissionsBoundary", "UserName": "alice"}},
		{"DeleteGroupPolicy", "iam", map[string]string{"Action": "DeleteGroupPolicy", "GroupName": "devs", "PolicyName": "inline2"}},
		{"DeleteUserPolicy", "iam", map[string]string{"Action": "DeleteUserPolicy", "UserName": "alice", "PolicyName": "inline1"}},
		{"DetachGroupPolicy", "iam", map[string]string{"Action": "DetachGroupPolicy", "GroupName": "devs", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		{"DetachUserPolicy", "iam", map[string]string{"Action": "DetachUserPolicy", "UserName": "alice", "PolicyArn": pol}},
		{"DeletePolicy", "iam", map[string]string{"Action": "DeletePolicy", "PolicyArn": pol}},
		{"RemoveUserFromGroup", "iam", map[string]string{"Action": "RemoveUserFromGroup", "GroupName": "devs", "UserName": "alice"}},
		{"DeleteGroup", "iam", map[string]string{"Action": "DeleteGroup", "GroupName": "devs"}},
		{"UnknownAction", "iam", map[string]string{"Action": "FrobnicateUsers"}},
	}
}

var accessKeyRE = regexp.MustCompile(`<AccessKeyId>(AKIA[A-Z2-7]+)</AccessKeyId>`)

// TestGoldenResponses runs the golden scenario against a real server and compares every response's XML with
// testdata/golden (run with -update to rewrite them after a deliberate change).
func TestGoldenResponses(t *testing.T) {
	s := startServer(t)
	n := 0
	for _, st := range goldenScenario() {
		params := url.Values{}
		for k, v := range st.params {
			params.Set(k, v)
		}
		status, body := s.call(t, rootCreds, st.service, params)
		n++
		golden(t, st.name, status, body)
		if st.name == "CreateAccessKey" {
			// Delete the key again before DeleteUser, and check GetAccessKeyLastUsed/UpdateAccessKey on it.
			m := accessKeyRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no access key in %s", body)
			}
			for _, extra := range []step{
				{"GetAccessKeyLastUsed", "iam", map[string]string{"Action": "GetAccessKeyLastUsed", "AccessKeyId": m[1]}},
				{"UpdateAccessKey", "iam", map[string]string{"Action": "UpdateAccessKey", "UserName": "alice", "AccessKeyId": m[1], "Status": "Inactive"}},
				{"DeleteAccessKey", "iam", map[string]string{"Action": "DeleteAccessKey", "UserName": "alice", "AccessKeyId": m[1]}},
			} {
				p := url.Values{}
				for k, v := range extra.params {
					p.Set(k, v)
				}
				status, body := s.call(t, rootCreds, extra.service, p)
				golden(t, extra.name, status, body)
			}
		}
	}
	status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"DeleteUser"}, "UserName": {"alice"}})
	golden(t, "DeleteUser", status, body)
	if strings.Contains(s.logs.String(), rootSecret) {
		t.Fatal("a secret reached the log")
	}
}
