package storetest_test

import (
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/store/storetest"
)

// TestCheckMigrationFindsWhatOlderNodesCannotSurvive: the statements a migration may not run while older nodes
// drain are found (one finding per rule), in any case and layout; additive ones are not; an exception comment
// before or inside the statement carries its reason.
func TestCheckMigrationFindsWhatOlderNodesCannotSurvive(t *testing.T) {
	cases := []struct {
		name, sql string
		want      []string // a word of each finding's rule, in order
		exception string
	}{
		{"create table", "CREATE TABLE t (a TEXT NOT NULL, b INTEGER);", nil, ""},
		{"create index", "CREATE INDEX IF NOT EXISTS t_a ON t (a);", nil, ""},
		{"add nullable column", "ALTER TABLE t ADD COLUMN c TEXT;", nil, ""},
		{"add not null column with default", "alter table t add column c integer not null default 0;", nil, ""},
		{"insert", "INSERT INTO generations (id, gen) VALUES (1, 0);", nil, ""},
		{"drop table", "DROP TABLE t;", []string{"drops"}, ""},
		{"drop column", "alter table t\n  drop column c;", []string{"drops"}, ""},
		{"drop index", "DROP INDEX IF EXISTS t_a;", []string{"drops"}, ""},
		{"rename table", "ALTER TABLE t RENAME TO u;", []string{"renames"}, ""},
		{"rename column", "ALTER TABLE t RENAME COLUMN a TO b;", []string{"renames"}, ""},
		{"column type", "ALTER TABLE t ALTER COLUMN a TYPE bigint;", []string{"type"}, ""},
		{"column set data type", "ALTER TABLE t ALTER COLUMN a SET DATA TYPE bigint;", []string{"type"}, ""},
		{"set not null", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;", []string{"NOT NULL"}, ""},
		{"add not null column without default", "ALTER TABLE t ADD COLUMN c INTEGER NOT NULL;", []string{"DEFAULT"}, ""},
		{"add two columns, one unsafe", "ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT 0, ADD COLUMN d TEXT NOT NULL;", []string{"DEFAULT"}, ""},
		{"truncate", "TRUNCATE t;", []string{"empties"}, ""},
		{"drop in a comment only", "-- we never DROP TABLE t\nCREATE TABLE u (a TEXT);", nil, ""},
		{"exception before", "CREATE TABLE u (a TEXT);\n-- migration-exception: a rebuild\nDROP TABLE t;", []string{"drops"}, "a rebuild"},
		{"exception inside", "ALTER TABLE t -- migration-exception: renamed before any release\n  RENAME TO u;", []string{"renames"}, "renamed before any release"},
		{"exception without reason", "-- migration-exception:\nDROP TABLE t;", []string{"drops"}, "(no reason given)"},
		{"exception covers one statement only", "-- migration-exception: a rebuild\nDROP TABLE t;\nDROP TABLE u;", []string{"drops", "drops"}, "a rebuild"},
		{"two statements on a line", "CREATE TABLE u (a TEXT); DROP TABLE t;", []string{"drops"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := storetest.CheckMigration("m.sql", c.sql)
			if len(got) != len(c.want) {
				t.Fatalf("%d findings %+v, want %d (%q)", len(got), got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i].Rule, w) {
					t.Errorf("finding %d: rule %q, want one about %q", i, got[i].Rule, w)
				}
			}
			if len(got) > 0 && got[0].Exception != c.exception {
				t.Errorf("exception %q, want %q", got[0].Exception, c.exception)
			}
			if n := len(got); n > 1 && c.name == "exception covers one statement only" && got[1].Exception != "" {
				t.Errorf("the second statement took the first one's exception: %+v", got[1])
			}
		})
	}
}
