package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// Policies of the Access Analyzer tests: the AWS CLI's examples of check-no-new-access and
// check-access-not-granted (awscli/examples/accessanalyzer), and a change that adds iam:PassRole.
const (
	aaExisting = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],
 "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	aaNew = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectAcl","s3:ListBucket"],
 "Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	aaPassRole = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
 {"Sid":"Pass","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/*"}]}`
	aaBucketPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"CheckNoPublicAccess","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::111122223333:user/JohnDoe"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`
)

// aaCheck is a custom check's answer.
type aaCheck struct {
	Result, Message string
	Reasons         []struct {
		Description    string
		StatementIndex *int
		StatementId    string
	}
}

// TestAWSCLIAccessAnalyzerPolicyChecks: the AWS CLI's accessanalyzer commands run unchanged against iamd: the
// four policy checks answer as AWS does (FAIL with the statement and, after AWS's description, iamd's witness;
// PASS with AWS's message), a bad enum is a ValidationException, and a caller without access-analyzer
// permissions gets AccessDeniedException.
func TestAWSCLIAccessAnalyzerPolicyChecks(t *testing.T) {
	needRealClient(t, "aws")
	s := sharedServer(t, "accessanalyzer_test.go")
	dir := t.TempDir()
	file := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	existing, updated, passRole, bucket := file("existing.json", aaExisting), file("new.json", aaNew), file("passrole.json", aaPassRole), file("bucket.json", aaBucketPolicy)

	t.Run("check-no-new-access FAILs on the added action with a witness", func(t *testing.T) {
		var out aaCheck
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "check-no-new-access", "--existing-policy-document", existing,
			"--new-policy-document", updated, "--policy-type", "IDENTITY_POLICY")
		if out.Result != "FAIL" || out.Message != "The modified permissions grant new access compared to your existing policy." || len(out.Reasons) != 1 {
			t.Fatalf("got %+v", out)
		}
		r := out.Reasons[0]
		aws, witness, ok := strings.Cut(r.Description, " iamd witness: ")
		if !ok || aws != "New access in the statement with index: 0." || r.StatementIndex == nil || *r.StatementIndex != 0 {
			t.Fatalf("reason %+v", r)
		}
		var w struct{ Action, Resource string }
		if err := json.Unmarshal([]byte(witness), &w); err != nil || !strings.EqualFold(w.Action, "s3:GetObjectAcl") {
			t.Fatalf("witness %q: %v", witness, err)
		}
	})
	t.Run("check-no-new-access PASSes on the same policy", func(t *testing.T) {
		var out aaCheck
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "check-no-new-access", "--existing-policy-document", updated,
			"--new-policy-document", existing, "--policy-type", "IDENTITY_POLICY")
		if out.Result != "PASS" || len(out.Reasons) != 0 {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("check-access-not-granted PASSes as in AWS's example", func(t *testing.T) {
		var out aaCheck
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "check-access-not-granted", "--policy-document", existing,
			"--access", `actions="s3:DeleteBucket","s3:GetBucketLocation"`, "--policy-type", "IDENTITY_POLICY")
		if out.Result != "PASS" || out.Message != "The policy document does not grant access to perform one or more of the listed actions." {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("check-access-not-granted FAILs on iam:PassRole in the statement that grants it", func(t *testing.T) {
		var out aaCheck
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "check-access-not-granted", "--policy-document", passRole,
			"--access", `actions="iam:PassRole"`, "--policy-type", "IDENTITY_POLICY")
		if out.Result != "FAIL" || len(out.Reasons) != 1 || out.Reasons[0].StatementId != "Pass" || *out.Reasons[0].StatementIndex != 1 ||
			!strings.Contains(out.Reasons[0].Description, "iamd witness: ") {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("check-no-public-access passes a grant to one user and fails a public one with its witness", func(t *testing.T) {
		var out aaCheck
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "check-no-public-access", "--policy-document", bucket, "--resource-type", "AWS::S3::Bucket")
		if out.Result != "PASS" || len(out.Reasons) != 0 {
			t.Fatalf("got %+v", out)
		}
		public := file("public.json", strings.Replace(aaBucketPolicy, `{"AWS":"arn:aws:iam::111122223333:user/JohnDoe"}`, `"*"`, 1))
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "check-no-public-access", "--policy-document", public, "--resource-type", "AWS::S3::Bucket")
		if out.Result != "FAIL" || len(out.Reasons) != 1 || *out.Reasons[0].StatementIndex != 0 || !strings.Contains(out.Reasons[0].Description, "iamd witness: ") {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("validate-policy answers findings with their locations", func(t *testing.T) {
		var out struct {
			Findings []struct {
				FindingType, IssueCode, LearnMoreLink, FindingDetails string
				Locations                                             []struct {
					Span struct {
						Start struct{ Line, Column, Offset int }
					}
				}
			}
		}
		doc := file("unknown.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:NoSuchAction","Resource":"*"}]}`)
		s.mustCLI(t, rootCreds, &out, "accessanalyzer", "validate-policy", "--policy-document", doc, "--policy-type", "IDENTITY_POLICY")
		if len(out.Findings) == 0 || out.Findings[0].FindingType == "" || out.Findings[0].LearnMoreLink == "" || len(out.Findings[0].Locations) != 1 ||
			out.Findings[0].Locations[0].Span.Start.Line != 1 {
			t.Fatalf("got %+v", out)
		}
	})
	t.Run("a policy type outside the enum is a ValidationException", func(t *testing.T) {
		_, errOut, code := s.awsCLI(t, rootCreds, "accessanalyzer", "check-no-new-access", "--existing-policy-document", existing,
			"--new-policy-document", updated, "--policy-type", "SESSION_POLICY")
		if code == 0 || !strings.Contains(errOut, "(ValidationException)") || !strings.Contains(errOut, "policyType") {
			t.Fatalf("exit %d %s", code, errOut)
		}
	})
	t.Run("a caller without access-analyzer permissions is denied", func(t *testing.T) {
		var key struct {
			AccessKey struct{ AccessKeyId, SecretAccessKey string }
		}
		s.mustCLI(t, rootCreds, nil, "iam", "create-user", "--user-name", "aa-nobody")
		s.mustCLI(t, rootCreds, &key, "iam", "create-access-key", "--user-name", "aa-nobody")
		_, errOut, code := s.awsCLI(t, creds{key.AccessKey.AccessKeyId, key.AccessKey.SecretAccessKey}, "accessanalyzer", "validate-policy",
			"--policy-document", existing, "--policy-type", "IDENTITY_POLICY")
		if code == 0 || !strings.Contains(errOut, "(AccessDeniedException)") ||
			!strings.Contains(errOut, "is not authorized to perform: access-analyzer:ValidatePolicy") {
			t.Fatalf("exit %d %s", code, errOut)
		}
	})
	t.Run("every call is in the audit trail, the checks' policy documents hidden", func(t *testing.T) {
		var found struct {
			Events []struct{ EventName, CloudTrailEvent string }
		}
		s.mustCLI(t, rootCreds, &found, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventSource,AttributeValue=access-analyzer.amazonaws.com")
		seen := map[string]bool{}
		for _, e := range found.Events {
			var ev struct {
				EventSource, ErrorCode string
				RequestParameters      map[string]any
			}
			if err := json.Unmarshal([]byte(e.CloudTrailEvent), &ev); err != nil || ev.EventSource != "access-analyzer.amazonaws.com" {
				t.Fatalf("event %s: %v", e.CloudTrailEvent, err)
			}
			seen[e.EventName+" "+ev.ErrorCode] = true
			if e.EventName == "CheckNoNewAccess" && ev.ErrorCode == "" && ev.RequestParameters["newPolicyDocument"] != "HIDDEN_DUE_TO_SECURITY_REASONS" {
				t.Errorf("CheckNoNewAccess shows its policy document: %s", e.CloudTrailEvent)
			}
		}
		for _, want := range []string{"CheckNoNewAccess ", "CheckAccessNotGranted ", "CheckNoPublicAccess ", "ValidatePolicy ",
			"CheckNoNewAccess ValidationException", "ValidatePolicy AccessDeniedException"} {
			if !seen[want] {
				t.Errorf("no event %q among %v", want, seen)
			}
		}
	})
}

// TestBoto3AccessAnalyzerPolicyChecks: boto3 calls the four checks and reads ValidationException's reason and
// fieldList, as botocore's REST-JSON parser reads AWS's errors.
func TestBoto3AccessAnalyzerPolicyChecks(t *testing.T) {
	needRealClient(t, "boto3")
	s := sharedServer(t, "accessanalyzer_test.go")
	var out struct {
		NoNew, NotGranted, Public, Validate, Invalid, Page boto3Outcome
		InvalidBody                                        map[string]any
	}
	s.runBoto3(t, rootCreds, map[string]string{"existing": aaExisting, "new": aaNew, "passrole": aaPassRole, "bucket": aaBucketPolicy}, `
aa = client("accessanalyzer")
out = {
  "NoNew": call(aa.check_no_new_access, existingPolicyDocument=ARGS["existing"], newPolicyDocument=ARGS["new"], policyType="IDENTITY_POLICY"),
  "NotGranted": call(aa.check_access_not_granted, policyDocument=ARGS["passrole"], access=[{"actions": ["iam:PassRole"]}], policyType="IDENTITY_POLICY"),
  "Public": call(aa.check_no_public_access, policyDocument=ARGS["bucket"], resourceType="AWS::S3::Bucket"),
  "Validate": call(aa.validate_policy, policyDocument=ARGS["existing"], policyType="IDENTITY_POLICY"),
  "Page": call(aa.validate_policy, policyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:NoSuch1","s3:NoSuch2"],"Resource":"*"}]}', policyType="IDENTITY_POLICY", maxResults=1),
  "Invalid": call(aa.check_no_public_access, policyDocument=ARGS["bucket"], resourceType="AWS::Nope::Thing"),
}
try:
    aa.check_no_public_access(policyDocument=ARGS["bucket"], resourceType="AWS::Nope::Thing")
except aa.exceptions.ValidationException as e:
    out["InvalidBody"] = {"reason": e.response.get("reason"), "fieldList": e.response.get("fieldList")}
for k in ("NoNew", "NotGranted", "Public", "Validate", "Page"):
    if "ok" in out[k]:
        out[k]["ok"].pop("ResponseMetadata", None)
emit(out)
`, &out)
	var noNew, notGranted, public aaCheck
	for _, c := range []struct {
		name string
		o    boto3Outcome
		v    any
	}{{"check_no_new_access", out.NoNew, &noNew}, {"check_access_not_granted", out.NotGranted, &notGranted}, {"check_no_public_access", out.Public, &public}} {
		requireAllowed(t, c.name, c.o)
		if err := json.Unmarshal(c.o.OK, c.v); err != nil {
			t.Fatal(err)
		}
	}
	if noNew.Result != "FAIL" || notGranted.Result != "FAIL" || public.Result != "PASS" {
		t.Fatalf("results: %+v %+v %+v", noNew, notGranted, public)
	}
	requireAllowed(t, "validate_policy", out.Validate)
	requireAllowed(t, "validate_policy maxResults=1", out.Page)
	var page struct {
		Findings  []map[string]any `json:"findings"`
		NextToken string           `json:"nextToken"`
	}
	if err := json.Unmarshal(out.Page.OK, &page); err != nil || len(page.Findings) != 1 || page.NextToken == "" {
		t.Fatalf("page: %s (%v)", out.Page.OK, err)
	}
	if out.Invalid.Error == nil || out.Invalid.Error.Code != "ValidationException" || out.Invalid.Error.Status != 400 {
		t.Fatalf("invalid resource type: %+v", out.Invalid)
	}
	fields, _ := out.InvalidBody["fieldList"].([]any)
	if out.InvalidBody["reason"] != "fieldValidationFailed" || len(fields) != 1 || fields[0].(map[string]any)["name"] != "resourceType" {
		t.Fatalf("ValidationException members: %+v", out.InvalidBody)
	}
}

// callAccessAnalyzer sends a REST-JSON request to Access Analyzer, signed for access-analyzer, and returns the
// status and body of the answer, an error's body after its line "x-amzn-ErrorType: CODE" (where REST-JSON
// clients read the code); it checks the answer's Content-Type.
func (s *testServer) callAccessAnalyzer(t testing.TB, c creds, method, target, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sigv4.Sign(req, []byte(body), sigv4.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, "us-east-1", "access-analyzer", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, target, ct)
	}
	if resp.StatusCode != 200 {
		if resp.Header.Get("x-amzn-ErrorType") == "" {
			t.Errorf("%s %s: %d without x-amzn-ErrorType", method, target, resp.StatusCode)
		}
		return resp.StatusCode, "x-amzn-ErrorType: " + resp.Header.Get("x-amzn-ErrorType") + "\n" + string(out)
	}
	return resp.StatusCode, string(out)
}

// TestGoldenAccessAnalyzer pins the JSON wire format of Access Analyzer's answers and errors, with iamd's own
// checks behind them (the witnesses reason finds, policy/validate's findings).
func TestGoldenAccessAnalyzer(t *testing.T) {
	s := sharedServer(t, "accessanalyzer_test.go")
	call := func(name, target, body string) {
		t.Helper()
		status, out := s.callAccessAnalyzer(t, rootCreds, "POST", target, body)
		goldenJSONIn(t, "accessanalyzer", nil, name, status, out)
	}
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	call("CheckNoNewAccess", "/policy/check-no-new-access", `{"existingPolicyDocument":`+q(aaExisting)+`,"newPolicyDocument":`+q(aaNew)+`,"policyType":"IDENTITY_POLICY"}`)
	call("CheckNoNewAccess-pass", "/policy/check-no-new-access", `{"existingPolicyDocument":`+q(aaNew)+`,"newPolicyDocument":`+q(aaExisting)+`,"policyType":"IDENTITY_POLICY"}`)
	call("CheckNoNewAccess-policy-does-not-parse", "/policy/check-no-new-access", `{"existingPolicyDocument":"{","newPolicyDocument":`+q(aaNew)+`,"policyType":"IDENTITY_POLICY"}`)
	call("CheckNoNewAccess-resource-policy", "/policy/check-no-new-access", `{"existingPolicyDocument":`+q(aaBucketPolicy)+`,"newPolicyDocument":`+q(aaBucketPolicy)+`,"policyType":"RESOURCE_POLICY"}`)
	call("CheckAccessNotGranted", "/policy/check-access-not-granted", `{"policyDocument":`+q(aaPassRole)+`,"access":[{"actions":["iam:PassRole"]}],"policyType":"IDENTITY_POLICY"}`)
	call("CheckAccessNotGranted-pass", "/policy/check-access-not-granted", `{"policyDocument":`+q(aaExisting)+`,"access":[{"actions":["s3:DeleteBucket","s3:GetBucketLocation"]}],"policyType":"IDENTITY_POLICY"}`)
	call("CheckAccessNotGranted-empty-access", "/policy/check-access-not-granted", `{"policyDocument":`+q(aaExisting)+`,"access":[{}],"policyType":"IDENTITY_POLICY"}`)
	call("CheckNoPublicAccess", "/policy/check-no-public-access", `{"policyDocument":`+q(aaBucketPolicy)+`,"resourceType":"AWS::S3::Bucket"}`)
	call("CheckNoPublicAccess-public", "/policy/check-no-public-access", `{"policyDocument":`+q(strings.Replace(aaBucketPolicy, `{"AWS":"arn:aws:iam::111122223333:user/JohnDoe"}`, `"*"`, 1))+`,"resourceType":"AWS::S3::Bucket"}`)
	call("CheckNoPublicAccess-unknown-resource-type", "/policy/check-no-public-access", `{"policyDocument":`+q(aaBucketPolicy)+`,"resourceType":"AWS::S3::Object"}`)
	call("ValidatePolicy", "/policy/validation", `{"policyDocument":`+q(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:NoSuch1","s3:NoSuch2"],"Resource":"*"}]}`)+`,"policyType":"IDENTITY_POLICY"}`)
	call("ValidatePolicy-page", "/policy/validation?maxResults=1", `{"policyDocument":`+q(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:NoSuch1","s3:NoSuch2"],"Resource":"*"}]}`)+`,"policyType":"IDENTITY_POLICY"}`)
	call("ValidatePolicy-does-not-parse", "/policy/validation", `{"policyDocument":"{\"Statement\":","policyType":"IDENTITY_POLICY"}`)
	call("ValidatePolicy-missing-policy-type", "/policy/validation", `{"policyDocument":"{}"}`)
	call("ValidatePolicy-max-results-zero", "/policy/validation?maxResults=0", `{"policyDocument":"{}","policyType":"IDENTITY_POLICY"}`)
}
