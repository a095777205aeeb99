package jsonproto

import (
	"testing"
	"time"
)

// TestTimestampJSON: epoch seconds and ISO 8601 strings in; epoch seconds with up to millisecond precision out
// (what apitypes.Timestamp did before the wire layer took the encoding over).
func TestTimestampJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		out  string
	}{
		{"1732541234", time.Unix(1732541234, 0).UTC(), "1732541234"},
		{"1732541234.125", time.Unix(1732541234, 125e6).UTC(), "1732541234.125"},
		{`"2024-11-25T13:27:14Z"`, time.Unix(1732541234, 0).UTC(), "1732541234"},
	} {
		var ts time.Time
		if err := Decode([]byte(tc.in), &ts, Timestamp); err != nil || !ts.Equal(tc.want) {
			t.Fatalf("%s: %v %v", tc.in, ts, err)
		}
		if out := AppendTimestamp(nil, ts); string(out) != tc.out {
			t.Fatalf("%s: marshal %s", tc.in, out)
		}
	}
	for _, bad := range []string{`"yesterday"`, "NaN", "1e30", "{}"} {
		var ts time.Time
		if err := Decode([]byte(bad), &ts, Timestamp); err == nil {
			t.Fatalf("%s accepted", bad)
		}
	}
}
