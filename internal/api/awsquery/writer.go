package awsquery

import (
	"bytes"
	"encoding/base64"
	"io"
	"slices"
	"strconv"
	"time"
)

// ContentType is the Content-Type IAM and STS send with query-protocol responses.
const ContentType = "text/xml"

// EncodeError writes a query-protocol error response:
//
//	<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//	  <Error>
//	    <Type>Sender</Type>
//	    <Code>NoSuchEntity</Code>
//	    <Message>The user with name bob cannot be found.</Message>
//	  </Error>
//	  <RequestId>...</RequestId>
//	</ErrorResponse>
//
// An empty Type is written as Sender. The caller sets the HTTP status (e.HTTPStatus) before calling it.
func EncodeError(w io.Writer, xmlns string, e ErrorInfo, requestID string) error {
	x := &Writer{}
	typ := e.Type
	if typ == "" {
		typ = "Sender"
	}
	x.open(0, "ErrorResponse", xmlns)
	x.Open(1, "Error")
	x.String(2, "Type", typ)
	x.String(2, "Code", e.Code)
	x.String(2, "Message", e.Message)
	x.Close(1, "Error")
	x.String(1, "RequestId", requestID)
	x.Close(0, "ErrorResponse")
	_, err := w.Write(x.b.Bytes())
	return err
}

// Writer builds a query-protocol XML document as IAM and STS write it: one element per line, indented by two
// spaces per depth, no XML declaration. The generated encoders of internal/api/iamapi and stsapi
// (tools/genshapes -codec) call it, one function per structure shape:
//
//   - a structure is <Name>members</Name>, or <Name/> when no member is written; nil optional members are
//     left out;
//   - a list is <Users><member>...</member></Users>; an empty one is <Users/>, and a nil one is left out when
//     the member is optional and written <Users/> when it is required; a flattened list repeats its element;
//   - a map is <Name><entry><key>k</key><value>v</value></entry>...</Name>, entries sorted by key;
//   - timestamps are UTC ISO 8601 (FormatTimestamp), booleans true/false, blobs base64.
//
// The whole document is built before anything is written out.
type Writer struct {
	b bytes.Buffer
}

// NewResponse starts the response to action: <ActionResponse xmlns="...">. The operation writes its result
// element at depth 1; WriteResponse ends the document.
func NewResponse(action, xmlns string) *Writer {
	x := &Writer{}
	x.b.Grow(1024)
	x.open(0, action+"Response", xmlns)
	return x
}

// WriteResponse ends the response that NewResponse started, with its ResponseMetadata, and writes it to w:
//
//	<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//	  <CreateUserResult>
//	    ...
//	  </CreateUserResult>
//	  <ResponseMetadata>
//	    <RequestId>...</RequestId>
//	  </ResponseMetadata>
//	</CreateUserResponse>
func (x *Writer) WriteResponse(w io.Writer, action, requestID string) error {
	x.Open(1, "ResponseMetadata")
	x.String(2, "RequestId", requestID)
	x.Close(1, "ResponseMetadata")
	x.Close(0, action+"Response")
	_, err := w.Write(x.b.Bytes())
	return err
}

func (x *Writer) indent(depth int) {
	for i := 0; i < depth; i++ {
		x.b.WriteString("  ")
	}
}

func (x *Writer) open(depth int, name, xmlns string) {
	x.indent(depth)
	x.b.WriteByte('<')
	x.b.WriteString(name)
	if xmlns != "" {
		x.b.WriteString(` xmlns="`)
		escape(&x.b, xmlns, true)
		x.b.WriteString(`"`)
	}
	x.b.WriteString(">\n")
}

// Open writes <name>.
func (x *Writer) Open(depth int, name string) { x.open(depth, name, "") }

// Close writes </name>.
func (x *Writer) Close(depth int, name string) {
	x.indent(depth)
	x.b.WriteString("</")
	x.b.WriteString(name)
	x.b.WriteString(">\n")
}

// Empty writes <name/>.
func (x *Writer) Empty(depth int, name string) {
	x.indent(depth)
	x.b.WriteByte('<')
	x.b.WriteString(name)
	x.b.WriteString("/>\n")
}

// String writes <name>text</name>, text escaped.
func (x *Writer) String(depth int, name, text string) {
	x.indent(depth)
	x.b.WriteByte('<')
	x.b.WriteString(name)
	x.b.WriteByte('>')
	escape(&x.b, text, false)
	x.b.WriteString("</")
	x.b.WriteString(name)
	x.b.WriteString(">\n")
}

// raw writes <name>text</name> for text that needs no escaping.
func (x *Writer) raw(depth int, name string, text []byte) {
	x.indent(depth)
	x.b.WriteByte('<')
	x.b.WriteString(name)
	x.b.WriteByte('>')
	x.b.Write(text)
	x.b.WriteString("</")
	x.b.WriteString(name)
	x.b.WriteString(">\n")
}

// Int writes an integer in base 10.
func (x *Writer) Int(depth int, name string, v int64) {
	var buf [24]byte
	x.raw(depth, name, strconv.AppendInt(buf[:0], v, 10))
}

// Bool writes true or false.
func (x *Writer) Bool(depth int, name string, v bool) {
	var buf [8]byte
	x.raw(depth, name, strconv.AppendBool(buf[:0], v))
}

// Float writes a number in its shortest decimal form for bits (32 or 64).
func (x *Writer) Float(depth int, name string, v float64, bits int) {
	var buf [32]byte
	x.raw(depth, name, strconv.AppendFloat(buf[:0], v, 'f', -1, bits))
}

// Time writes a timestamp as FormatTimestamp does.
func (x *Writer) Time(depth int, name string, t time.Time) {
	var buf [32]byte
	x.raw(depth, name, appendTimestamp(buf[:0], t))
}

// Blob writes bytes in base64.
func (x *Writer) Blob(depth int, name string, v []byte) {
	x.raw(depth, name, base64.StdEncoding.AppendEncode(nil, v))
}

// Mark is where a structure element started; see StartStruct.
type Mark struct{ start, afterOpen int }

// StartStruct writes <name> and returns the mark EndStruct needs.
func (x *Writer) StartStruct(depth int, name string) Mark {
	m := Mark{start: x.b.Len()}
	x.Open(depth, name)
	m.afterOpen = x.b.Len()
	return m
}

// EndStruct writes </name>, or takes back the <name> of m and writes <name/> when no member was written.
func (x *Writer) EndStruct(m Mark, depth int, name string) {
	if x.b.Len() == m.afterOpen {
		x.b.Truncate(m.start)
		x.Empty(depth, name)
		return
	}
	x.Close(depth, name)
}

// SortedKeys returns the keys of m in the order a map's entries are written.
func SortedKeys[M ~map[K]V, K ~string, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// FormatTimestamp writes t as AWS writes timestamps in query-protocol responses: UTC, ISO 8601, whole
// seconds (2024-05-01T12:00:00Z) unless t has a fraction of a second, then milliseconds
// (2024-05-01T12:00:00.123Z).
func FormatTimestamp(t time.Time) string {
	var buf [32]byte
	return string(appendTimestamp(buf[:0], t))
}

func appendTimestamp(b []byte, t time.Time) []byte {
	t = t.UTC()
	if t.Nanosecond()/int(time.Millisecond) == 0 {
		return t.AppendFormat(b, "2006-01-02T15:04:05Z")
	}
	return t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
}

// escape writes s as XML character data: &, < and > as entities (and " in attributes), a carriage return as
// &#xD; so it survives parsing, and characters XML cannot hold as U+FFFD. Quotes and apostrophes in text stay
// as they are, so messages read as AWS writes them.
func escape(b *bytes.Buffer, s string, attr bool) {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c >= 0x80 {
			plain = false
			break
		}
	}
	if plain {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
}
