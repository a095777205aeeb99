// Package lint checks a parsed policy against AWS's service authorization data: unknown services and actions,
// actions that take no resource given a resource ARN, unknown condition keys, operators that do not fit a key's
// type, and set operators that do not fit a key's cardinality. Parse already rejects what AWS rejects; lint reports
// what AWS accepts but that will not do what it seems to.
package lint

import (
	"fmt"
	"strings"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// Finding codes.
const (
	CodeUnknownService       = "UNKNOWN_SERVICE"
	CodeUnknownAction        = "UNKNOWN_ACTION"
	CodeResourceNotStar      = "ACTION_TAKES_NO_RESOURCE"
	CodeUnknownConditionKey  = "UNKNOWN_CONDITION_KEY"
	CodeOperatorTypeMismatch = "OPERATOR_TYPE_MISMATCH"
	CodeMissingSetOperator   = "MISSING_SET_OPERATOR"
	CodeSetOperatorOnSingle  = "SET_OPERATOR_ON_SINGLE_VALUED_KEY"
	CodeForAllValuesAllow    = "FORALLVALUES_WITH_ALLOW"
)

// Check returns the catalog-based findings for p, in document order.
func Check(p *policy.Policy, cat *catalog.Catalog) []policy.Finding {
	var out []policy.Finding
	add := func(sev policy.Severity, code string, pos policy.Pos, format string, args ...any) {
		out = append(out, policy.Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...), Pos: pos, Line: pos.Line, Col: pos.Col})
	}
	for _, st := range p.Statements {
		onlyStarless := true // every action named takes no resource type
		named := 0
		for i := range st.Actions {
			a := &st.Actions[i]
			if a.Raw == "*" || a.HasServiceWildcard() {
				onlyStarless = false
				continue
			}
			svc, ok := cat.Service(a.Service)
			if !ok {
				add(policy.SeverityWarning, CodeUnknownService, a.Pos, "%q: there is no AWS service with the prefix %q", a.Raw, a.Service)
				onlyStarless = false
				continue
			}
			matched := 0
			for _, act := range svc.Actions {
				if a.Match(a.Service, strings.ToLower(act.Name)) {
					matched++
					if len(act.ResourceTypes) > 0 {
						onlyStarless = false
					}
				}
			}
			if matched == 0 {
				add(policy.SeverityWarning, CodeUnknownAction, a.Pos, "%q matches no action of %s", a.Raw, svc.Name)
				onlyStarless = false
			}
			named += matched
		}
		if !st.NotAction && named > 0 && onlyStarless && !st.NotResource {
			for i := range st.Resources {
				if r := &st.Resources[i]; r.Raw != "*" {
					add(policy.SeveritySuggestion, CodeResourceNotStar, r.Pos,
						"the actions of this statement take no resource type, so they are authorized only on \"*\"; %q never matches them", r.Raw)
				}
			}
		}
		for _, c := range st.Conditions {
			checkCondition(c, st.Effect, cat, add)
		}
	}
	return out
}

type addFunc func(sev policy.Severity, code string, pos policy.Pos, format string, args ...any)

// checkCondition compares a condition with what the catalog knows of its key.
func checkCondition(c *policy.Condition, eff policy.Effect, cat *catalog.Catalog, add addFunc) {
	pos := c.Span.Start
	ck, ok := cat.ConditionKey(c.Key)
	if !ok {
		prefix, _, _ := strings.Cut(c.Key, ":")
		// Keys of identity providers (accounts.google.com:aud, token.actions.githubusercontent.com:sub) are
		// named after the provider's host and are not all listed; only keys of known services are checked.
		if _, known := cat.Service(prefix); known || strings.EqualFold(prefix, "aws") {
			add(policy.SeverityWarning, CodeUnknownConditionKey, pos, "condition key %q is not a global key or a key of the %s service, so it is never present", c.Key, prefix)
		}
		return
	}
	op := c.BaseOperator()
	if op != "Null" && !fits(op, ck.Types) {
		add(policy.SeverityWarning, CodeOperatorTypeMismatch, pos, "%s compares %s values, but %s is of type %s", c.Operator, family(op), ck.Name, typesString(ck.Types))
	}
	switch {
	case ck.Multivalued && c.Qualifier == policy.QualifierNone && op != "Null":
		add(policy.SeverityWarning, CodeMissingSetOperator, pos, "%s is multivalued: use ForAllValues: or ForAnyValue: with %s", ck.Name, c.Operator)
	case !ck.Multivalued && c.Qualifier != policy.QualifierNone:
		add(policy.SeverityWarning, CodeSetOperatorOnSingle, pos, "%s is single-valued: a set operator (%s) is not needed and changes the result when the key is missing", ck.Name, c.Operator)
	}
	if ck.Multivalued && c.Qualifier == policy.QualifierForAllValues && eff == policy.Allow && !c.IfExists {
		add(policy.SeveritySuggestion, CodeForAllValuesAllow, pos, "ForAllValues with Allow also allows requests without %s (an empty set matches); add a Null condition on the key", ck.Name)
	}
}

// family names the kind of values an operator compares.
func family(op string) string {
	switch {
	case strings.HasPrefix(op, "String"):
		return "string"
	case strings.HasPrefix(op, "Numeric"):
		return "numeric"
	case strings.HasPrefix(op, "Date"):
		return "date"
	case op == "Bool":
		return "boolean"
	case op == "BinaryEquals":
		return "binary"
	case strings.Contains(op, "IpAddress"):
		return "IP address"
	case strings.HasPrefix(op, "Arn"):
		return "ARN"
	}
	return "other"
}

// fits reports whether an operator suits a key of one of the types. String operators suit every type but IP
// addresses (AWS compares ARNs, numbers and dates as text with them); the others need their own type.
func fits(op string, types []catalog.KeyType) bool {
	for _, t := range types {
		switch e := t.Elem(); family(op) {
		case "string":
			if e != catalog.TypeIPAddress {
				return true
			}
		case "numeric":
			if e == catalog.TypeNumeric {
				return true
			}
		case "date":
			if e == catalog.TypeDate {
				return true
			}
		case "boolean":
			if e == catalog.TypeBool {
				return true
			}
		case "IP address":
			if e == catalog.TypeIPAddress {
				return true
			}
		case "ARN":
			if e == catalog.TypeARN || e == catalog.TypeString {
				return true
			}
		default:
			return true
		}
	}
	return false
}

func typesString(ts []catalog.KeyType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, " or ")
}
