package catalog

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

func TestEachMemberSplitsObjects(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
	}{
		{`{}`, map[string]string{}},
		{` { } `, map[string]string{}},
		{`{"a":1}`, map[string]string{"a": "1"}},
		{`{"a" : "x\"}{" , "b":[1,{"c":"]"}],"c":null,"d":true,"e":-1.5e3}`, map[string]string{
			"a": `"x\"}{"`, "b": `[1,{"c":"]"}]`, "c": "null", "d": "true", "e": "-1.5e3",
		}},
		{"{\n\t\"k\\u00e9\\\\\": {\"x\": \"\\\\\"}\r\n}", map[string]string{"k\u00e9\\": `{"x": "\\"}`}},
	}
	for _, tt := range tests {
		got := map[string]string{}
		err := eachMember([]byte(tt.in), func(k string, v []byte) error {
			got[k] = string(v)
			return nil
		})
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("eachMember(%s) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestEachMemberRejectsBrokenStructure(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":[}`, `{"a":[1}]}`,
		`{"a":"unterminated}`, `{"a":{"b":[]}`, `{a:1}`, `{"a":1}}`, `{"a":1} x`, `{"a":{"b":"\"}}`,
	} {
		if err := eachMember([]byte(in), func(string, []byte) error { return nil }); err == nil {
			t.Errorf("eachMember(%s) succeeded", in)
		}
	}
}

// FuzzEachMember checks that, on input encoding/json accepts as an object,
// eachMember finds the same members and values.
func FuzzEachMember(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":{"b":[1,"]",{}]},"c":"\\\""}`, "{\"\x84\":0}", tinyServiceRef, tinyPolicies} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var want map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &want) != nil || want == nil || strings.Count(in, `"`) > 1000 {
			return
		}
		got := map[string]json.RawMessage{}
		err := eachMember([]byte(in), func(k string, v []byte) error {
			got[k] = v // later duplicates win, as in encoding/json
			return nil
		})
		if err != nil {
			t.Fatalf("eachMember(%q): %v", in, err)
		}
		if len(got) != len(want) {
			t.Fatalf("eachMember(%q): %d members, want %d", in, len(got), len(want))
		}
		for k, v := range want {
			if string(got[k]) != string(v) {
				t.Fatalf("eachMember(%q)[%q] = %s, want %s", in, k, got[k], v)
			}
		}
	})
}
