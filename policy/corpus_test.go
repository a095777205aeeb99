package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

type validateCase struct {
	Name       string          `json:"name"`
	Doc        string          `json:"doc"`
	Note       string          `json:"note"`
	PolicyType string          `json:"policyType"`
	Policy     json.RawMessage `json:"policy"`
	Valid      bool            `json:"valid"`
	Line       int             `json:"line"`
	Managed    bool            `json:"managed"`    // a managed policy (CreatePolicy): parsed with ParseManaged
	AWSMessage string          `json:"awsMessage"` // the MalformedPolicyDocument text IAM answers, when known
}

// documentText returns the case's document: a JSON string is the text itself, an object is taken as written.
func documentText(raw json.RawMessage) []byte {
	var s string
	if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
		return []byte(s)
	}
	return raw
}

func loadValidateCorpus(t testing.TB) []validateCase {
	files, err := filepath.Glob("testdata/validate/*.json")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var all []validateCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Cases []validateCase `json:"cases"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		all = append(all, doc.Cases...)
	}
	return all
}

// TestValidationCorpus checks that Parse accepts and rejects what AWS does, and names the right line.
func TestValidationCorpus(t *testing.T) {
	cases := loadValidateCorpus(t)
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			typ, err := ParseType(c.PolicyType)
			if err != nil {
				t.Fatal(err)
			}
			parse := Parse
			if c.Managed {
				parse = ParseManaged
			}
			_, err = parse(documentText(c.Policy), typ)
			if c.Valid {
				if err != nil {
					t.Fatalf("rejected a valid %s policy: %v\n%s", typ, err, c.Note)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted an invalid %s policy\n%s", typ, c.Note)
			}
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if got := pe.AWSMessage(); c.AWSMessage != "" && got != c.AWSMessage {
				t.Errorf("IAM's answer:\n got %q\nwant %q\nfindings: %v", got, c.AWSMessage, pe.Findings)
			}
			if c.Line > 0 {
				for _, f := range pe.Findings {
					if f.Severity == SeverityError && f.Line == c.Line {
						return
					}
				}
				t.Errorf("no error on line %d: %v", c.Line, pe.Findings)
			}
		})
	}
}

// TestParseStoredTakesWhatOnlyWritesRefuse: a document stored before iamd checked Resource ARN forms and Date values
// as IAM does still compiles, with warnings, and its odd values match nothing; grammar errors still fail.
func TestParseStoredTakesWhatOnlyWritesRefuse(t *testing.T) {
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",` +
		`"Resource":["arn:aws:s3:us-east-1::bucket/*","arn:aws:s3:::other/*"],"Condition":{"DateGreaterThan":{"aws:CurrentTime":"234-13"}}}]}`)
	if _, err := Parse(doc, TypeIdentity); err == nil {
		t.Fatal("Parse took a region in an S3 ARN")
	}
	p, err := ParseStored(doc, TypeIdentity)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Findings); n != 2 {
		t.Errorf("%d findings, want 2 warnings: %v", n, p.Findings)
	}
	st := p.Statements[0]
	if st.MatchResource("arn:aws:s3:::bucket/key", nil) || !st.MatchResource("arn:aws:s3:::other/key", nil) {
		t.Error("the refused ARN matched, or the good one did not")
	}
	if _, err := ParseStored([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`), TypeIdentity); err == nil {
		t.Error("ParseStored took a statement without Resource")
	}
}
