package storetest

import (
	"bufio"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The rule for migrations (docs/migrations.md): within one release a migration only adds, so that nodes of the
// release before keep working against the migrated schema while they drain. CheckMigration finds the statements
// that break the rule as far as the text shows it; a statement that must break it (a rebuild no older node can
// meet) carries an exception, a comment "-- migration-exception: REASON" among the comment lines just before it or
// inside it, and docs/migrations.md lists the file.

// ExceptionMarker starts the comment that excepts a statement from the migration rules, followed by the reason.
const ExceptionMarker = "-- migration-exception:"

// MigrationFinding is a statement of a migration that may break the nodes of the release before.
type MigrationFinding struct {
	File      string
	Line      int    // the line the statement begins on, from 1
	Statement string // normalized: comments dropped, upper case, spaces collapsed
	Rule      string // what it does that older nodes may not survive
	Exception string // the reason given for doing it anyway; "" when none
}

// migrationRules are the statements a migration may not run without an exception, each with what it breaks.
var migrationRules = []struct {
	re   *regexp.Regexp
	rule string
}{
	{regexp.MustCompile(`\bDROP\b`), "drops a table, column, index or constraint that nodes of the release before may still use"},
	{regexp.MustCompile(`\bRENAME\b`), "renames a table or column that nodes of the release before still name"},
	{regexp.MustCompile(`^ALTER TABLE\b.*\b(TYPE|SET DATA TYPE)\b`), "changes a column's type under nodes of the release before"},
	{regexp.MustCompile(`\bSET NOT NULL\b`), "makes a column NOT NULL, which the inserts of nodes of the release before may leave empty"},
	{regexp.MustCompile(`\bTRUNCATE\b`), "empties a table that nodes of the release before still read"},
}

// addNotNullRE finds an added column that is NOT NULL; it needs a DEFAULT, or the inserts of older nodes (which do
// not name the column) fail.
var addNotNullRE = regexp.MustCompile(`\bADD\b(?: COLUMN)? [^,]*\bNOT NULL\b[^,]*`)

// CheckMigration returns the statements of one migration file's text that break the migration rules, with the
// reasons of those that carry an exception.
func CheckMigration(file, text string) []MigrationFinding {
	var out []MigrationFinding
	var stmt []string
	var exception string
	start := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		code, comment, _ := strings.Cut(line, "--")
		if c := "--" + comment; strings.HasPrefix(strings.TrimSpace(c), ExceptionMarker) {
			exception = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c), ExceptionMarker))
			if exception == "" {
				exception = "(no reason given)"
			}
		}
		if strings.TrimSpace(code) == "" {
			continue
		}
		if len(stmt) == 0 {
			start = n
		}
		for {
			part, rest, end := strings.Cut(code, ";")
			stmt = append(stmt, part)
			if !end {
				break
			}
			out = append(out, checkStatement(file, start, strings.Join(stmt, " "), exception)...)
			stmt, exception, start, code = nil, "", n, rest
			if strings.TrimSpace(rest) == "" {
				break
			}
		}
	}
	if s := strings.Join(stmt, " "); strings.TrimSpace(s) != "" {
		out = append(out, checkStatement(file, start, s, exception)...)
	}
	return out
}

func checkStatement(file string, line int, stmt, exception string) []MigrationFinding {
	s := strings.Join(strings.Fields(strings.ToUpper(stmt)), " ")
	var out []MigrationFinding
	add := func(rule string) {
		out = append(out, MigrationFinding{File: file, Line: line, Statement: s, Rule: rule, Exception: exception})
	}
	for _, r := range migrationRules {
		if r.re.MatchString(s) {
			add(r.rule)
		}
	}
	if strings.HasPrefix(s, "ALTER TABLE") {
		for _, clause := range addNotNullRE.FindAllString(s, -1) {
			if !strings.Contains(clause, "DEFAULT") {
				add("adds a NOT NULL column without a DEFAULT, which the inserts of nodes of the release before leave empty")
			}
		}
	}
	return out
}

// MigrationsSafeWhileDraining checks every migration (*.sql) in fsys, the migrations directory of a backend that
// is at dir in the repository (e.g. "internal/store/sqlite/migrations"), against the migration rules: a statement
// that breaks them fails the test unless it carries an exception, and every file with an exception must be named
// (by its path in the repository) in the document at docPath.
func MigrationsSafeWhileDraining(t *testing.T, fsys fs.FS, dir, docPath string) {
	t.Helper()
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found (%v)", err)
	}
	sort.Strings(files)
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			t.Fatal(err)
		}
		repoPath := path.Join(dir, f)
		for _, fd := range CheckMigration(repoPath, string(b)) {
			if fd.Exception == "" {
				t.Errorf("%s:%d: the statement %s; a migration may not do that while nodes of the release before still run (docs/migrations.md); if it must, mark it with %q and list the file in docs/migrations.md\n\t%.200s",
					repoPath, fd.Line, fd.Rule, ExceptionMarker+" REASON", fd.Statement)
				continue
			}
			if !strings.Contains(string(doc), repoPath) {
				t.Errorf("%s:%d: an exception (%s) that %s does not list: add the file to its exceptions", repoPath, fd.Line, fd.Exception, docPath)
			}
		}
	}
}
