package analyzer

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// DefaultCollapseAbove is PolicyOptions.CollapseAbove when zero: more than this many resources of one action
// under one prefix become the prefix and "*".
const DefaultCollapseAbove = 5

// MaxGeneratedPolicySize bounds each generated policy's size (its compact JSON), IAM's quota for a managed
// policy: a generation whose statements do not fit in one is answered as several policies, as AWS's
// generatedPolicies is a list.
const MaxGeneratedPolicySize = 6144

// passRole is the action whose resources are never collapsed: a pattern over roles passed would let the principal
// pass roles it never passed, the privilege escalation the action guards.
const passRole = "iam:PassRole"

// PolicyOptions say how Policies writes a Usage.
type PolicyOptions struct {
	// Resources writes each action's statement on the resources it was used on (GetGeneratedPolicy's
	// includeResourcePlaceholders: where AWS writes a placeholder such as arn:aws:s3:::${BucketName}, iamd writes
	// the ARNs the trail recorded); false writes "*", as AWS does, except for iam:PassRole, which always names the
	// roles passed.
	Resources bool
	// CollapseAbove: more than this many resources of one action that share a prefix (the ARN up to its
	// resource's last '/' or ':', or up to its resource) are written as the prefix followed by "*"; DefaultCollapseAbove when zero, never when negative.
	// iam:PassRole's roles are never collapsed.
	CollapseAbove int
}

// generatedStatement is one statement of a generated policy.
type generatedStatement struct {
	Sid      string `json:"Sid"`
	Effect   string `json:"Effect"`
	Action   any    `json:"Action"`
	Resource any    `json:"Resource"`
	service  string
	actions  []string
	res      []string
}

// Policies writes the identity policies that allow what u used: one statement for each service and set of
// resources, the statements of as many policies as MaxGeneratedPolicySize needs. A usage of nothing gives none.
func (u *Usage) Policies(o PolicyOptions) []string {
	above := o.CollapseAbove
	if above == 0 {
		above = DefaultCollapseAbove
	}
	type group struct {
		service string
		res     []string
		actions []string
	}
	var groups []*group
	index := map[string]*group{}
	for _, ua := range u.Used {
		res := resourcesOf(ua, o.Resources, above)
		svc, _, _ := strings.Cut(ua.Action, ":")
		key := svc + "\x00" + strings.Join(res, "\x00")
		g := index[key]
		if g == nil {
			g = &group{service: svc, res: res}
			index[key] = g
			groups = append(groups, g)
		}
		g.actions = append(g.actions, ua.Action)
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return strings.Compare(a.service, b.service) })
	var sts []generatedStatement
	perService := map[string]int{}
	for _, g := range groups {
		for _, chunk := range splitResources(g.service, g.actions, g.res) {
			perService[g.service]++
			sid := sidOf(g.service)
			if n := perService[g.service]; n > 1 {
				sid += strconv.Itoa(n)
			}
			sts = append(sts, generatedStatement{Sid: sid, Effect: "Allow", Action: oneOrMany(g.actions), Resource: oneOrMany(chunk)})
		}
	}
	return packPolicies(sts)
}

// resourcesOf are the resources an action's statement names.
func resourcesOf(ua UsedAction, withResources bool, above int) []string {
	if slices.Contains(ua.Resources, "*") || !withResources && ua.Action != passRole {
		return []string{"*"}
	}
	if ua.Action == passRole || above < 0 {
		out := make([]string, len(ua.Resources))
		for i, r := range ua.Resources {
			out[i] = escapeResource(r)
		}
		return out
	}
	return collapse(ua.Resources, above)
}

// collapse writes resources as they are, except that more than above of them under one prefix become the prefix
// and "*". The result is sorted.
func collapse(resources []string, above int) []string {
	byPrefix := map[string][]string{}
	var prefixes []string
	for _, r := range resources {
		p := prefixOf(r)
		if byPrefix[p] == nil {
			prefixes = append(prefixes, p)
		}
		byPrefix[p] = append(byPrefix[p], r)
	}
	var out []string
	for _, p := range prefixes {
		rs := byPrefix[p]
		if p != "" && len(rs) > above {
			out = append(out, escapeResource(p)+"*")
			continue
		}
		for _, r := range rs {
			out = append(out, escapeResource(r))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// prefixOf is the part of an ARN up to the last '/' or, when there is none, the last ':' of its resource (kept),
// or up to its resource when that has neither (arn:aws:sqs:us-east-1:111122223333:); "" when it is no ARN.
func prefixOf(r string) string {
	// arn:partition:service:region:account:resource — the resource starts after the fifth ':'.
	start := 0
	for range 5 {
		i := strings.IndexByte(r[start:], ':')
		if i < 0 {
			return ""
		}
		start += i + 1
	}
	res := r[start:]
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		return r[:start+i+1]
	}
	if i := strings.LastIndexByte(res, ':'); i >= 0 {
		return r[:start+i+1]
	}
	return r[:start]
}

// escapeResource writes the characters a policy's Resource reads as wildcards or variables ('*', '?', '$') as the
// escapes that stand for them literally.
func escapeResource(r string) string {
	if !strings.ContainsAny(r, "*?$") {
		return r
	}
	var b strings.Builder
	for _, c := range r {
		switch c {
		case '*', '?', '$':
			b.WriteString("${")
			b.WriteRune(c)
			b.WriteByte('}')
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// sidOf is the statement ID of a service's statements: "iam" → "IamActions", "access-analyzer" →
// "AccessAnalyzerActions".
func sidOf(service string) string {
	var b strings.Builder
	up := true
	for _, c := range service {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String() + "Actions"
}

func oneOrMany(s []string) any {
	if len(s) == 1 {
		return s[0]
	}
	return s
}

// splitResources cuts a statement's resources into as many statements as it takes for each to fit in a policy.
func splitResources(service string, actions, res []string) [][]string {
	st := generatedStatement{Sid: sidOf(service) + "00", Effect: "Allow", Action: oneOrMany(actions), Resource: oneOrMany(res)}
	if len(res) < 2 || len(policyJSON([]generatedStatement{st})) <= MaxGeneratedPolicySize {
		return [][]string{res}
	}
	half := len(res) / 2
	return append(splitResources(service, actions, res[:half]), splitResources(service, actions, res[half:])...)
}

// packPolicies puts statements, in order, into as few policies as fit MaxGeneratedPolicySize.
func packPolicies(sts []generatedStatement) []string {
	var out []string
	var cur []generatedStatement
	for _, st := range sts {
		if len(cur) > 0 && len(policyJSON(append(slices.Clip(cur), st))) > MaxGeneratedPolicySize {
			out = append(out, string(policyJSON(cur)))
			cur = nil
		}
		cur = append(cur, st)
	}
	if len(cur) > 0 {
		out = append(out, string(policyJSON(cur)))
	}
	return out
}

// policyJSON is an identity policy of statements, as compact JSON.
func policyJSON(sts []generatedStatement) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	// Encoding strings, slices of strings and a fixed struct cannot fail.
	_ = enc.Encode(struct {
		Version   string               `json:"Version"`
		Statement []generatedStatement `json:"Statement"`
	}{"2012-10-17", sts})
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
