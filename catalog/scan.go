package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// This file holds a small structural JSON reader. It finds the members of an
// object and the extent of each value without decoding them, which is much
// faster than encoding/json for the one thing the catalog needs it for:
// splitting the 11 MB service reference into per-service pieces that are
// decoded later, and picking single fields out of a service document.
//
// It checks structure (strings, nesting, separators), not the full JSON
// grammar; values it hands out are decoded by encoding/json, which does.

var errTruncated = errors.New("unexpected end of JSON input")

// eachMember calls fn for every member of the JSON object in data, in order,
// with the decoded key and the value's raw bytes (no surrounding whitespace).
// It stops at the first error fn returns.
func eachMember(data []byte, fn func(key string, val []byte) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return syntaxErr(data, i, "expected '{'")
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return trailing(data, i+1)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return syntaxErr(data, i, "expected object key")
		}
		end, err := skipString(data, i)
		if err != nil {
			return err
		}
		key, err := decodeKey(data[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return syntaxErr(data, i, "expected ':'")
		}
		i = skipSpace(data, i+1)
		vend, err := skipValue(data, i)
		if err != nil {
			return err
		}
		if err := fn(key, data[i:vend]); err != nil {
			return err
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return errTruncated
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return trailing(data, i+1)
		default:
			return syntaxErr(data, i, "expected ',' or '}'")
		}
	}
}

// trailing reports an error if anything but whitespace follows offset i.
func trailing(data []byte, i int) error {
	if i = skipSpace(data, i); i < len(data) {
		return syntaxErr(data, i, "data after top-level value")
	}
	return nil
}

// decodeKey returns the text of a JSON string literal (quotes included in raw).
func decodeKey(raw []byte) (string, error) {
	plain := true // printable ASCII without escapes: the text is the bytes
	for _, c := range raw[1 : len(raw)-1] {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string literal starting at data[i].
func skipString(data []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, errTruncated
		}
		j += k
		backslashes := 0
		for p := j - 1; p > i && data[p] == '\\'; p-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return j + 1, nil
		}
		j++
	}
}

// skipValue returns the offset just past the JSON value starting at data[i].
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errTruncated
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		var stack [64]byte // expected closers; deeper nesting spills to the heap
		open := stack[:0]
		for i < len(data) {
			switch c := data[i]; c {
			case '"':
				j, err := skipString(data, i)
				if err != nil {
					return 0, err
				}
				i = j
				continue
			case '{':
				open = append(open, '}')
			case '[':
				open = append(open, ']')
			case '}', ']':
				if len(open) == 0 || open[len(open)-1] != c {
					return 0, syntaxErr(data, i, "mismatched bracket")
				}
				open = open[:len(open)-1]
				if len(open) == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errTruncated
	case ',', ':', '}', ']':
		return 0, syntaxErr(data, i, "expected value")
	default: // number, true, false, null
		j := i
		for j < len(data) {
			switch data[j] {
			case ',', '}', ']', ':', '"', '{', '[', ' ', '\t', '\n', '\r':
				return j, nil
			}
			j++
		}
		return j, nil
	}
}

func syntaxErr(data []byte, i int, msg string) error {
	if i >= len(data) {
		return errTruncated
	}
	return fmt.Errorf("invalid JSON at offset %d: %s", i, msg)
}
