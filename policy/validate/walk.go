package validate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// path is a JSON path in the document. Its methods return extended copies, so paths can be shared.
type path []PathElement

func (p path) with(e PathElement) path {
	q := make(path, len(p), len(p)+1)
	copy(q, p)
	return append(q, e)
}

func (p path) value(k string) path { return p.with(PathElement{Value: &k}) }
func (p path) key(k string) path   { return p.with(PathElement{Key: &k}) }
func (p path) index(i int) path    { return p.with(PathElement{Index: &i}) }
func (p path) sub(start, length int) path {
	return p.with(PathElement{Substring: &Substring{Start: start, Length: length}})
}

func (p path) elements() []PathElement {
	if p == nil {
		return []PathElement{}
	}
	return p
}

// strVal is one string of a string-or-list element, with where it is.
type strVal struct {
	s    string
	node *policy.JSONNode
	path path
}

// stmt is what the checks of one statement share.
type stmt struct {
	index  int
	path   path
	node   *policy.JSONNode
	effect string // "Allow", "Deny", or "" when missing or invalid
	elems  map[string]*policy.JSONMember

	actions     []strVal // Action or NotAction values
	notAction   bool
	actionElem  *policy.JSONMember
	resources   []strVal // Resource or NotResource values
	notResource bool
	condKeys    map[string]bool // lower-cased condition keys of the statement

	ddbAttributes     *Location // the first dynamodb:Attributes key
	ddbSelectSpecific bool      // a StringEquals dynamodb:Select of SPECIFIC_ATTRIBUTES

	principalElem *policy.JSONMember // Principal or NotPrincipal
	principals    []principalVal     // its values ("*" alone has type "*")
}

// principalVal is one value of Principal or NotPrincipal and its principal type (AWS, Service, Federated,
// CanonicalUser, or "*" for "Principal": "*").
type principalVal struct {
	typ string
	strVal
}

var (
	sidRE       = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)
)

const (
	version2012 = "2012-10-17"
	version2008 = "2008-10-17"

	maxSCPChars       = 5120
	maxRCPChars       = 5120 // Organizations quotas: "Maximum size of a policy document"
	maxIdentityChars  = 6144
	maxTrustPolicyChr = 2048 // IAM quotas: role trust policy length (GetAccountSummary's AssumeRolePolicySizeQuota)
)

// variableInElement is VARIABLE_UNSUPPORTED_IN_ELEMENT's details for a value: it names the value's first variable.
func variableInElement(s string) string {
	variable := s[strings.Index(s, "${"):]
	if j := strings.IndexByte(variable, '}'); j >= 0 {
		variable = variable[:j+1]
	}
	return "Policy variables are supported in the Resource and Condition elements. Remove the policy variable " + variable + " from this element."
}

// located is the location of a node at a path.
func (v *validator) at(p path, n *policy.JSONNode) Location { return v.loc(p, n.Start, n.End) }

// atKey is the location of an object key itself.
func (v *validator) atKey(p path, m *policy.JSONMember) Location {
	return v.loc(p.key(m.Key), m.KeyStart, m.KeyEnd)
}

func (v *validator) typeMismatch(p path, n *policy.JSONNode, want string) {
	v.add(codeDataTypeMismatch, fmt.Sprintf("The text does not match the expected JSON data type %s.", want), v.at(p, n))
}

func (v *validator) document(root *policy.JSONNode) {
	if root.Kind != policy.JSONObject {
		v.typeMismatch(nil, root, "Object")
		return
	}
	v.size(root)
	var version, statement *policy.JSONMember
	for i := range root.Members {
		m := &root.Members[i]
		switch m.Key {
		case "Version":
			version = m
		case "Id":
			if m.Value.Kind != policy.JSONString {
				v.typeMismatch(path{}.value("Id"), &m.Value, "String")
			}
		case "Statement":
			statement = m
		default:
			v.add(codeInvalidPolicyElement, fmt.Sprintf("The policy element %s is not valid.", m.Key), v.atKey(nil, m))
		}
	}
	v.version = ""
	switch {
	case version == nil:
		v.add(codeMissingVersion, "We recommend that you specify the Version element to help you with debugging permission issues.",
			v.loc(nil, root.Start, root.Start+1))
	case version.Value.Kind != policy.JSONString:
		v.typeMismatch(path{}.value("Version"), &version.Value, "String")
	case version.Value.Text != version2012 && version.Value.Text != version2008:
		v.add(codeInvalidVersion, fmt.Sprintf("The version %s is not valid. Use one of the following versions: %s, %s", version.Value.Text, version2012, version2008),
			v.at(path{}.value("Version"), &version.Value))
	default:
		v.version = version.Value.Text
	}
	if statement == nil {
		v.add(codeMissingStatement, "Add a statement to the policy", v.loc(nil, root.Start, root.Start+1))
		return
	}
	sp := path{}.value("Statement")
	var stmts []*stmt
	switch statement.Value.Kind {
	case policy.JSONObject:
		stmts = append(stmts, &stmt{index: 0, path: sp, node: &statement.Value})
	case policy.JSONArray:
		if len(statement.Value.Items) == 0 {
			v.add(codeMissingStatement, "Add a statement to the policy", v.at(sp, &statement.Value))
		}
		for i := range statement.Value.Items {
			n := &statement.Value.Items[i]
			if n.Kind != policy.JSONObject {
				v.typeMismatch(sp.index(i), n, "Object")
				continue
			}
			stmts = append(stmts, &stmt{index: i, path: sp.index(i), node: n})
		}
	default:
		v.typeMismatch(sp, &statement.Value, "Array")
		return
	}
	sids := map[string]bool{}
	for _, st := range stmts {
		v.statement(st, sids)
	}
	v.redundantStatements(stmts)
}

// size checks the document against the quotas of its policy type. IAM and Organizations count the characters
// that are not white space.
func (v *validator) size(root *policy.JSONNode) {
	n := 0
	for _, r := range v.doc {
		if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			n++
		}
	}
	switch {
	case v.opts.PolicyType == ServiceControlPolicy && n > maxSCPChars:
		v.add(codePolicySizeExceedsSCPQuota, fmt.Sprintf("The %d characters in the service control policy (SCP) exceed the %d character maximum for SCPs. We recommend that you use multiple granular policies.", n, maxSCPChars),
			v.loc(nil, root.Start, root.End))
	case v.opts.PolicyType == ResourceControlPolicy && n > maxRCPChars:
		v.add(codePolicySizeExceedsRCPQuota, fmt.Sprintf("The %d characters in the resource control policy (RCP) exceed the %d character maximum for RCPs. We recommend that you use multiple granular policies.", n, maxRCPChars),
			v.loc(nil, root.Start, root.End))
	case v.opts.ResourceType == ResourceRoleTrustPolicy && n > maxTrustPolicyChr:
		v.add(codePolicySizeExceedsRoleTrustQuota, "The characters in the role trust policy, excluding whitespace, exceed the character maximum. We recommend that you request a role trust policy length quota increase using Service Quotas and AWS Support Center. If the quotas have already been increased, then you can ignore this warning.",
			v.loc(nil, root.Start, root.End))
	case v.opts.PolicyType == IdentityPolicy && n > maxIdentityChars:
		v.add(codePolicySizeExceedsIdentityPolicyQuota, fmt.Sprintf("The %d characters in the identity policy, excluding whitespace, exceed the %d character maximum for inline and managed policies. We recommend that you use multiple granular policies.", n, maxIdentityChars),
			v.loc(nil, root.Start, root.End))
	}
}

// strict reports whether the policy type follows IAM's Sid rules (letters and digits, unique).
func (v *validator) strict() bool { return v.opts.PolicyType != ResourcePolicy }

func (v *validator) statement(st *stmt, sids map[string]bool) {
	st.elems = map[string]*policy.JSONMember{}
	for i := range st.node.Members {
		m := &st.node.Members[i]
		switch m.Key {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
			if _, dup := st.elems[m.Key]; !dup {
				st.elems[m.Key] = m
			}
		default:
			v.add(codeInvalidPolicyElement, fmt.Sprintf("The policy element %s is not valid.", m.Key), v.atKey(st.path, m))
		}
	}
	stmtLoc := v.at(st.path, st.node)
	if m := st.elems["Sid"]; m != nil {
		v.sid(st, m, sids)
	}
	if m := st.elems["Effect"]; m == nil {
		v.add(codeMissingEffect, "Add an Effect element to the policy statement with a value of Allow or Deny.", stmtLoc)
	} else if m.Value.Kind != policy.JSONString {
		v.typeMismatch(st.path.value("Effect"), &m.Value, "String")
	} else if m.Value.Text != "Allow" && m.Value.Text != "Deny" {
		v.add(codeInvalidEffect, fmt.Sprintf("The effect %s is not valid. Use Allow or Deny.", m.Value.Text), v.at(st.path.value("Effect"), &m.Value))
	} else {
		st.effect = m.Value.Text
	}
	for _, pair := range [][2]string{{"Action", "NotAction"}, {"Resource", "NotResource"}, {"Principal", "NotPrincipal"}} {
		if st.elems[pair[0]] != nil && st.elems[pair[1]] != nil {
			v.add(codeUnsupportedElementCombination, fmt.Sprintf("The policy elements %s and %s can not be used in the same statement. Remove one of these elements.", pair[0], pair[1]), stmtLoc)
		}
	}
	st.condKeys = map[string]bool{}
	if m := st.elems["Condition"]; m != nil {
		v.conditions(st, m)
	}
	v.actionElement(st, stmtLoc)
	v.resourceElement(st, stmtLoc)
	v.principalElement(st, stmtLoc)
	switch v.opts.PolicyType {
	case ServiceControlPolicy:
		v.scp(st)
	case ResourceControlPolicy:
		v.rcp(st)
	}
	v.trust(st)
	v.passRoleAndSLR(st)
	v.tagKeySupport(st)
	v.resourceTypeRules(st)
	v.actionsForConditionKeys(st)
	v.servicePrincipalSource(st)
}

func (v *validator) sid(st *stmt, m *policy.JSONMember, sids map[string]bool) {
	p := st.path.value("Sid")
	if m.Value.Kind != policy.JSONString {
		v.typeMismatch(p, &m.Value, "String")
		return
	}
	s := m.Value.Text
	switch {
	case s == "":
		v.add(codeEmptySidValue, "Add a value to the empty string in the Sid element.", v.at(p, &m.Value))
		return
	case v.strict() && !sidRE.MatchString(s):
		v.add(codeUnsupportedSid, "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]", v.at(p, &m.Value))
	}
	if sids[s] {
		if v.strict() {
			v.add(codeUniqueSidsRequired, "Duplicate statement IDs are not supported for this policy type. Update the Sid value.", v.at(p, &m.Value))
		} else {
			v.add(codeUniqueSidsRecommended, "We recommend that you use statement IDs that are unique to your policy. Update the Sid value.", v.at(p, &m.Value))
		}
	}
	sids[s] = true
}

// strs reads a string or a list of strings; other JSON types are DATA_TYPE_MISMATCH. empty reports an empty list.
func (v *validator) strs(p path, n *policy.JSONNode) (vals []strVal, empty bool) {
	switch n.Kind {
	case policy.JSONString:
		return []strVal{{s: n.Text, node: n, path: p}}, false
	case policy.JSONArray:
		for i := range n.Items {
			it := &n.Items[i]
			if it.Kind != policy.JSONString {
				v.typeMismatch(p.index(i), it, "String")
				continue
			}
			vals = append(vals, strVal{s: it.Text, node: it, path: p.index(i)})
		}
		return vals, len(n.Items) == 0
	}
	v.typeMismatch(p, n, "Array")
	return nil, false
}

func (v *validator) actionElement(st *stmt, stmtLoc Location) {
	m := st.elems["Action"]
	if m == nil {
		m, st.notAction = st.elems["NotAction"], true
	}
	if m == nil {
		st.notAction = false
		v.add(codeMissingAction, "Add an Action or NotAction element to the policy statement.", stmtLoc)
		return
	}
	st.actionElem = m
	p := st.path.value(m.Key)
	vals, empty := v.strs(p, &m.Value)
	if empty {
		v.add(codeEmptyArrayAction, "This statement includes no actions and does not affect the policy. Specify actions.", v.at(p, &m.Value))
	}
	st.actions = vals
	for i := range vals {
		v.action(&vals[i])
	}
	v.redundant(vals, true)
}

// action checks one Action or NotAction value.
func (v *validator) action(a *strVal) {
	loc := v.at(a.path, a.node)
	if a.s == "*" {
		return
	}
	if strings.Contains(a.s, "${") {
		v.add(codeVariableUnsupportedInElement, variableInElement(a.s), loc)
		return
	}
	svc, name, ok := strings.Cut(a.s, ":")
	if !ok || strings.Contains(name, ":") || svc == "" || name == "" {
		v.add(codeInvalidAction, fmt.Sprintf("The action %s does not exist.", a.s), loc)
		return
	}
	if strings.ContainsAny(svc, "*?") {
		v.add(codeWildcardInServiceName, "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.", loc)
		return
	}
	if v.cat == nil {
		return
	}
	service, ok := v.cat.Service(svc)
	if !ok {
		v.add(codeInvalidServiceInAction, fmt.Sprintf("The service %s specified in the action does not exist.", svc), loc)
		return
	}
	if !strings.ContainsAny(name, "*?") {
		if _, ok := service.Action(name); !ok {
			details := fmt.Sprintf("The action %s does not exist.", a.s)
			if s := suggestAction(service.Actions, name); s != "" {
				details += fmt.Sprintf(" Did you mean %s:%s?", svc, s)
			}
			v.add(codeInvalidAction, details, loc)
		}
		return
	}
	for _, act := range service.Actions {
		if globFold(name, act.Name) {
			return
		}
	}
	v.add(codeInvalidAction, fmt.Sprintf("The action %s does not exist.", a.s), loc)
}

// redundant reports the values of an Action or Resource list whose matches another value of the list already
// covers (of a repeated value, the later one), in one finding that counts them, names the first and has a location
// for each. Values are compared as patterns, ignoring case for actions.
func (v *validator) redundant(vals []strVal, actions bool) {
	norm := func(s string) string {
		if actions {
			return strings.ToLower(s)
		}
		return s
	}
	var found []*strVal
	for i := range vals {
		vi := norm(vals[i].s)
		if strings.Contains(vi, "${") {
			continue
		}
		for j := range vals {
			vj := norm(vals[j].s)
			if i == j || strings.Contains(vj, "${") || !strings.ContainsAny(vj, "*?") && vi != vj {
				continue
			}
			if vi == vj && j > i {
				continue // of two equal values, the later is the redundant one
			}
			if vi == vj || glob(vj, vi) {
				found = append(found, &vals[i])
				break
			}
		}
	}
	if len(found) == 0 {
		return
	}
	locs := make([]Location, len(found))
	for i, r := range found {
		locs[i] = v.at(r.path, r.node)
	}
	if actions {
		v.add(codeRedundantAction, fmt.Sprintf("The %d action(s) are redundant because they provide similar permissions. Update the policy to remove the redundant action such as: %s.", len(found), found[0].s), locs...)
		return
	}
	v.add(codeRedundantResource, fmt.Sprintf("The %d resource ARN(s) are redundant because they reference the same resource. Review the use of wildcards (*)", len(found)), locs...)
}

// suggestAction returns the action whose name differs from name only in case, or "".
func suggestAction(actions []*catalog.Action, name string) string {
	for _, a := range actions {
		if strings.EqualFold(a.Name, name) {
			return a.Name
		}
	}
	return ""
}

func (v *validator) resourceElement(st *stmt, stmtLoc Location) {
	m := st.elems["Resource"]
	if m == nil {
		m, st.notResource = st.elems["NotResource"], true
	}
	if m == nil {
		st.notResource = false
		if v.opts.PolicyType == IdentityPolicy {
			v.add(codeMissingResource, "Add a Resource or NotResource element to the policy statement.", stmtLoc)
		}
		return
	}
	p := st.path.value(m.Key)
	vals, empty := v.strs(p, &m.Value)
	if empty {
		v.add(codeEmptyArrayResource, "This statement includes no resources and does not affect the policy. Specify resources.", v.at(p, &m.Value))
	}
	st.resources = vals
	for i := range vals {
		v.resource(&vals[i])
	}
	v.redundant(vals, false)
}

func (v *validator) principalElement(st *stmt, stmtLoc Location) {
	m := st.elems["Principal"]
	if m == nil {
		m = st.elems["NotPrincipal"]
	}
	switch v.opts.PolicyType {
	case IdentityPolicy:
		if m != nil {
			v.add(codeUnsupportedPrincipal, "The policy type IDENTITY_POLICY does not support the Principal element. Remove the Principal element.", v.atKey(st.path, m))
		}
		return
	case ServiceControlPolicy:
		return
	}
	if m == nil {
		v.add(codeMissingPrincipal, "Add a Principal element to the policy statement.", stmtLoc)
		return
	}
	if m.Key == "NotPrincipal" && st.effect == "Allow" {
		v.add(codeAllowWithNotPrincipal, "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.", v.atKey(st.path, m))
	}
	st.principalElem = m
	st.principals = v.principal(st.path.value(m.Key), &m.Value)
}

// principal checks a Principal or NotPrincipal value and returns its string values.
func (v *validator) principal(p path, n *policy.JSONNode) (out []principalVal) {
	const format = "The Principal element contents are not valid. Specify a key-value pair in the Principal element."
	switch n.Kind {
	case policy.JSONString:
		if n.Text != "*" {
			v.add(codeInvalidPrincipalFormat, format, v.at(p, n))
			return nil
		}
		return []principalVal{{typ: "*", strVal: strVal{s: n.Text, node: n, path: p}}}
	case policy.JSONObject:
	default:
		v.add(codeInvalidPrincipalFormat, format, v.at(p, n))
		return
	}
	if len(n.Members) == 0 {
		v.add(codeEmptyObjectPrincipal, "This statement includes no principals and does not affect the policy. Specify principals.", v.at(p, n))
		return
	}
	for i := range n.Members {
		m := &n.Members[i]
		switch m.Key {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			v.add(codeInvalidPrincipalKey, fmt.Sprintf("The principal key %s is not valid.", m.Key), v.atKey(p, m))
			continue
		}
		kp := p.value(m.Key)
		vals, empty := v.strs(kp, &m.Value)
		if empty {
			v.add(codeEmptyArrayPrincipal, "This statement includes no principals and does not affect the policy. Specify principals.", v.at(kp, &m.Value))
		}
		for _, s := range vals {
			out = append(out, principalVal{typ: m.Key, strVal: s})
			loc := v.at(s.path, s.node)
			switch {
			case strings.Contains(s.s, "${"):
				v.add(codeVariableUnsupportedInElement, variableInElement(s.s), loc)
			case m.Key == "AWS" && s.s == "*":
			case strings.ContainsAny(s.s, "*?"):
				v.add(codeUnsupportedWildcardInPrincipal, "Wildcards (*, ?) are not supported with the principal key "+m.Key+". Replace the wildcard with a valid principal value.", loc)
			case m.Key == "AWS" && strings.HasPrefix(s.s, "AROA"):
				v.add(codeInvalidRoleReference, "The Principal element includes the IAM role ID "+s.s+". We recommend that you use a role ARN instead.", loc)
			case m.Key == "AWS" && strings.HasPrefix(s.s, "AIDA"):
				v.add(codeInvalidUserReference, "The Principal element includes the IAM user ID "+s.s+". We recommend that you use a user ARN instead.", loc)
			}
		}
	}
	return out
}

// scp makes the checks of service control policies' grammar. Since September 2025 SCPs take the whole IAM policy
// language but principals (Organizations User Guide, "SCP syntax"): Condition, NotAction, Resource ARNs and
// NotResource with Allow, NotResource with Deny, and wildcards anywhere in Action and NotAction.
func (v *validator) scp(st *stmt) {
	for _, k := range []string{"Principal", "NotPrincipal"} {
		if m := st.elems[k]; m != nil {
			v.add(codeSCPPrincipal, "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.", v.atKey(st.path, m))
		}
	}
}

// redundantStatements reports each statement that repeats an earlier one (the Sid aside).
func (v *validator) redundantStatements(stmts []*stmt) {
	seen := map[string]bool{}
	for _, st := range stmts {
		var b strings.Builder
		canon(&b, st.node, true)
		k := b.String()
		if seen[k] {
			v.add(codeRedundantStatement, "The statements are redundant because they provide identical permissions. Update the policy to remove the redundant statement.",
				v.at(st.path, st.node))
		}
		seen[k] = true
	}
}

// canon writes a canonical form of a node: object members sorted by key (the Sid left out at the top), array items
// sorted, so that two statements that differ only in order compare equal.
func canon(b *strings.Builder, n *policy.JSONNode, top bool) {
	switch n.Kind {
	case policy.JSONObject:
		parts := make([]string, 0, len(n.Members))
		for i := range n.Members {
			m := &n.Members[i]
			if top && m.Key == "Sid" {
				continue
			}
			var mb strings.Builder
			mb.WriteString(fmt.Sprintf("%q:", m.Key))
			canon(&mb, &m.Value, false)
			parts = append(parts, mb.String())
		}
		sort.Strings(parts)
		b.WriteString("{" + strings.Join(parts, ",") + "}")
	case policy.JSONArray:
		parts := make([]string, 0, len(n.Items))
		for i := range n.Items {
			var ib strings.Builder
			canon(&ib, &n.Items[i], false)
			parts = append(parts, ib.String())
		}
		sort.Strings(parts)
		b.WriteString("[" + strings.Join(parts, ",") + "]")
	case policy.JSONString:
		b.WriteString(fmt.Sprintf("%q", n.Text))
	default:
		b.WriteString(n.Text)
	}
}

// glob reports whether s matches the pattern, where '*' matches any run of characters and '?' any one.
func glob(pattern, s string) bool { return match(pattern, s, false) }

// globFold is glob ignoring the case of ASCII letters.
func globFold(pattern, s string) bool { return match(pattern, s, true) }

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func match(pattern, s string, fold bool) bool {
	px, sx := 0, 0
	nextP, nextS := -1, -1
	for px < len(pattern) || sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				nextP, nextS = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					_, size := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += size
					continue
				}
			default:
				if sx < len(s) && (s[sx] == c || fold && lowerASCII(s[sx]) == lowerASCII(c)) {
					px++
					sx++
					continue
				}
			}
		}
		if nextS > 0 && nextS <= len(s) {
			px, sx = nextP, nextS
			continue
		}
		return false
	}
	return true
}

func sortStrings(s []string) { sort.Strings(s) }
