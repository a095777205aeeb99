package jsonproto

import (
	"encoding/base64"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

const hex = "0123456789abcdef"

// AppendString appends s as a JSON string, escaped as encoding/json escapes it with HTML escaping on: '"' and
// '\\' with a backslash, \b \f \n \r \t by name, other control characters and '<', '>', '&' as \u00XX, U+2028
// and U+2029 as \u2028 and \u2029, and each byte of invalid UTF-8 as \ufffd.
func AppendString[S ~string](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendTimestamp appends t as epoch seconds, truncated to the millisecond: an integer when the milliseconds are
// zero (1732541234), else a decimal fraction without trailing zeros (1732541234.12).
func AppendTimestamp(b []byte, t time.Time) []byte {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(b, ms/1000, 10)
	}
	return strconv.AppendFloat(b, float64(ms)/1000, 'f', -1, 64)
}

// AppendTimestampISO8601 appends t as a JSON string in ISO 8601 (RFC 3339, UTC, to the millisecond without
// trailing zeros: "2026-01-02T15:04:05.12Z"), as a model's timestampFormat iso8601 asks.
func AppendTimestampISO8601(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().Truncate(time.Millisecond).AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// AppendBlob appends bytes as a JSON string of their base64 (standard alphabet, padded), as the JSON protocol
// writes blobs.
func AppendBlob(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// AppendBool appends true or false.
func AppendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

// AppendInt appends an integer in decimal.
func AppendInt[I ~int32 | ~int64](b []byte, v I) []byte { return strconv.AppendInt(b, int64(v), 10) }

// Member appends the name of an object's member, `"Name":` as the generated code passes it, after a comma
// unless it is the object's first: start is len(b) just after the object's '{'.
func Member(b []byte, start int, name string) []byte {
	if len(b) > start {
		b = append(b, ',')
	}
	return append(b, name...)
}

// AppendList appends a JSON array of list, each element written by elem.
func AppendList[T any](b []byte, list []T, elem func([]byte, *T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, &list[i])
	}
	return append(b, ']')
}

// AppendMap appends a JSON object of m, its members in the byte order of their names (so that an answer is the
// same bytes each time), each value written by elem.
func AppendMap[M ~map[K]V, K ~string, V any](b []byte, m M, elem func([]byte, *V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		v := m[k]
		b = elem(b, &v)
	}
	return append(b, '}')
}

// StringElem, TimestampElem, IntElem and BoolElem write a list element of a scalar list.
func StringElem[S ~string](b []byte, v *S) []byte { return AppendString(b, *v) }

// TimestampElem writes a timestamp list element.
func TimestampElem(b []byte, v *time.Time) []byte { return AppendTimestamp(b, *v) }

// TimestampISO8601Elem appends a list element that is a timestamp formatted as ISO 8601.
func TimestampISO8601Elem(b []byte, v *time.Time) []byte { return AppendTimestampISO8601(b, *v) }

// IntElem writes an integer list element.
func IntElem[I ~int32 | ~int64](b []byte, v *I) []byte { return AppendInt(b, *v) }

// BoolElem writes a boolean list element.
func BoolElem(b []byte, v *bool) []byte { return AppendBool(b, *v) }
