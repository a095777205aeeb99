package catalog

import (
	"slices"
	"strings"
	"testing"
)

func TestConditionKeyResolvesNamesAndTemplates(t *testing.T) {
	c := mustEmbedded(t)
	tests := []struct {
		query       string
		want        string // the entry's Name
		types       []KeyType
		global      bool
		multivalued bool
	}{
		{"aws:SourceIp", "aws:SourceIp", []KeyType{TypeIPAddress}, true, false},
		{"AWS:SOURCEIP", "aws:SourceIp", []KeyType{TypeIPAddress}, true, false},
		{"aws:EpochTime", "aws:EpochTime", []KeyType{TypeDate, TypeNumeric}, true, false},
		{"aws:PrincipalOrgPaths", "aws:PrincipalOrgPaths", []KeyType{TypeArrayOfString}, true, true},
		{"aws:TagKeys", "aws:TagKeys", []KeyType{TypeArrayOfString}, true, true},
		{"aws:RequestTag/Foo", "aws:RequestTag/${TagKey}", []KeyType{TypeString}, true, false},
		{"aws:requesttag/cost-center", "aws:RequestTag/${TagKey}", []KeyType{TypeString}, true, false},
		{"aws:ResourceTag/kubernetes.io/cluster/x", "aws:ResourceTag/${TagKey}", []KeyType{TypeString}, true, false},
		{"aws:PrincipalTag/x", "aws:PrincipalTag/${TagKey}", []KeyType{TypeString}, true, false},
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/${TagKey}", []KeyType{TypeString}, true, false},
		{"s3:ExistingObjectTag/team", "s3:ExistingObjectTag/<key>", []KeyType{TypeString}, false, false},
		{"s3:RequestObjectTag/team", "s3:RequestObjectTag/<key>", []KeyType{TypeString}, false, false},
		{"s3:RequestObjectTagKeys", "s3:RequestObjectTagKeys", []KeyType{TypeArrayOfString}, false, true},
		{"s3:BucketTag/env", "s3:BucketTag/${TagKey}", []KeyType{TypeString}, false, false},
		{"iam:PassedToService", "iam:PassedToService", []KeyType{TypeString}, false, false},
		{"iam:ResourceTag/team", "iam:ResourceTag/${TagKey}", []KeyType{TypeString}, false, false},
		{"kms:EncryptionContext:aws:cloudtrail:arn", "kms:EncryptionContext:${EncryptionContextKey}", []KeyType{TypeString}, false, false},
		{"kms:EncryptionContextKeys", "kms:EncryptionContextKeys", []KeyType{TypeArrayOfString}, false, true},
		{"codebuild:secondarySources/src1.auth.type", "codebuild:secondarySources/${sourceIdentifier}.auth.type", []KeyType{TypeString}, false, false},
		{"codebuild:secondarySources/src1.buildspec", "codebuild:secondarySources/${sourceIdentifier}.buildspec", []KeyType{TypeBool}, false, false},
		{"token.actions.githubusercontent.com/octo-org/team:actor", "token.actions.githubusercontent.com/${SubPath}:actor", []KeyType{TypeString}, false, false},
		{"token.actions.githubusercontent.com:actor", "token.actions.githubusercontent.com:actor", []KeyType{TypeString}, false, false},
		{"token.actions.acme.ghe.com:repository", "token.actions.${Domain}.ghe.com:repository", []KeyType{TypeString}, false, false},
		{"vpc-lattice-svcs:RequestQueryString/q", "vpc-lattice-svcs:RequestQueryString/${QueryStringKey}", []KeyType{TypeArrayOfString}, false, true},
		{"saml:aud", "saml:aud", []KeyType{TypeString}, false, false},
		{"ec2:SourceInstanceArn", "ec2:SourceInstanceArn", []KeyType{TypeARN}, true, false},
		// The global keys file wins over the services that list a key.
		{"ec2:SourceInstanceARN", "ec2:SourceInstanceArn", []KeyType{TypeARN}, true, false},
		{"identitystore:UserId", "identitystore:UserId", []KeyType{TypeString}, true, false},
		// Listed only by q and qbusiness: the first by prefix wins.
		{"identitystore:GroupId", "identitystore:GroupId", []KeyType{TypeArrayOfString}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			k, ok := c.ConditionKey(tt.query)
			if !ok {
				t.Fatal("not found")
			}
			if k.Name != tt.want || !slices.Equal(k.Types, tt.types) || k.Global != tt.global || k.Multivalued != tt.multivalued {
				t.Errorf("got %+v, want Name %q Types %q Global %v Multivalued %v", *k, tt.want, tt.types, tt.global, tt.multivalued)
			}
		})
	}
}

func TestConditionKeyUnknownOrIncompleteIsNotFound(t *testing.T) {
	c := mustEmbedded(t)
	for _, q := range []string{
		"", "aws:NoSuchKey", "aws:RequestTag/", "aws:RequestTag", "s3:ExistingObjectTag/",
		"s3:ExistingObjectTag", "kms:EncryptionContext:", "token.actions..ghe.com:actor",
		"codebuild:secondarySources/.auth.type", "aws:SourceIpX",
	} {
		if k, ok := c.ConditionKey(q); ok {
			t.Errorf("ConditionKey(%q) = %q", q, k.Name)
		}
	}
}

// A key listed by several services resolves to the entry of the service whose
// prefix is the key's prefix.
func TestConditionKeyPrefersOwningService(t *testing.T) {
	c := mustEmbedded(t)
	for _, tt := range []struct{ key, owner, other string }{
		{"connect:UserArn", "connect", "cases"},
		{"elasticloadbalancing:ResourceTag/${TagKey}", "elasticloadbalancing", "arc-zonal-shift"},
		{"iam:ResourceTag/${TagKey}", "iam", "codestar"},
		{"logs:LogGeneratingResourceArns", "logs", "xray"},
	} {
		got, ok := c.ConditionKey(tt.key)
		if !ok {
			t.Fatalf("ConditionKey(%q) not found", tt.key)
		}
		for _, svc := range []string{tt.owner, tt.other} {
			s, _ := c.Service(svc)
			i := slices.IndexFunc(s.ConditionKeys, func(k *ConditionKey) bool { return k.Name == tt.key })
			if i < 0 {
				t.Fatalf("%s does not list %s", svc, tt.key)
			}
			if (s.ConditionKeys[i] == got) != (svc == tt.owner) {
				t.Errorf("ConditionKey(%q) is %s's entry: %v", tt.key, svc, svc != tt.owner)
			}
		}
	}
}

func TestServiceConditionKeysMarkGlobalOnes(t *testing.T) {
	s, _ := mustEmbedded(t).Service("s3")
	want := map[string]bool{
		"aws:RequestTag/${TagKey}":   true,
		"aws:TagKeys":                true,
		"s3:ExistingObjectTag/<key>": false,
		"s3:prefix":                  false,
	}
	for _, k := range s.ConditionKeys {
		if g, ok := want[k.Name]; ok {
			if k.Global != g {
				t.Errorf("%s: Global = %v, want %v", k.Name, k.Global, g)
			}
			delete(want, k.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("s3 does not list %v", want)
	}
}

// Every key name in the data resolves to itself, and an instance of every
// template resolves to a template at least as specific.
func TestEveryListedKeyResolves(t *testing.T) {
	c := mustEmbedded(t)
	for _, s := range c.Services() {
		for _, k := range s.ConditionKeys {
			got, ok := c.ConditionKey(k.Name)
			if !ok || !strings.EqualFold(got.Name, k.Name) {
				t.Errorf("ConditionKey(%q) = %v, %v", k.Name, got, ok)
				continue
			}
			parts := splitTemplate(k.Name)
			if parts == nil {
				continue
			}
			instance := strings.Join(parts, "X1")
			got, ok = c.ConditionKey(instance)
			if !ok {
				t.Errorf("ConditionKey(%q) not found (template %q)", instance, k.Name)
			} else if len(strings.Join(splitTemplate(got.Name), "")) < len(strings.Join(parts, "")) {
				t.Errorf("ConditionKey(%q) = %q, less specific than %q", instance, got.Name, k.Name)
			}
		}
	}
}

func TestSplitTemplate(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"aws:SourceIp", nil},
		{"aws:RequestTag/${TagKey}", []string{"aws:RequestTag/", ""}},
		{"s3:ExistingObjectTag/<key>", []string{"s3:ExistingObjectTag/", ""}},
		{"token.actions.${Domain}.ghe.com:actor", []string{"token.actions.", ".ghe.com:actor"}},
		{"a${X}b<y>c", []string{"a", "b", "c"}},
		{"${X}", []string{"", ""}},
		{"a${unclosed", nil},
		{"a<unclosed", nil},
		{"a$b{c}", nil},
	}
	for _, tt := range tests {
		if got := splitTemplate(tt.name); !slices.Equal(got, tt.want) {
			t.Errorf("splitTemplate(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTemplateMatch(t *testing.T) {
	tests := []struct {
		template, name string
		want           bool
	}{
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/a", true},
		{"aws:RequestTag/${TagKey}", "AWS:REQUESTTAG/A", true},
		{"aws:RequestTag/${TagKey}", "aws:RequestTag/", false},
		{"aws:RequestTag/${TagKey}", "aws:RequestTa/x", false},
		{"a${X}b${Y}c", "a1b2c", true},
		{"a${X}b${Y}c", "ab2c", false},
		{"a${X}b${Y}c", "abb2c", true}, // X=b, Y=2
		{"a${X}b${Y}c", "a1bc", false},
		{"a${X}b${Y}c", "a1b2b3c", true}, // X=1, Y=2b3 or X=1b2, Y=3
		{"a${X}b${Y}c", "abbbc", true},   // X=b, Y=b
		{"a${X}bc", "abc", false},
		{"a${X}bc", "abbc", true},
		{"${X}.ghe.com:actor", "x.ghe.com:actor", true},
		{"${X}.ghe.com:actor", ".ghe.com:actor", false},
		{"x:${A}${B}", "x:a", false},
		{"x:${A}${B}", "x:ab", true},
	}
	for _, tt := range tests {
		parts := splitTemplate(tt.template)
		kt := keyTemplate{key: &ConditionKey{Name: tt.template}, parts: parts}
		for _, p := range parts {
			kt.fixed += len(p)
		}
		if got := kt.match(tt.name); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.template, tt.name, got, tt.want)
		}
	}
}

func TestKeyTypeElem(t *testing.T) {
	for in, want := range map[KeyType]KeyType{
		TypeArrayOfString: TypeString, TypeArrayOfARN: TypeARN, TypeBool: TypeBool, TypeIPAddress: TypeIPAddress,
	} {
		if got := in.Elem(); got != want {
			t.Errorf("%s.Elem() = %s, want %s", in, got, want)
		}
	}
}
