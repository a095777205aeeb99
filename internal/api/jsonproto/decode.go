package jsonproto

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is how deeply arrays and objects may nest, as in encoding/json.
const maxDepth = 10000

// Error is a body the decoder rejects: not JSON, or a value of the wrong type for its member.
type Error struct {
	Offset int // byte offset in the body
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("json: %s at offset %d", e.Msg, e.Offset) }

// Decoder reads one JSON value from a body, for generated code: the methods and functions of this package read
// the next value into a Go value of the shape's type, or skip it.
type Decoder struct {
	data  []byte
	pos   int
	depth int
	key   []byte // scratch for member names with escapes
	// path is the member path of the value being read, in AWS's form by segments (tags, 1, member, value);
	// missing the paths of the required members found absent (Members.Require).
	path    []string
	missing []string
}

// Absent is what Decode returns for a body that reads but leaves out (or sends null for) required members
// whose Go type cannot show their absence (Members.Require): Paths names them in AWS's form
// ('tags.2.member.value'), in the order found. The value read is complete otherwise.
type Absent struct {
	Paths []string
}

func (e *Absent) Error() string {
	return "json: required members absent: " + strings.Join(e.Paths, ", ")
}

// Decode reads data, which must hold one JSON value and nothing but whitespace after it, into v with read.
func Decode[T any](data []byte, v *T, read func(*Decoder, *T) error) error {
	d := Decoder{data: data}
	if err := read(&d, v); err != nil {
		return err
	}
	d.space()
	if d.pos < len(d.data) {
		return d.syntax("after top-level value")
	}
	if len(d.missing) > 0 {
		return &Absent{Paths: d.missing}
	}
	return nil
}

func (d *Decoder) syntax(where string) error {
	if d.pos >= len(d.data) {
		return &Error{Offset: d.pos, Msg: "unexpected end of JSON input"}
	}
	return &Error{Offset: d.pos, Msg: fmt.Sprintf("invalid character %q %s", d.data[d.pos], where)}
}

func (d *Decoder) mismatch(want string) error {
	return &Error{Offset: d.pos, Msg: "cannot read a JSON " + d.kind() + " into " + want}
}

// kind names the JSON type of the next value, for error messages.
func (d *Decoder) kind() string {
	switch d.peek() {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func (d *Decoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (d *Decoder) peek() byte {
	d.space()
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// literal consumes the keyword lit (true, false, null) at the current position.
func (d *Decoder) literal(lit string) error {
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.data) || d.data[d.pos] != lit[i] {
			return d.syntax("in literal " + lit)
		}
		d.pos++
	}
	return nil
}

// Null consumes a null and reports whether there was one.
func (d *Decoder) Null() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

// str consumes a string and returns it with its quotes, checked against the grammar.
func (d *Decoder) str() ([]byte, error) {
	start := d.pos
	d.pos++ // the opening quote
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return d.data[start:d.pos], nil
		case c < 0x20:
			return nil, d.syntax("in string literal")
		case c == '\\':
			d.pos++
			if d.pos >= len(d.data) {
				return nil, d.syntax("in string escape code")
			}
			switch d.data[d.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos++
			case 'u':
				d.pos++
				for range 4 {
					if d.pos >= len(d.data) || !isHex(d.data[d.pos]) {
						return nil, d.syntax("in \\u hexadecimal character escape")
					}
					d.pos++
				}
			default:
				return nil, d.syntax("in string escape code")
			}
		default:
			d.pos++
		}
	}
	return nil, d.syntax("in string literal")
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// number consumes a number and returns it, checked against the grammar.
func (d *Decoder) number() ([]byte, error) {
	start := d.pos
	if d.pos < len(d.data) && d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.pos < len(d.data) && '1' <= d.data[d.pos] && d.data[d.pos] <= '9':
		d.digits()
	default:
		return nil, d.syntax("in numeric literal")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return nil, d.syntax("after decimal point in numeric literal")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return nil, d.syntax("in exponent of numeric literal")
		}
	}
	return d.data[start:d.pos], nil
}

func (d *Decoder) digits() int {
	n := 0
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
		n++
	}
	return n
}

// scalar consumes a string, number or keyword and returns its text; it does not consume arrays or objects.
func (d *Decoder) scalar() ([]byte, error) {
	switch c := d.peek(); {
	case c == '"':
		return d.str()
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case c == 't':
		return []byte("true"), d.literal("true")
	case c == 'f':
		return []byte("false"), d.literal("false")
	case c == 'n':
		return []byte("null"), d.literal("null")
	}
	return nil, d.syntax("looking for beginning of value")
}

// Skip consumes the next value, whatever it is.
func (d *Decoder) Skip() error {
	switch d.peek() {
	case '{':
		return d.object(func(*Decoder, []byte) error { return d.Skip() })
	case '[':
		return d.array(func(*Decoder) error { return d.Skip() })
	}
	_, err := d.scalar()
	return err
}

// enter and leave track nesting.
func (d *Decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return &Error{Offset: d.pos, Msg: "exceeded max depth"}
	}
	d.pos++ // '{' or '['
	return nil
}

// object consumes an object at '{', calling member with each member's name (unescaped; valid until the next
// call; invalid UTF-8 is left as it is) with the decoder at the member's value.
func (d *Decoder) object(member func(d *Decoder, name []byte) error) error {
	if err := d.enter(); err != nil {
		return err
	}
	if d.peek() == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.syntax("looking for beginning of object key string")
		}
		raw, err := d.str()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.syntax("after object key")
		}
		d.pos++
		name := raw[1 : len(raw)-1]
		if slices.Contains(name, '\\') {
			// Without escapes the name is used as it is: invalid UTF-8 in it cannot match a member's (ASCII)
			// name exactly and folds as the U+FFFD that unquoting would have put in its place.
			d.key = unquote(d.key[:0], raw)
			name = d.key
		}
		if err := member(d, name); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntax("after object key:value pair")
		}
	}
}

// array consumes an array at '[', calling elem at each element.
func (d *Decoder) array(elem func(d *Decoder) error) error {
	if err := d.enter(); err != nil {
		return err
	}
	if d.peek() == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if err := elem(d); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return nil
		default:
			return d.syntax("after array element")
		}
	}
}

// unquote appends the text of the JSON string raw (with its quotes, valid per the grammar) to b, as
// encoding/json reads it: escapes resolved, a \u escape of half a surrogate pair and each byte of invalid UTF-8
// read as U+FFFD.
func unquote(b, raw []byte) []byte {
	s := raw[1 : len(raw)-1]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, hex4(s[i+2:])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return b
}

func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// plain reports whether the string raw needs no unquoting: no escapes and valid UTF-8.
func plain(raw []byte) bool {
	s := raw[1 : len(raw)-1]
	for i, c := range s {
		if c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf {
			return !slices.Contains(s[i:], '\\') && utf8.Valid(s[i:])
		}
	}
	return true
}

// text returns the Go string of the JSON string raw.
func text(raw []byte) string {
	if plain(raw) {
		return string(raw[1 : len(raw)-1])
	}
	return string(unquote(nil, raw))
}

// Members is the member names of a structure, in model order, as Object matches them.
type Members struct {
	exact  []string
	folded []string
	// paths are the names as AWS's member paths spell them (first letter lowered); required the indices of
	// the members whose absence Object reports.
	paths    []string
	required []int
}

// NewMembers returns the member names of a structure, in model order.
func NewMembers(names ...string) Members {
	m := Members{exact: names}
	for _, n := range names {
		m.folded = append(m.folded, string(fold(nil, []byte(n))))
		m.paths = append(m.paths, lowerFirst(n))
	}
	return m
}

// Require returns m with the members at the indices idx (at most 64) marked required and invisible when absent
// in their Go type (a plain string the model allows empty, a number, a boolean, a timestamp): Object reports
// each of them absent or null in the body, and Decode returns them in an *Absent.
func (m Members) Require(idx ...int) Members {
	if len(idx) > 64 {
		panic("jsonproto: more than 64 required members")
	}
	m.required = idx
	return m
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// absentPath is the member path of member i of the object being read.
func (d *Decoder) absentPath(name string) string {
	if len(d.path) == 0 {
		return name
	}
	return strings.Join(d.path, ".") + "." + name
}

// index returns the member a name means, or -1: the member with exactly that name, else the first whose name
// folds to the same as encoding/json folds names (ASCII letters to upper case, other runes to the smallest
// rune of their Unicode case-folding orbit, so "\u212a" (the Kelvin sign) matches "K").
func (m *Members) index(name []byte) int {
	for i, n := range m.exact {
		if string(name) == n {
			return i
		}
	}
	var buf [64]byte
	f := fold(buf[:0], name)
	for i, n := range m.folded {
		if string(f) == n {
			return i
		}
	}
	return -1
}

func fold(b, name []byte) []byte {
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(name[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b = utf8.AppendRune(b, r)
		i += n
	}
	return b
}

// Object reads a structure: null leaves v as it is; an object's members are read by member, called with the
// index of the member in members (-1 for a name that is none of them, which member must Skip).
func Object[T any](d *Decoder, v *T, members *Members, member func(d *Decoder, v *T, i int) error) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
	default:
		return d.mismatch("a structure")
	}
	var seen uint64 // bit k: members.required[k] was given, not null
	err := d.object(func(d *Decoder, name []byte) error {
		i := members.index(name)
		if i < 0 {
			return member(d, v, i)
		}
		if len(members.required) > 0 && d.peek() != 'n' {
			for k, r := range members.required {
				if r == i {
					seen |= 1 << k
				}
			}
		}
		d.path = append(d.path, members.paths[i])
		err := member(d, v, i)
		d.path = d.path[:len(d.path)-1]
		return err
	})
	if err != nil {
		return err
	}
	for k, r := range members.required {
		if seen&(1<<k) == 0 {
			d.missing = append(d.missing, d.absentPath(members.paths[r]))
		}
	}
	return nil
}

// Struct reads an optional nested structure (a pointer member): null sets it to nil; an object is read into
// *p, allocated if nil.
func Struct[T any](d *Decoder, p **T, read func(*Decoder, *T) error) error {
	if d.peek() == 'n' {
		*p = nil
		return d.literal("null")
	}
	if *p == nil {
		*p = new(T)
	}
	return read(d, *p)
}

// List reads a list: null sets it to nil; an array's elements are read by elem into the list's elements in
// order, reusing the ones the list already has (as encoding/json does), and the list is cut to the array's
// length; an empty array makes an empty, non-nil list.
func List[T any](d *Decoder, p *[]T, elem func(*Decoder, *T) error) error {
	switch d.peek() {
	case 'n':
		*p = nil
		return d.literal("null")
	case '[':
	default:
		return d.mismatch("a list")
	}
	s := *p
	i := 0
	err := d.array(func(d *Decoder) error {
		if i >= cap(s) {
			s = slices.Grow(s, 1)
		}
		if i >= len(s) {
			s = s[:i+1]
		}
		i++
		d.path = append(d.path, strconv.Itoa(i), "member")
		err := elem(d, &s[i-1])
		d.path = d.path[:len(d.path)-2]
		return err
	})
	if err != nil {
		return err
	}
	if i == 0 {
		s = make([]T, 0)
	}
	*p = s[:i]
	return nil
}

// Map reads a map: null sets it to nil; an object's members are read by elem into the map under their names
// (unescaped), a later member of a name replacing an earlier one, as encoding/json does; the map is made when
// nil, and an empty object makes an empty, non-nil map.
func Map[M ~map[K]V, K ~string, V any](d *Decoder, p *M, elem func(*Decoder, *V) error) error {
	switch d.peek() {
	case 'n':
		*p = nil
		return d.literal("null")
	case '{':
	default:
		return d.mismatch("a map")
	}
	if *p == nil {
		*p = make(M)
	}
	m := *p
	return d.object(func(d *Decoder, name []byte) error {
		key := K(name)
		d.path = append(d.path, string(key))
		var v V
		err := elem(d, &v)
		d.path = d.path[:len(d.path)-1]
		m[key] = v
		return err
	})
}

// value reads a scalar: null leaves it (returns nil raw), a value of another JSON type than want (the first
// byte of its text: '"' for strings, 't' for booleans, '0' for numbers) is an error.
func (d *Decoder) value(want byte, into string) ([]byte, error) {
	c := d.peek()
	if c == 'n' {
		return nil, d.literal("null")
	}
	kind := c
	switch {
	case c == 'f':
		kind = 't'
	case c == '-' || '0' <= c && c <= '9':
		kind = '0'
	}
	if kind != want {
		return nil, d.mismatch(into)
	}
	return d.scalar()
}

// String reads a string member that is not a pointer (required): null leaves it.
func String[S ~string](d *Decoder, v *S) error {
	raw, err := d.value('"', "a string")
	if raw != nil {
		*v = S(text(raw))
	}
	return err
}

// Blob reads a blob: a string of base64 (standard alphabet, padded); null leaves it. Text that is not base64 is
// an error.
func Blob(d *Decoder, v *[]byte) error {
	start := d.pos
	raw, err := d.value('"', "a base64 string")
	if err != nil || raw == nil {
		return err
	}
	b, derr := base64.StdEncoding.AppendDecode(make([]byte, 0, base64.StdEncoding.DecodedLen(len(raw))), []byte(text(raw)))
	if derr != nil {
		return &Error{Offset: start, Msg: "a blob that is not base64"}
	}
	*v = b
	return nil
}

// StringPtr reads an optional string member: null sets it to nil.
func StringPtr[S ~string](d *Decoder, p **S) error {
	return ptr(d, p, String[S])
}

// ptr reads an optional scalar with read: null sets *p to nil, another value is read into *p, allocated if
// nil.
func ptr[T any](d *Decoder, p **T, read func(*Decoder, *T) error) error {
	if d.peek() == 'n' {
		*p = nil
		return d.literal("null")
	}
	if *p == nil {
		*p = new(T)
	}
	return read(d, *p)
}

// Bool reads a boolean that is not a pointer: null leaves it.
func Bool(d *Decoder, v *bool) error {
	raw, err := d.value('t', "a boolean")
	if raw != nil {
		*v = raw[0] == 't'
	}
	return err
}

// BoolPtr reads an optional boolean: null sets it to nil.
func BoolPtr(d *Decoder, p **bool) error { return ptr(d, p, Bool) }

// Int32 reads an integer that is not a pointer: null leaves it; a fraction, an exponent or a value out of range
// is an error.
func Int32[I ~int32](d *Decoder, v *I) error {
	n, err := integer(d, 32)
	if err == nil && n != nil {
		*v = I(*n)
	}
	return err
}

// Int32Ptr reads an optional integer: null sets it to nil.
func Int32Ptr[I ~int32](d *Decoder, p **I) error { return ptr(d, p, Int32[I]) }

// Int64 reads a long that is not a pointer: null leaves it.
func Int64[I ~int64](d *Decoder, v *I) error {
	n, err := integer(d, 64)
	if err == nil && n != nil {
		*v = I(*n)
	}
	return err
}

// Int64Ptr reads an optional long: null sets it to nil.
func Int64Ptr[I ~int64](d *Decoder, p **I) error { return ptr(d, p, Int64[I]) }

func integer(d *Decoder, bits int) (*int64, error) {
	start := d.pos
	raw, err := d.value('0', "an integer")
	if err != nil || raw == nil {
		return nil, err
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || bits == 32 && int64(int32(n)) != n {
		return nil, &Error{Offset: start, Msg: "number " + string(raw) + " is not an integer in range"}
	}
	return &n, nil
}

// Timestamp reads a timestamp that is not a pointer: null leaves it; a number is epoch seconds (at most 1e12 in
// magnitude, read to the millisecond), a string RFC 3339 (time.RFC3339Nano) in Go's string syntax; either is
// read in UTC.
func Timestamp(d *Decoder, v *time.Time) error {
	start := d.pos
	switch c := d.peek(); {
	case c == 'n':
		return d.literal("null")
	case c == '"' || c == '-' || '0' <= c && c <= '9':
	default:
		return d.mismatch("a timestamp")
	}
	raw, err := d.scalar()
	if err != nil {
		return err
	}
	t, err := ParseTimestamp(raw)
	if err != nil {
		return &Error{Offset: start, Msg: err.Error()}
	}
	*v = t
	return nil
}

// TimestampPtr reads an optional timestamp: null sets it to nil.
func TimestampPtr(d *Decoder, p **time.Time) error { return ptr(d, p, Timestamp) }

// ParseTimestamp reads the JSON text of a timestamp: a number of epoch seconds or a string in RFC 3339.
func ParseTimestamp(b []byte) (time.Time, error) {
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %s: %w", b, err)
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("timestamp %q is not ISO 8601: %w", s, err)
		}
		return v.UTC(), nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return time.Time{}, fmt.Errorf("timestamp %s is not epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC(), nil
}
