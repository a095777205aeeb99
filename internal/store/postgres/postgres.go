// Package postgres implements the store contract on PostgreSQL 13 or later (github.com/jackc/pgx/v5, pgxpool), so
// that several iamd nodes can share one database. Migrations are embedded and applied by Open. Plain SQL, no
// extensions.
//
// How it keeps the contract:
//
//   - Writes (Update, UpdateStamps) run in READ COMMITTED transactions whose first statement bumps the one row of
//     the generations table. That row lock serializes the writers of every node, as SQLite's single writer does,
//     so a read-modify-write in a transaction (a quota count, a counter) never loses an update, and each statement
//     after the lock sees every earlier write. The row holds the store's generations as the database knows them
//     (DatabaseGenerations), for a node to learn of another node's writes; Generation and PolicyGeneration are this
//     process's counters, moved after each commit of this Store as in the SQLite store.
//   - Names are unique ignoring case through a key column (the name lower-cased by iamd) under a unique index; IDs
//     through a partial unique index. An Insert or Link that would break one reports store.ErrConflict without
//     aborting the transaction (ON CONFLICT DO NOTHING); any other unique violation (SQLSTATE 23505, e.g. an Update
//     to a taken ID) is store.ErrConflict too, and like any failed statement it aborts the transaction, so the
//     function must return it.
//   - A transaction that fails with a serialization failure or a deadlock (40001, 40P01) before the caller's
//     function ran (on the generations row) is run again, a few times; once the function ran, the failure is
//     returned, since the contract runs each function once.
//   - Generation and PolicyGeneration are the shared generations as this handle last saw them: after its own
//     commits (the generations row's new values) and after Sync (one read of that row).
//   - Reads (View) run in a REPEATABLE READ READ ONLY transaction, begun at the first read: one snapshot.
//   - A failure that says the database could not be reached or went away (a broken or refused connection, the
//     server shutting down or starting) is returned wrapping store.ErrUnavailable, by View, Update, UpdateStamps
//     and Sync; the API answers it ServiceUnavailable. Connections are made again as they are needed: a node
//     serves again once the database is back, without a restart of its own.
//   - Times are Unix nanoseconds in bigint columns, so they read back exactly as written.
//   - The audit trail: every transaction that appends events takes a transaction-level advisory lock first, so
//     seqs (an identity column) are handed out and committed in the same order, and EventsSince misses none.
//
// The connection URL takes pgx's parameters besides PostgreSQL's, e.g. pool_max_conns (the pool's size; pgx's
// default is the larger of 4 and the number of CPUs).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Advisory lock keys (transaction-level). Any value works as long as nothing else in the database uses it; these
// spell "iamdmigr" and "iamdevts".
const (
	migrateLock int64 = 0x69616d646d696772
	eventsLock  int64 = 0x69616d6465767473
)

// maxAttempts bounds how many times a transaction that fails with a serialization failure or a deadlock is run.
const maxAttempts = 5

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
	// gens are the shared generations (table generations) as this handle last saw them: after its own commits and
	// by Sync. A field, not embedded, so that Synced and Committed stay the store's own.
	gens store.Generations
	// trace, when set (by tests, before the store is used), sees every statement a transaction runs with its
	// arguments, so that a test can check the query plan of each.
	trace func(query string, args []any)
	// schema is the schema version Open found and left.
	schema store.SchemaVersion
}

var _ store.Store = (*Store)(nil)

// SchemaTooNewError is returned by Open for a database whose schema is newer than this iamd knows: a newer iamd
// migrated it, and this one would misread or damage what the newer one writes.
type SchemaTooNewError = store.SchemaTooNewError

// Options choose how OpenWith treats the database's schema.
type Options struct {
	// NoMigrate opens the database without applying migrations: a schema that lacks some is refused with a
	// *store.SchemaBehindError (iamd serve --no-migrate, after "iamd migrate" ran).
	NoMigrate bool
}

// Open connects to the database at url (a PostgreSQL connection URL or keyword/value string, as pgx takes it) and
// applies the migrations it lacks, in one transaction under an advisory lock, so that nodes starting together do
// not race. A database whose schema is newer than this iamd knows is refused with a *SchemaTooNewError.
func Open(ctx context.Context, url string) (*Store, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's message may quote the URL, password included: say only what kind of error it is.
		return nil, errors.New("postgres: the connection URL does not parse (postgres://USER@HOST:PORT/DB?sslmode=...)")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	schema, err := migrate(ctx, pool, !o.NoMigrate)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, schema: schema}, nil
}

// Schema is what Open found of the database's schema, and the version it holds since.
func (s *Store) Schema() store.SchemaVersion { return s.schema }

// Close closes the pool's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Generation increases after every committed Update or UpdateStamps, through this handle or (seen by Sync) another.
func (s *Store) Generation() uint64 { return s.gens.Generation() }

// PolicyGeneration increases after every committed Update, through this handle or (seen by Sync) another.
func (s *Store) PolicyGeneration() uint64 { return s.gens.PolicyGeneration() }

// ForeignPolicyGeneration implements store.Store.
func (s *Store) ForeignPolicyGeneration() uint64 { return s.gens.ForeignPolicyGeneration() }

// DatabaseGenerations reads the generations the database holds: how many write transactions of any node have
// committed (gen), and how many of those were not UpdateStamps (policy). A node that sees them move without a
// commit of its own knows another node wrote.
func (s *Store) DatabaseGenerations(ctx context.Context) (gen, policy uint64, err error) {
	var g, p int64
	if err := s.pool.QueryRow(ctx, "SELECT gen, policy_gen FROM generations").Scan(&g, &p); err != nil {
		return 0, 0, fmt.Errorf("read generations: %w", err)
	}
	return uint64(g), uint64(p), nil
}

// migration is one embedded migration file.
type migration struct {
	version int
	name    string
	body    string
}

func loadMigrations() ([]migration, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []migration
	for _, f := range files {
		base := strings.TrimPrefix(f, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad name", f)
		}
		body, err := migrations.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: n, name: base, body: string(body)})
	}
	return out, nil
}

// KnownSchemaVersion is the newest schema version this iamd knows.
func KnownSchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the pending migrations in one transaction, under an advisory lock that serializes the nodes
// that start at once: the second waits, then finds the schema current. With apply false it only reads the schema
// version and refuses one that lacks migrations (a *store.SchemaBehindError). Either way a schema newer than this
// iamd knows is refused (a *SchemaTooNewError).
func migrate(ctx context.Context, pool *pgxpool.Pool, apply bool) (store.SchemaVersion, error) {
	var sv store.SchemaVersion
	ms, err := loadMigrations()
	if err != nil {
		return sv, err
	}
	known := ms[len(ms)-1].version
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return sv, fmt.Errorf("postgres: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLock); err != nil {
		return sv, fmt.Errorf("postgres: lock for migrations: %w", err)
	}
	var version int
	if !apply {
		// Without migrating, the schema_version table is only read: a new database has none (version 0).
		err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&version)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
			version, err = 0, nil
		}
		if err != nil {
			return sv, fmt.Errorf("postgres: read the schema version: %w", err)
		}
		switch {
		case version > known:
			return sv, &SchemaTooNewError{Database: version, Known: known}
		case version < known:
			return sv, &store.SchemaBehindError{Database: version, Known: known}
		}
		return store.SchemaVersion{Found: version, Current: version}, nil
	}
	if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied bigint NOT NULL)"); err != nil {
		return sv, fmt.Errorf("postgres: schema_version: %w", err)
	}
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&version); err != nil {
		return sv, fmt.Errorf("postgres: read the schema version: %w", err)
	}
	if version > known {
		return sv, &SchemaTooNewError{Database: version, Known: known}
	}
	for _, m := range ms {
		if m.version <= version {
			continue
		}
		if _, err := tx.Exec(ctx, m.body); err != nil {
			return sv, fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_version (version, applied) VALUES ($1, $2)", m.version, time.Now().UnixNano()); err != nil {
			return sv, fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return sv, fmt.Errorf("postgres: migrations: %w", err)
	}
	return store.SchemaVersion{Found: version, Current: known}, nil
}

// View runs fn in a read-only transaction on one snapshot (REPEATABLE READ), begun at its first read. The function
// gets a Reader only: the transaction refuses writes.
func (s *Store) View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	t := &txn{trace: s.trace, begin: func(ctx context.Context) (pgx.Tx, error) {
		return s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	}}
	err := fn(ctx, readerOnly{t})
	if t.tx != nil {
		t.tx.Rollback(context.WithoutCancel(ctx))
	}
	return unavailable(err)
}

// readerOnly hides the write methods of a view's txn from a type assertion.
type readerOnly struct{ store.Reader }

// Update runs fn in a write transaction and commits when it returns nil.
func (s *Store) Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.update(ctx, fn, true)
}

// UpdateStamps runs fn in a write transaction that stamps usage only: its commit leaves PolicyGeneration alone.
func (s *Store) UpdateStamps(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	return s.update(ctx, fn, false)
}

func (s *Store) update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error, policy bool) error {
	bump := "UPDATE generations SET gen = gen + 1"
	if policy {
		bump += ", policy_gen = policy_gen + 1"
	}
	bump += " RETURNING gen, policy_gen"
	var g, p int64
	var known uint64 // pgen as this handle knew it once the bump held the generations' row
	var ran bool
	err := s.writeRetrying(ctx, func(ctx context.Context, t *txn) error {
		if err := t.queryRow(ctx, bump).Scan(&g, &p); err != nil {
			return fmt.Errorf("begin write: %w", mapErr(err))
		}
		known = s.gens.PolicyGeneration()
		// From here the function runs: the contract runs it once, so a failure from now on is not retried.
		ran = true
		return fn(ctx, t)
	}, func() bool { return !ran })
	var unsure *commitError
	if err != nil && !errors.As(err, &unsure) {
		return unavailable(err)
	}
	// The shared generations as this commit left them (a failed commit may have committed: they move as if it
	// had, and caches drop what they hold, at worst needlessly). gen first, as in the SQLite store. A pgen past the
	// one its own bump made of what the handle knew holds another handle's Update.
	s.gens.Committed(uint64(g), uint64(p), known, policy)
	return unavailable(err)
}

// Sync brings this handle's generations up to those the database holds (another node's commits).
func (s *Store) Sync(ctx context.Context) error {
	g, p, err := s.DatabaseGenerations(ctx)
	if err != nil {
		return fmt.Errorf("sync: %w", unavailable(err))
	}
	s.gens.Synced(g, p)
	return nil
}

// commitError is a failed COMMIT. The transaction may have committed all the same (the connection broke after
// the server committed), so the generations move as after a commit: caches drop what they hold, at worst needlessly.
type commitError struct{ err error }

func (e *commitError) Error() string { return "commit: " + e.err.Error() }
func (e *commitError) Unwrap() error { return e.err }

// write runs fn in a READ COMMITTED transaction and commits it, running it again (fn too) after a serialization
// failure or a deadlock, at most maxAttempts times in all. It moves no generation itself.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, t *txn) error) error {
	return s.writeRetrying(ctx, fn, nil)
}

// writeRetrying is write that retries only while mayRetry (when not nil) says so: a caller's function that must
// run once (Update's) is retried only when the failure came before it ran.
func (s *Store) writeRetrying(ctx context.Context, fn func(ctx context.Context, t *txn) error, mayRetry func() bool) error {
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts || (mayRetry != nil && !mayRetry()) {
			return unavailable(err)
		}
		// A short random pause, growing with the attempts, so that the transactions that collided do not again.
		pause := time.Duration(attempt) * time.Duration(1+rand.IntN(10)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(ctx context.Context, t *txn) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	t := &txn{tx: tx, trace: s.trace}
	if err := fn(ctx, t); err != nil {
		tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return &commitError{mapErr(err)}
	}
	return nil
}

// SQLSTATE codes the store branches on.
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func retryable(err error) bool {
	switch sqlState(err) {
	case serializationFailure, deadlockDetected:
		return true
	}
	return false
}

// SQLSTATE classes and codes of a server that is away or going: class 08 (connection exception) and
// admin_shutdown, crash_shutdown, cannot_connect_now.
const (
	connectionExceptionClass = "08"
	adminShutdown            = "57P01"
	crashShutdown            = "57P02"
	cannotConnectNow         = "57P03"
)

// unavailable wraps err with store.ErrUnavailable, keeping the cause and whatever else it wraps, when it says that
// the database could not be reached or went away: a connection that could not be made or broke (pgx's connect and
// network errors, a closed connection), or the server's own word that it shuts down or starts.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) || !isUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", store.ErrUnavailable, err)
}

func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the request's own end, which the API answers as such
	}
	switch code := sqlState(err); {
	case code == adminShutdown, code == crashShutdown, code == cannotConnectNow, strings.HasPrefix(code, connectionExceptionClass):
		return true
	case code != "":
		return false // the server answered: the failure is the statement's
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err) // a statement never sent: its connection was closed
}

// mapErr wraps a unique violation with store.ErrConflict, keeping the cause.
func mapErr(err error) error {
	if sqlState(err) == uniqueViolation {
		return fmt.Errorf("%w (%w)", store.ErrConflict, err)
	}
	return err
}
