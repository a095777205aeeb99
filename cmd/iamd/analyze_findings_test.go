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

// TestAnalyzeFindingsReportsUnusedAccess: with --unused-access-age, iamd analyze findings reports what an
// unused-access analyzer would over a data directory: a user's access key made and never used is a finding once
// the clock (--clock-offset) is past the age, and not before.
func TestAnalyzeFindingsReportsUnusedAccess(t *testing.T) {
	dir := t.TempDir() + "/data"
	client := newClient(t)
	s := startServe(t, nil, "--data", dir)
	endpoint := s.waitFor(t, s.stdout, exportEndpointRE)
	root := sigv4.Credentials{AccessKeyID: s.waitFor(t, s.stdout, exportKeyIDRE), SecretAccessKey: s.waitFor(t, s.stdout, exportSecretRE)}
	for _, body := range []string{"Action=CreateUser&Version=2010-05-08&UserName=idle", "Action=CreateAccessKey&Version=2010-05-08&UserName=idle"} {
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
			t.Fatalf("%s: %d", body, resp.StatusCode)
		}
	}
	client.CloseIdleConnections()
	s.stop(t)

	r := runIamd(t, nil, "", "analyze", "findings", "--data", dir, "--unused-access-age", "30")
	if r.code != exitOK || !strings.Contains(r.stdout, "0 unused-access finding(s)") {
		t.Fatalf("today: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runIamd(t, nil, "", "analyze", "findings", "--data", dir, "--unused-access-age", "30", "--clock-offset", "31d", "--output", "json")
	var out struct {
		Findings []struct {
			Resource, FindingType string
			FindingDetails        []map[string]json.RawMessage
		}
	}
	if r.code != exitFail || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Findings) != 1 {
		t.Fatalf("31 days on: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	f := out.Findings[0]
	if !strings.HasSuffix(f.Resource, ":user/idle") || f.FindingType != "UnusedIAMUserAccessKey" || f.FindingDetails[0]["unusedIamUserAccessKeyDetails"] == nil {
		t.Fatalf("finding %+v", f)
	}
	r = runIamd(t, map[string]string{"IAMD_CLOCK_OFFSET": "31d"}, "", "analyze", "findings", "--data", dir, "--unused-access-age", "30", "--output", "sarif")
	if r.code != exitFail || !strings.Contains(r.stdout, `"ruleId": "unused-access"`) || !strings.Contains(r.stdout, "user/idle") {
		t.Fatalf("sarif: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runIamd(t, nil, "", "analyze", "findings", "--data", dir, "--unused-access-age", "400"); r.code != exitUsage {
		t.Fatalf("--unused-access-age 400: exit %d", r.code)
	}
}
