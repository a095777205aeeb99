// Package logfile writes the audit trail as CloudTrail delivers a trail to S3, and checks what it wrote: gzip'd
// log files of {"Records": [...]} in CloudTrail's layout (AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/...), and
// hourly digest files (AWSLogs/ACCOUNT/CloudTrail-Digest/REGION/...) in CloudTrail's log file integrity validation
// format: each digest names the log files delivered in its hour with the SHA-256 of their uncompressed content,
// links to the previous digest by its hash and signature, and is signed with SHA256withRSA over CloudTrail's
// string to sign. CloudTrail keeps a digest's signature in S3 object metadata (signature, signature-algorithm);
// on a file system it is the JSON object of that metadata in a file beside the digest, named as the digest with
// ".sig" added.
//
// Export is incremental (Export), keeping its place in the output directory (StateFile), and Verify walks the
// digest chains back from the newest digest, as the AWS CLI's `cloudtrail validate-logs` does, and also reports
// log files that no digest names.
package logfile

import (
	"bytes"
	"compress/gzip"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
)

// Defaults of an export.
const (
	// TrailName is the name of the trail iamd writes, in digest file names.
	TrailName = "iamd"
	// DefaultBucket is the bucket the files name (s3Bucket, digestS3Bucket) when none is chosen: the output
	// directory stands for it.
	DefaultBucket = "iamd-trail"
	// DefaultSettle is how old an event must be before it is exported: an event may still be completed after the
	// change it records (its replacement takes a new Seq).
	DefaultSettle = time.Minute
	// DefaultMaxRecords is the most records a log file holds.
	DefaultMaxRecords = 1000
)

// File names in the output directory beside AWSLogs.
const (
	// StateFile keeps an export's place, so that the next export continues the files and the digest chains.
	StateFile = "iamd-export-state.json"
	// PublicKeyDir holds the digest public keys, FINGERPRINT.pem each (PEM "RSA PUBLIC KEY", PKCS#1).
	PublicKeyDir = "iamd-digest-public-keys"
	// SignatureSuffix is added to a digest file's name to name the file of its signature metadata.
	SignatureSuffix = ".sig"
)

// hashAlgorithm is CloudTrail's name of the hash of log files and digests.
const hashAlgorithm = "SHA-256"

// Time formats of CloudTrail's object names.
const (
	logNameTime    = "20060102T1504Z"
	digestNameTime = "20060102T150405Z"
	dayPath        = "2006/01/02"
)

// logObject is the key of a log file of account and region delivered at t, with its unique part.
func logObject(account, region string, t time.Time, unique string) string {
	return fmt.Sprintf("AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%s_%s.json.gz",
		account, region, t.Format(dayPath), account, region, t.Format(logNameTime), unique)
}

// digestObject is the key of the digest of account and region that ends at end.
func digestObject(account, region, homeRegion string, end time.Time) string {
	return fmt.Sprintf("AWSLogs/%s/CloudTrail-Digest/%s/%s/%s_CloudTrail-Digest_%s_%s_%s_%s.json.gz",
		account, region, end.Format(dayPath), account, region, TrailName, homeRegion, end.Format(digestNameTime))
}

var (
	logObjectRE    = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/(\d{12})_CloudTrail_([a-z0-9-]+)_\d{8}T\d{4}Z_[A-Za-z0-9]+\.json\.gz$`)
	digestObjectRE = regexp.MustCompile(`^AWSLogs/(\d{12})/CloudTrail-Digest/([a-z0-9-]+)/\d{4}/\d{2}/\d{2}/(\d{12})_CloudTrail-Digest_([a-z0-9-]+)_.+_[a-z0-9-]+_(\d{8}T\d{6}Z)\.json\.gz$`)
)

// Digest is a digest file (CloudTrail User Guide, "CloudTrail digest file structure"). Field order is CloudTrail's.
// The previous-digest fields are null in the first digest of a chain, and the event times in a digest that names
// no log file.
type Digest struct {
	AWSAccountID                string    `json:"awsAccountId"`
	DigestStartTime             string    `json:"digestStartTime"`
	DigestEndTime               string    `json:"digestEndTime"`
	DigestS3Bucket              string    `json:"digestS3Bucket"`
	DigestS3Object              string    `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string   `json:"newestEventTime"`
	OldestEventTime             *string   `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string   `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string   `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string   `json:"previousDigestSignature"`
	LogFiles                    []LogFile `json:"logFiles"`
}

// LogFile is a digest's entry for one log file: HashValue is the hex SHA-256 of the file's uncompressed content.
type LogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// Signature is a digest's signature metadata: CloudTrail's S3 object metadata of the digest (x-amz-meta-signature,
// x-amz-meta-signature-algorithm), kept in the digest's ".sig" file.
type Signature struct {
	Signature          string `json:"signature"` // hex
	SignatureAlgorithm string `json:"signature-algorithm"`
}

// stringToSign is CloudTrail's data signing string of a digest: its end time, bucket/object, the hex SHA-256 of
// its uncompressed content and the previous digest's hex signature ("null" in the first digest of a chain, as the
// AWS CLI writes it).
func stringToSign(d *Digest, content []byte) []byte {
	prev := "null"
	if d.PreviousDigestSignature != nil {
		prev = *d.PreviousDigestSignature
	}
	return fmt.Appendf(nil, "%s\n%s/%s\n%s\n%s", d.DigestEndTime, d.DigestS3Bucket, d.DigestS3Object, hashHex(content), prev)
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxUncompressed bounds what Verify inflates from one file.
const maxUncompressed = 1 << 30

func gunzipBytes(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxUncompressed+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxUncompressed {
		return nil, errors.New("larger than 1 GiB uncompressed")
	}
	return out, zr.Close()
}

// writeFile writes data to dir/rel through a temporary file renamed into place, creating directories. It does not
// sync: an export syncs what it wrote (syncFiles) before its state.
func writeFile(dir, rel string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-"+path.Base(rel)+"-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o640); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), p)
}

// syncFiles syncs the files dir/rel and their directories to disk: on Linux the whole file system of dir at once
// (syncfs, far cheaper than a sync per file of an export that writes thousands), elsewhere one by one.
func syncFiles(dir string, rels []string) error {
	if len(rels) == 0 {
		return nil
	}
	if done, err := syncFS(dir); done {
		return err
	}
	dirs := map[string]bool{}
	for _, rel := range rels {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := syncPath(p); err != nil {
			return err
		}
		for d := filepath.Dir(p); len(d) >= len(dir) && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		if err := syncPath(d); err != nil {
			return err
		}
	}
	return nil
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return nil
}

// PublicKeyPEM encodes a digest public key (PKCS#1 DER) as PEM.
func PublicKeyPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: der})
}

// ParsePublicKeys reads the RSA public keys in PEM data ("RSA PUBLIC KEY" or "PUBLIC KEY" blocks) by fingerprint
// (audit.DigestKeyFingerprint).
func ParsePublicKeys(data []byte) (map[string]*rsa.PublicKey, error) {
	keys := map[string]*rsa.PublicKey{}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		var pub *rsa.PublicKey
		switch b.Type {
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			pub = k
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("a %T public key, not RSA", k)
			}
			pub = rk
		default:
			continue
		}
		keys[audit.DigestKeyFingerprint(pub)] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("no RSA public key in PEM")
	}
	return keys, nil
}
