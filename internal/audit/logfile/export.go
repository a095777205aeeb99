package logfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/store"
)

// Trail is where an export reads the events (store.Store is one).
type Trail interface {
	View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error
}

// Signer signs digests (audit.DigestSigner is one).
type Signer interface {
	Fingerprint() string
	Sign(data []byte) ([]byte, error)
}

// Options configure an export.
type Options struct {
	Dir        string // the output directory; it stands for the bucket
	Bucket     string // the bucket the files name; DefaultBucket when empty
	HomeRegion string // the trail's home Region, in digest names; us-east-1 when empty
	// Settle is how old an event must be to be exported; DefaultSettle when zero.
	Settle     time.Duration
	Now        func() time.Time // time.Now when nil
	Signer     Signer
	PublicKeys []audit.DigestPublicKey // written to PublicKeyDir
	MaxRecords int                     // DefaultMaxRecords when zero
}

// Result says what an export wrote.
type Result struct {
	Events int
	// Skipped counts the events left out because their account is not a 12-digit account ID: it names a directory
	// of the layout, so a value from a request is never trusted with a path.
	Skipped  int
	LogFiles []string // object keys, in the order written
	Digests  []string
	// Until is the end of the last hour digested: every event older than it, and appended before the export, is
	// in a log file that a digest names.
	Until time.Time
}

// state is an export's place, kept in StateFile of the output directory. It lives with the files it describes
// rather than in the store: the digest chain it continues is the one in that directory, so another directory starts
// its own full export and chain, and the store is only read (but for making the signing key once).
type state struct {
	Version    int    `json:"version"`
	Bucket     string `json:"bucket"`
	HomeRegion string `json:"homeRegion"`
	// LastSeq is the Seq of the last event exported.
	LastSeq int64 `json:"lastSeq"`
	// DigestedUntil is the end of the last hour that every chain has a digest for.
	DigestedUntil time.Time    `json:"digestedUntil"`
	Chains        []chainState `json:"chains"`
}

// chainState is the end of the digest chain of one account and Region.
type chainState struct {
	Account             string `json:"account"`
	Region              string `json:"region"`
	LastDigest          string `json:"lastDigest"`
	LastDigestHash      string `json:"lastDigestHash"`
	LastDigestSignature string `json:"lastDigestSignature"`
}

const stateVersion = 1

func readState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &state{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", StateFile, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("%s: version %d, want %d", StateFile, st.Version, stateVersion)
	}
	return &st, nil
}

type chainKey struct{ account, region string }

// pendingFile is a log file being filled: the events of one chain delivered in one hour.
type pendingFile struct {
	chain    chainKey
	delivery time.Time // the hour whose digest names the file
	firstSeq int64
	first    time.Time
	records  [][]byte
	oldest   time.Time
	newest   time.Time
}

// Export writes the events appended since the last export (in dir's StateFile) that are older than the settle time,
// and the digests of every hour that closed since, to o.Dir. Log files go to the hour of their events, or, for
// events that arrive after their hour was digested, to the first hour not digested yet (as CloudTrail names a late
// log file in the digest of the hour it is delivered in). An hour is digested once it ended Settle ago, for every
// account and Region that has a chain, with or without log files. An event replaced after it was exported (it
// takes a new Seq) is exported again, as CloudTrail too may deliver an event more than once; readers keep the last
// record of an eventID. Files are written before the state, so an export that stops midway is redone by the next:
// it writes the same names.
func Export(ctx context.Context, trail Trail, o Options) (Result, error) {
	var res Result
	if o.Signer == nil {
		return res, errors.New("logfile: no signer")
	}
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.HomeRegion == "" {
		o.HomeRegion = "us-east-1"
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxRecords <= 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	st, err := readState(o.Dir)
	if err != nil {
		return res, err
	}
	if st.Bucket != "" && (st.Bucket != o.Bucket || st.HomeRegion != o.HomeRegion) {
		return res, fmt.Errorf("logfile: %s continues the export to bucket %q of home Region %q, not %q of %q",
			o.Dir, st.Bucket, st.HomeRegion, o.Bucket, o.HomeRegion)
	}
	st.Bucket, st.HomeRegion = o.Bucket, o.HomeRegion
	if err := writePublicKeys(o.Dir, o.PublicKeys); err != nil {
		return res, err
	}
	until := o.Now().Add(-o.Settle).UTC().Truncate(time.Hour)
	res.Until = st.DigestedUntil
	if !until.After(st.DigestedUntil) {
		return res, nil // no hour closed since the last export
	}
	x := exporter{o: o, st: st, until: until, delivered: map[chainKey]map[time.Time][]LogFile{}, open: map[pendingKey]*pendingFile{}}
	if err := x.exportEvents(ctx, trail, &res); err != nil {
		return res, err
	}
	if err := x.writeDigests(&res); err != nil {
		return res, err
	}
	st.DigestedUntil = until
	res.Until = until
	// The files reach the disk before the state that says they were written.
	written := slices.Concat(res.LogFiles, res.Digests)
	for _, d := range res.Digests {
		written = append(written, d+SignatureSuffix)
	}
	if err := syncFiles(o.Dir, written); err != nil {
		return res, fmt.Errorf("logfile: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return res, err
	}
	if err := writeFile(o.Dir, StateFile, append(b, '\n')); err != nil {
		return res, err
	}
	return res, syncFiles(o.Dir, []string{StateFile})
}

type pendingKey struct {
	chain    chainKey
	delivery time.Time
}

type exporter struct {
	o     Options
	st    *state
	until time.Time
	// delivered are the log files written in this export, by chain and delivery hour.
	delivered map[chainKey]map[time.Time][]LogFile
	open      map[pendingKey]*pendingFile
}

// The account and Region of an event name directories of the layout.
var (
	accountRE = regexp.MustCompile(`^\d{12}$`)
	regionRE  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)
)

// readBatch is how many events an export reads at a time.
const readBatch = 1000

// exportEvents writes the log files of the events after LastSeq, in Seq order, up to the first that is not older
// than until (it and those after wait for the next export).
func (x *exporter) exportEvents(ctx context.Context, trail Trail, res *Result) error {
	for {
		var batch []*store.Event
		err := trail.View(ctx, func(ctx context.Context, r store.Reader) error {
			var err error
			batch, err = r.EventsSince(ctx, x.st.LastSeq, readBatch)
			return err
		})
		if err != nil {
			return fmt.Errorf("logfile: read events after %d: %w", x.st.LastSeq, err)
		}
		for _, e := range batch {
			if !e.Time.Before(x.until) {
				return x.flushAll(res)
			}
			if err := x.add(e, res); err != nil {
				return err
			}
			x.st.LastSeq = e.Seq
		}
		if len(batch) < readBatch {
			return x.flushAll(res)
		}
	}
}

func (x *exporter) add(e *store.Event, res *Result) error {
	if !json.Valid(e.Data) {
		return fmt.Errorf("logfile: event %s (Seq %d) is not a JSON record", e.ID, e.Seq)
	}
	var rec struct {
		AWSRegion string `json:"awsRegion"`
	}
	if err := json.Unmarshal(e.Data, &rec); err != nil {
		return fmt.Errorf("logfile: event %s (Seq %d): %w", e.ID, e.Seq, err)
	}
	if !accountRE.MatchString(e.Account) {
		res.Skipped++
		return nil
	}
	region := rec.AWSRegion
	if !regionRE.MatchString(region) {
		region = x.o.HomeRegion
	}
	t := e.Time.UTC()
	delivery := t.Truncate(time.Hour)
	if delivery.Before(x.st.DigestedUntil) {
		delivery = x.st.DigestedUntil // a late event: its hour is digested already
	}
	k := pendingKey{chain: chainKey{e.Account, region}, delivery: delivery}
	// A file holds the events of about one hour: one still open when the events are two hours past it is complete.
	for pk, p := range x.open {
		if t.Sub(pk.delivery) > 2*time.Hour && pk != k {
			if err := x.flush(p, res); err != nil {
				return err
			}
			delete(x.open, pk)
		}
	}
	p := x.open[k]
	if p == nil {
		p = &pendingFile{chain: k.chain, delivery: delivery, firstSeq: e.Seq, first: t, oldest: t, newest: t}
		x.open[k] = p
	}
	res.Events++
	p.records = append(p.records, e.Data)
	p.oldest, p.newest = minTime(p.oldest, t), maxTime(p.newest, t)
	if len(p.records) >= x.o.MaxRecords {
		delete(x.open, k)
		return x.flush(p, res)
	}
	return nil
}

func (x *exporter) flushAll(res *Result) error {
	keys := make([]pendingKey, 0, len(x.open))
	for k := range x.open {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return x.open[keys[i]].firstSeq < x.open[keys[j]].firstSeq })
	for _, k := range keys {
		if err := x.flush(x.open[k], res); err != nil {
			return err
		}
		delete(x.open, k)
	}
	return nil
}

// uniqueEncoding spells the unique part of a log file name.
var uniqueEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// flush writes a log file. Its name depends only on its chain, its delivery hour, its first event and that event's
// Seq, so that an export redone after a stop writes the same names.
func (x *exporter) flush(p *pendingFile, res *Result) error {
	var content bytes.Buffer
	content.WriteString(`{"Records":[`)
	for i, r := range p.records {
		if i > 0 {
			content.WriteByte(',')
		}
		content.Write(r)
	}
	content.WriteString("]}")
	stamp := maxTime(p.first.Truncate(time.Minute), p.delivery)
	sum := sha256.Sum256([]byte(p.chain.account + "\x00" + p.chain.region + "\x00" + strconv.FormatInt(p.firstSeq, 10)))
	object := logObject(p.chain.account, p.chain.region, stamp, uniqueEncoding.EncodeToString(sum[:10]))
	gz, err := gzipBytes(content.Bytes())
	if err != nil {
		return err
	}
	if err := writeFile(x.o.Dir, object, gz); err != nil {
		return fmt.Errorf("logfile: write %s: %w", object, err)
	}
	byHour := x.delivered[p.chain]
	if byHour == nil {
		byHour = map[time.Time][]LogFile{}
		x.delivered[p.chain] = byHour
	}
	byHour[p.delivery] = append(byHour[p.delivery], LogFile{S3Bucket: x.o.Bucket, S3Object: object, HashValue: hashHex(content.Bytes()),
		HashAlgorithm: hashAlgorithm, NewestEventTime: p.newest.Format(audit.TimeFormat), OldestEventTime: p.oldest.Format(audit.TimeFormat)})
	res.LogFiles = append(res.LogFiles, object)
	return nil
}

// writeDigests writes, for every chain, the digest of each hour from the chain's end (or its first log file) to
// until.
func (x *exporter) writeDigests(res *Result) error {
	chains := map[chainKey]*chainState{}
	for i := range x.st.Chains {
		c := &x.st.Chains[i]
		chains[chainKey{c.Account, c.Region}] = c
	}
	var newChains []chainKey
	for k := range x.delivered {
		if chains[k] == nil {
			newChains = append(newChains, k)
		}
	}
	for _, k := range newChains {
		x.st.Chains = append(x.st.Chains, chainState{Account: k.account, Region: k.region})
	}
	sort.Slice(x.st.Chains, func(i, j int) bool {
		a, b := x.st.Chains[i], x.st.Chains[j]
		return a.Account < b.Account || a.Account == b.Account && a.Region < b.Region
	})
	for i := range x.st.Chains {
		c := &x.st.Chains[i]
		k := chainKey{c.Account, c.Region}
		start := x.st.DigestedUntil
		if c.LastDigest == "" { // a new chain begins with the hour of its first log file
			start = x.until
			for h := range x.delivered[k] {
				start = minTime(start, h)
			}
		}
		for h := start; h.Before(x.until); h = h.Add(time.Hour) {
			if err := x.writeDigest(c, h, x.delivered[k][h], res); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *exporter) writeDigest(c *chainState, start time.Time, logs []LogFile, res *Result) error {
	end := start.Add(time.Hour)
	d := Digest{
		AWSAccountID: c.Account, DigestStartTime: start.Format(audit.TimeFormat), DigestEndTime: end.Format(audit.TimeFormat),
		DigestS3Bucket: x.o.Bucket, DigestS3Object: digestObject(c.Account, c.Region, x.o.HomeRegion, end),
		DigestPublicKeyFingerprint: x.o.Signer.Fingerprint(), DigestSignatureAlgorithm: audit.DigestSignatureAlgorithm,
		LogFiles: []LogFile{},
	}
	if logs != nil {
		sort.Slice(logs, func(i, j int) bool { return logs[i].S3Object < logs[j].S3Object })
		d.LogFiles = logs
		oldest, newest := logs[0].OldestEventTime, logs[0].NewestEventTime
		for _, l := range logs[1:] {
			oldest, newest = min(oldest, l.OldestEventTime), max(newest, l.NewestEventTime) // the format sorts as time
		}
		d.OldestEventTime, d.NewestEventTime = &oldest, &newest
	}
	if c.LastDigest != "" {
		bucket, object, hash, alg, sig := x.o.Bucket, c.LastDigest, c.LastDigestHash, hashAlgorithm, c.LastDigestSignature
		d.PreviousDigestS3Bucket, d.PreviousDigestS3Object, d.PreviousDigestHashValue = &bucket, &object, &hash
		d.PreviousDigestHashAlgorithm, d.PreviousDigestSignature = &alg, &sig
	}
	content, err := json.Marshal(&d)
	if err != nil {
		return err
	}
	sig, err := x.o.Signer.Sign(stringToSign(&d, content))
	if err != nil {
		return fmt.Errorf("logfile: sign %s: %w", d.DigestS3Object, err)
	}
	gz, err := gzipBytes(content)
	if err != nil {
		return err
	}
	meta, err := json.Marshal(Signature{Signature: hex.EncodeToString(sig), SignatureAlgorithm: audit.DigestSignatureAlgorithm})
	if err != nil {
		return err
	}
	// The signature first: a digest without its signature would read as tampered with.
	if err := writeFile(x.o.Dir, d.DigestS3Object+SignatureSuffix, append(meta, '\n')); err != nil {
		return fmt.Errorf("logfile: write %s: %w", d.DigestS3Object+SignatureSuffix, err)
	}
	if err := writeFile(x.o.Dir, d.DigestS3Object, gz); err != nil {
		return fmt.Errorf("logfile: write %s: %w", d.DigestS3Object, err)
	}
	c.LastDigest, c.LastDigestHash, c.LastDigestSignature = d.DigestS3Object, hashHex(content), hex.EncodeToString(sig)
	res.Digests = append(res.Digests, d.DigestS3Object)
	return nil
}

// writePublicKeys writes each digest public key to PublicKeyDir/FINGERPRINT.pem.
func writePublicKeys(dir string, keys []audit.DigestPublicKey) error {
	for _, k := range keys {
		rel := PublicKeyDir + "/" + k.Fingerprint + ".pem"
		pemData := PublicKeyPEM(k.Value)
		if old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); err == nil && bytes.Equal(old, pemData) {
			continue
		}
		if err := writeFile(dir, rel, pemData); err != nil {
			return fmt.Errorf("logfile: write %s: %w", rel, err)
		}
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
