package validate

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// variables checks the policy variables of a value of Resource, NotResource or a condition, and reports whether
// they are all well formed (so that the value can be checked further, with each variable standing for anything).
func (v *validator) variables(r *strVal) bool {
	if v.version != version2012 {
		v.add(codeVariableUnsupportedInVersion, "To include variables in your policy, use the policy version 2012-10-17 or later.", v.at(r.path, r.node))
		return false
	}
	ok := true
	s := r.s
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			break
		}
		start := i + j
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			v.addVariable(r, codeMissingBraceInVariable, "The policy variable is missing a closing curly brace. Add } after the variable text.", start, len(s))
			return false
		}
		end += start + 1
		body := s[start+2 : end-1]
		name, def, hasDef := strings.Cut(body, ",")
		switch {
		case strings.TrimSpace(body) == "":
			v.addVariable(r, codeEmptyVariable, "Empty policy variable. Remove the ${ } variable structure or provide a variable within the structure.", start, end)
			ok = false
		case body == "*" || body == "?" || body == "$":
		case strings.ContainsAny(name, " \t"):
			v.addVariable(r, codeUnsupportedSpaceInVariable, "A space is not supported within the policy variable text. Remove the space.", start, end)
			ok = false
		case !varNameRE.MatchString(name):
			v.addVariable(r, codeUnsupportedSymbolInVariable, "The symbol is not supported within the policy variable text. Remove the symbol.", start, end)
			ok = false
		case hasDef && !quoted(strings.TrimSpace(def)):
			v.addVariable(r, codeMissingQuoteInVariable, "The policy variable default value must begin and end with a single quote. Add the missing quote.", start, end)
			ok = false
		}
		i = end
	}
	return ok
}

// varNameRE is the form of a variable's name: a condition key (aws:username, aws:PrincipalTag/team,
// s3:ExistingObjectTag/x, saml:sub, accounts.google.com:aud).
var varNameRE = regexp.MustCompile(`^[A-Za-z0-9._:/@+=,-]+$`)

func quoted(s string) bool { return len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' }

// addVariable reports a finding on the bytes [start, end) of a string value: the path ends in the substring (in
// characters), and the span is that part of the document when the string is written without escapes.
func (v *validator) addVariable(r *strVal, code, details string, start, end int) {
	cs := utf8.RuneCountInString(r.s[:start])
	cl := utf8.RuneCountInString(r.s[start:end])
	p := r.path.sub(cs, cl)
	raw := v.doc[r.node.Start+1 : r.node.End-1]
	if raw == r.s {
		v.add(code, details, v.loc(p, r.node.Start+1+start, r.node.Start+1+end))
		return
	}
	v.add(code, details, v.loc(p, r.node.Start, r.node.End))
}
