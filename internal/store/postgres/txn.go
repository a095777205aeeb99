package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// txn implements store.Tx on a pgx transaction. A view's transaction (read-only, one snapshot) begins at its first
// statement, so a View whose reads a cache in front of the store answers (internal/store/cachestore) costs the
// database nothing.
type txn struct {
	tx    pgx.Tx
	begin func(ctx context.Context) (pgx.Tx, error) // for a view, until tx is set
	trace func(query string, args []any)
	// eventsLocked is set once the transaction holds the trail's advisory lock.
	eventsLocked bool
}

// conn returns the transaction, beginning it first if it is a view's that has not begun.
func (t *txn) conn(ctx context.Context) (pgx.Tx, error) {
	if t.tx == nil {
		tx, err := t.begin(ctx)
		if err != nil {
			return nil, fmt.Errorf("begin read: %w", err)
		}
		t.tx = tx
	}
	return t.tx, nil
}

// errRow is a pgx.Row that fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

func (t *txn) queryRow(ctx context.Context, query string, args ...any) pgx.Row {
	if t.trace != nil {
		t.trace(query, args)
	}
	tx, err := t.conn(ctx)
	if err != nil {
		return errRow{err}
	}
	return tx.QueryRow(ctx, query, args...)
}

func (t *txn) query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	if t.trace != nil {
		t.trace(query, args)
	}
	tx, err := t.conn(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Query(ctx, query, args...)
}

func (t *txn) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	if t.trace != nil {
		t.trace(query, args)
	}
	tx, err := t.conn(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return tx.Exec(ctx, query, args...)
}

// queue adds a statement to a batch, for sendBatch.
func (t *txn) queue(b *pgx.Batch, query string, args ...any) {
	if t.trace != nil {
		t.trace(query, args)
	}
	b.Queue(query, args...)
}

// sendBatch sends the statements queued in b in one round trip (a pipeline); the caller reads their results in
// order and closes the results.
func (t *txn) sendBatch(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	tx, err := t.conn(ctx)
	if err != nil {
		return nil, err
	}
	return tx.SendBatch(ctx, b), nil
}

// params collects the arguments of a statement being built and names their placeholders.
type params []any

// add appends v and returns its placeholder, $n.
func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

func key(name string) string { return strings.ToLower(name) }

// bytes returns b, or an empty slice for nil (pgx sends nil as NULL, and the columns are NOT NULL).
func bytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

const entityCols = "account, kind, name, path, id, arn, parent, created, data"

func scanEntity(sc interface{ Scan(...any) error }, extra ...any) (*store.Entity, error) {
	var e store.Entity
	var kind string
	var created int64
	if err := sc.Scan(append([]any{&e.Account, &kind, &e.Name, &e.Path, &e.ID, &e.ARN, &e.Parent, &created, &e.Data}, extra...)...); err != nil {
		return nil, err
	}
	e.Kind = store.Kind(kind)
	e.Created = time.Unix(0, created).UTC()
	return &e, nil
}

func (t *txn) Get(ctx context.Context, account string, kind store.Kind, name string) (*store.Entity, error) {
	e, err := scanEntity(t.queryRow(ctx, "SELECT "+entityCols+" FROM entities WHERE account = $1 AND kind = $2 AND name_key = $3", account, string(kind), key(name)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return e, err
}

func (t *txn) GetByID(ctx context.Context, id string) (*store.Entity, error) {
	if id == "" {
		return nil, store.ErrNotFound
	}
	// The unique index on id is partial (WHERE id <> ''): the query repeats that term so that it applies.
	e, err := scanEntity(t.queryRow(ctx, "SELECT "+entityCols+" FROM entities WHERE id = $1 AND id <> ''", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("id %q: %w", id, store.ErrNotFound)
	}
	return e, err
}

func listWhere(q store.ListQuery, p *params) string {
	where := "account = " + p.add(q.Account) + " AND kind = " + p.add(string(q.Kind))
	if q.PathPrefix != "" && q.PathPrefix != "/" {
		where += " AND starts_with(path, " + p.add(q.PathPrefix) + ")"
	}
	if q.Parent != "" {
		where += " AND parent = " + p.add(q.Parent)
	}
	if q.ARN != "" {
		where += " AND arn = " + p.add(q.ARN)
	}
	return where
}

// listQuery is the statement List runs for q, with its arguments.
func listQuery(q store.ListQuery) (string, []any) {
	var p params
	where := listWhere(q, &p)
	if q.After != "" {
		where += " AND name_key > " + p.add(q.After)
	}
	query := "SELECT " + entityCols + ", name_key FROM entities WHERE " + where + " ORDER BY name_key"
	if q.Limit > 0 {
		query += " LIMIT " + p.add(q.Limit+1)
	}
	return query, p
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
		var k string
		e, err := scanEntity(rows, &k)
		if err != nil {
			return store.Page{}, err
		}
		page.Entities = append(page.Entities, e)
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
	var p params
	where := listWhere(q, &p)
	var n int
	err := t.queryRow(ctx, "SELECT count(*) FROM entities WHERE "+where, p...).Scan(&n)
	return n, err
}

func linkWhere(q store.LinkQuery, p *params) string {
	where := "account = " + p.add(q.Account) + " AND kind = " + p.add(q.Kind)
	if q.From != "" {
		where += " AND src = " + p.add(q.From)
	}
	if q.To != "" {
		where += " AND dst = " + p.add(q.To)
	}
	return where
}

func (t *txn) Links(ctx context.Context, q store.LinkQuery) ([]store.Link, error) {
	var p params
	where := linkWhere(q, &p)
	rows, err := t.query(ctx, "SELECT account, kind, src, dst, created FROM links WHERE "+where+" ORDER BY src, dst", p...)
	if err != nil {
		return nil, err
	}
	return pgx.AppendRows([]store.Link(nil), rows, func(row pgx.CollectableRow) (store.Link, error) { // nil when none, as on SQLite
		var l store.Link
		var created int64
		err := row.Scan(&l.Account, &l.Kind, &l.From, &l.To, &created)
		l.Created = time.Unix(0, created).UTC()
		return l, err
	})
}

func (t *txn) CountLinks(ctx context.Context, q store.LinkQuery) (int, error) {
	var p params
	where := linkWhere(q, &p)
	var n int
	err := t.queryRow(ctx, "SELECT count(*) FROM links WHERE "+where, p...).Scan(&n)
	return n, err
}

func (t *txn) Setting(ctx context.Context, account, k string) ([]byte, error) {
	var v []byte
	err := t.queryRow(ctx, "SELECT value FROM settings WHERE account = $1 AND key = $2", account, k).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("setting %q: %w", k, store.ErrNotFound)
	}
	return v, err
}

// accountsQuery walks each table from one account to the next through its primary key (a skip scan written out),
// so its cost grows with the number of accounts, not of entities.
const accountsQuery = `WITH RECURSIVE
  e(a) AS (SELECT (SELECT min(account) FROM entities) UNION ALL SELECT (SELECT min(account) FROM entities WHERE account > e.a) FROM e WHERE e.a IS NOT NULL),
  l(a) AS (SELECT (SELECT min(account) FROM links) UNION ALL SELECT (SELECT min(account) FROM links WHERE account > l.a) FROM l WHERE l.a IS NOT NULL),
  s(a) AS (SELECT (SELECT min(account) FROM settings) UNION ALL SELECT (SELECT min(account) FROM settings WHERE account > s.a) FROM s WHERE s.a IS NOT NULL)
SELECT a FROM e WHERE a IS NOT NULL UNION SELECT a FROM l WHERE a IS NOT NULL UNION SELECT a FROM s WHERE a IS NOT NULL ORDER BY 1`

func (t *txn) Accounts(ctx context.Context) ([]string, error) { return t.column(ctx, accountsQuery) }

func (t *txn) Meta(ctx context.Context, k string) ([]byte, error) {
	var v []byte
	err := t.queryRow(ctx, "SELECT value FROM meta WHERE key = $1", k).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("meta %q: %w", k, store.ErrNotFound)
	}
	return v, err
}

func (t *txn) PutMeta(ctx context.Context, k string, value []byte) error {
	_, err := t.exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, bytes(value))
	return err
}

// Insert adds an entity. ON CONFLICT DO NOTHING (on the name's key or the ID) reports a conflict as no row
// inserted, without aborting the transaction; a concurrent insert of the same name or ID is waited for.
func (t *txn) Insert(ctx context.Context, e *store.Entity) error {
	tag, err := t.exec(ctx, "INSERT INTO entities (account, kind, name_key, name, path, id, arn, parent, created, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
		e.Account, string(e.Kind), key(e.Name), e.Name, e.Path, e.ID, e.ARN, e.Parent, e.Created.UnixNano(), bytes(e.Data))
	if err != nil {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrConflict)
	}
	return nil
}

func (t *txn) Update(ctx context.Context, e *store.Entity) error {
	tag, err := t.exec(ctx, "UPDATE entities SET name = $1, path = $2, id = $3, arn = $4, parent = $5, data = $6 WHERE account = $7 AND kind = $8 AND name_key = $9",
		e.Name, e.Path, e.ID, e.ARN, e.Parent, bytes(e.Data), e.Account, string(e.Kind), key(e.Name))
	if err != nil {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrNotFound)
	}
	return nil
}

func (t *txn) Delete(ctx context.Context, account string, kind store.Kind, name string) error {
	tag, err := t.exec(ctx, "DELETE FROM entities WHERE account = $1 AND kind = $2 AND name_key = $3", account, string(kind), key(name))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return nil
}

func (t *txn) Link(ctx context.Context, l store.Link) error {
	tag, err := t.exec(ctx, "INSERT INTO links (account, kind, src, dst, created) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
		l.Account, l.Kind, l.From, l.To, l.Created.UnixNano())
	if err != nil {
		return fmt.Errorf("link %s %s -> %s: %w", l.Kind, l.From, l.To, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("link %s %s -> %s: %w", l.Kind, l.From, l.To, store.ErrConflict)
	}
	return nil
}

func (t *txn) Unlink(ctx context.Context, l store.Link) error {
	tag, err := t.exec(ctx, "DELETE FROM links WHERE account = $1 AND kind = $2 AND src = $3 AND dst = $4", l.Account, l.Kind, l.From, l.To)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("link %s %s -> %s: %w", l.Kind, l.From, l.To, store.ErrNotFound)
	}
	return nil
}

func (t *txn) UnlinkAll(ctx context.Context, q store.LinkQuery) (int, error) {
	var p params
	where := linkWhere(q, &p)
	tag, err := t.exec(ctx, "DELETE FROM links WHERE "+where, p...)
	if err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

func (t *txn) PutSetting(ctx context.Context, account, k string, value []byte) error {
	_, err := t.exec(ctx, "INSERT INTO settings (account, key, value) VALUES ($1, $2, $3) ON CONFLICT (account, key) DO UPDATE SET value = excluded.value", account, k, bytes(value))
	return err
}

func (t *txn) DeleteSetting(ctx context.Context, account, k string) error {
	tag, err := t.exec(ctx, "DELETE FROM settings WHERE account = $1 AND key = $2", account, k)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("setting %q: %w", k, store.ErrNotFound)
	}
	return nil
}
