package policy

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Severity ranks a finding.
type Severity string

const (
	SeverityError      Severity = "error"      // AWS rejects the document
	SeverityWarning    Severity = "warning"    // AWS accepts it, but it does not do what it seems to
	SeveritySuggestion Severity = "suggestion" // AWS accepts it; it could be written better
)

// Finding is one problem found in a policy document. Codes are stable; messages are for people.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Pos      Pos      `json:"-"`
	Line     int      `json:"line"`
	Col      int      `json:"column"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%d:%d: %s %s: %s", f.Line, f.Col, f.Severity, f.Code, f.Message)
}

// ParseError is returned by Parse when a document has error-level findings. It lists every finding, errors first.
type ParseError struct{ Findings []Finding }

func (e *ParseError) Error() string {
	if len(e.Findings) == 0 {
		return "invalid policy document"
	}
	f := e.Findings[0]
	msg := fmt.Sprintf("%s (line %d, column %d)", f.Message, f.Line, f.Col)
	if n := e.errorCount() - 1; n > 0 {
		msg += fmt.Sprintf(" and %d more error(s)", n)
	}
	return msg
}

func (e *ParseError) errorCount() int {
	n := 0
	for _, f := range e.Findings {
		if f.Severity == SeverityError {
			n++
		}
	}
	return n
}

// Finding codes.
const (
	CodeJSONSyntax            = "JSON_SYNTAX"
	CodeNotObject             = "NOT_AN_OBJECT"
	CodeUnknownElement        = "UNKNOWN_ELEMENT"
	CodeDuplicateElement      = "DUPLICATE_ELEMENT"
	CodeWrongType             = "WRONG_TYPE"
	CodeInvalidVersion        = "INVALID_VERSION"
	CodeMissingVersion        = "MISSING_VERSION"
	CodeMissingStatement      = "MISSING_STATEMENT"
	CodeEmptyStatement        = "EMPTY_STATEMENT"
	CodeInvalidSid            = "INVALID_SID"
	CodeDuplicateSid          = "DUPLICATE_SID"
	CodeMissingEffect         = "MISSING_EFFECT"
	CodeInvalidEffect         = "INVALID_EFFECT"
	CodeMissingAction         = "MISSING_ACTION"
	CodeActionAndNotAction    = "ACTION_AND_NOTACTION"
	CodeInvalidAction         = "INVALID_ACTION"
	CodeMissingResource       = "MISSING_RESOURCE"
	CodeResourceNotAllowed    = "RESOURCE_NOT_ALLOWED"
	CodeResourceAndNot        = "RESOURCE_AND_NOTRESOURCE"
	CodeInvalidResource       = "INVALID_RESOURCE"
	CodeMissingPrincipal      = "MISSING_PRINCIPAL"
	CodePrincipalNotAllowed   = "PRINCIPAL_NOT_ALLOWED"
	CodePrincipalAndNot       = "PRINCIPAL_AND_NOTPRINCIPAL"
	CodeInvalidPrincipal      = "INVALID_PRINCIPAL"
	CodeInvalidCondition      = "INVALID_CONDITION"
	CodeUnknownOperator       = "UNKNOWN_OPERATOR"
	CodeInvalidConditionValue = "INVALID_CONDITION_VALUE"
	CodeEmptyValue            = "EMPTY_VALUE"
	CodeInvalidCharacter      = "INVALID_CHARACTER"
)

var (
	iamSid       = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	serviceRE    = regexp.MustCompile(`^[a-zA-Z0-9*?-]+$`)
	actionNameRE = regexp.MustCompile(`^[a-zA-Z0-9*?_-]+$`)
	accountIDRE  = regexp.MustCompile(`^[0-9]{12}$`)
)

// Parse parses, validates and compiles a policy document used as the given type. On error-level findings it returns
// a *ParseError (with warnings too); on success warnings are in Policy.Findings.
func Parse(doc []byte, typ Type) (*Policy, error) {
	p := &parser{text: doc, typ: typ}
	pol := p.parse()
	sort.SliceStable(p.findings, func(i, j int) bool {
		a, b := p.findings[i], p.findings[j]
		if (a.Severity == SeverityError) != (b.Severity == SeverityError) {
			return a.Severity == SeverityError
		}
		return a.Pos.Offset < b.Pos.Offset
	})
	for _, f := range p.findings {
		if f.Severity == SeverityError {
			return nil, &ParseError{Findings: p.findings}
		}
	}
	pol.Findings = p.findings
	return pol, nil
}

// MustParse is Parse for documents known to be valid, such as test fixtures; it panics on error.
func MustParse(doc string, typ Type) *Policy {
	p, err := Parse([]byte(doc), typ)
	if err != nil {
		panic(err)
	}
	return p
}

type parser struct {
	text       []byte
	typ        Type
	findings   []Finding
	lineStarts []int
}

func (p *parser) pos(off int) Pos {
	if p.lineStarts == nil {
		p.lineStarts = []int{0}
		for i, c := range p.text {
			if c == '\n' {
				p.lineStarts = append(p.lineStarts, i+1)
			}
		}
	}
	if off > len(p.text) {
		off = len(p.text)
	}
	line := sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off }) - 1
	col := utf8.RuneCount(p.text[p.lineStarts[line]:off]) + 1
	return Pos{Offset: off, Line: line + 1, Col: col}
}

func (p *parser) add(sev Severity, code string, off int, format string, args ...any) {
	pos := p.pos(off)
	p.findings = append(p.findings, Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...), Pos: pos, Line: pos.Line, Col: pos.Col})
}

func (p *parser) errorf(code string, off int, format string, args ...any) {
	p.add(SeverityError, code, off, format, args...)
}

func (p *parser) parse() *Policy {
	pol := &Policy{Type: p.typ, Text: string(p.text)}
	root, err := parseJSON(p.text)
	if err != nil {
		var se *syntaxError
		off := 0
		if errors.As(err, &se) {
			off = se.off
		}
		p.errorf(CodeJSONSyntax, off, "the policy is not valid JSON: %v", err)
		return pol
	}
	if p.typ.isIAM() {
		for off, r := range string(p.text) {
			if r > 0xFF || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
				p.errorf(CodeInvalidCharacter, off, "IAM policies may contain only tab, line feed, carriage return and the characters U+0020 to U+00FF, not %U", r)
				break
			}
		}
	}
	if root.kind != kindObject {
		p.errorf(CodeNotObject, root.start, "a policy document must be a JSON object, not %s", root.kind)
		return pol
	}
	var stmtNode *node
	seen := map[string]bool{}
	for i := range root.keys {
		m := &root.keys[i]
		if !p.unique(seen, m) {
			continue
		}
		switch m.key {
		case "Version":
			if v, ok := p.str(m); ok {
				if v != Version2012 && v != Version2008 {
					p.errorf(CodeInvalidVersion, m.value.start, "Version %q is not a policy language version (use %q)", v, Version2012)
				}
				pol.Version = v
			}
		case "Id":
			if p.typ == TypeIdentity || p.typ == TypeBoundary || p.typ == TypeSession {
				p.errorf(CodeUnknownElement, m.keyStart, "Id is allowed in resource-based policies, not in a %s policy", p.typ)
			}
			if v, ok := p.str(m); ok {
				pol.ID = v
			}
		case "Statement":
			stmtNode = &m.value
		default:
			p.unknown(m, "Version, Id, Statement")
		}
	}
	if p.typ == TypeRCP && pol.Version != Version2012 {
		off := root.start
		for _, m := range root.keys {
			if m.key == "Version" {
				off = m.value.start
			}
		}
		p.errorf(CodeInvalidVersion, off, "a resource control policy must have \"Version\": %q", Version2012)
	}
	if _, ok := seen["Version"]; !ok {
		p.add(SeverityWarning, CodeMissingVersion, root.start,
			"the policy has no Version, so AWS reads it as version %s: policy variables such as ${aws:username} are taken literally; add \"Version\": %q", Version2008, Version2012)
	}
	if stmtNode == nil {
		p.errorf(CodeMissingStatement, root.start, "the policy has no Statement element")
		return pol
	}
	var stmts []node
	switch stmtNode.kind {
	case kindObject:
		stmts = []node{*stmtNode}
	case kindArray:
		stmts = stmtNode.items
		if len(stmts) == 0 {
			p.errorf(CodeEmptyStatement, stmtNode.start, "the Statement list is empty")
		}
	default:
		p.errorf(CodeWrongType, stmtNode.start, "Statement must be an object or a list of objects, not %s", stmtNode.kind)
		return pol
	}
	sids := map[string]bool{}
	vars := pol.Version == Version2012
	for i := range stmts {
		st := p.statement(&stmts[i], i, vars, sids)
		if st != nil {
			st.Policy = pol
			pol.Statements = append(pol.Statements, st)
		}
	}
	return pol
}

// unique records m's key and reports a duplicate element.
func (p *parser) unique(seen map[string]bool, m *member) bool {
	if seen[m.key] {
		p.errorf(CodeDuplicateElement, m.keyStart, "element %s appears more than once", m.key)
		return false
	}
	seen[m.key] = true
	return true
}

func (p *parser) unknown(m *member, allowed string) {
	for _, a := range strings.Split(allowed, ", ") {
		if strings.EqualFold(a, m.key) {
			p.errorf(CodeUnknownElement, m.keyStart, "unknown element %q: element names are case-sensitive, write %s", m.key, a)
			return
		}
	}
	p.errorf(CodeUnknownElement, m.keyStart, "unknown element %q (expected one of %s)", m.key, allowed)
}

func (p *parser) str(m *member) (string, bool) {
	if m.value.kind != kindString {
		p.errorf(CodeWrongType, m.value.start, "%s must be a string, not %s", m.key, m.value.kind)
		return "", false
	}
	return m.value.text, true
}

// strings reads a string or a non-empty list of strings.
func (p *parser) strs(m *member) ([]string, []int, bool) {
	switch m.value.kind {
	case kindString:
		return []string{m.value.text}, []int{m.value.start}, true
	case kindArray:
		if len(m.value.items) == 0 {
			p.errorf(CodeEmptyValue, m.value.start, "%s must not be an empty list", m.key)
			return nil, nil, false
		}
		out := make([]string, 0, len(m.value.items))
		offs := make([]int, 0, len(m.value.items))
		ok := true
		for _, it := range m.value.items {
			if it.kind != kindString {
				p.errorf(CodeWrongType, it.start, "every value of %s must be a string, not %s", m.key, it.kind)
				ok = false
				continue
			}
			out = append(out, it.text)
			offs = append(offs, it.start)
		}
		return out, offs, ok
	default:
		p.errorf(CodeWrongType, m.value.start, "%s must be a string or a list of strings, not %s", m.key, m.value.kind)
		return nil, nil, false
	}
}

const statementElements = "Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition"

func (p *parser) statement(n *node, index int, vars bool, sids map[string]bool) *Statement {
	if n.kind != kindObject {
		p.errorf(CodeWrongType, n.start, "statement %d must be an object, not %s", index, n.kind)
		return nil
	}
	st := &Statement{Index: index, Span: Span{Start: p.pos(n.start), End: p.pos(n.end)}}
	seen := map[string]bool{}
	var action, notAction, resource, notResource, principal, notPrincipal, effect, condition *member
	for i := range n.keys {
		m := &n.keys[i]
		if !p.unique(seen, m) {
			continue
		}
		switch m.key {
		case "Sid":
			if v, ok := p.str(m); ok {
				st.Sid = v
				p.sid(v, m, sids)
			}
		case "Effect":
			effect = m
		case "Principal":
			principal = m
		case "NotPrincipal":
			notPrincipal = m
		case "Action":
			action = m
		case "NotAction":
			notAction = m
		case "Resource":
			resource = m
		case "NotResource":
			notResource = m
		case "Condition":
			condition = m
			st.Conditions = p.conditions(m, vars)
		default:
			p.unknown(m, statementElements)
		}
	}
	// Effect
	if effect == nil {
		p.errorf(CodeMissingEffect, n.start, "statement %d has no Effect (Allow or Deny)", index)
	} else if v, ok := p.str(effect); ok {
		switch v {
		case "Allow":
			st.Effect = Allow
		case "Deny":
			st.Effect = Deny
		default:
			p.errorf(CodeInvalidEffect, effect.value.start, "Effect must be \"Allow\" or \"Deny\", not %q", v)
		}
	}
	// Action / NotAction
	switch {
	case action != nil && notAction != nil:
		p.errorf(CodeActionAndNotAction, notAction.keyStart, "a statement may have Action or NotAction, not both")
	case action == nil && notAction == nil:
		p.errorf(CodeMissingAction, n.start, "statement %d has neither Action nor NotAction", index)
	default:
		m := action
		if m == nil {
			m, st.NotAction = notAction, true
		}
		st.Actions = p.actions(m)
		if st.NotAction && p.typ == TypeRCP {
			p.errorf(CodeInvalidAction, m.keyStart, "NotAction is not supported in resource control policies")
		}
	}
	// Resource / NotResource
	switch {
	case resource != nil && notResource != nil:
		p.errorf(CodeResourceAndNot, notResource.keyStart, "a statement may have Resource or NotResource, not both")
	case p.typ == TypeTrust && (resource != nil || notResource != nil):
		m := resource
		if m == nil {
			m = notResource
		}
		p.errorf(CodeResourceNotAllowed, m.keyStart, "a role trust policy has no %s element: the resource is the role itself", m.key)
	case p.typ == TypeTrust:
	case resource == nil && notResource == nil:
		p.errorf(CodeMissingResource, n.start, "statement %d has neither Resource nor NotResource", index)
	default:
		m := resource
		if m == nil {
			m, st.NotResource = notResource, true
		}
		st.Resources = p.resources(m, vars)
	}
	// Principal / NotPrincipal
	takesPrincipal := p.typ == TypeResource || p.typ == TypeTrust || p.typ == TypeRCP
	switch {
	case !takesPrincipal && (principal != nil || notPrincipal != nil):
		m := principal
		if m == nil {
			m = notPrincipal
		}
		p.errorf(CodePrincipalNotAllowed, m.keyStart, "%s is not allowed in %s %s policy: the principal is whoever the policy is attached to", m.key, article(p.typ.String()), p.typ)
	case !takesPrincipal:
	case principal != nil && notPrincipal != nil:
		p.errorf(CodePrincipalAndNot, notPrincipal.keyStart, "a statement may have Principal or NotPrincipal, not both")
	case principal == nil && notPrincipal == nil:
		p.errorf(CodeMissingPrincipal, n.start, "statement %d of %s %s policy needs a Principal", index, article(p.typ.String()), p.typ)
	case notPrincipal != nil && (p.typ == TypeRCP || p.typ == TypeTrust):
		p.errorf(CodePrincipalNotAllowed, notPrincipal.keyStart, "NotPrincipal is not supported in %s %s policy", article(p.typ.String()), p.typ)
	case notPrincipal != nil && st.Effect == Allow && effect != nil:
		p.errorf(CodePrincipalNotAllowed, notPrincipal.keyStart, "NotPrincipal may be used only with \"Effect\": \"Deny\"")
	default:
		m := principal
		if m == nil {
			m, st.NotPrincipal = notPrincipal, true
		}
		st.Principal = p.principals(m)
		if p.typ == TypeRCP && st.Principal != nil && !st.Principal.Any {
			p.errorf(CodeInvalidPrincipal, m.value.start, "the Principal of a resource control policy must be \"*\" (narrow it with conditions)")
		}
	}
	if p.typ == TypeRCP && st.Effect == Allow && condition != nil {
		p.errorf(CodeInvalidCondition, condition.keyStart, "an Allow statement of a resource control policy may not have a Condition")
	}
	return st
}

func (p *parser) sid(v string, m *member, sids map[string]bool) {
	if (p.typ.isIAM() || p.typ == TypeSCP || p.typ == TypeRCP) && !iamSid.MatchString(v) {
		p.errorf(CodeInvalidSid, m.value.start, "Sid %q may contain only letters and digits (A-Z, a-z, 0-9) in %s %s policy", v, article(p.typ.String()), p.typ)
	}
	if v == "" {
		return
	}
	if sids[v] {
		p.errorf(CodeDuplicateSid, m.value.start, "Sid %q is used by more than one statement; Sids must be unique within a policy", v)
	}
	sids[v] = true
}

func (p *parser) actions(m *member) []ActionPattern {
	vals, offs, _ := p.strs(m)
	out := make([]ActionPattern, 0, len(vals))
	for i, v := range vals {
		a, msg := compileAction(v)
		if msg != "" {
			p.errorf(CodeInvalidAction, offs[i], "%s %q: %s", m.key, v, msg)
			continue
		}
		a.Pos = p.pos(offs[i])
		out = append(out, a)
	}
	return out
}

// compileAction compiles one Action value; msg is non-empty when the value is malformed.
func compileAction(v string) (ActionPattern, string) {
	a := ActionPattern{Raw: v}
	if v == "*" {
		a.Service, a.anySvc = "*", true
		a.svcGlob = compilePattern("*", false)
		a.name = compilePattern("*", false)
		return a, ""
	}
	svc, name, ok := strings.Cut(v, ":")
	if !ok {
		return a, "an action is written service:ActionName (for example s3:GetObject), or \"*\""
	}
	if !serviceRE.MatchString(svc) {
		return a, "the service prefix may contain only letters, digits, hyphens and wildcards"
	}
	if name == "" || !actionNameRE.MatchString(name) {
		return a, "the action name may contain only letters, digits, '_', '-' and wildcards"
	}
	a.Service = strings.ToLower(svc)
	lname := strings.ToLower(name)
	if strings.ContainsAny(a.Service, "*?") {
		a.anySvc = true
		a.svcGlob = compilePattern(a.Service, false)
	}
	a.name = compilePattern(lname, false)
	if !a.anySvc && !strings.ContainsAny(lname, "*?") {
		a.exact = true
		a.key = a.Service + ":" + lname
	}
	return a, ""
}

func (p *parser) resources(m *member, vars bool) []ResourcePattern {
	vals, offs, _ := p.strs(m)
	out := make([]ResourcePattern, 0, len(vals))
	for i, v := range vals {
		if v != "*" && !strings.HasPrefix(v, "arn:") {
			p.errorf(CodeInvalidResource, offs[i], "%s %q must be an ARN (arn:partition:service:region:account:resource) or \"*\"", m.key, v)
			continue
		}
		out = append(out, ResourcePattern{Raw: v, Pos: p.pos(offs[i]), arn: compileARNPattern(v, vars)})
	}
	return out
}

func (p *parser) principals(m *member) *Principals {
	pr := &Principals{}
	switch m.value.kind {
	case kindString:
		if m.value.text != "*" {
			p.errorf(CodeInvalidPrincipal, m.value.start, "%s as a string must be \"*\"; name principals as {\"AWS\": ...}, {\"Service\": ...}, {\"Federated\": ...} or {\"CanonicalUser\": ...}", m.key)
			return nil
		}
		pr.Any = true
		return pr
	case kindObject:
	default:
		p.errorf(CodeWrongType, m.value.start, "%s must be \"*\" or an object, not %s", m.key, m.value.kind)
		return nil
	}
	if len(m.value.keys) == 0 {
		p.errorf(CodeInvalidPrincipal, m.value.start, "%s must name at least one principal", m.key)
		return nil
	}
	seen := map[string]bool{}
	for i := range m.value.keys {
		k := &m.value.keys[i]
		if !p.unique(seen, k) {
			continue
		}
		vals, offs, _ := p.strs(k)
		switch k.key {
		case "AWS":
			for j, v := range vals {
				switch {
				case v == "*":
					pr.Any = true
				case accountIDRE.MatchString(v):
					pr.AWS = append(pr.AWS, "arn:aws:iam::"+v+":root")
				case strings.ContainsAny(v, "*?"):
					p.errorf(CodeInvalidPrincipal, offs[j], "AWS principal %q: a wildcard may not stand for part of a principal; use \"*\" or a condition on aws:PrincipalArn", v)
				case strings.HasPrefix(v, "arn:"):
					pr.AWS = append(pr.AWS, v)
				default:
					p.errorf(CodeInvalidPrincipal, offs[j], "AWS principal %q must be an ARN, a 12-digit account ID or \"*\"", v)
				}
			}
		case "Service":
			pr.Service = append(pr.Service, vals...)
		case "Federated":
			pr.Federated = append(pr.Federated, vals...)
		case "CanonicalUser":
			pr.CanonicalUser = append(pr.CanonicalUser, vals...)
		default:
			p.unknown(k, "AWS, Service, Federated, CanonicalUser")
		}
	}
	return pr
}

func (p *parser) conditions(m *member, vars bool) []*Condition {
	if m.value.kind != kindObject {
		p.errorf(CodeWrongType, m.value.start, "Condition must be an object of operators, not %s", m.value.kind)
		return nil
	}
	var out []*Condition
	seenOp := map[string]bool{}
	for i := range m.value.keys {
		op := &m.value.keys[i]
		if !p.unique(seenOp, op) {
			continue
		}
		q, spec, ifExists, ok := parseOperator(op.key)
		if !ok {
			p.errorf(CodeUnknownOperator, op.keyStart, "%q is not a condition operator", op.key)
			continue
		}
		if op.value.kind != kindObject {
			p.errorf(CodeWrongType, op.value.start, "the value of condition operator %s must be an object of condition keys, not %s", op.key, op.value.kind)
			continue
		}
		if len(op.value.keys) == 0 {
			p.errorf(CodeInvalidCondition, op.value.start, "condition operator %s has no condition keys", op.key)
		}
		seenKey := map[string]bool{}
		for j := range op.value.keys {
			k := &op.value.keys[j]
			if seenKey[strings.ToLower(k.key)] {
				p.errorf(CodeDuplicateElement, k.keyStart, "condition key %s appears more than once under %s", k.key, op.key)
				continue
			}
			seenKey[strings.ToLower(k.key)] = true
			if k.key == "" {
				p.errorf(CodeInvalidCondition, k.keyStart, "empty condition key")
				continue
			}
			c := &Condition{Operator: op.key, Qualifier: q, IfExists: ifExists, Key: k.key, key: strings.ToLower(k.key), spec: spec,
				Span: Span{Start: p.pos(k.keyStart), End: p.pos(k.value.end)}}
			items := []node{k.value}
			if k.value.kind == kindArray {
				items = k.value.items
				if len(items) == 0 {
					p.errorf(CodeEmptyValue, k.value.start, "condition key %s has an empty list of values", k.key)
					continue
				}
			}
			bad := false
			for _, it := range items {
				switch it.kind {
				case kindString, kindNumber, kindBool:
					c.Values = append(c.Values, it.text)
					v := compileValue(spec, it.text, vars)
					if !v.ok {
						p.add(SeverityWarning, CodeInvalidConditionValue, it.start, "%q is not a valid value for %s, so it never matches", it.text, spec.name)
					}
					c.match = append(c.match, v)
				default:
					p.errorf(CodeWrongType, it.start, "a condition value must be a string, number or boolean, not %s", it.kind)
					bad = true
				}
			}
			if !bad {
				out = append(out, c)
			}
		}
	}
	return out
}

// article returns "an" before a vowel and "a" otherwise.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}
