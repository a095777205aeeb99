package validate

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// family is the kind of values a condition operator compares.
type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

// operators are the condition operators, by lower-cased name.
var operators = func() map[string]struct {
	name string
	fam  family
} {
	m := map[string]struct {
		name string
		fam  family
	}{}
	for fam, names := range map[family][]string{
		famString:  {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"},
		famNumeric: {"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"},
		famDate:    {"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"},
		famBool:    {"Bool"},
		famBinary:  {"BinaryEquals"},
		famIP:      {"IpAddress", "NotIpAddress"},
		famARN:     {"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"},
		famNull:    {"Null"},
	} {
		for _, n := range names {
			m[strings.ToLower(n)] = struct {
				name string
				fam  family
			}{n, fam}
		}
	}
	return m
}()

// operator is a parsed condition operator.
type operator struct {
	name      string // base name in AWS's spelling
	fam       family
	qualifier string // "ForAllValues", "ForAnyValue" or ""
	ifExists  bool
}

func parseOperator(s string) (operator, bool) {
	var o operator
	rest := s
	if q, after, ok := strings.Cut(s, ":"); ok {
		switch strings.ToLower(q) {
		case "forallvalues":
			o.qualifier = "ForAllValues"
		case "foranyvalue":
			o.qualifier = "ForAnyValue"
		default:
			return o, false
		}
		rest = after
	}
	l := strings.ToLower(rest)
	if strings.HasSuffix(l, "ifexists") {
		o.ifExists = true
		l = strings.TrimSuffix(l, "ifexists")
	}
	spec, ok := operators[l]
	o.name, o.fam = spec.name, spec.fam
	return o, ok
}

func (v *validator) conditions(st *stmt, m *policy.JSONMember) {
	p := st.path.value("Condition")
	if m.Value.Kind != policy.JSONObject {
		v.typeMismatch(p, &m.Value, "Object")
		return
	}
	if len(m.Value.Members) == 0 {
		v.add(codeEmptyObjectCondition, "This condition block is empty and it does not affect the policy. Specify conditions.", v.at(p, &m.Value))
		return
	}
	for i := range m.Value.Members {
		om := &m.Value.Members[i]
		for j := range om.Value.Members {
			st.condKeys[strings.ToLower(om.Value.Members[j].Key)] = true
		}
	}
	for i := range m.Value.Members {
		v.operatorBlock(st, p, &m.Value.Members[i])
	}
	if st.condKeys["aws:vpcsourceip"] && !st.condKeys["aws:sourcevpc"] {
		v.add(codeMissingPairedConditionKeys, "Using the condition key aws:VpcSourceIp can be overly permissive without also using the following condition keys: aws:SourceVpc. Condition keys like this one are more secure when paired with a related key. We recommend that you add the related condition keys to the same condition block.",
			v.at(p, &m.Value))
	}
}

func (v *validator) operatorBlock(st *stmt, p path, om *policy.JSONMember) {
	op, ok := parseOperator(om.Key)
	opLoc := v.atKey(p, om)
	switch {
	case !ok && strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(om.Key), "forallvalues:"), "foranyvalue:"), "nullifexists"):
		v.add(codeNullWithIfExists, "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.", opLoc)
		return
	case !ok:
		v.add(codeInvalidConditionOperator, fmt.Sprintf("The condition operator %s is not valid. Use a valid condition operator.", om.Key), opLoc)
		return
	case op.fam == famNull && op.ifExists:
		v.add(codeNullWithIfExists, "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.", opLoc)
	case op.fam == famNull && op.qualifier != "":
		v.add(codeNullWithQualifier, "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because they always return a true or false respectively.", opLoc)
	}
	bp := p.value(om.Key)
	if om.Value.Kind != policy.JSONObject {
		v.typeMismatch(bp, &om.Value, "Object")
		return
	}
	if len(om.Value.Members) == 0 {
		v.add(codeEmptyObjectCondition, "This condition block is empty and it does not affect the policy. Specify conditions.", v.at(bp, &om.Value))
		return
	}
	seen := map[string]string{}
	for i := range om.Value.Members {
		km := &om.Value.Members[i]
		l := strings.ToLower(km.Key)
		if prev, dup := seen[l]; dup && prev != km.Key {
			v.add(codeDuplicateKeysWithDifferentCase, "The condition key "+km.Key+" appears more than once with different capitalization in the same condition block. Remove the duplicate condition keys.",
				v.atKey(bp, km))
		}
		seen[l] = km.Key
		v.conditionKey(st, op, bp, km)
	}
}

// conditionKey checks one condition key and its values under an operator.
func (v *validator) conditionKey(st *stmt, op operator, bp path, km *policy.JSONMember) {
	keyLoc := v.atKey(bp, km)
	key := km.Key
	ck := v.checkKeyName(key, keyLoc)
	if ck != nil {
		switch {
		case ck.Multivalued && op.qualifier == "" && op.fam != famNull:
			v.add(codeMissingQualifier, "The request context key "+key+" has multiple values. Use the ForAllValues or ForAnyValue condition key qualifiers in your policy.", keyLoc)
		case !ck.Multivalued && op.qualifier == "ForAllValues" && op.fam != famNull:
			v.add(codeForAllValuesWithSingleValuedKey, "Using ForAllValues qualifier with the single-valued condition key "+key+" can be overly permissive. We recommend that you remove ForAllValues:.", keyLoc)
		}
		if op.fam != famNull && !fits(op.fam, ck.Types) {
			v.add(codeTypeMismatch, fmt.Sprintf("Use the operator type %s instead of operator %s for the condition key %s.", ck.Types[0].Elem(), op.name, key), keyLoc)
		}
	}
	vp := bp.value(key)
	var vals []strVal
	switch km.Value.Kind {
	case policy.JSONString, policy.JSONNumber, policy.JSONBool:
		vals = []strVal{{s: km.Value.Text, node: &km.Value, path: vp}}
	case policy.JSONArray:
		if len(km.Value.Items) == 0 {
			v.emptyConditionArray(op, v.at(vp, &km.Value))
			return
		}
		for i := range km.Value.Items {
			it := &km.Value.Items[i]
			switch it.Kind {
			case policy.JSONString, policy.JSONNumber, policy.JSONBool:
				vals = append(vals, strVal{s: it.Text, node: it, path: vp.index(i)})
			default:
				v.typeMismatch(vp.index(i), it, "String")
			}
		}
	default:
		v.typeMismatch(vp, &km.Value, "String")
		return
	}
	if km.Value.Kind == policy.JSONArray && mixedKinds(vals) {
		v.add(codeInvalidConditionDataType, "The condition value data types do not match. Use condition values of the same JSON data type.", v.at(vp, &km.Value))
	}
	if op.fam == famBool && op.qualifier == "" && len(vals) > 1 {
		v.add(codeInvalidConditionMultipleBoolean, "The condition key "+key+" does not support multiple Boolean values. Use a single Boolean value.", v.at(vp, &km.Value))
	}
	for i := range vals {
		v.conditionValue(op, key, &vals[i])
	}
	v.ipValues(op, key, vals, v.at(vp, &km.Value))
	v.redundantNumbers(op, key, vals, v.at(vp, &km.Value))
}

// mixedKinds reports whether the values are not all of one JSON type.
func mixedKinds(vals []strVal) bool {
	for _, r := range vals[1:] {
		if r.node.Kind != vals[0].node.Kind {
			return true
		}
	}
	return false
}

// servicePrincipalKeys are the condition keys whose values are service principals (service-name.amazonaws.com).
var servicePrincipalKeys = map[string]bool{"aws:principalservicename": true, "iam:passedtoservice": true, "iam:awsservicename": true}

// servicePrincipalRE is the form of a service principal: a DNS name under amazonaws.com (or amazonaws.com.cn).
var servicePrincipalRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$`)

// nonServicePrefixes are condition key prefixes that name no service but are keys AWS defines (SAML federation).
var nonServicePrefixes = map[string]bool{"saml": true}

// checkKeyName checks a condition key's name and returns what the catalog knows of it (nil if nothing).
func (v *validator) checkKeyName(key string, loc Location) *catalog.ConditionKey {
	prefix, rest, ok := strings.Cut(key, ":")
	if !ok || prefix == "" || rest == "" {
		v.add(codeInvalidConditionKeyFormat, "The condition key format is not valid. Use the format service:keyname.", loc)
		return nil
	}
	lk := strings.ToLower(key)
	if lk == "aws:arn" {
		v.add(codeUnsupportedGlobalConditionKey, "The condition key aws:ARN is not supported. Use aws:PrincipalArn or aws:SourceArn instead.", loc)
		return nil
	}
	for _, tag := range []string{"aws:resourcetag", "aws:requesttag", "aws:principaltag"} {
		if lk == tag || lk == tag+"/" {
			v.add(codeMissingTagKeyInCondition, "The condition key "+key+" must include a tag key to control access based on tags. Use the format "+strings.TrimSuffix(key, "/")+"/tag-key and specify a key name for tag-key.", loc)
			return nil
		}
	}
	if v.cat == nil || strings.Contains(key, "${") {
		return nil
	}
	ck, found := v.cat.ConditionKey(key)
	if found {
		return ck
	}
	if strings.EqualFold(prefix, "aws") {
		v.add(codeInvalidGlobalConditionKey, "The condition key "+key+" does not exist. Use a valid condition key.", loc)
		return nil
	}
	if _, known := v.cat.Service(prefix); known {
		v.add(codeInvalidServiceConditionKey, "The condition key "+key+" does not exist in the service "+strings.ToLower(prefix)+". Use a valid condition key.", loc)
	} else if !strings.Contains(prefix, ".") && !nonServicePrefixes[strings.ToLower(prefix)] {
		// Keys of identity providers are named after the provider's host (accounts.google.com:aud); a prefix
		// without a dot that is no service's is a mistyped service.
		v.add(codeInvalidService, "The service "+prefix+" does not exist. Use a valid service name.", loc)
	}
	return nil
}

// fits reports whether an operator family suits a key of one of the types.
func fits(f family, types []catalog.KeyType) bool {
	if len(types) == 0 || f == famBinary {
		return true
	}
	for _, t := range types {
		switch e := t.Elem(); f {
		case famString:
			if e == catalog.TypeString || e == catalog.TypeARN {
				return true
			}
		case famARN:
			if e == catalog.TypeARN || e == catalog.TypeString {
				return true
			}
		case famNumeric:
			if e == catalog.TypeNumeric {
				return true
			}
		case famDate:
			if e == catalog.TypeDate {
				return true
			}
		case famBool:
			if e == catalog.TypeBool {
				return true
			}
		case famIP:
			if e == catalog.TypeIPAddress {
				return true
			}
		}
	}
	return false
}

func (v *validator) emptyConditionArray(op operator, loc Location) {
	switch {
	case op.qualifier == "ForAllValues":
		v.add(codeEmptyArrayConditionForAllValues, "The ForAllValues prefix with an empty condition key matches only if the key is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.", loc)
	case op.qualifier == "ForAnyValue":
		v.add(codeEmptyArrayConditionForAnyValue, "The ForAnyValue prefix with an empty condition key never matches the request context and it does not affect the policy. Specify conditions.", loc)
	case op.ifExists:
		v.add(codeEmptyArrayConditionIfExists, "The IfExists suffix with an empty condition key matches only if the key is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.", loc)
	default:
		v.add(codeEmptyArrayCondition, "There are no values for the condition key and it does not affect the policy. Specify conditions.", loc)
	}
}

// conditionValue checks one value against its operator.
func (v *validator) conditionValue(op operator, key string, r *strVal) {
	loc := v.at(r.path, r.node)
	s := r.s
	if r.node.Kind == policy.JSONString && strings.Contains(s, "${") {
		if op.fam != famString && op.fam != famARN {
			v.add(codeInvalidVariableForOperator, "Policy variables can only be used with String and ARN operators.", loc)
			return
		}
		v.variables(r)
		return
	}
	switch op.fam {
	case famBool, famNull:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			v.add(codeTypeMismatchBoolean, "Add a valid Boolean value (true or false) for the condition operator "+op.name+".", loc)
		}
	case famNumeric:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			v.add(codeTypeMismatchNumber, "Add a valid numeric value for the condition operator "+op.name+".", loc)
		}
	case famDate:
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			v.add(codeInvalidDateValue, "The date "+s+" might not resolve as expected. We recommend that you use the YYYY-MM-DD format.", loc)
		} else if _, ok := policy.ParseDate(s); !ok {
			v.add(codeTypeMismatchDate, "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format.", loc)
		}
	case famIP:
		if _, ok := policy.ParseCIDR(s); !ok {
			v.add(codeTypeMismatchIPRange, "The condition operator "+op.name+" is used with an invalid IP range value. Specify the IP range in standard CIDR format.", loc)
		} else if fixed, ok := hostBits(s); ok {
			v.add(codeImproveIPRange, "The non-zero bits in the IP address after the masked bits are ignored. Replace address "+s+" with "+fixed+".", loc)
		}
	case famBinary:
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			v.add(codeTypeMismatchString, "Add a valid base64-encoded string value for the condition operator "+op.name+".", loc)
		}
	case famString, famARN:
		if servicePrincipalKeys[strings.ToLower(key)] && !strings.ContainsAny(s, "*?") && !servicePrincipalRE.MatchString(s) {
			v.add(codeInvalidServicePrincipalFormat, "The service principal "+s+" does not match the expected format. Use the format service-name.amazonaws.com.", loc)
		}
		like := strings.HasSuffix(op.name, "Like")
		if !like && strings.ContainsAny(s, "*?") && r.node.Kind == policy.JSONString {
			v.add(codeWildcardWithoutLikeOperator, "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator to include Like.", loc)
		}
	}
}

// hostBits returns the CIDR block without the bits after the mask, when s has some set.
func hostBits(s string) (string, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return "", false
	}
	if m := p.Masked(); m != p {
		return m.String(), true
	}
	return "", false
}

// ipValues checks the IP ranges of aws:SourceIp: AWS sees only public addresses there.
func (v *validator) ipValues(op operator, key string, vals []strVal, loc Location) {
	if op.fam != famIP || !strings.EqualFold(key, "aws:SourceIp") {
		return
	}
	private, public := 0, 0
	for _, r := range vals {
		p, ok := policy.ParseCIDR(r.s)
		if !ok {
			return
		}
		if isPrivate(p) {
			private++
		} else {
			public++
		}
	}
	not := op.name == "NotIpAddress"
	switch {
	case private > 0 && public == 0 && !not:
		v.add(codePrivateIPAddress, "aws:SourceIp works only for public IP address ranges. The values for condition key aws:SourceIp include only private IP addresses and will not have the desired effect. Update the value to include only public IP addresses.", loc)
	case private > 0 && public == 0:
		v.add(codePrivateNotIPAddress, "The values for condition key aws:SourceIp include only private IP addresses and has no effect. aws:SourceIp works only for public IP address ranges. Update the value to include only public IP addresses.", loc)
	case private > 0 && !not:
		v.add(codePrivateIPAddressSubset, "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses will not have the desired effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.", loc)
	case private > 0:
		v.add(codePrivateNotIPAddressSubset, "The values for condition key aws:SourceIp include a mix of private and public IP addresses. The private addresses have no effect. aws:SourceIp works only for public IP address ranges. To define permissions for private IP ranges, use aws:VpcSourceIp.", loc)
	}
}

// isPrivate reports whether the whole range is private address space (RFC 1918, RFC 4193, loopback, link-local).
func isPrivate(p netip.Prefix) bool {
	a := p.Masked().Addr()
	if !a.IsPrivate() && !a.IsLoopback() && !a.IsLinkLocalUnicast() {
		return false
	}
	for _, b := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "fc00::/7", "::1/128", "fe80::/10"} {
		if q := netip.MustParsePrefix(b); q.Contains(a) && p.Bits() >= q.Bits() {
			return true
		}
	}
	return false
}

// redundantNumbers reports a numeric bound given more than once: only the greatest (or least) counts.
func (v *validator) redundantNumbers(op operator, key string, vals []strVal, loc Location) {
	switch op.name {
	case "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
	default:
		return
	}
	if len(vals) < 2 || op.qualifier != "" {
		return
	}
	for _, r := range vals {
		if _, err := strconv.ParseFloat(r.s, 64); err != nil {
			return
		}
	}
	which := "greatest"
	if strings.Contains(op.name, "Greater") {
		which = "least"
	}
	v.add(codeRedundantConditionValueNum, fmt.Sprintf("Multiple values in %s are redundant. Replace with the %s single value for %s.", op.name, which, key), loc)
}
