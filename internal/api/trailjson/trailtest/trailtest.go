// Package trailtest checks, for the tests of internal/api/{iam,sts,org}api, the generated audit-trail encoders
// against the botocore model they were generated from: with every member of an operation's input and output set
// (Fill), the trail shows every member under its CloudTrail name, and shows each secret only as audit.Hidden.
package trailtest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/internal/audit"
)

// Case is one operation with a new input and output (nil when it has none) and their trail encoders, which read
// In and Out; genshapes -trailcases writes the table of a service's cases.
type Case struct {
	Name              string
	In, Out           any
	TrailIn, TrailOut func(b []byte) []byte
	InShape, OutShape string
}

// Model is the part of a botocore model the check reads.
type Model struct {
	Shapes map[string]*Shape `json:"shapes"`
}

// Shape is one shape of the model.
type Shape struct {
	Type      string          `json:"type"`
	Members   map[string]*Ref `json:"members"`
	Member    *Ref            `json:"member"`
	Key       *Ref            `json:"key"`
	Value     *Ref            `json:"value"`
	Sensitive bool            `json:"sensitive"`
}

// Ref refers to a shape.
type Ref struct {
	Shape string `json:"shape"`
}

// LoadModel reads botocore's model of a service ("iam/2010-05-08") from the botocore python3 imports; it skips
// the test when python3 or botocore is absent.
func LoadModel(t testing.TB, service string) *Model {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed; cannot locate botocore's models")
	}
	out, err := exec.Command(python, "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		t.Skip("botocore is not importable by python3; cannot locate its models")
	}
	f, err := os.Open(filepath.Join(strings.TrimSpace(string(out)), "data", service, "service-2.json.gz"))
	if err != nil {
		t.Skipf("botocore has no model of %s: %v", service, err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var m Model
	if err := json.NewDecoder(gz).Decode(&m); err != nil {
		t.Fatalf("model of %s: %v", service, err)
	}
	return &m
}

// ReadSecrets reads a list of the members the trail must hide: one "Shape.Member reason" per line, # comments.
func ReadSecrets(t testing.TB, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		member, reason, _ := strings.Cut(line, " ")
		secrets[member] = strings.TrimSpace(reason)
	}
	return secrets
}

// maxDepth bounds Fill on recursive shapes.
const maxDepth = 8

// Fill sets every member of the structure v points to, recursively: strings to distinct non-empty values,
// numbers to distinct positive ones, booleans to true, timestamps to 2025-10-06 15:04:05.5 UTC, blobs to
// distinct bytes, lists to one element, maps to one entry.
func Fill(v any) {
	n := 0
	fill(reflect.ValueOf(v).Elem(), &n, 0)
}

// FilledTime returns the time Fill sets.
func FilledTime() time.Time { return time.Date(2025, 10, 6, 15, 4, 5, 5e8, time.UTC) }

func fill(v reflect.Value, n *int, depth int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", *n))
	case reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		if depth >= maxDepth {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n, depth+1)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(fmt.Sprintf("blob%d", *n)))
			return
		}
		if depth >= maxDepth {
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), n, depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n, depth+1)
		fill(e, n, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(FilledTime()))
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), n, depth)
		}
	default:
		panic("trailtest: cannot fill " + v.Type().String())
	}
}

// timeForm is CloudTrail's timestamp form.
var timeForm = regexp.MustCompile(`^[A-Z][a-z]{2} [1-9][0-9]?, [0-9]{4}, (1[0-2]|[1-9]):[0-5][0-9]:[0-5][0-9] [AP]M$`)

// Check fills c's input and output, encodes them and checks the JSON against the model: every member present
// under its name with the first letter lower-cased and of the model's type, every secret (a member whose shape
// is sensitive, or listed in secrets) exactly audit.Hidden. It adds every secret it saw to seen ("Shape.Member"),
// and fails the test for a member the model marks sensitive that secrets does not list.
func Check(t *testing.T, m *Model, c Case, secrets map[string]string, seen map[string]bool) {
	t.Helper()
	for _, side := range []struct {
		name, shape string
		v           any
		enc         func([]byte) []byte
	}{{"input", c.InShape, c.In, c.TrailIn}, {"output", c.OutShape, c.Out, c.TrailOut}} {
		if side.shape == "" {
			if side.v != nil || side.enc != nil {
				t.Errorf("%s: the model gives no %s shape but the case has one", c.Name, side.name)
			}
			continue
		}
		Fill(side.v)
		out := side.enc(nil)
		var doc any
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			t.Errorf("%s %s: not JSON: %v\n%s", c.Name, side.name, err, out)
			continue
		}
		w := walker{t: t, m: m, secrets: secrets, seen: seen}
		w.value(c.Name+" "+side.name, side.shape, doc, 0)
	}
}

type walker struct {
	t       *testing.T
	m       *Model
	secrets map[string]string
	seen    map[string]bool
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func (w *walker) value(path, shape string, v any, depth int) {
	s := w.m.Shapes[shape]
	if depth > maxDepth {
		return
	}
	switch s.Type {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			w.t.Errorf("%s: want an object, got %T %v", path, v, v)
			return
		}
		for name, ref := range s.Members {
			key := lowerFirst(name)
			mv, ok := obj[key]
			secret := w.m.Shapes[ref.Shape].Sensitive || w.secrets[shape+"."+name] != ""
			if w.m.Shapes[ref.Shape].Sensitive && w.secrets[shape+"."+name] == "" {
				w.t.Errorf("%s.%s: the model marks %s.%s sensitive, but the list of secrets does not have it", path, key, shape, name)
			}
			if !ok {
				if depth < maxDepth-1 {
					w.t.Errorf("%s: member %s (%s.%s) is missing from the trail", path, key, shape, name)
				}
				continue
			}
			if secret {
				w.seen[shape+"."+name] = true
				if mv != audit.Hidden {
					w.t.Errorf("%s.%s: a secret (%s.%s) is in the trail as %v, not %s", path, key, shape, name, mv, audit.Hidden)
				}
				continue
			}
			w.value(path+"."+key, ref.Shape, mv, depth+1)
		}
		if len(obj) > len(s.Members) {
			w.t.Errorf("%s: %d members in the trail, the model has %d", path, len(obj), len(s.Members))
		}
	case "list":
		list, ok := v.([]any)
		if !ok {
			w.t.Errorf("%s: want an array, got %T", path, v)
			return
		}
		for i, e := range list {
			if w.m.Shapes[s.Member.Shape].Sensitive {
				if e != audit.Hidden {
					w.t.Errorf("%s[%d]: a secret list element is in the trail as %v", path, i, e)
				}
				continue
			}
			w.value(fmt.Sprintf("%s[%d]", path, i), s.Member.Shape, e, depth+1)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok || len(obj) != 1 {
			w.t.Errorf("%s: want an object of one entry, got %T %v", path, v, v)
			return
		}
		for k, e := range obj {
			w.value(path+"."+k, s.Value.Shape, e, depth+1)
		}
	case "string":
		if str, ok := v.(string); !ok || str == "" || str == audit.Hidden {
			w.t.Errorf("%s: want the string set, got %v", path, v)
		}
	case "timestamp":
		if str, ok := v.(string); !ok || !timeForm.MatchString(str) {
			w.t.Errorf("%s: want a timestamp in CloudTrail's form, got %v", path, v)
		}
	case "blob":
		if str, ok := v.(string); !ok || str == "" {
			w.t.Errorf("%s: want a base64 string, got %v", path, v)
		}
	case "integer", "long":
		if _, ok := v.(json.Number); !ok {
			w.t.Errorf("%s: want a number, got %v", path, v)
		}
	case "boolean":
		if v != true {
			w.t.Errorf("%s: want true, got %v", path, v)
		}
	default:
		w.t.Errorf("%s: shape %s of type %s", path, shape, s.Type)
	}
}

// CheckModel runs Check on every case of a service against botocore's model of it ("iam/2010-05-08") and the
// list of secrets at secretsPath (ReadSecrets), and fails the test for a listed secret that no case hid.
func CheckModel(t *testing.T, service, secretsPath string, cases []Case) {
	t.Helper()
	m := LoadModel(t, service)
	secrets := ReadSecrets(t, secretsPath)
	seen := map[string]bool{}
	for _, c := range cases {
		Check(t, m, c, secrets, seen)
	}
	for member, reason := range secrets {
		if !seen[member] {
			t.Errorf("%s (%s) is listed as a secret but no operation's trail hid it: is it still in the model?", member, reason)
		}
	}
	if len(cases) == 0 {
		t.Error("no cases")
	}
}
