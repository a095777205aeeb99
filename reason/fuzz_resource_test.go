package reason

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// FuzzPrincipalClassesCoverEveryPrincipal: whatever principals two statements name, every principal (an ARN
// caller with or without a role path, a service, an identity provider, the anonymous caller) is treated by both
// statements as one of the enumerated classes is: the per-class search misses no principal.
func FuzzPrincipalClassesCoverEveryPrincipal(f *testing.F) {
	for _, s := range [][4]string{
		{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/bob", ""},
		{"arn:aws:iam::111122223333:role/app", "arn:aws:sts::111122223333:assumed-role/app/s", "arn:aws:sts::111122223333:assumed-role/app/s", "arn:aws:iam::111122223333:role/p/app"},
		{"111122223333", "arn:aws:iam::444455556666:user/witness", "arn:aws:iam::111122223333:user/witness", ""},
		{"arn:aws-cn:iam::111122223333:root", "arn:aws:iam::111122223333:root", "arn:aws-cn:sts::111122223333:federated-user/f", ""},
		{"sns.amazonaws.com", "accounts.google.com", "service:sns.amazonaws.com", ""},
		{"arn:aws:iam::111122223333:saml-provider/corp", "*", "provider:arn:aws:iam::111122223333:saml-provider/corp", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], false)
	}
	f.Fuzz(func(t *testing.T, first, second, caller, role string, not bool) {
		principal := func(v string) map[string]any {
			switch {
			case strings.HasSuffix(v, ".amazonaws.com"):
				return map[string]any{"Service": v}
			case strings.Contains(v, ":saml-provider/") || strings.HasPrefix(v, "accounts."):
				return map[string]any{"Federated": v}
			}
			return map[string]any{"AWS": v}
		}
		deny := map[string]any{"Effect": "Deny", "Principal": principal(second), "Action": "s3:PutObject", "Resource": "*"}
		if not {
			deny["NotPrincipal"], deny["Principal"] = deny["Principal"], nil
			delete(deny, "Principal")
		}
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{
			map[string]any{"Effect": "Allow", "Principal": principal(first), "Action": "s3:GetObject", "Resource": "*"}, deny}})
		p, err := policy.Parse(doc, policy.TypeResource)
		if err != nil {
			return
		}
		var pr authz.Principal
		switch {
		case caller == "":
			pr.Type = authz.PrincipalAnonymous
		case strings.HasPrefix(caller, "service:"):
			pr = authz.Principal{Type: authz.PrincipalService, Service: strings.TrimPrefix(caller, "service:")}
		case strings.HasPrefix(caller, "provider:"):
			pr = providerPrincipal(strings.TrimPrefix(caller, "provider:"))
		default:
			if pr, err = authz.PrincipalFromARN(caller); err != nil {
				return
			}
			if role != "" && pr.Type == authz.PrincipalAssumedRole {
				pr.RoleARN = role
			}
		}
		set := []*policy.Policy{p}
		want := ""
		for _, st := range p.Statements {
			want += map[bool]string{true: "1", false: "0"}[authz.StatementAppliesTo(st, &pr)]
		}
		for _, c := range classesOf(candidatePrincipals(set), true, set) {
			got := ""
			for _, st := range p.Statements {
				got += map[bool]string{true: "1", false: "0"}[c.covers(st)]
			}
			if got == want {
				return
			}
		}
		t.Fatalf("no class of principals is treated as %+v is (statements apply: %s)\n%s", pr, want, doc)
	})
}

// FuzzNoPublicAccessAgreesWithTheEngine: for a grant to everyone under one condition, a FAIL's witness is a
// public request the engine grants, and after a PASS no public request built from the condition's value is
// granted.
func FuzzNoPublicAccessAgreesWithTheEngine(f *testing.F) {
	for _, s := range [][3]string{
		{"StringEquals", "aws:PrincipalOrgID", "o-1"},
		{"StringNotEquals", "aws:PrincipalAccount", "111122223333"},
		{"IpAddress", "aws:SourceIp", "203.0.113.0/24"},
		{"NotIpAddress", "aws:SourceIp", "203.0.113.0/24"},
		{"IpAddress", "aws:SourceIp", "0.0.0.0/0"},
		{"StringEqualsIfExists", "aws:SourceVpce", "vpce-1"},
		{"Bool", "aws:SecureTransport", "true"},
		{"StringLike", "s3:prefix", "home/*"},
		{"Null", "aws:SourceArn", "false"},
		{"ForAnyValue:StringEquals", "aws:PrincipalOrgPaths", "o-1/*"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	c := New(Options{Budget: 200_000})
	f.Fuzz(func(t *testing.T, op, key, value string) {
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
			"Condition": map[string]any{op: map[string]any{key: value}}}}})
		p, err := policy.Parse(doc, policy.TypeResource)
		if err != nil {
			return
		}
		res, err := c.NoPublicAccess(context.Background(), p, "AWS::S3::Bucket")
		if err != nil {
			return // text the solver reserves
		}
		switch res.Verdict {
		case Fail:
			for _, re := range res.Reasons {
				if !AllowsResource(p, re.Witness) || !isPublic(p, re.Witness, "AWS::S3::Bucket") {
					t.Fatalf("witness %s is not a public request the engine grants\n%s", re.Witness, doc)
				}
			}
		case Pass:
			for _, ip := range []string{"198.51.100.1", "2600::1", value} {
				for _, v := range [][]string{nil, {value}, {"x"}, {""}} {
					w := &Witness{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: policy.Context{"aws:sourceip": {ip}}}
					setWitnessPrincipal(w, authz.Principal{Type: authz.PrincipalAnonymous})
					if v != nil {
						w.Context[strings.ToLower(key)] = v
					}
					if isPublic(p, w, "AWS::S3::Bucket") && AllowsResource(p, w) {
						t.Fatalf("PASS, but the engine grants the public request %s\n%s", w, doc)
					}
				}
			}
		}
	})
}
