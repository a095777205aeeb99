// Package sqlite implements the store contract on an embedded SQLite database (modernc.org/sqlite, pure Go): one
// file in the data directory, WAL journal, a busy timeout, writes in BEGIN IMMEDIATE transactions on a single
// connection, reads on a pool, and migrations embedded in the binary.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a store.Store on one SQLite file.
type Store struct {
	w, r *sql.DB
	// gens are the shared generations (table generations) as this handle last saw them: after its own commits and
	// by Sync. A field, not embedded, so that Synced and Committed stay the store's own.
	gens store.Generations
	// syncr reads the shared generations for Sync (sync.go), on a connection of r's of its own.
	syncr *syncReader
	// indexed is the trail's watermark as last committed (events.go): AppendEvent indexes the tail when it grows
	// past maxTail events beyond it.
	indexed atomic.Int64
	// appended is the newest seq committed: AppendEvents with no events indexes a tail left by AppendEvent.
	appended atomic.Int64
	// codec compresses the events table's records and attributes (eventcodec.go).
	codec *eventCodec
	// rawAttrs and kept are the buffers an insert of events encodes into (events.go), reused from one to the next:
	// only a write transaction uses them, and w runs one at a time.
	rawAttrs, kept []byte
	// tailCache holds what indexing needs of the events appended through this store and not yet indexed, by seq,
	// so that indexTail does not read them back (events.go).
	tailCache tailCache
	wStmts    sync.Map // query text -> *sql.Stmt on w
	rStmts    sync.Map // query text -> *sql.Stmt on r
	// trace, when set (by tests, before the store is used), sees every statement a transaction runs with its
	// arguments, so that a test can check the query plan of each.
	trace func(query string, args []any)
	// schema is the schema version Open found and left.
	schema store.SchemaVersion
	// ckpt runs the checkpoints of the write-ahead log, off the commits' path (checkpoint.go).
	ckpt *checkpointer
}

var _ store.Store = (*Store)(nil)

// ErrDamaged is returned by Open for a database that SQLite's integrity check finds damaged.
var ErrDamaged = errors.New("database is damaged")

// Open opens (creating if needed) the database file at path, checks it with SQLite's quick integrity check and
// applies pending migrations. A new database, its WAL and its shared-memory file are readable by their owner only
// (SQLite gives the -wal and -shm files the database file's mode whatever the umask), and an existing one that
// others could read is made so. A database the check finds damaged is refused with ErrDamaged.
//
// A database whose schema is newer than this iamd knows is refused with a *store.SchemaTooNewError.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Options{})
}

// Options choose how OpenWith treats the database's schema.
type Options struct {
	// NoMigrate opens the database without applying migrations: a schema that lacks some (a new file included) is
	// refused with a *store.SchemaBehindError (iamd serve --no-migrate, after "iamd migrate" ran).
	NoMigrate bool
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, path string, o Options) (*Store, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	dsn := "file:" + uriPath(path) + "?" + q.Encode()
	// The writer's page cache is larger than SQLite's default (2 MiB): the audit trail's rows pass through it on
	// every write, and must not push out the pages every change reads (each miss is a read from the file).
	// Its commits do not checkpoint the log until it is large: the store's checkpointer does (checkpoint.go).
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate&"+url.Values{"_pragma": {"cache_size(-32768)",
		fmt.Sprintf("wal_autocheckpoint(%d)", writerCheckpointPages)}}.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	codec, err := newEventCodec()
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{w: w, codec: codec}
	if err := check(ctx, w, path); err != nil {
		w.Close()
		return nil, err
	}
	if s.schema, err = s.openSchema(ctx, !o.NoMigrate); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var wm int64
	if err := w.QueryRowContext(ctx, "SELECT coalesce(max(batch), 0) FROM event_batches").Scan(&wm); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: read the trail's watermark: %w", path, err)
	}
	s.indexed.Store(wm)
	var newest int64
	if err := w.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&newest); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: read the trail's newest event: %w", path, err)
	}
	s.appended.Store(newest)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(9) // 8 for views, 1 for Sync
	// Every connection stays open once made: database/sql keeps 2 idle by default and would close the others as
	// concurrent views end, and each reopened connection prepares its statements again with a cold page cache.
	r.SetMaxIdleConns(9)
	s.r = r
	if s.syncr, err = newSyncReader(ctx, r, path); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := s.Sync(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ck, err := sql.Open("sqlite", dsn)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ck.SetMaxOpenConns(1)
	s.ckpt = startCheckpointer(ck)
	return s, nil
}

const syncQuery = "SELECT gen, pgen FROM generations WHERE id = 1"

// Sync reads the shared generations (one row, by its primary key) and moves this handle's Generation and
// PolicyGeneration to them when another handle committed since. The read does not follow ctx's cancellation: it
// never waits on a writer (WAL), and a context the read watches costs the driver a goroutine per query.
func (s *Store) Sync(context.Context) error {
	g, p, err := s.syncr.generations(context.Background())
	if err != nil {
		return fmt.Errorf("sync: read the shared generations: %w", err)
	}
	s.gens.Synced(uint64(g), uint64(p))
	return nil
}

// uriPath escapes a file's path for a "file:" URI (SQLite's "URI Filenames"): '%', '?' and '#' would otherwise
// end the path or start an escape, and another file would be opened than the one named.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

// createPrivate creates the database file with mode 0600 before SQLite opens it (SQLite would create it 0644 less
// the umask), and takes away the group's and others' access to an existing database and its -wal and -shm files.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// check runs PRAGMA quick_check, which reads every page of every b-tree (without comparing indexes with their
// tables), and refuses a damaged database rather than serving from it.
func check(ctx context.Context, db *sql.DB, path string) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return checkErr(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return checkErr(path, err)
		}
		if line != "ok" && len(problems) < 5 {
			problems = append(problems, strings.Join(strings.Fields(line), " "))
		}
	}
	if err := rows.Err(); err != nil {
		return checkErr(path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %w (PRAGMA quick_check: %s); restore it from a backup", path, ErrDamaged, strings.Join(problems, "; "))
	}
	return nil
}

func checkErr(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_CORRUPT || se.Code()&0xff == sqlite3.SQLITE_NOTADB) {
		return fmt.Errorf("%s: %w (%v); restore it from a backup", path, ErrDamaged, err)
	}
	return fmt.Errorf("check %s: %w", path, err)
}

// Close closes the database.
func (s *Store) Close() error {
	cerr := s.ckpt.stop()
	for _, m := range []*sync.Map{&s.rStmts, &s.wStmts} {
		m.Range(func(_, v any) bool { v.(*sql.Stmt).Close(); return true })
	}
	var serr error
	if s.syncr != nil {
		serr = s.syncr.close()
	}
	return errors.Join(cerr, serr, s.r.Close(), s.w.Close())
}

// Generation increases after every committed Update or UpdateStamps, through this handle or (seen by Sync) another.
func (s *Store) Generation() uint64 { return s.gens.Generation() }

// PolicyGeneration increases after every committed Update, through this handle or (seen by Sync) another.
func (s *Store) PolicyGeneration() uint64 { return s.gens.PolicyGeneration() }

// ForeignPolicyGeneration implements store.Store.
func (s *Store) ForeignPolicyGeneration() uint64 { return s.gens.ForeignPolicyGeneration() }

// Schema is what Open found of the database's schema, and the version it holds since.
func (s *Store) Schema() store.SchemaVersion { return s.schema }

// KnownSchemaVersion is the newest schema version this iamd knows.
func KnownSchemaVersion() int {
	files, err := migrationFiles()
	if err != nil || len(files) == 0 {
		return 0
	}
	return files[len(files)-1].version
}

// migrationFile is one embedded migration, by version.
type migrationFile struct {
	version    int
	name, path string
}

func migrationFiles() ([]migrationFile, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := make([]migrationFile, 0, len(files))
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad name", f)
		}
		out = append(out, migrationFile{version: n, name: base, path: f})
	}
	return out, nil
}

// schemaVersion reads the database's schema version (SQLite's user_version).
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var version int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return version, nil
}

// openSchema refuses a schema newer than this iamd knows and then applies the migrations the database lacks, or,
// with apply false, refuses a schema that lacks any.
func (s *Store) openSchema(ctx context.Context, apply bool) (store.SchemaVersion, error) {
	version, err := s.schemaVersion(ctx)
	if err != nil {
		return store.SchemaVersion{}, err
	}
	known := KnownSchemaVersion()
	switch {
	case version > known:
		return store.SchemaVersion{}, &store.SchemaTooNewError{Database: version, Known: known}
	case version < known && !apply:
		return store.SchemaVersion{}, &store.SchemaBehindError{Database: version, Known: known}
	}
	if err := s.migrate(ctx, math.MaxInt); err != nil {
		return store.SchemaVersion{}, err
	}
	return store.SchemaVersion{Found: version, Current: known}, nil
}

// migrate applies the embedded migrations past the database's version, up to upTo, each in a transaction of its
// own.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	version, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	files, err := migrationFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		n, base := f.version, f.name
		if n <= version || n > upTo {
			continue
		}
		body, err := migrations.ReadFile(f.path)
		if err != nil {
			return err
		}
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", n)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

// View runs fn in a read transaction. The database transaction begins at the first read, so a View whose reads a
// cache in front of the store answers (internal/store/cachestore) costs the database nothing.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	v := &view{s: s}
	err := fn(ctx, v)
	if v.t != nil {
		v.t.tx.Rollback()
		if len(v.t.pending) > 0 {
			prepare(ctx, s.r, &s.rStmts, v.t.pending)
		}
	}
	return err
}

// Update runs fn in a write transaction and commits when it returns nil.
func (s *Store) Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.update(ctx, fn, true)
}

// UpdateStamps runs fn in a write transaction that stamps usage only: its commit leaves PolicyGeneration alone.
func (s *Store) UpdateStamps(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.update(ctx, fn, false)
}

func (s *Store) update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error, policy bool) error {
	var g, p int64
	var known uint64 // pgen as this handle knew it when the transaction (holding the write lock) bumped it
	err := s.write(ctx, func(ctx context.Context, t *txn) error {
		if err := fn(ctx, t); err != nil {
			return err
		}
		// The commit's mark in the shared generations, in its transaction: other handles see it by Sync exactly
		// when they can see the commit.
		q := bumpGen
		if policy {
			q = bumpBoth
		}
		known = s.gens.PolicyGeneration()
		if _, err := t.exec(ctx, q); err != nil {
			return fmt.Errorf("bump the shared generations: %w", err)
		}
		if err := t.queryRow(ctx, syncQuery).Scan(&g, &p); err != nil {
			return fmt.Errorf("read the shared generations: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// gen first (Committed): a cache of derived data reads the policy generation before it reads the records it
	// derives from, so while pgen still has its old value those reads must already miss the read cache (whose
	// entries gen retires) and see the commit; the derived value is then kept under the old policy generation,
	// which the next step retires. The other order would let a derivation from stale cached records be kept as
	// current. The values are the ones this commit wrote, greater than any this handle knew; a pgen past the one
	// its own bump made of what the handle knew holds another handle's Update.
	s.gens.Committed(uint64(g), uint64(p), known, policy)
	return nil
}

// The bumps are read back with syncQuery, in the same transaction. Not with RETURNING: SQLite gathers what
// RETURNING returns in a temporary b-tree that each run of the statement opens anew: the bump cost a change 12 µs
// with RETURNING, and 21 µs after the change appended its event, against 8.5 and 10 µs for the two statements
// (BenchmarkChangeWithEvent, on 2 cores).
//
// The generations stay in their own one-page table even when the change appends an event, whose commit then writes
// that page as well as the events table's last one. Carrying them in the event's row instead (a view of the greater
// of the two for Sync and for older processes, the rows' generations set by the INSERT, no read-back) was built
// and measured: the change's commit got about 10 µs cheaper in BenchmarkChangeWithEvent, but every Sync after a
// commit then read the newest event as well, three or four pages more that SQLite reads again on the reading
// connection after each commit. With that read moved to the writer's connection right after its commit (whose
// cache holds those pages), the paired request benchmark (BenchmarkTrailCost) still showed the trail's share of an
// authorized write unchanged (14.5% against 14.6%): the event's INSERT, with its reads of the view, ran 223
// operations against 133 without them, and entered the program of the trigger that older processes need.
const (
	bumpBoth = "UPDATE generations SET gen = gen + 1, pgen = pgen + 1 WHERE id = 1"
	bumpGen  = "UPDATE generations SET gen = gen + 1 WHERE id = 1"
)

// txn implements store.Tx on a database/sql transaction. A query runs as a prepared statement once it has been
// seen: the first time it runs directly, and after the transaction the store prepares it (outside any transaction,
// since the writer has a single connection) for every later transaction.
type txn struct {
	s          *Store      // the store of a write transaction; nil in a view
	codec      *eventCodec // compresses event rows (eventcodec.go)
	indexedTo  int64       // the trail's watermark this transaction moved to (events.go), 0 if it did not
	appendedTo int64       // the newest seq this transaction appended, 0 if none
	// appended are the events this write transaction appended, for the store's tail cache once it commits.
	appended []tailEvent
	cache    *tailCache // the store's
	tx       *sql.Tx
	stmts    *sync.Map
	pending  []string
	trace    func(query string, args []any)
}

// stmt returns the prepared statement for query in this transaction, or nil when it is not prepared yet.
func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.stmts.Load(query); ok {
		return t.tx.StmtContext(ctx, st.(*sql.Stmt))
	}
	t.pending = append(t.pending, query)
	return nil
}

// prepare prepares the queries a finished transaction ran for the first time.
func prepare(ctx context.Context, db *sql.DB, stmts *sync.Map, queries []string) {
	for _, q := range queries {
		if _, ok := stmts.Load(q); ok {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue // the query keeps running unprepared
		}
		if _, loaded := stmts.LoadOrStore(q, st); loaded {
			st.Close()
		}
	}
}

func (t *txn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if t.trace != nil {
		t.trace(query, args)
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t *txn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.trace != nil {
		t.trace(query, args)
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *txn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.trace != nil {
		t.trace(query, args)
	}
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func key(name string) string { return strings.ToLower(name) }

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE)
}

const entityCols = "account, kind, name, path, id, arn, parent, created, data"

func scanEntity(sc interface{ Scan(...any) error }) (*store.Entity, error) {
	var e store.Entity
	var created int64
	if err := sc.Scan(&e.Account, &e.Kind, &e.Name, &e.Path, &e.ID, &e.ARN, &e.Parent, &created, &e.Data); err != nil {
		return nil, err
	}
	e.Created = time.Unix(0, created).UTC()
	return &e, nil
}

func (t *txn) Get(ctx context.Context, account string, kind store.Kind, name string) (*store.Entity, error) {
	row := t.queryRow(ctx, "SELECT "+entityCols+" FROM entities WHERE account = ? AND kind = ? AND name_key = ?", account, string(kind), key(name))
	e, err := scanEntity(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return e, err
}

func (t *txn) GetByID(ctx context.Context, id string) (*store.Entity, error) {
	if id == "" {
		return nil, store.ErrNotFound
	}
	// The unique index on id is partial (WHERE id <> ''): the query repeats that term so that SQLite may use it.
	// Without it, an unknown ID (which anyone can send as an access key ID) costs a scan of every entity.
	e, err := scanEntity(t.queryRow(ctx, "SELECT "+entityCols+" FROM entities WHERE id = ? AND id <> ''", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("id %q: %w", id, store.ErrNotFound)
	}
	return e, err
}

func listWhere(q store.ListQuery) (string, []any) {
	where := "account = ? AND kind = ?"
	args := []any{q.Account, string(q.Kind)}
	if q.PathPrefix != "" && q.PathPrefix != "/" {
		where += " AND substr(path, 1, ?) = ?"
		args = append(args, len(q.PathPrefix), q.PathPrefix)
	}
	if q.Parent != "" {
		where += " AND parent = ?"
		args = append(args, q.Parent)
	}
	if q.ARN != "" {
		where += " AND arn = ?"
		args = append(args, q.ARN)
	}
	return where, args
}

// listFrom is the table List and Count read for q. A selection by ARN names its index (migration 0003): without
// statistics the planner prefers the primary key's (account, kind) prefix, which scans every entity of the kind.
func listFrom(q store.ListQuery) string {
	if q.ARN != "" {
		return "entities INDEXED BY entities_arn"
	}
	return "entities"
}

// listQuery is the statement List runs for q, with its arguments.
func listQuery(q store.ListQuery) (string, []any) {
	where, args := listWhere(q)
	if q.After != "" {
		where += " AND name_key > ?"
		args = append(args, q.After)
	}
	query := "SELECT " + entityCols + ", name_key FROM " + listFrom(q) + " WHERE " + where + " ORDER BY name_key"
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit+1)
	}
	return query, args
}

func (t *txn) List(ctx context.Context, q store.ListQuery) (store.Page, error) {
	query, args := listQuery(q)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return store.Page{}, err
	}
	defer rows.Close()
	var page store.Page
	var keys []string
	for rows.Next() {
		var e store.Entity
		var created int64
		var k string
		if err := rows.Scan(&e.Account, &e.Kind, &e.Name, &e.Path, &e.ID, &e.ARN, &e.Parent, &created, &e.Data, &k); err != nil {
			return store.Page{}, err
		}
		e.Created = time.Unix(0, created).UTC()
		page.Entities = append(page.Entities, &e)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return store.Page{}, err
	}
	if q.Limit > 0 && len(page.Entities) > q.Limit {
		page.Entities = page.Entities[:q.Limit]
		page.Next = keys[q.Limit-1]
	}
	return page, nil
}

func (t *txn) Count(ctx context.Context, q store.ListQuery) (int, error) {
	where, args := listWhere(q)
	var n int
	err := t.queryRow(ctx, "SELECT count(*) FROM "+listFrom(q)+" WHERE "+where, args...).Scan(&n)
	return n, err
}

func linkWhere(q store.LinkQuery) (string, []any) {
	where := "account = ? AND kind = ?"
	args := []any{q.Account, q.Kind}
	if q.From != "" {
		where += " AND src = ?"
		args = append(args, q.From)
	}
	if q.To != "" {
		where += " AND dst = ?"
		args = append(args, q.To)
	}
	return where, args
}

func (t *txn) Links(ctx context.Context, q store.LinkQuery) ([]store.Link, error) {
	where, args := linkWhere(q)
	rows, err := t.query(ctx, "SELECT account, kind, src, dst, created FROM links WHERE "+where+" ORDER BY src, dst", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Link
	for rows.Next() {
		var l store.Link
		var created int64
		if err := rows.Scan(&l.Account, &l.Kind, &l.From, &l.To, &created); err != nil {
			return nil, err
		}
		l.Created = time.Unix(0, created).UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

func (t *txn) CountLinks(ctx context.Context, q store.LinkQuery) (int, error) {
	where, args := linkWhere(q)
	var n int
	err := t.queryRow(ctx, "SELECT count(*) FROM links WHERE "+where, args...).Scan(&n)
	return n, err
}

func (t *txn) Setting(ctx context.Context, account, k string) ([]byte, error) {
	var v []byte
	err := t.queryRow(ctx, "SELECT value FROM settings WHERE account = ? AND key = ?", account, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("setting %q: %w", k, store.ErrNotFound)
	}
	return v, err
}

func (t *txn) Accounts(ctx context.Context) ([]string, error) {
	// Each table is walked from one account to the next through its primary key (a skip scan written out), so
	// the cost grows with the number of accounts, not of entities.
	return t.column(ctx, `WITH RECURSIVE
  e(a) AS (SELECT (SELECT min(account) FROM entities) UNION ALL SELECT (SELECT min(account) FROM entities WHERE account > e.a) FROM e WHERE e.a IS NOT NULL),
  s(a) AS (SELECT (SELECT min(account) FROM settings) UNION ALL SELECT (SELECT min(account) FROM settings WHERE account > s.a) FROM s WHERE s.a IS NOT NULL),
  l(a) AS (SELECT (SELECT min(account) FROM links) UNION ALL SELECT (SELECT min(account) FROM links WHERE account > l.a) FROM l WHERE l.a IS NOT NULL)
SELECT a FROM e WHERE a IS NOT NULL UNION SELECT a FROM s WHERE a IS NOT NULL UNION SELECT a FROM l WHERE a IS NOT NULL ORDER BY 1`)
}

func (t *txn) Meta(ctx context.Context, k string) ([]byte, error) {
	var v []byte
	err := t.queryRow(ctx, "SELECT value FROM meta WHERE key = ?", k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("meta %q: %w", k, store.ErrNotFound)
	}
	return v, err
}

func (t *txn) PutMeta(ctx context.Context, k string, value []byte) error {
	_, err := t.exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, value)
	return err
}

func (t *txn) Insert(ctx context.Context, e *store.Entity) error {
	_, err := t.exec(ctx, "INSERT INTO entities (account, kind, name_key, name, path, id, arn, parent, created, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		e.Account, string(e.Kind), key(e.Name), e.Name, e.Path, e.ID, e.ARN, e.Parent, e.Created.UnixNano(), e.Data)
	if isConstraint(err) {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrConflict)
	}
	return err
}

func (t *txn) Update(ctx context.Context, e *store.Entity) error {
	res, err := t.exec(ctx, "UPDATE entities SET name = ?, path = ?, id = ?, arn = ?, parent = ?, data = ? WHERE account = ? AND kind = ? AND name_key = ?",
		e.Name, e.Path, e.ID, e.ARN, e.Parent, e.Data, e.Account, string(e.Kind), key(e.Name))
	if isConstraint(err) {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrConflict)
	}
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrNotFound)
	}
	return nil
}

func (t *txn) Delete(ctx context.Context, account string, kind store.Kind, name string) error {
	res, err := t.exec(ctx, "DELETE FROM entities WHERE account = ? AND kind = ? AND name_key = ?", account, string(kind), key(name))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return nil
}

func (t *txn) Link(ctx context.Context, l store.Link) error {
	_, err := t.exec(ctx, "INSERT INTO links (account, kind, src, dst, created) VALUES (?, ?, ?, ?, ?)", l.Account, l.Kind, l.From, l.To, l.Created.UnixNano())
	if isConstraint(err) {
		return fmt.Errorf("link %s %s -> %s: %w", l.Kind, l.From, l.To, store.ErrConflict)
	}
	return err
}

func (t *txn) Unlink(ctx context.Context, l store.Link) error {
	res, err := t.exec(ctx, "DELETE FROM links WHERE account = ? AND kind = ? AND src = ? AND dst = ?", l.Account, l.Kind, l.From, l.To)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("link %s %s -> %s: %w", l.Kind, l.From, l.To, store.ErrNotFound)
	}
	return nil
}

func (t *txn) UnlinkAll(ctx context.Context, q store.LinkQuery) (int, error) {
	where, args := linkWhere(q)
	res, err := t.exec(ctx, "DELETE FROM links WHERE "+where, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (t *txn) PutSetting(ctx context.Context, account, k string, value []byte) error {
	_, err := t.exec(ctx, "INSERT INTO settings (account, key, value) VALUES (?, ?, ?) ON CONFLICT (account, key) DO UPDATE SET value = excluded.value", account, k, value)
	return err
}

func (t *txn) DeleteSetting(ctx context.Context, account, k string) error {
	res, err := t.exec(ctx, "DELETE FROM settings WHERE account = ? AND key = ?", account, k)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("setting %q: %w", k, store.ErrNotFound)
	}
	return nil
}
