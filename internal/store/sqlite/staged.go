package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/internal/store"
)

// Staged events (migration 0008). A new event appended with a change (Tx.AppendEvent) is not written as a row of
// events: it is appended to the column staged of the shared generations' row, which the change's commit rewrites
// anyway (update bumps gen there). A row of events would cost the commit the events table's last page as well:
// one more WAL frame (two writes and a checksum of the page), about half of what recording the change's event
// costs it.
//
// The staged events are moved to events, keeping their seqs, by the first transaction that writes events another
// way: insertEvents (the trail's writer every few milliseconds, a replacement), indexTail (PruneEvents), or a
// change whose event would make the staged ones outgrow stagedBudget, which keeps the row in its page.
//
// Seqs. A staged event takes the seq a row of events would take: the greatest seq of events and of the staged
// events, plus one. Every seq staged is greater than every seq in events (a write to events moves the staged ones
// first), and the staged seqs are consecutive, ending at staged_seq. Readers read the staged events with the rows of
// events (tail, eventsBySeq, EventsSince, ReadEventAttrs), so staging changes nothing a reader sees.
//
// A node of the release before 0008 on the same database knows nothing of staged events: it may append a row of
// events with a seq a staged event holds. The move then gives the staged events new seqs after it.

// stagedBudget bounds the staged events' bytes: the generations' row stays well within its page (4 KiB).
const stagedBudget = 3072

// stageQuery appends a staged event ($1, appendStaged's form) when it fits the budget ($2), and returns its seq.
// (SQLite's || makes text of blobs; the cast keeps the column a blob, whose length counts bytes.)
const stageQuery = "UPDATE generations SET staged = CAST(coalesce(staged, x'') || ?1 AS BLOB), " +
	"staged_seq = max(coalesce(staged_seq, 0), (SELECT coalesce(max(seq), 0) FROM events)) + 1 " +
	"WHERE id = 1 AND coalesce(length(staged), 0) + length(?1) <= ?2 RETURNING staged_seq"

// stageNextQuery is stageQuery for a seq the store expects ($3, one past the newest it committed): an exec, cheaper
// than a query, that changes nothing unless the greatest seq is $3 - 1 and the event fits.
const stageNextQuery = "UPDATE generations SET staged = CAST(coalesce(staged, x'') || ?1 AS BLOB), staged_seq = ?3 " +
	"WHERE id = 1 AND coalesce(length(staged), 0) + length(?1) <= ?2 " +
	"AND max(coalesce(staged_seq, 0), (SELECT coalesce(max(seq), 0) FROM events)) = ?3 - 1"

// stagedQuery reads the staged events.
const stagedQuery = "SELECT staged, staged_seq FROM generations WHERE id = 1 AND staged IS NOT NULL"

// stagedEvent is a staged event as kept: attrs and data encoded by the event codec, as in a row of events.
type stagedEvent struct {
	seq         int64
	account, id string
	time        int64
	attrs, data []byte
}

// appendStaged appends one staged event: the account, the ID, the attributes and the record (each its length as a
// uvarint, then its bytes) and the time (a varint).
func appendStaged(b []byte, account, id string, time int64, attrs, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(account)))
	b = append(b, account...)
	b = binary.AppendUvarint(b, uint64(len(id)))
	b = append(b, id...)
	b = binary.AppendVarint(b, time)
	b = binary.AppendUvarint(b, uint64(len(attrs)))
	b = append(b, attrs...)
	b = binary.AppendUvarint(b, uint64(len(data)))
	return append(b, data...)
}

var errBadStaged = errors.New("malformed staged events")

// decodeStaged decodes the staged events of a column whose last one has seq last. The values alias b.
func decodeStaged(b []byte, last int64) ([]stagedEvent, error) {
	var out []stagedEvent
	bytes := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errBadStaged
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v, nil
	}
	for len(b) > 0 {
		var e stagedEvent
		account, err := bytes()
		if err != nil {
			return nil, err
		}
		id, err := bytes()
		if err != nil {
			return nil, err
		}
		t, k := binary.Varint(b)
		if k <= 0 {
			return nil, errBadStaged
		}
		b = b[k:]
		attrs, err := bytes()
		if err != nil {
			return nil, err
		}
		data, err := bytes()
		if err != nil {
			return nil, err
		}
		e.account, e.id, e.time, e.attrs, e.data = string(account), string(id), t, attrs, data
		out = append(out, e)
	}
	for i := range out {
		out[i].seq = last - int64(len(out)-1-i)
	}
	return out, nil
}

// stage appends a new event to the staged events of this transaction's store and sets its Seq; false when it does
// not fit the budget (the caller then writes it as a row of events).
func (t *txn) stage(ctx context.Context, e *store.Event) (bool, error) {
	raw, kept := t.s.rawAttrs[:0], t.s.kept[:0]
	defer func() { t.s.rawAttrs, t.s.kept = raw[:0], kept[:0] }()
	raw = appendAttrs(raw, e.Attrs)
	kept = t.codec.encode(kept, raw)
	n := len(kept)
	kept = t.codec.encode(kept, e.Data)
	// The staged form goes after both kept values in the same buffer.
	m := len(kept)
	kept = appendStaged(kept, e.Account, e.ID, e.Time.UnixNano(), kept[:n], kept[n:m])
	// The seq expected: one past the newest this store committed, or this transaction appended. Another store on
	// the database may have appended since; stageQuery then finds the seq.
	seq := max(t.s.appended.Load(), t.appendedTo) + 1
	res, err := t.exec(ctx, stageNextQuery, kept[m:], stagedBudget, seq)
	if err != nil {
		return false, fmt.Errorf("append event: stage it: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		err = t.queryRow(ctx, stageQuery, kept[m:], stagedBudget).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("append event: stage it: %w", err)
		}
	}
	e.Seq = seq
	t.staged = true
	t.appended = append(t.appended, tailEvent{seq: seq, account: e.Account, id: e.ID, time: e.Time.UnixNano(), attrs: e.Attrs}) // kept as given (store.Event)
	t.appendedTo = max(t.appendedTo, seq)
	return true, nil
}

// readStaged reads the staged events, oldest first.
func (t *txn) readStaged(ctx context.Context) ([]stagedEvent, error) {
	var b []byte
	var last int64
	err := t.queryRow(ctx, stagedQuery).Scan(&b, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the staged events: %w", err)
	}
	evs, err := decodeStaged(b, last)
	if err != nil {
		return nil, fmt.Errorf("read the staged events: %w", err)
	}
	return evs, nil
}

// moveStaged moves the staged events to rows of events, with their seqs, once per transaction unless it stages
// again. Every write of rows of events runs it first.
func (t *txn) moveStaged(ctx context.Context) error {
	if t.moved && !t.staged {
		return nil
	}
	t.moved, t.staged = true, false
	evs, err := t.readStaged(ctx)
	if err != nil || len(evs) == 0 {
		return err
	}
	var newest int64
	if err := t.queryRow(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&newest); err != nil {
		return fmt.Errorf("move the staged events: %w", err)
	}
	// A node that knows nothing of staged events appended rows with their seqs (staged.go): they take new ones.
	renumber := newest >= evs[0].seq
	err = chunks(len(evs), func(from, to int) error {
		part := evs[from:to]
		args := make([]any, 0, 6*len(part))
		for _, e := range part {
			if renumber {
				args = append(args, nil)
			} else {
				args = append(args, e.seq)
			}
			args = append(args, e.account, e.id, e.time, e.attrs, e.data)
		}
		_, err := t.exec(ctx, "INSERT INTO events (seq, account, id, time, attrs, data) VALUES "+rows(len(part), 6), args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("move the staged events: %w", err)
	}
	if _, err := t.exec(ctx, "UPDATE generations SET staged = NULL, staged_seq = NULL WHERE id = 1"); err != nil {
		return fmt.Errorf("move the staged events: %w", err)
	}
	if renumber {
		t.renumbered = true
		var last int64
		if err := t.queryRow(ctx, "SELECT max(seq) FROM events").Scan(&last); err != nil {
			return fmt.Errorf("move the staged events: %w", err)
		}
		t.appendedTo = max(t.appendedTo, last)
	}
	return nil
}

// stagedAfter returns the staged events with a seq past after, oldest first.
func stagedAfter(evs []stagedEvent, after int64) []stagedEvent {
	for i, e := range evs {
		if e.seq > after {
			return evs[i:]
		}
	}
	return nil
}
