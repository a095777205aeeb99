package org

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Management policies (Organizations User Guide, "Understanding management policy inheritance" and "Inheritance
// operators"): every policy type but SCPs and RCPs is a JSON document of nested elements whose settings are written
// with the value-setting operators @@assign, @@append and @@remove, and @@operators_allowed_for_child_policies
// limiting what policies attached lower in the tree may do. Each type names its one top-level element ("tags",
// "plans", "services", ...) and documents what may sit beneath it.
//
// This file is that language: parseMgmtPolicy parses and checks a document for its type (CreatePolicy and
// UpdatePolicy refuse one it rejects, through checkContent), and effectiveMgmtPolicy merges the documents attached
// from the root down to an account with the inheritance operators and renders the result without them, as
// DescribeEffectivePolicy answers it. Neither reads the store.

// The inheritance operators.
const (
	opAssign  = "@@assign"
	opAppend  = "@@append"
	opRemove  = "@@remove"
	opAllowed = "@@operators_allowed_for_child_policies"
)

// mgmtNode is one object of a management policy: named children in document order, or the operators of a setting.
type mgmtNode struct {
	keys     []string
	children map[string]*mgmtNode
	ops      []mgmtOp // value-setting operators in document order
	allowed  []string // @@operators_allowed_for_child_policies; nil when absent
}

type mgmtOp struct {
	op     string
	values []string
	scalar bool // written as a string rather than an array
}

// mgmtSchema is what the documents of one management policy type may hold beyond the common grammar.
type mgmtSchema struct {
	name     string // as messages name the type: "tag policy"
	top      string // the one top-level element; "" when the type's syntax is not documented (any name is taken)
	maxDepth int    // how deeply objects may nest below the document
	check    func(root *mgmtNode) error
}

// mgmtSchemas are the management policy types, with the top-level element each type's syntax page in the
// Organizations User Guide documents ("Tag policy syntax", "Backup policy syntax", "AI services opt-out policy
// syntax", "Chat applications policy syntax", "Declarative policy syntax", "Security Hub policy syntax", "Amazon
// Inspector policy syntax", "Upgrade rollout policy syntax", "Amazon Bedrock policy syntax", "Amazon S3 policy
// syntax"). Network security director policies have no syntax page iamd knows of: their documents are checked
// against the common grammar only.
var mgmtSchemas = map[string]mgmtSchema{
	TypeTag:                     {name: "tag policy", top: "tags", maxDepth: 4, check: checkTagPolicy},
	TypeBackup:                  {name: "backup policy", top: "plans", maxDepth: 12},
	TypeAIOptOut:                {name: "AI services opt-out policy", top: "services", maxDepth: 4, check: checkAIOptOutPolicy},
	TypeChatbot:                 {name: "chat applications policy", top: "chatbot", maxDepth: 12},
	TypeDeclarativeEC2:          {name: "declarative policy", top: "ec2_attributes", maxDepth: 12},
	TypeSecurityHub:             {name: "Security Hub policy", top: "securityhub", maxDepth: 12},
	TypeInspector:               {name: "Amazon Inspector policy", top: "inspector", maxDepth: 12},
	TypeUpgradeRollout:          {name: "upgrade rollout policy", top: "upgrade_rollout", maxDepth: 12},
	TypeBedrock:                 {name: "Amazon Bedrock policy", top: "bedrock", maxDepth: 12},
	TypeS3:                      {name: "Amazon S3 policy", top: "s3_attributes", maxDepth: 12, check: checkS3Policy},
	TypeNetworkSecurityDirector: {name: "network security director policy", maxDepth: 12},
}

// isManagementType reports whether a policy type is a management policy type: one with effective policies.
func isManagementType(typ string) bool { _, ok := mgmtSchemas[typ]; return ok }

// parseMgmtPolicy parses and checks a management policy document of a type.
func parseMgmtPolicy(typ string, doc []byte) (*mgmtNode, error) {
	sc, ok := mgmtSchemas[typ]
	if !ok {
		return nil, fmt.Errorf("%s is not a management policy type", typ)
	}
	root, err := parseMgmt(sc, doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sc.name, err)
	}
	return root, nil
}

func parseMgmt(sc mgmtSchema, doc []byte) (*mgmtNode, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	root, err := parseMgmtObject(dec, 0, sc.maxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected content after the policy document")
	}
	if len(root.ops) > 0 {
		return nil, fmt.Errorf("value-setting operators can't apply to the whole policy")
	}
	for _, k := range root.keys {
		if sc.top != "" && k != sc.top {
			return nil, fmt.Errorf("unknown element %q; a %s holds %q", k, sc.name, sc.top)
		}
		if len(root.children[k].ops) > 0 {
			return nil, fmt.Errorf("value-setting operators can't apply to %q", k)
		}
	}
	if sc.check != nil {
		if err := sc.check(root); err != nil {
			return nil, err
		}
	}
	return root, nil
}

// checkTagPolicy holds a tag policy's policy keys to their settings: tag_key, tag_value, enforced_for and
// report_required_tag_for ("Tag policy syntax").
func checkTagPolicy(root *mgmtNode) error {
	tags := root.children["tags"]
	if tags == nil {
		return nil
	}
	for _, pk := range tags.keys {
		p := tags.children[pk]
		if len(p.ops) > 0 {
			return fmt.Errorf("policy key %q must hold tag_key, tag_value, enforced_for or report_required_tag_for", pk)
		}
		for _, sk := range p.keys {
			set := p.children[sk]
			if !tagSettings[sk] {
				return fmt.Errorf("unknown setting %q in policy key %q", sk, pk)
			}
			if len(set.keys) > 0 {
				return fmt.Errorf("setting %q of policy key %q must hold only operators", sk, pk)
			}
			for _, op := range set.ops {
				if sk == "tag_key" && (op.op != opAssign || !op.scalar) {
					return fmt.Errorf("tag_key of policy key %q must be a string given with @@assign", pk)
				}
				if sk == "tag_key" && !strings.EqualFold(op.values[0], pk) {
					return fmt.Errorf("tag_key %q must match policy key %q except for case", op.values[0], pk)
				}
				if sk != "tag_key" && op.scalar {
					return fmt.Errorf("%s of policy key %q must be an array of strings", sk, pk)
				}
			}
		}
	}
	return nil
}

// tagSettings are the settings a policy key may have.
var tagSettings = map[string]bool{"tag_key": true, "tag_value": true, "enforced_for": true, "report_required_tag_for": true}

// checkAIOptOutPolicy holds each service of an AI services opt-out policy to its one setting, opt_out_policy, whose
// value is "optOut" or "optIn", case as written ("AI services opt-out policy syntax").
func checkAIOptOutPolicy(root *mgmtNode) error {
	services := root.children["services"]
	if services == nil {
		return nil
	}
	for _, name := range services.keys {
		svc := services.children[name]
		if len(svc.ops) > 0 {
			return fmt.Errorf("service %q must hold opt_out_policy", name)
		}
		for _, k := range svc.keys {
			if k != "opt_out_policy" {
				return fmt.Errorf("unknown element %q in service %q; a service holds opt_out_policy", k, name)
			}
			set := svc.children[k]
			if len(set.keys) > 0 {
				return fmt.Errorf("opt_out_policy of service %q must hold only operators", name)
			}
			for _, op := range set.ops {
				if op.op != opAssign || !op.scalar {
					return fmt.Errorf("opt_out_policy of service %q must be a string given with @@assign", name)
				}
				if v := op.values[0]; v != "optOut" && v != "optIn" {
					return fmt.Errorf("opt_out_policy of service %q must be \"optOut\" or \"optIn\", not %q", name, v)
				}
			}
		}
	}
	return nil
}

// checkS3Policy holds an S3 policy's public_access_block_configuration to "all" or "none" ("Amazon S3 policy syntax").
func checkS3Policy(root *mgmtNode) error {
	attrs := root.children["s3_attributes"]
	if attrs == nil {
		return nil
	}
	if pab := attrs.children["public_access_block_configuration"]; pab != nil {
		for _, op := range pab.ops {
			if op.op != opAssign || !op.scalar || (op.values[0] != "all" && op.values[0] != "none") {
				return fmt.Errorf("public_access_block_configuration must be \"all\" or \"none\" given with @@assign")
			}
		}
	}
	return nil
}

// parseMgmtObject reads one JSON object of a management policy; depth guards against documents nested beyond the
// type's syntax.
func parseMgmtObject(dec *json.Decoder, depth, maxDepth int) (*mgmtNode, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("the document is nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("the document isn't valid JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("expected a JSON object")
	}
	n := &mgmtNode{children: map[string]*mgmtNode{}}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("the document isn't valid JSON")
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, fmt.Errorf("duplicate element %q", key)
		}
		seen[key] = true
		switch key {
		case opAssign, opAppend, opRemove:
			values, scalar, err := readMgmtValues(dec)
			if err != nil {
				return nil, err
			}
			if key != opAssign && scalar {
				return nil, fmt.Errorf("%s takes an array of strings", key)
			}
			n.ops = append(n.ops, mgmtOp{op: key, values: values, scalar: scalar})
		case opAllowed:
			values, scalar, err := readMgmtValues(dec)
			if err != nil {
				return nil, err
			}
			if scalar {
				return nil, fmt.Errorf("%s takes an array", key)
			}
			for _, v := range values {
				if v != "@@all" && v != "@@none" && v != opAssign && v != opAppend && v != opRemove {
					return nil, fmt.Errorf("unknown child control operator %q", v)
				}
			}
			n.allowed = values
		default:
			if strings.HasPrefix(key, "@@") {
				return nil, fmt.Errorf("unknown operator %q", key)
			}
			child, err := parseMgmtObject(dec, depth+1, maxDepth)
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, key)
			n.children[key] = child
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("the document isn't valid JSON")
	}
	if len(n.ops) > 0 && len(n.keys) > 0 {
		return nil, fmt.Errorf("element %q holds both value-setting operators and elements", n.keys[0])
	}
	return n, nil
}

// readMgmtValues reads a string or an array of strings.
func readMgmtValues(dec *json.Decoder) ([]string, bool, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, false, fmt.Errorf("the document isn't valid JSON")
	}
	if s, ok := tok.(string); ok {
		return []string{s}, true, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, false, fmt.Errorf("expected a string or an array of strings")
	}
	values := []string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, fmt.Errorf("the document isn't valid JSON")
		}
		s, ok := tok.(string)
		if !ok {
			return nil, false, fmt.Errorf("expected an array of strings")
		}
		values = append(values, s)
	}
	if _, err := dec.Token(); err != nil {
		return nil, false, fmt.Errorf("the document isn't valid JSON")
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

// effectiveMgmtPolicy merges the management policies of one type attached at each level, root first (several at one level in attachment
// order), and renders the result without operators, as DescribeEffectivePolicy shows it. ok is false when no
// setting results.
func effectiveMgmtPolicy(levels [][]*mgmtNode) (string, bool) {
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

func (e *effNode) apply(p *mgmtNode, level int, restrict map[string]bool) {
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
