package policy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Qualifier is a condition's set operator.
type Qualifier uint8

const (
	QualifierNone         Qualifier = iota
	QualifierForAllValues           // ForAllValues: every request value must match
	QualifierForAnyValue            // ForAnyValue: at least one request value must match
)

// OperatorFamily is the kind of values a condition operator compares, and how.
type OperatorFamily uint8

// The operator families.
const (
	FamilyString           OperatorFamily = iota // StringEquals, StringNotEquals
	FamilyStringIgnoreCase                       // StringEqualsIgnoreCase, StringNotEqualsIgnoreCase
	FamilyStringLike                             // StringLike, StringNotLike
	FamilyNumeric
	FamilyDate
	FamilyBool
	FamilyBinary
	FamilyIP
	FamilyARN
	FamilyNull
)

// Strings reports whether the family compares strings (String, StringIgnoreCase, StringLike).
func (f OperatorFamily) Strings() bool {
	return f == FamilyString || f == FamilyStringIgnoreCase || f == FamilyStringLike
}

// cmp is the comparison of numeric and date operators.
type cmp uint8

const (
	cmpEq cmp = iota
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// operatorSpec describes one base operator (without IfExists and set qualifiers).
type operatorSpec struct {
	name    string
	family  OperatorFamily
	cmp     cmp
	negated bool
}

// operators lists every condition operator AWS documents, by lower-cased base name. It is read-only.
var operators = buildOperators()

func buildOperators() map[string]operatorSpec {
	m := map[string]operatorSpec{}
	for _, o := range []operatorSpec{
		{"StringEquals", FamilyString, cmpEq, false},
		{"StringNotEquals", FamilyString, cmpEq, true},
		{"StringEqualsIgnoreCase", FamilyStringIgnoreCase, cmpEq, false},
		{"StringNotEqualsIgnoreCase", FamilyStringIgnoreCase, cmpEq, true},
		{"StringLike", FamilyStringLike, cmpEq, false},
		{"StringNotLike", FamilyStringLike, cmpEq, true},
		{"NumericEquals", FamilyNumeric, cmpEq, false},
		{"NumericNotEquals", FamilyNumeric, cmpEq, true},
		{"NumericLessThan", FamilyNumeric, cmpLt, false},
		{"NumericLessThanEquals", FamilyNumeric, cmpLe, false},
		{"NumericGreaterThan", FamilyNumeric, cmpGt, false},
		{"NumericGreaterThanEquals", FamilyNumeric, cmpGe, false},
		{"DateEquals", FamilyDate, cmpEq, false},
		{"DateNotEquals", FamilyDate, cmpEq, true},
		{"DateLessThan", FamilyDate, cmpLt, false},
		{"DateLessThanEquals", FamilyDate, cmpLe, false},
		{"DateGreaterThan", FamilyDate, cmpGt, false},
		{"DateGreaterThanEquals", FamilyDate, cmpGe, false},
		{"Bool", FamilyBool, cmpEq, false},
		{"BinaryEquals", FamilyBinary, cmpEq, false},
		{"IpAddress", FamilyIP, cmpEq, false},
		{"NotIpAddress", FamilyIP, cmpEq, true},
		{"ArnEquals", FamilyARN, cmpEq, false},
		{"ArnLike", FamilyARN, cmpEq, false},
		{"ArnNotEquals", FamilyARN, cmpEq, true},
		{"ArnNotLike", FamilyARN, cmpEq, true},
		{"Null", FamilyNull, cmpEq, false},
	} {
		m[strings.ToLower(o.name)] = o
	}
	return m
}

// Condition is one key of a condition operator block: `"Operator": {"Key": values}`.
type Condition struct {
	Operator  string    // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Qualifier Qualifier // set operator
	IfExists  bool
	Key       string   // as written
	Values    []string // as written (numbers and booleans in their JSON text)
	Span      Span     // the key and its values in the document

	spec  operatorSpec
	key   string // lower-cased
	match []valueMatcher
}

// BaseOperator returns the operator name without set qualifier and IfExists, in AWS's spelling.
func (c *Condition) BaseOperator() string { return c.spec.name }

// Negated reports whether the operator is a negated one (StringNotEquals, NotIpAddress, ...).
func (c *Condition) Negated() bool { return c.spec.negated }

// valueMatcher is one compiled policy value.
type valueMatcher struct {
	text  string
	tmpl  pattern // string operators: literal text with variables
	glob  pattern // StringLike
	arn   arnCondPattern
	num   float64
	when  time.Time
	ip    netip.Prefix
	bytes []byte
	ok    bool // the value parsed for its operator; a value that did not never matches
}

// Operator is a condition operator's name, read: its base operator and how the base is qualified.
type Operator struct {
	Name      string // the base operator in AWS's spelling, without set qualifier and IfExists: "StringLike"
	Family    OperatorFamily
	Negated   bool // StringNotEquals, NotIpAddress, ArnNotLike, ...
	Qualifier Qualifier
	IfExists  bool

	spec operatorSpec
}

// ParseOperator reads a condition operator's name as AWS does, ignoring case:
// [ForAllValues:|ForAnyValue:]BaseOperator[IfExists]. ok is false when the name is no operator of AWS's. Null with
// IfExists reads as such (IAM refuses it: the Condition of a parsed policy never has it).
func ParseOperator(name string) (op Operator, ok bool) {
	q := QualifierNone
	rest := name
	if pfx, after, found := strings.Cut(name, ":"); found {
		switch strings.ToLower(pfx) {
		case "forallvalues":
			q = QualifierForAllValues
		case "foranyvalue":
			q = QualifierForAnyValue
		default:
			return Operator{}, false
		}
		rest = after
	}
	lower := strings.ToLower(rest)
	ifExists := false
	if strings.HasSuffix(lower, "ifexists") {
		ifExists = true
		lower = strings.TrimSuffix(lower, "ifexists")
	}
	spec, found := operators[lower]
	if !found {
		return Operator{}, false
	}
	return Operator{Name: spec.name, Family: spec.family, Negated: spec.negated, Qualifier: q, IfExists: ifExists, spec: spec}, true
}

// parseOperator is ParseOperator for the engine: NullIfExists is no operator.
func parseOperator(name string) (Qualifier, operatorSpec, bool, bool) {
	op, ok := ParseOperator(name)
	if !ok || (op.IfExists && op.Family == FamilyNull) {
		return 0, operatorSpec{}, false, false
	}
	return op.Qualifier, op.spec, op.IfExists, true
}

// compileValue prepares one policy value for its operator; ok is false when the value cannot be a value of the
// operator (it then never matches).
func compileValue(spec operatorSpec, text string, vars bool) valueMatcher {
	v := valueMatcher{text: text, ok: true}
	switch spec.family {
	case FamilyString, FamilyStringIgnoreCase:
		v.tmpl = compileTemplate(text, vars)
	case FamilyStringLike:
		v.glob = compilePattern(text, vars)
	case FamilyARN:
		v.arn = compileARNCondPattern(text, vars)
	case FamilyNumeric:
		f, err := strconv.ParseFloat(text, 64)
		v.num, v.ok = f, err == nil
	case FamilyDate:
		v.when, v.ok = parseDate(text)
	case FamilyBool:
		v.ok = strings.EqualFold(text, "true") || strings.EqualFold(text, "false")
	case FamilyBinary:
		b, err := base64.StdEncoding.DecodeString(text)
		v.bytes, v.ok = b, err == nil
	case FamilyIP:
		v.ip, v.ok = parseCIDR(text)
	case FamilyNull:
		v.ok = strings.EqualFold(text, "true") || strings.EqualFold(text, "false")
	}
	return v
}

// compileTemplate compiles text in which only variables are special: '*' and '?' are literal.
func compileTemplate(text string, vars bool) pattern {
	if !vars || !strings.Contains(text, "${") {
		return pattern{raw: text, literal: true, lit: text}
	}
	// Protect '*' and '?' by writing them as the escapes ${*} and ${?}.
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '*':
			b.WriteString("${*}")
		case '?':
			b.WriteString("${?}")
		default:
			b.WriteByte(text[i])
		}
	}
	p := compilePattern(b.String(), true)
	p.raw = text
	return p
}

func parseCIDR(text string) (netip.Prefix, bool) {
	text = strings.TrimSpace(text)
	if strings.Contains(text, "/") {
		p, err := netip.ParsePrefix(text)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(text)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// dateLayouts are the ISO 8601 forms AWS accepts in Date conditions, most specific first.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z0700",
	"20060102T150405Z",
	"20060102",
}

// parseDate reads an ISO 8601 date or date-time, or a POSIX epoch time in seconds.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if isDigits(s) || (s[0] == '-' && isDigits(s[1:])) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Eval evaluates the condition against the request context, with AWS's rules for missing keys, set qualifiers,
// IfExists and negated operators.
func (c *Condition) Eval(ctx Context) bool {
	vals, present := ctx[c.key]
	if c.spec.family == FamilyNull {
		return c.evalNull(present && len(vals) > 0)
	}
	if !present || len(vals) == 0 {
		switch {
		case c.IfExists:
			return true
		case c.Qualifier == QualifierForAllValues:
			return true
		case c.Qualifier == QualifierForAnyValue:
			return false
		default:
			return c.spec.negated
		}
	}
	switch c.Qualifier {
	case QualifierForAllValues:
		for _, r := range vals {
			if c.matchesAny(r, ctx) == c.spec.negated {
				return false
			}
		}
		return true
	case QualifierForAnyValue:
		for _, r := range vals {
			if c.matchesAny(r, ctx) != c.spec.negated {
				return true
			}
		}
		return false
	default:
		any := false
		for _, r := range vals {
			if c.matchesAny(r, ctx) {
				any = true
				break
			}
		}
		return any != c.spec.negated
	}
}

// evalNull: "Null": {"key": "true"} holds when the key is absent; "false" when it is present. Values are ORed.
func (c *Condition) evalNull(present bool) bool {
	for i := range c.match {
		v := &c.match[i]
		if !v.ok {
			continue
		}
		if strings.EqualFold(v.text, "true") != present {
			return true
		}
	}
	return false
}

// matchesAny reports whether request value r matches any policy value under the positive form of the operator.
func (c *Condition) matchesAny(r string, ctx Context) bool {
	switch c.spec.family {
	case FamilyString:
		for i := range c.match {
			v := &c.match[i]
			if v.tmpl.literal {
				if r == v.tmpl.lit {
					return true
				}
			} else if v.tmpl.match(r, ctx) {
				return true
			}
		}
	case FamilyStringIgnoreCase:
		for i := range c.match {
			v := &c.match[i]
			if v.tmpl.literal {
				if strings.EqualFold(r, v.tmpl.lit) {
					return true
				}
			} else if s, ok := v.tmpl.resolve(ctx); ok && strings.EqualFold(r, s) {
				return true
			}
		}
	case FamilyStringLike:
		for i := range c.match {
			if c.match[i].glob.match(r, ctx) {
				return true
			}
		}
	case FamilyARN:
		for i := range c.match {
			if c.match[i].arn.match(r, ctx) {
				return true
			}
		}
	case FamilyNumeric:
		f, err := strconv.ParseFloat(r, 64)
		if err != nil {
			return false
		}
		for i := range c.match {
			v := &c.match[i]
			if v.ok && compareFloat(f, v.num, c.spec.cmp) {
				return true
			}
		}
	case FamilyDate:
		t, ok := parseDate(r)
		if !ok {
			return false
		}
		for i := range c.match {
			v := &c.match[i]
			if v.ok && compareTime(t, v.when, c.spec.cmp) {
				return true
			}
		}
	case FamilyBool:
		for i := range c.match {
			v := &c.match[i]
			if v.ok && strings.EqualFold(r, v.text) {
				return true
			}
		}
	case FamilyBinary:
		for i := range c.match {
			v := &c.match[i]
			if v.ok && (r == v.text || base64Equal(r, v.bytes)) {
				return true
			}
		}
	case FamilyIP:
		a, err := netip.ParseAddr(r)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for i := range c.match {
			v := &c.match[i]
			if v.ok && v.ip.Contains(a) {
				return true
			}
		}
	}
	return false
}

func base64Equal(r string, want []byte) bool {
	b, err := base64.StdEncoding.DecodeString(r)
	return err == nil && string(b) == string(want)
}

func compareFloat(a, b float64, c cmp) bool {
	switch c {
	case cmpLt:
		return a < b
	case cmpLe:
		return a <= b
	case cmpGt:
		return a > b
	case cmpGe:
		return a >= b
	default:
		return a == b
	}
}

func compareTime(a, b time.Time, c cmp) bool {
	switch c {
	case cmpLt:
		return a.Before(b)
	case cmpLe:
		return !a.After(b)
	case cmpGt:
		return a.After(b)
	case cmpGe:
		return !a.Before(b)
	default:
		return a.Equal(b)
	}
}

// ParseDate reads a value of a Date condition operator as the engine does: an ISO 8601 date or date-time, or POSIX
// epoch seconds; false when the text is none of these (the value then never matches).
func ParseDate(s string) (time.Time, bool) { return parseDate(s) }

// ParseCIDR reads a value of IpAddress or NotIpAddress as the engine does: a CIDR block or a single address,
// IPv4-mapped IPv6 blocks read as IPv4, masked to the prefix.
func ParseCIDR(s string) (netip.Prefix, bool) { return parseCIDR(s) }
