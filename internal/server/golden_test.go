package server_test

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// call sends one signed query-protocol request and returns the status and body.
func (s *testServer) call(t testing.TB, c creds, service string, params url.Values) (int, string) {
	t.Helper()
	return s.callSigned(t, sigv4.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, service, params)
}

// callSigned sends one query-protocol request signed with cred at the real time and returns the status and body.
func (s *testServer) callSigned(t testing.TB, cred sigv4.Credentials, service string, params url.Values) (int, string) {
	t.Helper()
	if params.Get("Version") == "" {
		params.Set("Version", map[string]string{"iam": "2010-05-08", "sts": "2011-06-15"}[service])
	}
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), cred, "us-east-1", service, time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// normalizers replace what changes from run to run with stable placeholders.
var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "REQUEST-ID"},
	{regexp.MustCompile(`\b(AIDA|AGPA|AROA|ANPA|AIPA|AKIA|ASIA)[A-Z2-7]{12,17}\b`), "${1}EXAMPLE"},
	{regexp.MustCompile(`<SecretAccessKey>[^<]+</SecretAccessKey>`), "<SecretAccessKey>SECRET</SecretAccessKey>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), "2026-01-01T00:00:00Z"},
	{regexp.MustCompile(`<Marker>[^<]+</Marker>`), "<Marker>MARKER</Marker>"},
	{regexp.MustCompile(`task/aws-service-role/[^<]+`), "task/aws-service-role/TASK"},
}

func normalize(s string) string {
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// golden compares a response with testdata/golden/NAME.xml, or rewrites it with -update.
func golden(t *testing.T, name string, status int, body string) {
	t.Helper()
	got := fmt.Sprintf("HTTP %d\n%s", status, normalize(body))
	path := filepath.Join("testdata", "golden", name+".xml")
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
