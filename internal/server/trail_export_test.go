package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/audit/logfile"
)

// TestTrailExportHoldsTheServersEventsAndNoSecret: the events the server records for real calls are exported as
// CloudTrail log files that verify, the denied call with its AccessDenied and explanation among them, and no secret
// the calls made or used (a new access key's secret, a login profile's password) is in any exported file.
func TestTrailExportHoldsTheServersEventsAndNoSecret(t *testing.T) {
	s := startServer(t)
	bob := credsUserWithKey(t, s, "export-bob")
	status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateAccessKey"}, "UserName": {"export-bob"}})
	if status != 200 {
		t.Fatalf("CreateAccessKey: %d %s", status, body)
	}
	newSecret := regexp.MustCompile(`<SecretAccessKey>([^<]+)</SecretAccessKey>`).FindStringSubmatch(body)[1]
	const password = "Export-Pa55word!-never-logged"
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"export-bob"}, "Password": {password}}); status != 200 {
		t.Fatalf("CreateLoginProfile: %d %s", status, body)
	}
	if status, body := s.call(t, bob, "iam", url.Values{"Action": {"ListRoles"}}); status != 403 {
		t.Fatalf("ListRoles as bob: %d %s", status, body)
	}
	ctx := context.Background()
	if err := s.srv.FlushTrail(ctx); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, keys := exportTrail(t, s, dir)
	if res.Events < 4 || len(res.LogFiles) == 0 {
		t.Fatalf("export: %+v", res)
	}
	pub, err := logfile.ParsePublicKeys(logfile.PublicKeyPEM(keys[0].Value))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := logfile.Verify(os.DirFS(dir), pub)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}

	var denied *audit.Event
	for _, f := range res.LogFiles {
		zr, err := gzip.NewReader(bytes.NewReader(must(os.ReadFile(filepath.Join(dir, f)))))
		if err != nil {
			t.Fatal(err)
		}
		raw := must(io.ReadAll(zr))
		for _, sec := range []string{bob.secret, newSecret, password} {
			if strings.Contains(string(raw), sec) {
				t.Errorf("%s holds a secret of the calls: %.6s...", f, sec)
			}
		}
		var doc struct{ Records []audit.Event }
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for i, ev := range doc.Records {
			if ev.EventName == "ListRoles" && ev.UserIdentity.UserName == "export-bob" {
				denied = &doc.Records[i]
			}
		}
	}
	if denied == nil || denied.ErrorCode != "AccessDenied" || !strings.Contains(string(denied.AdditionalEventData), "iamdDecision") {
		t.Fatalf("the denied call in the export: %+v", denied)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
