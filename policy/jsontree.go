package policy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is one JSON value with the byte range it came from, so that findings can name a line and column.
type node struct {
	kind  kind
	start int    // offset of the first byte of the value
	end   int    // offset just past the value
	text  string // string value, number literal, or "true"/"false"
	items []node // array elements
	keys  []member
}

// member is one key of an object, in document order.
type member struct {
	key      string
	keyStart int
	keyEnd   int // offset just past the key's closing quote
	value    node
}

// syntaxError is a JSON syntax error at an offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

// parseJSON reads exactly one JSON value from data (surrounding whitespace allowed). Object keys keep their order
// and duplicates are kept, so that the caller can report them.
func parseJSON(data []byte) (node, error) {
	p := jsonParser{data: data}
	p.skipSpace()
	n, err := p.value(0)
	if err != nil {
		return node{}, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return node{}, &syntaxError{p.pos, "unexpected text after the end of the policy document"}
	}
	return n, nil
}

type jsonParser struct {
	data []byte
	pos  int
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) errf(format string, args ...any) error {
	return &syntaxError{p.pos, fmt.Sprintf(format, args...)}
}

func (p *jsonParser) value(depth int) (node, error) {
	if depth > maxDepth {
		return node{}, p.errf("JSON nested deeper than %d levels", maxDepth)
	}
	if p.pos >= len(p.data) {
		return node{}, p.errf("unexpected end of the policy document")
	}
	start := p.pos
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return node{}, err
		}
		return node{kind: kindString, start: start, end: p.pos, text: s}, nil
	case c == 't':
		return p.literal("true", kindBool)
	case c == 'f':
		return p.literal("false", kindBool)
	case c == 'n':
		return p.literal("null", kindNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	default:
		return node{}, p.errf("unexpected character %q", rune(c))
	}
}

func (p *jsonParser) literal(word string, k kind) (node, error) {
	start := p.pos
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return node{}, p.errf("invalid JSON value")
	}
	p.pos += len(word)
	return node{kind: k, start: start, end: p.pos, text: word}, nil
}

func (p *jsonParser) number() (node, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	intStart := p.pos
	if digits() == 0 {
		return node{}, p.errf("invalid number")
	}
	if p.data[intStart] == '0' && p.pos-intStart > 1 {
		return node{}, &syntaxError{intStart, "invalid number: leading zero"}
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return node{}, p.errf("invalid number")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return node{}, p.errf("invalid number")
		}
	}
	return node{kind: kindNumber, start: start, end: p.pos, text: string(p.data[start:p.pos])}, nil
}

// str reads a JSON string starting at the opening quote.
func (p *jsonParser) str() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	simple := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := p.data[start:p.pos]
			if simple {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", &syntaxError{start, "invalid string escape"}
			}
			return s, nil
		case c == '\\':
			simple = false
			p.pos += 2
		case c < 0x20:
			return "", p.errf("control character in string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return "", p.errf("invalid UTF-8 in string")
			}
			p.pos += size
		default:
			p.pos++
		}
	}
	return "", &syntaxError{start, "unterminated string"}
}

func (p *jsonParser) array(depth int) (node, error) {
	n := node{kind: kindArray, start: p.pos}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		n.end = p.pos
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return node{}, err
		}
		n.items = append(n.items, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return node{}, p.errf("unexpected end of the policy document inside an array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			n.end = p.pos
			return n, nil
		default:
			return node{}, p.errf("expected ',' or ']' in an array")
		}
	}
}

func (p *jsonParser) object(depth int) (node, error) {
	n := node{kind: kindObject, start: p.pos}
	p.pos++
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		n.end = p.pos
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return node{}, p.errf("expected a quoted key in an object")
		}
		keyStart := p.pos
		k, err := p.str()
		if err != nil {
			return node{}, err
		}
		keyEnd := p.pos
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return node{}, p.errf("expected ':' after key %s", strconv.Quote(k))
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth + 1)
		if err != nil {
			return node{}, err
		}
		n.keys = append(n.keys, member{key: k, keyStart: keyStart, keyEnd: keyEnd, value: v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return node{}, p.errf("unexpected end of the policy document inside an object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			n.end = p.pos
			return n, nil
		default:
			return node{}, p.errf("expected ',' or '}' in an object")
		}
	}
}
