package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// aaFinding is a finding as the AWS CLI prints it (list-findings, get-finding).
type aaFinding struct {
	Id, Resource, ResourceType, Status, ResourceOwnerAccount string
	Principal, Condition                                     map[string]string
	Action                                                   []string
	IsPublic                                                 bool
}

// findingsByResource lists an analyzer's findings with the AWS CLI, by resource ARN.
func findingsByResource(t *testing.T, s *testServer, analyzerARN string) map[string]aaFinding {
	t.Helper()
	var out struct{ Findings []aaFinding }
	s.mustCLI(t, rootCreds, &out, "accessanalyzer", "list-findings", "--analyzer-arn", analyzerARN)
	m := map[string]aaFinding{}
	for _, f := range out.Findings {
		m[f.Resource] = f
	}
	return m
}

func trustOf(principal, condition string) string {
	st := `{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"`
	if condition != "" {
		st += `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[` + st + `}]}`
}

// TestAWSCLIAccessAnalyzerFindings: the AWS CLI drives an organization analyzer against iamd: a role trusted by an
// account outside the organization is a finding, one trusted by a member account is not; adding aws:PrincipalOrgID
// to the trust policy resolves the finding on the next read; an archive rule archives the new finding it matches;
// update-findings and get-findings-statistics answer as AWS does.
func TestAWSCLIAccessAnalyzerFindings(t *testing.T) {
	needRealClient(t, "aws")
	s := startServer(t)
	var o struct{ Organization struct{ Id string } }
	s.mustCLI(t, rootCreds, &o, "organizations", "create-organization")
	var st struct{ CreateAccountStatus struct{ AccountId string } }
	s.mustCLI(t, rootCreds, &st, "organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev")
	member, orgID := st.CreateAccountStatus.AccountId, o.Organization.Id
	const outsider = "999999999999"
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "partner", "--assume-role-policy-document", trustOf(`{"AWS":"`+outsider+`"}`, ""))
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "sibling", "--assume-role-policy-document", trustOf(`{"AWS":"arn:aws:iam::`+member+`:root"}`, ""))
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "ec2", "--assume-role-policy-document", trustOf(`{"Service":"ec2.amazonaws.com"}`, ""))
	partner, sibling := "arn:aws:iam::"+account+":role/partner", "arn:aws:iam::"+account+":role/sibling"

	var created struct{ Arn string }
	s.mustCLI(t, rootCreds, &created, "accessanalyzer", "create-analyzer", "--analyzer-name", "org", "--type", "ORGANIZATION")
	if created.Arn != "arn:aws:access-analyzer:us-east-1:"+account+":analyzer/org" {
		t.Fatalf("create-analyzer: %+v", created)
	}
	fs := findingsByResource(t, s, created.Arn)
	f, ok := fs[partner]
	if !ok || len(fs) != 1 || f.Status != "ACTIVE" || f.Principal["AWS"] != outsider || f.ResourceType != "AWS::IAM::Role" ||
		f.IsPublic || len(f.Action) != 1 || f.Action[0] != "sts:AssumeRole" || f.ResourceOwnerAccount != account {
		t.Fatalf("first analysis: %+v", fs)
	}
	if _, ok := fs[sibling]; ok {
		t.Fatalf("a role trusted by a member account is a finding: %+v", fs[sibling])
	}

	s.mustCLI(t, rootCreds, nil, "iam", "update-assume-role-policy", "--role-name", "partner", "--policy-document",
		trustOf(`{"AWS":"`+outsider+`"}`, `{"StringEquals":{"aws:PrincipalOrgID":"`+orgID+`"}}`))
	var got struct{ Finding aaFinding }
	s.mustCLI(t, rootCreds, &got, "accessanalyzer", "get-finding", "--analyzer-arn", created.Arn, "--id", f.Id)
	if got.Finding.Status != "RESOLVED" || got.Finding.Id != f.Id {
		t.Fatalf("after aws:PrincipalOrgID: %+v", got.Finding)
	}

	s.mustCLI(t, rootCreds, nil, "accessanalyzer", "create-archive-rule", "--analyzer-name", "org", "--rule-name", "vendor",
		"--filter", `{"principal.AWS":{"eq":["888888888888"]}}`)
	var rules struct{ ArchiveRules []struct{ RuleName string } }
	s.mustCLI(t, rootCreds, &rules, "accessanalyzer", "list-archive-rules", "--analyzer-name", "org")
	if len(rules.ArchiveRules) != 1 || rules.ArchiveRules[0].RuleName != "vendor" {
		t.Fatalf("list-archive-rules: %+v", rules)
	}
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "vendor", "--assume-role-policy-document", trustOf(`{"AWS":"888888888888"}`, ""))
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "public", "--assume-role-policy-document", trustOf(`"*"`, ""))
	fs = findingsByResource(t, s, created.Arn)
	vendor, public := fs["arn:aws:iam::"+account+":role/vendor"], fs["arn:aws:iam::"+account+":role/public"]
	if vendor.Status != "ARCHIVED" || public.Status != "ACTIVE" || !public.IsPublic {
		t.Fatalf("archive rule: %+v", fs)
	}

	s.mustCLI(t, rootCreds, nil, "accessanalyzer", "update-findings", "--analyzer-arn", created.Arn, "--status", "ARCHIVED", "--ids", public.Id)
	var stats struct {
		FindingsStatistics []struct {
			ExternalAccessFindingsStatistics struct {
				TotalActiveFindings, TotalArchivedFindings, TotalResolvedFindings int
			}
		}
	}
	s.mustCLI(t, rootCreds, &stats, "accessanalyzer", "get-findings-statistics", "--analyzer-arn", created.Arn)
	if x := stats.FindingsStatistics[0].ExternalAccessFindingsStatistics; x.TotalActiveFindings != 0 || x.TotalArchivedFindings != 2 || x.TotalResolvedFindings != 1 {
		t.Fatalf("statistics %+v", x)
	}
	var active struct{ Findings []aaFinding }
	s.mustCLI(t, rootCreds, &active, "accessanalyzer", "list-findings", "--analyzer-arn", created.Arn, "--filter", `{"status":{"eq":["ACTIVE"]}}`)
	if len(active.Findings) != 0 {
		t.Fatalf("active findings %+v", active.Findings)
	}
	out, errOut, code := s.awsCLI(t, rootCreds, "accessanalyzer", "create-analyzer", "--analyzer-name", "org", "--type", "ACCOUNT")
	wantCLIError(t, out, errOut, code, "ConflictException", "org")
}

// TestBoto3AccessAnalyzerAnalyzers: boto3 reads an account analyzer's analyzers, findings (V1 and V2) and tags as
// AWS answers them, and gets AWS's errors for a missing analyzer and a second account analyzer.
func TestBoto3AccessAnalyzerAnalyzers(t *testing.T) {
	needRealClient(t, "boto3")
	needRealClient(t, "aws")
	s := startServer(t)
	s.mustCLI(t, rootCreds, nil, "iam", "create-role", "--role-name", "partner", "--assume-role-policy-document", trustOf(`{"AWS":"999999999999"}`, ""))
	var out struct {
		Arn, Name, Type, Status   string
		Tags                      map[string]string
		FindingType, FindingType2 string
		Principal                 map[string]string
		Details                   []map[string]any
		Missing, Second           boto3Outcome
		V1Unused                  boto3Outcome
	}
	s.runBoto3(t, rootCreds, nil, `
aa = client("accessanalyzer")
arn = aa.create_analyzer(analyzerName="acct", type="ACCOUNT", tags={"team": "sec"})["arn"]
a = aa.get_analyzer(analyzerName="acct")["analyzer"]
fs = aa.list_findings(analyzerArn=arn)["findings"]
v2 = aa.list_findings_v2(analyzerArn=arn)["findings"]
g = aa.get_finding_v2(analyzerArn=arn, id=v2[0]["id"])
aa.create_analyzer(analyzerName="unused", type="ACCOUNT_UNUSED_ACCESS", configuration={"unusedAccess": {"unusedAccessAge": 30}})
ua = [x["arn"] for x in aa.list_analyzers(type="ACCOUNT_UNUSED_ACCESS")["analyzers"]][0]
emit({"Arn": arn, "Name": a["name"], "Type": a["type"], "Status": a["status"], "Tags": aa.list_tags_for_resource(resourceArn=arn)["tags"],
      "FindingType": v2[0]["findingType"], "FindingType2": g["findingType"], "Principal": fs[0]["principal"], "Details": g["findingDetails"],
      "Missing": call(aa.get_analyzer, analyzerName="nope"), "Second": call(aa.create_analyzer, analyzerName="again", type="ACCOUNT"),
      "V1Unused": call(aa.list_findings, analyzerArn=ua)})
`, &out)
	if out.Name != "acct" || out.Type != "ACCOUNT" || out.Status != "ACTIVE" || out.Tags["team"] != "sec" || out.FindingType != "ExternalAccess" ||
		out.FindingType2 != "ExternalAccess" || out.Principal["AWS"] != "999999999999" || len(out.Details) != 1 || out.Details[0]["externalAccessDetails"] == nil {
		t.Fatalf("boto3: %+v", out)
	}
	if out.Missing.Error == nil || out.Missing.Error.Code != "ResourceNotFoundException" || out.Missing.Error.Status != 404 {
		t.Fatalf("missing analyzer: %+v", out.Missing)
	}
	if out.Second.Error == nil || out.Second.Error.Code != "ServiceQuotaExceededException" || out.Second.Error.Status != 402 {
		t.Fatalf("second account analyzer: %+v", out.Second)
	}
	if out.V1Unused.Error == nil || out.V1Unused.Error.Code != "ValidationException" {
		t.Fatalf("ListFindings of an unused-access analyzer: %+v", out.V1Unused)
	}
}

// signedRegistryCall calls the resource-policy registry signed for the service "iamd" with the root key.
func signedRegistryCall(t *testing.T, s *testServer, method, query string, body []byte) (int, string) {
	t.Helper()
	return signedIamdCall(t, s, method, "/iamd/v1/resource-policies"+query, body)
}

// signedDecisionPost posts a body to /iamd/v1/authorize signed by the root key.
func signedDecisionPost(t *testing.T, s *testServer, body []byte) (int, string) {
	t.Helper()
	return signedIamdCall(t, s, http.MethodPost, "/iamd/v1/authorize", body)
}

// signedIamdCall calls the decision API signed for the service "iamd" with the root key.
func signedIamdCall(t *testing.T, s *testServer, method, path string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
		req, hex.EncodeToString(sum[:]), "iamd", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestResourcePolicyRegistry: a service registers a queue's policy with PUT /iamd/v1/resource-policies; GET answers
// it; /authorize decides with it when the call sends no resource policy (a principal of another account is allowed
// by it); DELETE removes it, after which that principal is not allowed.
func TestResourcePolicyRegistry(t *testing.T) {
	s := startServer(t)
	queue := "arn:aws:sqs:us-east-1:" + account + ":jobs"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sqs:SendMessage","Resource":"` + queue + `"}]}`
	body, _ := json.Marshal(map[string]any{"resourceArn": queue, "policy": json.RawMessage(doc)})
	if code, got := signedRegistryCall(t, s, http.MethodPut, "", body); code != 200 || !strings.Contains(got, `"resourceArn":"`+queue+`"`) {
		t.Fatalf("PUT: %d %s", code, got)
	}
	if code, got := signedRegistryCall(t, s, http.MethodGet, "?resourceArn="+queue, nil); code != 200 || !strings.Contains(got, "sqs:SendMessage") {
		t.Fatalf("GET: %d %s", code, got)
	}
	decide := func() string {
		t.Helper()
		req := fmt.Sprintf(`{"principal":"arn:aws:iam::%s:root","action":"sqs:SendMessage","resource":%q}`, account, queue)
		code, got := signedDecisionPost(t, s, []byte(req))
		if code != 200 {
			t.Fatalf("authorize: %d %s", code, got)
		}
		var out struct {
			Decision          string
			MatchedStatements []struct{ Layer, Policy string }
		}
		json.Unmarshal([]byte(got), &out)
		for _, m := range out.MatchedStatements {
			if m.Policy == "registeredResourcePolicy" {
				return out.Decision + " by the registered policy"
			}
		}
		return out.Decision
	}
	if got := decide(); got != "allowed by the registered policy" {
		t.Fatalf("with the registered policy: %s", got)
	}
	if code, got := signedRegistryCall(t, s, http.MethodDelete, "?resourceArn="+queue, nil); code != 204 {
		t.Fatalf("DELETE: %d %s", code, got)
	}
	if code, got := signedRegistryCall(t, s, http.MethodGet, "?resourceArn="+queue, nil); code != 404 || !strings.Contains(got, "NoSuchEntity") {
		t.Fatalf("GET after DELETE: %d %s", code, got)
	}
	if code, got := signedRegistryCall(t, s, http.MethodPut, "", []byte(`{"resourceArn":"`+queue+`","policy":{"Statement":"nope"}}`)); code != 400 {
		t.Fatalf("PUT of a malformed policy: %d %s", code, got)
	}
}

// aaNormalizers replace the finding IDs (random UUIDs) and the times Access Analyzer's answers carry.
var aaNormalizers = []jsonNormalizer{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`), "FINDING-ID"},
	// Access Analyzer's timestamps are ISO 8601 strings (the model's timestampFormat iso8601).
	{regexp.MustCompile(`"(createdAt|updatedAt|analyzedAt|lastResourceAnalyzedAt|lastUpdatedAt)":"[^"]*"`), `"$1":"TIME"`},
}

// TestGoldenAccessAnalyzerAnalyzers pins the JSON wire format of the analyzer, archive-rule and findings
// operations, and of an operation iamd does not run (access previews), on a role trusted by another account.
func TestGoldenAccessAnalyzerAnalyzers(t *testing.T) {
	s := startServer(t)
	s.mustCall(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {"partner"},
		"AssumeRolePolicyDocument": {trustOf(`{"AWS":"999999999999"}`, "")}})
	const arn = "arn:aws:access-analyzer:us-east-1:" + account + ":analyzer/acct"
	role := url.QueryEscape("arn:aws:iam::" + account + ":role/partner")
	qarn := url.QueryEscape(arn)
	step := func(name, method, target, body string) string {
		t.Helper()
		status, out := s.callAccessAnalyzer(t, rootCreds, method, target, body)
		goldenJSONIn(t, "accessanalyzer", aaNormalizers, name, status, out)
		return out
	}
	step("CreateAnalyzer", "PUT", "/analyzer", `{"analyzerName":"acct","type":"ACCOUNT","tags":{"team":"sec"},`+
		`"archiveRules":[{"ruleName":"vendor","filter":{"principal.AWS":{"eq":["888888888888"]}}}]}`)
	step("CreateAnalyzer-duplicate", "PUT", "/analyzer", `{"analyzerName":"acct","type":"ACCOUNT"}`)
	step("CreateAnalyzer-quota", "PUT", "/analyzer", `{"analyzerName":"other","type":"ACCOUNT"}`)
	step("GetAnalyzer", "GET", "/analyzer/acct", "")
	step("GetAnalyzer-missing", "GET", "/analyzer/nope", "")
	step("ListAnalyzers", "GET", "/analyzer?type=ACCOUNT", "")
	step("UpdateAnalyzer", "PUT", "/analyzer/acct", `{}`)
	list := step("ListFindings", "POST", "/finding", `{"analyzerArn":"`+arn+`"}`)
	id := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(list)[1]
	step("ListFindingsV2", "POST", "/findingv2", `{"analyzerArn":"`+arn+`","sort":{"attributeName":"resource","orderBy":"DESC"}}`)
	step("ListFindings-bad-sort", "POST", "/finding", `{"analyzerArn":"`+arn+`","sort":{"attributeName":"nope"}}`)
	step("GetFinding", "GET", "/finding/"+id+"?analyzerArn="+qarn, "")
	step("GetFindingV2", "GET", "/findingv2/"+id+"?analyzerArn="+qarn, "")
	step("GetFinding-missing", "GET", "/finding/00000000-0000-4000-8000-000000000000?analyzerArn="+qarn, "")
	step("GetAnalyzedResource", "GET", "/analyzed-resource?analyzerArn="+qarn+"&resourceArn="+role, "")
	step("ListAnalyzedResources", "POST", "/analyzed-resource", `{"analyzerArn":"`+arn+`"}`)
	step("CreateArchiveRule", "PUT", "/analyzer/acct/archive-rule", `{"ruleName":"partner","filter":{"principal.AWS":{"eq":["999999999999"]}}}`)
	step("CreateArchiveRule-duplicate", "PUT", "/analyzer/acct/archive-rule", `{"ruleName":"partner","filter":{"isPublic":{"eq":["true"]}}}`)
	step("GetArchiveRule", "GET", "/analyzer/acct/archive-rule/partner", "")
	step("ListArchiveRules", "GET", "/analyzer/acct/archive-rule", "")
	step("UpdateArchiveRule", "PUT", "/analyzer/acct/archive-rule/partner", `{"filter":{"principal.AWS":{"eq":["999999999999"]},"isPublic":{"eq":["false"]}}}`)
	step("ApplyArchiveRule", "PUT", "/archive-rule", `{"analyzerArn":"`+arn+`","ruleName":"partner"}`)
	step("GetFindingsStatistics-archived", "POST", "/analyzer/findings/statistics", `{"analyzerArn":"`+arn+`"}`)
	step("UpdateFindings", "PUT", "/finding", `{"analyzerArn":"`+arn+`","status":"ACTIVE","ids":["`+id+`"]}`)
	step("StartResourceScan", "POST", "/resource/scan", `{"analyzerArn":"`+arn+`","resourceArn":"`+"arn:aws:iam::"+account+":role/partner"+`"}`)
	step("GetFindingsStatistics", "POST", "/analyzer/findings/statistics", `{"analyzerArn":"`+arn+`"}`)
	step("DeleteArchiveRule", "DELETE", "/analyzer/acct/archive-rule/partner", "")
	step("TagResource", "POST", "/tags/"+qarn, `{"tags":{"env":"prod"}}`)
	step("UntagResource", "DELETE", "/tags/"+qarn+"?tagKeys=team", "")
	step("ListTagsForResource", "GET", "/tags/"+qarn, "")
	step("DeleteAnalyzer", "DELETE", "/analyzer/acct", "")
	step("GetAccessPreview-not-implemented", "GET", "/access-preview/p1?analyzerArn="+qarn, "")
}
