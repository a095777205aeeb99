package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// corpusDocuments returns every policy document of the validation and decision corpora, to seed the fuzzers.
func corpusDocuments(t testing.TB) [][]byte {
	var docs [][]byte
	for _, c := range loadValidateCorpus(t) {
		docs = append(docs, documentText(c.Policy))
	}
	files, _ := filepath.Glob("../authz/testdata/decisions/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Cases []struct {
				Policies map[string]json.RawMessage `json:"policies"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, c := range doc.Cases {
			var walk func(raw json.RawMessage)
			walk = func(raw json.RawMessage) {
				var obj map[string]json.RawMessage
				var arr []json.RawMessage
				switch {
				case json.Unmarshal(raw, &arr) == nil:
					for _, a := range arr {
						walk(a)
					}
				case json.Unmarshal(raw, &obj) == nil:
					if d, ok := obj["document"]; ok {
						docs = append(docs, documentText(d))
						return
					}
					for _, v := range obj {
						walk(v)
					}
				}
			}
			for _, v := range c.Policies {
				walk(v)
			}
		}
	}
	return docs
}

// FuzzParse: the parser never panics, accepts only valid JSON, reports positions inside the document, and is
// deterministic.
func FuzzParse(f *testing.F) {
	for _, d := range corpusDocuments(f) {
		f.Add(d, uint8(TypeIdentity))
		f.Add(d, uint8(TypeResource))
	}
	f.Fuzz(func(t *testing.T, doc []byte, typ uint8) {
		pt := Type(typ % uint8(len(typeNames)))
		p, err := Parse(doc, pt)
		if err == nil && !json.Valid(doc) {
			t.Fatalf("accepted invalid JSON %q", doc)
		}
		if _, merr := ParseManaged(doc, pt); err != nil && merr == nil {
			t.Fatalf("ParseManaged accepted what Parse refused: %v", err)
		} else if merr != nil {
			if pe, ok := merr.(*ParseError); !ok || pe.AWSMessage() == "" {
				t.Fatalf("ParseManaged: error %v has no IAM text", merr)
			}
		}
		if err != nil {
			pe, ok := err.(*ParseError)
			if !ok || len(pe.Findings) == 0 {
				t.Fatalf("error %v is not a ParseError with findings", err)
			}
			for _, f := range pe.Findings {
				if f.Pos.Offset < 0 || f.Pos.Offset > len(doc) || f.Line < 1 || f.Col < 1 {
					t.Fatalf("finding outside the document: %+v", f)
				}
			}
			return
		}
		for _, st := range p.Statements {
			if st.Span.Start.Offset < 0 || st.Span.End.Offset > len(doc) || st.Span.Start.Offset > st.Span.End.Offset {
				t.Fatalf("statement span %+v outside the document", st.Span)
			}
			_ = st.Text()
		}
		p2, err := Parse(doc, pt)
		if err != nil || len(p2.Statements) != len(p.Statements) {
			t.Fatalf("second parse differs: %v", err)
		}
	})
}

// globRegexp is the reference for pattern matching: '*' any run, '?' one character, everything else literal.
func globRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// arnRegexp is the reference for Resource matching: within a colon-separated segment '*' and '?' do not cross a
// colon, but a '*' that ends its segment may.
func arnRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i, r := range pat {
		switch r {
		case '*':
			if i+1 == len(pat) || pat[i+1] == ':' {
				b.WriteString(`.*`)
			} else {
				b.WriteString(`[^:]*`)
			}
		case '?':
			b.WriteString(`[^:]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzWildcard compares the linear-time matchers with regular expressions (RE2, itself linear) on the same
// patterns: the plain glob used by actions and StringLike, and the ARN matcher used by Resource.
func FuzzWildcard(f *testing.F) {
	seeds := [][2]string{
		{"s3:Get*", "s3:GetObject"}, {"a*b*c", "aXbYc"}, {"a?c", "abc"}, {"*", ""}, {"ab*bc", "abc"},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/k:x"}, {"arn:aws:sqs:*:queue1", "arn:aws:sqs:us-east-1:1:queue1"},
		{"arn:aws:logs:u*1:1:x", "arn:aws:logs:us-east-1:1:x"}, {"a*:b", "a:x:b"}, {"*:*", "a:b:c"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) || strings.Contains(pat, "${") || len(pat) > 200 {
			return
		}
		p := compilePattern(pat, false)
		if got, want := p.match(s, nil), globRegexp(pat).MatchString(s); got != want {
			t.Fatalf("glob %q on %q = %v, reference %v", pat, s, got, want)
		}
		a := compileARNPattern(pat, false)
		if got, want := a.match(s, nil), arnRegexp(pat).MatchString(s); got != want {
			t.Fatalf("ARN pattern %q on %q = %v, reference %v", pat, s, got, want)
		}
	})
}

// negations pairs each positive operator with its negated form.
var negations = [][2]string{
	{"StringEquals", "StringNotEquals"}, {"StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"},
	{"StringLike", "StringNotLike"}, {"NumericEquals", "NumericNotEquals"}, {"DateEquals", "DateNotEquals"},
	{"IpAddress", "NotIpAddress"}, {"ArnEquals", "ArnNotEquals"}, {"ArnLike", "ArnNotLike"},
}

// FuzzCondition: for a present single-valued key, a negated operator is the exact opposite of its positive form;
// IfExists changes nothing when the key is present; nothing panics on any value.
func FuzzCondition(f *testing.F) {
	f.Add(uint8(0), "blue", "blue")
	f.Add(uint8(3), "5", "5.0")
	f.Add(uint8(4), "2020-01-01T00:00:00Z", "1577836800")
	f.Add(uint8(5), "203.0.113.0/24", "203.0.113.9")
	f.Add(uint8(7), "arn:aws:s3:::b*", "arn:aws:s3:::bucket")
	f.Fuzz(func(t *testing.T, op uint8, policyValue, requestValue string) {
		pair := negations[int(op)%len(negations)]
		eval := func(name string) bool {
			doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": map[string]any{
				"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
				"Condition": map[string]any{name: map[string]any{"test:key": policyValue}}}})
			p, err := Parse(doc, TypeIdentity)
			if err != nil {
				t.Skip() // not a document AWS accepts
			}
			return p.Statements[0].MatchConditions(Context{"test:key": {requestValue}})
		}
		pos, neg := eval(pair[0]), eval(pair[1])
		if pos == neg {
			t.Fatalf("%s and %s agree (%v) on policy value %q, request value %q", pair[0], pair[1], pos, policyValue, requestValue)
		}
		if eval(pair[0]+"IfExists") != pos {
			t.Fatalf("%sIfExists differs from %s for a present key", pair[0], pair[0])
		}
	})
}

// FuzzLegacyDate checks the Date-value reader IAM's older parser applies: it never panics, takes every count of
// seconds that fits in 64 bits, and takes every RFC 3339 time with a four-digit year.
func FuzzLegacyDate(f *testing.F) {
	for _, s := range []string{"2017-07-01T00:00:00Z", "01T", "2016-12-13t2:00:00.593194+23", "-292275054",
		"234-13", "2016-12-13t2:00:00.593194+1", "2016-12-13t2:00:00.1999999999+10:59", "9223372036854775808",
		"2016-12-13T21:20:37.593194+00:00", "sdfdsf", "T10:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok := legacyDate(s)
		if _, err := strconv.ParseInt(s, 10, 64); err == nil && !ok {
			t.Fatalf("refused the epoch count %q", s)
		}
		if tm, err := time.Parse(time.RFC3339Nano, s); err == nil && tm.Year() >= 1000 && !ok {
			t.Fatalf("refused the RFC 3339 time %q", s)
		}
	})
}

// FuzzCheckResource checks IAM's reading of Resource values: it never panics, takes "*" and every ARN of six or
// more fields in the aws partition with a plain service other than iam and s3.
func FuzzCheckResource(f *testing.F) {
	for _, s := range []string{"*", "arn:aws:s3:::b", "a:b:c", "arn:aws", "arn:aws:iam::1:user/x", "arn:aws:ec2:r:a:i/*", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		bad := checkResource(v, true)
		if (bad.msg == "") != (bad.aws.msg == "") {
			t.Fatalf("%q: engine and IAM texts disagree: %+v", v, bad)
		}
		parts := strings.Split(v, ":")
		if len(parts) >= 6 && parts[0] == "arn" && parts[1] == "aws" && parts[2] != "" && parts[2] != "iam" && parts[2] != "s3" &&
			!strings.ContainsAny(parts[2], "*?") && bad.msg != "" {
			t.Fatalf("refused %q: %s", v, bad.msg)
		}
	})
}
