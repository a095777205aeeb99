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

// The operator is read by policy.ParseOperator, the engine's own table of AWS's condition operators; a name it
// does not know is INVALID_CONDITION_OPERATOR (NullIfExists aside: NULL_WITH_IF_EXISTS).

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
	if st.ddbAttributes != nil && !st.ddbSelectSpecific && st.effect == "Allow" {
		v.add(codeDynamoDBAttributesWithoutSelect, "Restricting dynamodb:Attributes without also setting dynamodb:Select to SPECIFIC_ATTRIBUTES allows all attributes to be returned on read requests that omit a projection expression. We recommend that you also set dynamodb:Select to SPECIFIC_ATTRIBUTES.",
			*st.ddbAttributes)
	}
	if st.condKeys["aws:vpcsourceip"] && !st.condKeys["aws:sourcevpc"] {
		v.add(codeMissingPairedConditionKeys, "Using the condition key aws:VpcSourceIp can be overly permissive without also using the following condition keys: aws:SourceVpc. Condition keys like this one are more secure when paired with a related key. We recommend that you add the related condition keys to the same condition block.",
			v.at(p, &m.Value))
	}
}

func (v *validator) operatorBlock(st *stmt, p path, om *policy.JSONMember) {
	op, ok := policy.ParseOperator(om.Key)
	opLoc := v.atKey(p, om)
	switch {
	case !ok:
		v.add(codeInvalidConditionOperator, fmt.Sprintf("The condition operator %s is not valid. Use a valid condition operator.", om.Key), opLoc)
		return
	case op.Family == policy.FamilyNull && op.IfExists:
		v.add(codeNullWithIfExists, "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.", opLoc)
	case op.Family == policy.FamilyNull && op.Qualifier != policy.QualifierNone:
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
func (v *validator) conditionKey(st *stmt, op policy.Operator, bp path, km *policy.JSONMember) {
	keyLoc := v.atKey(bp, km)
	key := km.Key
	ck := v.checkKeyName(key, keyLoc)
	if ck != nil {
		switch {
		case ck.Multivalued && op.Qualifier == policy.QualifierNone && op.Family != policy.FamilyNull:
			v.add(codeMissingQualifier, "The request context key "+key+" has multiple values. Use the ForAllValues or ForAnyValue condition key qualifiers in your policy.", keyLoc)
		case !ck.Multivalued && op.Qualifier == policy.QualifierForAllValues && op.Family != policy.FamilyNull:
			v.add(codeForAllValuesWithSingleValuedKey, "Using ForAllValues qualifier with the single-valued condition key "+key+" can be overly permissive. We recommend that you remove ForAllValues:.", keyLoc)
		}
		if op.Family != policy.FamilyNull && !fits(op.Family, ck.Types) {
			v.add(codeTypeMismatch, fmt.Sprintf("Use the operator type %s instead of operator %s for the condition key %s.", ck.Types[0].Elem(), op.Name, key), keyLoc)
		} else if op.Family == policy.FamilyStringLike && len(ck.Types) > 0 && ck.Types[0].Elem() == catalog.TypeARN {
			v.add(codeStringLikeOperatorWithARNKeys, fmt.Sprintf("Use the operator type %s instead of operator %s for the condition key %s.", catalog.TypeARN, op.Name, key), keyLoc)
		}
	}
	v.keyInContext(st, op, key, keyLoc)
	vp := bp.value(key)
	var vals []strVal
	switch km.Value.Kind {
	case policy.JSONString, policy.JSONNumber, policy.JSONBool:
		vals = []strVal{{s: km.Value.Text, node: &km.Value, path: vp}}
	case policy.JSONArray:
		if len(km.Value.Items) == 0 {
			v.emptyConditionArray(op, key, v.at(vp, &km.Value))
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
	if op.Family == policy.FamilyBool && op.Qualifier == policy.QualifierNone && len(vals) > 1 {
		v.add(codeInvalidConditionMultipleBoolean, "The condition key does not support multiple Boolean values. Use a single Boolean value.", v.at(vp, &km.Value))
	}
	for i := range vals {
		v.conditionValue(op, key, &vals[i])
	}
	v.keyValuesInContext(st, op, key, vals)
	v.patternsOfIdentifiers(op, key, ck, vals)
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

// vpcIDRE and vpceIDRE are the forms of aws:SourceVpc and aws:SourceVpce values: the prefix and 8 or 17
// alphanumeric characters (the reference's INVALID_VPC_FORMAT and INVALID_VPCE_FORMAT).
var (
	vpcIDRE  = regexp.MustCompile(`^vpc-([A-Za-z0-9]{8}|[A-Za-z0-9]{17})$`)
	vpceIDRE = regexp.MustCompile(`^vpce-([A-Za-z0-9]{8}|[A-Za-z0-9]{17})$`)
)

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
func fits(f policy.OperatorFamily, types []catalog.KeyType) bool {
	if len(types) == 0 || f == policy.FamilyBinary {
		return true
	}
	for _, t := range types {
		switch e := t.Elem(); f {
		case policy.FamilyString, policy.FamilyStringIgnoreCase, policy.FamilyStringLike:
			if e == catalog.TypeString || e == catalog.TypeARN {
				return true
			}
		case policy.FamilyARN:
			if e == catalog.TypeARN || e == catalog.TypeString {
				return true
			}
		case policy.FamilyNumeric:
			if e == catalog.TypeNumeric {
				return true
			}
		case policy.FamilyDate:
			if e == catalog.TypeDate {
				return true
			}
		case policy.FamilyBool:
			if e == catalog.TypeBool {
				return true
			}
		case policy.FamilyIP:
			if e == catalog.TypeIPAddress {
				return true
			}
		}
	}
	return false
}

func (v *validator) emptyConditionArray(op policy.Operator, key string, loc Location) {
	switch {
	case op.Qualifier == policy.QualifierForAllValues:
		v.add(codeEmptyArrayConditionForAllValues, "The ForAllValues prefix with an empty condition key matches only if the key "+key+" is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.", loc)
	case op.Qualifier == policy.QualifierForAnyValue:
		v.add(codeEmptyArrayConditionForAnyValue, "The ForAnyValue prefix with an empty condition key "+key+" never matches the request context and it does not affect the policy. Specify conditions.", loc)
	case op.IfExists:
		v.add(codeEmptyArrayConditionIfExists, "The IfExists suffix with an empty condition key matches only if the key "+key+" is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.", loc)
	default:
		v.add(codeEmptyArrayCondition, "There are no values for the condition key "+key+" and it does not affect the policy. Specify conditions.", loc)
	}
}

// conditionValue checks one value against its operator.
func (v *validator) conditionValue(op policy.Operator, key string, r *strVal) {
	loc := v.at(r.path, r.node)
	s := r.s
	if r.node.Kind == policy.JSONString && strings.Contains(s, "${") {
		if !op.Family.Strings() && op.Family != policy.FamilyARN {
			v.add(codeInvalidVariableForOperator, "Policy variables can only be used with String and ARN operators.", loc)
			return
		}
		v.variables(r)
		return
	}
	switch op.Family {
	case policy.FamilyBool, policy.FamilyNull:
		if !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
			v.add(codeTypeMismatchBoolean, "Add a valid Boolean value (true or false) for the condition operator "+op.Name+".", loc)
		}
	case policy.FamilyNumeric:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			v.add(codeTypeMismatchNumber, "Add a valid numeric value for the condition operator "+op.Name+".", loc)
		}
	case policy.FamilyDate:
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			v.add(codeInvalidDateValue, "The date "+s+" might not resolve as expected. We recommend that you use the YYYY-MM-DD format.", loc)
		} else if _, ok := policy.ParseDate(s); !ok {
			v.add(codeTypeMismatchDate, "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format.", loc)
		}
	case policy.FamilyIP:
		if _, ok := policy.ParseCIDR(s); !ok {
			v.add(codeTypeMismatchIPRange, "The condition operator "+op.Name+" is used with an invalid IP range value. Specify the IP range in standard CIDR format.", loc)
		} else if fixed, ok := hostBits(s); ok {
			v.add(codeImproveIPRange, "The non-zero bits in the IP address after the masked bits are ignored. Replace address with "+fixed+".", loc)
		}
	case policy.FamilyBinary:
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			v.add(codeTypeMismatchString, "Add a valid base64-encoded string value for the condition operator "+op.Name+".", loc)
		}
	case policy.FamilyString, policy.FamilyStringIgnoreCase, policy.FamilyStringLike, policy.FamilyARN:
		switch lk := strings.ToLower(key); {
		case strings.ContainsAny(s, "*?"):
		case lk == "aws:sourcevpc" && !vpcIDRE.MatchString(s):
			v.add(codeInvalidVPCFormat, "The VPC identifier in the condition key value is not valid. Use the prefix 'vpc-' followed by 8 or 17 alphanumeric characters.", loc)
		case lk == "aws:sourcevpce" && !vpceIDRE.MatchString(s):
			v.add(codeInvalidVPCEFormat, "The VPCE identifier in the condition key value is not valid.  Use the prefix 'vpce-' followed by 8 or 17 alphanumeric characters.", loc)
		}
		if servicePrincipalKeys[strings.ToLower(key)] && !strings.ContainsAny(s, "*?") && !servicePrincipalRE.MatchString(s) {
			v.add(codeInvalidServicePrincipalFormat, "The service principal does not match the expected format. Use the format service-name.amazonaws.com.", loc)
		}
		like := strings.HasSuffix(op.Name, "Like")
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
func (v *validator) ipValues(op policy.Operator, key string, vals []strVal, loc Location) {
	if op.Family != policy.FamilyIP || !strings.EqualFold(key, "aws:SourceIp") {
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
	not := op.Negated
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
func (v *validator) redundantNumbers(op policy.Operator, key string, vals []strVal, loc Location) {
	switch op.Name {
	case "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
	default:
		return
	}
	if len(vals) < 2 || op.Qualifier != policy.QualifierNone {
		return
	}
	for _, r := range vals {
		if _, err := strconv.ParseFloat(r.s, 64); err != nil {
			return
		}
	}
	which := "greatest"
	if strings.Contains(op.Name, "Greater") {
		which = "least"
	}
	v.add(codeRedundantConditionValueNum, fmt.Sprintf("Multiple values in %s are redundant. Replace with the %s single value for %s.", op.Name, which, key), loc)
}

// keyInContext makes the checks of a condition key that depend on the statement or the policy's use.
func (v *validator) keyInContext(st *stmt, op policy.Operator, key string, keyLoc Location) {
	switch lk := strings.ToLower(key); {
	case lk == "s3:prefix" && op.Family.Strings() && st.effect != "" && (st.effect == "Deny") != op.Negated:
		// A Deny with StringLike, or an Allow with StringNotLike, is bypassed by a shorter prefix.
		v.add(codeS3PrefixInNegativeContext, "Using the s3:prefix condition key in a Deny statement or with a negated string operator does not block listing the objects under the matching prefixes. A request that specifies a shorter prefix does not match the condition and can still list those objects. To restrict listing to specific prefixes, use s3:prefix with StringLike in an Allow statement, or use a Deny statement with StringNotLike.", keyLoc)
	case lk == "dynamodb:attributes" && st.ddbAttributes == nil:
		st.ddbAttributes = &keyLoc
	case lk == "s3:resourceaccount" && (v.opts.ResourceType == ResourceS3Bucket || v.opts.ResourceType == ResourceS3AccessPoint):
		// The reference's example of a key that does not apply to a resource policy of the type.
		v.add(codeIrrelevantConditionKeyInPolicy, "The condition key "+key+" is not relevant for the "+v.opts.ResourceType+" policy.  Use this key in an identity-based policy to govern access to this resource.", keyLoc)
	}
}

// keyValuesInContext makes the checks of a condition key's values that depend on the statement.
func (v *validator) keyValuesInContext(st *stmt, op policy.Operator, key string, vals []strVal) {
	lk := strings.ToLower(key)
	switch {
	case lk == "dynamodb:select" && op.Name == "StringEquals":
		for _, r := range vals {
			if r.s == "SPECIFIC_ATTRIBUTES" {
				st.ddbSelectSpecific = true
			}
		}
	case strings.HasPrefix(lk, githubHost) && strings.HasSuffix(lk, ":sub") && op.Family.Strings() && !op.Negated:
		// A wildcard in the subject lets more repositories or branches assume the role, unless the branch is
		// pinned by the :ref key beside it.
		if st.condKeys[strings.TrimSuffix(lk, ":sub")+":ref"] {
			return
		}
		for _, r := range vals {
			if strings.Contains(r.s, "*") {
				v.add(codeSpecificGithubRepoAndBranch, "Using a wildcard (*) in token.actions.githubusercontent.com:sub can allow requests from more sources than you intended. Specify the value of token.actions.githubusercontent.com:sub with the repository and branch name. If the subject claim does not include the branch, specify it in a token.actions.githubusercontent.com:ref condition key.",
					v.at(r.path, r.node))
			}
		}
	}
}

// patternsOfIdentifiers reports wildcards and policy variables that make a Like operator's value of an identifier
// key too broad: any in a key the service data marks sensitive, and for aws:userid any left of the colon that is
// not the whole left part (AWSACCOUNTID:* and *:* are fine, * alone is not).
func (v *validator) patternsOfIdentifiers(op policy.Operator, key string, ck *catalog.ConditionKey, vals []strVal) {
	if !strings.HasSuffix(op.Name, "Like") {
		return // other operators take '*', '?' and variables' values literally
	}
	userID := strings.EqualFold(key, "aws:userid")
	if (ck == nil || !ck.Sensitive) && !userID {
		return
	}
	for _, r := range vals {
		variable := strings.Contains(r.s, "${")
		if !variable && !strings.ContainsAny(r.s, "*?") {
			continue
		}
		loc := v.at(r.path, r.node)
		switch {
		case !userID && variable:
			v.add(codeVariableUsageTooPermissive, "The policy variable is not allowed in the condition key "+key+". We consider the key to be sensitive and policy variables can be evaluated as effective wildcards. Therefore policy variables are not allowed to be used with sensitive keys. Refer to https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html for the list of sensitive keys.", loc)
		case !userID:
			v.add(codeWildcardUsageTooPermissive, "The wildcard is not allowed in the condition key "+key+". We consider the key to be sensitive and wildcards are not allowed to be used with sensitive keys. Refer to https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html for the list of sensitive keys.", loc)
		case userIDLeftIsBroad(r.s, variable) && variable:
			v.add(codeVariableUsageTooPermissive, "Overly permissive use of policy variable with aws:userID. Use the policy variable on the right side of colon or as the only character on the left side of a colon.", loc)
		case userIDLeftIsBroad(r.s, variable):
			v.add(codeWildcardUsageTooPermissive, "Overly permissive use of wildcard with aws:userID. Use the wildcard on the right side of colon or as the only character on the left side of a colon.", loc)
		}
	}
}

// userIDLeftIsBroad reports whether a pattern of aws:userid (UNIQUE-ID:SESSION for roles) has a wildcard, or a
// variable, in its part before the first colon that is not that whole part.
func userIDLeftIsBroad(s string, variable bool) bool {
	left, _, found := strings.Cut(s, ":")
	if !found {
		return true
	}
	if variable {
		whole := strings.HasPrefix(left, "${") && strings.IndexByte(left, '}') == len(left)-1
		return strings.Contains(left, "${") && !whole
	}
	return strings.ContainsAny(left, "*?") && left != "*"
}
