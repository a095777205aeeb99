package logfile

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
)

// Problem is one file that failed verification.
type Problem struct {
	Kind    string // "Digest file" or "Log file"
	Object  string // the file's key, relative to the directory
	Message string // what is wrong, as the AWS CLI words it where it has the case
}

func (p Problem) String() string { return p.Kind + "\t" + p.Object + "\tINVALID: " + p.Message }

// Report is the outcome of Verify.
type Report struct {
	// Requested is the time range of the digests in the directory (their earliest start and latest end); Found that
	// of the valid ones (zero when none).
	RequestedStart, RequestedEnd time.Time
	FoundStart, FoundEnd         time.Time
	ValidDigests, InvalidDigests int
	ValidLogs, InvalidLogs       int
	// BrokenLinks counts the digests that a chain does not reach because a later valid digest starts a new chain.
	BrokenLinks int
	Problems    []Problem
}

// OK says whether every digest and log file is valid.
func (r *Report) OK() bool { return r.InvalidDigests == 0 && r.InvalidLogs == 0 && r.BrokenLinks == 0 }

const displayTime = "2006-01-02T15:04:05Z"

// WriteSummary writes the summary the AWS CLI's validate-logs ends with.
func (r *Report) WriteSummary(w io.Writer) {
	if r.ValidDigests+r.InvalidDigests == 0 {
		// No digest gives a range: nothing to request results for (the CLI's range is the one it was asked).
		fmt.Fprintln(w, "No digests found")
		return
	}
	fmt.Fprintf(w, "Results requested for %s to %s\n", r.RequestedStart.Format(displayTime), r.RequestedEnd.Format(displayTime))
	if r.FoundStart.IsZero() {
		fmt.Fprintln(w, "No valid digests found in range")
	} else {
		fmt.Fprintf(w, "Results found for %s to %s:\n", r.FoundStart.Format(displayTime), r.FoundEnd.Format(displayTime))
	}
	writeRatio(w, r.ValidDigests, r.InvalidDigests, "digest")
	writeRatio(w, r.ValidLogs, r.InvalidLogs, "log")
	if r.BrokenLinks > 0 {
		fmt.Fprintf(w, "\n%d digest chain breaks", r.BrokenLinks)
	}
	fmt.Fprintln(w)
}

func writeRatio(w io.Writer, valid, invalid int, name string) {
	total := valid + invalid
	if total == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d/%d %s files valid", valid, total, name)
	if invalid > 0 {
		fmt.Fprintf(w, ", %d/%d %s files INVALID", invalid, total, name)
	}
}

// verifier is one run of Verify.
type verifier struct {
	fsys fs.FS
	keys map[string]*rsa.PublicKey
	rep  *Report
	// named are the log files that a valid digest names; unverifiable those only an invalid digest names.
	named        map[string]bool
	unverifiable map[string]bool
}

// digestEntry is a digest of a chain, by its key's end time.
type digestEntry struct {
	object string
	end    time.Time
}

// Verify checks the log files and digests in fsys (an export's directory) with the public keys, by fingerprint. Per
// account and Region it walks the digest chain from the newest digest back to the first, as the AWS CLI's
// validate-logs does: each digest must be where it says it is, signed by a known key over CloudTrail's string to
// sign, and, when a later digest links to it, have the hash and signature that link names and end where the later
// one starts; each log file a valid digest names must exist with the hash it gives. Verify also reports what the
// CLI cannot see in a bucket: a digest that no chain reaches, a log file that no valid digest names, and a missing
// newest digest that the export state (StateFile) records. An error is returned only when fsys cannot be read.
func Verify(fsys fs.FS, keys map[string]*rsa.PublicKey) (*Report, error) {
	v := &verifier{fsys: fsys, keys: keys, rep: &Report{}, named: map[string]bool{}, unverifiable: map[string]bool{}}
	chains, logs, err := v.scan()
	if err != nil {
		return nil, err
	}
	if st, err := readStateFS(fsys); err != nil {
		v.problem(&v.rep.InvalidDigests, "Digest file", StateFile, "unreadable export state: "+err.Error())
	} else {
		for _, c := range st.Chains { // the newest digest an export wrote must still be there
			if c.LastDigest == "" {
				continue
			}
			dir := path.Dir(path.Dir(path.Dir(path.Dir(c.LastDigest))))
			if !hasEntry(chains[dir], c.LastDigest) {
				if end, ok := digestEnd(c.LastDigest); ok {
					chains[dir] = append(chains[dir], digestEntry{object: c.LastDigest, end: end})
				}
			}
		}
	}
	dirs := make([]string, 0, len(chains))
	for d := range chains {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		v.walkChain(chains[d])
	}
	sort.Strings(logs)
	for _, l := range logs {
		switch {
		case v.named[l]:
		case v.unverifiable[l]:
			v.problem(&v.rep.InvalidLogs, "Log file", l, "named only by an invalid digest")
		default:
			v.problem(&v.rep.InvalidLogs, "Log file", l, "not named by any digest")
		}
	}
	return v.rep, nil
}

func hasEntry(es []digestEntry, object string) bool {
	for _, e := range es {
		if e.object == object {
			return true
		}
	}
	return false
}

func digestEnd(object string) (time.Time, bool) {
	m := digestObjectRE.FindStringSubmatch(object)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(digestNameTime, m[5])
	return t, err == nil
}

func readStateFS(fsys fs.FS) (*state, error) {
	b, err := fs.ReadFile(fsys, StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return &state{}, nil
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (v *verifier) problem(counter *int, kind, object, msg string) {
	*counter++
	v.rep.Problems = append(v.rep.Problems, Problem{Kind: kind, Object: object, Message: msg})
}

// scan lists the digests by chain (their directory AWSLogs/ACCOUNT/CloudTrail-Digest/REGION) and the log files.
// A file under a digest directory whose name is not a digest's is an invalid digest.
func (v *verifier) scan() (map[string][]digestEntry, []string, error) {
	chains := map[string][]digestEntry{}
	var logs []string
	err := fs.WalkDir(v.fsys, "AWSLogs", func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == "AWSLogs" {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		parts := strings.Split(p, "/")
		switch {
		case len(parts) >= 3 && parts[2] == "CloudTrail-Digest":
			if strings.HasSuffix(p, SignatureSuffix) {
				return nil
			}
			end, ok := digestEnd(p)
			if !ok {
				v.problem(&v.rep.InvalidDigests, "Digest file", p, "not a digest file name")
				return nil
			}
			dir := strings.Join(parts[:4], "/")
			chains[dir] = append(chains[dir], digestEntry{object: p, end: end})
		case len(parts) >= 3 && parts[2] == "CloudTrail":
			logs = append(logs, p)
		}
		return nil
	})
	return chains, logs, err
}

// walkChain verifies the digests of one chain from the newest back.
func (v *verifier) walkChain(entries []digestEntry) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].end.Before(entries[j].end) })
	rep := v.rep
	for _, e := range entries {
		if rep.RequestedStart.IsZero() || e.end.Add(-time.Hour).Before(rep.RequestedStart) {
			rep.RequestedStart = e.end.Add(-time.Hour)
		}
		if e.end.After(rep.RequestedEnd) {
			rep.RequestedEnd = e.end
		}
	}
	visited := map[string]bool{}
	// next returns the newest entry older than end that is not visited yet.
	next := func(end time.Time) string {
		for i := len(entries) - 1; i >= 0; i-- {
			if e := entries[i]; e.end.Before(end) && !visited[e.object] {
				return e.object
			}
		}
		return ""
	}
	var prev *prevLink
	cur := entries[len(entries)-1].object
	for cur != "" {
		visited[cur] = true
		d, ok := v.checkDigest(cur, prev)
		end, _ := digestEnd(cur)
		switch {
		case !ok:
			prev, cur = nil, next(end)
		case d.PreviousDigestS3Object == nil:
			prev, cur = nil, next(end)
			if cur != "" {
				rep.BrokenLinks++
				rep.Problems = append(rep.Problems, Problem{Kind: "Digest file", Object: cur,
					Message: "the digest chain is broken: the next digest, " + d.DigestS3Object + ", starts a new chain"})
			}
		default:
			prev = &prevLink{from: cur, hash: deref(d.PreviousDigestHashValue), signature: deref(d.PreviousDigestSignature),
				end: d.DigestStartTime, bucket: deref(d.PreviousDigestS3Bucket), bucketWant: d.DigestS3Bucket}
			cur = *d.PreviousDigestS3Object
		}
	}
	for _, e := range entries {
		if !visited[e.object] {
			v.problem(&rep.InvalidDigests, "Digest file", e.object, "not on the digest chain")
		}
	}
}

// prevLink is what a valid digest says of the previous one.
type prevLink struct {
	from, hash, signature, end string
	bucket, bucketWant         string
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// checkDigest verifies one digest (and, when valid, the log files it names) and counts it.
func (v *verifier) checkDigest(object string, l *prevLink) (*Digest, bool) {
	rep := v.rep
	bad := func(msg string) (*Digest, bool) {
		v.problem(&rep.InvalidDigests, "Digest file", object, msg)
		return nil, false
	}
	if l != nil && l.bucket != l.bucketWant {
		return bad(fmt.Sprintf("%s names it in bucket %q, not %q", l.from, l.bucket, l.bucketWant))
	}
	gz, err := fs.ReadFile(v.fsys, object)
	if errors.Is(err, fs.ErrNotExist) {
		return bad("not found")
	}
	if err != nil {
		return bad(err.Error())
	}
	content, err := gunzipBytes(gz)
	var d Digest
	if err == nil {
		err = json.Unmarshal(content, &d)
	}
	if err != nil || d.DigestS3Object == "" || d.DigestEndTime == "" || d.DigestStartTime == "" || d.DigestPublicKeyFingerprint == "" {
		return bad("invalid format")
	}
	bad = func(msg string) (*Digest, bool) {
		for _, lf := range d.LogFiles {
			v.unverifiable[lf.S3Object] = true
		}
		v.problem(&rep.InvalidDigests, "Digest file", object, msg)
		return nil, false
	}
	if d.DigestS3Object != object {
		return bad("has been moved from its original location")
	}
	if l != nil {
		if hashHex(content) != l.hash {
			return bad("hash value doesn't match the previousDigestHashValue of " + l.from)
		}
		if d.DigestEndTime != l.end {
			return bad(fmt.Sprintf("the digest chain is broken: it ends at %s but %s starts at %s", d.DigestEndTime, l.from, l.end))
		}
	}
	sigData, err := fs.ReadFile(v.fsys, object+SignatureSuffix)
	var sig Signature
	if err == nil {
		err = json.Unmarshal(sigData, &sig)
	}
	if err != nil || sig.Signature == "" {
		return bad("signature verification failed: no signature metadata (" + path.Base(object) + SignatureSuffix + ")")
	}
	if l != nil && sig.Signature != l.signature {
		return bad("signature doesn't match the previousDigestSignature of " + l.from)
	}
	key := v.keys[d.DigestPublicKeyFingerprint]
	if key == nil {
		return bad("public key not found for fingerprint " + d.DigestPublicKeyFingerprint)
	}
	raw, err := hex.DecodeString(sig.Signature)
	sum := sha256.Sum256(stringToSign(&d, content))
	if err != nil || sig.SignatureAlgorithm != audit.DigestSignatureAlgorithm || rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], raw) != nil {
		return bad("signature verification failed")
	}
	rep.ValidDigests++
	if start, err := time.Parse(audit.TimeFormat, d.DigestStartTime); err == nil && (rep.FoundStart.IsZero() || start.Before(rep.FoundStart)) {
		rep.FoundStart = start
	}
	if end, err := time.Parse(audit.TimeFormat, d.DigestEndTime); err == nil && end.After(rep.FoundEnd) {
		rep.FoundEnd = end
	}
	for _, lf := range d.LogFiles {
		v.checkLog(d.DigestS3Bucket, lf)
	}
	return &d, true
}

// checkLog verifies a log file that a valid digest names.
func (v *verifier) checkLog(bucket string, lf LogFile) {
	rep := v.rep
	if v.named[lf.S3Object] {
		return // named twice: checked once
	}
	v.named[lf.S3Object] = true
	if lf.S3Bucket != bucket || !logObjectRE.MatchString(lf.S3Object) {
		v.problem(&rep.InvalidLogs, "Log file", lf.S3Object, fmt.Sprintf("not a log file of bucket %s", bucket))
		return
	}
	gz, err := fs.ReadFile(v.fsys, lf.S3Object)
	if errors.Is(err, fs.ErrNotExist) {
		v.problem(&rep.InvalidLogs, "Log file", lf.S3Object, "not found")
		return
	}
	content, err2 := gunzipBytes(gz)
	if err != nil || err2 != nil {
		v.problem(&rep.InvalidLogs, "Log file", lf.S3Object, "invalid format")
		return
	}
	if hashHex(content) != lf.HashValue {
		v.problem(&rep.InvalidLogs, "Log file", lf.S3Object, "hash value doesn't match")
		return
	}
	rep.ValidLogs++
}
