package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

const eventsAccount = "111122223333"

// dataDirWithEvents makes a data directory (as "iamd account create" does) and appends events of the last hours to
// its trail; it returns the directory and the events.
func dataDirWithEvents(t *testing.T) (string, []*store.Event) {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	if r := runIamd(t, nil, "", "account", "create", "--id", eventsAccount, "--data", data); r.code != exitOK {
		t.Fatalf("account create: exit %d\n%s", r.code, r.stderr)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Four hours back: the newest event (start + 125 min) falls in an hour that ended an hour ago, well past the
	// export's settle time (a minute) whatever the time of day. Three hours back put it in the hour that had just
	// ended, which the export leaves for the first minute of every hour.
	start := time.Now().UTC().Truncate(time.Hour).Add(-4 * time.Hour)
	var evs []*store.Event
	for i := range 6 {
		at := start.Add(time.Duration(i) * 25 * time.Minute)
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		rec := audit.Event{EventVersion: audit.EventVersion, UserIdentity: audit.UserIdentity{Type: "Root", AccountID: eventsAccount},
			EventTime: at.Format(audit.TimeFormat), EventSource: "iam.amazonaws.com", EventName: "CreateUser", AWSRegion: "us-east-1",
			SourceIPAddress: "127.0.0.1", UserAgent: "aws-cli/2", RequestParameters: json.RawMessage(`{"userName":"alice"}`),
			ResponseElements: json.RawMessage("null"), RequestID: id, EventID: id, EventType: audit.TypeAPICall, ManagementEvent: true,
			RecipientAccountID: eventsAccount, EventCategory: audit.CategoryManagement}
		b, err := json.Marshal(&rec)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, &store.Event{Account: eventsAccount, ID: id, Time: at, Data: b})
	}
	if err := st.AppendEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	return data, evs
}

// copyTree copies the directory src to a new one and returns it.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func findFile(t *testing.T, dir, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	var found string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && found == "" && re.MatchString(filepath.ToSlash(p)) {
			found = p
		}
		return err
	})
	if found == "" {
		t.Fatalf("no file matches %s in %s", pattern, dir)
	}
	return found
}

func regzip(t *testing.T, p string, change func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(change(raw))
	zw.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestEventsExportAndVerify: "iamd events export" writes the trail of a data directory as CloudTrail log files and
// digests, "iamd events verify" finds them valid (exit 0, the AWS CLI's summary), and finds, naming the file and
// exiting 1, a modified, a deleted and an inserted log file and a modified and a deleted digest.
func TestEventsExportAndVerify(t *testing.T) {
	t.Parallel()
	data, evs := dataDirWithEvents(t)
	out := filepath.Join(t.TempDir(), "trail")
	r := runIamd(t, map[string]string{"IAMD_DATA": data}, "", "events", "export", "--out", out)
	if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("Exported %d events in ", len(evs))) {
		t.Fatalf("export: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := runIamd(t, nil, "", "events", "export", "--out", out, "--data", data); r.code != exitOK || !strings.Contains(r.stdout, "Exported 0 events in 0 log files and 0 digest files") {
		t.Fatalf("a second export: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	// The log files are CloudTrail's: gzip'd {"Records":[...]} holding the stored records.
	logFile := findFile(t, out, `/AWSLogs/`+eventsAccount+`/CloudTrail/us-east-1/\d{4}/\d{2}/\d{2}/`+eventsAccount+`_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Z0-9]{16}\.json\.gz$`)
	regzip(t, logFile, func(raw []byte) []byte {
		var doc map[string][]audit.Event
		if err := json.Unmarshal(raw, &doc); err != nil || len(doc) != 1 || len(doc["Records"]) == 0 || doc["Records"][0].EventName != "CreateUser" {
			t.Fatalf("%s is not {\"Records\":[...]}: %v\n%s", logFile, err, raw)
		}
		return raw
	})

	r = runIamd(t, nil, "", "events", "verify", out)
	if r.code != exitOK || !regexp.MustCompile(`Results requested for \S+Z to \S+Z\nResults found for \S+Z to \S+Z:\n\n(\d+)/(\d+) digest files valid\n3/3 log files valid\n$`).MatchString(r.stdout) || r.stderr != "" {
		t.Fatalf("verify: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	// The public key kept apart, as one should.
	keyFile := findFile(t, out, `/iamd-digest-public-keys/[0-9a-f]{32}\.pem$`)
	apart := filepath.Join(t.TempDir(), "key.pem")
	if b, err := os.ReadFile(keyFile); err != nil || os.WriteFile(apart, b, 0o600) != nil {
		t.Fatal(err)
	}

	digestRE := `/AWSLogs/` + eventsAccount + `/CloudTrail-Digest/us-east-1/\d{4}/\d{2}/\d{2}/` + eventsAccount + `_CloudTrail-Digest_us-east-1_iamd_us-east-1_\d{8}T\d{6}Z\.json\.gz$`
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, dir string) string // returns the file to be named
		msg    string
	}{
		{"a modified log file", func(t *testing.T, dir string) string {
			f := findFile(t, dir, `/CloudTrail/.*\.json\.gz$`)
			regzip(t, f, func(raw []byte) []byte { return bytes.Replace(raw, []byte(`"alice"`), []byte(`"mallory"`), 1) })
			return f
		}, "hash value doesn't match"},
		{"a deleted log file", func(t *testing.T, dir string) string {
			f := findFile(t, dir, `/CloudTrail/.*\.json\.gz$`)
			os.Remove(f)
			return f
		}, "not found"},
		{"an inserted log file", func(t *testing.T, dir string) string {
			f := findFile(t, dir, `/CloudTrail/.*\.json\.gz$`)
			g := f[:len(f)-len("ABCDEFGHIJKLMNOP.json.gz")] + "INSERTEDINSERTED.json.gz"
			b, _ := os.ReadFile(f)
			os.WriteFile(g, b, 0o640)
			return g
		}, "not named by any digest"},
		{"a modified digest", func(t *testing.T, dir string) string {
			f := findFile(t, dir, digestRE)
			regzip(t, f, func(raw []byte) []byte { return bytes.Replace(raw, []byte(`"logFiles":[`), []byte(`"logFiles": [`), 1) })
			return f
		}, "INVALID: "},
		{"a deleted digest", func(t *testing.T, dir string) string {
			f := findFile(t, dir, digestRE)
			os.Remove(f)
			return f
		}, "not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyTree(t, out)
			f := c.tamper(t, dir)
			r := runIamd(t, nil, "", "events", "verify", "--public-key", apart, dir)
			if r.code != exitFail || !strings.Contains(r.stderr, f+"\tINVALID: ") || !strings.Contains(r.stderr, c.msg) || !strings.Contains(r.stdout, "files INVALID") {
				t.Fatalf("verify: exit %d, want %d naming %s (%s)\nstdout: %s\nstderr: %s", r.code, exitFail, f, c.msg, r.stdout, r.stderr)
			}
		})
	}

	// The private key is nowhere in the output directory nor in what the commands printed.
	der := digestPrivateKey(t, data)
	needles := map[string][]byte{"DER": der, "base64": []byte(base64.StdEncoding.EncodeToString(der)[:48]), "hex": []byte(hex.EncodeToString(der)[:48]), "PEM": []byte("PRIVATE KEY")}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(zr)
		}
		for name, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds the digest private key (%s)", p, name)
			}
		}
		return nil
	})
	for name, n := range needles {
		if strings.Contains(r.stdout+r.stderr, string(n)) {
			t.Errorf("the output holds the digest private key (%s)", name)
		}
	}
}

// digestPrivateKey opens the data directory's digest signing key, as only a test does.
func digestPrivateKey(t *testing.T, data string) []byte {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = data
	st, box, err := server.OpenData(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stored struct {
		Keys []struct {
			Fingerprint string
			Sealed      []byte
		}
	}
	err = st.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		b, err := r.Meta(ctx, "audit-digest-keys")
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &stored)
	})
	if err != nil || len(stored.Keys) != 1 {
		t.Fatalf("the digest keys: %v (%d)", err, len(stored.Keys))
	}
	der, err := box.Open(stored.Keys[0].Sealed, []byte("iamd audit digest key "+stored.Keys[0].Fingerprint))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err != nil {
		t.Fatal(err)
	}
	return der
}

func TestEventsUsage(t *testing.T) {
	t.Parallel()
	empty := t.TempDir()
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"events alone", []string{"events"}, exitUsage, "iamd events export"},
		{"export without --out", []string{"events", "export", "--data", empty}, exitUsage, "--out is required"},
		{"export of a directory without data", []string{"events", "export", "--data", empty, "--out", filepath.Join(empty, "o")}, exitFail, "no iamd database"},
		{"verify without a directory", []string{"events", "verify"}, exitUsage, "want one DIR"},
		{"verify of a directory without keys", []string{"events", "verify", empty}, exitUsage, "no public key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runIamd(t, nil, "", c.args...)
			if r.code != c.code || !strings.Contains(r.stderr, c.stderr) {
				t.Fatalf("exit %d, want %d with %q\nstderr: %s", r.code, c.code, c.stderr, r.stderr)
			}
		})
	}
}

// TestEventsExportBesideARunningServer: the export reads the database while "iamd serve" has it open.
func TestEventsExportBesideARunningServer(t *testing.T) {
	t.Parallel()
	data, evs := dataDirWithEvents(t)
	s := startServe(t, nil, "--data", data)
	s.waitFor(t, s.stderr, servingLogRE)
	out := filepath.Join(t.TempDir(), "trail")
	r := runIamd(t, nil, "", "events", "export", "--out", out, "--data", data)
	if r.code != exitOK || !strings.Contains(r.stdout, fmt.Sprintf("Exported %d events", len(evs))) {
		t.Fatalf("export: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := runIamd(t, nil, "", "events", "verify", out); r.code != exitOK {
		t.Fatalf("verify: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	s.stop(t)
}

// TestEventsExportFollowsTheServersClockOffset: events stamped by a server whose clock runs ahead are exported once
// the export is given the same offset.
func TestEventsExportFollowsTheServersClockOffset(t *testing.T) {
	t.Parallel()
	data, _ := dataDirWithEvents(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	ahead := time.Now().Add(48 * time.Hour).Add(-2 * time.Hour)
	rec := fmt.Appendf(nil, `{"eventVersion":"1.11","eventTime":%q,"awsRegion":"us-east-1","eventID":"ahead","recipientAccountId":%q}`, ahead.Format(audit.TimeFormat), eventsAccount)
	err = st.AppendEvents(context.Background(), []*store.Event{{Account: eventsAccount, ID: "ahead", Time: ahead, Data: rec}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "trail")
	if r := runIamd(t, nil, "", "events", "export", "--out", out, "--data", data); r.code != exitOK || !strings.Contains(r.stdout, "Exported 6 events") {
		t.Fatalf("export at the real time: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := runIamd(t, map[string]string{"IAMD_CLOCK_OFFSET": "2d"}, "", "events", "export", "--out", out, "--data", data); r.code != exitOK || !strings.Contains(r.stdout, "Exported 1 events") {
		t.Fatalf("export 2 days ahead: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if r := runIamd(t, nil, "", "events", "verify", out); r.code != exitOK {
		t.Fatalf("verify: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}
