// Package dump writes everything a store holds to one versioned file, and reads it back into an empty store of any
// backend: what "iamd export" and "iamd import" move between SQLite and PostgreSQL. It works through the store
// contract only.
//
// A dump is a gzip stream of JSON values, one a line (docs/dump.md is the full description):
//
//	{"format":"iamd-dump","version":1}
//	{"type":"meta","key":K,"value":B64}                                   store-wide values, by key
//	{"type":"setting","account":A,"key":K,"value":B64}                    then for each account, in order: its settings,
//	{"type":"entity","account":A,"kind":K,"name":N,"path":P,"id":I,       its entities (by kind, then by name
//	 "arn":R,"parent":O,"created":T,"data":B64}                           ignoring case),
//	{"type":"link","account":A,"kind":K,"from":F,"to":T,"created":T}      its links (by kind, from, to),
//	{"type":"event","account":A,"id":I,"time":T,"attrs":[...],"data":B64} then the audit trail, oldest append first,
//	{"type":"end","counts":{"meta":n,"setting":n,"entity":n,"link":n,"event":n}}
//
// Data and values are the stored bytes in base64: sealed secrets stay sealed with the master key, so a dump opens
// only where that key is (the key check, a meta value, travels with it). Times are RFC 3339 in UTC to the
// nanosecond. Nothing depends on when or where the dump was made (no timestamp, no sequence number), so exporting
// a store, importing the dump into an empty store and exporting that gives the same bytes.
package dump

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// Format and Version are the dump's header. A reader refuses another format and a version it does not know; a
// change that an older reader would misread takes a new version.
const (
	Format  = "iamd-dump"
	Version = 1
)

// Counts are the records of each type in a dump, as its end record states them.
type Counts struct {
	Meta     int `json:"meta"`
	Settings int `json:"setting"`
	Entities int `json:"entity"`
	Links    int `json:"link"`
	Events   int `json:"event"`
}

func (c Counts) String() string {
	return fmt.Sprintf("%d entities, %d links, %d settings, %d events, %d store-wide values", c.Entities, c.Links, c.Settings, c.Events, c.Meta)
}

// ErrNotEmpty is returned by Import for a store that holds data already.
var ErrNotEmpty = errors.New("the store is not empty")

// ErrBadDump is wrapped by the errors of Import about the dump itself: not a dump, another version, damaged or
// truncated.
var ErrBadDump = errors.New("not a whole iamd dump")

type header struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
}

type metaRecord struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

type settingRecord struct {
	Type    string `json:"type"`
	Account string `json:"account"`
	Key     string `json:"key"`
	Value   []byte `json:"value"`
}

type entityRecord struct {
	Type    string    `json:"type"`
	Account string    `json:"account"`
	Kind    string    `json:"kind"`
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	ID      string    `json:"id"`
	ARN     string    `json:"arn"`
	Parent  string    `json:"parent"`
	Created time.Time `json:"created"`
	Data    []byte    `json:"data"`
}

type linkRecord struct {
	Type    string    `json:"type"`
	Account string    `json:"account"`
	Kind    string    `json:"kind"`
	From    string    `json:"from"`
	To      string    `json:"to"`
	Created time.Time `json:"created"`
}

type eventRecord struct {
	Type    string       `json:"type"`
	Account string       `json:"account"`
	ID      string       `json:"id"`
	Time    time.Time    `json:"time"`
	Attrs   []attrRecord `json:"attrs"`
	Data    []byte       `json:"data"`
}

type attrRecord struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Latest bool   `json:"latest,omitempty"`
}

type endRecord struct {
	Type   string `json:"type"`
	Counts Counts `json:"counts"`
}

// Record types.
const (
	typeMeta    = "meta"
	typeSetting = "setting"
	typeEntity  = "entity"
	typeLink    = "link"
	typeEvent   = "event"
	typeEnd     = "end"
)

// page is how many entities or events Export reads at a time.
const page = 500

// nonNil keeps an empty value empty ("" in the dump), never null.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Export writes everything st holds to w as a dump, read in one View (one consistent state of the store while it
// serves), and returns what it wrote.
func Export(ctx context.Context, st store.Store, w io.Writer) (Counts, error) {
	zw := gzip.NewWriter(w) // no name, no modification time: the same records give the same bytes
	bw := bufio.NewWriterSize(zw, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var n Counts
	calls := 0
	err := st.View(ctx, func(ctx context.Context, r store.Reader) error {
		if calls++; calls > 1 {
			// What the first run wrote cannot be taken back.
			return errors.New("the store ran the export's read transaction twice; export again")
		}
		if err := enc.Encode(header{Format: Format, Version: Version}); err != nil {
			return err
		}
		keys, err := r.MetaKeys(ctx)
		if err != nil {
			return fmt.Errorf("read meta keys: %w", err)
		}
		for _, k := range keys {
			v, err := r.Meta(ctx, k)
			if err != nil {
				return fmt.Errorf("read meta %q: %w", k, err)
			}
			if err := enc.Encode(metaRecord{Type: typeMeta, Key: k, Value: nonNil(v)}); err != nil {
				return err
			}
			n.Meta++
		}
		accounts, err := r.Accounts(ctx)
		if err != nil {
			return fmt.Errorf("read accounts: %w", err)
		}
		for _, a := range accounts {
			if err := exportAccount(ctx, r, enc, a, &n); err != nil {
				return fmt.Errorf("account %s: %w", a, err)
			}
		}
		if err := exportEvents(ctx, r, enc, &n); err != nil {
			return err
		}
		return enc.Encode(endRecord{Type: typeEnd, Counts: n})
	})
	if err != nil {
		return n, err
	}
	if err := bw.Flush(); err != nil {
		return n, err
	}
	if err := zw.Close(); err != nil {
		return n, err
	}
	return n, nil
}

func exportAccount(ctx context.Context, r store.Reader, enc *json.Encoder, account string, n *Counts) error {
	keys, err := r.SettingKeys(ctx, account)
	if err != nil {
		return fmt.Errorf("read setting keys: %w", err)
	}
	for _, k := range keys {
		v, err := r.Setting(ctx, account, k)
		if err != nil {
			return fmt.Errorf("read setting %q: %w", k, err)
		}
		if err := enc.Encode(settingRecord{Type: typeSetting, Account: account, Key: k, Value: nonNil(v)}); err != nil {
			return err
		}
		n.Settings++
	}
	kinds, err := r.Kinds(ctx, account)
	if err != nil {
		return fmt.Errorf("read kinds: %w", err)
	}
	for _, kind := range kinds {
		q := store.ListQuery{Account: account, Kind: kind, Limit: page}
		for {
			p, err := r.List(ctx, q)
			if err != nil {
				return fmt.Errorf("list %s: %w", kind, err)
			}
			for _, e := range p.Entities {
				rec := entityRecord{Type: typeEntity, Account: e.Account, Kind: string(e.Kind), Name: e.Name, Path: e.Path, ID: e.ID, ARN: e.ARN,
					Parent: e.Parent, Created: e.Created.UTC(), Data: nonNil(e.Data)}
				if err := enc.Encode(rec); err != nil {
					return err
				}
				n.Entities++
			}
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
	}
	linkKinds, err := r.LinkKinds(ctx, account)
	if err != nil {
		return fmt.Errorf("read link kinds: %w", err)
	}
	for _, kind := range linkKinds {
		links, err := r.Links(ctx, store.LinkQuery{Account: account, Kind: kind})
		if err != nil {
			return fmt.Errorf("read links %s: %w", kind, err)
		}
		// The contract orders links by From then To; sorted here by bytes all the same, so that every backend
		// writes the same dump whatever its collation.
		slices.SortFunc(links, func(a, b store.Link) int {
			if c := strings.Compare(a.From, b.From); c != 0 {
				return c
			}
			return strings.Compare(a.To, b.To)
		})
		for _, l := range links {
			if err := enc.Encode(linkRecord{Type: typeLink, Account: l.Account, Kind: l.Kind, From: l.From, To: l.To, Created: l.Created.UTC()}); err != nil {
				return err
			}
			n.Links++
		}
	}
	return nil
}

func exportEvents(ctx context.Context, r store.Reader, enc *json.Encoder, n *Counts) error {
	var seq int64
	for {
		evs, err := r.EventsSince(ctx, seq, page)
		if err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if len(evs) == 0 {
			return nil
		}
		if err := r.ReadEventAttrs(ctx, evs); err != nil {
			return err
		}
		for _, e := range evs {
			seq = e.Seq
			rec := eventRecord{Type: typeEvent, Account: e.Account, ID: e.ID, Time: e.Time.UTC(), Attrs: make([]attrRecord, len(e.Attrs)), Data: nonNil(e.Data)}
			for i, a := range e.Attrs {
				rec.Attrs[i] = attrRecord{Name: a.Name, Value: a.Value, Latest: a.Latest}
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
			n.Events++
		}
	}
}

// Options are the choices of Import.
type Options struct {
	// CheckMeta, when set, is given the dump's store-wide values (all of them, by key) before anything is written;
	// an error from it refuses the dump. The server checks there that its master key opens the dump's key check.
	CheckMeta func(meta map[string][]byte) error
	// Replace names the store-wide values the store may hold already (such as the key check of a store that was
	// opened once and never used): the dump's values replace them. Any other value, any account and any event
	// make the store not empty.
	Replace []string
}

// Import reads a dump from rd into st, which must be empty, in one transaction of st: the store ends up with all
// of the dump or, on any error (a damaged or truncated dump included), none of it.
func Import(ctx context.Context, st store.Store, rd io.Reader, o Options) (Counts, error) {
	var n Counts
	calls := 0
	err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		n = Counts{}
		if calls++; calls > 1 {
			// A backend that retries a transaction (after a serialization failure) runs this again: the dump is
			// read again from its start.
			s, ok := rd.(io.Seeker)
			if !ok {
				return errors.New("the store retried the import's transaction, and the dump cannot be read again")
			}
			if _, err := s.Seek(0, io.SeekStart); err != nil {
				return err
			}
		}
		if err := checkEmpty(ctx, tx, o.Replace); err != nil {
			return err
		}
		zr, err := gzip.NewReader(bufio.NewReaderSize(rd, 64<<10))
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadDump, err)
		}
		return (&importer{tx: tx, dec: json.NewDecoder(zr), o: o, n: &n}).run(ctx)
	})
	if err != nil {
		return Counts{}, err
	}
	return n, nil
}

// checkEmpty refuses a store with any account, event, or store-wide value not in replace.
func checkEmpty(ctx context.Context, r store.Reader, replace []string) error {
	accounts, err := r.Accounts(ctx)
	if err != nil {
		return err
	}
	if len(accounts) > 0 {
		return fmt.Errorf("%w: it holds %d account(s), the first %s", ErrNotEmpty, len(accounts), accounts[0])
	}
	evs, err := r.EventsSince(ctx, 0, 1)
	if err != nil {
		return err
	}
	if len(evs) > 0 {
		return fmt.Errorf("%w: it holds audit events", ErrNotEmpty)
	}
	keys, err := r.MetaKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !slices.Contains(replace, k) {
			return fmt.Errorf("%w: it holds the store-wide value %q", ErrNotEmpty, k)
		}
	}
	return nil
}

// importer reads one dump into a transaction.
type importer struct {
	tx       store.Tx
	dec      *json.Decoder
	o        Options
	n        *Counts
	meta     map[string][]byte
	metaIn   bool // the store-wide values are checked and written
	ended    bool
	counted  Counts          // the end record's
	eventIDs map[string]bool // the events imported: a store holds each ID once
}

func (im *importer) run(ctx context.Context) error {
	var h header
	raw, err := im.next()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.Format != Format {
		return fmt.Errorf("%w: the first line is not an %s header", ErrBadDump, Format)
	}
	if h.Version != Version {
		return fmt.Errorf("%w: version %d; this iamd reads version %d", ErrBadDump, h.Version, Version)
	}
	im.meta = map[string][]byte{}
	for line := 2; ; line++ {
		raw, err := im.next()
		if errors.Is(err, io.EOF) {
			if !im.ended {
				return fmt.Errorf("%w: it ends without its end record (truncated?)", ErrBadDump)
			}
			if im.counted != *im.n {
				return fmt.Errorf("%w: its end record counts %v, but it holds %v", ErrBadDump, im.counted, *im.n)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if im.ended {
			return fmt.Errorf("%w: record %d follows the end record", ErrBadDump, line)
		}
		if err := im.record(ctx, raw); err != nil {
			var refused checkMetaError
			if errors.As(err, &refused) {
				return refused.error
			}
			return fmt.Errorf("record %d: %w", line, err)
		}
	}
}

// next returns the next JSON value of the dump, io.EOF at its (whole) end.
func (im *importer) next() (json.RawMessage, error) {
	var raw json.RawMessage
	err := im.dec.Decode(&raw)
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDump, err)
	}
	return raw, nil
}

// strict decodes raw into v, refusing fields v does not have.
func strict(raw json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadDump, err)
	}
	return nil
}

func missing(what string) error { return fmt.Errorf("%w: %s is missing", ErrBadDump, what) }

func (im *importer) record(ctx context.Context, raw json.RawMessage) error {
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return fmt.Errorf("%w: %v", ErrBadDump, err)
	}
	if t.Type == typeMeta {
		if im.metaIn {
			return fmt.Errorf("%w: a store-wide value after the accounts' records", ErrBadDump)
		}
		var m metaRecord
		if err := strict(raw, &m); err != nil {
			return err
		}
		if m.Key == "" {
			return missing("key")
		}
		im.meta[m.Key] = nonNil(m.Value)
		im.n.Meta++
		return nil
	}
	if !im.metaIn {
		if err := im.writeMeta(ctx); err != nil {
			return err
		}
	}
	switch t.Type {
	case typeSetting:
		var s settingRecord
		if err := strict(raw, &s); err != nil {
			return err
		}
		if s.Account == "" || s.Key == "" {
			return missing("account or key")
		}
		im.n.Settings++
		return im.tx.PutSetting(ctx, s.Account, s.Key, nonNil(s.Value))
	case typeEntity:
		var e entityRecord
		if err := strict(raw, &e); err != nil {
			return err
		}
		if e.Account == "" || e.Kind == "" || e.Name == "" {
			return missing("account, kind or name")
		}
		im.n.Entities++
		return im.tx.Insert(ctx, &store.Entity{Account: e.Account, Kind: store.Kind(e.Kind), Name: e.Name, Path: e.Path, ID: e.ID, ARN: e.ARN,
			Parent: e.Parent, Created: e.Created, Data: nonNil(e.Data)})
	case typeLink:
		var l linkRecord
		if err := strict(raw, &l); err != nil {
			return err
		}
		if l.Account == "" || l.Kind == "" {
			return missing("account or kind")
		}
		im.n.Links++
		return im.tx.Link(ctx, store.Link{Account: l.Account, Kind: l.Kind, From: l.From, To: l.To, Created: l.Created})
	case typeEvent:
		var e eventRecord
		if err := strict(raw, &e); err != nil {
			return err
		}
		if e.Account == "" || e.ID == "" {
			return missing("account or id")
		}
		if im.eventIDs[e.ID] {
			return fmt.Errorf("%w: event %s appears twice", ErrBadDump, e.ID)
		}
		if im.eventIDs == nil {
			im.eventIDs = map[string]bool{}
		}
		im.eventIDs[e.ID] = true
		// Fresh: the store is empty and the ID is new to this import, so the store need not look for it.
		ev := &store.Event{Account: e.Account, ID: e.ID, Time: e.Time, Data: nonNil(e.Data), Fresh: true}
		for _, a := range e.Attrs {
			ev.Attrs = append(ev.Attrs, store.EventAttr{Name: a.Name, Value: a.Value, Latest: a.Latest})
		}
		im.n.Events++
		return im.tx.AppendEvent(ctx, ev)
	case typeEnd:
		var e endRecord
		if err := strict(raw, &e); err != nil {
			return err
		}
		im.ended, im.counted = true, e.Counts
		return nil
	}
	return fmt.Errorf("%w: unknown record type %q", ErrBadDump, t.Type)
}

// checkMetaError is the refusal of Options.CheckMeta, returned as it is (it is about the dump, not one record).
type checkMetaError struct{ error }

// writeMeta checks the dump's store-wide values with CheckMeta and writes them, once, before the first record
// that is not one.
func (im *importer) writeMeta(ctx context.Context) error {
	im.metaIn = true
	if im.o.CheckMeta != nil {
		if err := im.o.CheckMeta(im.meta); err != nil {
			return checkMetaError{err}
		}
	}
	keys := make([]string, 0, len(im.meta))
	for k := range im.meta {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := im.tx.PutMeta(ctx, k, im.meta[k]); err != nil {
			return err
		}
	}
	return nil
}
