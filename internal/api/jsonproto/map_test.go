package jsonproto

import (
	"errors"
	"maps"
	"testing"
)

type tags map[string]string

type pair struct{ A, B string }

func readPair(d *Decoder, v *pair) error {
	return Object(d, v, &pairMembers, func(d *Decoder, v *pair, i int) error {
		switch i {
		case 0:
			return String(d, &v.A)
		case 1:
			return String(d, &v.B)
		}
		return d.Skip()
	})
}

var pairMembers = NewMembers("a", "b")

func appendPair(b []byte, v *pair) []byte {
	b = append(b, '{')
	n := len(b)
	b = AppendString(Member(b, n, `"a":`), v.A)
	b = AppendString(Member(b, n, `"b":`), v.B)
	return append(b, '}')
}

// TestMapsReadAndWriteAsObjects: a map member is a JSON object read under its members' (unescaped) names, a later
// member replacing an earlier one, null making it nil and {} an empty map; it is written with its keys sorted, so
// that an answer is the same bytes each time; values may be structures, and a list's elements maps.
func TestMapsReadAndWriteAsObjects(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     tags
	}{
		{"members", `{"b":"2","a":"1"}`, tags{"a": "1", "b": "2"}},
		{"escaped name", `{"k\u00e9y":"v"}`, tags{"kéy": "v"}},
		{"repeated name", `{"a":"1","a":"3"}`, tags{"a": "3"}},
		{"empty", `{}`, tags{}},
		{"null", `null`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got tags
			if err := Decode([]byte(tc.in), &got, func(d *Decoder, v *tags) error { return Map(d, v, String[string]) }); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
	var bad tags
	var je *Error
	if err := Decode([]byte(`["a"]`), &bad, func(d *Decoder, v *tags) error { return Map(d, v, String[string]) }); !errors.As(err, &je) {
		t.Fatalf("an array for a map: %v", err)
	}
	if got := string(AppendMap(nil, tags{"z": "1", "a": "<"}, StringElem[string])); got != `{"a":"\u003c","z":"1"}` {
		t.Fatalf("AppendMap: %s", got)
	}
	if got := string(AppendMap(nil, tags(nil), StringElem[string])); got != "null" {
		t.Fatalf("AppendMap of nil: %s", got)
	}
	var structs map[string]pair
	if err := Decode([]byte(`{"x":{"a":"1","b":"2"}}`), &structs, func(d *Decoder, v *map[string]pair) error { return Map(d, v, readPair) }); err != nil || structs["x"] != (pair{"1", "2"}) {
		t.Fatalf("a map of structures: %v %v", structs, err)
	}
	if got := string(AppendMap(nil, structs, appendPair)); got != `{"x":{"a":"1","b":"2"}}` {
		t.Fatalf("a map of structures written: %s", got)
	}
	var list []tags
	readTags := func(d *Decoder, v *tags) error { return Map(d, v, String[string]) }
	if err := Decode([]byte(`[{"k":"v"},{}]`), &list, func(d *Decoder, v *[]tags) error { return List(d, v, readTags) }); err != nil || len(list) != 2 || list[0]["k"] != "v" {
		t.Fatalf("a list of maps: %v %v", list, err)
	}
}

// listParams is params with repeated query-string members.
type listParams struct {
	params
	lists map[string][]string
}

func (p listParams) ParamValues(location, name string) []string { return p.lists[name] }

// TestParamStringsReadsEveryValue: a query-string list (?tagKeys=a&tagKeys=b) is read with every value, in order,
// from a ListParams, and nil when the request has none.
func TestParamStringsReadsEveryValue(t *testing.T) {
	p := listParams{params{"querystring": {"tagKeys": "a"}}, map[string][]string{"tagKeys": {"a", "b"}}}
	var keys []string
	if err := ParamStrings(p, "querystring", "tagKeys", &keys); err != nil || len(keys) != 2 || keys[1] != "b" {
		t.Fatalf("got %v %v", keys, err)
	}
	var none []string
	if err := ParamStrings(p, "querystring", "other", &none); err != nil || none != nil {
		t.Fatalf("absent: %v %v", none, err)
	}
	var one []string
	if err := ParamStrings(params{"querystring": {"tagKeys": "a"}}, "querystring", "tagKeys", &one); err != nil || len(one) != 1 {
		t.Fatalf("a Params that is no ListParams: %v %v", one, err)
	}
}
