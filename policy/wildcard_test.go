package policy

import (
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	ctx := Context{"aws:username": {"alice"}, "aws:principaltag/team": {"blue"}, "multi": {"a", "b"}}
	tests := []struct {
		name, pat, s string
		vars, want   bool
	}{
		{"literal equal", "abc", "abc", false, true},
		{"literal differs", "abc", "abd", false, false},
		{"star alone matches empty", "*", "", false, true},
		{"star crosses slash", "a/*", "a/b/c", false, true},
		{"star in middle", "a*c", "abbbc", false, true},
		{"star needs suffix", "a*c", "abbb", false, false},
		{"question is one char", "a?c", "abc", false, true},
		{"question not zero chars", "a?c", "ac", false, false},
		{"question not two chars", "a?c", "abbc", false, false},
		{"question is one rune", "a?c", "aéc", false, true},
		{"leading and trailing stars", "*b*", "abc", false, true},
		{"double star", "a**c", "ac", false, true},
		{"overlapping prefix and suffix rejected", "ab*bc", "abc", false, false},
		{"prefix and suffix", "ab*bc", "abbc", false, true},
		{"leftmost placement is enough", "*ab*ab", "xabyab", false, true},
		{"variable substituted", "home/${aws:username}/*", "home/alice/x", true, true},
		{"variable other user", "home/${aws:username}/*", "home/bob/x", true, false},
		{"variable disabled is literal", "home/${aws:username}", "home/${aws:username}", false, true},
		{"missing variable matches nothing", "${aws:userid}*", "anything", true, false},
		{"default used when missing", "${aws:userid, 'none'}", "none", true, true},
		{"multivalued variable has no value", "${multi}", "a", true, false},
		{"escaped star is literal", "a${*}", "a*", true, true},
		{"escaped star does not wildcard", "a${*}", "ab", true, false},
		{"escaped question and dollar", "${?}${$}", "?$", true, true},
		{"variable key case-insensitive", "${AWS:UserName}", "alice", true, true},
		{"tag variable", "t/${aws:PrincipalTag/team}/*", "t/blue/1", true, true},
		{"variable value taken literally", "${aws:username}", "al*", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compilePattern(tt.pat, tt.vars)
			if got := p.match(tt.s, ctx); got != tt.want {
				t.Fatalf("%q match %q = %v, want %v", tt.pat, tt.s, got, tt.want)
			}
		})
	}
}

func TestARNPatternMatch(t *testing.T) {
	tests := []struct {
		name, pat, s string
		want         bool
	}{
		{"star matches all", "*", "arn:aws:s3:::b/k", true},
		{"star matches non-arn star", "*", "*", true},
		{"bucket objects", "arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", true},
		{"bucket itself not objects", "arn:aws:s3:::b", "arn:aws:s3:::b/k", false},
		{"case-sensitive", "arn:aws:s3:::B/*", "arn:aws:s3:::b/k", false},
		{"inner star does not cross colon", "arn:aws:logs:u*1:111122223333:log-group:g", "arn:aws:logs:us-east-1:x:111122223333:log-group:g", false},
		{"segment-final star crosses colons", "arn:aws:sqs:*:queue1", "arn:aws:sqs:us-east-1:111122223333:queue1", true},
		{"question does not match colon", "arn:aws:s3:::b/a?b", "arn:aws:s3:::b/a:b", false},
		{"escaped star is not expanding", "arn:aws:s3:::b${*}", "arn:aws:s3:::b*", true},
		{"final star crosses colons", "arn:aws:logs:us-east-1:111122223333:log-group:g*", "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s", true},
		{"short pattern final star crosses", "arn:aws:logs:*", "arn:aws:logs:us-east-1:111122223333:log-group:g", true},
		{"short pattern without star", "arn:aws:logs:us-east-1", "arn:aws:logs:us-east-1:111122223333:log-group:g", false},
		{"arn pattern does not match star", "arn:aws:s3:::*", "*", false},
		{"region wildcard", "arn:aws:ec2:us-*-1:*:instance/*", "arn:aws:ec2:us-west-1:1:instance/i-1", true},
		{"question in account", "arn:aws:iam::11112222333?:user/a", "arn:aws:iam::111122223333:user/a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileARNPattern(tt.pat, true)
			if got := p.match(tt.s, nil); got != tt.want {
				t.Fatalf("%q match %q = %v, want %v", tt.pat, tt.s, got, tt.want)
			}
		})
	}
}

// TestPatternAdversarialIsLinear guards against backtracking blow-up: patterns that make a backtracking matcher
// take exponential time must finish at once (a blow-up would hit the test timeout; BenchmarkPatternAdversarial
// measures it).
func TestPatternAdversarialIsLinear(t *testing.T) {
	text := strings.Repeat("a", 20000)
	pat := strings.Repeat("a*", 200) + "b"
	p := compilePattern(pat, false)
	if p.match(text, nil) {
		t.Fatal("matched")
	}
	a := compileARNPattern("arn:aws:s3:::"+pat, false)
	if a.match("arn:aws:s3:::"+text, nil) {
		t.Fatal("matched")
	}
}
