package reason

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// checkCase is one custom policy check with its expected answer and the AWS page it rests on.
type checkCase struct {
	Name  string `json:"name"`
	Check string `json:"check"` // "no-new-access", "access-not-granted" or "no-public-access"
	// PolicyType is Access Analyzer's policyType: IDENTITY_POLICY (the default) or RESOURCE_POLICY.
	PolicyType   string          `json:"policyType,omitempty"`
	ResourceType string          `json:"resourceType,omitempty"` // no-public-access
	Existing     json.RawMessage `json:"existing,omitempty"`
	New          json.RawMessage `json:"new,omitempty"`
	Policy       json.RawMessage `json:"policy,omitempty"`
	Actions      []string        `json:"actions,omitempty"`
	Resources    []string        `json:"resources,omitempty"`
	Want         string          `json:"want"`              // PASS, FAIL or UNKNOWN
	Reasons      []int           `json:"reasons,omitempty"` // statement indexes of a FAIL, when given
	Source       string          `json:"source"`
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
	return mustTyped(t, doc, policy.TypeIdentity)
}

// typeOf is the parser's policy type for a case.
func (tc *checkCase) typeOf() policy.Type {
	switch {
	case tc.ResourceType == "AWS::IAM::AssumeRolePolicyDocument":
		return policy.TypeTrust
	case tc.PolicyType == "RESOURCE_POLICY" || tc.Check == "no-public-access":
		return policy.TypeResource
	}
	return policy.TypeIdentity
}

func mustTyped(t testing.TB, doc json.RawMessage, typ policy.Type) *policy.Policy {
	t.Helper()
	p, err := policy.Parse(doc, typ)
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
		r, err := c.NoNewAccess(ctx, mustTyped(t, tc.Existing, tc.typeOf()), mustTyped(t, tc.New, tc.typeOf()))
		if err != nil {
			t.Fatal(err)
		}
		return r
	case "access-not-granted":
		r, err := c.AccessNotGranted(ctx, mustTyped(t, tc.Policy, tc.typeOf()), tc.Actions, tc.Resources)
		if err != nil {
			t.Fatal(err)
		}
		return r
	case "no-public-access":
		r, err := c.NoPublicAccess(ctx, mustTyped(t, tc.Policy, tc.typeOf()), tc.ResourceType)
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
	if len(cases) < 100 {
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
				allows := func(doc json.RawMessage) bool {
					p := mustTyped(t, doc, tc.typeOf())
					if tc.typeOf() == policy.TypeIdentity {
						return Allows([]*policy.Policy{p}, re.Witness)
					}
					return AllowsResource(p, re.Witness)
				}
				switch tc.Check {
				case "no-new-access":
					if !allows(tc.New) || allows(tc.Existing) {
						t.Errorf("the engine does not confirm the witness %s", re.Witness)
					}
				case "no-public-access":
					if !allows(tc.Policy) || !publicWitness(re.Witness) || !freshLimitingKeys(mustTyped(t, tc.Policy, tc.typeOf()), re.Witness) {
						t.Errorf("the witness %s is not a public request the engine allows", re.Witness)
					}
				default:
					if !allows(tc.Policy) {
						t.Errorf("the engine does not allow the witness %s", re.Witness)
					}
				}
			}
			if tc.Reasons != nil && !slices.Equal(got, tc.Reasons) {
				t.Errorf("reasons at statements %v, want %v", got, tc.Reasons)
			}
		})
	}
}

// publicWitness reports whether w is a public request: from the anonymous caller, an identity of an account no
// case names (their witnesses use fresh accounts) or a public identity provider, without the keys that limit a
// grant unless they hold values of their own (see freshLimitingKeys), and from a public address if any.
func publicWitness(w *Witness) bool {
	switch w.PrincipalType {
	case "Anonymous", "WebIdentity", "User", "Account", "AssumedRole", "FederatedUser":
	default:
		return false
	}
	for _, ip := range w.Context["aws:sourceip"] {
		a, err := netip.ParseAddr(ip)
		if err != nil || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
			return false
		}
	}
	return true
}

// TestWitnessSpellsContextKeysAsThePolicyDoes: a witness's context keys are compared in lower case (as
// policy.Context keeps them for the engine) but printed and written as JSON as the policy spells them.
func TestWitnessSpellsContextKeysAsThePolicyDoes(t *testing.T) {
	existing := mustTyped(t, json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
		"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`), policy.TypeIdentity)
	updated := mustTyped(t, json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
		"Condition":{"IpAddress":{"aws:SourceIp":"192.168.0.0/16"}}}]}`), policy.TypeIdentity)
	r, err := New(Options{}).NoNewAccess(context.Background(), existing, updated)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Fail || len(r.Reasons) == 0 || r.Reasons[0].Witness == nil {
		t.Fatalf("want a FAIL with a witness: %+v", r)
	}
	w := r.Reasons[0].Witness
	if _, ok := w.Context["aws:sourceip"]; !ok {
		t.Fatalf("the engine's context lacks aws:sourceip: %v", w.Context)
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"aws:SourceIp":[`) || !strings.Contains(w.String(), "aws:SourceIp=") {
		t.Fatalf("JSON %s, String %s: want aws:SourceIp as the policy spells it", b, w)
	}
}
