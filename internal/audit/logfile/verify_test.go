package logfile_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/audit/logfile"
)

// tamperCase changes an exported directory and names the file Verify must report, with its message.
type tamperCase struct {
	name string
	// tamper changes dir (logs and digests are the exported files, in name order) and returns the reported file.
	tamper func(t *testing.T, dir string, logs, digests []string) string
	msg    string
	// invalidDigests, invalidLogs are the counts Verify must give.
	invalidDigests, invalidLogs int
}

// chainOf returns the digests of account acctA in us-east-1, oldest first.
func chainOf(digests []string) []string {
	var out []string
	for _, d := range digests {
		if strings.HasPrefix(d, "AWSLogs/"+acctA+"/CloudTrail-Digest/us-east-1/") {
			out = append(out, d)
		}
	}
	return out
}

func logOf(logs []string, hour string) string {
	for _, l := range logs {
		if strings.HasPrefix(l, "AWSLogs/"+acctA+"/CloudTrail/us-east-1/") && strings.Contains(l, "_20260314T"+hour) {
			return l
		}
	}
	panic("no log file of hour " + hour)
}

var tamperCases = []tamperCase{
	{
		name: "a log file modified (one record changed, recompressed)",
		tamper: func(t *testing.T, dir string, logs, _ []string) string {
			f := logOf(logs, "10")
			p := filepath.Join(dir, f)
			gzipWrite(t, p, bytes.Replace(gunzip(t, p), []byte(`"ListUsers"`), []byte(`"ListRoles"`), 1))
			return f
		},
		msg: "hash value doesn't match", invalidLogs: 1,
	},
	{
		name: "a log file's gzip damaged",
		tamper: func(t *testing.T, dir string, logs, _ []string) string {
			f := logOf(logs, "09")
			p := filepath.Join(dir, f)
			b, _ := os.ReadFile(p)
			b[len(b)-5] ^= 0xff
			os.WriteFile(p, b, 0o640)
			return f
		},
		msg: "invalid format", invalidLogs: 1,
	},
	{
		name: "a log file deleted",
		tamper: func(t *testing.T, dir string, logs, _ []string) string {
			f := logOf(logs, "11")
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
			return f
		},
		msg: "not found", invalidLogs: 1,
	},
	{
		name: "a log file inserted",
		tamper: func(t *testing.T, dir string, logs, _ []string) string {
			f := strings.Replace(logOf(logs, "10"), "_20260314T10", "_20260314T1059Z_AAAAAAAAAAAAAAAA.json.gz#", 1)
			f = f[:strings.Index(f, "#")]
			gzipWrite(t, filepath.Join(dir, f), []byte(`{"Records":[]}`))
			return f
		},
		msg: "not named by any digest", invalidLogs: 1,
	},
	{
		name: "a digest modified (a log file's hash changed, recompressed)",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			f := chainOf(digests)[1]
			p := filepath.Join(dir, f)
			gzipWrite(t, p, bytes.Replace(gunzip(t, p), []byte(`"hashValue":"`), []byte(`"hashValue":"00`), 1))
			return f
		},
		// The next digest's link names the hash of the original; the log files it named cannot be trusted.
		msg: "hash value doesn't match the previousDigestHashValue of", invalidDigests: 1, invalidLogs: 1,
	},
	{
		name: "the newest digest modified",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			c := chainOf(digests)
			f := c[len(c)-1]
			p := filepath.Join(dir, f)
			gzipWrite(t, p, bytes.Replace(gunzip(t, p), []byte(`"oldestEventTime":"2026`), []byte(`"oldestEventTime":"2025`), 1))
			return f
		},
		msg: "signature verification failed", invalidDigests: 1, invalidLogs: 1,
	},
	{
		name: "a digest deleted",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			f := chainOf(digests)[1]
			os.Remove(filepath.Join(dir, f))
			return f
		},
		msg: "not found", invalidDigests: 1, invalidLogs: 1,
	},
	{
		name: "the newest digest deleted",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			c := chainOf(digests)
			f := c[len(c)-1]
			os.Remove(filepath.Join(dir, f))
			os.Remove(filepath.Join(dir, f+logfile.SignatureSuffix))
			return f
		},
		msg: "not found", invalidDigests: 1, invalidLogs: 1,
	},
	{
		name: "a digest's signature replaced by another digest's",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			c := chainOf(digests)
			b, _ := os.ReadFile(filepath.Join(dir, c[0]+logfile.SignatureSuffix))
			os.WriteFile(filepath.Join(dir, c[1]+logfile.SignatureSuffix), b, 0o640)
			return c[1]
		},
		msg: "signature doesn't match the previousDigestSignature of", invalidDigests: 1, invalidLogs: 1,
	},
	{
		name: "a digest's signature metadata deleted",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			c := chainOf(digests)
			os.Remove(filepath.Join(dir, c[0]+logfile.SignatureSuffix))
			return c[0]
		},
		msg: "no signature metadata", invalidDigests: 1, invalidLogs: 1,
	},
	{
		name: "a digest moved from its place",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			c := chainOf(digests)
			to := strings.Replace(c[0], "T100000Z", "T095959Z", 1)
			os.Rename(filepath.Join(dir, c[0]), filepath.Join(dir, to))
			os.Rename(filepath.Join(dir, c[0]+logfile.SignatureSuffix), filepath.Join(dir, to+logfile.SignatureSuffix))
			return to
		},
		// The moved digest is reached as the next older one, and its original place is missing.
		msg: "has been moved from its original location", invalidDigests: 2, invalidLogs: 1,
	},
	{
		name: "a digest inserted",
		tamper: func(t *testing.T, dir string, logs, digests []string) string {
			c := chainOf(digests)
			to := strings.Replace(c[1], "T110000Z", "T103000Z", 1)
			b, _ := os.ReadFile(filepath.Join(dir, c[1]))
			os.WriteFile(filepath.Join(dir, to), b, 0o640)
			return to
		},
		msg: "not on the digest chain", invalidDigests: 1,
	},
}

// TestVerifyDetectsTampering: each change to an exported directory is reported, naming the file, and the report is
// not OK; the rest still verifies.
func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	for _, c := range tamperCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st, dir := newStore(t), t.TempDir()
			threeHours(t, st)
			export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
			f := c.tamper(t, dir, files(t, dir, "CloudTrail"), files(t, dir, "CloudTrail-Digest"))
			rep := verify(t, dir)
			if rep.OK() {
				t.Fatalf("verify is OK after the change: %+v", rep)
			}
			found := false
			for _, p := range rep.Problems {
				if p.Object == f && strings.Contains(p.Message, c.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no problem names %s with %q: %q", f, c.msg, rep.Problems)
			}
			if rep.InvalidDigests != c.invalidDigests || rep.InvalidLogs != c.invalidLogs {
				t.Errorf("invalid digests %d, log files %d; want %d, %d: %q", rep.InvalidDigests, rep.InvalidLogs, c.invalidDigests, c.invalidLogs, rep.Problems)
			}
			if rep.ValidDigests+rep.InvalidDigests < 9 || rep.ValidLogs+rep.InvalidLogs < 7 {
				t.Errorf("files not looked at: %+v", rep)
			}
			var out bytes.Buffer
			rep.WriteSummary(&out)
			if !strings.Contains(out.String(), "files INVALID") {
				t.Errorf("summary:\n%s", out.String())
			}
		})
	}
}

// TestVerifyNeedsTheSigningKey: digests checked with another key fail, each naming the unknown fingerprint.
func TestVerifyNeedsTheSigningKey(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	threeHours(t, st)
	export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := logfile.Verify(os.DirFS(dir), map[string]*rsa.PublicKey{audit.DigestKeyFingerprint(&other.PublicKey): &other.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.ValidDigests != 0 || rep.InvalidDigests != 9 || !strings.Contains(rep.Problems[0].Message, "public key not found for fingerprint "+signer().fp) {
		t.Fatalf("%+v", rep)
	}
}

// TestVerifyAnEmptyDirectory finds no digests and says so.
func TestVerifyAnEmptyDirectory(t *testing.T) {
	t.Parallel()
	rep, err := logfile.Verify(os.DirFS(t.TempDir()), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.WriteSummary(&out)
	if !rep.OK() || out.String() != "No digests found\n" { // no range of zero times
		t.Fatalf("%s", out.String())
	}
}

// TestVerifyReportsAChainRestartedInTheSameDirectory: an export started afresh over an old one (its state removed)
// starts a second chain; the older digests are reported as cut off.
func TestVerifyReportsAChainRestartedInTheSameDirectory(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	threeHours(t, st)
	export(t, st, dir, t0.Add(1*time.Hour+2*time.Minute))
	os.Remove(filepath.Join(dir, logfile.StateFile))
	st2 := newStore(t)
	appendEvents(t, st2, event(acctA, "us-east-1", "ev-x", t0.Add(2*time.Hour+5*time.Minute)))
	export(t, st2, dir, t0.Add(3*time.Hour+2*time.Minute))
	rep := verify(t, dir)
	if rep.OK() || rep.BrokenLinks != 1 {
		t.Fatalf("%+v", rep)
	}
	b, _ := json.Marshal(rep.Problems)
	if !strings.Contains(string(b), "starts a new chain") {
		t.Errorf("%s", b)
	}
}

// TestAWSCLIValidatorAcceptsTheDigests: the AWS CLI's own digest validator (the code of "aws cloudtrail
// validate-logs") accepts every exported digest and log file, with the public key as ListPublicKeys gives it
// (base64 of the PKCS#1 DER), and rejects a modified digest.
func TestAWSCLIValidatorAcceptsTheDigests(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the AWS CLI's validator takes seconds to start")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the AWS CLI's validator is not run")
	}
	if out, err := exec.Command(python, "-c", "import awscli.customizations.cloudtrail.validation").CombinedOutput(); err != nil {
		t.Skipf("the AWS CLI (awscli) is not installed for python3: %s", out)
	}
	st, dir := newStore(t), t.TempDir()
	threeHours(t, st)
	res := export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	pub := base64.StdEncoding.EncodeToString(signer().public().Value)
	run := func() string {
		out, err := exec.Command(python, append([]string{"testdata/awscli_validate.py", dir, pub}, res.Digests...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("awscli_validate.py: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run()
	if strings.Count(out, "valid ") != len(res.Digests)+len(res.LogFiles) || strings.Contains(out, "INVALID") {
		t.Fatalf("the AWS CLI's validator:\n%s", out)
	}
	f := res.Digests[1]
	p := filepath.Join(dir, f)
	gzipWrite(t, p, bytes.Replace(gunzip(t, p), []byte(`"logFiles":[`), []byte(`"logFiles": [`), 1)) // only its hash changes
	if out := run(); !strings.Contains(out, "INVALID "+f+": Digest file\ts3://iamd-trail/"+f+"\tINVALID: signature verification failed") {
		t.Fatalf("the AWS CLI's validator accepts a modified digest:\n%s", out)
	}
}
