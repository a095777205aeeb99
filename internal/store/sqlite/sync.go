package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// syncReader reads the shared generations for Sync, once per API request, so it is built to cost little.
//
// First, it looks at the WAL-index header at the start of the database's shared-memory file (-shm; SQLite's "WAL
// file format", section "the WAL-index header"), which every commit of every process rewrites before its COMMIT
// returns: the frame count, the checkpoint salts and the change counter. When those 48 bytes are as they were
// before its last read of the generations, nothing was committed since, by anyone, and that read's answer stands:
// one pread, no query. Any change, or no shared-memory file to read, makes it read the database.
//
// The read of the database runs on one connection of its own with the statement prepared on it, driven through
// the driver's own interfaces (database/sql would allocate a score of objects per query), and concurrent Syncs
// share reads. A Sync needs a read that began after it was called; when one that began later has finished by the
// time it gets the connection, it takes that read's answer instead of making another, so a burst of requests
// costs one read or two, not one each.
type syncReader struct {
	shm  *os.File                 // the database's -shm file; nil when it could not be opened
	last atomic.Pointer[shmState] // the header as it was before the last read of the database, with its answer

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

// walIndexHeader is the size of the first copy of the WAL-index header in the -shm file.
const walIndexHeader = 48

// shmState is a WAL-index header and the generations read after it was.
type shmState struct {
	hdr  [walIndexHeader]byte
	g, p int64
}

func newSyncReader(ctx context.Context, db *sql.DB, path string) (*syncReader, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	r := &syncReader{conn: conn, dest: make([]driver.Value, 2)}
	// The writer's connection has the database open in WAL mode, so the file exists; without it, every Sync reads
	// the database.
	if f, err := os.Open(path + "-shm"); err == nil {
		r.shm = f
	}
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

// header reads the WAL-index header into hdr; false when it cannot.
func (r *syncReader) header(hdr *[walIndexHeader]byte) bool {
	if r.shm == nil {
		return false
	}
	n, err := r.shm.ReadAt(hdr[:], 0)
	return err == nil && n == walIndexHeader
}

// generations returns the shared generations as of a moment after the call.
func (r *syncReader) generations(ctx context.Context) (g, p int64, err error) {
	var hdr [walIndexHeader]byte
	okHdr := r.header(&hdr)
	if last := r.last.Load(); okHdr && last != nil && last.hdr == hdr {
		return last.g, last.p, nil // nothing committed since the last read
	}
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
	if okHdr {
		// hdr was read before this read began: a commit after it changes the header, and the next Sync reads again.
		r.last.Store(&shmState{hdr: hdr, g: r.g, p: r.p})
	} else {
		r.last.Store(nil)
	}
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
	if r.shm != nil {
		err = errors.Join(err, r.shm.Close())
	}
	return errors.Join(err, r.conn.Close())
}
