package apitypes_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/apitypes"
	iam "github.com/iamd-dev/iamd/internal/apitypes/iam"
)

func TestValidationErrorWording(t *testing.T) {
	var v apitypes.Validation
	if v.Err() != nil {
		t.Fatal("empty validation is an error")
	}
	v.Null("userName")
	v.StringLength("path", "", 1, 512, false)
	v.StringLength("password", strings.Repeat("x", 3), 6, -1, true)
	want := "3 validation errors detected: Value null at 'userName' failed to satisfy constraint: Member must not be null; " +
		"Value '' at 'path' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
		"Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 6"
	if got := v.Err().Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestStringLengthCountsCharacters(t *testing.T) {
	var v apitypes.Validation
	v.StringLength("name", strings.Repeat("é", 64), 1, 64, false)
	if v.Err() != nil {
		t.Errorf("64 two-byte characters fail a 64-character limit: %v", v.Err())
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"string list", []string{"a", "b"}, "[a, b]"},
		{"structures skip nil members", []iam.Tag{{Key: "k", Value: "v"}}, "[{Key: k,Value: v}]"},
		{"nil pointer", (*string)(nil), "null"},
		{"number", int32(7), "7"},
		{"blob", []byte("hi"), "aGk="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := apitypes.FormatValue(tc.in); got != tc.want {
				t.Errorf("got %q want %q", got, tc.want)
			}
		})
	}
}

// TestWithNullsReplacesWhatTheZeroValueFailed: a member a decoder found absent is null, first, and what Validate
// said about the zero value it saw at that path is dropped; other violations stay.
func TestWithNullsReplacesWhatTheZeroValueFailed(t *testing.T) {
	var v apitypes.Validation
	v.Pattern("versionId", "", regexp.MustCompile(`^v[1-9]$`), `v[1-9]`, false)
	v.StringLength("policyArn", "x", 20, 2048, false)
	got := apitypes.WithNulls(v.Err(), []string{"versionId"}).Error()
	want := "2 validation errors detected: Value null at 'versionId' failed to satisfy constraint: Member must not be null; " +
		"Value 'x' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if apitypes.WithNulls(nil, nil) != nil {
		t.Error("no nulls and no error is an error")
	}
}
