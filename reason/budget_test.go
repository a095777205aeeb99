package reason

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/policy"
)

// TestBudgetExhaustionNeverAnswersPass: with a budget too small for the search, every check answers UNKNOWN (which
// callers report as FAIL) or a confirmed FAIL, never PASS — unless there is nothing to search (no Allow).
func TestBudgetExhaustionNeverAnswersPass(t *testing.T) {
	for _, tc := range loadCases(t) {
		if tc.Want != "PASS" || tc.Check == "access-not-granted" {
			continue
		}
		doc := tc.New
		if tc.Check == "no-public-access" {
			doc = tc.Policy
		}
		allows := false
		for _, st := range mustTyped(t, doc, tc.typeOf()).Statements {
			// A public access check has something to search only where a statement grants to everyone.
			// A public access check has something to search only where a statement grants to everyone an action of
			// the resource type's service.
			public := tc.Check != "no-public-access" || (st.Principal.Any || len(st.Principal.Federated) > 0) &&
				slices.ContainsFunc(st.Actions, func(a policy.ActionPattern) bool {
					return a.Raw == "*" || slices.Contains(publicServices[tc.ResourceType], strings.ToLower(strings.Split(a.Raw, ":")[0]))
				})
			allows = allows || st.Effect == policy.Allow && public
		}
		if !allows {
			continue
		}
		c := New(Options{Budget: 20})
		r := runCase(t, c, tc)
		if r.Verdict == Pass {
			t.Errorf("%s: PASS with a budget of 20 steps", tc.Name)
		}
		if r.Verdict == Unknown && r.Message == "" {
			t.Errorf("%s: UNKNOWN without a message", tc.Name)
		}
	}
}

// TestCanceledContextStopsTheSearch: a canceled context ends a check with the context's error.
func TestCanceledContextStopsTheSearch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := benchPolicy(t, 6144, false)
	_, err := New(Options{}).NoNewAccess(ctx, p, p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestMixedPolicyTypesAreUnsupported: a check compares identity policies or resource policies; statements with and
// without a Principal element in one check are refused, not misread.
func TestMixedPolicyTypesAreUnsupported(t *testing.T) {
	r, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`), policy.TypeResource)
	if err != nil {
		t.Fatal(err)
	}
	i, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`), policy.TypeIdentity)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{}).NoNewAccess(context.Background(), i, r); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
	if _, err := New(Options{}).NoPublicAccess(context.Background(), i, "AWS::S3::Bucket"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("identity policy: got %v, want ErrUnsupported", err)
	}
	if _, err := New(Options{}).NoPublicAccess(context.Background(), r, "AWS::EC2::Instance"); !errors.Is(err, ErrResourceType) {
		t.Fatalf("unknown resource type: got %v, want ErrResourceType", err)
	}
}
