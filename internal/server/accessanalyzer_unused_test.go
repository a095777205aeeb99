package server_test

import (
	"net/url"
	"regexp"
	"slices"
	"testing"
)

// unusedFinding is an unused-access finding as the AWS CLI prints it (list-findings-v2).
type unusedFinding struct {
	Id, Resource, ResourceType, Status, FindingType string
}

// TestAWSCLIUnusedAccessAnalyzer: the AWS CLI drives an unused-access analyzer (unusedAccessAge 30 days) against
// iamd with its clock 31 days ahead: a user's access key not used since it was made is a finding, as are the
// permissions a working user's policy grants and it never exercised (a service never called, and the unused
// actions of one it called); get-finding-recommendation answers a policy reduced to what was used; using the key
// resolves its finding at the next scan.
func TestAWSCLIUnusedAccessAnalyzer(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	sc := &cliScenario{s: s}
	idle := sc.userWithKey(t, "idle")
	busy := sc.userWithKey(t, "busy")
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "busy", "--policy-name", "work", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers","sqs:SendMessage"],"Resource":"*"}]}`)
	s.advance(t, "31d")
	// busy works within the 30 days: it reads itself, and never lists users nor sends a message.
	s.mustCLI(t, busy, nil, "iam", "get-user", "--user-name", "busy")

	var created struct{ Arn string }
	s.mustCLI(t, rootCreds, &created, "accessanalyzer", "create-analyzer", "--analyzer-name", "unused", "--type", "ACCOUNT_UNUSED_ACCESS",
		"--configuration", `{"unusedAccess":{"unusedAccessAge":30}}`)
	list := func() []unusedFinding {
		t.Helper()
		var out struct{ Findings []unusedFinding }
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "list-findings-v2", "--analyzer-arn", created.Arn)
		return out.Findings
	}
	find := func(fs []unusedFinding, resource, typ string) (unusedFinding, bool) {
		i := slices.IndexFunc(fs, func(f unusedFinding) bool { return f.Resource == resource && f.FindingType == typ })
		if i < 0 {
			return unusedFinding{}, false
		}
		return fs[i], true
	}
	idleARN, busyARN := "arn:aws:iam::"+account+":user/idle", "arn:aws:iam::"+account+":user/busy"
	fs := list()
	key, ok := find(fs, idleARN, "UnusedIAMUserAccessKey")
	if !ok || key.Status != "ACTIVE" || key.ResourceType != "AWS::IAM::User" {
		t.Fatalf("no unused-key finding for idle: %+v", fs)
	}
	if _, ok := find(fs, busyARN, "UnusedIAMUserAccessKey"); ok {
		t.Fatalf("busy's key, used within the age, is a finding: %+v", fs)
	}
	var perms []unusedFinding
	for _, f := range fs {
		if f.Resource == busyARN && f.FindingType == "UnusedPermission" {
			perms = append(perms, f)
		}
	}
	if len(perms) != 2 {
		t.Fatalf("busy's unused permissions: %+v; want sqs (never called) and iam (ListUsers never called)", fs)
	}
	var services []string
	var iamFinding string
	for _, p := range perms {
		var got struct {
			FindingDetails []struct {
				UnusedPermissionDetails struct {
					ServiceNamespace string
					Actions          []struct{ Action string }
				}
			}
		}
		s.mustCLI(t, rootCreds, &got, "accessanalyzer", "get-finding-v2", "--analyzer-arn", created.Arn, "--id", p.Id)
		d := got.FindingDetails[0].UnusedPermissionDetails
		services = append(services, d.ServiceNamespace)
		if d.ServiceNamespace == "iam" {
			iamFinding = p.Id
			if len(d.Actions) != 1 || d.Actions[0].Action != "ListUsers" {
				t.Fatalf("iam's unused actions: %+v", d.Actions)
			}
		}
	}
	slices.Sort(services)
	if !slices.Equal(services, []string{"iam", "sqs"}) {
		t.Fatalf("services of busy's unused permissions: %v", services)
	}

	s.mustCLI(t, rootCreds, nil, "accessanalyzer", "generate-finding-recommendation", "--analyzer-arn", created.Arn, "--id", iamFinding)
	var rec struct {
		Status, RecommendationType string
		RecommendedSteps           []struct {
			UnusedPermissionsRecommendedStep struct {
				RecommendedAction, RecommendedPolicy, ExistingPolicyId string
			}
		}
	}
	s.mustCLI(t, rootCreds, &rec, "accessanalyzer", "get-finding-recommendation", "--analyzer-arn", created.Arn, "--id", iamFinding)
	if rec.Status != "SUCCEEDED" || rec.RecommendationType != "UnusedPermissionRecommendation" || len(rec.RecommendedSteps) != 1 {
		t.Fatalf("recommendation: %+v", rec)
	}
	step := rec.RecommendedSteps[0].UnusedPermissionsRecommendedStep
	if step.RecommendedAction != "CREATE_POLICY" || step.ExistingPolicyId != "work" {
		t.Fatalf("recommended step: %+v", step)
	}
	// The recommended policy, put in place of busy's, still lets busy read itself.
	s.mustCLI(t, rootCreds, nil, "iam", "put-user-policy", "--user-name", "busy", "--policy-name", "work", "--policy-document", step.RecommendedPolicy)
	s.mustCLI(t, busy, nil, "iam", "get-user", "--user-name", "busy")

	// idle uses its key (refused: it may do nothing, but the key was used); the next scan resolves the finding.
	out, errOut, code := s.awsCLI(t, idle, "iam", "get-user", "--user-name", "idle")
	wantCLIError(t, out, errOut, code, "AccessDenied", "")
	s.mustCLI(t, rootCreds, nil, "accessanalyzer", "start-resource-scan", "--analyzer-arn", created.Arn, "--resource-arn", idleARN)
	fs = list()
	if f, _ := find(fs, idleARN, "UnusedIAMUserAccessKey"); f.Id != key.Id || f.Status != "RESOLVED" {
		t.Fatalf("idle's key after its use: %+v", fs)
	}
}

// TestGoldenAccessAnalyzerUnusedAccess pins the JSON wire format of an unused-access analyzer's findings and of
// the finding recommendations, with the clock 31 days ahead of a user who works within the analyzer's 30 days
// and of one who does not.
func TestGoldenAccessAnalyzerUnusedAccess(t *testing.T) {
	s := startServer(t)
	key := func(user string) creds {
		t.Helper()
		s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateUser"}, "UserName": {user}})
		out := s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {user}})
		id := regexp.MustCompile(`<AccessKeyId>([^<]+)</AccessKeyId>`).FindStringSubmatch(out)
		secret := regexp.MustCompile(`<SecretAccessKey>([^<]+)</SecretAccessKey>`).FindStringSubmatch(out)
		if id == nil || secret == nil {
			t.Fatalf("CreateAccessKey: %s", out)
		}
		return creds{id[1], secret[1]}
	}
	key("idle")
	busy := key("busy")
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"PutUserPolicy"}, "UserName": {"busy"}, "PolicyName": {"work"},
		"PolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}]}`}})
	s.advance(t, "31d")
	s.mustCall(t, busy, "iam", url.Values{"Action": {"GetUser"}, "UserName": {"busy"}})

	normalizers := append(slices.Clone(aaNormalizers),
		jsonNormalizer{regexp.MustCompile(`AKIA[A-Z0-9]{16}`), "AKIAEXAMPLE"},
		jsonNormalizer{regexp.MustCompile(`"(lastAccessed|startedAt|completedAt|policyUpdatedAt)":"[^"]*"`), `"$1":"TIME"`})
	const arn = "arn:aws:access-analyzer:us-east-1:" + account + ":analyzer/unused"
	qarn := url.QueryEscape(arn)
	step := func(name, method, target, body string) string {
		t.Helper()
		status, out := s.callAccessAnalyzer(t, rootCreds, method, target, body)
		goldenJSONIn(t, "accessanalyzer", normalizers, name, status, out)
		return out
	}
	step("CreateAnalyzer-unused", "PUT", "/analyzer", `{"analyzerName":"unused","type":"ACCOUNT_UNUSED_ACCESS","configuration":{"unusedAccess":{"unusedAccessAge":30}}}`)
	list := step("ListFindingsV2-unused", "POST", "/findingv2", `{"analyzerArn":"`+arn+`","sort":{"attributeName":"findingType","orderBy":"ASC"}}`)
	m := regexp.MustCompile(`"findingType":"UnusedPermission","id":"([^"]+)"`).FindStringSubmatch(list)
	if m == nil {
		m = regexp.MustCompile(`"id":"([^"]+)"[^}]*"findingType":"UnusedPermission"`).FindStringSubmatch(list)
	}
	if m == nil {
		t.Fatalf("no UnusedPermission finding: %s", list)
	}
	id := m[1]
	step("GetFindingV2-unused-permission", "GET", "/findingv2/"+id+"?analyzerArn="+qarn, "")
	step("GenerateFindingRecommendation", "POST", "/recommendation/"+id+"?analyzerArn="+qarn, "")
	step("GetFindingRecommendation", "GET", "/recommendation/"+id+"?analyzerArn="+qarn, "")
	step("GetFindingRecommendation-missing", "GET", "/recommendation/00000000-0000-4000-8000-000000000000?analyzerArn="+qarn, "")
	step("GetFindingsStatistics-unused", "POST", "/analyzer/findings/statistics", `{"analyzerArn":"`+arn+`"}`)
}
