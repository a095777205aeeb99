package policy

import (
	"fmt"
	"strings"
)

// Type is the kind of policy a document is used as; it decides which elements are allowed and required.
type Type uint8

const (
	TypeIdentity Type = iota // identity-based policy of a user, group or role (managed or inline)
	TypeBoundary             // permissions boundary
	TypeSession              // session policy passed to AssumeRole*, GetFederationToken
	TypeTrust                // role trust policy (AssumeRolePolicyDocument)
	TypeResource             // resource-based policy of another service (bucket, key, queue, ... policy)
	TypeSCP                  // Organizations service control policy
	TypeRCP                  // Organizations resource control policy
)

var typeNames = [...]string{"identity", "boundary", "session", "trust", "resource", "scp", "rcp"}

func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", t)
}

// ParseType reads a Type from its String form.
func ParseType(s string) (Type, error) {
	for i, n := range typeNames {
		if strings.EqualFold(s, n) {
			return Type(i), nil
		}
	}
	return 0, fmt.Errorf("unknown policy type %q (want one of %s)", s, strings.Join(typeNames[:], ", "))
}

// isIAM reports whether IAM itself stores and validates policies of this type (and so its Sid rules apply).
func (t Type) isIAM() bool { return t <= TypeTrust }

// Effect is a statement's effect.
type Effect uint8

const (
	Allow Effect = iota
	Deny
)

func (e Effect) String() string {
	if e == Deny {
		return "Deny"
	}
	return "Allow"
}

// Versions of the policy language.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Pos is a place in a policy document.
type Pos struct {
	Offset int // byte offset
	Line   int // 1-based
	Col    int // 1-based, in characters
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Span is a range of a policy document.
type Span struct{ Start, End Pos }

// Policy is a parsed, validated and compiled policy document. It is immutable and safe for concurrent use.
type Policy struct {
	Type       Type
	Version    string // "2012-10-17", "2008-10-17", or "" when absent
	ID         string
	Statements []*Statement
	Text       string    // the document as given
	Findings   []Finding // warnings and suggestions found while parsing (errors make Parse fail)
}

// Variables reports whether policy variables are substituted: only under Version 2012-10-17.
func (p *Policy) Variables() bool { return p.Version == Version2012 }

// Statement is one compiled statement.
type Statement struct {
	Index  int    // 0-based position in the policy
	Sid    string // "" when absent
	Effect Effect

	// Principal is the Principal or NotPrincipal element; nil when the statement has neither.
	Principal    *Principals
	NotPrincipal bool

	Actions   []ActionPattern // Action or NotAction values
	NotAction bool

	Resources   []ResourcePattern // Resource or NotResource values; empty when absent (trust policies)
	NotResource bool

	Conditions []*Condition // all ANDed
	Span       Span
	Policy     *Policy // the policy the statement belongs to
}

// Text returns the statement's text as written in the document.
func (s *Statement) Text() string { return s.Policy.Text[s.Span.Start.Offset:s.Span.End.Offset] }

// Principals is a Principal or NotPrincipal element.
type Principals struct {
	Any           bool     // "*" or {"AWS": "*"}
	AWS           []string // ARNs; a bare account ID is normalised to arn:aws:iam::ID:root
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// ActionPattern is one value of Action or NotAction, e.g. "s3:Get*".
type ActionPattern struct {
	Raw     string
	Pos     Pos    // where the value is in the document
	Service string // lower-cased service prefix; "*" for the lone "*"
	name    pattern
	exact   bool   // no wildcard: Key identifies the action
	key     string // "service:action", lower-cased
	anySvc  bool   // the service part has wildcards (or the value is "*")
	svcGlob pattern
}

// Exact returns the lower-cased "service:action" key and true when the pattern names one action.
func (a *ActionPattern) Exact() (string, bool) { return a.key, a.exact }

// HasServiceWildcard reports whether the pattern can match actions of more than one service.
func (a *ActionPattern) HasServiceWildcard() bool { return a.anySvc }

// Match reports whether the lower-cased action "service:action" matches.
func (a *ActionPattern) Match(service, name string) bool {
	if a.exact {
		return len(a.key) == len(service)+1+len(name) && a.key[:len(service)] == service && a.key[len(service)+1:] == name
	}
	if a.anySvc {
		if !a.svcGlob.match(service, nil) {
			return false
		}
	} else if a.Service != service {
		return false
	}
	return a.name.match(name, nil)
}

// ResourcePattern is one value of Resource or NotResource.
type ResourcePattern struct {
	Raw string
	Pos Pos // where the value is in the document
	arn arnPattern
}

// Match reports whether the resource ARN matches; ctx supplies policy variables.
func (r *ResourcePattern) Match(resource string, ctx Context) bool { return r.arn.match(resource, ctx) }

// MatchAction reports whether the statement's Action (or NotAction) element applies to the action, given as
// lower-cased service and action name.
func (s *Statement) MatchAction(service, name string) bool {
	for i := range s.Actions {
		if s.Actions[i].Match(service, name) {
			return !s.NotAction
		}
	}
	return s.NotAction
}

// MatchResource reports whether the statement's Resource (or NotResource) element applies to the resource.
// A statement without either element (a trust policy) applies to any resource.
func (s *Statement) MatchResource(resource string, ctx Context) bool {
	var t Target
	t.Reset(resource)
	return s.MatchTarget(&t, ctx)
}

// MatchTarget is MatchResource for a resource split once into a Target.
func (s *Statement) MatchTarget(t *Target, ctx Context) bool {
	if len(s.Resources) == 0 {
		return true
	}
	for i := range s.Resources {
		if s.Resources[i].arn.matchTarget(t, ctx) {
			return !s.NotResource
		}
	}
	return s.NotResource
}

// MatchConditions reports whether every condition holds.
func (s *Statement) MatchConditions(ctx Context) bool {
	for _, c := range s.Conditions {
		if !c.Eval(ctx) {
			return false
		}
	}
	return true
}

// SplitAction splits "service:Action" into its lower-cased parts without allocating when already lower-case.
func SplitAction(action string) (service, name string) {
	svc, n, _ := strings.Cut(action, ":")
	return lowerASCII(svc), lowerASCII(n)
}
