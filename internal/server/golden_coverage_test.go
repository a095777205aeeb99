package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/api/aaapi"
	"github.com/iamd-dev/iamd/internal/api/ctapi"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/iamapi"
	"github.com/iamd-dev/iamd/internal/api/orgapi"
	"github.com/iamd-dev/iamd/internal/api/stsapi"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/sts"
)

// goldenExempt lists the implemented operations ("service Operation") that no golden file answers yet, each
// with its reason. An
// operation leaves the list when a golden scenario answers it (TestGoldenCoversEveryImplementedOperation fails
// while it is listed but answered).
// Each entry reads "iam GetFoo": "why; TODO #N". Every implemented operation is answered today, so it is empty.
var goldenExempt = map[string]string{}

// implementedOps returns, per service, the operations the domain services implement (the generated tables'
// Implemented).
func implementedOps() map[string][]string {
	names := func(ops []string) []string { sort.Strings(ops); return ops }
	return map[string][]string{
		"iam":             names(implemented(iamapi.Operations(iamapi.Binding{}, (*iam.Service)(nil)))),
		"sts":             names(implemented(stsapi.Operations(stsapi.Binding{}, (*sts.Service)(nil)))),
		"organizations":   names(implemented(orgapi.Operations(orgapi.Binding{}, (*org.Service)(nil)))),
		"cloudtrail":      names(implemented(ctapi.Operations(ctapi.Binding{}, (*audit.Service)(nil)))),
		"access-analyzer": names(implemented(aaapi.Operations(aaapi.Binding{}, (*analyzer.Service)(nil)))),
	}
}

func implemented[C any](ops []dispatch.Op[C]) []string {
	var out []string
	for _, o := range ops {
		if o.Implemented {
			out = append(out, o.Name)
		}
	}
	return out
}

// goldenAnswer is one golden file: the operation it answers and the answer.
type goldenAnswer struct {
	path      string
	operation string
	status    int
	body      string
	json      bool
}

// service is the service whose operation the answer is: CloudTrail for a JSON answer under golden/cloudtrail,
// Access Analyzer under golden/accessanalyzer, Organizations for another JSON answer, else the query service (IAM
// or STS) whose table has the operation.
func (a goldenAnswer) service(ops map[string][]string) string {
	if a.json && filepath.Base(filepath.Dir(a.path)) == "cloudtrail" {
		return "cloudtrail"
	}
	if a.json && filepath.Base(filepath.Dir(a.path)) == "accessanalyzer" {
		return "access-analyzer"
	}
	if a.json {
		return "organizations"
	}
	if slices.Contains(ops["sts"], a.operation) {
		return "sts"
	}
	return "iam"
}

// goldenAnswers reads every golden file: testdata/golden/*.xml (IAM, STS; "Op.xml", "Op-case.xml" or
// "Scenario-Op[-case].xml"), testdata/golden/org/*.json (Organizations), testdata/golden/cloudtrail/*.json
// (CloudTrail) and testdata/golden/accessanalyzer/*.json (Access Analyzer). The operation is the first name of the
// file's that is an operation of ops.
func goldenAnswers(t *testing.T, ops map[string]bool) []goldenAnswer {
	t.Helper()
	var out []goldenAnswer
	for _, pattern := range []string{"testdata/golden/*.xml", "testdata/golden/org/*.json", "testdata/golden/cloudtrail/*.json", "testdata/golden/accessanalyzer/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			head, body, _ := strings.Cut(string(raw), "\n")
			var status int
			if _, err := fmt.Sscanf(head, "HTTP %d", &status); err != nil {
				t.Fatalf("%s: first line %q is not \"HTTP <status>\"", f, head)
			}
			op := ""
			for _, part := range strings.Split(strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), "-") {
				if ops[part] {
					op = part
					break
				}
			}
			out = append(out, goldenAnswer{path: f, operation: op, status: status, body: body, json: strings.HasSuffix(f, ".json")})
		}
	}
	return out
}

// TestGoldenCoversEveryImplementedOperation: every operation iamd implements of IAM, STS, Organizations, CloudTrail and Access Analyzer has a
// golden file with a successful answer, unless goldenExempt says why not; it lists the coverage per service.
func TestGoldenCoversEveryImplementedOperation(t *testing.T) {
	impl := implementedOps()
	all := map[string]bool{}
	for _, ops := range impl {
		for _, o := range ops {
			all[o] = true
		}
	}
	answered := map[string]bool{} // "service op"
	for _, a := range goldenAnswers(t, all) {
		if a.operation != "" && a.status == 200 {
			answered[a.service(impl)+" "+a.operation] = true
		}
	}
	for _, service := range []string{"iam", "sts", "organizations", "cloudtrail", "access-analyzer"} {
		n := 0
		for _, op := range impl[service] {
			reason, exempt := goldenExempt[service+" "+op]
			switch {
			case answered[service+" "+op] && exempt:
				t.Errorf("%s %s has a golden answer but is still exempt (%s); remove it from goldenExempt", service, op, reason)
			case answered[service+" "+op]:
				n++
			case !exempt:
				t.Errorf("%s %s is implemented but no golden file answers it: add it to a golden scenario", service, op)
			}
		}
		t.Logf("%s: %d of %d implemented operations have a golden answer", service, n, len(impl[service]))
	}
	for key := range goldenExempt {
		service, op, _ := strings.Cut(key, " ")
		if !slices.Contains(impl[service], op) {
			t.Errorf("goldenExempt lists %q, which is no implemented operation (\"service Operation\")", key)
		}
	}
}

// TestGoldenAnswersAreOutputShapes: every element of a successful golden answer (XML) and every member of one
// (JSON) is a member of the operation's output shape in botocore's model, recursively.
func TestGoldenAnswersAreOutputShapes(t *testing.T) {
	models := map[string]*botoModel{}
	for service, file := range map[string]string{
		"iam": "iam/2010-05-08/service-2.json.gz", "sts": "sts/2011-06-15/service-2.json.gz",
		"organizations": "organizations/2016-11-28/service-2.json.gz", "cloudtrail": "cloudtrail/2013-11-01/service-2.json.gz",
		"access-analyzer": "accessanalyzer/2019-11-01/service-2.json.gz",
	} {
		models[service] = readBotoModel(t, file)
	}
	ops := map[string]bool{}
	for _, m := range models {
		for name := range m.Operations {
			ops[name] = true
		}
	}
	checked := 0
	for _, a := range goldenAnswers(t, ops) {
		if a.operation == "" || a.status != 200 {
			continue
		}
		m := models["iam"]
		switch {
		case a.json && a.service(nil) == "cloudtrail":
			m = models["cloudtrail"]
		case a.json && a.service(nil) == "access-analyzer":
			m = models["access-analyzer"]
		case a.json:
			m = models["organizations"]
		case !hasOp(m, a.operation):
			m = models["sts"]
		}
		op, ok := m.Operations[a.operation]
		if !ok {
			t.Errorf("%s: %s is not an operation of its service", a.path, a.operation)
			continue
		}
		var problems []string
		if a.json {
			problems = m.checkJSON(a.body, op.Output.Shape)
		} else {
			problems = m.checkXML(a.body, a.operation, op)
		}
		for _, p := range problems {
			t.Errorf("%s (%s): %s", a.path, a.operation, p)
		}
		checked++
	}
	t.Logf("%d golden answers checked against their output shapes", checked)
}

func hasOp(m *botoModel, op string) bool {
	_, ok := m.Operations[op]
	return ok
}

// botoModel is what the shape walk needs of a botocore service model.
type botoModel struct {
	Operations map[string]struct {
		Output struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]botoShape `json:"shapes"`
}

type botoRef struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
}

type botoShape struct {
	Type    string             `json:"type"`
	Members map[string]botoRef `json:"members"`
	Member  botoRef            `json:"member"`
	Key     botoRef            `json:"key"`
	Value   botoRef            `json:"value"`
}

// readBotoModel reads a model of the botocore that python3 imports; the test is skipped without one.
func readBotoModel(t *testing.T, file string) *botoModel {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed; cannot locate botocore's models")
	}
	dir, err := exec.Command(python, "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Skip("botocore is not importable by python3; cannot locate its models")
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(dir)), "data", file))
	if err != nil {
		t.Skipf("model not available: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m botoModel
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// xmlNode is an element of a golden XML answer.
type xmlNode struct {
	XMLName  xml.Name
	Children []xmlNode `xml:",any"`
}

// checkXML walks a query-protocol answer: <OpResponse> holds <OpResult> (the resultWrapper, with the output
// shape's members) and <ResponseMetadata>.
func (m *botoModel) checkXML(body, opName string, op struct {
	Output struct {
		Shape         string `json:"shape"`
		ResultWrapper string `json:"resultWrapper"`
	} `json:"output"`
}) []string {
	var root xmlNode
	if err := xml.NewDecoder(strings.NewReader(body)).Decode(&root); err != nil {
		return []string{"not XML: " + err.Error()}
	}
	var problems []string
	if root.XMLName.Local != opName+"Response" {
		problems = append(problems, fmt.Sprintf("root element <%s>, want <%sResponse>", root.XMLName.Local, opName))
	}
	for _, c := range root.Children {
		switch {
		case c.XMLName.Local == "ResponseMetadata":
		case op.Output.Shape != "" && c.XMLName.Local == op.Output.ResultWrapper:
			problems = append(problems, m.walkXML(c.Children, op.Output.Shape, op.Output.ResultWrapper)...)
		default:
			problems = append(problems, fmt.Sprintf("<%s> is neither the result <%s> nor ResponseMetadata", c.XMLName.Local, op.Output.ResultWrapper))
		}
	}
	return problems
}

// walkXML checks the children of an element of shape (at path, for messages).
func (m *botoModel) walkXML(children []xmlNode, shape, path string) []string {
	s := m.Shapes[shape]
	var problems []string
	for _, c := range children {
		name := c.XMLName.Local
		at := path + "/" + name
		switch s.Type {
		case "structure":
			ref, ok := memberByWireName(s, name)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s is not a member of %s", at, name, shape))
				continue
			}
			problems = append(problems, m.walkXML(c.Children, ref.Shape, at)...)
		case "list":
			item := s.Member.LocationName
			if item == "" {
				item = "member"
			}
			if name != item {
				problems = append(problems, fmt.Sprintf("%s: list %s holds <%s> elements", at, shape, item))
				continue
			}
			problems = append(problems, m.walkXML(c.Children, s.Member.Shape, at)...)
		case "map":
			if name != "entry" {
				problems = append(problems, fmt.Sprintf("%s: map %s holds <entry> elements", at, shape))
				continue
			}
			for _, kv := range c.Children {
				switch kv.XMLName.Local {
				case wireOr(s.Key.LocationName, "key"):
				case wireOr(s.Value.LocationName, "value"):
					problems = append(problems, m.walkXML(kv.Children, s.Value.Shape, at+"/value")...)
				default:
					problems = append(problems, fmt.Sprintf("%s: <%s> in a map entry of %s", at, kv.XMLName.Local, shape))
				}
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: the %s %s has no elements", path, s.Type, shape))
		}
	}
	return problems
}

func wireOr(name, def string) string {
	if name != "" {
		return name
	}
	return def
}

// memberByWireName finds the member of a structure named name on the wire (its locationName, else its name).
func memberByWireName(s botoShape, name string) (botoRef, bool) {
	for member, ref := range s.Members {
		if wireOr(ref.LocationName, member) == name {
			return ref, true
		}
	}
	return botoRef{}, false
}

// checkJSON walks a JSON-protocol answer against the output shape.
func (m *botoModel) checkJSON(body, shape string) []string {
	d := json.NewDecoder(bytes.NewReader([]byte(body)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil && err != io.EOF {
		return []string{"not JSON: " + err.Error()}
	}
	if shape == "" {
		if obj, ok := v.(map[string]any); !ok || len(obj) > 0 {
			return []string{"an operation without output answers {}"}
		}
		return nil
	}
	return m.walkJSON(v, shape, "$")
}

func (m *botoModel) walkJSON(v any, shape, path string) []string {
	s := m.Shapes[shape]
	var problems []string
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s is a structure, not %T", path, shape, v)}
		}
		for name, val := range obj {
			ref, ok := memberByWireName(s, name)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s is not a member of %s", path, name, shape))
				continue
			}
			problems = append(problems, m.walkJSON(val, ref.Shape, path+"."+name)...)
		}
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s is a list, not %T", path, shape, v)}
		}
		for i, e := range arr {
			problems = append(problems, m.walkJSON(e, s.Member.Shape, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %s is a map, not %T", path, shape, v)}
		}
		for k, e := range obj {
			problems = append(problems, m.walkJSON(e, s.Value.Shape, path+"."+k)...)
		}
	default:
		switch v.(type) {
		case map[string]any, []any:
			problems = append(problems, fmt.Sprintf("%s: the %s %s is not an object or array", path, s.Type, shape))
		}
	}
	return problems
}
