package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/internal/store/postgres"
	"github.com/iamd-dev/iamd/internal/store/storetest"
	"github.com/iamd-dev/iamd/internal/testutil/pgtest"
)

// allowedScans names the tables a statement may scan in full, with the reason. Every other table grows with the
// data.
var allowedScans = map[string]string{
	"meta":           "a handful of store-wide rows written by iamd itself",
	"generations":    "one row",
	"schema_version": "one row per migration",
}

// statements collects the statements stores run (their trace), each with the arguments of its first run.
type statements struct {
	mu   sync.Mutex
	seen map[string][]any
}

func (st *statements) trace(q string, args []any) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.seen[q]; !ok {
		st.seen[q] = append([]any(nil), args...)
	}
}

// checkPlans fills a database, runs every operation of the contract on it (storetest.Exercise), then asks
// PostgreSQL for the plan of every statement seen there and in seen (the conformance suite's), with the
// arguments it ran with and sequential scans disabled, and fails on a sequential scan of a table that grows
// with the data: one the planner could not avoid with any index.
func checkPlans(t *testing.T, seen *statements) {
	ctx := context.Background()
	url := pgtest.Database(t)
	s := open(t, url)
	postgres.SetTrace(s, seen.trace)
	n := 3000
	if testing.Short() {
		n = 300
	}
	storetest.Fill(t, s, n)
	storetest.Exercise(t, s)
	if len(seen.seen) < 40 {
		t.Fatalf("only %d distinct statements seen; the trace misses some", len(seen.seen))
	}
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
		t.Fatal(err)
	}
	queries := make([]string, 0, len(seen.seen))
	for q := range seen.seen {
		queries = append(queries, q)
	}
	sort.Strings(queries)
	for i, q := range queries {
		args := seen.seen[q]
		// The plan for these arguments, and the generic plan a prepared statement (as pgx caches them) may run
		// for any arguments: EXPLAIN EXECUTE of a statement prepared while generic plans are forced.
		name := fmt.Sprintf("s%d", i)
		if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+q); err != nil {
			t.Errorf("PREPARE %s: %v", q, err)
			continue
		}
		execute := "EXECUTE " + name // a generic plan does not depend on the values: NULLs do
		if len(args) > 0 {
			execute += "(" + strings.TrimSuffix(strings.Repeat("NULL, ", len(args)), ", ") + ")"
		}
		for _, explained := range []struct {
			sql  string
			args []any
		}{{q, args}, {execute, nil}} {
			var out string
			if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+explained.sql, explained.args...).Scan(&out); err != nil {
				t.Errorf("EXPLAIN %s: %v", explained.sql, err)
				continue
			}
			var plans []struct{ Plan planNode }
			if err := json.Unmarshal([]byte(out), &plans); err != nil {
				t.Fatal(err)
			}
			for _, p := range plans {
				p.Plan.walk(func(n *planNode) {
					if n.NodeType != "Seq Scan" {
						return
					}
					if _, ok := allowedScans[n.Relation]; ok {
						return
					}
					t.Errorf("sequential scan of %s (%s):\n  query: %s\n  args: %v\n  plan: %s", n.Relation, explained.sql, q, args, strings.Join(strings.Fields(out), " "))
				})
			}
		}
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON)'s plan.
type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

func (n *planNode) walk(fn func(*planNode)) {
	fn(n)
	for i := range n.Plans {
		n.Plans[i].walk(fn)
	}
}
