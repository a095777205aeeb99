package policy_test

import (
	"testing"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// TestAWSManagedPoliciesParse: every AWS managed policy is a document AWS accepted as an identity-based policy, so
// the parser must accept each one, without error findings.
func TestAWSManagedPoliciesParse(t *testing.T) {
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mp := range cat.ManagedPolicies() {
		if _, err := policy.Parse(mp.Document, policy.TypeIdentity); err != nil {
			t.Errorf("%s: %v", mp.ARN, err)
		}
		n++
	}
	if n < 1500 {
		t.Fatalf("only %d managed policies", n)
	}
}
