package api

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/api/aaapi"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/iamapi"
	"github.com/iamd-dev/iamd/internal/api/orgapi"
	"github.com/iamd-dev/iamd/internal/api/stsapi"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/sts"
)

// deferredFile lists the operations iamd does not implement yet, with the issue each is deferred to.
const deferredFile = "deferred.txt"

var deferredLineRE = regexp.MustCompile(`^(iam|sts|organizations|accessanalyzer) ([A-Za-z0-9]+) #([0-9]+)$`)

// readDeferred reads deferredFile: service → operation → issue.
func readDeferred(t *testing.T) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(deferredFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "# ") || line == "#" {
			continue
		}
		m := deferredLineRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("%s:%d: %q is not \"SERVICE OPERATION #ISSUE\"", deferredFile, n, line)
			continue
		}
		if out[m[1]] == nil {
			out[m[1]] = map[string]string{}
		}
		if _, dup := out[m[1]][m[2]]; dup {
			t.Errorf("%s:%d: %s %s is listed twice", deferredFile, n, m[1], m[2])
		}
		out[m[1]][m[2]] = "#" + m[3]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// opImpl is an operation's name and whether its domain service has its method.
type opImpl struct {
	Name        string
	Implemented bool
}

func opsImplemented[C any](ops []dispatch.Op[C]) []opImpl {
	out := make([]opImpl, len(ops))
	for i, o := range ops {
		out[i] = opImpl{o.Name, o.Implemented}
	}
	return out
}

// TestEveryOperationIsImplementedOrDeferred: each operation of the IAM, STS, Organizations and Access Analyzer models is either
// implemented by its domain service (the generated table's Implemented) or listed in deferred.txt with the issue it
// is deferred to, never both. A domain method whose name misses the operation's falls back to the generated
// NotImplemented default without a compile error; this test is what catches it.
func TestEveryOperationIsImplementedOrDeferred(t *testing.T) {
	deferred := readDeferred(t)
	models := []struct {
		service, table string
		ops            []opImpl
	}{
		{"iam", "iamapi (*iam.Service)", opsImplemented(iamapi.Operations(iamapi.Binding{}, (*iam.Service)(nil)))},
		{"sts", "stsapi (*sts.Service)", opsImplemented(stsapi.Operations(stsapi.Binding{}, (*sts.Service)(nil)))},
		{"organizations", "orgapi (*org.Service)", opsImplemented(orgapi.Operations(orgapi.Binding{}, (*org.Service)(nil)))},
		{"accessanalyzer", "aaapi (*analyzer.Service)", opsImplemented(aaapi.Operations(aaapi.Binding{}, (*analyzer.Service)(nil)))},
	}
	total, implemented := 0, 0
	for _, m := range models {
		listed := deferred[m.service]
		seen := map[string]bool{}
		for _, o := range m.ops {
			seen[o.Name] = true
			total++
			issue, isListed := listed[o.Name]
			switch {
			case o.Implemented && isListed:
				t.Errorf("%s %s is implemented but still listed in internal/api/%s (deferred to %s); remove it", m.service, o.Name, deferredFile, issue)
			case o.Implemented:
				implemented++
			case !isListed:
				t.Errorf("%s %s is neither implemented (%s has no method %s with the operation's signature) nor listed in internal/api/%s; "+
					"implement it, check the method's name, or list it with the issue it is deferred to", m.service, o.Name, m.table, o.Name, deferredFile)
			}
		}
		var unknown []string
		for name := range listed {
			if !seen[name] {
				unknown = append(unknown, name)
			}
		}
		sort.Strings(unknown)
		for _, name := range unknown {
			t.Errorf("internal/api/%s lists %s %s, which is not an operation of the %s model", deferredFile, m.service, name, m.service)
		}
	}
	t.Logf("%d of %d operations implemented, %d deferred", implemented, total, total-implemented)
}
