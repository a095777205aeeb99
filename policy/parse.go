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

	aws  awsText // what IAM answers for it, and when IAM finds it
	stmt int     // the statement it is in; -1 outside any
}

func (f Finding) String() string {
	return fmt.Sprintf("%d:%d: %s %s: %s", f.Line, f.Col, f.Severity, f.Code, f.Message)
}

// ParseError is returned by Parse when a document has error-level findings. It lists every finding, errors first.
// AWSMessage gives the one text IAM answers for the document (its MalformedPolicyDocument message).
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
	serviceRE    = regexp.MustCompile(`^[a-zA-Z0-9*?._-]+$`)
	actionNameRE = regexp.MustCompile(`^[a-zA-Z0-9*?_-]+$`)
	accountIDRE  = regexp.MustCompile(`^[0-9]{12}$`)
)

// Parse parses, validates and compiles a policy document used as the given type. On error-level findings it returns
// a *ParseError (with warnings too); on success warnings are in Policy.Findings.
func Parse(doc []byte, typ Type) (*Policy, error) {
	return parse(doc, typ, false)
}

// ParseManaged is Parse for a managed policy (CreatePolicy, CreatePolicyVersion), which IAM also refuses without
// "Version": "2012-10-17".
func ParseManaged(doc []byte, typ Type) (*Policy, error) {
	return parse(doc, typ, true)
}

// ParseStored is Parse for a document IAM accepted when it was written, compiled again to be evaluated: the checks
// IAM makes of Resource ARN forms and Date condition values are warnings here, so that a policy stored before iamd
// made them still evaluates (such a value never matches a request).
func ParseStored(doc []byte, typ Type) (*Policy, error) {
	p := &parser{text: doc, typ: typ, stored: true, stmt: -1}
	return p.run()
}

func parse(doc []byte, typ Type, managed bool) (*Policy, error) {
	p := &parser{text: doc, typ: typ, managed: managed, stmt: -1}
	return p.run()
}

func (p *parser) run() (*Policy, error) {
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
	managed    bool // a managed policy: IAM requires Version 2012-10-17
	stored     bool // a stored document: write-time value checks are warnings (ParseStored)
	stmt       int  // index of the statement being parsed; -1 outside statements
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
	p.addAWS(sev, awsText{}, code, off, format, args...)
}

func (p *parser) addAWS(sev Severity, t awsText, code string, off int, format string, args ...any) {
	pos := p.pos(off)
	p.findings = append(p.findings, Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...), Pos: pos, Line: pos.Line, Col: pos.Col,
		aws: t, stmt: p.stmt})
}

// errorf adds an error that IAM reports as a syntax error.
func (p *parser) errorf(code string, off int, format string, args ...any) {
	p.addAWS(SeverityError, awsSyntax, code, off, format, args...)
}

// written adds an error of a check IAM makes when a document is written: a warning in a stored document.
func (p *parser) written(t awsText, code string, off int, format string, args ...any) {
	if p.stored {
		p.add(SeverityWarning, code, off, format, args...)
		return
	}
	p.fail(t, code, off, format, args...)
}

// fail adds an error that IAM reports with the text t.
func (p *parser) fail(t awsText, code string, off int, format string, args ...any) {
	p.addAWS(SeverityError, t, code, off, format, args...)
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
		t := awsText{msg: msgSyntax, stage: stageJSON}
		if p.typ == TypeTrust {
			t.msg = msgInvalidJSON
		}
		p.fail(t, CodeJSONSyntax, off, "the policy is not valid JSON: %v", err)
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
				p.add(SeverityWarning, CodeUnknownElement, m.keyStart, "Id is meant for resource-based policies; IAM keeps it in %s %s policy but nothing uses it", article(p.typ.String()), p.typ)
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
	if _, ok := seen["Version"]; p.managed && (!ok || pol.Version == Version2008) {
		off, code := root.start, CodeMissingVersion
		for _, m := range root.keys {
			if m.key == "Version" {
				off, code = m.value.start, CodeInvalidVersion
			}
		}
		p.fail(awsText{msg: msgVersion, stage: stageVersion}, code, off, "a managed policy must have \"Version\": %q", Version2012)
	} else if _, ok := seen["Version"]; !ok {
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

// strs reads a string or a list of strings; an empty list is reported with empty (nil: not an error).
func (p *parser) strs(m *member, empty *awsText) ([]string, []int, bool) {
	switch m.value.kind {
	case kindString:
		return []string{m.value.text}, []int{m.value.start}, true
	case kindArray:
		if len(m.value.items) == 0 {
			if empty != nil {
				p.fail(*empty, CodeEmptyValue, m.value.start, "%s must not be an empty list", m.key)
				return nil, nil, false
			}
			return nil, nil, true
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
	p.stmt = index
	defer func() { p.stmt = -1 }()
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
			t := awsSyntax
			if strings.EqualFold(v, "Allow") || strings.EqualFold(v, "Deny") {
				t = awsLegacy // IAM's grammar takes it; its older parser does not
			}
			p.fail(t, CodeInvalidEffect, effect.value.start, "Effect must be \"Allow\" or \"Deny\", not %q", v)
		}
	}
	// Resource / NotResource, checked before the actions as IAM does
	switch {
	case resource != nil && notResource != nil:
		p.errorf(CodeResourceAndNot, notResource.keyStart, "a statement may have Resource or NotResource, not both")
	case p.typ == TypeTrust && (resource != nil || notResource != nil):
		m := resource
		if m == nil {
			m = notResource
		}
		p.fail(awsText{msg: "Has prohibited field " + m.key, stage: stageSyntax}, CodeResourceNotAllowed, m.keyStart,
			"a role trust policy has no %s element: the resource is the role itself", m.key)
	case p.typ == TypeTrust:
	case resource == nil && notResource == nil:
		p.fail(awsNoResources, CodeMissingResource, n.start, "statement %d has neither Resource nor NotResource", index)
	default:
		m := resource
		if m == nil {
			m, st.NotResource = notResource, true
		}
		st.Resources = p.resources(m, vars)
	}
	// Action / NotAction
	switch {
	case action != nil && notAction != nil:
		p.errorf(CodeActionAndNotAction, notAction.keyStart, "a statement may have Action or NotAction, not both")
	case action == nil && notAction == nil:
		p.fail(awsNoActions, CodeMissingAction, n.start, "statement %d has neither Action nor NotAction", index)
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
	// Principal / NotPrincipal
	takesPrincipal := p.typ == TypeResource || p.typ == TypeTrust || p.typ == TypeRCP
	switch {
	case !takesPrincipal && (principal != nil || notPrincipal != nil):
		m := principal
		if m == nil {
			m = notPrincipal
		}
		p.fail(awsText{msg: "Policy document should not specify a principal.", stage: stagePrincipal}, CodePrincipalNotAllowed, m.keyStart,
			"%s is not allowed in %s %s policy: the principal is whoever the policy is attached to", m.key, article(p.typ.String()), p.typ)
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
		p.fail(awsText{msg: msgSidFormat, stage: stageSid}, CodeInvalidSid, m.value.start, "Sid %q may contain only letters and digits (A-Z, a-z, 0-9) in %s %s policy", v, article(p.typ.String()), p.typ)
	}
	if v == "" {
		return
	}
	if sids[v] {
		p.fail(awsText{msg: "Statement IDs (SID) in a single policy must be unique.", stage: stageSid}, CodeDuplicateSid, m.value.start, "Sid %q is used by more than one statement; Sids must be unique within a policy", v)
	}
	sids[v] = true
}

func (p *parser) actions(m *member) []ActionPattern {
	vals, offs, _ := p.strs(m, &awsNoActions)
	out := make([]ActionPattern, 0, len(vals))
	for i, v := range vals {
		a, bad := compileAction(v)
		if bad.msg != "" {
			p.fail(bad.aws, CodeInvalidAction, offs[i], "%s %q: %s", m.key, v, bad.msg)
			continue
		}
		if a.Raw != "*" && !actionNameRE.MatchString(v[strings.IndexByte(v, ':')+1:]) {
			p.add(SeverityWarning, CodeInvalidAction, offs[i], "%s %q: no AWS action name has characters other than letters, digits, '_' and '-', so it matches nothing", m.key, v)
		}
		a.Pos = p.pos(offs[i])
		out = append(out, a)
	}
	return out
}

// problem is a malformed value: the engine's explanation and IAM's answer.
type problem struct {
	msg string
	aws awsText
}

// compileAction compiles one Action value; bad.msg is non-empty when IAM refuses the value. IAM checks only the
// vendor (service prefix) and the one colon: any text after the colon is taken (and then matches no action).
func compileAction(v string) (ActionPattern, problem) {
	a := ActionPattern{Raw: v}
	if v == "*" {
		a.Service, a.anySvc = "*", true
		a.svcGlob = compilePattern("*", false)
		a.name = compilePattern("*", false)
		return a, problem{}
	}
	svc, name, ok := strings.Cut(v, ":")
	switch {
	case !ok:
		return a, problem{"an action is written service:ActionName (for example s3:GetObject), or \"*\"", awsStatement(subAction, msgNoVendor)}
	case strings.Contains(name, ":"):
		return a, problem{"an action has one colon, between the service prefix and the action name", awsStatement(subAction, "Actions/Condition can contain only one colon.")}
	case !serviceRE.MatchString(svc):
		return a, problem{"the service prefix may contain only letters, digits, '.', '_', '-' and wildcards", awsStatement(subAction, "Vendor "+svc+" is not valid")}
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
	return a, problem{}
}

func (p *parser) resources(m *member, vars bool) []ResourcePattern {
	vals, offs, _ := p.strs(m, &awsNoResources)
	out := make([]ResourcePattern, 0, len(vals))
	for i, v := range vals {
		if bad := checkResource(v, vars); bad.msg != "" {
			p.written(bad.aws, CodeInvalidResource, offs[i], "%s %q %s", m.key, v, bad.msg)
			if !p.stored {
				continue
			}
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
	seen := map[string]bool{}
	bad := false
	for i := range m.value.keys {
		k := &m.value.keys[i]
		if !p.unique(seen, k) {
			continue
		}
		// An empty list names no principal of that type; AWS takes it as long as the element names someone.
		vals, offs, ok := p.strs(k, nil)
		bad = bad || !ok
		switch k.key {
		case "AWS":
			for j, v := range vals {
				invalid := awsText{msg: fmt.Sprintf("Invalid principal in policy: \"AWS\":\"%s\"", v), stage: stageStatement, sub: subPrincipal}
				switch {
				case v == "*":
					pr.Any = true
				case accountIDRE.MatchString(v):
					pr.AWS = append(pr.AWS, "arn:aws:iam::"+v+":root")
				case strings.ContainsAny(v, "*?"):
					p.fail(invalid, CodeInvalidPrincipal, offs[j], "AWS principal %q: a wildcard may not stand for part of a principal; use \"*\" or a condition on aws:PrincipalArn", v)
					bad = true
				case strings.HasPrefix(v, "arn:"):
					pr.AWS = append(pr.AWS, v)
				default:
					p.fail(invalid, CodeInvalidPrincipal, offs[j], "AWS principal %q must be an ARN, a 12-digit account ID or \"*\"", v)
					bad = true
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
			bad = true
		}
	}
	if !bad && !pr.Any && len(pr.AWS)+len(pr.Service)+len(pr.Federated)+len(pr.CanonicalUser) == 0 {
		p.errorf(CodeInvalidPrincipal, m.value.start, "%s must name at least one principal", m.key)
		return nil
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
		if op.value.kind != kindObject {
			p.errorf(CodeWrongType, op.value.start, "the value of condition operator %s must be an object of condition keys, not %s", op.key, op.value.kind)
			continue
		}
		q, spec, ifExists, ok := parseOperator(op.key)
		switch {
		case !ok && len(op.value.keys) == 0:
			// IAM takes an unknown operator that tests no key: it has nothing to evaluate.
			p.add(SeverityWarning, CodeUnknownOperator, op.keyStart, "%q is not a condition operator; it tests no key, so it has no effect", op.key)
			continue
		case !ok:
			p.errorf(CodeUnknownOperator, op.keyStart, "%q is not a condition operator", op.key)
			continue
		case len(op.value.keys) == 0:
			p.add(SeverityWarning, CodeInvalidCondition, op.value.start, "condition operator %s tests no condition key, so it has no effect", op.key)
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
					p.add(SeverityWarning, CodeEmptyValue, k.value.start, "condition key %s has an empty list of values, so no value of the key matches it", k.key)
				}
			}
			bad := false
			for _, it := range items {
				switch it.kind {
				case kindString, kindNumber, kindBool:
					c.Values = append(c.Values, it.text)
					v := compileValue(spec, it.text, vars)
					switch {
					case spec.family == FamilyDate && !(vars && strings.Contains(it.text, "${")) && !legacyDate(it.text):
						p.written(awsLegacy, CodeInvalidConditionValue, it.start, "%q is not a date (ISO 8601, or seconds since the epoch)", it.text)
					case !v.ok:
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
