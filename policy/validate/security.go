package validate

import (
	"sort"
	"strings"

	"github.com/iamd-dev/iamd/policy"
)

// broad is how a statement reaches one action and its resources, for the checks of iam:PassRole and
// iam:CreateServiceLinkedRole.
type broad struct {
	exact, star, notAction bool // named, matched by a wildcard, or not excluded by NotAction
	starRes                *strVal
	notRes                 bool
}

// reach works out how an Allow statement reaches the action (lower case "iam:passrole") and the roles.
func (st *stmt) reach(action string) broad {
	var b broad
	if st.notAction {
		b.notAction = true
		for _, a := range st.actions {
			if glob(strings.ToLower(a.s), action) {
				b.notAction = false
			}
		}
	} else {
		for _, a := range st.actions {
			l := strings.ToLower(a.s)
			switch {
			case l == action:
				b.exact = true
			case wild(l) && glob(l, action):
				b.star = true
			}
		}
	}
	if st.notResource {
		b.notRes = true
		for _, r := range st.resources {
			if r.s == "*" {
				b.notRes = false
			}
		}
		return b
	}
	for i := range st.resources {
		if starRole(st.resources[i].s) {
			b.starRes = &st.resources[i]
			break
		}
	}
	return b
}

// starRole reports whether a Resource value with wildcards stands for any role: "*", or an iam ARN whose
// resource part matches any role name (arn:aws:iam::*:role/*), not one narrowed to a name prefix.
func starRole(r string) bool {
	if r == "*" {
		return true
	}
	if !wild(r) {
		return false
	}
	f := strings.SplitN(r, ":", 6)
	return len(f) == 6 && glob(f[2], "iam") && glob(f[5], "role/zzzz")
}

func (v *validator) passRoleAndSLR(st *stmt) {
	if st.effect != "Allow" || v.opts.PolicyType != IdentityPolicy {
		return
	}
	if !st.condKeys["iam:passedtoservice"] {
		v.broadAction(st, st.reach("iam:passrole"), [6]string{codePassRoleWithStarInResource, codePassRoleWithStarInActionAndResource,
			codePassRoleWithStarInResourceAndNotAct, codePassRoleWithNotResource, codePassRoleWithStarInActionAndNotRes,
			codePassRoleWithNotActionAndNotResource}, passRoleDetails)
	}
	if !st.condKeys["iam:awsservicename"] {
		v.broadAction(st, st.reach("iam:createservicelinkedrole"), [6]string{codeCreateSLRWithStarInResource, codeCreateSLRWithStarInActionAndResource,
			codeCreateSLRWithStarInResourceAndNotAct, codeCreateSLRWithNotResource, codeCreateSLRWithStarInActionAndNotRes,
			codeCreateSLRWithNotActionAndNotResource}, slrDetails)
	}
}

var passRoleDetails = [6]string{
	"Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
	"Using wildcards (*) in the action and the resource can be overly permissive because it allows iam:PassRole permissions on all resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
	"Using a resource with wildcards (*) and NotAction can be overly permissive because it allows iam:PassRole permissions on all resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
	"Using the iam:PassRole action with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
	"Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
	"Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources.. We recommend that you specify resource ARNs instead.",
}

var slrDetails = [6]string{
	"Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow creation of unintended service-linked roles. We recommend that you specify resource ARNs instead.",
	"Using wildcards (*) in the action and the resource can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify resource ARNs instead.",
	"Using a resource with wildcards (*) and NotAction can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify resource ARNs instead.",
	"Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of unintended service-linked roles for multiple resources. We recommend that you specify resource ARNs instead.",
	"Using an action with a wildcard(*) and NotResource can allow creation of unintended service-linked roles because it can allow iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
	"Using NotAction with NotResource can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
}

// broadAction reports the first of the six cases that applies: star in resource (action named, matched by a
// wildcard, not excluded by NotAction), then NotResource (the same three).
func (v *validator) broadAction(st *stmt, b broad, codes, details [6]string) {
	i := -1
	switch {
	case b.exact:
		i = 0
	case b.star:
		i = 1
	case b.notAction:
		i = 2
	default:
		return
	}
	switch {
	case b.starRes != nil:
		v.add(codes[i], details[i], v.at(b.starRes.path, b.starRes.node))
	case b.notRes:
		m := st.elems["NotResource"]
		v.add(codes[i+3], details[i+3], v.at(st.path.value("NotResource"), &m.Value))
	}
}

// tagKeySupport reports aws:ResourceTag conditions on actions of services that do not support the key: the
// condition never holds for them.
func (v *validator) tagKeySupport(st *stmt) {
	if v.cat == nil || st.effect == "" || st.actionElem == nil {
		return
	}
	var tagKey string
	for k := range st.condKeys {
		if strings.HasPrefix(k, "aws:resourcetag/") && len(k) > len("aws:resourcetag/") {
			tagKey = k
			break
		}
	}
	if tagKey == "" {
		return
	}
	deny := st.effect == "Deny"
	if st.notAction {
		code, details := codeAllowNotActionWithUnsupportedTagKey, "Using the effect Allow with NotAction and the tag condition key aws:ResourceTag allows only service actions that support the condition key. The condition key doesn't apply to some service actions. We recommend that you use Action instead of NotAction."
		if deny {
			code, details = codeDenyNotActionWithUnsupportedTagKey, "Using the effect Deny with NotAction and the tag condition key aws:ResourceTag can be overly permissive because some service actions are not denied by this statement. This is because the condition key doesn't apply to some service actions. We recommend that you use Action instead of NotAction."
		}
		v.add(code, details, v.at(st.path.value("NotAction"), &st.actionElem.Value))
		return
	}
	var prefixes []string
	var locs []Location
	seen := map[string]bool{}
	for _, a := range st.actions {
		svc, _, ok := strings.Cut(strings.ToLower(a.s), ":")
		if !ok || wild(svc) {
			continue
		}
		service, known := v.cat.Service(svc)
		if !known {
			continue
		}
		supported := false
		for _, k := range service.ConditionKeys {
			if strings.EqualFold(k.Name, "aws:ResourceTag/${TagKey}") {
				supported = true
				break
			}
		}
		if supported {
			continue
		}
		locs = append(locs, v.at(a.path, a.node))
		if !seen[svc] {
			seen[svc] = true
			prefixes = append(prefixes, svc)
		}
	}
	if len(prefixes) == 0 {
		return
	}
	sort.Strings(prefixes)
	list := strings.Join(prefixes, ", ")
	if deny {
		v.add(codeDenyWithUnsupportedTagKey, "Using the effect Deny with the tag condition key aws:ResourceTag and actions for services with the following prefixes can be overly permissive: "+list+". Actions for the listed services are not denied by this statement. We recommend that you move these actions to a different statement without this condition key.", locs...)
		return
	}
	v.add(codeAllowWithUnsupportedTagKey, "Using the effect Allow with the tag condition key aws:ResourceTag and actions for services with the following prefixes does not affect the policy: "+list+". Actions for the listed service are not allowed by this statement. We recommend that you move these actions to a different statement without this condition key.", locs...)
}

// resourceTypeRules checks the actions and resources of a resource policy against the resource type it is for.
func (v *validator) resourceTypeRules(st *stmt) {
	var services []string
	switch v.opts.ResourceType {
	case "":
		return
	case ResourceS3Bucket, ResourceS3AccessPoint, ResourceS3MultiRegionAccessPoint:
		services = []string{"s3"}
	case ResourceS3ObjectLambdaAccess:
		services = []string{"s3-object-lambda"}
	case ResourceDynamoDBTable:
		services = []string{"dynamodb"}
	case ResourceRoleTrustPolicy:
		services = []string{"sts"}
	}
	allowed := func(svc string) bool {
		for _, s := range services {
			if strings.EqualFold(s, svc) {
				return true
			}
		}
		return false
	}
	for _, a := range st.actions {
		svc, _, ok := strings.Cut(a.s, ":")
		if a.s == "*" || !ok || wild(svc) || allowed(svc) {
			continue
		}
		v.add(codeUnsupportedActionInPolicy, "The action "+a.s+" is not supported for the resource-based policy attached to the resource type "+v.opts.ResourceType+".", v.at(a.path, a.node))
	}
	for _, r := range st.resources {
		if v.opts.ResourceType == ResourceRoleTrustPolicy {
			break // a trust policy has no resources: ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE
		}
		f := strings.SplitN(r.s, ":", 6)
		if r.s == "*" || len(f) < 6 || wild(f[2]) || allowed(f[2]) {
			continue
		}
		v.add(codeUnsupportedResourceArnInPolicy, "The resource ARN is not supported for the resource-based policy attached to the resource type "+v.opts.ResourceType+".", v.at(r.path, r.node))
	}
}

// actionsForConditionKeys reports, for each service condition key of a statement, the named actions that the key
// does not apply to: the service reference lists neither it among the action's keys nor among the keys of the
// action's resource types, so the condition is not evaluated for them. As the reference says, actions with
// wildcards are not evaluated; global keys (aws:) are left to the checks of tag keys, and keys the service data
// does not know to INVALID_SERVICE_CONDITION_KEY.
func (v *validator) actionsForConditionKeys(st *stmt) {
	if v.cat == nil || st.notAction {
		return
	}
	st.eachConditionKey(func(om, km *policy.JSONMember) {
		prefix, _, ok := strings.Cut(km.Key, ":")
		if !ok || strings.EqualFold(prefix, "aws") || strings.Contains(km.Key, "${") {
			return
		}
		ck, known := v.cat.ConditionKey(km.Key)
		if !known {
			return
		}
		var names []string
		var locs []Location
		for _, a := range st.actions {
			if v.actionTakesKey(a.s, ck.Name) {
				continue
			}
			names = append(names, a.s)
			locs = append(locs, v.at(a.path, a.node))
		}
		if len(names) == 0 {
			return
		}
		locs = append(locs, v.at(st.path.value("Condition").value(om.Key).value(km.Key), &km.Value))
		v.add(codeUnsupportedActionForConditionKey, "The following actions: "+strings.Join(names, ", ")+" are not supported by the condition key "+km.Key+". The condition will not be evaluated for these actions. We recommend that you move these actions to a different statement without this condition key.", locs...)
	})
}

// eachConditionKey calls fn with each condition key of the statement and its operator block, in document order.
func (st *stmt) eachConditionKey(fn func(om, km *policy.JSONMember)) {
	cm := st.elems["Condition"]
	if cm == nil || cm.Value.Kind != policy.JSONObject {
		return
	}
	for i := range cm.Value.Members {
		om := &cm.Value.Members[i]
		if om.Value.Kind != policy.JSONObject {
			continue
		}
		for j := range om.Value.Members {
			fn(om, &om.Value.Members[j])
		}
	}
}

// actionTakesKey reports whether the condition key (the service reference's name, placeholders kept) applies to
// the action, or whether that cannot be told (a wildcard, a variable, an action the service data does not know).
func (v *validator) actionTakesKey(action, key string) bool {
	svc, name, ok := strings.Cut(action, ":")
	if !ok || wild(action) || strings.Contains(action, "${") {
		return true
	}
	service, ok := v.cat.Service(svc)
	if !ok {
		return true
	}
	act, ok := service.Action(name)
	if !ok {
		return true
	}
	for _, k := range act.ConditionKeys {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	for _, rn := range act.ResourceTypes {
		if rt, ok := service.ResourceType(rn); ok {
			for _, k := range rt.ConditionKeys {
				if strings.EqualFold(k, key) {
					return true
				}
			}
		}
	}
	return false
}
