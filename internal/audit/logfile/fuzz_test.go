package logfile_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/iamd-dev/iamd/internal/audit/logfile"
)

// FuzzVerifyDigest: Verify reads digests, their signature metadata and the export state from a directory it does not
// trust; whatever they hold, it reports and never panics. The seeds are a real export's newest digest and its
// signature.
func FuzzVerifyDigest(f *testing.F) {
	st, dir := newStore(f), f.TempDir()
	threeHours(f, st)
	res := export(f, st, dir, t0.Add(3*time.Hour+2*time.Minute))
	newest := res.Digests[len(res.Digests)-1]
	var content []byte
	if b, err := os.ReadFile(filepath.Join(dir, newest)); err == nil {
		zr, _ := gzip.NewReader(bytes.NewReader(b))
		var buf bytes.Buffer
		buf.ReadFrom(zr)
		content = buf.Bytes()
	}
	sig, _ := os.ReadFile(filepath.Join(dir, newest+logfile.SignatureSuffix))
	f.Add(content, sig, []byte(`{"version":1,"chains":[{"lastDigest":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/14/x.json.gz"}]}`))
	f.Add([]byte(`{"digestS3Object":"`+newest+`","logFiles":[{"s3Object":"../../etc/passwd"}],"previousDigestS3Object":"`+newest+`"}`), []byte(`{}`), []byte(`null`))
	keys := publicKeysOf(f, dir)
	f.Fuzz(func(t *testing.T, digest, signature, state []byte) {
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(digest)
		zw.Close()
		fsys := fstest.MapFS{
			newest:                           {Data: gz.Bytes()},
			newest + logfile.SignatureSuffix: {Data: signature},
			logfile.StateFile:                {Data: state},
			res.LogFiles[0]:                  {Data: gz.Bytes()},
		}
		rep, err := logfile.Verify(fsys, keys)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		rep.WriteSummary(&out)
	})
}
