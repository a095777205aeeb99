package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/store/storetest"
)

// allowedScans names the tables a statement may scan in full, with the reason. Every table of the store can grow
// with the data (entities, links, per-account settings) except meta, whose few rows iamd itself writes.
var allowedScans = map[string]string{
	"meta": "a handful of store-wide rows written by iamd itself",
	"event_latest": "PruneEvents (hourly) reads the whole keep set: one row per value of a Latest attribute " +
		"(an access key, a principal's service or action), not per event",
}

// TestEveryStatementUsesAnIndex runs EXPLAIN QUERY PLAN over every statement the store runs — each operation of
// the contract with each shape of query, and all that the conformance suite runs — with the arguments it ran
// with, and fails on a full scan of a table that grows with the data. An access key ID is looked up by ID before
// its signature is checked, so a scan there lets anyone make each request cost the whole table.
func TestEveryStatementUsesAnIndex(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]any{}
	trace := func(q string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := seen[q]; !ok {
			seen[q] = append([]any(nil), args...)
		}
	}
	open := func(t *testing.T, path string) *sqlite.Store {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		sqlite.SetTrace(s, trace)
		return s
	}
	path := filepath.Join(t.TempDir(), "iamd.db")
	s := open(t, path)
	storetest.Fill(t, s, 3000)
	storetest.Exercise(t, s)
	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, filepath.Join(t.TempDir(), "iamd.db")) })
	})
	s.Close()
	if len(seen) < 30 {
		t.Fatalf("only %d distinct statements seen; the trace misses some", len(seen))
	}

	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables := map[string]bool{}
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables[name] = true
	}
	rows.Close()
	for _, table := range []string{"entities", "links", "settings", "meta"} {
		if !tables[table] {
			t.Fatalf("table %s missing from the schema %v", table, tables)
		}
	}
	queries := make([]string, 0, len(seen))
	for q := range seen {
		queries = append(queries, q)
	}
	sort.Strings(queries)
	for _, q := range queries {
		plan, err := explain(db, q, seen[q])
		if err != nil {
			t.Errorf("EXPLAIN QUERY PLAN %s: %v", q, err)
			continue
		}
		for _, step := range plan {
			f := strings.Fields(step)
			if len(f) < 2 || f[0] != "SCAN" || !tables[f[1]] {
				continue
			}
			if reason, ok := allowedScans[f[1]]; ok {
				t.Logf("allowed (%s): %s: %s", reason, q, step)
				continue
			}
			t.Errorf("full scan of %s:\n  query: %s\n  args: %v\n  plan: %s", f[1], q, seen[q], strings.Join(plan, " | "))
		}
	}
}

func explain(db *sql.DB, q string, args []any) ([]string, error) {
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}
