package validate

import (
	"context"
	"testing"
)

// documentedInManagedPolicies are the checks whose section of the reference names AWS managed policies that have
// the finding ("AWS managed policies with this error", or the exceptions of STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS):
// AWS's validator reports them on AWS's own policies, so they are not noise.
var documentedInManagedPolicies = map[string]bool{
	codeInvalidAction: true, codeMissingQualifier: true, codePassRoleWithStarInResource: true,
	codePassRoleWithStarInActionAndResource: true, codeStringLikeOperatorWithARNKeys: true,
}

// TestAWSManagedPoliciesValidateQuietly: AWS's own managed policies are the best available sample of real policies;
// the checks must find no ERROR or SECURITY_WARNING in nearly all of them (some name actions or services AWS has
// since retired, which AWS's validator reports too), leaving aside the checks whose findings on managed policies
// the reference itself lists.
func TestAWSManagedPoliciesValidateQuietly(t *testing.T) {
	if testing.Short() {
		t.Skip("validates each of AWS's 1,600 managed policies (about 10 s); runs without -short")
	}
	cat, err := testCatalog()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	noisy, total := 0, 0
	counts := map[string]int{}
	for _, mp := range cat.ManagedPolicies() {
		fs, err := Validate(ctx, string(mp.Document), Options{PolicyType: IdentityPolicy, Catalog: cat})
		if err != nil {
			t.Fatalf("%s: %v", mp.ARN, err)
		}
		total++
		loud := false
		for _, f := range fs {
			if (f.FindingType == TypeError || f.FindingType == TypeSecurityWarning) && !documentedInManagedPolicies[f.IssueCode] {
				counts[f.IssueCode]++
				loud = true
			}
		}
		if loud {
			noisy++
		}
	}
	t.Logf("%d of %d managed policies have errors or security warnings: %v", noisy, total, counts)
	if total == 0 || noisy*20 > total {
		t.Fatalf("%d of %d managed policies have errors or security warnings: %v", noisy, total, counts)
	}
}
