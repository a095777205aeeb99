package audit

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// Sink receives each event once it is complete and stored (a JSON-lines file, a log shipper). Write must not keep
// the slice.
type Sink interface {
	WriteEvent(ctx context.Context, account string, record []byte) error
}

// Metrics is told about the events recorded (telemetry's counters); nil counts nothing.
type Metrics interface {
	// EventRecorded is told each event: its source and name, the identity type, and the error code ("" when none).
	EventRecorded(ev *Event)
	// TrailFailed is told each failed write of events to the store or a sink.
	TrailFailed(where string)
}

// Options configure a Trail.
type Options struct {
	Logger *slog.Logger
	// ReadOnly reports whether an operation of a service ("iam", "CreateUser") only reads (CloudTrail's readOnly):
	// its event is then appended after the answer, in a batch, rather than with a change. Nil: by the operation's
	// name (Get, List, Describe, ...).
	ReadOnly func(service, operation string) bool
	// Sinks receive every event after it is stored.
	Sinks []Sink
	// FailClosed refuses a mutating call (503 ServiceUnavailable, before it runs) while the trail cannot write:
	// after a failed write of events to the store or to a sink, until a write succeeds again. A mutating call's own
	// event is always written in the transaction of its change, whatever this setting.
	FailClosed bool
	Metrics    Metrics
	// BatchDelay bounds how long an event waits to be written with others; 0 means 5ms.
	BatchDelay time.Duration
}

// Trail records every call as a CloudTrail event.
type Trail struct {
	inner  store.Store
	opts   Options
	logger *slog.Logger
	// The queue: calls ended and flushes waiting, in order. A request only appends under mu; the writer is woken
	// once per batch (wake), at once by a flush (flushNow), and takes the whole queue.
	mu       sync.Mutex
	space    *sync.Cond // signalled when the writer takes the queue
	pending  []queued
	spare    []queued // the array of the last queue written, which the next queue takes (only the writer sets it)
	flushes  int      // flushes in pending
	wake     chan struct{}
	flushNow chan struct{}
	done     chan struct{}
	closed   atomic.Bool
	wg       sync.WaitGroup
	failing  atomic.Bool // the last write to the store or a sink failed
	// records are buffers of written events' records, for the next events' (newRecordBuffer): the writer hands a
	// record back once the store and the sinks have it, neither of which keeps it.
	recordsMu sync.Mutex
	records   [][]byte
}

// Record buffers: the size one is made with (a record is about 1.1 KB), and the largest kept and how many.
const (
	recordBufferSize    = 1536
	maxKeptRecordBuffer = 16 << 10
	maxRecordBuffers    = 1024
)

// newRecordBuffer returns an empty buffer to build an event's record in.
func (t *Trail) newRecordBuffer() []byte {
	t.recordsMu.Lock()
	defer t.recordsMu.Unlock()
	if n := len(t.records); n > 0 {
		b := t.records[n-1]
		t.records[n-1] = nil
		t.records = t.records[:n-1]
		return b[:0]
	}
	return make([]byte, 0, recordBufferSize)
}

// recycle hands back the buffers of records written: nothing may use them after.
func (t *Trail) recycle(evs []*store.Event) {
	t.recordsMu.Lock()
	defer t.recordsMu.Unlock()
	for _, e := range evs {
		if len(t.records) < maxRecordBuffers && cap(e.Data) <= maxKeptRecordBuffer {
			t.records = append(t.records, e.Data)
		}
		e.Data = nil
	}
}

type queued struct {
	call  *Call
	out   Outcome
	flush chan error // non-nil: a Flush waiting for the queue to be written up to here
}

// queueSize bounds the events waiting to be written; a request whose event finds the queue full waits.
const queueSize = 4096

// New returns a trail that keeps its events in st. Call Close to write what is queued.
func New(st store.Store, opts Options) *Trail {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 5 * time.Millisecond
	}
	t := &Trail{inner: st, opts: opts, logger: opts.Logger, wake: make(chan struct{}, 1), flushNow: make(chan struct{}, 1), done: make(chan struct{})}
	t.space = sync.NewCond(&t.mu)
	t.wg.Add(1)
	go t.run()
	return t
}

// SetReadOnly sets Options.ReadOnly (the AWS data that judges it is loaded with the services the trail's store
// serves). Call it before the trail records anything.
func (t *Trail) SetReadOnly(f func(service, operation string) bool) { t.opts.ReadOnly = f }

// Store returns the store the domain services must use: the store the trail was made with, whose Update appends
// the event of the request its context carries (Begin) in the same transaction as the request's change.
func (t *Trail) Store() store.Store { return &txStore{Store: t.inner, t: t} }

// Begin is told a call once its caller is known, before the operation runs. It returns the context the operation
// must run with (carrying the call, so that its change is written with its event), or ServiceUnavailable when the
// trail is failing closed and the call would change something.
func (t *Trail) Begin(ctx context.Context, c *Call) (context.Context, error) {
	if t.opts.FailClosed && t.failing.Load() && !t.readOnly(c) {
		return ctx, &awserr.Error{Code: "ServiceUnavailable", HTTPStatus: 503, Receiver: true,
			Message: "The request has failed due to a temporary failure of the server."}
	}
	return iam.WithDecisionObserver(ctx, c), nil
}

// End records a finished call: its complete event replaces the one written with its change, or is appended. The
// event is built and written by the trail's writer, in a batch; End waits only while the writer's queue is full.
func (t *Trail) End(ctx context.Context, c *Call, out Outcome) {
	if t.closed.Load() {
		// A request the stop cut off, ending after the trail was closed with the store: the stop's own warning names
		// it; its event is not recorded.
		t.logger.Warn("audit: a request that ended after the stop is not recorded", "request_id", c.RequestID,
			"service", c.Service, "operation", c.Operation)
		return
	}
	// Even when the client went away, the event must be written: it waits for room whatever ctx says.
	t.enqueue(queued{call: c, out: out})
}

// enqueue appends to the queue, waiting while it is full, and wakes the writer when the queue was empty.
func (t *Trail) enqueue(q queued) {
	t.mu.Lock()
	for len(t.pending) >= queueSize {
		t.space.Wait()
	}
	t.pending = append(t.pending, q)
	first := len(t.pending) == 1
	if q.flush != nil {
		t.flushes++
	}
	t.mu.Unlock()
	if first {
		select {
		case t.wake <- struct{}{}:
		default:
		}
	}
	if q.flush != nil {
		select {
		case t.flushNow <- struct{}{}:
		default:
		}
	}
}

// Flush waits until every event queued before it is written.
func (t *Trail) Flush(ctx context.Context) error {
	f := make(chan error, 1)
	t.enqueue(queued{flush: f})
	select {
	case err := <-f:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the writer. Events ended after Close are logged and dropped.
func (t *Trail) Close(ctx context.Context) error {
	if t.closed.Swap(true) {
		return nil
	}
	err := t.Flush(ctx)
	close(t.done)
	t.wg.Wait()
	return err
}

// Failing reports whether the last write of events failed.
func (t *Trail) Failing() bool { return t.failing.Load() }

// maxBatch bounds the events written in one transaction.
const maxBatch = 512

// run writes queued events in batches: what arrives within BatchDelay of the first goes in one transaction (at
// most maxBatch at a time); a flush has what is queued written at once.
func (t *Trail) run() {
	defer t.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-t.wake:
		case <-t.flushNow:
		case <-t.done:
			// Close flushed before done: anything left arrived after.
			t.drain()
			return
		}
		// Let the batch gather, unless a flush waits.
		t.mu.Lock()
		flushing := t.flushes > 0
		t.mu.Unlock()
		if !flushing {
			timer.Reset(t.opts.BatchDelay)
			select {
			case <-timer.C:
			case <-t.flushNow:
				timer.Stop()
			case <-t.done:
				timer.Stop()
			}
		}
		t.drain()
	}
}

// drain takes the queue and writes it, maxBatch events at a time.
func (t *Trail) drain() {
	t.mu.Lock()
	queue := t.pending
	t.pending, t.spare, t.flushes = t.spare, nil, 0
	t.space.Broadcast()
	t.mu.Unlock()
	for batch := queue; len(batch) > 0; {
		n := min(len(batch), maxBatch)
		t.write(batch[:n])
		batch = batch[n:]
	}
	clear(queue) // the calls are written: the array keeps none of them alive
	t.mu.Lock()
	t.spare = queue[:0]
	t.mu.Unlock()
}

// write builds the events of a batch of calls and appends them in one transaction (each is retried alone if the
// batch fails, so that one bad event does not lose the others), then hands them to the sinks, and answers the
// flushes in it. An event that names no account reaches the sinks only.
func (t *Trail) write(batch []queued) {
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	evs := make([]*store.Event, 0, len(batch))
	var orphans [][]byte
	var sinkOrder []*store.Event // the events stored and those left as they were, in the batch's order
	for i := range batch {
		q := &batch[i]
		if q.call == nil {
			continue
		}
		if ev, rec := q.call.reusable(&q.out); ev != nil {
			// The event appended with the change is complete already (a change whose answer CloudTrail does not
			// record): it stays as it is, and only reaches the sinks, without being built again.
			if t.opts.Metrics != nil {
				t.opts.Metrics.EventRecorded(rec)
			}
			sinkOrder = append(sinkOrder, ev)
			continue
		}
		ev, rec, err := t.build(q.call, &q.out)
		if err != nil {
			t.logger.Error("audit: building an event", "request_id", q.call.RequestID, "err", err)
			t.fail("build")
			continue
		}
		if t.opts.Metrics != nil {
			t.opts.Metrics.EventRecorded(rec)
		}
		if ev.Account == "" {
			orphans = append(orphans, ev.Data)
			continue
		}
		q.call.mu.Lock()
		same := q.call.committed && bytes.Equal(q.call.txData, ev.Data)
		txSeq := q.call.txSeq
		q.call.mu.Unlock()
		if txSeq != 0 {
			ev.Seq = txSeq // the complete event replaces the one appended with the change
		} else {
			ev.Fresh = true // End's event has the call's new eventID
		}
		if same {
			// The event appended with the change is complete already (a change whose answer CloudTrail does not
			// record): it stays as it is, and only reaches the sinks.
			sinkOrder = append(sinkOrder, ev)
			continue
		}
		evs = append(evs, ev)
		sinkOrder = append(sinkOrder, ev)
	}
	var werr error
	replaces := make([]int64, len(evs)) // the Seq each event replaces: a failed append may have set another
	for i, e := range evs {
		replaces[i] = e.Seq
	}
	if err := t.inner.AppendEvents(ctx, evs); err != nil {
		for i, e := range evs {
			e.Seq = replaces[i]
			if err := t.inner.AppendEvents(ctx, []*store.Event{e}); err != nil {
				werr = err
				t.logger.Error("audit: writing an event", "event_id", e.ID, "err", err)
				t.fail("store")
			}
		}
	}
	var serr error
	for _, e := range sinkOrder {
		if err := t.toSinks(ctx, e.Account, e.Data); err != nil {
			serr = err
		}
	}
	for _, d := range orphans {
		if err := t.toSinks(ctx, "", d); err != nil {
			serr = err
		}
	}
	// The store copied the records it was given and the sinks keep none (Sink): their buffers serve the next ones.
	t.recycle(sinkOrder)
	if werr == nil && serr == nil && len(sinkOrder) > 0 {
		// Every write of this batch succeeded: the trail writes again (a failing-closed trail serves changes again).
		t.recover()
	}
	for _, q := range batch {
		if q.flush != nil {
			q.flush <- werr
		}
	}
}

// toSinks hands a record to every sink; it returns the last error.
func (t *Trail) toSinks(ctx context.Context, account string, record []byte) error {
	var last error
	for _, s := range t.opts.Sinks {
		if err := s.WriteEvent(ctx, account, record); err != nil {
			t.logger.Error("audit: writing to a sink", "err", err)
			t.fail("sink")
			last = err
		}
	}
	return last
}

// fail marks the trail failing after a failed write, logs the change once and counts every failure.
func (t *Trail) fail(where string) {
	if !t.failing.Swap(true) && t.opts.FailClosed {
		t.logger.Error("audit: the trail cannot write; refusing mutating calls until a write succeeds (fail closed)", "where", where)
	}
	if t.opts.Metrics != nil {
		t.opts.Metrics.TrailFailed(where)
	}
}

// recover marks the trail writing again after a batch was written everywhere.
func (t *Trail) recover() {
	if t.failing.Swap(false) {
		t.logger.Warn("audit: the trail writes again")
	}
}

// txStore is the store the domain services use: its Update appends the event of the call in the context with the
// change.
type txStore struct {
	store.Store
	t *Trail
}

func (s *txStore) Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	c := callOf(ctx)
	if c == nil {
		return s.Store.Update(ctx, fn)
	}
	c.mu.Lock()
	prevSeq := c.txSeq // an earlier change of the same call appended the event already: this one replaces it
	c.mu.Unlock()
	// What the transaction appended, in one variable: the closure shares it with one allocation.
	var got struct {
		data    []byte
		seq     int64
		event   *store.Event
		record  *Event
		version uint64
	}
	err := s.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		got.data, got.seq, got.event, got.record = nil, 0, nil, nil
		if err := fn(ctx, tx); err != nil {
			return err
		}
		c.mu.Lock()
		got.version = c.version
		c.mu.Unlock()
		ev, rec, err := s.t.build(c, nil)
		if err != nil {
			return fmt.Errorf("audit: the event of the change: %w", err)
		}
		if ev.Account == "" {
			return nil // nowhere to keep it; End hands it to the sinks
		}
		ev.Seq, ev.Fresh = prevSeq, prevSeq == 0 // the call's eventID is new unless an earlier change stored it
		if err := tx.AppendEvent(ctx, ev); err != nil {
			s.t.fail("store")
			return fmt.Errorf("audit: the event of the change: %w", err)
		}
		got.data, got.seq, got.event, got.record = ev.Data, ev.Seq, ev, rec
		return nil
	})
	if err == nil {
		c.mu.Lock()
		c.committed = true
		c.txData, c.txSeq = got.data, got.seq
		c.txEvent, c.txRecord, c.txVersion = got.event, got.record, got.version
		c.mu.Unlock()
	}
	return err
}

// newEventID returns an eventID in the UUID form CloudTrail uses, ordered by the call's time (version 7) so that
// the store's index of event IDs grows at its end.
func newEventID(at time.Time) string {
	if at.IsZero() {
		at = time.Now()
	}
	return secret.NewTimeUUID(at)
}
