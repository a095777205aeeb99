package validate

import (
	"regexp"
	"slices"
	"strings"

	"github.com/iamd-dev/iamd/policy"
)

// githubHost is GitHub's OIDC provider (token.actions.githubusercontent.com), in lower case.
const githubHost = "token.actions.githubusercontent.com"

// The forms of federated principals: an IAM SAML provider ARN, an IAM OIDC provider ARN (the provider's host and
// path after oidc-provider/), or a provider's domain name (cognito-identity.amazonaws.com, accounts.google.com).
var (
	samlProviderRE = regexp.MustCompile(`^arn:[a-z-]+:iam::[0-9]{12}:saml-provider/[A-Za-z0-9_+=,.@-]+$`)
	oidcProviderRE = regexp.MustCompile(`^arn:[a-z-]+:iam::[0-9]{12}:oidc-provider/([A-Za-z0-9._~:/@-]+)$`)
	domainNameRE   = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

// The actions that assume a role, in lower case.
const (
	stsAssumeRole          = "sts:assumerole"
	stsAssumeRoleWithSAML  = "sts:assumerolewithsaml"
	stsAssumeRoleWithWebID = "sts:assumerolewithwebidentity"
)

// assumesRole reports whether the statement's Action names or matches (sts:AssumeRole*, sts:*) an action that
// assumes a role: what makes a resource policy given without validatePolicyResourceType a role trust policy for the
// checks of trust policies (AWS's example of MISMATCHED_ACTION_FOR_PRINCIPAL is such a policy).
func (st *stmt) assumesRole() bool {
	if st.notAction {
		return false
	}
	for _, a := range st.actions {
		l := strings.ToLower(a.s)
		if !strings.HasPrefix(l, "sts:") {
			continue // "*" alone is every action, not a sign of a trust policy
		}
		for _, act := range []string{stsAssumeRole, stsAssumeRoleWithSAML, stsAssumeRoleWithWebID} {
			if glob(l, act) {
				return true
			}
		}
	}
	return false
}

// trust makes the checks of role trust policies, and of federated principals in other resource policies.
func (v *validator) trust(st *stmt) {
	if v.opts.PolicyType != ResourcePolicy {
		return
	}
	switch rt := v.opts.ResourceType; {
	case rt != "" && rt != ResourceRoleTrustPolicy:
		for _, p := range st.principals {
			if p.typ == "Federated" {
				v.add(codeFederatedPrincipalNotSupported, "The policy type does not support a federated identity provider in the principal element. Use a supported principal.", v.at(p.path, p.node))
			}
		}
		return
	case rt == ResourceRoleTrustPolicy:
		v.trustSyntax(st)
	case !st.assumesRole():
		return
	}
	v.federatedPrincipals(st)
	v.mismatchedActions(st)
	v.rolesAnywhere(st)
	v.redundantAssumedRoles(st)
}

// trustSyntax checks the elements a role trust policy may not have.
func (v *validator) trustSyntax(st *stmt) {
	if m := st.elems["NotPrincipal"]; m != nil {
		v.add(codeRoleTrustSyntaxErrorNotPrincipal, "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.", v.atKey(st.path, m))
	}
	for _, k := range []string{"Resource", "NotResource"} {
		if m := st.elems[k]; m != nil {
			v.add(codeRoleTrustSyntaxErrorResource, "Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element.", v.atKey(st.path, m))
		}
	}
	for _, p := range st.principals {
		if p.typ == "*" {
			v.add(codeRoleTrustUnsupportedWildcardPrincipal, `"Principal:" "*" is not supported in the principal element of a role trust policy. Replace the wildcard with a valid principal value.`, v.at(p.path, p.node))
		}
	}
}

// federatedKind classifies a Federated value: "saml", "oidc" (with the provider's condition key prefix), or ""
// for a value of neither form. Values with wildcards or variables are reported elsewhere ("skip").
func federatedKind(s string) (kind, keyPrefix string) {
	switch {
	case strings.ContainsAny(s, "*?") || strings.Contains(s, "${"):
		return "skip", ""
	case samlProviderRE.MatchString(s):
		return "saml", ""
	case oidcProviderRE.MatchString(s):
		return "oidc", strings.ToLower(oidcProviderRE.FindStringSubmatch(s)[1])
	case domainNameRE.MatchString(s):
		return "oidc", strings.ToLower(s)
	}
	return "", ""
}

// federatedPrincipals checks the form of each Federated value and, in Allow statements, that an OIDC provider is
// narrowed by a condition on its own keys (GitHub's by token.actions.githubusercontent.com:sub).
func (v *validator) federatedPrincipals(st *stmt) {
	for _, p := range st.principals {
		if p.typ != "Federated" {
			continue
		}
		loc := v.at(p.path, p.node)
		kind, prefix := federatedKind(p.s)
		switch {
		case kind == "":
			v.add(codeInvalidFederatedPrincipalSyntax, "The principal value specifies a federated principal that does not match the expected format. Update the federated principal to a domain name or a SAML metadata ARN.", loc)
		case kind != "oidc" || st.effect != "Allow" || st.principalElem.Key != "Principal":
		case prefix == githubHost || strings.HasPrefix(prefix, githubHost+"/"):
			if !st.condKeys[prefix+":sub"] {
				v.add(codeMissingGithubRepoConditionKey, "Granting a federated GitHub principal permissions without a condition key can allow more sources to assume the role than you intended. Add the token.actions.githubusercontent.com:sub condition key and specify the branch and repository name in the value.", loc)
			}
		default:
			found := false
			for k := range st.condKeys {
				if strings.HasPrefix(k, prefix+":") {
					found = true
					break
				}
			}
			if !found {
				v.add(codeMissingConditionKeyForOIDCPrincipal, "Using an Open ID Connect principal without a condition can be overly permissive. Add condition keys with a prefix that matches your federated OIDC principals to ensure that only the intended identity provider assumes the role.", loc)
			}
		}
	}
}

// mismatchedActions reports each action that assumes a role with principals it cannot be used with:
// sts:AssumeRole with federated principals, sts:AssumeRoleWithSAML with anything but a SAML provider,
// sts:AssumeRoleWithWebIdentity with anything but an OIDC provider.
func (v *validator) mismatchedActions(st *stmt) {
	if st.notAction || st.principalElem == nil || st.principalElem.Key != "Principal" {
		return
	}
	for _, a := range st.actions {
		act := strings.ToLower(a.s)
		var bad []principalVal
		for _, p := range st.principals {
			if p.typ == "*" || strings.ContainsAny(p.s, "*?") {
				continue
			}
			kind := ""
			if p.typ == "Federated" {
				kind, _ = federatedKind(p.s)
			}
			switch act {
			case stsAssumeRole:
				if p.typ == "Federated" {
					bad = append(bad, p)
				}
			case stsAssumeRoleWithSAML:
				if kind != "saml" && kind != "skip" {
					bad = append(bad, p)
				}
			case stsAssumeRoleWithWebID:
				if kind != "oidc" && kind != "skip" {
					bad = append(bad, p)
				}
			}
		}
		if len(bad) == 0 {
			continue
		}
		names := make([]string, len(bad))
		locs := []Location{v.at(a.path, a.node)}
		for i, p := range bad {
			names[i] = p.s
			locs = append(locs, v.at(p.path, p.node))
		}
		v.add(codeMismatchedActionForPrincipal, "The "+a.s+" action is invalid with the following principal(s): "+strings.Join(names, ", ")+". Use a SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.", locs...)
	}
}

// rolesAnywhere reports an Allow statement that trusts IAM Roles Anywhere without the three actions it needs.
func (v *validator) rolesAnywhere(st *stmt) {
	if st.effect != "Allow" || st.notAction || st.actionElem == nil {
		return
	}
	var svc *principalVal
	for i, p := range st.principals {
		if p.typ == "Service" && strings.EqualFold(p.s, "rolesanywhere.amazonaws.com") {
			svc = &st.principals[i]
		}
	}
	if svc == nil {
		return
	}
	for _, need := range []string{"sts:assumerole", "sts:setsourceidentity", "sts:tagsession"} {
		found := false
		for _, a := range st.actions {
			if glob(strings.ToLower(a.s), need) {
				found = true
				break
			}
		}
		if !found {
			v.add(codeMissingActionForRolesAnywhere, "The rolesanywhere.amazonaws.com service principal requires the sts:AssumeRole, sts:SetSourceIdentity, and sts:TagSession permissions to assume a role. Add the missing permissions to the policy.",
				v.at(st.path.value("Action"), &st.actionElem.Value), v.at(svc.path, svc.node))
			return
		}
	}
}

// roleARNRE and assumedRoleARNRE read a role ARN (partition, account, name after the path) and an assumed-role
// session ARN (partition, account, role name).
var (
	roleARNRE        = regexp.MustCompile(`^arn:([a-z-]+):iam::([0-9]{12}):role/(?:.*/)?([^/]+)$`)
	assumedRoleARNRE = regexp.MustCompile(`^arn:([a-z-]+):sts::([0-9]{12}):assumed-role/([^/]+)/[^/]+$`)
)

// redundantAssumedRoles reports an assumed-role principal whose role is a principal of the same statement.
func (v *validator) redundantAssumedRoles(st *stmt) {
	roles := map[string]string{}
	for _, p := range st.principals {
		if m := roleARNRE.FindStringSubmatch(p.s); p.typ == "AWS" && m != nil {
			roles[m[1]+":"+m[2]+":"+m[3]] = p.s
		}
	}
	for _, p := range st.principals {
		m := assumedRoleARNRE.FindStringSubmatch(p.s)
		if p.typ != "AWS" || m == nil {
			continue
		}
		if role, ok := roles[m[1]+":"+m[2]+":"+m[3]]; ok {
			v.add(codeRedundantPrincipalInRoleTrustPolicy, "The assumed-role principal "+p.s+" is redundant with its parent role "+role+". Remove the assumed-role principal.", v.at(p.path, p.node))
		}
	}
}

// sourceKeys are the condition keys that name the source of a service's request on your behalf.
var sourceKeys = []string{"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}

// servicePrincipalSource reports an Allow statement of a resource policy that grants a service principal access
// without aws:SourceArn, aws:SourceAccount, aws:SourceOrgID or aws:SourceOrgPaths (the confused deputy problem).
// Role trust policies, where a service assumes the role itself, are not resource policies in this sense.
func (v *validator) servicePrincipalSource(st *stmt) {
	if v.opts.PolicyType != ResourcePolicy || v.opts.ResourceType == ResourceRoleTrustPolicy || st.effect != "Allow" ||
		st.principalElem == nil || st.principalElem.Key != "Principal" || (v.opts.ResourceType == "" && st.assumesRole()) {
		return
	}
	for _, k := range sourceKeys {
		if st.condKeys[k] {
			return
		}
	}
	var locs []Location
	for _, p := range st.principals {
		if p.typ == "Service" && !wild(p.s) {
			locs = append(locs, v.at(p.path, p.node))
		}
	}
	if len(locs) > 0 {
		v.add(codeRestrictAccessToServicePrincipal, "Granting access to a service principal without specifying a source is overly permissive. Use aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths condition key to grant fine-grained access.", locs...)
	}
}

// rcpServices are the service prefixes whose actions RCPs apply to (Organizations User Guide, "List of AWS
// services that support RCPs").
var rcpServices = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields(`appstream dsql clouddirectory cloudfront cloudsearch logs networkmonitor
		cognito-identity cognito-idp comprehend comprehendmedical firehose dynamodb dax autoscaling ecr ecr-public
		gamelift inspector-scan kendra kinesisvideo memorydb aoss personalize polly s3 swf sqs textract
		timestream-influxdb transcribe translate workspaces appconfig autoscaling-plans budgets servicediscovery
		cloudtrail-data codeartifact codebuild codecommit codepipeline compute-optimizer cost-optimization-hub events
		fms fis health rolesanywhere kms opensearch pricing pca-connector-ad resource-groups secretsmanager sts signin
		support transfer notifications wafv2 xray`) {
		m[s] = true
	}
	return m
}()

// rcp makes the checks of resource control policies' grammar (Organizations User Guide, "RCP syntax"): the
// principal is always "*", NotAction is not supported, actions are of the services RCPs apply to, and Allow is
// only RCPFullAWSAccess's (all principals, all resources, no condition).
func (v *validator) rcp(st *stmt) {
	const principalDetails = `The Principal element contents are not valid. RCPs only support specifying all principals ("*") in the Principal element. The NotPrincipal element is not supported for RCPs.`
	if m := st.elems["NotPrincipal"]; m != nil {
		v.add(codeRCPSyntaxErrorPrincipal, principalDetails, v.atKey(st.path, m))
	}
	if m := st.elems["Principal"]; m != nil && !(m.Value.Kind == policy.JSONString && m.Value.Text == "*") {
		v.add(codeRCPSyntaxErrorPrincipal, principalDetails, v.at(st.path.value("Principal"), &m.Value))
	}
	if m := st.elems["NotAction"]; m != nil {
		v.add(codeRCPSyntaxErrorNotAction, "RCPs do not support the NotAction element. Update to use the Action element.", v.atKey(st.path, m))
	} else {
		for _, a := range st.actions {
			svc, _, ok := strings.Cut(strings.ToLower(a.s), ":")
			if a.s == "*" || !ok || wild(svc) || strings.Contains(a.s, "${") || rcpServices[svc] {
				continue
			}
			v.add(codeRCPSyntaxErrorAction, "RCPs only support specifying select service prefixes in the Action element. Learn more here.", v.at(a.path, a.node))
		}
	}
	if st.effect == "Deny" {
		v.rcpRelatedKeys(st)
	}
	if st.effect != "Allow" {
		return
	}
	const allowDetails = `RCPs only support specifying all principals ("*") in the Principal element, all resources ("*") in the Resource element, and no Condition element with an effect of Allow.`
	if st.elems["Resource"] != nil {
		for _, r := range st.resources {
			if r.s != "*" {
				v.add(codeRCPSyntaxErrorAllow, allowDetails, v.at(r.path, r.node))
			}
		}
	}
	for _, k := range []string{"NotResource", "Condition"} {
		if m := st.elems[k]; m != nil {
			v.add(codeRCPSyntaxErrorAllow, allowDetails, v.atKey(st.path, m))
		}
	}
}

// rcpRelatedKeys reports the keys of an RCP Deny that also affect principals they are not meant for: a key of the
// principal (global keys of the category "Properties of the principal" but the service ones) without
// aws:PrincipalIsAWSService false beside it, and a key of the source of a service's request (aws:SourceArn,
// aws:SourceAccount, aws:SourceOrgID, aws:SourceOrgPaths) without aws:PrincipalIsAWSService true.
func (v *validator) rcpRelatedKeys(st *stmt) {
	isService := "" // the value a Bool operator of the statement tests aws:PrincipalIsAWSService against
	st.eachConditionKey(func(om, km *policy.JSONMember) {
		if op, ok := policy.ParseOperator(om.Key); ok && op.Family == policy.FamilyBool && !op.Negated &&
			strings.EqualFold(km.Key, "aws:PrincipalIsAWSService") && km.Value.Kind != policy.JSONArray {
			isService = strings.ToLower(km.Value.Text)
		}
	})
	st.eachConditionKey(func(om, km *policy.JSONMember) {
		lk := strings.ToLower(km.Key)
		loc := v.atKey(st.path.value("Condition").value(om.Key), km)
		switch {
		case slices.Contains(sourceKeys, lk):
			if isService != "true" {
				v.add(codeRCPMissingRelatedServicePrincipalKey, `RCPs impact IAM roles, users, and AWS service principals. To prevent unintended impact to your principals, an additional statement should be added to the Condition block "BoolIfExists": { "aws:PrincipalIsAWSService": "true"} whenever the key `+km.Key+` is used.`, loc)
			}
		case v.cat != nil && isService != "false" && !strings.HasPrefix(lk, "aws:principalservicename") && lk != "aws:principalisawsservice":
			if ck, ok := v.cat.ConditionKey(km.Key); ok && ck.Global && ck.Category == "Properties of the principal" {
				v.add(codeRCPMissingRelatedPrincipalKey, `RCPs impact IAM roles, users, and AWS service principals. To prevent unintended impact to services acting on your behalf using a service principal, an additional statement should be added to the Condition block "BoolIfExists": { "aws:PrincipalIsAWSService": "false"} whenever a principal key `+km.Key+` is used.`, loc)
			}
		}
	})
}
