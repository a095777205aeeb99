package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// resourcesByEncodingJSON is LookupResources' reading of request parameters as encoding/json does it: the
// object decoded whole into a map (the last value of a name given twice), each resource member read as a string.
func resourcesByEncodingJSON(params []byte) []LookupResource {
	if len(params) == 0 || params[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(params, &m) != nil {
		return nil
	}
	var out []LookupResource
	for _, rm := range resourceMembers {
		raw, ok := m[rm.member]
		if !ok {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) != nil || v == "" || v == Hidden {
			continue
		}
		out = append(out, LookupResource{Type: rm.typ, Name: v})
	}
	return out
}

var memberCases = []string{
	`{"userName":"alice","policyName":"p","policyDocument":"{\"Version\":\"2012-10-17\"}"}`,
	`{"roleName":"r","tags":[{"key":"k","value":"v"}],"maxSessionDuration":3600,"x":null,"y":true,"z":{"roleName":"inner"}}`,
	` { "userName" : "a\u00e9\"b" , "groupName":"g" } `,
	`{"userName":"first","userName":"second"}`,
	`{"userName":"first","userName":7}`,
	`{"userName":"x\ud800y"}`,
	"{\"userName\":\"caf\xc3\xa9\",\"roleName\":\"bad\xff\"}",
	`{"user\u004eame":"escaped name"}`,
	`{"userName":"HIDDEN_DUE_TO_SECURITY_REASONS","accessKeyId":""}`,
	`{}`, `[]`, `{"userName":"a"`, `{"userName":"a"} x`, `{"userName":01}`, `{"a":[1,2,{"b":[]}],"roleName":"r"}`,
	`{"a":-1.5e3,"policyArn":"arn:aws:iam::aws:policy/P"}`, `{"a":tru}`, `{"a":"\x01"}`, `{"a" "b"}`, `{,}`,
}

// TestLookupResourcesReadsRequestParametersAsEncodingJSON: the resources an event's request parameters name are
// those encoding/json would read, for valid and invalid parameters alike.
func TestLookupResourcesReadsRequestParametersAsEncodingJSON(t *testing.T) {
	for _, params := range memberCases {
		want := resourcesByEncodingJSON([]byte(params))
		if got := LookupResources(&Event{RequestParameters: json.RawMessage(params)}); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", params, got, want)
		}
	}
}

func FuzzLookupResources(f *testing.F) {
	for _, c := range memberCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		want := resourcesByEncodingJSON(params)
		if got := LookupResources(&Event{RequestParameters: params}); !slices.Equal(got, want) {
			t.Fatalf("%q:\n got %v\nwant %v", params, got, want)
		}
	})
}

// TestStringMembersRefusesNestingEncodingJSONRefuses: nesting deeper than encoding/json reads makes the object
// invalid, as it does for encoding/json.
func TestStringMembersRefusesNestingEncodingJSONRefuses(t *testing.T) {
	for _, depth := range []int{9998, 9999, 10000, 10001} {
		params := `{"userName":"a","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
		want := resourcesByEncodingJSON([]byte(params))
		if got := LookupResources(&Event{RequestParameters: json.RawMessage(params)}); !slices.Equal(got, want) {
			t.Errorf("depth %d: got %v, want %v", depth, got, want)
		}
	}
}
