package validate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/catalog"
)

// corpusCase is one case of testdata/cases/*.json: a policy, how it is used, the findings AWS gives for it, and the
// section of AWS's policy validation check reference (or other AWS page) the expectation rests on.
type corpusCase struct {
	Name         string          `json:"name"`
	Source       string          `json:"source"`
	PolicyType   string          `json:"policyType"`
	ResourceType string          `json:"resourceType,omitempty"`
	Policy       json.RawMessage `json:"policy"` // the document as written, or a JSON string holding it
	Want         []wantFinding   `json:"want"`   // in document order; empty: the policy passes
}

// wantFinding is one expected finding: its issue code and where (a path written Statement[0].Action[1], with
// condition keys and operators named as keys in braces, and a substring as <start,length>).
type wantFinding struct {
	Code string `json:"code"`
	Path string `json:"path"`
}

var testCatalog = sync.OnceValues(catalog.Embedded)

func cat(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := testCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// document returns the case's policy text.
func (c *corpusCase) document() string {
	var s string
	if json.Unmarshal(c.Policy, &s) == nil {
		return s
	}
	return string(c.Policy)
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	var all []corpusCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cases []corpusCase
		if err := json.Unmarshal(data, &cases); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range cases {
			cases[i].Name = strings.TrimSuffix(filepath.Base(f), ".json") + "/" + cases[i].Name
		}
		all = append(all, cases...)
	}
	return all
}

// pathString writes a location's path as the corpus does.
func pathString(p []PathElement) string {
	var b strings.Builder
	for _, e := range p {
		switch {
		case e.Index != nil:
			fmt.Fprintf(&b, "[%d]", *e.Index)
		case e.Value != nil:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(*e.Value)
		case e.Key != nil:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString("{" + *e.Key + "}")
		case e.Substring != nil:
			fmt.Fprintf(&b, "<%d,%d>", e.Substring.Start, e.Substring.Length)
		}
	}
	return b.String()
}

func TestCorpusFindingsAreAWSs(t *testing.T) {
	c := cat(t)
	cases := loadCorpus(t)
	if len(cases) < 150 {
		t.Errorf("the corpus has %d cases, want at least 150", len(cases))
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Source == "" {
				t.Error("the case names no AWS source")
			}
			got, err := Validate(context.Background(), tc.document(), Options{PolicyType: tc.PolicyType, ResourceType: tc.ResourceType, Catalog: c})
			if err != nil {
				t.Fatal(err)
			}
			var gotS, wantS []string
			for _, f := range got {
				p := ""
				if len(f.Locations) > 0 {
					p = pathString(f.Locations[0].Path)
				}
				gotS = append(gotS, f.IssueCode+" @ "+p)
				covered[f.IssueCode] = true
				checkFinding(t, tc.document(), f)
			}
			for _, w := range tc.Want {
				wantS = append(wantS, w.Code+" @ "+w.Path)
			}
			if strings.Join(gotS, "\n") != strings.Join(wantS, "\n") {
				t.Errorf("findings:\n got: %q\nwant: %q", gotS, wantS)
			}
		})
	}
	for _, code := range Codes() {
		if !covered[code] {
			t.Errorf("no corpus case makes %s", code)
		}
	}
}

// checkFinding checks what every finding must have: a known code and its type, a link to its section, and
// locations inside the document.
func checkFinding(t testing.TB, doc string, f Finding) {
	t.Helper()
	if FindingType(f.IssueCode) != f.FindingType || f.FindingType == "" {
		t.Errorf("%s: finding type %q", f.IssueCode, f.FindingType)
	}
	if !strings.HasPrefix(f.LearnMoreLink, referenceURL+"#access-analyzer-reference-policy-checks-") || f.FindingDetails == "" {
		t.Errorf("%s: link %q, details %q", f.IssueCode, f.LearnMoreLink, f.FindingDetails)
	}
	n := len([]rune(doc))
	for _, l := range f.Locations {
		s, e := l.Span.Start, l.Span.End
		if s.Offset < 0 || s.Offset > e.Offset || e.Offset > n || s.Line < 1 || s.Column < 0 || e.Line < s.Line {
			t.Errorf("%s: span %+v outside the document of %d characters", f.IssueCode, l.Span, n)
		}
	}
}
