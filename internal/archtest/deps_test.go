package archtest

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// domainRoots are the packages whose whole dependency graph must stay free of transport and storage: the domains,
// the engine, and the error and shape types the domains share with the wire layer.
var domainRoots = []string{
	"internal/iam", "internal/sts", "internal/org", "authz", "policy",
	"internal/awserr", "internal/apitypes", "internal/apitypes/iam", "internal/apitypes/sts", "internal/apitypes/org",
	"internal/apitypes/cloudtrail", "internal/apitypes/accessanalyzer", "internal/audit", "internal/audit/logfile", "internal/analyzer", "reason",
}

// forbiddenDeps may not be reached from a domain root, directly or not (a prefix also forbids the packages under
// it): the HTTP transport, SQL and the concrete stores, and the wire and wiring layers.
var forbiddenDeps = []string{
	"net/http",
	"database/sql",
	"github.com/jackc/pgx",
	"modernc.org/sqlite",
	module + "/internal/api",
	module + "/internal/server",
	module + "/internal/store/sqlite",
	module + "/internal/store/postgres",
	module + "/cmd",
}

// depException lets a domain root reach forbidden packages, but only through one package (via): every path from
// root to them must pass through via. The list can only shrink: an exception that is no longer needed fails the
// test, so that it is removed.
type depException struct {
	root, via, forbidden, reason string
}

// depExceptions is empty: SAML, the last exception (gosaml2 imports net/http), is verified behind the domain's ports
// (iam.SAMLMetadataParser, sts.SAMLVerifier) by internal/samlsp, which only the server wires in (#12).
var depExceptions []depException

// allowedThirdParty are the modules outside the standard library and iamd that a domain root may depend on, with
// what needs them; a new one is a decision to write down here.
var allowedThirdParty = map[string]string{
	"github.com/go-jose/go-jose/v4": "web identity tokens (sts AssumeRoleWithWebIdentity)",
	"golang.org/x/crypto":           "argon2 password hashes, SSH public keys",
	"golang.org/x/sys":              "CPU feature detection of golang.org/x/crypto",
	"rsc.io/qr":                     "QR codes of virtual MFA devices",
}

// listedPackage is what TestDomainDependencies reads of `go list -deps -json`.
type listedPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
}

// goList returns the packages that the roots depend on (the roots included), by import path.
func goList(t *testing.T, roots []string) map[string]listedPackage {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	args := []string{"list", "-deps", "-json=ImportPath,Standard,Imports"}
	for _, r := range roots {
		args = append(args, "./"+r)
	}
	cmd := exec.Command(goBin, args...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func matches(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }

// reach returns the packages reachable from root, with the path by which each was first reached; the
// traversal does not go into the packages in skip.
func reach(pkgs map[string]listedPackage, root string, skip map[string]bool) map[string][]string {
	seen := map[string][]string{root: {root}}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if skip[p] {
			continue
		}
		for _, im := range pkgs[p].Imports {
			if _, ok := seen[im]; ok {
				continue
			}
			seen[im] = append(append([]string(nil), seen[p]...), im)
			queue = append(queue, im)
		}
	}
	return seen
}

// TestDomainDependencies: no domain root reaches net/http, SQL, a concrete store, the wire or the wiring, even
// indirectly, except through the exceptions listed (each still needed), and every third-party module it reaches
// is on the allow-list.
func TestDomainDependencies(t *testing.T) {
	pkgs := goList(t, domainRoots)
	for _, r := range domainRoots {
		root := module + "/" + r
		if _, ok := pkgs[root]; !ok {
			t.Fatalf("go list did not list %s", root)
		}
		skip := map[string]bool{}
		for _, e := range depExceptions {
			if e.root == r {
				skip[e.via] = true
			}
		}
		without := reach(pkgs, root, skip)
		all := reach(pkgs, root, nil)
		for p, via := range without {
			for _, f := range forbiddenDeps {
				if matches(p, f) {
					t.Errorf("%s reaches %s: %s", r, p, strings.Join(via, " → "))
				}
			}
		}
		for _, e := range depExceptions {
			if e.root != r {
				continue
			}
			needed := false
			if _, ok := all[e.via]; ok {
				for p := range reach(pkgs, e.via, nil) {
					if matches(p, e.forbidden) {
						needed = true
					}
				}
			}
			if !needed {
				t.Errorf("%s no longer reaches %s through %s: remove the exception (%s)", r, e.forbidden, e.via, e.reason)
			}
		}
		var third []string
		for p := range all {
			if pkgs[p].Standard || p == "C" || matches(p, module) {
				continue
			}
			allowed := false
			for m := range allowedThirdParty {
				if matches(p, m) {
					allowed = true
				}
			}
			if !allowed {
				third = append(third, p)
			}
		}
		sort.Strings(third)
		for _, p := range third {
			t.Errorf("%s depends on %s, a module not on allowedThirdParty: %s", r, p, strings.Join(all[p], " → "))
		}
		t.Logf("%s: %d packages in its dependency graph", r, len(all))
	}
}

// TestDependencyCheckFindsIndirectImports: the check sees a forbidden package two hops away and honours an
// exception only for the paths through its package.
func TestDependencyCheckFindsIndirectImports(t *testing.T) {
	pkgs := map[string]listedPackage{
		"d":     {ImportPath: "d", Imports: []string{"mid", "lib"}},
		"mid":   {ImportPath: "mid", Imports: []string{"net/http"}},
		"lib":   {ImportPath: "lib", Imports: []string{"strings"}},
		"other": {ImportPath: "other", Imports: []string{"net/http"}},
	}
	if via, ok := reach(pkgs, "d", nil)["net/http"]; !ok || strings.Join(via, " ") != "d mid net/http" {
		t.Fatalf("indirect import not found: %v", via)
	}
	if _, ok := reach(pkgs, "d", map[string]bool{"mid": true})["net/http"]; ok {
		t.Fatal("the exception's package was traversed")
	}
	pkgs["lib"] = listedPackage{ImportPath: "lib", Imports: []string{"other"}}
	if _, ok := reach(pkgs, "d", map[string]bool{"mid": true})["net/http"]; !ok {
		t.Fatal("a second path around the exception was missed")
	}
}
