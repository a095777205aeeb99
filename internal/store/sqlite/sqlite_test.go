package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.PutSetting(ctx, "1", "k", []byte("v")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(ctx, func(ctx context.Context, r store.Reader) error {
		_, err := r.Setting(ctx, "1", "k")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestListByARNUsesAnIndex: the decision API finds the sessions of an assumed-role ARN on the request path, so the
// query that selects entities by ARN must search an index, never scan the account's entities (EXPLAIN QUERY PLAN
// of the exact statement List runs).
func TestListByARNUsesAnIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := sqlite.ListStatement(store.ListQuery{Account: "1", Kind: "session", ARN: "arn:aws:sts::1:assumed-role/R/s", Limit: 10})
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q.SQL, q.Args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	if !strings.Contains(joined, "USING INDEX entities_arn (account=? AND kind=? AND arn=?)") || strings.Contains(joined, "TEMP B-TREE") {
		t.Fatalf("plan of %q: %s", q.SQL, joined)
	}
}
