package jsonproto

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
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

// TestTimestampISO8601JSON: a timestamp the model formats as iso8601 is written as an RFC 3339 string in UTC, to
// the millisecond, and reads back as the same time.
func TestTimestampISO8601JSON(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Unix(1732541234, 0).UTC(), `"2024-11-25T13:27:14Z"`},
		{time.Unix(1732541234, 125_900_000).In(time.FixedZone("X", 3600)), `"2024-11-25T13:27:14.125Z"`},
	} {
		out := AppendTimestampISO8601(nil, tc.in)
		if string(out) != tc.want {
			t.Fatalf("%v: %s, want %s", tc.in, out, tc.want)
		}
		var back time.Time
		if err := Decode(out, &back, Timestamp); err != nil || !back.Equal(tc.in.Truncate(time.Millisecond)) {
			t.Fatalf("%s: read back %v %v", out, back, err)
		}
		if elem := TimestampISO8601Elem(nil, &tc.in); string(elem) != tc.want {
			t.Fatalf("element %s", elem)
		}
	}
}

// skipAll reads any JSON value.
func skipAll(d *Decoder, _ *struct{}) error { return d.Skip() }

// FuzzSkipAcceptsValidJSON: the scanner accepts exactly what encoding/json calls valid (one value, white space
// around it, nesting at most 10000 deep).
func FuzzSkipAcceptsValidJSON(f *testing.F) {
	for _, s := range []string{`{}`, ` [1, -0.5e+3, "a\u00e9\ud800", true, false, null, {"a":{}}] `, `{"a" 1}`, `01`, `"\x"`,
		"\"\x01\"", `[1,]`, `{} {}`, "\xef\xbb\xbf{}", `"\/\b\f\n\r\t"`, `1.`, `-`,
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Decode(data, &struct{}{}, skipAll)
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("%q: json.Valid %v, Skip %v", data, valid, err)
		}
	})
}

// FuzzStringMatchesEncodingJSON: AppendString writes what json.Marshal writes for a string, and the decoder
// reads back what json.Unmarshal reads.
func FuzzStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "a", "<&>", "\u2028\u2029", "\xff\xed\xa0\x80", "\x00\x1f\b\f\n\r\t\"\\/", "😀é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		got := AppendString(nil, s)
		if !bytes.Equal(got, want) {
			t.Fatalf("%q: AppendString %s, json.Marshal %s", s, got, want)
		}
		quoted := []byte(strconv.Quote(s)) // Go escapes, many of them JSON too
		var w string
		errW := json.Unmarshal(quoted, &w)
		var g string
		errG := Decode(quoted, &g, String[string])
		if (errW == nil) != (errG == nil) || w != g {
			t.Fatalf("%s: json.Unmarshal %q %v, Decode %q %v", quoted, w, errW, g, errG)
		}
	})
}

// TestBlobJSON: blobs travel as base64 strings (standard alphabet, padded), as encoding/json writes []byte; null
// leaves the value, and text that is not base64 or not a string is an error.
func TestBlobJSON(t *testing.T) {
	for _, v := range [][]byte{{}, []byte("hi"), {0, 0xff, 0xfe, 0x3e, 0x3f}, bytes.Repeat([]byte{7}, 100)} {
		out := AppendBlob(nil, v)
		want, _ := json.Marshal(v)
		if !bytes.Equal(out, want) {
			t.Errorf("AppendBlob(%x) = %s, want %s", v, out, want)
		}
		var got []byte
		if err := Decode(out, &got, Blob); err != nil || !bytes.Equal(got, v) {
			t.Errorf("Blob(%s) = %x, %v; want %x", out, got, err, v)
		}
	}
	kept := []byte("kept")
	if err := Decode([]byte("null"), &kept, Blob); err != nil || string(kept) != "kept" {
		t.Errorf("null: %q %v", kept, err)
	}
	for _, bad := range []string{`"!!"`, `"aGk"`, `12`, `{}`} {
		var got []byte
		if err := Decode([]byte(bad), &got, Blob); err == nil {
			t.Errorf("%s accepted as a blob: %x", bad, got)
		}
	}
}
