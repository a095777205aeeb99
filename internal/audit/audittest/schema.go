// Package audittest checks audit records against CloudTrail's record format (cloudtrail-record.schema.json, written
// from the CloudTrail User Guide), for the tests of every package that produces events.
package audittest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/internal/store"
)

//go:embed cloudtrail-record.schema.json
var recordSchema []byte

// Schema is a JSON Schema in the subset this package reads: type, enum, pattern, minLength, required, properties, additionalProperties (true or false), items, and $ref to "#/$defs/NAME". A
// schema that uses any other keyword is refused when it is parsed, so that no rule of the data file is silently
// ignored.
type Schema struct {
	root *node
	defs map[string]*node
}

type node struct {
	Schema      string           `json:"$schema"`
	ID          string           `json:"$id"`
	Title       string           `json:"title"`
	Comment     string           `json:"$comment"`
	Description string           `json:"description"`
	Ref         string           `json:"$ref"`
	Defs        map[string]*node `json:"$defs"`
	Type        typeList         `json:"type"`
	Enum        []any            `json:"enum"`
	Pattern     string           `json:"pattern"`
	MinLength   int              `json:"minLength"`
	Required    []string         `json:"required"`
	Properties  map[string]*node `json:"properties"`
	// AdditionalProperties false refuses members that Properties does not name.
	AdditionalProperties *bool `json:"additionalProperties"`
	Items                *node `json:"items"`

	re *regexp.Regexp
}

// typeList is the type keyword: one type name or a list of them.
type typeList []string

func (t *typeList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*t = typeList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("type: %w", err)
	}
	*t = many
	return nil
}

// CloudTrailRecord returns the schema of a CloudTrail record (management and data events).
func CloudTrailRecord() (*Schema, error) { return Parse(recordSchema) }

// Parse reads a schema and compiles its patterns.
func Parse(data []byte) (*Schema, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var root node
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	s := &Schema{root: &root, defs: root.Defs}
	if err := s.compile(&root, "#"); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Schema) compile(n *node, at string) error {
	if n == nil {
		return nil
	}
	if n.Ref != "" {
		name, ok := strings.CutPrefix(n.Ref, "#/$defs/")
		if !ok || s.defs[name] == nil {
			return fmt.Errorf("schema %s: $ref %q names no definition", at, n.Ref)
		}
	}
	for _, t := range n.Type {
		if !slices.Contains([]string{"object", "array", "string", "boolean", "null", "number", "integer"}, t) {
			return fmt.Errorf("schema %s: unknown type %q", at, t)
		}
	}
	if n.Pattern != "" {
		re, err := regexp.Compile(n.Pattern)
		if err != nil {
			return fmt.Errorf("schema %s: pattern: %w", at, err)
		}
		n.re = re
	}
	for name, p := range n.Properties {
		if err := s.compile(p, at+"/properties/"+name); err != nil {
			return err
		}
	}
	for name, d := range n.Defs {
		if err := s.compile(d, at+"/$defs/"+name); err != nil {
			return err
		}
	}
	return s.compile(n.Items, at+"/items")
}

// Violation is one rule a document breaks: where (a JSON pointer into the document) and what.
type Violation struct {
	Path    string
	Message string
}

func (v Violation) String() string { return v.Path + ": " + v.Message }

// InvalidError lists every rule a document breaks.
type InvalidError struct {
	Violations []Violation
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return "does not match the schema: " + strings.Join(parts, "; ")
}

// Validate checks one JSON document: nil when it matches, an *InvalidError listing what breaks the schema, or the
// JSON syntax error.
func (s *Schema) Validate(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return errors.New("not one JSON value: data after the first")
	}
	var out []Violation
	s.check(s.root, v, "", &out)
	if len(out) > 0 {
		return &InvalidError{Violations: out}
	}
	return nil
}

func (s *Schema) check(n *node, v any, path string, out *[]Violation) {
	if n.Ref != "" {
		n = s.defs[strings.TrimPrefix(n.Ref, "#/$defs/")]
	}
	bad := func(format string, args ...any) {
		p := path
		if p == "" {
			p = "/"
		}
		*out = append(*out, Violation{Path: p, Message: fmt.Sprintf(format, args...)})
	}
	if len(n.Type) > 0 && !slices.ContainsFunc(n.Type, func(t string) bool { return isType(v, t) }) {
		bad("%s, want %s", typeOf(v), strings.Join(n.Type, " or "))
		return
	}
	if len(n.Enum) > 0 && !slices.ContainsFunc(n.Enum, func(e any) bool { return equal(e, v) }) {
		bad("%s is not one of %v", mustJSON(v), n.Enum)
	}
	switch v := v.(type) {
	case string:
		if n.re != nil && !n.re.MatchString(v) {
			bad("%q does not match %s", v, n.Pattern)
		}
		if utf8.RuneCountInString(v) < n.MinLength {
			bad("%q is shorter than %d", v, n.MinLength)
		}
	case []any:
		if n.Items != nil {
			for i, e := range v {
				s.check(n.Items, e, fmt.Sprintf("%s/%d", path, i), out)
			}
		}
	case map[string]any:
		for _, r := range n.Required {
			if _, ok := v[r]; !ok {
				bad("required member %q is missing", r)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := n.Properties[k]
			if !ok {
				if n.AdditionalProperties != nil && !*n.AdditionalProperties {
					bad("member %q is not in the schema", k)
				}
				continue
			}
			s.check(p, v[k], path+"/"+k, out)
		}
	}
}

func isType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	}
	return false
}

func typeOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// equal compares an enum value of the schema (decoded without UseNumber) with a document's value.
func equal(e, v any) bool {
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		ef, eok := e.(float64)
		return err == nil && eok && f == ef
	}
	return mustJSON(e) == mustJSON(v)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// EventReader reads the trail in Seq order (store.Reader's EventsSince).
type EventReader interface {
	EventsSince(ctx context.Context, seq int64, limit int) ([]*store.Event, error)
}

// maxReported bounds the events a failed CheckTrail quotes.
const maxReported = 5

// CheckTrail validates every event of the trail against s: nil when all match, else an error that quotes the
// first events that do not (their record and what breaks the schema) and counts the others.
func (s *Schema) CheckTrail(ctx context.Context, r EventReader) error {
	var bad []string
	var seq int64
	n, nbad := 0, 0
	for {
		evs, err := r.EventsSince(ctx, seq, 1000)
		if err != nil {
			return fmt.Errorf("reading the trail: %w", err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			seq = e.Seq
			n++
			if err := s.Validate(e.Data); err != nil {
				nbad++
				if len(bad) < maxReported {
					bad = append(bad, fmt.Sprintf("event %s (seq %d) %v\n%s", e.ID, e.Seq, err, e.Data))
				}
			}
		}
	}
	if nbad == 0 {
		return nil
	}
	return fmt.Errorf("%d of the trail's %d events are not CloudTrail records:\n%s", nbad, n, strings.Join(bad, "\n"))
}
