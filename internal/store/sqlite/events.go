package sqlite

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
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

// chunkSizes are the row counts of the multi-row statements appendEvents runs: a batch is cut into chunks of these
// sizes, largest first, so that a few statement texts (each prepared once) serve every batch size.
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

// appendEvents appends a batch with a few multi-row statements: the events the batch replaces leave (with their
// attributes, ON DELETE CASCADE), the events come in (RETURNING their new seq), then their attributes.
func (t *txn) appendEvents(ctx context.Context, evs []*store.Event) error {
	ids := make(map[string]bool, len(evs))
	for _, e := range evs {
		if e.ID == "" || e.Account == "" {
			return fmt.Errorf("append event: an event needs an account and an ID")
		}
		if ids[e.ID] {
			// The same event twice in one batch: the later replaces the earlier, one at a time.
			for _, e := range evs {
				if err := t.appendEvents(ctx, []*store.Event{e}); err != nil {
					return err
				}
			}
			return nil
		}
		ids[e.ID] = true
	}
	err := chunks(len(evs), func(from, to int) error {
		part := evs[from:to]
		args := make([]any, 0, len(part)*4)
		for _, e := range part {
			args = append(args, e.ID)
		}
		if _, err := t.exec(ctx, "DELETE FROM events WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+")", args...); err != nil {
			return err
		}
		args = args[:0]
		for _, e := range part {
			args = append(args, e.Account, e.ID, e.Time.UnixNano(), e.Data)
		}
		rs, err := t.query(ctx, "INSERT INTO events (account, id, time, data) VALUES "+rows(len(part), 4)+" RETURNING seq, id", args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		byID := make(map[string]*store.Event, len(part))
		for _, e := range part {
			byID[e.ID] = e
		}
		for rs.Next() {
			var seq int64
			var id string
			if err := rs.Scan(&seq, &id); err != nil {
				return err
			}
			byID[id].Seq = seq
		}
		return rs.Err()
	})
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	type attrRow struct {
		e *store.Event
		a store.EventAttr
	}
	var attrs []attrRow
	for _, e := range evs {
		for _, a := range e.Attrs {
			attrs = append(attrs, attrRow{e, a})
		}
	}
	err = chunks(len(attrs), func(from, to int) error {
		args := make([]any, 0, (to-from)*6)
		for _, r := range attrs[from:to] {
			args = append(args, r.e.Account, r.a.Name, r.a.Value, r.e.Time.UnixNano(), r.e.Seq, r.a.Latest)
		}
		// OR IGNORE: the same attribute given twice is one row.
		_, err := t.exec(ctx, "INSERT OR IGNORE INTO event_attrs (account, name, value, time, seq, latest) VALUES "+rows(to-from, 6), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	return nil
}

// PruneEvents removes the events older than before.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, t *txn) error {
		res, err := t.exec(ctx, pruneQuery, before.UnixNano())
		if err != nil {
			return fmt.Errorf("prune events: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// write runs fn in a write transaction; it moves no generation itself (update does, after it).
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, t *txn) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	t := &txn{tx: tx, stmts: &s.wStmts, trace: s.trace}
	if err := fn(ctx, t); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if len(t.pending) > 0 {
		prepare(ctx, s.w, &s.wStmts, t.pending)
	}
	return nil
}

// eventsQuery is the statement Events runs for q, with its arguments: a range of the attribute index when q names
// an attribute, else of the account's time index, newest first.
func eventsQuery(q store.EventQuery) (string, []any) {
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.From.IsZero() {
		from = q.From.UnixNano()
	}
	if !q.To.IsZero() {
		to = q.To.UnixNano()
	}
	var b strings.Builder
	var args []any
	// No aliases: the query-plan test recognises a scan by the table's name.
	col := "events"
	if q.Attr.Name != "" {
		col = "event_attrs"
		b.WriteString("SELECT events.seq, events.account, events.id, events.time, events.data FROM event_attrs JOIN events ON events.seq = event_attrs.seq" +
			" WHERE event_attrs.account = ? AND event_attrs.name = ? AND event_attrs.value = ? AND event_attrs.time BETWEEN ? AND ?")
		args = append(args, q.Account, q.Attr.Name, q.Attr.Value, from, to)
	} else {
		b.WriteString("SELECT seq, account, id, time, data FROM events INDEXED BY events_time WHERE account = ? AND time BETWEEN ? AND ?")
		args = append(args, q.Account, from, to)
	}
	if !q.After.Time.IsZero() || q.After.Seq != 0 {
		at := q.After.Time.UnixNano()
		fmt.Fprintf(&b, " AND (%[1]s.time < ? OR (%[1]s.time = ? AND %[1]s.seq < ?))", col)
		args = append(args, at, at, q.After.Seq)
	}
	fmt.Fprintf(&b, " ORDER BY %[1]s.time DESC, %[1]s.seq DESC", col)
	if q.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, q.Limit)
	}
	return b.String(), args
}

func (t *txn) Events(ctx context.Context, q store.EventQuery) ([]*store.Event, error) {
	query, args := eventsQuery(q)
	return t.scanEvents(ctx, query, args...)
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
		if err := rows.Scan(&e.Seq, &e.Account, &e.ID, &ts, &e.Data); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
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

// pruneQuery removes the events older than its argument except those that are the newest of some value of an
// attribute appended as Latest: an event goes when each of its Latest attributes has a newer row of the same
// value (an index probe on the attribute index per attribute, at pruning time, rather than a table kept up to date
// on every append).
const pruneQuery = `DELETE FROM events WHERE time < ? AND NOT EXISTS (
  SELECT 1 FROM event_attrs AS mine INDEXED BY event_attrs_seq WHERE mine.seq = events.seq AND mine.latest = 1 AND NOT EXISTS (
    SELECT 1 FROM event_attrs AS newer WHERE newer.account = mine.account AND newer.name = mine.name AND newer.value = mine.value
      AND newer.time >= mine.time AND (newer.time > mine.time OR newer.seq > mine.seq)))`
