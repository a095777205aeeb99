package reason

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// checkCase is one custom policy check with its expected answer and the AWS page it rests on.
type checkCase struct {
	Name      string          `json:"name"`
	Check     string          `json:"check"` // "no-new-access" or "access-not-granted"
	Existing  json.RawMessage `json:"existing,omitempty"`
	New       json.RawMessage `json:"new,omitempty"`
	Policy    json.RawMessage `json:"policy,omitempty"`
	Actions   []string        `json:"actions,omitempty"`
	Resources []string        `json:"resources,omitempty"`
	Want      string          `json:"want"`              // PASS, FAIL or UNKNOWN
	Reasons   []int           `json:"reasons,omitempty"` // statement indexes of a FAIL, when given
	Source    string          `json:"source"`
}

var testCatalog = sync.OnceValues(catalog.Embedded)

func loadCases(t testing.TB) []checkCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "checks", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	var all []checkCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cs []checkCase
		if err := json.Unmarshal(b, &cs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i := range cs {
			cs[i].Name = filepath.Base(f) + "/" + cs[i].Name
		}
		all = append(all, cs...)
	}
	return all
}

func mustPolicy(t testing.TB, doc json.RawMessage) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc, policy.TypeIdentity)
	if err != nil {
		t.Fatalf("policy does not parse: %v\n%s", err, doc)
	}
	return p
}

func runCase(t testing.TB, c *Checker, tc checkCase) Result {
	t.Helper()
	ctx := context.Background()
	switch tc.Check {
	case "no-new-access":
		r, err := c.NoNewAccess(ctx, mustPolicy(t, tc.Existing), mustPolicy(t, tc.New))
		if err != nil {
			t.Fatal(err)
		}
		return r
	case "access-not-granted":
		r, err := c.AccessNotGranted(ctx, mustPolicy(t, tc.Policy), tc.Actions, tc.Resources)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Fatalf("unknown check %q", tc.Check)
	return Result{}
}

// TestChecksAnswerAsTheCasesSay runs the case files: each answer as expected, each FAIL with the expected
// statements, and every witness allowed by the policy and not by the reference as the engine decides.
func TestChecksAnswerAsTheCasesSay(t *testing.T) {
	cat, err := testCatalog()
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Catalog: cat})
	cases := loadCases(t)
	if len(cases) < 60 {
		t.Errorf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			if tc.Source == "" {
				t.Error("case has no source")
			}
			r := runCase(t, c, tc)
			if r.Verdict.String() != tc.Want {
				t.Fatalf("got %s (%s), want %s; reasons %+v", r.Verdict, r.Message, tc.Want, r.Reasons)
			}
			var got []int
			for _, re := range r.Reasons {
				got = append(got, re.StatementIndex)
				if re.Witness == nil {
					t.Errorf("reason %d has no witness", re.StatementIndex)
					continue
				}
				t.Logf("statement %d: %s", re.StatementIndex, re.Witness)
				if tc.Check == "no-new-access" {
					if !Allows([]*policy.Policy{mustPolicy(t, tc.New)}, re.Witness) || Allows([]*policy.Policy{mustPolicy(t, tc.Existing)}, re.Witness) {
						t.Errorf("the engine does not confirm the witness %s", re.Witness)
					}
				} else if !Allows([]*policy.Policy{mustPolicy(t, tc.Policy)}, re.Witness) {
					t.Errorf("the engine does not allow the witness %s", re.Witness)
				}
			}
			if tc.Reasons != nil && !slices.Equal(got, tc.Reasons) {
				t.Errorf("reasons at statements %v, want %v", got, tc.Reasons)
			}
		})
	}
}
