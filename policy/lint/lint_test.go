package lint_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/policy/lint"
)

func embedded(t testing.TB) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestCheck(t *testing.T) {
	cat := embedded(t)
	stmt := func(s string) string { return `{"Version": "2012-10-17", "Statement": [` + s + `]}` }
	tests := []struct {
		name  string
		doc   string
		codes []string
	}{
		{"known actions and keys give no findings", stmt(`{"Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::b/*",
			"Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, "StringEquals": {"s3:ExistingObjectTag/team": "blue"}}}`), nil},
		{"unknown service", stmt(`{"Effect": "Allow", "Action": "s33:GetObject", "Resource": "*"}`), []string{lint.CodeUnknownService}},
		{"unknown action", stmt(`{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}`), []string{lint.CodeUnknownAction}},
		{"wildcard matching nothing", stmt(`{"Effect": "Allow", "Action": "s3:Frobnicate*", "Resource": "*"}`), []string{lint.CodeUnknownAction}},
		{"action case does not matter", stmt(`{"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"}`), nil},
		{"action without resource types needs star", stmt(`{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::b"}`), []string{lint.CodeResourceNotStar}},
		{"unknown global key", stmt(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceIpp": "x"}}}`), []string{lint.CodeUnknownConditionKey}},
		{"identity provider keys are not checked", stmt(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}}`), nil},
		{"string operator on an IP key", stmt(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceIp": "203.0.113.1"}}}`), []string{lint.CodeOperatorTypeMismatch}},
		{"date operator on a string key", stmt(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:username": "2020-01-01"}}}`), []string{lint.CodeOperatorTypeMismatch}},
		{"epoch time takes numeric and date operators", stmt(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"NumericLessThan": {"aws:EpochTime": "1"}, "DateLessThan": {"aws:EpochTime": "1"}}}`), nil},
		{"multivalued key without set operator", stmt(`{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:TagKeys": "a"}}}`), []string{lint.CodeMissingSetOperator}},
		{"set operator on a single-valued key", stmt(`{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAnyValue:StringEquals": {"aws:username": "a"}}}`), []string{lint.CodeSetOperatorOnSingle}},
		{"ForAllValues with Allow", stmt(`{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}}`), []string{lint.CodeForAllValuesAllow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tt.doc), policy.TypeIdentity)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range lint.Check(p, cat) {
				got = append(got, f.Code)
				if f.Line == 0 {
					t.Errorf("finding without a position: %v", f)
				}
			}
			sort.Strings(got)
			want := append([]string(nil), tt.codes...)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("codes = %v, want %v", got, want)
			}
		})
	}
}

// TestAWSManagedPoliciesLintQuietly: AWS's own managed policies are the best available sample of real policies; the
// checks must stay quiet on nearly all of them (some name actions AWS has since retired).
func TestAWSManagedPoliciesLintQuietly(t *testing.T) {
	cat := embedded(t)
	noisy, total := 0, 0
	counts := map[string]int{}
	for _, mp := range cat.ManagedPolicies() {
		p, err := policy.Parse(mp.Document, policy.TypeIdentity)
		if err != nil {
			t.Fatalf("%s: %v", mp.ARN, err)
		}
		total++
		warned := false
		for _, f := range lint.Check(p, cat) {
			counts[f.Code]++
			warned = warned || f.Severity != policy.SeveritySuggestion
		}
		if warned {
			noisy++
		}
	}
	t.Logf("%d of %d managed policies have warnings: %v", noisy, total, counts)
	if noisy*20 > total {
		t.Fatalf("%d of %d managed policies have findings: %v", noisy, total, counts)
	}
}
