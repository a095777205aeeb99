package server_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// callJSON sends one signed AWS JSON 1.1 request to Organizations and returns the status and body.
func (s *testServer) callJSON(t testing.TB, c creds, op, body string) (int, string) {
	t.Helper()
	return s.callJSONService(t, c, "organizations", "AWSOrganizationsV20161128", op, body)
}

// callJSONService sends one AWS JSON 1.1 request, signed for service in us-east-1, with X-Amz-Target
// prefix.op, and returns the status and body.
func (s *testServer) callJSONService(t testing.TB, c creds, service, prefix, op, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", prefix+"."+op)
	sigv4.Sign(req, []byte(body), sigv4.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, "us-east-1", service, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("%s: Content-Type %q", op, ct)
	}
	return resp.StatusCode, string(out)
}

// jsonNormalizer replaces what varies between runs in a JSON answer.
type jsonNormalizer struct {
	re   *regexp.Regexp
	with string
}

// orgNormalizers replace the IDs and times Organizations generates.
var orgNormalizers = []jsonNormalizer{
	{regexp.MustCompile(`\bo-[a-z0-9]{10}\b`), "o-exampleorg"},
	{regexp.MustCompile(`\bou-[a-z0-9]{4}-[a-z0-9]{8}\b`), "ou-exam-examplou"},
	{regexp.MustCompile(`\br-[a-z0-9]{4}\b`), "r-exam"},
	{regexp.MustCompile(`\bp-[a-z0-9]{8}\b`), "p-examplep"},
	{regexp.MustCompile(`"(JoinedTimestamp|RequestedTimestamp|CompletedTimestamp|ExpirationTimestamp|DateEnabled)":[0-9.]+`), `"$1":1767225600`},
}

// goldenJSON compares a response with testdata/golden/org/NAME.json, or rewrites it with -update.
func goldenJSON(t *testing.T, name string, status int, body string) {
	t.Helper()
	goldenJSONIn(t, "org", orgNormalizers, name, status, body)
}

// goldenJSONIn compares a response, with what varies replaced by normalizers, with testdata/golden/DIR/NAME.json,
// or rewrites it with -update.
func goldenJSONIn(t *testing.T, dir string, normalizers []jsonNormalizer, name string, status int, body string) {
	t.Helper()
	for _, n := range normalizers {
		body = n.re.ReplaceAllString(body, n.with)
	}
	got := fmt.Sprintf("HTTP %d\n%s\n", status, body)
	path := filepath.Join("testdata", "golden", dir, name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s:\n--- got ---\n%s\n--- want ---\n%s", name, path, got, want)
	}
}

// TestGoldenOrganizations pins the JSON wire format of Organizations answers and errors.
func TestGoldenOrganizations(t *testing.T) {
	s := startServer(t)
	step := func(name, op, body string) string {
		t.Helper()
		status, out := s.callJSON(t, rootCreds, op, body)
		goldenJSON(t, name, status, out)
		return out
	}
	step("DescribeOrganization-not-in-use", "DescribeOrganization", `{}`)
	step("CreateOrganization", "CreateOrganization", `{"FeatureSet":"ALL"}`)
	step("CreateOrganization-again", "CreateOrganization", `{}`)
	roots := step("ListRoots", "ListRoots", `{}`)
	root := regexp.MustCompile(`r-[a-z0-9]{4}`).FindString(roots)
	step("EnablePolicyType", "EnablePolicyType", `{"RootId":"`+root+`","PolicyType":"SERVICE_CONTROL_POLICY"}`)
	ou := step("CreateOrganizationalUnit", "CreateOrganizationalUnit", `{"ParentId":"`+root+`","Name":"Production"}`)
	ouID := regexp.MustCompile(`ou-[a-z0-9]{4}-[a-z0-9]{8}`).FindString(ou)
	step("CreateOrganizationalUnit-missing-name", "CreateOrganizationalUnit", `{"ParentId":"`+root+`"}`)
	pol := step("CreatePolicy", "CreatePolicy", `{"Name":"no-leaving","Description":"d","Type":"SERVICE_CONTROL_POLICY",`+
		`"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"organizations:LeaveOrganization\",\"Resource\":\"*\"}]}"}`)
	policyID := regexp.MustCompile(`p-[a-z0-9]{8}`).FindString(pol)
	step("AttachPolicy", "AttachPolicy", `{"PolicyId":"`+policyID+`","TargetId":"`+ouID+`"}`)
	step("AttachPolicy-duplicate", "AttachPolicy", `{"PolicyId":"`+policyID+`","TargetId":"`+ouID+`"}`)
	step("ListPoliciesForTarget", "ListPoliciesForTarget", `{"TargetId":"`+ouID+`","Filter":"SERVICE_CONTROL_POLICY"}`)
	step("DetachPolicy-last", "DetachPolicy", `{"PolicyId":"p-FullAWSAccess","TargetId":"`+root+`"}`)
	step("DescribePolicy-FullAWSAccess", "DescribePolicy", `{"PolicyId":"p-FullAWSAccess"}`)
	step("CreatePolicy-malformed", "CreatePolicy", `{"Name":"bad","Description":"d","Type":"SERVICE_CONTROL_POLICY","Content":"{\"Statement\":"}`)
	step("UnknownOperation", "Nope", `{}`)
}
