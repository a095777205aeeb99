package awsquery

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/awserr"
)

func TestParseRequest(t *testing.T) {
	cases := []struct {
		name, method, target, contentType, body string
		wantCode                                string // "" for success
		wantStatus                              int
		want                                    map[string]string
	}{
		{name: "form POST", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded",
			body: "Action=GetUser&Version=2010-05-08&UserName=bob", want: map[string]string{"Action": "GetUser", "UserName": "bob"}},
		{name: "form POST with charset", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body: "Action=GetUser&Version=2010-05-08", want: map[string]string{"Action": "GetUser"}},
		{name: "content type in capitals", method: "POST", target: "/", contentType: "Application/X-WWW-Form-Urlencoded",
			body: "Action=GetUser&Version=2010-05-08", want: map[string]string{"Action": "GetUser"}},
		{name: "GET query string", method: "GET", target: "/?Action=ListUsers&Version=2010-05-08&MaxItems=5",
			want: map[string]string{"Action": "ListUsers", "MaxItems": "5"}},
		{name: "POST with the action in the URL", method: "POST", target: "/?Action=GetUser&Version=2010-05-08",
			contentType: "application/x-www-form-urlencoded", body: "UserName=bob", want: map[string]string{"Action": "GetUser", "UserName": "bob"}},
		{name: "body first when both have a key", method: "POST", target: "/?UserName=url",
			contentType: "application/x-www-form-urlencoded", body: "Action=GetUser&Version=2010-05-08&UserName=body",
			want: map[string]string{"UserName": "body"}},
		{name: "missing action", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded",
			body: "Version=2010-05-08", wantCode: CodeMissingAction, wantStatus: 400},
		{name: "empty body", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded",
			wantCode: CodeMissingAction, wantStatus: 400},
		{name: "missing version", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded",
			body: "Action=GetUser", wantCode: CodeInvalidAction, wantStatus: 400},
		{name: "malformed body", method: "POST", target: "/", contentType: "application/x-www-form-urlencoded",
			body: "Action=Get%zzUser&Version=2010-05-08", wantCode: CodeMalformedQueryString, wantStatus: 404},
		{name: "malformed query string", method: "GET", target: "/?Action=%zz", wantCode: CodeMalformedQueryString, wantStatus: 404},
		{name: "body of another type is not read", method: "POST", target: "/", contentType: "application/json",
			body: "Action=GetUser&Version=2010-05-08", wantCode: CodeMissingAction, wantStatus: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			got, err := ParseRequest(r, []byte(tc.body))
			if tc.wantCode != "" {
				var qe *awserr.Error
				if !errors.As(err, &qe) || qe.Code != tc.wantCode || qe.HTTPStatus != tc.wantStatus {
					t.Fatalf("err = %v, want %s (%d)", err, tc.wantCode, tc.wantStatus)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if got.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, got.Get(k), v)
				}
			}
		})
	}
}

func TestMissingVersionNamesTheAction(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/?Action=GetCallerIdentity", nil)
	_, err := ParseRequest(r, nil)
	want := "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"
	if ae, ok := awserr.As(err); !ok || ae.Message != want || ae.Code != "InvalidAction" {
		t.Errorf("got %+v, want InvalidAction %q", err, want)
	}
	if got := UnknownOperation("Frob", "2010-05-08").Message; got != "Could not find operation Frob for version 2010-05-08" {
		t.Errorf("UnknownOperation message = %q", got)
	}
}

func TestMemberPathIsAWSs(t *testing.T) {
	for param, want := range map[string]string{
		"UserName":                               "userName",
		"Tags.member.2.Value":                    "tags.2.member.value",
		"PolicyArns.member.1.arn":                "policyArns.1.member.arn",
		"ContextEntries.member.3.ContextKeyName": "contextEntries.3.member.contextKeyName",
		"Attributes.entry.1.value":               "attributes.1.entry.value",
	} {
		if got := MemberPath(param); got != want {
			t.Errorf("MemberPath(%q) = %q, want %q", param, got, want)
		}
	}
}
