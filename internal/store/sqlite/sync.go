package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// syncReader reads the shared generations for Sync, once per API request, so it is built to cost little: one
// connection of its own with the statement prepared on it, driven through the driver's own interfaces (database/sql
// would allocate a score of objects per query), and concurrent Syncs share reads. A Sync needs a read that began
// after it was called; when one that began later has finished by the time it gets the connection, it takes that
// read's answer instead of making another, so a burst of requests costs one read or two, not one each.
type syncReader struct {
	mu   sync.Mutex
	conn *sql.Conn
	stmt driver.Stmt // prepared on conn's driver connection, used only inside conn.Raw
	dest []driver.Value
	g, p int64
	read func(dc any) error // r.readRaw, made once
	ctx  context.Context    // of the read in progress, for readRaw
	// started counts the reads begun, finished those finished (with their answer in g and p, or an error).
	started, finished atomic.Uint64
}

func newSyncReader(ctx context.Context, db *sql.DB) (*syncReader, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	r := &syncReader{conn: conn, dest: make([]driver.Value, 2)}
	r.read = r.readRaw
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver connection %T cannot prepare", dc)
		}
		r.stmt, err = c.PrepareContext(ctx, syncQuery)
		return err
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return r, nil
}

// generations returns the shared generations as read by a read that began after the call.
func (r *syncReader) generations(ctx context.Context) (g, p int64, err error) {
	// Reads numbered up to began have begun before this call; a later one that has finished will do.
	began := r.started.Load()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished.Load() > began {
		return r.g, r.p, nil
	}
	r.started.Add(1)
	r.ctx = ctx
	err = r.conn.Raw(r.read)
	r.ctx = nil
	if err != nil {
		// No answer: callers waiting for this read make their own.
		r.started.Add(^uint64(0))
		return 0, 0, err
	}
	r.finished.Store(r.started.Load())
	return r.g, r.p, nil
}

// readRaw runs the prepared statement on the driver connection; r.mu is held.
func (r *syncReader) readRaw(any) error {
	q, ok := r.stmt.(driver.StmtQueryContext)
	if !ok {
		return errors.New("driver statement cannot query")
	}
	rows, err := q.QueryContext(r.ctx, nil)
	if err != nil {
		return err
	}
	err = rows.Next(r.dest)
	if errors.Is(err, io.EOF) {
		err = errors.New("no row in table generations")
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	g, ok1 := r.dest[0].(int64)
	p, ok2 := r.dest[1].(int64)
	if !ok1 || !ok2 {
		return fmt.Errorf("generations read as %T, %T", r.dest[0], r.dest[1])
	}
	r.g, r.p = g, p
	return nil
}

func (r *syncReader) close() error {
	var err error
	if r.stmt != nil {
		err = r.conn.Raw(func(any) error { return r.stmt.Close() })
	}
	return errors.Join(err, r.conn.Close())
}
