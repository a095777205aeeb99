package simulate

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzContextEntries feeds ContextEntries as JSON to Context: it must not panic, must fail only with *Error, and on
// success every entry's values must be in the context under its name.
func FuzzContextEntries(f *testing.F) {
	for _, seed := range []string{
		`[{"ContextKeyName":"aws:CurrentTime","ContextKeyValues":["2019-04-25T11:00:00Z"],"ContextKeyType":"date"}]`,
		`[{"ContextKeyName":"aws:SourceIp","ContextKeyValues":["192.0.2.1","2001:db8::1"],"ContextKeyType":"ipList"}]`,
		`[{"ContextKeyName":"s3:max-keys","ContextKeyValues":["10"],"ContextKeyType":"numeric"}]`,
		`[{"ContextKeyName":"aws:SecureTransport","ContextKeyValues":["true","FALSE"],"ContextKeyType":"booleanList"}]`,
		`[{"ContextKeyName":"custom:blob","ContextKeyValues":["QmluYXJ5"],"ContextKeyType":"binary"}]`,
		`[{"ContextKeyName":"aws:TagKeys","ContextKeyValues":["a","b"],"ContextKeyType":"stringList"}]`,
		`[{"ContextKeyName":"aws:username","ContextKeyValues":["a"]},{"ContextKeyName":"AWS:USERNAME","ContextKeyValues":["b"]}]`,
		`[{"ContextKeyName":"","ContextKeyValues":[""],"ContextKeyType":"numericList"}]`,
		`[{"ContextKeyName":"aws:x","ContextKeyType":"nope"}]`,
		`[]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var entries []ContextEntry
		if json.Unmarshal(data, &entries) != nil {
			return
		}
		ctx, err := Context(entries)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
				t.Fatalf("error %v (%T) is not an *Error with a code and message", err, err)
			}
			return
		}
		for _, e := range entries {
			got, ok := ctx.Get(e.ContextKeyName)
			if !ok || (len(got) != 0 || len(e.ContextKeyValues) != 0) && !reflect.DeepEqual(got, e.ContextKeyValues) {
				t.Fatalf("entry %+v: context has %q, %v", e, got, ok)
			}
		}
	})
}

// FuzzCustom feeds whole requests as JSON (the CLI's --cli-input-json) to Custom: it must not panic, must fail only
// with its documented errors, and must answer every action of a page with a valid decision and positions.
func FuzzCustom(f *testing.F) {
	for _, seed := range []string{
		`{"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}"],"ActionNames":["s3:GetObject"]}`,
		`{"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"],"ActionNames":["s3:GetObject","s3:PutObject"],"ResourceArns":["arn:aws:s3:::b/k","*"],"MaxItems":1}`,
		`{"PolicyInputList":["{}"],"PermissionsBoundaryPolicyInputList":["{}"],"ActionNames":["a:b"],"ResourcePolicy":"{}","CallerArn":"arn:aws:iam::111122223333:user/a","ResourceOwner":"arn:aws:iam::444455556666:root"}`,
		`{"PolicyInputList":["{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}"],"ActionNames":["iam:CreateUser"],"ContextEntries":[{"ContextKeyName":"aws:CurrentTime","ContextKeyValues":["1"],"ContextKeyType":"date"}],"Marker":"1"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in CustomInput
		if json.Unmarshal(data, &in) != nil || len(in.ActionNames) > 50 || len(in.ResourceArns) > 50 {
			return
		}
		out, err := Custom(in)
		if err != nil {
			var e *Error
			var pe *PolicyError
			if !errors.As(err, &e) && !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is neither *Error nor *PolicyError", err, err)
			}
			return
		}
		if len(out.EvaluationResults) == 0 || len(out.EvaluationResults) > len(in.ActionNames) {
			t.Fatalf("%d results for %d actions", len(out.EvaluationResults), len(in.ActionNames))
		}
		for _, r := range out.EvaluationResults {
			switch r.EvalDecision {
			case Allowed, ExplicitDeny, ImplicitDeny:
			default:
				t.Fatalf("decision %q", r.EvalDecision)
			}
			for _, m := range r.MatchedStatements {
				if m.StartPosition.Line < 1 || m.StartPosition.Column < 1 || m.EndPosition.Line < m.StartPosition.Line {
					t.Fatalf("positions %+v %+v", *m.StartPosition, *m.EndPosition)
				}
			}
		}
	})
}
