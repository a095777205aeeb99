package policy

import "testing"

// TestParseOperatorReadsAWSsNames: operator names are read as AWS spells them, ignoring case, with the set
// qualifier before a colon and IfExists at the end (IAM JSON policy elements: Condition operators).
func TestParseOperatorReadsAWSsNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Operator
		ok   bool
	}{
		{"StringEquals", Operator{Name: "StringEquals", Family: FamilyString}, true},
		{"stringnotlike", Operator{Name: "StringNotLike", Family: FamilyStringLike, Negated: true}, true},
		{"ForAnyValue:StringEqualsIgnoreCaseIfExists", Operator{Name: "StringEqualsIgnoreCase", Family: FamilyStringIgnoreCase,
			Qualifier: QualifierForAnyValue, IfExists: true}, true},
		{"forallvalues:ArnLike", Operator{Name: "ArnLike", Family: FamilyARN, Qualifier: QualifierForAllValues}, true},
		{"NotIpAddress", Operator{Name: "NotIpAddress", Family: FamilyIP, Negated: true}, true},
		{"DateGreaterThanEqualsIfExists", Operator{Name: "DateGreaterThanEquals", Family: FamilyDate, IfExists: true}, true},
		{"NullIfExists", Operator{Name: "Null", Family: FamilyNull, IfExists: true}, true}, // read; the engine refuses it
		{"BinaryEquals", Operator{Name: "BinaryEquals", Family: FamilyBinary}, true},
		{"StringEqual", Operator{}, false},
		{"ForSomeValues:StringEquals", Operator{}, false},
		{"", Operator{}, false},
	} {
		got, ok := ParseOperator(tc.name)
		got.spec = operatorSpec{}
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseOperator(%q) = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if _, _, _, ok := parseOperator("NullIfExists"); ok {
		t.Error("the engine takes NullIfExists")
	}
	for _, f := range []OperatorFamily{FamilyString, FamilyStringIgnoreCase, FamilyStringLike} {
		if !f.Strings() {
			t.Errorf("family %d does not compare strings", f)
		}
	}
	if FamilyARN.Strings() {
		t.Error("ARN operators compare strings")
	}
}
