package trailjson

import (
	"encoding/json"
	"testing"
	"time"
)

// TestTimeIsCloudTrailsForm: timestamps are written as CloudTrail writes them in IAM, STS and Organizations
// events ("Dec 9, 2025, 5:31:31 PM"; older events lack the comma after the year), in UTC, to the second.
func TestTimeIsCloudTrailsForm(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    time.Time
		want string
	}{
		{"afternoon", time.Date(2025, 12, 9, 17, 31, 31, 0, time.UTC), `"Dec 9, 2025, 5:31:31 PM"`},
		{"just after midnight is 12 AM", time.Date(2024, 1, 2, 0, 5, 9, 0, time.UTC), `"Jan 2, 2024, 12:05:09 AM"`},
		{"noon is 12 PM", time.Date(2024, 10, 20, 12, 0, 0, 0, time.UTC), `"Oct 20, 2024, 12:00:00 PM"`},
		{"fractions are dropped", time.Date(2024, 10, 20, 9, 1, 2, 999e6, time.UTC), `"Oct 20, 2024, 9:01:02 AM"`},
		{"other zones are written in UTC", time.Date(2024, 10, 20, 9, 1, 2, 0, time.FixedZone("X", 2*3600)), `"Oct 20, 2024, 7:01:02 AM"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Time(nil, tc.t)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestValuesAreJSON: each writer appends one valid JSON value, as the generated encoders compose them.
func TestValuesAreJSON(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		write      func([]byte) []byte
	}{
		{"hidden", `"HIDDEN_DUE_TO_SECURITY_REASONS"`, Hidden},
		{"hidden list element", `"HIDDEN_DUE_TO_SECURITY_REASONS"`, func(b []byte) []byte { return HiddenElem(b, new(string)) }},
		{"blob in base64", `"AAEC/w=="`, func(b []byte) []byte { return Blob(b, []byte{0, 1, 2, 255}) }},
		{"map with sorted, escaped keys", `{"a\"b":2,"z":1}`, func(b []byte) []byte {
			return Map(b, map[string]int32{"z": 1, `a"b`: 2}, func(b []byte, v int32) []byte { return append(b, byte('0'+v)) })
		}},
		{"empty map", `{}`, func(b []byte) []byte { return Map(b, map[string]string{}, HiddenValue[string]) }},
		{"object with members", `{"a":1}`, func(b []byte) []byte { return Object(b, func(b []byte) []byte { return append(b, `{"a":1}`...) }) }},
		{"object without members is null", `null`, func(b []byte) []byte { return Object(b, func(b []byte) []byte { return append(b, "{}"...) }) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.write([]byte("x"))[1:] // after what b held
			if string(got) != tc.want || !json.Valid(got) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
