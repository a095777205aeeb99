package sqlite

import (
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// The audit trail's tables (migration 0006) are made for a write path that costs a change one row:
//
//   - events holds each event with its attributes (attrs) and nothing indexes it but its seq. An event appended with
//     a change (Tx.AppendEvent) is that one row.
//   - The events past the newest indexed batch are the tail. Once it holds lazyTail events, the next AppendEvents
//     (the trail's writer, which writes its events every few milliseconds) indexes the whole tail as one batch: a
//     row in event_batches, the IDs in event_ids, one posting list per attribute value in event_postings (the
//     (time, seq) of the batch's events that carry it, newest first), and the newest event of each Latest value in
//     event_latest. A batch of hundreds of calls by one user is then a few dozen rows, not a dozen rows per call.
//   - A read merges the posting lists (newest first, keyed by their newest entry) with the tail, which it filters
//     by decoding the tail's attributes. An entry whose event is gone (replaced, or pruned from a batch that still
//     holds a kept event) is skipped.

// lazyTail is the tail AppendEvents leaves unindexed: below it, events (which reads merge from the tail) wait for
// more rather than each few costing posting lists of their own, and a batch of changes' events does not cost a
// transaction of its own.
const lazyTail = 256

// maxTail bounds the tail an AppendEvent leaves behind: past it, the transaction indexes the tail itself (a store
// written only with changes, without a trail's writer, keeps its reads short).
const maxTail = 1024

// entryLen is the size of one posting-list entry: time and seq, big-endian.
const entryLen = 16

// entry is one event in a posting list.
type entry struct{ time, seq int64 }

func (a entry) after(b entry) bool { return a.time > b.time || (a.time == b.time && a.seq > b.seq) }

// AppendEvent appends (or replaces) an event in this transaction: one row of events (and, for a replacement, the
// removal of the old one). Its attributes are indexed with the next batch.
func (t *txn) AppendEvent(ctx context.Context, e *store.Event) error {
	if err := t.insertEvents(ctx, []*store.Event{e}); err != nil {
		return err
	}
	if t.s != nil && e.Seq-t.s.indexed.Load() > maxTail {
		return t.indexTail(ctx)
	}
	return nil
}

// AppendEvents appends events in a transaction of their own, which moves no generation, and indexes the tail with
// them.
func (s *Store) AppendEvents(ctx context.Context, events []*store.Event) error {
	// lazy: the tail stays short enough for reads to merge with these events in it, so they are not indexed yet;
	// a batch of posting lists then covers hundreds of events, not the few a quiet trail writes at a time.
	lazy := s.appended.Load()-s.indexed.Load()+int64(len(events)) < lazyTail
	if len(events) == 0 && lazy {
		return nil // nothing to append, and a tail short enough for reads to merge
	}
	err := s.write(ctx, func(ctx context.Context, t *txn) error {
		if err := t.insertEvents(ctx, events); err != nil {
			return err
		}
		if lazy {
			return nil
		}
		return t.indexTail(ctx, events...)
	})
	if err == nil {
		s.afterEventWrite(ctx)
	}
	return err
}

// afterEventWrite has Sync read the shared generations again after a write of events only (the trail's writer,
// every few milliseconds): the commit changed the WAL-index header, and without this the next API request's Sync
// would read the database to learn that nothing it caches changed. The read happens here, off the request path.
func (s *Store) afterEventWrite(ctx context.Context) {
	if s.syncr != nil {
		s.Sync(ctx) // an error leaves the next request's Sync to read the database
	}
}

// chunkSizes are the row counts of the multi-row statements: a batch is cut into chunks of these sizes, largest
// first, so that a few statement texts (each prepared once) serve every batch size.
var chunkSizes = [...]int{64, 16, 4, 1}

// chunks calls fn with consecutive parts of n items, each of a size in chunkSizes.
func chunks(n int, fn func(from, to int) error) error {
	i := 0
	for _, size := range chunkSizes {
		for ; n-i >= size; i += size {
			if err := fn(i, i+size); err != nil {
				return err
			}
		}
	}
	return nil
}

// rows returns "(?, ?, ...), (...)" for n rows of cols columns.
func rows(n, cols int) string {
	row := "(" + strings.Repeat("?, ", cols-1) + "?)"
	return strings.Repeat(row+", ", n-1) + row
}

// marks returns "?, ?, ..." for n values.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// watermark is the newest seq indexed: events past it are the tail.
func (t *txn) watermark(ctx context.Context) (int64, error) {
	var wm int64
	if err := t.queryRow(ctx, "SELECT coalesce(max(batch), 0) FROM event_batches").Scan(&wm); err != nil {
		return 0, fmt.Errorf("read the trail's watermark: %w", err)
	}
	return wm, nil
}

// insertEvents removes the events a batch replaces and inserts the batch, setting each event's Seq.
func (t *txn) insertEvents(ctx context.Context, evs []*store.Event) error {
	var ids map[string]bool // a change appends one event: no map for it
	if len(evs) > 1 {
		ids = make(map[string]bool, len(evs))
	}
	for _, e := range evs {
		if e.ID == "" || e.Account == "" {
			return fmt.Errorf("append event: an event needs an account and an ID")
		}
		if ids == nil {
			continue
		}
		if ids[e.ID] {
			// The same event twice in one batch: the later replaces the earlier, one at a time.
			for _, e := range evs {
				if err := t.insertEvents(ctx, []*store.Event{e}); err != nil {
					return err
				}
			}
			return nil
		}
		ids[e.ID] = true
	}
	// The events replaced are found first and removed after the batch is in: a new event takes the greatest seq
	// plus one, so the replacement of the newest event must not take its seq again.
	oldSeqs, oldIDs, err := t.findReplaced(ctx, evs)
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	err = chunks(len(evs), func(from, to int) error {
		part := evs[from:to]
		args := make([]any, 0, len(part)*5)
		// The kept values are encoded into one buffer the store reuses (SQLite copies what it is bound to); a value
		// is a slice of it, which a later growth of the buffer leaves as it was.
		raw, kept := t.s.rawAttrs[:0], t.s.kept[:0]
		defer func() { t.s.rawAttrs, t.s.kept = raw[:0], kept[:0] }()
		for _, e := range part {
			raw = appendAttrs(raw[:0], e.Attrs)
			n := len(kept)
			kept = t.codec.encode(kept, raw)
			attrs := kept[n:len(kept):len(kept)]
			n = len(kept)
			kept = t.codec.encode(kept, e.Data)
			args = append(args, e.Account, e.ID, e.Time.UnixNano(), attrs, kept[n:len(kept):len(kept)])
		}
		query := insertEvent // the statement of a change's event, without building its text
		if len(part) > 1 {
			query = "INSERT INTO events (account, id, time, attrs, data) VALUES " + rows(len(part), 5)
		}
		res, err := t.exec(ctx, query, args...)
		if err != nil {
			return err
		}
		// A row without a seq takes the greatest plus one (migration 0006), and one statement inserts its rows in
		// order: its seqs are consecutive, ending at the last row's.
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i, e := range part {
			e.Seq = last - int64(len(part)-1-i)
			if t.s != nil {
				t.appended = append(t.appended, tailEvent{seq: e.Seq, account: e.Account, id: e.ID, time: e.Time.UnixNano(), attrs: e.Attrs}) // kept as given (store.Event)
			}
		}
		t.appendedTo = max(t.appendedTo, last)
		return nil
	})
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	if len(oldSeqs) > 0 {
		// The posting entries of a replaced event that was indexed stay behind, skipped on read; its ID leaves
		// event_ids (the new version is indexed with its new seq).
		if err := deleteIn(ctx, t, "DELETE FROM events WHERE seq IN", oldSeqs); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
		if err := deleteIn(ctx, t, "DELETE FROM event_ids WHERE id IN", oldIDs); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	return nil
}

// insertEvent inserts one event: the multi-row statement of insertEvents for a single row.
const insertEvent = "INSERT INTO events (account, id, time, attrs, data) VALUES (?, ?, ?, ?, ?)"

// findReplaced returns the seqs of the stored events that evs replace, and the IDs to remove from event_ids:
// those named by their Seq, and those found by their ID (indexed ones by event_ids, others in the tail).
func (t *txn) findReplaced(ctx context.Context, evs []*store.Event) (seqs, indexed []any, err error) {
	var byID []*store.Event
	for _, e := range evs {
		switch {
		case e.Seq != 0:
			seqs, indexed = append(seqs, e.Seq), append(indexed, e.ID)
		case !e.Fresh:
			byID = append(byID, e)
		}
	}
	if len(byID) == 0 {
		return seqs, indexed, nil
	}
	evs = byID
	wm, err := t.watermark(ctx)
	if err != nil {
		return nil, nil, err
	}
	err = chunks(len(evs), func(from, to int) error {
		args := make([]any, 0, to-from+1)
		for _, e := range evs[from:to] {
			args = append(args, e.ID)
		}
		if err := t.collect(ctx, "SELECT seq, id FROM event_ids WHERE id IN ("+marks(to-from)+")", args, func(seq int64, id string) {
			seqs, indexed = append(seqs, seq), append(indexed, id)
		}); err != nil {
			return err
		}
		return t.collect(ctx, "SELECT seq, id FROM events WHERE seq > ? AND id IN ("+marks(to-from)+")", append([]any{wm}, args...),
			func(seq int64, _ string) { seqs = append(seqs, seq) })
	})
	return seqs, indexed, err
}

// collect runs a query of (seq, id) rows.
func (t *txn) collect(ctx context.Context, query string, args []any, fn func(seq int64, id string)) error {
	rs, err := t.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var seq int64
		var id string
		if err := rs.Scan(&seq, &id); err != nil {
			return err
		}
		fn(seq, id)
	}
	return rs.Err()
}

// deleteIn runs "prefix (?, ...)" over values in chunks.
func deleteIn(ctx context.Context, t *txn, prefix string, values []any) error {
	return chunks(len(values), func(from, to int) error {
		_, err := t.exec(ctx, prefix+" ("+marks(to-from)+")", values[from:to]...)
		return err
	})
}

// tailEvent is an event of the tail, with its attributes.
type tailEvent struct {
	seq         int64
	account, id string
	time        int64
	attrs       []store.EventAttr
}

// maxTailCache bounds the events a tail cache holds: past it, the events appended are read back when indexed.
const maxTailCache = 4 * maxTail

// tailCache is what indexing needs of the events appended through one store (by any of its write transactions,
// once committed) that are not indexed yet, by seq. The events table stays the truth: indexTail takes from the
// cache only the seqs the table holds past the watermark, so an event since replaced, pruned or indexed by another
// store on the same database is never taken from it, and the events other stores appended are read back.
type tailCache struct {
	mu     sync.Mutex
	events map[int64]tailEvent
}

// committed records the events a transaction appended and forgets those its indexing covered (seq up to
// indexedTo, when it indexed).
func (c *tailCache) committed(appended []tailEvent, indexedTo int64) {
	if len(appended) == 0 && indexedTo == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if indexedTo > 0 {
		for seq := range c.events {
			if seq <= indexedTo {
				delete(c.events, seq)
			}
		}
	}
	for _, e := range appended {
		if e.seq <= indexedTo {
			continue
		}
		if c.events == nil {
			c.events = make(map[int64]tailEvent)
		}
		if len(c.events) >= maxTailCache {
			return // read back when indexed
		}
		c.events[e.seq] = e
	}
}

// take returns the cached events of seqs, in their order, or false when one is not cached.
func (c *tailCache) take(seqs []int64) ([]tailEvent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]tailEvent, 0, len(seqs))
	for _, seq := range seqs {
		e, ok := c.events[seq]
		if !ok {
			return nil, false
		}
		out = append(out, e)
	}
	return out, true
}

// tail reads the events past the watermark and before seq before, in seq order: from the store's tail cache when
// it holds every one of them, else from the table. A view takes from the cache too: it takes only the seqs its
// snapshot holds, and what the cache holds of an event does not change.
func (t *txn) tail(ctx context.Context, wm, before int64) ([]tailEvent, error) {
	if t.cache != nil {
		var seqs []int64
		err := t.collect(ctx, "SELECT seq, '' FROM events WHERE seq > ? AND seq < ? ORDER BY seq", []any{wm, before},
			func(seq int64, _ string) { seqs = append(seqs, seq) })
		if err != nil {
			return nil, fmt.Errorf("read the trail's tail: %w", err)
		}
		if evs, ok := t.cache.take(seqs); ok {
			return evs, nil
		}
	}
	rs, err := t.query(ctx, "SELECT seq, account, id, time, attrs FROM events WHERE seq > ? AND seq < ? ORDER BY seq", wm, before)
	if err != nil {
		return nil, fmt.Errorf("read the trail's tail: %w", err)
	}
	defer rs.Close()
	var out []tailEvent
	for rs.Next() {
		var e tailEvent
		var kept sql.RawBytes
		if err := rs.Scan(&e.seq, &e.account, &e.id, &e.time, &kept); err != nil {
			return nil, fmt.Errorf("read the trail's tail: %w", err)
		}
		raw, err := t.codec.decode(kept)
		if err != nil {
			return nil, fmt.Errorf("read the trail's tail: event %d: %w", e.seq, err)
		}
		if e.attrs, err = decodeAttrs(raw); err != nil {
			return nil, fmt.Errorf("read the trail's tail: event %d: %w", e.seq, err)
		}
		out = append(out, e)
	}
	return out, rs.Err()
}

// postingKey names a posting list.
type postingKey struct{ account, name, value string }

// indexTail indexes the events past the watermark as one batch. appended are events this transaction appended
// last (their Seq set, past every other): they are indexed from memory rather than read back.
func (t *txn) indexTail(ctx context.Context, appended ...*store.Event) error {
	wm, err := t.watermark(ctx)
	if err != nil {
		return err
	}
	before := int64(math.MaxInt64)
	for _, e := range appended {
		before = min(before, e.Seq)
	}
	evs, err := t.tail(ctx, wm, before)
	if err != nil {
		return err
	}
	for _, e := range appended {
		evs = append(evs, tailEvent{seq: e.Seq, account: e.Account, id: e.ID, time: e.Time.UnixNano(), attrs: e.Attrs})
	}
	if len(evs) == 0 {
		return nil
	}
	slices.SortFunc(evs, func(a, b tailEvent) int { return cmp.Compare(a.seq, b.seq) })
	batch := evs[len(evs)-1].seq
	lists := map[postingKey][]entry{}
	latest := map[postingKey]entry{}
	var keys []postingKey // in first-seen order, so that a batch writes its rows in a stable order
	add := func(k postingKey, en entry) {
		l, ok := lists[k]
		if !ok {
			keys = append(keys, k)
		}
		if n := len(l); n > 0 && l[n-1].seq == en.seq {
			return // the same attribute twice on one event
		}
		lists[k] = append(l, en)
	}
	tmin, tmax := int64(math.MaxInt64), int64(math.MinInt64)
	ids := make([]any, 0, 2*len(evs))
	for _, e := range evs {
		en := entry{e.time, e.seq}
		tmin, tmax = min(tmin, e.time), max(tmax, e.time)
		ids = append(ids, e.id, e.seq)
		add(postingKey{e.account, "", ""}, en)
		for _, a := range e.attrs {
			if a.Name == "" {
				continue
			}
			k := postingKey{e.account, a.Name, a.Value}
			add(k, en)
			if a.Latest {
				if old, ok := latest[k]; !ok || en.after(old) {
					latest[k] = en
				}
			}
		}
	}
	if _, err := t.exec(ctx, "INSERT INTO event_batches (batch, lo, time_min, time_max) VALUES (?, ?, ?, ?)", batch, wm, tmin, tmax); err != nil {
		return fmt.Errorf("index events: %w", err)
	}
	err = chunks(len(evs), func(from, to int) error {
		_, err := t.exec(ctx, "INSERT OR REPLACE INTO event_ids (id, seq) VALUES "+rows(to-from, 2), ids[2*from:2*to]...)
		return err
	})
	if err != nil {
		return fmt.Errorf("index events: %w", err)
	}
	err = chunks(len(keys), func(from, to int) error {
		args := make([]any, 0, (to-from)*8)
		for _, k := range keys[from:to] {
			l := lists[k]
			slices.SortFunc(l, func(a, b entry) int {
				if a.after(b) {
					return -1
				}
				return 1
			})
			list := make([]byte, 0, entryLen*len(l))
			for _, en := range l {
				list = binary.BigEndian.AppendUint64(list, uint64(en.time))
				list = binary.BigEndian.AppendUint64(list, uint64(en.seq))
			}
			args = append(args, k.account, k.name, k.value, l[0].time, l[0].seq, l[len(l)-1].time, batch, list)
		}
		_, err := t.exec(ctx, "INSERT INTO event_postings (account, name, value, time_max, seq_max, time_min, batch, list) VALUES "+rows(to-from, 8), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("index events: %w", err)
	}
	lk := make([]postingKey, 0, len(latest))
	for k := range latest {
		lk = append(lk, k)
	}
	err = chunks(len(lk), func(from, to int) error {
		args := make([]any, 0, (to-from)*5)
		for _, k := range lk[from:to] {
			en := latest[k]
			args = append(args, k.account, k.name, k.value, en.time, en.seq)
		}
		_, err := t.exec(ctx, "INSERT INTO event_latest (account, name, value, time, seq) VALUES "+rows(to-from, 5)+
			" ON CONFLICT (account, name, value) DO UPDATE SET time = excluded.time, seq = excluded.seq"+
			" WHERE excluded.time > event_latest.time OR (excluded.time = event_latest.time AND excluded.seq > event_latest.seq)", args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("index events: %w", err)
	}
	t.indexedTo = batch
	return nil
}

// PruneEvents removes the events older than before, except the newest event of each value of a Latest attribute;
// a batch left with no event leaves with its posting lists.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n int
	err := s.write(ctx, func(ctx context.Context, t *txn) error {
		n = 0
		if err := t.indexTail(ctx); err != nil {
			return err
		}
		wm, err := t.watermark(ctx)
		if err != nil {
			return err
		}
		keep := map[int64]bool{}
		// The event of the greatest seq stays whatever its age: a new event takes the greatest seq plus one
		// (migration 0006), so removing it would hand its seq out again.
		var newest int64
		if err := t.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&newest); err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		keep[newest] = true
		rs, err := t.query(ctx, "SELECT seq FROM event_latest")
		if err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		for rs.Next() {
			var seq int64
			if err := rs.Scan(&seq); err != nil {
				rs.Close()
				return fmt.Errorf("prune events: %w", err)
			}
			keep[seq] = true
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		type span struct{ lo, hi int64 }
		var batches []span
		rs, err = t.query(ctx, "SELECT batch, lo FROM event_batches WHERE time_min < ?", before.UnixNano())
		if err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		for rs.Next() {
			var b span
			if err := rs.Scan(&b.hi, &b.lo); err != nil {
				rs.Close()
				return fmt.Errorf("prune events: %w", err)
			}
			batches = append(batches, b)
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		for _, b := range batches {
			var seqs, ids []any
			if err := t.collect(ctx, "SELECT seq, id FROM events WHERE seq > ? AND seq <= ? AND time < ?", []any{b.lo, b.hi, before.UnixNano()},
				func(seq int64, id string) {
					if !keep[seq] {
						seqs, ids = append(seqs, seq), append(ids, id)
					}
				}); err != nil {
				return fmt.Errorf("prune events: %w", err)
			}
			if err := deleteIn(ctx, t, "DELETE FROM events WHERE seq IN", seqs); err != nil {
				return fmt.Errorf("prune events: %w", err)
			}
			if err := deleteIn(ctx, t, "DELETE FROM event_ids WHERE id IN", ids); err != nil {
				return fmt.Errorf("prune events: %w", err)
			}
			n += len(seqs)
			if b.hi == wm {
				continue // the newest batch stays: it is the watermark
			}
			var left int
			if err := t.queryRow(ctx, "SELECT count(*) FROM (SELECT 1 FROM events WHERE seq > ? AND seq <= ? LIMIT 1)", b.lo, b.hi).Scan(&left); err != nil {
				return fmt.Errorf("prune events: %w", err)
			}
			if left == 0 {
				if _, err := t.exec(ctx, "DELETE FROM event_postings WHERE batch = ?", b.hi); err != nil {
					return fmt.Errorf("prune events: %w", err)
				}
				if _, err := t.exec(ctx, "DELETE FROM event_batches WHERE batch = ?", b.hi); err != nil {
					return fmt.Errorf("prune events: %w", err)
				}
			}
		}
		return nil
	})
	if err == nil {
		s.afterEventWrite(ctx)
	}
	return n, err
}

// write runs fn in a write transaction; it moves no generation itself (update does, after it).
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, t *txn) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	t := &txn{tx: tx, stmts: &s.wStmts, trace: s.trace, s: s, codec: s.codec, cache: &s.tailCache}
	if err := fn(ctx, t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.ckpt.committed()
	if t.indexedTo > 0 {
		s.indexed.Store(t.indexedTo)
	}
	s.tailCache.committed(t.appended, t.indexedTo)
	if t.appendedTo > s.appended.Load() {
		s.appended.Store(t.appendedTo) // one writer: no other store races this one
	}
	if len(t.pending) > 0 {
		prepare(ctx, s.w, &s.wStmts, t.pending)
	}
	return nil
}

// Events answers q from the posting lists merged with the tail, newest first.
func (t *txn) Events(ctx context.Context, q store.EventQuery) ([]*store.Event, error) {
	wm, err := t.watermark(ctx)
	if err != nil {
		return nil, err
	}
	f := newEventFilter(q)
	m := &merge{t: t, f: f, account: q.Account, name: q.Attr.Name, value: q.Attr.Value, boundTime: math.MaxInt64, boundSeq: math.MaxInt64, rows: firstRows}
	if q.Attr.Name == "" {
		m.value = ""
	}
	if q.ID != "" {
		// One event at most: by its ID, indexed or in the tail.
		m.done = true
		err := t.collect(ctx, "SELECT seq, id FROM event_ids WHERE id = ?", []any{q.ID}, func(seq int64, _ string) { m.push(entry{seq: seq}) })
		if err == nil {
			err = t.collect(ctx, "SELECT seq, id FROM events WHERE seq > ? AND id = ?", []any{wm, q.ID}, func(seq int64, _ string) { m.push(entry{seq: seq}) })
		}
		if err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		// Entries by ID carry no time: the event read back is checked against the query.
		m.byID = true
	} else {
		tail, err := t.tail(ctx, wm, math.MaxInt64)
		if err != nil {
			return nil, err
		}
		for _, e := range tail {
			if e.account != q.Account {
				continue
			}
			if q.Attr.Name != "" && !slices.ContainsFunc(e.attrs, func(a store.EventAttr) bool { return a.Name == q.Attr.Name && a.Value == q.Attr.Value }) {
				continue
			}
			if en := (entry{e.time, e.seq}); f.keeps(en) {
				m.push(en)
			}
		}
	}
	var out []*store.Event
	for q.Limit == 0 || len(out) < q.Limit {
		want := 256
		if q.Limit > 0 {
			want = q.Limit - len(out)
		}
		seqs, err := m.next(ctx, want)
		if err != nil {
			return nil, err
		}
		if len(seqs) == 0 {
			break
		}
		got, err := t.eventsBySeq(ctx, seqs)
		if err != nil {
			return nil, err
		}
		for _, seq := range seqs {
			e := got[seq]
			if e == nil || e.Account != q.Account || (m.byID && !f.keeps(entry{e.Time.UnixNano(), e.Seq})) {
				continue // gone since its entry was written, or not what the query asks for
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// eventFilter is the time range and cursor of a query.
type eventFilter struct {
	from, to int64
	after    entry
	hasAfter bool
}

func newEventFilter(q store.EventQuery) eventFilter {
	f := eventFilter{from: math.MinInt64, to: math.MaxInt64}
	if !q.From.IsZero() {
		f.from = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		f.to = q.To.UnixNano()
	}
	if !q.After.Time.IsZero() || q.After.Seq != 0 {
		f.after, f.hasAfter = entry{q.After.Time.UnixNano(), q.After.Seq}, true
	}
	return f
}

func (f eventFilter) keeps(e entry) bool {
	return e.time >= f.from && e.time <= f.to && (!f.hasAfter || f.after.after(e))
}

// upper is the newest time an entry the filter keeps can have.
func (f eventFilter) upper() int64 {
	if f.hasAfter {
		return min(f.to, f.after.time)
	}
	return f.to
}

// merge walks the posting lists of one attribute value newest first: each list's key is its newest entry, so an
// entry newer than the key of every list not yet read is the next one.
type merge struct {
	t                   *txn
	f                   eventFilter
	name, value         string
	account             string
	heap                entryHeap
	boundTime, boundSeq int64 // the key of the last list read
	rows                int   // how many lists the next load takes
	done                bool  // every list is read
	byID                bool
}

func (m *merge) push(e entry) { heap.Push(&m.heap, e) }

// firstRows and maxRows bound how many posting lists a read takes at a time: few at first (a page of LookupEvents
// is often in the newest lists), twice as many each time after.
const firstRows, maxRows = 4, 256

// next returns up to n seqs, newest first.
func (m *merge) next(ctx context.Context, n int) ([]int64, error) {
	var out []int64
	for len(out) < n {
		if len(m.heap) > 0 && (m.done || m.heap[0].after(entry{m.boundTime, m.boundSeq})) {
			out = append(out, heap.Pop(&m.heap).(entry).seq)
			continue
		}
		if m.done {
			break
		}
		if err := m.load(ctx); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// load reads the next page of posting lists.
func (m *merge) load(ctx context.Context) error {
	rs, err := m.t.query(ctx, "SELECT time_max, seq_max, list FROM event_postings WHERE account = ? AND name = ? AND value = ?"+
		" AND (time_max < ? OR (time_max = ? AND seq_max < ?)) AND time_max >= ? AND time_min <= ?"+
		" ORDER BY time_max DESC, seq_max DESC LIMIT ?",
		m.account, m.name, m.value, m.boundTime, m.boundTime, m.boundSeq, m.f.from, m.f.upper(), m.rows)
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer rs.Close()
	read := 0
	for rs.Next() {
		var list []byte
		if err := rs.Scan(&m.boundTime, &m.boundSeq, &list); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		read++
		if len(list)%entryLen != 0 {
			return fmt.Errorf("read events: a posting list of %d bytes", len(list))
		}
		for i := 0; i < len(list); i += entryLen {
			e := entry{int64(binary.BigEndian.Uint64(list[i:])), int64(binary.BigEndian.Uint64(list[i+8:]))}
			if m.f.keeps(e) {
				m.push(e)
			}
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	if read < m.rows {
		m.done = true
	}
	m.rows = min(2*m.rows, maxRows)
	return nil
}

// entryHeap is a max-heap of entries.
type entryHeap []entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].after(h[j]) }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// eventsBySeq reads the events with these seqs; those gone are absent from the map.
func (t *txn) eventsBySeq(ctx context.Context, seqs []int64) (map[int64]*store.Event, error) {
	out := make(map[int64]*store.Event, len(seqs))
	err := chunks(len(seqs), func(from, to int) error {
		args := make([]any, 0, to-from)
		for _, s := range seqs[from:to] {
			args = append(args, s)
		}
		evs, err := t.scanEvents(ctx, "SELECT seq, account, id, time, data FROM events WHERE seq IN ("+marks(to-from)+")", args...)
		for _, e := range evs {
			out[e.Seq] = e
		}
		return err
	})
	return out, err
}

func (t *txn) EventsSince(ctx context.Context, seq int64, limit int) ([]*store.Event, error) {
	query := "SELECT seq, account, id, time, data FROM events WHERE seq > ? ORDER BY seq"
	args := []any{seq}
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	return t.scanEvents(ctx, query, args...)
}

func (t *txn) scanEvents(ctx context.Context, query string, args ...any) ([]*store.Event, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []*store.Event
	for rows.Next() {
		var e store.Event
		var ts int64
		var kept sql.RawBytes
		if err := rows.Scan(&e.Seq, &e.Account, &e.ID, &ts, &kept); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		if e.Data, err = t.codec.decode(kept); err != nil {
			return nil, fmt.Errorf("read events: event %d: %w", e.Seq, err)
		}
		e.Time = time.Unix(0, ts).UTC()
		out = append(out, &e)
	}
	return out, rows.Err()
}

func (v *view) Events(ctx context.Context, q store.EventQuery) ([]*store.Event, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.Events(ctx, q)
}

func (v *view) EventsSince(ctx context.Context, seq int64, limit int) ([]*store.Event, error) {
	t, err := v.tx(ctx)
	if err != nil {
		return nil, err
	}
	return t.EventsSince(ctx, seq, limit)
}

// encodeAttrs encodes an event's attributes for its row, in a form SQL can write too (migration 0006): for each,
// '1' if Latest else '0', then the name and the value, each as its length in bytes in decimal, ':' and its bytes.
func encodeAttrs(attrs []store.EventAttr) []byte {
	return appendAttrs(make([]byte, 0, 40*len(attrs)), attrs)
}

// appendAttrs appends encodeAttrs(attrs) to out.
func appendAttrs(out []byte, attrs []store.EventAttr) []byte {
	for _, a := range attrs {
		if a.Latest {
			out = append(out, '1')
		} else {
			out = append(out, '0')
		}
		out = strconv.AppendInt(out, int64(len(a.Name)), 10)
		out = append(out, ':')
		out = append(out, a.Name...)
		out = strconv.AppendInt(out, int64(len(a.Value)), 10)
		out = append(out, ':')
		out = append(out, a.Value...)
	}
	return out
}

var errBadAttrs = errors.New("malformed attributes")

// decodeAttrs is encodeAttrs' inverse.
func decodeAttrs(b []byte) ([]store.EventAttr, error) {
	var out []store.EventAttr
	str := func() (string, error) {
		n, i := 0, 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9' && i < 9; i++ {
			n = 10*n + int(b[i]-'0')
		}
		if i == 0 || i >= len(b) || b[i] != ':' || n > len(b)-i-1 {
			return "", errBadAttrs
		}
		s := string(b[i+1 : i+1+n])
		b = b[i+1+n:]
		return s, nil
	}
	for len(b) > 0 {
		flag := b[0]
		if flag != '0' && flag != '1' {
			return nil, errBadAttrs
		}
		b = b[1:]
		name, err := str()
		if err != nil {
			return nil, err
		}
		value, err := str()
		if err != nil {
			return nil, err
		}
		out = append(out, store.EventAttr{Name: name, Value: value, Latest: flag == '1'})
	}
	return out, nil
}
