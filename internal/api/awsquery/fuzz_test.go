package awsquery

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/awserr"
)

var decodeSeeds = []string{
	"Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2F&Tags.member.1.Key=a&Tags.member.1.Value=b",
	"Items.member.2=b&Items.member.1=a&Structs.member.1.Key=k&Structs.member.1.Deep.Key=d",
	"Attrs.entry.1.key=a&Attrs.entry.1.value=1&Counts.entry.1.Name=x&Counts.entry.1.Number=7",
	"Count=abc", "Name.1=alice", "Items=", "Items.member.0=x", "When=2024-05-01T12:00:00Z", "Data=aGk%3D",
	"RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s&DurationSeconds=900&PolicyArns.member.1.arn=x",
	"PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject&ContextEntries.member.1.ContextKeyValues.member.1=v",
}

// FuzzDecode: any parameter set decodes without panicking into a structure using every member form (as a
// generated decoder reads it), and errors are *awserr.Error with code MalformedInput. The generated decoders of
// IAM's and STS's operations are fuzzed through their operation tables (internal/api FuzzQueryOperationInputs).
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if err := decode(form, new(kitchen)); err != nil {
			var qe *awserr.Error
			if !errors.As(err, &qe) || qe.Code != CodeMalformedInput {
				t.Fatalf("decode error %v is not MalformedInput", err)
			}
		}
	})
}

// FuzzParseRequest: any method, content type, query string and body gives parameters with Action and
// Version, or an *Error with one of the package's codes; never a panic.
func FuzzParseRequest(f *testing.F) {
	f.Add("POST", "application/x-www-form-urlencoded; charset=utf-8", "", "Action=GetUser&Version=2010-05-08&UserName=bob")
	f.Add("GET", "", "Action=ListUsers&Version=2010-05-08", "")
	f.Add("POST", "application/x-www-form-urlencoded", "Action=GetUser", "Version=2010-05-08")
	f.Add("POST", "application/x-www-form-urlencoded", "", "Action=%zz")
	f.Add("POST", "text/plain", "", "Action=GetUser&Version=1")
	f.Add("PUT", "application/x-www-form-urlencoded;", "a;b", "Action=;")
	codes := map[string]bool{CodeMissingAction: true, CodeInvalidAction: true, CodeMalformedQueryString: true}
	f.Fuzz(func(t *testing.T, method, contentType, rawQuery, body string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n/?#") || strings.ContainsAny(rawQuery, " #\r\n") {
			return
		}
		r := httptest.NewRequest("GET", "/", strings.NewReader(body))
		r.Method = method
		r.URL.RawQuery = rawQuery
		r.Header.Set("Content-Type", contentType)
		values, err := ParseRequest(r, []byte(body))
		if err != nil {
			var qe *awserr.Error
			if !errors.As(err, &qe) || !codes[qe.Code] {
				t.Fatalf("error %v has no known code", err)
			}
			return
		}
		if values.Get("Action") == "" || values.Get("Version") == "" {
			t.Fatalf("accepted %v without Action and Version", values)
		}
	})
}
