package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/jackc/pgx/v5"
)

// AppendEvent appends (or replaces) an event in this transaction.
func (t *txn) AppendEvent(ctx context.Context, e *store.Event) error {
	return t.appendEvents(ctx, []*store.Event{e})
}

// AppendEvents appends events in a transaction of their own, which moves no generation.
func (s *Store) AppendEvents(ctx context.Context, events []*store.Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.write(ctx, func(ctx context.Context, t *txn) error { return t.appendEvents(ctx, events) })
}

// appendEvents appends a batch of events in one round trip to the server, whatever its size: a pipeline of the
// trail's advisory lock (once per transaction), the removal of the events the batch replaces (with their
// attributes, ON DELETE CASCADE), and one statement that inserts the events (in the batch's order, RETURNING their
// new seq) and their attributes (joined to the new events by ID, which is unique). A write transaction appends its
// events while it holds the generations row, which every writer waits for: each round trip saved there is saved
// for every writer of every node.
func (t *txn) appendEvents(ctx context.Context, evs []*store.Event) error {
	ids := make([]string, 0, len(evs))
	var replaced []string // the IDs of stored events the batch may replace (none for a Fresh event)
	seen := make(map[string]bool, len(evs))
	for _, e := range evs {
		if e.ID == "" || e.Account == "" {
			return fmt.Errorf("append event: an event needs an account and an ID")
		}
		if seen[e.ID] {
			// The same event twice in one batch: the later replaces the earlier, one at a time.
			for _, e := range evs {
				if err := t.appendEvents(ctx, []*store.Event{e}); err != nil {
					return err
				}
			}
			return nil
		}
		seen[e.ID] = true
		ids = append(ids, e.ID)
		if !e.Fresh || e.Seq != 0 {
			replaced = append(replaced, e.ID)
		}
	}
	accounts := make([]string, len(evs))
	times := make([]int64, len(evs))
	data := make([][]byte, len(evs))
	byID := make(map[string]*store.Event, len(evs))
	var a struct {
		account, name, value, id []string
		time                     []int64
		latest                   []bool
	}
	for i, e := range evs {
		accounts[i], times[i], data[i] = e.Account, e.Time.UnixNano(), bytes(e.Data)
		byID[e.ID] = e
		for _, at := range uniqueAttrs(e.Attrs) {
			a.account, a.name, a.value = append(a.account, e.Account), append(a.name, at.Name), append(a.value, at.Value)
			a.time, a.id, a.latest = append(a.time, e.Time.UnixNano()), append(a.id, e.ID), append(a.latest, at.Latest)
		}
	}
	var b pgx.Batch
	locking := !t.eventsLocked
	if locking {
		t.queue(&b, lockEventsQuery, eventsLock)
	}
	// An event replaces the stored one with its ID: the one its Seq names, when it has one, has that ID.
	if len(replaced) > 0 {
		t.queue(&b, "DELETE FROM events WHERE id = ANY($1)", replaced)
	}
	t.queue(&b, insertEventsQuery, accounts, ids, times, data, a.account, a.name, a.value, a.time, a.id, a.latest)
	br, err := t.sendBatch(ctx, &b)
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	defer br.Close()
	if locking {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("lock the trail: %w", err)
		}
		t.eventsLocked = true
	}
	if len(replaced) > 0 {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	rows, err := br.Query()
	if err != nil {
		return fmt.Errorf("append events: %w", mapErr(err))
	}
	for rows.Next() {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			rows.Close()
			return fmt.Errorf("append events: %w", err)
		}
		byID[id].Seq = seq
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("append events: %w", mapErr(err))
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("append events: %w", mapErr(err))
	}
	return nil
}

// lockEventsQuery takes the trail's advisory lock for the rest of the transaction: seqs are then handed out (and
// committed) by one transaction at a time, in order.
const lockEventsQuery = "SELECT pg_advisory_xact_lock($1)"

// insertEventsQuery inserts events ($1-$4: accounts, IDs, times, data, one element per event, in order) and their
// attributes ($5-$10: accounts, names, values, times, event IDs, latest, one element per attribute), returning
// each event's seq and ID. Both inserts run in one statement; the attributes' foreign key is checked at its end,
// when the events are in.
const insertEventsQuery = `WITH ev AS (
  INSERT INTO events (account, id, time, data)
  SELECT a, i, t, d FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[]) WITH ORDINALITY AS u(a, i, t, d, n) ORDER BY n
  RETURNING seq, id
), attrs AS (
  INSERT INTO event_attrs (account, name, value, time, seq, latest)
  SELECT u.a, u.name, u.value, u.t, ev.seq, u.latest
  FROM unnest($5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::boolean[]) AS u(a, name, value, t, id, latest)
  JOIN ev ON ev.id = u.id
)
SELECT seq, id FROM ev`

// uniqueAttrs returns an event's attributes without those with an empty name, each name and value once (Latest
// when any of its copies is), in their first order.
func uniqueAttrs(attrs []store.EventAttr) []store.EventAttr {
	out := make([]store.EventAttr, 0, len(attrs))
	at := make(map[[2]string]int, len(attrs))
	for _, a := range attrs {
		if a.Name == "" {
			continue
		}
		k := [2]string{a.Name, a.Value}
		if i, ok := at[k]; ok {
			out[i].Latest = out[i].Latest || a.Latest
			continue
		}
		at[k] = len(out)
		out = append(out, a)
	}
	return out
}

// ReadEventAttrs sets each event's Attrs to those stored with its Seq, in one query (an index range per event).
func (t *txn) ReadEventAttrs(ctx context.Context, events []*store.Event) error {
	bySeq := make(map[int64][]*store.Event, len(events))
	seqs := make([]int64, 0, len(events))
	for _, e := range events {
		e.Attrs = nil
		if _, ok := bySeq[e.Seq]; !ok {
			seqs = append(seqs, e.Seq)
		}
		bySeq[e.Seq] = append(bySeq[e.Seq], e)
	}
	if len(seqs) == 0 {
		return nil
	}
	rows, err := t.query(ctx, "SELECT seq, name, value, latest FROM event_attrs WHERE seq = ANY($1) ORDER BY seq, name, value", seqs)
	if err != nil {
		return fmt.Errorf("read event attributes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var a store.EventAttr
		if err := rows.Scan(&seq, &a.Name, &a.Value, &a.Latest); err != nil {
			return fmt.Errorf("read event attributes: %w", err)
		}
		for _, e := range bySeq[seq] {
			e.Attrs = append(e.Attrs, a)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read event attributes: %w", err)
	}
	return nil
}

// pruneQuery removes the events older than its argument except those that are the newest of some value of an
// attribute appended as Latest: an event goes when each of its Latest attributes has a newer row of the same value
// (an index probe per attribute).
const pruneQuery = `DELETE FROM events WHERE time < $1 AND NOT EXISTS (
  SELECT 1 FROM event_attrs AS mine WHERE mine.seq = events.seq AND mine.latest AND NOT EXISTS (
    SELECT 1 FROM event_attrs AS newer WHERE newer.account = mine.account AND newer.name = mine.name AND newer.value = mine.value
      AND (newer.time, newer.seq) > (mine.time, mine.seq)))`

// PruneEvents removes the events older than before.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, t *txn) error {
		tag, err := t.exec(ctx, pruneQuery, before.UnixNano())
		if err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return int(n), err
}

// eventsQuery is the statement Events runs for q, with its arguments: a range of the attribute index when q names
// an attribute, else of the account's time index (or the ID's), newest first.
func eventsQuery(q store.EventQuery) (string, []any) {
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.From.IsZero() {
		from = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		to = q.To.UnixNano()
	}
	var b strings.Builder
	var p params
	// No aliases: the query-plan test recognises a scan by the table's name.
	col := "events"
	if q.Attr.Name != "" {
		col = "event_attrs"
		fmt.Fprintf(&b, "SELECT events.seq, events.account, events.id, events.time, events.data FROM event_attrs JOIN events ON events.seq = event_attrs.seq"+
			" WHERE event_attrs.account = %s AND event_attrs.name = %s AND event_attrs.value = %s AND event_attrs.time BETWEEN %s AND %s",
			p.add(q.Account), p.add(q.Attr.Name), p.add(q.Attr.Value), p.add(from), p.add(to))
	} else {
		fmt.Fprintf(&b, "SELECT seq, account, id, time, data FROM events WHERE events.account = %s AND events.time BETWEEN %s AND %s",
			p.add(q.Account), p.add(from), p.add(to))
	}
	if q.ID != "" {
		b.WriteString(" AND events.id = " + p.add(q.ID))
	}
	if !q.After.Time.IsZero() || q.After.Seq != 0 {
		fmt.Fprintf(&b, " AND (%[1]s.time, %[1]s.seq) < (%[2]s, %[3]s)", col, p.add(q.After.Time.UnixNano()), p.add(q.After.Seq))
	}
	fmt.Fprintf(&b, " ORDER BY %[1]s.time DESC, %[1]s.seq DESC", col)
	if q.Limit > 0 {
		b.WriteString(" LIMIT " + p.add(q.Limit))
	}
	return b.String(), p
}

func (t *txn) Events(ctx context.Context, q store.EventQuery) ([]*store.Event, error) {
	query, args := eventsQuery(q)
	return t.scanEvents(ctx, query, args...)
}

func (t *txn) EventsSince(ctx context.Context, seq int64, limit int) ([]*store.Event, error) {
	query := "SELECT seq, account, id, time, data FROM events WHERE seq > $1 ORDER BY seq"
	args := []any{seq}
	if limit > 0 {
		query += " LIMIT $2"
		args = append(args, limit)
	}
	return t.scanEvents(ctx, query, args...)
}

func (t *txn) scanEvents(ctx context.Context, query string, args ...any) ([]*store.Event, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	out, err := pgx.AppendRows([]*store.Event(nil), rows, func(row pgx.CollectableRow) (*store.Event, error) {
		var e store.Event
		var ts int64
		err := row.Scan(&e.Seq, &e.Account, &e.ID, &ts, &e.Data)
		e.Time = time.Unix(0, ts).UTC()
		return &e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}
