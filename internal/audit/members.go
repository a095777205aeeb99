package audit

import (
	"bytes"
	"encoding/json"
)

// stringMembers calls fn with the name of each member of the JSON object obj, in order, and its value when it is a
// string (str true), without decoding the rest: the lookup attributes of every event read a few members of its request
// parameters, which encoding/json would decode whole into a map. Names and values are passed as the JSON strings'
// text, quotes included, for the caller to unescape (unquoted) only those it reads: a member such as a policy
// document is long and full of escapes. It reports false, having called fn for none, when obj is not a valid JSON
// object; a name given twice is passed twice (encoding/json keeps the last).
func stringMembers(obj []byte, fn func(name, value []byte, str bool)) bool {
	s := scanner{b: obj}
	s.space()
	if !s.eat('{') {
		return false
	}
	type member struct{ name, value []byte }
	// value is nil for a member whose value is no string.
	var found [8]member
	members := found[:0]
	s.space()
	if s.eat('}') {
		s.space()
		return s.i == len(s.b)
	}
	for {
		s.space()
		name, ok := s.str()
		if !ok {
			return false
		}
		s.space()
		if !s.eat(':') {
			return false
		}
		s.space()
		if s.i < len(s.b) && s.b[s.i] == '"' {
			value, ok := s.str()
			if !ok {
				return false
			}
			members = append(members, member{name, value})
		} else if !s.value(1) {
			return false
		} else {
			members = append(members, member{name, nil})
		}
		s.space()
		if s.eat('}') {
			break
		}
		if !s.eat(',') {
			return false
		}
	}
	s.space()
	if s.i != len(s.b) {
		return false
	}
	for _, m := range members {
		fn(m.name, m.value, m.value != nil)
	}
	return true
}

// plain returns the text of a JSON string as str found it (with its quotes) when it is plain ASCII without escapes,
// the text itself; else false, and unquoted must read it.
func plain(raw []byte) ([]byte, bool) {
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			return nil, false
		}
	}
	return raw[1 : len(raw)-1], true
}

// unquoted is the text of a JSON string as str found it (with its quotes): as it is when plain ASCII without
// escapes, else as encoding/json reads it (escapes resolved, invalid UTF-8 replaced).
func unquoted(raw []byte) string {
	if p, ok := plain(raw); ok {
		return string(p)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// scanner walks JSON text checking its grammar as encoding/json does.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str consumes a string and returns it with its quotes.
func (s *scanner) str() ([]byte, bool) {
	start := s.i
	if !s.eat('"') {
		return nil, false
	}
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start:s.i], true
		case c == '\\':
			n := escapeLen(s.b[s.i:])
			if n == 0 {
				return nil, false
			}
			s.i += n
		case c < 0x20:
			return nil, false
		default:
			s.i++
		}
	}
	return nil, false
}

// escapeLen is the length of the escape sequence b starts with (at its backslash) as JSON allows it, 0 when it is
// none.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		for _, h := range b[2:6] {
			if !isHex(h) {
				return 0
			}
		}
		return 6
	}
	return 0
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// maxDepth is the deepest nesting encoding/json reads.
const maxDepth = 10000

// value consumes any value at nesting depth (the object stringMembers reads is at 0); its grammar is left to
// encoding/json's Valid for all but strings, objects and arrays.
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case '{', '[':
		closer := byte('}')
		if s.b[s.i] == '[' {
			closer = ']'
		}
		if depth >= maxDepth {
			return false
		}
		s.i++
		s.space()
		if s.eat(closer) {
			return true
		}
		for {
			s.space()
			if closer == '}' {
				if _, ok := s.str(); !ok {
					return false
				}
				s.space()
				if !s.eat(':') {
					return false
				}
				s.space()
			}
			if !s.value(depth + 1) {
				return false
			}
			s.space()
			if s.eat(closer) {
				return true
			}
			if !s.eat(',') {
				return false
			}
		}
	default:
		start := s.i
		for s.i < len(s.b) && !bytes.ContainsRune([]byte(" \t\n\r,}]:"), rune(s.b[s.i])) {
			s.i++
		}
		return s.i > start && json.Valid(s.b[start:s.i])
	}
}
