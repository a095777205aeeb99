package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// TestAnalyzeFindingsReadsADataDirectory: "iamd analyze findings" over a served data directory reports the role
// trusted by another account (JSON with Access Analyzer's fields, SARIF with a result for it, text) and exits 1,
// and nothing for a role trusted by a service; --fail-on public lets a cross-account finding pass.
func TestAnalyzeFindingsReadsADataDirectory(t *testing.T) {
	dir := t.TempDir() + "/data"
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	for name, principal := range map[string]string{"partner": `{"AWS":"999999999999"}`, "fn": `{"Service":"lambda.amazonaws.com"}`} {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`
		body := "Action=CreateRole&Version=2010-05-08&RoleName=" + name + "&AssumeRolePolicyDocument=" + url.QueryEscape(doc)
		req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sigv4.Sign(req, []byte(body), root, "us-east-1", "iam", time.Now())
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("CreateRole %s: %d", name, resp.StatusCode)
		}
	}
	client.CloseIdleConnections()
	s.stop(t)

	r := runIamd(t, nil, "", "analyze", "findings", "--data", dir, "--output", "json")
	var out struct{ Findings []externalFinding }
	if r.code != exitFail || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Findings) != 1 {
		t.Fatalf("json: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	f := out.Findings[0]
	if !strings.HasSuffix(f.Resource, ":role/partner") || f.ResourceType != "AWS::IAM::Role" || f.Principal["AWS"] != "999999999999" || f.IsPublic ||
		f.FindingType != "ExternalAccess" || len(f.Action) != 1 || f.Action[0] != "sts:AssumeRole" {
		t.Fatalf("finding %+v", f)
	}
	r = runIamd(t, nil, "", "analyze", "findings", "--data", dir, "--output", "sarif")
	if r.code != exitFail || !strings.Contains(r.stdout, `"ruleId": "external-access"`) || !strings.Contains(r.stdout, "role/partner") {
		t.Fatalf("sarif: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runIamd(t, nil, "", "analyze", "findings", "--data", dir, "--fail-on", "public")
	if r.code != exitOK || !strings.Contains(r.stdout, "cross-account: AWS 999999999999 can sts:AssumeRole") || !strings.Contains(r.stdout, "1 external-access finding(s)") {
		t.Fatalf("text: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
