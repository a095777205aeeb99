package api

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRESTJSONRequest: whatever the method, path, query string and body of a request to the REST-JSON service,
// the wire layer (routing, path labels, query-string binders, the generated body decoders, validation) answers
// without panicking, with a JSON body, and with a success only for an operation it runs; an error always names its
// code in x-amzn-ErrorType; no failure but fakeAnalyzer's own is a 5xx. Seeds: the golden cases.
func FuzzRESTJSONRequest(f *testing.F) {
	for _, tc := range restCases {
		path, query, _ := strings.Cut(tc.target, "?")
		f.Add(tc.method, path, query, tc.body)
	}
	f.Add("POST", "/policy/validation", "maxResults=-2147483649", `{"policyDocument":"x","policyType":"RESOURCE_POLICY","validatePolicyResourceType":null}`)
	f.Add("DELETE", "/tags/arn:aws:s3:::b%2Fk", "tagKeys=a&tagKeys=b", "")
	f.Add("POST", "/policy/check-access-not-granted", "", `{"policyDocument":"x","access":[{"actions":["a",null],"resources":[1]}],"policyType":"IDENTITY_POLICY"}`)
	h := newRESTHandler()
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n/") || !strings.HasPrefix(path, "/") {
			return
		}
		u := &url.URL{Path: path, RawQuery: query}
		req := httptest.NewRequest("GET", "/", strings.NewReader(body))
		req.Method, req.URL, req.RequestURI = method, u, u.RequestURI()
		req.Header.Set("Authorization", okAuth)
		rec := httptest.NewRecorder()
		h.restServe(rec, req)
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s?%s %q: the answer %q is not JSON", method, path, query, body, rec.Body.String())
		}
		code := rec.Header().Get("x-amzn-ErrorType")
		switch {
		case rec.Code == 200 && code != "":
			t.Fatalf("200 with x-amzn-ErrorType %s", code)
		case rec.Code == 200 && method != "POST":
			t.Fatalf("%s %s: 200 from an operation iamd does not run", method, path)
		case rec.Code != 200 && code == "":
			t.Fatalf("%d without x-amzn-ErrorType: %s", rec.Code, rec.Body.String())
		case rec.Code >= 500 && rec.Code != 501 && !strings.Contains(body, "crash"): // fakeAnalyzer fails on "crash"
			t.Fatalf("%s %s?%s %q: %d %s", method, path, query, body, rec.Code, rec.Body.String())
		}
	})
}
