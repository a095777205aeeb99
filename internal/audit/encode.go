package audit

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Every call builds its event, a mutating call twice: the record's encoder is written out rather than left to
// encoding/json's reflection, at a quarter of its cost. Its output is encoding/json's, byte for byte (HTML-safe
// escaping, omitempty and omitzero, raw members compacted): TestEncodeIsEncodingJSON holds it to that.

// MarshalJSON encodes the record as encoding/json would.
func (e *Event) MarshalJSON() ([]byte, error) { return e.AppendJSON(make([]byte, 0, 1536)), nil }

// AppendJSON appends the record's JSON to b.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"eventVersion":`...)
	b = appendString(b, e.EventVersion)
	b = append(b, `,"userIdentity":`...)
	b = e.UserIdentity.appendJSON(b)
	b = appendMember(b, "eventTime", e.EventTime)
	b = appendMember(b, "eventSource", e.EventSource)
	b = appendMember(b, "eventName", e.EventName)
	b = appendMember(b, "awsRegion", e.AWSRegion)
	b = appendMember(b, "sourceIPAddress", e.SourceIPAddress)
	b = appendMember(b, "userAgent", e.UserAgent)
	b = appendOptional(b, "errorCode", e.ErrorCode)
	b = appendOptional(b, "errorMessage", e.ErrorMessage)
	b = append(b, `,"requestParameters":`...)
	b = appendRaw(b, e.RequestParameters)
	b = append(b, `,"responseElements":`...)
	b = appendRaw(b, e.ResponseElements)
	if len(e.AdditionalEventData) > 0 {
		b = append(b, `,"additionalEventData":`...)
		b = appendRaw(b, e.AdditionalEventData)
	}
	b = appendMember(b, "requestID", e.RequestID)
	b = appendMember(b, "eventID", e.EventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, e.ReadOnly)
	if len(e.Resources) > 0 {
		b = append(b, `,"resources":[`...)
		for i, r := range e.Resources {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ARN":`...)
			b = appendString(b, r.ARN)
			b = appendOptional(b, "accountId", r.AccountID)
			b = appendOptional(b, "type", r.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendMember(b, "eventType", e.EventType)
	b = appendOptional(b, "apiVersion", e.APIVersion)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, e.ManagementEvent)
	b = appendMember(b, "recipientAccountId", e.RecipientAccountID)
	b = appendMember(b, "eventCategory", e.EventCategory)
	if t := e.TLSDetails; t != nil {
		b = append(b, `,"tlsDetails":{"tlsVersion":`...)
		b = appendString(b, t.TLSVersion)
		b = appendMember(b, "cipherSuite", t.CipherSuite)
		b = appendMember(b, "clientProvidedHostHeader", t.ClientProvidedHostHeader)
		b = append(b, '}')
	}
	return append(b, '}')
}

func (u *UserIdentity) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, u.Type)
	b = appendOptional(b, "principalId", u.PrincipalID)
	b = appendOptional(b, "arn", u.ARN)
	b = appendOptional(b, "accountId", u.AccountID)
	b = appendOptional(b, "accessKeyId", u.AccessKeyID)
	b = appendOptional(b, "userName", u.UserName)
	b = appendOptional(b, "identityProvider", u.IdentityProvider)
	if s := u.SessionContext; s != nil {
		b = append(b, `,"sessionContext":{`...)
		first := len(b)
		if i := s.SessionIssuer; i != nil {
			b = append(b, `"sessionIssuer":{"type":`...)
			b = appendString(b, i.Type)
			b = appendOptional(b, "principalId", i.PrincipalID)
			b = appendMember(b, "arn", i.ARN)
			b = appendMember(b, "accountId", i.AccountID)
			b = appendMember(b, "userName", i.UserName)
			b = append(b, '}')
		}
		if w := s.WebIDFederationData; w != nil {
			b = comma(b, first)
			b = append(b, `"webIdFederationData":{`...)
			inner := len(b)
			if w.FederatedProvider != "" {
				b = append(b, `"federatedProvider":`...)
				b = appendString(b, w.FederatedProvider)
			}
			if len(w.Attributes) > 0 {
				b = comma(b, inner)
				b = append(b, `"attributes":{`...)
				keys := make([]string, 0, len(w.Attributes))
				for k := range w.Attributes {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for i, k := range keys {
					if i > 0 {
						b = append(b, ',')
					}
					b = appendString(b, k)
					b = append(b, ':')
					b = appendString(b, w.Attributes[k])
				}
				b = append(b, '}')
			}
			b = append(b, '}')
		}
		if s.Attributes != (SessionAttributes{}) {
			b = comma(b, first)
			b = append(b, `"attributes":{"creationDate":`...)
			b = appendString(b, s.Attributes.CreationDate)
			b = appendMember(b, "mfaAuthenticated", s.Attributes.MFAAuthenticated)
			b = append(b, '}')
		}
		if s.SourceIdentity != "" {
			b = comma(b, first)
			b = append(b, `"sourceIdentity":`...)
			b = appendString(b, s.SourceIdentity)
		}
		b = append(b, '}')
	}
	b = appendOptional(b, "invokedBy", u.InvokedBy)
	return append(b, '}')
}

// MarshalJSON encodes the explanation as encoding/json would.
func (x *Explanation) MarshalJSON() ([]byte, error) { return x.appendJSON(make([]byte, 0, 256)), nil }

func (x *Explanation) appendJSON(b []byte) []byte {
	b = append(b, `{"decision":`...)
	b = appendString(b, x.Decision)
	b = appendOptional(b, "action", x.Action)
	b = appendOptional(b, "resource", x.Resource)
	if len(x.Statements) > 0 {
		b = append(b, `,"decidingStatements":[`...)
		for i, s := range x.Statements {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"policy":`...)
			b = appendString(b, s.Policy)
			b = appendOptional(b, "layer", s.Layer)
			b = appendOptional(b, "sid", s.Sid)
			b = append(b, `,"index":`...)
			b = strconv.AppendInt(b, int64(s.Index), 10)
			b = appendMember(b, "effect", s.Effect)
			b = appendOptional(b, "attachedTo", s.AttachedTo)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOptional(b, "missingLayer", x.MissingLayer)
	b = appendOptional(b, "reason", x.Reason)
	return append(b, '}')
}

// comma appends a member separator unless the object's first member starts at first.
func comma(b []byte, first int) []byte {
	if len(b) > first {
		return append(b, ',')
	}
	return b
}

// appendMember appends `,"name":"value"`.
func appendMember(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

// appendOptional is appendMember for an omitempty member.
func appendOptional(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	return appendMember(b, name, value)
}

// appendRaw appends a raw JSON member as encoding/json does: null when empty, else compacted with HTML-safe
// escaping; JSON that does not compact is written as null (encoding/json would fail the whole record).
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	if compactSafe(raw) {
		return append(b, raw...)
	}
	var c bytes.Buffer
	if json.Compact(&c, raw) != nil {
		return append(b, "null"...)
	}
	var h bytes.Buffer
	json.HTMLEscape(&h, c.Bytes())
	return append(b, h.Bytes()...)
}

// compactSafe reports whether raw is JSON that encoding/json would copy as it is: valid, with no space between its
// tokens and nothing HTMLEscape would change (<, >, &, U+2028, U+2029). It reads raw once, without encoding/json's
// scanner (request parameters hold policy documents: this is on every change's path). It may answer false for JSON
// that is safe all the same (nesting deeper than maxCompactDepth): appendRaw then leaves the decision to
// encoding/json.
func compactSafe(raw []byte) bool {
	s := compactScanner{b: raw}
	return s.value(0) && s.i == len(raw)
}

// maxCompactDepth is the nesting compactSafe reads; deeper JSON goes to encoding/json.
const maxCompactDepth = 64

// compactScanner checks JSON text with no insignificant space, by the grammar of RFC 8259 as encoding/json reads it
// (strings are not checked for valid UTF-8: encoding/json copies raw bytes as they are).
type compactScanner struct {
	b []byte
	i int
}

func (s *compactScanner) value(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		if depth >= maxCompactDepth {
			return false
		}
		s.i++
		if s.next('}') {
			return true
		}
		for {
			if s.i >= len(s.b) || s.b[s.i] != '"' || !s.str() || !s.next(':') || !s.value(depth+1) {
				return false
			}
			if s.next('}') {
				return true
			}
			if !s.next(',') {
				return false
			}
		}
	case c == '[':
		if depth >= maxCompactDepth {
			return false
		}
		s.i++
		if s.next(']') {
			return true
		}
		for {
			if !s.value(depth + 1) {
				return false
			}
			if s.next(']') {
				return true
			}
			if !s.next(',') {
				return false
			}
		}
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

// next consumes c if it is next.
func (s *compactScanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *compactScanner) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// str consumes a string that HTMLEscape leaves as it is.
func (s *compactScanner) str() bool {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case '"':
			s.i++
			return true
		case '\\':
			n := escapeLen(s.b[s.i:])
			if n == 0 {
				return false
			}
			s.i += n
		case '<', '>', '&':
			return false
		case 0xe2:
			if s.i+2 < len(s.b) && s.b[s.i+1] == 0x80 && s.b[s.i+2]&^1 == 0xa8 { // U+2028, U+2029
				return false
			}
			s.i++
		default:
			if c < 0x20 {
				return false
			}
			s.i++
		}
	}
	return false
}

// number consumes a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *compactScanner) number() bool {
	s.next('-')
	switch {
	case s.next('0'):
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.next('.') && !s.digits() {
		return false
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits consumes one digit or more.
func (s *compactScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does by default: <, > and & escaped for HTML,
// U+2028 and U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
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
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
