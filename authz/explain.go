package authz

import (
	"fmt"
	"strings"
)

// Reason returns the ending AWS puts on an AccessDenied message for this decision, e.g. "because no
// identity-based policy allows the s3:GetObject action" or "with an explicit deny in a service control policy".
// It is empty for an allowed decision.
func (d *Decision) Reason(action string) string {
	switch d.Result {
	case ExplicitDeny:
		l := d.denyLayer()
		return "with an explicit deny in " + article(l.Describe()) + " " + l.Describe()
	case ImplicitDeny:
		l := d.Missing
		if l == LayerNone {
			l = LayerIdentity
		}
		return "because no " + l.Describe() + " allows the " + action + " action"
	}
	return ""
}

// denyLayer picks the layer to name for an explicit deny: organization policies first, as AWS reports them.
func (d *Decision) denyLayer() Layer {
	best := LayerNone
	rank := func(l Layer) int {
		return [...]int{LayerNone: 99, LayerSCP: 0, LayerRCP: 1, LayerIdentity: 2, LayerResource: 3, LayerBoundary: 4, LayerSession: 5}[l]
	}
	for _, m := range d.Matched() {
		if best == LayerNone || rank(m.Layer) < rank(best) {
			best = m.Layer
		}
	}
	if best == LayerNone {
		return LayerIdentity
	}
	return best
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

// Describe says which statement a match is, for people: its index and Sid, the policy, where the policy is attached
// and where the statement is in the document.
func (m Match) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s statement %d", m.Statement.Effect, m.Statement.Index)
	if m.Statement.Sid != "" {
		fmt.Fprintf(&b, " (Sid %q)", m.Statement.Sid)
	}
	fmt.Fprintf(&b, " of %s %q", m.Layer.Describe(), m.Policy.Name)
	switch {
	case m.Level() != "":
		fmt.Fprintf(&b, " at %s", m.Level())
	case m.Policy.AttachedTo != "":
		fmt.Fprintf(&b, " attached to %s", m.Policy.AttachedTo)
	}
	sp := m.Statement.Span
	fmt.Fprintf(&b, ", lines %d:%d-%d:%d", sp.Start.Line, sp.Start.Col, sp.End.Line, sp.End.Col)
	return b.String()
}

// Explain describes the decision for people: the result, the statements that decided it and, for an implicit deny,
// which layer lacked an Allow.
func (d *Decision) Explain(action string) string {
	var b strings.Builder
	b.WriteString(d.Result.String())
	switch d.Result {
	case Allowed:
		b.WriteString(": allowed by")
	case ExplicitDeny:
		b.WriteString(": denied by")
	case ImplicitDeny:
		l := d.Missing
		if l == LayerNone {
			l = LayerIdentity
		}
		if d.MissingLevel != "" {
			fmt.Fprintf(&b, ": no %s at %s allows %s", l.Describe(), d.MissingLevel, action)
		} else {
			fmt.Fprintf(&b, ": no %s allows %s", l.Describe(), action)
		}
	}
	for _, m := range d.Matched() {
		b.WriteString("\n  ")
		b.WriteString(m.Describe())
	}
	return b.String()
}
