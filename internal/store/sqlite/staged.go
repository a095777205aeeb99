package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

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

// The staging condition: the staged events and this one ($1) fit the budget ($2), and $3 is the next seq. Staged
// events hold the greatest seqs, so the greatest is staged_seq when any is staged.
const stageFits = "coalesce(length(staged), 0) + length(?1) <= ?2 AND coalesce(staged_seq, (SELECT coalesce(max(seq), 0) FROM events)) = ?3 - 1"

// stageNextQuery stages a transaction's second new event ($1) with the seq expected ($3) if stageFits: an exec,
// which changes nothing otherwise.
const stageNextQuery = "UPDATE generations SET staged = CAST(coalesce(staged, x'') || ?1 AS BLOB), staged_seq = ?3 " +
	"WHERE id = 1 AND " + stageFits

// stageQuery stages an event ($1) with whatever the next seq is, if it fits the budget ($2), and returns its seq.
// (SQLite's || makes text of blobs; the cast keeps the column a blob, whose length counts bytes.)
const stageQuery = "UPDATE generations SET staged = CAST(coalesce(staged, x'') || ?1 AS BLOB), " +
	"staged_seq = coalesce(staged_seq, (SELECT coalesce(max(seq), 0) FROM events)) + 1 " +
	"WHERE id = 1 AND coalesce(length(staged), 0) + length(?1) <= ?2 RETURNING staged_seq"

// bumpStage is the generation bump of a transaction with a new event to stage ($1, its seq expected $3): the
// staging rides on the statement that rewrites the row anyway, and the statement says whether it staged (the last
// staged event is this one, which its eventID makes unique) and the bytes staged.
func bumpStage(bump string) string {
	return "UPDATE generations SET " + bump + ", " +
		"staged = CASE WHEN " + stageFits + " THEN CAST(coalesce(staged, x'') || ?1 AS BLOB) ELSE staged END, " +
		"staged_seq = CASE WHEN " + stageFits + " THEN ?3 ELSE staged_seq END " +
		"WHERE id = 1 RETURNING gen, pgen, coalesce(staged_seq = ?3 AND substr(staged, -length(?1)) = ?1, 0), coalesce(length(staged), 0)"
}

var (
	bumpBothStage = bumpStage("gen = gen + 1, pgen = pgen + 1")
	bumpGenStage  = bumpStage("gen = gen + 1")
)

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

// stageLater takes a new event to stage with the transaction's generation bump (update), after staging the one
// taken before, if any. Its Seq is the one it takes unless another store appended since this one last did: the
// bump then finds out, and the event is staged or written as a row before the commit, which sets its Seq.
func (t *txn) stageLater(ctx context.Context, e *store.Event) error {
	if err := t.stagePending(ctx); err != nil {
		return err
	}
	t.s.stageBuf = t.appendStagedEvent(t.s.stageBuf[:0], e)
	t.stageEvent, t.stageRec = e, t.s.stageBuf
	e.Seq = max(t.s.appended.Load(), t.appendedTo) + 1
	return nil
}

// appendStagedEvent appends the staged form of e, its attributes and record encoded as a row keeps them.
func (t *txn) appendStagedEvent(dst []byte, e *store.Event) []byte {
	raw := appendAttrs(t.s.rawAttrs[:0], e.Attrs)
	kept := t.codec.encode(t.s.kept[:0], raw)
	n := len(kept)
	kept = t.codec.encode(kept, e.Data)
	t.s.rawAttrs, t.s.kept = raw[:0], kept[:0]
	return appendStaged(dst, e.Account, e.ID, e.Time.UnixNano(), kept[:n], kept[n:])
}

// stagePending stages the event stageLater took, by a statement of its own, or writes it as a row when it does not
// fit. Everything that reads or writes events in a write transaction runs it first.
func (t *txn) stagePending(ctx context.Context) error {
	e, rec := t.stageEvent, t.stageRec
	if e == nil {
		return nil
	}
	t.stageEvent, t.stageRec = nil, nil
	seq := e.Seq
	res, err := t.exec(ctx, stageNextQuery, rec, stagedBudget, seq)
	if err != nil {
		return fmt.Errorf("append event: stage it: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		err = t.queryRow(ctx, stageQuery, rec, stagedBudget).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return t.insertRow(ctx, e)
		}
		if err != nil {
			return fmt.Errorf("append event: stage it: %w", err)
		}
	}
	t.stagedOne(e, seq)
	t.stagedBytes = stagedBudget // unknown: as if full, so that the store moves them soon
	return nil
}

// bump moves the shared generations (bump: bumpGen or bumpBoth) at the end of a write transaction, staging the event
// stageLater took with the same statement.
func (t *txn) bump(ctx context.Context, bump string, policy bool) (g, p int64, err error) {
	e, rec := t.stageEvent, t.stageRec
	if e == nil {
		err = t.queryRow(ctx, bump).Scan(&g, &p)
		return g, p, err
	}
	t.stageEvent, t.stageRec = nil, nil
	q := bumpGenStage
	if policy {
		q = bumpBothStage
	}
	var staged bool
	if err := t.queryRow(ctx, q, rec, stagedBudget, e.Seq).Scan(&g, &p, &staged, &t.stagedBytes); err != nil {
		return 0, 0, err
	}
	if staged {
		t.stagedOne(e, e.Seq)
	} else if err := t.insertRow(ctx, e); err != nil {
		return 0, 0, err
	}
	return g, p, nil
}

// insertRow writes a new event that was not staged as a row of events (which moves the staged ones first), and
// indexes the tail if it outgrew maxTail.
func (t *txn) insertRow(ctx context.Context, e *store.Event) error {
	e.Seq = 0 // not a replacement: the seq expected was not taken
	if err := t.insertEvents(ctx, []*store.Event{e}); err != nil {
		return err
	}
	if e.Seq-t.s.indexed.Load() > maxTail {
		return t.indexTail(ctx)
	}
	return nil
}

// stagedOne records a new event staged with seq.
func (t *txn) stagedOne(e *store.Event, seq int64) {
	e.Seq = seq
	t.staged = true
	t.appended = append(t.appended, tailEvent{seq: seq, account: e.Account, id: e.ID, time: e.Time.UnixNano(), attrs: e.Attrs}) // kept as given (store.Event)
	t.appendedTo = max(t.appendedTo, seq)
}

// readStaged reads the staged events, oldest first.
func (t *txn) readStaged(ctx context.Context) ([]stagedEvent, error) {
	if err := t.stagePending(ctx); err != nil {
		return nil, err
	}
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

// mover moves a store's staged events to rows in a transaction of its own (AppendEvents of nothing) when a change
// leaves them filling more than half their budget, so that the next changes find room and the requests that make
// them do not move them.
type mover struct {
	s         *Store
	now, quit chan struct{}
	done      chan struct{}
}

func startMover(s *Store) *mover {
	m := &mover{s: s, now: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go m.run()
	return m
}

// wake has the mover run soon; a wake while one is pending is the same one. A nil mover does nothing.
func (m *mover) wake() {
	if m == nil {
		return
	}
	select {
	case m.now <- struct{}{}:
	default:
	}
}

func (m *mover) run() {
	defer close(m.done)
	for {
		select {
		case <-m.quit:
			return
		case <-m.now:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		// An error leaves the staged events to the next write of events, or to the change that finds no room.
		_ = m.s.AppendEvents(ctx, nil)
		cancel()
	}
}

// stop ends the mover (a nil mover, of a store that never opened, is stopped already).
func (m *mover) stop() {
	if m == nil {
		return
	}
	select {
	case <-m.quit:
	default:
		close(m.quit)
	}
	<-m.done
}
