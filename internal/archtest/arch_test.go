package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/iamd-dev/iamd"

// pkg is one package of the tree, read from its non-test Go files.
type pkg struct {
	dir     string // relative to the repository root
	imports map[string]bool
	doc     bool
}

func loadTree(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		p := byDir[rel]
		if p == nil {
			p = &pkg{dir: filepath.ToSlash(rel), imports: map[string]bool{}}
			byDir[rel] = p
		}
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			p.doc = true
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			p.imports[path] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []pkg
	for _, p := range byDir {
		out = append(out, *p)
	}
	return out
}

// TestPackageDocs: every package has a doc comment that says its job.
func TestPackageDocs(t *testing.T) {
	for _, p := range loadTree(t) {
		if !p.doc {
			t.Errorf("package %s has no doc comment", p.dir)
		}
	}
}

// TestEngineAndDomainStayPure: the policy engine and the domain packages do no I/O of their own and know nothing of
// transport or storage.
func TestEngineAndDomainStayPure(t *testing.T) {
	pure := []string{"arn", "policy", "policy/validate", "authz", "internal/iam", "internal/sts", "internal/org", "internal/analyzer"}
	forbidden := []string{"net/http", "database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", module + "/internal/api",
		module + "/internal/store/sqlite", module + "/internal/store/postgres", "log", "log/slog", "os"}
	for _, p := range loadTree(t) {
		isPure := false
		for _, d := range pure {
			if p.dir == d {
				isPure = true
			}
		}
		if !isPure {
			continue
		}
		for im := range p.imports {
			for _, f := range forbidden {
				if im == f || strings.HasPrefix(im, f+"/") {
					t.Errorf("package %s imports %s", p.dir, im)
				}
			}
			if im == "net" {
				t.Errorf("package %s imports net", p.dir)
			}
		}
	}
}

// TestOnlyWiringImportsConcreteStores: only cmd/iamd and internal/server choose a storage implementation (and
// internal/testutil/pgtest, which only tests import, migrates its template database with the postgres store).
func TestOnlyWiringImportsConcreteStores(t *testing.T) {
	for _, p := range loadTree(t) {
		for im := range p.imports {
			if (strings.HasPrefix(im, module+"/internal/store/sqlite") || strings.HasPrefix(im, module+"/internal/store/postgres")) &&
				p.dir != "cmd/iamd" && p.dir != "internal/server" && p.dir != "internal/testutil/pgtest" && !strings.HasPrefix(p.dir, "internal/store/") {
				t.Errorf("package %s imports %s", p.dir, im)
			}
		}
	}
}

// TestTestUtilitiesOnlyInTests: the packages under internal/testutil (a throwaway PostgreSQL cluster, ...) are
// imported by tests only, never by a package that ships.
func TestTestUtilitiesOnlyInTests(t *testing.T) {
	for _, p := range loadTree(t) {
		for im := range p.imports {
			if strings.HasPrefix(im, module+"/internal/testutil/") && !strings.HasPrefix(p.dir, "internal/testutil/") {
				t.Errorf("package %s imports %s outside its tests", p.dir, im)
			}
		}
	}
}
