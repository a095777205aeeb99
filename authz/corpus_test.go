package authz_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/corpus"
)

// TestDecisionCorpus runs every case of testdata/decisions through the engine: decision, deciding statements and,
// for implicit denials, the layer that lacked an Allow.
func TestDecisionCorpus(t *testing.T) {
	cases, err := corpus.Load("testdata/decisions")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.File+"/"+c.Name, func(t *testing.T) {
			if seen[c.Name] {
				t.Fatalf("duplicate case name")
			}
			seen[c.Name] = true
			if !strings.HasPrefix(c.Doc, "https://docs.aws.amazon.com/") {
				t.Errorf("doc %q does not cite an AWS documentation page", c.Doc)
			}
			set, req, err := c.Build()
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			d := authz.New(set).Decide(&req)
			if got := d.Result.String(); got != c.Expect.Decision {
				t.Fatalf("decision = %s (missing %s %s), want %s\n%s", got, d.Missing, d.MissingLevel, c.Expect.Decision, c.Note)
			}
			var got []string
			for _, m := range d.Matched() {
				got = append(got, corpus.StatementRef(m))
			}
			want := append([]string(nil), c.Expect.Statements...)
			sort.Strings(got)
			sort.Strings(want)
			if d.Result != authz.ImplicitDeny && strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("statements = %v, want %v", got, want)
			}
			if d.Result == authz.ImplicitDeny && c.Expect.Missing != "" {
				if d.Missing.String() != c.Expect.Missing {
					t.Errorf("missing = %s, want %s", d.Missing, c.Expect.Missing)
				}
				if c.Expect.MissingLevel != "" && d.MissingLevel != c.Expect.MissingLevel {
					t.Errorf("missing level = %s, want %s", d.MissingLevel, c.Expect.MissingLevel)
				}
			}
		})
	}
}
