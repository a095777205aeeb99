// Package trailjson is the runtime of the audit-trail encoders that tools/genshapes -trail generates for a
// service's shapes (internal/api/{iam,sts,org}api/zz_generated_trail.go): they write a call's input and output
// as CloudTrail writes requestParameters and responseElements, without reflection.
//
// CloudTrail's form, from its user guides' IAM, STS and Organizations examples: a JSON object whose members are
// the model's member names with the first letter lower-cased ("userName", "sAMLAssertionID"), in model order,
// absent members left out; lists as arrays, structures as objects, maps as objects (keys sorted here, so that the
// output is stable); timestamps as strings in the form "Dec 9, 2025, 5:31:31 PM" (UTC), for Organizations too
// ("requestedTimestamp": "Jun 21, 2018 10:06:27 PM" in the Organizations User Guide, before CloudTrail added the
// comma after the year); blobs as base64. A member that holds a secret is written as the string
// audit.Hidden ("HIDDEN_DUE_TO_SECURITY_REASONS") when it is present, whatever its type.
package trailjson

import (
	"encoding/base64"
	"time"

	"github.com/iamd-dev/iamd/internal/api/jsonproto"
	"github.com/iamd-dev/iamd/internal/audit"
)

// TimeLayout is how CloudTrail writes a timestamp of a request's parameters or a response's elements (in UTC).
const TimeLayout = "Jan 2, 2006, 3:04:05 PM"

// Hidden appends the JSON string that stands for a secret.
func Hidden(b []byte) []byte { return append(b, `"`+audit.Hidden+`"`...) }

// HiddenElem writes a list element or map value that holds a secret.
func HiddenElem[T any](b []byte, _ *T) []byte { return Hidden(b) }

// Time appends t as CloudTrail writes timestamps, a JSON string.
func Time(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"')
}

// TimeElem writes a timestamp list element.
func TimeElem(b []byte, t *time.Time) []byte { return Time(b, *t) }

// Blob appends v as a base64 JSON string.
func Blob(b []byte, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// BlobElem writes a blob list element.
func BlobElem(b []byte, v *[]byte) []byte { return Blob(b, *v) }

// Map appends m as a JSON object, its keys sorted, each value written by val.
func Map[K ~string, V any](b []byte, m map[K]V, val func([]byte, V) []byte) []byte {
	return MapRef(b, m, func(b []byte, v *V) []byte { return val(b, *v) })
}

// MapRef is Map for values written by address (structures).
func MapRef[K ~string, V any](b []byte, m map[K]V, val func([]byte, *V) []byte) []byte {
	if m == nil {
		m = map[K]V{} // {}, as CloudTrail writes an empty map
	}
	return jsonproto.AppendMap(b, m, val)
}

// HiddenValue writes a map value that holds a secret.
func HiddenValue[V any](b []byte, _ V) []byte { return Hidden(b) }

// Object appends what enc appends, an object, or null when the object has no member: CloudTrail writes null for
// the requestParameters of a call given no parameter (GetCallerIdentity) and for responseElements without any.
func Object(b []byte, enc func([]byte) []byte) []byte {
	n := len(b)
	b = enc(b)
	if len(b)-n == 2 && b[n] == '{' && b[n+1] == '}' {
		b = append(b[:n], "null"...)
	}
	return b
}
