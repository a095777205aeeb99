package logfile_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/audit/logfile"
)

var (
	logNameRE    = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Z0-9]{16}\.json\.gz$`)
	digestNameRE = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_iamd_us-east-1_(\d{8}T\d{6}Z)\.json\.gz$`)
)

// TestExportThenVerifyIsValid: an export of three hours of two accounts (one in two Regions) writes a log file per
// account, Region and hour and a digest per chain and hour, and verifies clean, with the AWS CLI's summary.
func TestExportThenVerifyIsValid(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	evs := threeHours(t, st)
	res := export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	if res.Events != len(evs) || len(res.LogFiles) != 7 || len(res.Digests) != 9 || !res.Until.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("export: %d events, %d log files, %d digests, until %s; want %d, 7, 9, %s", res.Events, len(res.LogFiles), len(res.Digests), res.Until, len(evs), t0.Add(3*time.Hour))
	}
	rep := verify(t, dir)
	if !rep.OK() || rep.ValidDigests != 9 || rep.ValidLogs != 7 || len(rep.Problems) != 0 {
		t.Fatalf("verify: %+v", rep)
	}
	var out bytes.Buffer
	rep.WriteSummary(&out)
	want := "Results requested for 2026-03-14T09:00:00Z to 2026-03-14T12:00:00Z\nResults found for 2026-03-14T09:00:00Z to 2026-03-14T12:00:00Z:\n\n9/9 digest files valid\n7/7 log files valid\n"
	if out.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestExportWritesCloudTrailFiles: log files are gzip'd {"Records":[...]} of the stored records at CloudTrail's
// keys; digests have CloudTrail's fields in CloudTrail's order, null previous-digest fields in a chain's first
// digest, and their signature metadata beside them.
func TestExportWritesCloudTrailFiles(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	evs := threeHours(t, st)
	export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))

	byID := map[string][]byte{}
	for _, e := range evs {
		byID[e.ID] = e.Data
	}
	seen := 0
	for _, f := range files(t, dir, "CloudTrail") {
		m := logNameRE.FindStringSubmatch(f)
		if m == nil || m[1] != m[6] || m[2] != m[7] {
			t.Errorf("log file name %s is not CloudTrail's", f)
			continue
		}
		raw := gunzip(t, filepath.Join(dir, f))
		var doc struct {
			Records []json.RawMessage
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil || !bytes.HasPrefix(raw, []byte(`{"Records":[`)) {
			t.Fatalf("%s: not {\"Records\":[...]}: %v\n%s", f, err, raw)
		}
		for _, r := range doc.Records {
			var e audit.Event
			if err := json.Unmarshal(r, &e); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(r, byID[e.EventID]) {
				t.Errorf("%s: record %s is not the stored one:\n%s\n%s", f, e.EventID, r, byID[e.EventID])
			}
			if e.RecipientAccountID != m[1] || e.AWSRegion != m[2] {
				t.Errorf("%s holds a record of %s in %s", f, e.RecipientAccountID, e.AWSRegion)
			}
			stamp, _ := time.Parse("20060102T1504Z", m[8])
			et, _ := e.Time()
			if et.Truncate(time.Hour) != stamp.Truncate(time.Hour) || m[3]+m[4]+m[5] != stamp.Format("20060102") {
				t.Errorf("%s holds a record of %s", f, e.EventTime)
			}
			seen++
		}
	}
	if seen != len(evs) {
		t.Errorf("%d records in the log files, want %d", seen, len(evs))
	}

	wantKeys := []string{"awsAccountId", "digestStartTime", "digestEndTime", "digestS3Bucket", "digestS3Object", "digestPublicKeyFingerprint",
		"digestSignatureAlgorithm", "newestEventTime", "oldestEventTime", "previousDigestS3Bucket", "previousDigestS3Object",
		"previousDigestHashValue", "previousDigestHashAlgorithm", "previousDigestSignature", "logFiles"}
	digests := files(t, dir, "CloudTrail-Digest")
	if len(digests) != 9 {
		t.Fatalf("%d digests: %q", len(digests), digests)
	}
	for _, f := range digests {
		m := digestNameRE.FindStringSubmatch(f)
		if m == nil || m[1] != m[6] || m[2] != m[7] {
			t.Errorf("digest name %s is not CloudTrail's", f)
			continue
		}
		raw := gunzip(t, filepath.Join(dir, f))
		if keys := jsonKeys(t, raw); !slices.Equal(keys, wantKeys) {
			t.Errorf("%s: keys %q, want %q", f, keys, wantKeys)
		}
		d := readDigest(t, filepath.Join(dir, f))
		end, _ := time.Parse("20060102T150405Z", m[8])
		if d.DigestS3Object != f || d.DigestS3Bucket != logfile.DefaultBucket || d.DigestEndTime != end.Format(audit.TimeFormat) ||
			d.DigestStartTime != end.Add(-time.Hour).Format(audit.TimeFormat) || d.DigestSignatureAlgorithm != "SHA256withRSA" ||
			d.DigestPublicKeyFingerprint != signer().fp || d.AWSAccountID != m[1] {
			t.Errorf("%s: %+v", f, d)
		}
		first := end.Equal(t0.Add(time.Hour))
		if first != (d.PreviousDigestS3Object == nil) || first != (d.PreviousDigestSignature == nil) || first != (d.PreviousDigestHashValue == nil) {
			t.Errorf("%s: previous digest fields null only in the first digest: %+v", f, d)
		}
		if !first && (*d.PreviousDigestHashAlgorithm != "SHA-256" || *d.PreviousDigestS3Bucket != logfile.DefaultBucket) {
			t.Errorf("%s: previous digest %+v", f, d)
		}
		for _, l := range d.LogFiles {
			if l.HashAlgorithm != "SHA-256" || l.S3Bucket != logfile.DefaultBucket || !strings.HasPrefix(l.S3Object, "AWSLogs/"+m[1]+"/CloudTrail/"+m[2]+"/") {
				t.Errorf("%s: log file %+v", f, l)
			}
		}
		if (len(d.LogFiles) == 0) != (d.NewestEventTime == nil) {
			t.Errorf("%s: event times %v with %d log files", f, d.NewestEventTime, len(d.LogFiles))
		}
		var sig map[string]string
		b, err := os.ReadFile(filepath.Join(dir, f+logfile.SignatureSuffix))
		if err != nil || json.Unmarshal(b, &sig) != nil || sig["signature-algorithm"] != "SHA256withRSA" || len(sig["signature"]) != 512 || len(sig) != 2 {
			t.Errorf("%s%s: %s (%v)", f, logfile.SignatureSuffix, b, err)
		}
	}
}

// jsonKeys returns the keys of the JSON object in raw, in order.
func jsonKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestExportIsIncremental: a second export continues: it writes only the new events (a late one, whose hour was
// digested, goes to the first new hour), digests the hours since (empty ones too) chained to the last digest of the
// first export, and the whole directory verifies.
func TestExportIsIncremental(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	evs := threeHours(t, st)
	first := export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	if again := export(t, st, dir, t0.Add(3*time.Hour+50*time.Minute)); again.Events != 0 || len(again.Digests) != 0 || len(again.LogFiles) != 0 {
		t.Fatalf("an export within the same hour wrote %+v", again)
	}
	late := event(acctB, "us-east-1", "ev-late", t0.Add(90*time.Minute)) // in an hour digested already
	fresh := event(acctA, "us-east-1", "ev-fresh", t0.Add(4*time.Hour+5*time.Minute))
	appendEvents(t, st, late, fresh)
	second := export(t, st, dir, t0.Add(5*time.Hour+1*time.Minute+30*time.Second))
	if second.Events != 2 || len(second.LogFiles) != 2 || len(second.Digests) != 6 {
		t.Fatalf("second export: %+v", second)
	}
	lateDigest := ""
	for _, f := range second.Digests {
		d := readDigest(t, filepath.Join(dir, f))
		for _, l := range d.LogFiles {
			if strings.Contains(l.S3Object, acctB) {
				lateDigest = d.DigestStartTime
				if l.OldestEventTime != late.Time.Format(audit.TimeFormat) || !strings.Contains(l.S3Object, "_20260314T1200Z_") {
					t.Errorf("the late event's log file: %+v", l)
				}
			}
		}
		if strings.HasSuffix(f, "_20260314T130000Z.json.gz") && slices.Contains(first.Digests, *d.PreviousDigestS3Object) == false {
			t.Errorf("%s does not continue the first export's chain: previous %s", f, *d.PreviousDigestS3Object)
		}
	}
	if lateDigest != "2026-03-14T12:00:00Z" {
		t.Errorf("the late event's log file is in the digest of %q, want the first hour not digested before", lateDigest)
	}
	rep := verify(t, dir)
	if !rep.OK() || rep.ValidDigests != 15 || rep.ValidLogs != 9 {
		t.Fatalf("verify: %+v", rep)
	}
	records := 0
	for _, f := range files(t, dir, "CloudTrail") {
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(gunzip(t, filepath.Join(dir, f)), &doc); err != nil {
			t.Fatal(err)
		}
		records += len(doc.Records)
	}
	if records != len(evs)+2 {
		t.Errorf("%d records exported, want %d: an event exported twice or lost", records, len(evs)+2)
	}
}

// TestExportWaitsForTheSettleTime: an hour is exported once it ended the settle time ago, so an event of the
// current hour (or one that just ended) stays in the store.
func TestExportWaitsForTheSettleTime(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	appendEvents(t, st, event(acctA, "us-east-1", "ev-1", t0.Add(59*time.Minute+50*time.Second)))
	if res := export(t, st, dir, t0.Add(time.Hour+30*time.Second)); res.Events != 0 || len(res.Digests) != 0 {
		t.Fatalf("exported within the settle time: %+v", res)
	}
	if res := export(t, st, dir, t0.Add(time.Hour+61*time.Second)); res.Events != 1 || len(res.Digests) != 1 {
		t.Fatalf("not exported after the settle time: %+v", res)
	}
}

// TestExportRedoneAfterAStopWritesTheSameFiles: an export that wrote its files but stopped before its state is
// redone by the next one over the same names, so nothing is left that no digest names.
func TestExportRedoneAfterAStopWritesTheSameFiles(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	threeHours(t, st)
	export(t, st, dir, t0.Add(2*time.Hour+2*time.Minute))
	saved, err := os.ReadFile(filepath.Join(dir, logfile.StateFile))
	if err != nil {
		t.Fatal(err)
	}
	stopped := export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	if err := os.WriteFile(filepath.Join(dir, logfile.StateFile), saved, 0o640); err != nil { // as if it stopped before its state
		t.Fatal(err)
	}
	appendEvents(t, st, event(acctA, "us-east-1", "ev-more", t0.Add(3*time.Hour+30*time.Minute)))
	redone := export(t, st, dir, t0.Add(4*time.Hour+2*time.Minute))
	for _, f := range append(stopped.LogFiles, stopped.Digests...) {
		if !slices.Contains(redone.LogFiles, f) && !slices.Contains(redone.Digests, f) {
			t.Errorf("the redone export did not rewrite %s", f)
		}
	}
	if rep := verify(t, dir); !rep.OK() {
		t.Fatalf("verify: %+v", rep)
	}
}

// TestExportWritesNoPrivateKey: nothing in the output directory holds the signing key's private half, in any
// encoding.
func TestExportWritesNoPrivateKey(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	threeHours(t, st)
	export(t, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	k := signer().key
	der := x509.MarshalPKCS1PrivateKey(k)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(k)
	needles := map[string][]byte{
		"PKCS#1 DER": der, "PKCS#8 DER": pkcs8, "PEM": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}),
		"base64": []byte(base64.StdEncoding.EncodeToString(der)[:64]), "hex": []byte(hex.EncodeToString(der)[:64]),
		"private exponent": k.D.Bytes(), "prime": k.Primes[0].Bytes(), "prime hex": []byte(k.Primes[0].Text(16)),
		"PRIVATE KEY": []byte("PRIVATE KEY"),
	}
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".gz") {
			b = gunzip(t, p)
		}
		for name, needle := range needles {
			if bytes.Contains(b, needle) {
				t.Errorf("%s holds the private key (%s)", p, name)
			}
		}
		n++
		return nil
	})
	if n < 10 {
		t.Fatalf("only %d files looked at", n)
	}
}

// TestExportRefusesAnotherBucket: a directory continues the export it holds; another bucket would break its chain.
func TestExportRefusesAnotherBucket(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	threeHours(t, st)
	export(t, st, dir, t0.Add(2*time.Hour+2*time.Minute))
	s := signer()
	_, err := logfile.Export(t.Context(), st, logfile.Options{Dir: dir, Signer: s, Bucket: "other", Now: func() time.Time { return t0.Add(4 * time.Hour) }})
	if err == nil || !strings.Contains(err.Error(), `bucket "iamd-trail"`) {
		t.Fatalf("err = %v", err)
	}
}

// TestExportKeepsRequestValuesOutOfPaths: an event whose account is not an account ID is left out (counted), and
// one whose Region is not a Region's name goes to the home Region, so that no value of a request names a path.
func TestExportKeepsRequestValuesOutOfPaths(t *testing.T) {
	t.Parallel()
	st, dir := newStore(t), t.TempDir()
	bad := event(acctA, "../../../etc", "ev-region", t0.Add(5*time.Minute))
	evil := event(acctA, "us-east-1", "ev-account", t0.Add(6*time.Minute))
	evil.Account = "../../outside"
	appendEvents(t, st, bad, evil)
	res := export(t, st, dir, t0.Add(time.Hour+2*time.Minute))
	if res.Events != 1 || res.Skipped != 1 || len(res.LogFiles) != 1 || !strings.HasPrefix(res.LogFiles[0], "AWSLogs/"+acctA+"/CloudTrail/us-east-1/") {
		t.Fatalf("%+v", res)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "outside")); err == nil {
		t.Fatal("a file was written outside the directory")
	}
	if rep := verify(t, dir); !rep.OK() {
		t.Fatalf("%+v", rep)
	}
}
