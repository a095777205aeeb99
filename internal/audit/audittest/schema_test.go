package audittest_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/audit/audittest"
)

func loadJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func recordSchema(t *testing.T) *audittest.Schema {
	t.Helper()
	s, err := audittest.CloudTrailRecord()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRecordsShapedLikeCloudTrailsExamplesMatch: records with the shapes of the CloudTrail User Guide's examples
// (an IAM call by an IAM user, a denied call by a role session, a console sign-in) match the schema.
func TestRecordsShapedLikeCloudTrailsExamplesMatch(t *testing.T) {
	s := recordSchema(t)
	var valid struct {
		Records map[string]json.RawMessage `json:"records"`
	}
	loadJSON(t, "testdata/valid-records.json", &valid)
	for name, rec := range valid.Records {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate(rec); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRecordsThatBreakCloudTrailsFormatAreRefusedWithWhatBreaksIt: each case of invalid-records.json changes a
// valid record (a required field removed, a field of the wrong type, a value outside CloudTrail's format, a
// misspelled member) and the validator names the violation.
func TestRecordsThatBreakCloudTrailsFormatAreRefusedWithWhatBreaksIt(t *testing.T) {
	s := recordSchema(t)
	var valid struct {
		Records map[string]json.RawMessage `json:"records"`
	}
	loadJSON(t, "testdata/valid-records.json", &valid)
	base := valid.Records["iam-createuser-by-iam-user"]
	var cases struct {
		Cases []struct {
			Name   string         `json:"name"`
			Delete []string       `json:"delete"`
			Set    map[string]any `json:"set"`
			Want   string         `json:"want"`
		} `json:"cases"`
	}
	loadJSON(t, "testdata/invalid-records.json", &cases)
	for _, c := range cases.Cases {
		t.Run(c.Name, func(t *testing.T) {
			var rec map[string]any
			if err := json.Unmarshal(base, &rec); err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Delete {
				parent, key := walk(t, rec, p)
				delete(parent, key)
			}
			for p, v := range c.Set {
				parent, key := walk(t, rec, p)
				parent[key] = v
			}
			doc, _ := json.Marshal(rec)
			err := s.Validate(doc)
			var invalid *audittest.InvalidError
			if !errors.As(err, &invalid) {
				t.Fatalf("Validate = %v, want an *InvalidError\n%s", err, doc)
			}
			if !strings.Contains(err.Error(), c.Want) {
				t.Fatalf("Validate = %v\nwant a violation containing %q", err, c.Want)
			}
		})
	}
}

// walk finds the object holding the member at a slash-separated path of rec.
func walk(t *testing.T, rec map[string]any, path string) (map[string]any, string) {
	t.Helper()
	parts := strings.Split(path, "/")
	m := rec
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			t.Fatalf("path %s: %s is not an object", path, p)
		}
		m = next
	}
	return m, parts[len(parts)-1]
}

// TestValidateRefusesWhatIsNotOneJSONDocument: a record that is not JSON, or is more than one value, is an error,
// not a pass.
func TestValidateRefusesWhatIsNotOneJSONDocument(t *testing.T) {
	s := recordSchema(t)
	for name, doc := range map[string]string{"empty": "", "truncated": `{"eventVersion":"1.11"`, "two values": `{} {}`, "array": `[]`} {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate([]byte(doc)); err == nil {
				t.Fatalf("Validate(%q) = nil", doc)
			}
		})
	}
}

// TestParseRefusesKeywordsItDoesNotCheck: a schema that uses a keyword outside the subset the validator reads (one
// it would silently ignore), a $ref to nothing, or a bad pattern is refused.
func TestParseRefusesKeywordsItDoesNotCheck(t *testing.T) {
	for name, doc := range map[string]string{
		"format":       `{"type":"string","format":"date-time"}`,
		"oneOf":        `{"oneOf":[{"type":"string"}]}`,
		"dangling ref": `{"properties":{"a":{"$ref":"#/$defs/nothing"}}}`,
		"bad pattern":  `{"type":"string","pattern":"("}`,
		"unknown type": `{"type":"text"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := audittest.Parse([]byte(doc)); err == nil {
				t.Fatalf("Parse(%s) = nil error", doc)
			}
		})
	}
}
