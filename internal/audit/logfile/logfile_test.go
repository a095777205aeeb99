package logfile_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/audit/logfile"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// t0 is an hour boundary the tests' events start at.
var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

const (
	acctA = "111122223333"
	acctB = "444455556666"
)

func newStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testSigner signs with an RSA key made once for the package's tests (an RSA key takes a while), so that the tests
// know the private key and can look for it in what the export writes.
type testSigner struct {
	key *rsa.PrivateKey
	fp  string
}

func (s *testSigner) Fingerprint() string { return s.fp }

func (s *testSigner) Sign(data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
}

var signer = sync.OnceValue(func() *testSigner {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return &testSigner{key: k, fp: audit.DigestKeyFingerprint(&k.PublicKey)}
})

func (s *testSigner) public() audit.DigestPublicKey {
	return audit.DigestPublicKey{Value: x509.MarshalPKCS1PublicKey(&s.key.PublicKey), Fingerprint: s.fp, ValidityStartTime: t0}
}

// publicKeys are the signer's public keys as the export writes them.
func publicKeys(t *testing.T, dir string) map[string]*rsa.PublicKey { return publicKeysOf(t, dir) }

func publicKeysOf(t testing.TB, dir string) map[string]*rsa.PublicKey {
	t.Helper()
	keys := map[string]*rsa.PublicKey{}
	entries, err := os.ReadDir(filepath.Join(dir, logfile.PublicKeyDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, logfile.PublicKeyDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		ks, err := logfile.ParsePublicKeys(b)
		if err != nil {
			t.Fatal(err)
		}
		for fp, k := range ks {
			if e.Name() != fp+".pem" {
				t.Errorf("public key file %s holds the key of fingerprint %s", e.Name(), fp)
			}
			keys[fp] = k
		}
	}
	return keys
}

// event is a CloudTrail record of account at t.
func event(account, region, id string, t time.Time) *store.Event {
	e := audit.Event{EventVersion: audit.EventVersion, UserIdentity: audit.UserIdentity{Type: "Root", AccountID: account},
		EventTime: t.Format(audit.TimeFormat), EventSource: "iam.amazonaws.com", EventName: "ListUsers", AWSRegion: region,
		SourceIPAddress: "127.0.0.1", UserAgent: "test", RequestParameters: json.RawMessage("null"), ResponseElements: json.RawMessage("null"),
		RequestID: id, EventID: id, ReadOnly: true, EventType: audit.TypeAPICall, ManagementEvent: true, RecipientAccountID: account,
		EventCategory: audit.CategoryManagement}
	b, err := json.Marshal(&e)
	if err != nil {
		panic(err)
	}
	return &store.Event{Account: account, ID: id, Time: t, Data: b, Attrs: []store.EventAttr{{Name: audit.AttrEventName, Value: "ListUsers"}}}
}

func appendEvents(t testing.TB, st store.Store, events ...*store.Event) {
	t.Helper()
	if err := st.AppendEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
}

// export runs an export to dir at now.
func export(t testing.TB, st store.Store, dir string, now time.Time, opts ...func(*logfile.Options)) logfile.Result {
	t.Helper()
	s := signer()
	o := logfile.Options{Dir: dir, Signer: s, Now: func() time.Time { return now }, PublicKeys: []audit.DigestPublicKey{s.public()}}
	for _, f := range opts {
		f(&o)
	}
	res, err := logfile.Export(context.Background(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func verify(t *testing.T, dir string) *logfile.Report {
	t.Helper()
	rep, err := logfile.Verify(os.DirFS(dir), publicKeys(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// files lists the files under dir/AWSLogs, relative to dir, in order.
func files(t *testing.T, dir, kind string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(dir, "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if strings.Split(rel, "/")[2] == kind && strings.HasSuffix(rel, ".json.gz") {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func gunzip(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return out
}

func gzipWrite(t *testing.T, p string, content []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(content)
	zw.Close()
	if err := os.WriteFile(p, buf.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
}

func readDigest(t *testing.T, p string) logfile.Digest {
	t.Helper()
	var d logfile.Digest
	if err := json.Unmarshal(gunzip(t, p), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// threeHours appends events of two accounts over three hours from t0 (one in eu-west-1) and returns them.
func threeHours(t testing.TB, st store.Store) []*store.Event {
	t.Helper()
	var evs []*store.Event
	for i := range 9 {
		at := t0.Add(time.Duration(i) * 20 * time.Minute).Add(7 * time.Second)
		acct := acctA
		if i%3 == 2 {
			acct = acctB
		}
		evs = append(evs, event(acct, "us-east-1", fmt.Sprintf("ev-%02d", i), at))
	}
	evs = append(evs, event(acctA, "eu-west-1", "ev-eu", t0.Add(30*time.Minute)))
	appendEvents(t, st, evs...)
	return evs
}
