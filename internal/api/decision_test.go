package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

func TestDecodeAuthorizeStringifiesContext(t *testing.T) {
	in, err := decodeAuthorize([]byte(`{"principal":"arn:aws:iam::123456789012:user/alice","action":"notes:GetNote","resource":"*",
		"resourcePolicy":{"Version":"2012-10-17"},
		"context":{"aws:SourceIp":"203.0.113.7","s3:prefix":["a/","b/"],"notes:Public":true,"notes:Size":12.50,"notes:Big":1e3,"notes:Mixed":[1,false,"x"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"aws:sourceip": {"203.0.113.7"}, "s3:prefix": {"a/", "b/"}, "notes:public": {"true"},
		"notes:size": {"12.50"}, "notes:big": {"1e3"}, "notes:mixed": {"1", "false", "x"},
	}
	for k, v := range want {
		if got := in.Context[k]; !slices.Equal(got, v) {
			t.Errorf("context[%s] = %q, want %q", k, got, v)
		}
	}
	if in.ResourcePolicy != `{"Version":"2012-10-17"}` {
		t.Errorf("resource policy = %q", in.ResourcePolicy)
	}
}

func TestDecodeAuthorizeResourcePolicyMustAllow(t *testing.T) {
	tests := []struct {
		name, body string
		want       *bool // nil: absent, the action's default applies
	}{
		{"absent", `{"action":"kms:Decrypt"}`, nil},
		{"null", `{"resourcePolicyMustAllow":null}`, nil},
		{"true", `{"resourcePolicyMustAllow":true}`, ptr(true)},
		{"false", `{"resourcePolicyMustAllow":false}`, ptr(false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := decodeAuthorize([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			got := in.ResourcePolicyMustAllow
			if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Fatalf("resourcePolicyMustAllow = %v, want %v", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestDecodeRejectsLikeAValidationError(t *testing.T) {
	tests := []struct{ name, body string }{
		{"not JSON", `{not json`},
		{"trailing data", `{"action":"a:b"} {}`},
		{"an array", `[]`},
		{"nested context value", `{"context":{"k":{"a":1}}}`},
		{"null context value", `{"context":{"k":null}}`},
		{"list of lists", `{"context":{"k":[["a"]]}}`},
		{"empty context key", `{"context":{"":"v"}}`},
		{"resource policy a number", `{"resourcePolicy":7}`},
		{"action a number", `{"action":7}`},
		{"resourcePolicyMustAllow a string", `{"resourcePolicyMustAllow":"true"}`},
		{"resourcePolicyMustAllow a number", `{"resourcePolicyMustAllow":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAuthorize([]byte(tt.body))
			if ae, ok := awserr.As(err); !ok || ae.Code != "ValidationError" || ae.HTTPStatus != 400 {
				t.Fatalf("err = %v, want ValidationError", err)
			}
		})
	}
	verify := []struct{ name, body string }{
		{"no service", `{"method":"GET","url":"http://h/"}`},
		{"no method", `{"service":"notes","url":"http://h/"}`},
		{"relative URL", `{"service":"notes","method":"GET","url":"/notes/7"}`},
		{"ftp URL", `{"service":"notes","method":"GET","url":"ftp://h/x"}`},
		{"method with a space", `{"service":"notes","method":"G T","url":"http://h/"}`},
		{"both body and hash", `{"service":"notes","method":"GET","url":"http://h/","body":"","bodySHA256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`},
		{"short hash", `{"service":"notes","method":"GET","url":"http://h/","bodySHA256":"abcd"}`},
		{"body not base64", `{"service":"notes","method":"GET","url":"http://h/","body":"***"}`},
		{"header values not a list", `{"service":"notes","method":"GET","url":"http://h/","headers":{"Host":"h"}}`},
	}
	for _, tt := range verify {
		t.Run("verify/"+tt.name, func(t *testing.T) {
			_, _, err := decodeVerify([]byte(tt.body))
			if ae, ok := awserr.As(err); !ok || ae.Code != "ValidationError" {
				t.Fatalf("err = %v, want ValidationError", err)
			}
		})
	}
}

func TestDescribedRequestKeepsTheWireForm(t *testing.T) {
	tests := []struct {
		name, url, host      string
		wantURI, wantHost    string
		wantQuery            string
		wantHeaderHostAbsent bool
	}{
		{name: "path and raw query as sent", url: "http://127.0.0.1:8080/notes/a%2Fb/%7E?y=a%20b&x=1", host: "127.0.0.1:8080",
			wantURI: "/notes/a%2Fb/%7E?y=a%20b&x=1", wantHost: "127.0.0.1:8080", wantQuery: "y=a%20b&x=1"},
		{name: "no path", url: "https://notes.example", wantURI: "/", wantHost: "notes.example"},
		{name: "fragment dropped", url: "https://notes.example/x#frag", wantURI: "/x", wantHost: "notes.example"},
		{name: "Host header wins", url: "http://10.0.0.1/x", host: "notes.example", wantURI: "/x", wantHost: "notes.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"service":"notes","method":"GET","url":"` + tt.url + `","headers":{"x-amz-date":["20250101T000000Z"]`
			if tt.host != "" {
				body += `,"host":["` + tt.host + `"]`
			}
			body += `}}`
			vr, hash, err := decodeVerify([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if hash != sha256.Sum256(nil) {
				t.Errorf("an absent body hashes as the empty body")
			}
			r := describedRequest(context.Background(), vr)
			if r.RequestURI != tt.wantURI || r.Host != tt.wantHost || r.URL.RawQuery != tt.wantQuery {
				t.Errorf("RequestURI %q Host %q RawQuery %q", r.RequestURI, r.Host, r.URL.RawQuery)
			}
			if r.Header.Get("X-Amz-Date") != "20250101T000000Z" || r.Header.Get("Host") != "" {
				t.Errorf("headers %v", r.Header)
			}
		})
	}
}

// FuzzDecodeDecisionRequests feeds arbitrary bodies to both decoders: they never panic, every error is a 400
// ValidationError, and a decoded /verify request always rebuilds into a request with a path.
func FuzzDecodeDecisionRequests(f *testing.F) {
	for _, seed := range []string{
		`{"principal":"arn:aws:iam::123456789012:user/alice","action":"notes:GetNote","resource":"*","context":{"a:b":["x",1,true]}}`,
		`{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","action":"notes:GetNote","resource":"*","resourcePolicy":{"Statement":[]}}`,
		`{"resourcePolicy":"{\"Version\":\"2012-10-17\"}","context":{"n":-1.5e-3}}`,
		`{"service":"notes","method":"GET","url":"http://127.0.0.1:8080/notes/7?x=1","headers":{"Host":["h"],"X-Amz-Date":["20250101T000000Z"]},"bodySHA256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`,
		`{"service":"notes","method":"POST","url":"https://h","body":"aGVsbG8="}`,
		`{"service":"s","method":"M","url":"http://[::1]:80/%zz?%%"}`,
		`{"context":{"k":null}}`, `[]`, `null`, ``,
		`{"principal":"arn:aws:sts::123456789012:assumed-role/R/s1","action":"kms:Decrypt","resource":"*","resourcePolicy":{"Statement":[]},"resourcePolicyMustAllow":true}`,
		`{"resourcePolicyMustAllow":false}`, `{"resourcePolicyMustAllow":null}`, `{"resourcePolicyMustAllow":"false"}`,
		`{"ResourcePolicyMustAllow":true,"resourcepolicymustallow":false}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkErr := func(err error) {
			if err == nil {
				return
			}
			if ae, ok := awserr.As(err); !ok || ae.HTTPStatus != 400 || ae.Code != "ValidationError" {
				t.Fatalf("error %v is not a ValidationError", err)
			}
		}
		in, err := decodeAuthorize(body)
		checkErr(err)
		if err == nil {
			for k, v := range in.Context {
				if k == "" || k != strings.ToLower(k) || v == nil {
					t.Fatalf("context key %q = %q", k, v)
				}
			}
			// What was decoded reads back the same once written in the API's own form (a policy object is kept as
			// sent, so one holding invalid UTF-8 cannot be written back exactly as a JSON string).
			if !utf8.ValidString(in.ResourcePolicy) {
				return
			}
			again, err := decodeAuthorize(encodeAuthorize(t, in))
			if err != nil {
				t.Fatalf("re-encoded request: %v", err)
			}
			if !sameDecisionRequest(in, again) {
				t.Fatalf("decoded %+v, then %+v", in, again)
			}
		}
		vr, _, err := decodeVerify(body)
		checkErr(err)
		if err == nil {
			r := describedRequest(context.Background(), vr)
			if !strings.HasPrefix(r.RequestURI, "/") || r.Host == "" && r.URL.Host == "" {
				t.Fatalf("rebuilt request %q host %q", r.RequestURI, r.Host)
			}
		}
	})
}

// encodeAuthorize writes a decoded request back as an /authorize body.
func encodeAuthorize(t *testing.T, in *iam.DecisionRequest) []byte {
	t.Helper()
	out := map[string]any{"principal": in.Principal, "accessKeyId": in.AccessKeyID, "action": in.Action, "resource": in.Resource,
		"resourceOwner": in.ResourceOwner, "context": map[string][]string(in.Context)}
	if in.ResourcePolicy != "" {
		out["resourcePolicy"] = in.ResourcePolicy // as a JSON string
	}
	if in.ResourcePolicyMustAllow != nil {
		out["resourcePolicyMustAllow"] = *in.ResourcePolicyMustAllow
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameDecisionRequest(a, b *iam.DecisionRequest) bool {
	if a.Principal != b.Principal || a.AccessKeyID != b.AccessKeyID || a.Action != b.Action || a.Resource != b.Resource ||
		a.ResourceOwner != b.ResourceOwner || a.ResourcePolicy != b.ResourcePolicy || len(a.Context) != len(b.Context) ||
		(a.ResourcePolicyMustAllow == nil) != (b.ResourcePolicyMustAllow == nil) ||
		a.ResourcePolicyMustAllow != nil && *a.ResourcePolicyMustAllow != *b.ResourcePolicyMustAllow {
		return false
	}
	for k, v := range a.Context {
		if !slices.Equal(v, b.Context[k]) {
			return false
		}
	}
	return true
}
