package org

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Tag policies (Organizations User Guide, "Tag policy syntax" and "Inheritance operators"): a "tags" object of
// policy keys, each with tag_key, tag_value, enforced_for and report_required_tag_for settings written with the
// value-setting operators @@assign, @@append and @@remove, and @@operators_allowed_for_child_policies limiting what
// policies attached lower in the tree may do.
//
// This file is the tag-policy language: parseTagPolicy parses and checks a document (CreatePolicy and UpdatePolicy
// refuse one it rejects, through checkContent), and effectiveTagPolicy merges the documents attached from the root
// down to an account with the inheritance operators and renders the result without them, as
// DescribeEffectivePolicy answers it. Neither reads the store.

// The inheritance operators.
const (
	opAssign  = "@@assign"
	opAppend  = "@@append"
	opRemove  = "@@remove"
	opAllowed = "@@operators_allowed_for_child_policies"
)

// tagNode is one object of a tag policy: named children in document order, or the operators of a setting.
type tagNode struct {
	keys     []string
	children map[string]*tagNode
	ops      []tagOp  // value-setting operators in document order
	allowed  []string // @@operators_allowed_for_child_policies; nil when absent
}

type tagOp struct {
	op     string
	values []string
	scalar bool // written as a string rather than an array
}

// tagSettings are the settings a policy key may have.
var tagSettings = map[string]bool{"tag_key": true, "tag_value": true, "enforced_for": true, "report_required_tag_for": true}

func tagPolicyError(format string, args ...any) error {
	return fmt.Errorf("tag policy: "+format, args...)
}

// parseTagPolicy parses and checks a tag policy document.
func parseTagPolicy(doc []byte) (*tagNode, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	root, err := parseTagObject(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, tagPolicyError("unexpected content after the policy document")
	}
	for _, k := range root.keys {
		if k != "tags" {
			return nil, tagPolicyError("unknown element %q; a tag policy holds \"tags\"", k)
		}
	}
	if len(root.ops) > 0 {
		return nil, tagPolicyError("value-setting operators can't apply to the whole policy")
	}
	if tags := root.children["tags"]; tags != nil {
		if len(tags.ops) > 0 {
			return nil, tagPolicyError("value-setting operators can't apply to \"tags\"")
		}
		for _, pk := range tags.keys {
			p := tags.children[pk]
			if len(p.ops) > 0 {
				return nil, tagPolicyError("policy key %q must hold tag_key, tag_value, enforced_for or report_required_tag_for", pk)
			}
			for _, sk := range p.keys {
				set := p.children[sk]
				if !tagSettings[sk] {
					return nil, tagPolicyError("unknown setting %q in policy key %q", sk, pk)
				}
				if len(set.keys) > 0 {
					return nil, tagPolicyError("setting %q of policy key %q must hold only operators", sk, pk)
				}
				for _, op := range set.ops {
					if sk == "tag_key" && (op.op != opAssign || !op.scalar) {
						return nil, tagPolicyError("tag_key of policy key %q must be a string given with @@assign", pk)
					}
					if sk == "tag_key" && !strings.EqualFold(op.values[0], pk) {
						return nil, tagPolicyError("tag_key %q must match policy key %q except for case", op.values[0], pk)
					}
					if sk != "tag_key" && op.scalar {
						return nil, tagPolicyError("%s of policy key %q must be an array of strings", sk, pk)
					}
				}
			}
		}
	}
	return root, nil
}

// parseTagObject reads one JSON object of a tag policy; depth guards against documents nested beyond the syntax.
func parseTagObject(dec *json.Decoder, depth int) (*tagNode, error) {
	if depth > 4 {
		return nil, tagPolicyError("the document is nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, tagPolicyError("the document isn't valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, tagPolicyError("expected a JSON object")
	}
	n := &tagNode{children: map[string]*tagNode{}}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, tagPolicyError("the document isn't valid JSON")
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, tagPolicyError("duplicate element %q", key)
		}
		seen[key] = true
		switch key {
		case opAssign, opAppend, opRemove:
			values, scalar, err := readTagValues(dec)
			if err != nil {
				return nil, err
			}
			if key != opAssign && scalar {
				return nil, tagPolicyError("%s takes an array of strings", key)
			}
			n.ops = append(n.ops, tagOp{op: key, values: values, scalar: scalar})
		case opAllowed:
			values, scalar, err := readTagValues(dec)
			if err != nil {
				return nil, err
			}
			if scalar {
				return nil, tagPolicyError("%s takes an array", key)
			}
			for _, v := range values {
				if v != "@@all" && v != "@@none" && v != opAssign && v != opAppend && v != opRemove {
					return nil, tagPolicyError("unknown child control operator %q", v)
				}
			}
			n.allowed = values
		default:
			if strings.HasPrefix(key, "@@") {
				return nil, tagPolicyError("unknown operator %q", key)
			}
			child, err := parseTagObject(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, key)
			n.children[key] = child
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, tagPolicyError("the document isn't valid JSON")
	}
	return n, nil
}

// readTagValues reads a string or an array of strings.
func readTagValues(dec *json.Decoder) ([]string, bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, false, tagPolicyError("the document isn't valid JSON")
	}
	if s, ok := tok.(string); ok {
		return []string{s}, true, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, false, tagPolicyError("expected a string or an array of strings")
	}
	values := []string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, tagPolicyError("the document isn't valid JSON")
		}
		s, ok := tok.(string)
		if !ok {
			return nil, false, tagPolicyError("expected an array of strings")
		}
		values = append(values, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, tagPolicyError("the document isn't valid JSON")
	}
	return values, false, nil
}

// effNode is one node of an effective policy being merged.
type effNode struct {
	keys     []string
	children map[string]*effNode
	values   []string
	scalar   bool
	set      bool
	// allowed is the operators policies below allowedLevel may use here and beneath; nil allows all.
	allowed      map[string]bool
	allowedLevel int
}

// effectiveTagPolicy merges the tag policies attached at each level, root first (several at one level in attachment
// order), and renders the result without operators, as DescribeEffectivePolicy shows it. ok is false when no
// setting results.
func effectiveTagPolicy(levels [][]*tagNode) (string, bool) {
	root := &effNode{children: map[string]*effNode{}}
	for l, docs := range levels {
		for _, d := range docs {
			root.apply(d, l, nil)
		}
	}
	var b bytes.Buffer
	if !root.render(&b) {
		return "", false
	}
	return b.String(), true
}

func (e *effNode) apply(p *tagNode, level int, restrict map[string]bool) {
	if e.allowed != nil && e.allowedLevel < level {
		restrict = intersectOps(restrict, e.allowed)
	}
	if p.allowed != nil {
		a := map[string]bool{}
		for _, v := range p.allowed {
			switch v {
			case "@@all":
				a[opAssign], a[opAppend], a[opRemove] = true, true, true
			case opAssign, opAppend, opRemove:
				a[v] = true
			}
		}
		e.allowed, e.allowedLevel = intersectOps(restrict, a), level
	}
	for _, op := range p.ops {
		if restrict != nil && !restrict[op.op] {
			continue // a parent's child control operators forbid it: the child's change is ignored
		}
		switch op.op {
		case opAssign:
			e.values, e.scalar, e.set = append([]string(nil), op.values...), op.scalar, true
		case opAppend:
			for _, v := range op.values {
				if !slices.Contains(e.values, v) {
					e.values = append(e.values, v)
				}
			}
			e.set = true
		case opRemove:
			e.values = slices.DeleteFunc(e.values, func(v string) bool { return slices.Contains(op.values, v) })
		}
	}
	for _, k := range p.keys {
		c := e.children[k]
		if c == nil {
			c = &effNode{children: map[string]*effNode{}}
			e.children[k] = c
			e.keys = append(e.keys, k)
		}
		c.apply(p.children[k], level, restrict)
	}
}

// intersectOps is the operators both sets allow; nil allows all.
func intersectOps(a, b map[string]bool) map[string]bool {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}

// render writes the node as JSON and reports whether it holds anything.
func (e *effNode) render(b *bytes.Buffer) bool {
	if len(e.keys) == 0 {
		if !e.set {
			return false
		}
		var v []byte
		if e.scalar && len(e.values) == 1 {
			v, _ = json.Marshal(e.values[0])
		} else {
			v, _ = json.Marshal(append([]string{}, e.values...))
		}
		b.Write(v)
		return true
	}
	var body bytes.Buffer
	n := 0
	for _, k := range e.keys {
		var child bytes.Buffer
		if !e.children[k].render(&child) {
			continue
		}
		if n > 0 {
			body.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		body.Write(kb)
		body.WriteByte(':')
		body.Write(child.Bytes())
		n++
	}
	if n == 0 {
		return false
	}
	b.WriteByte('{')
	b.Write(body.Bytes())
	b.WriteByte('}')
	return true
}
