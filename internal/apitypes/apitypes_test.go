package apitypes_test

import (
	"encoding/xml"
	"reflect"
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

// TestGeneratedStructsWorkWithEncodingXML: the xml tags and map types read and write the query protocol's
// form with encoding/xml too.
func TestGeneratedStructsWorkWithEncodingXML(t *testing.T) {
	in := iam.GetAccountSummaryResponse{SummaryMap: iam.SummaryMapType{iam.SummaryKeyTypeUsers: 3, iam.SummaryKeyTypeGroups: 1}}
	b, err := xml.Marshal(struct {
		XMLName xml.Name `xml:"GetAccountSummaryResult"`
		iam.GetAccountSummaryResponse
	}{GetAccountSummaryResponse: in})
	if err != nil {
		t.Fatal(err)
	}
	want := "<GetAccountSummaryResult><SummaryMap><entry><key>Groups</key><value>1</value></entry><entry><key>Users</key><value>3</value></entry></SummaryMap></GetAccountSummaryResult>"
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	var out iam.GetAccountSummaryResponse
	if err := xml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Errorf("round trip: %+v", out)
	}

	var users iam.ListUsersResponse
	err = xml.Unmarshal([]byte(`<ListUsersResult><Users><member><UserName>a</UserName><CreateDate>2024-05-01T12:00:00Z</CreateDate></member>`+
		`<member><UserName>b</UserName></member></Users><IsTruncated>true</IsTruncated></ListUsersResult>`), &users)
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 2 || users.Users[1].UserName != "b" || users.IsTruncated == nil || !*users.IsTruncated || users.Users[0].CreateDate.Year() != 2024 {
		t.Errorf("got %+v", users)
	}
}
