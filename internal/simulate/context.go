package simulate

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/policy"
)

// Context builds the request context from context entries, checking every value against its ContextKeyType.
// Key names are matched ignoring case, as AWS matches condition keys; two entries for one key are an error. An
// entry without a type is taken as text, single- or multivalued. A scalar type ("string", "numeric", ...) takes
// exactly one value; a list type ("stringList", ...) takes any number. Values are kept as given: the condition
// operators read them by their own type.
func Context(entries []ContextEntry) (policy.Context, error) {
	ctx := policy.Context{}
	var v validation
	for i, e := range entries {
		at := fmt.Sprintf("contextEntries.%d.member", i+1)
		v.length(e.ContextKeyName, at+".contextKeyName", 5, 256)
		if e.ContextKeyName == "" {
			continue
		}
		if _, dup := ctx.Get(e.ContextKeyName); dup {
			return nil, invalidInput("Context key %s is given more than once", e.ContextKeyName)
		}
		elem, list, ok := splitKeyType(e.ContextKeyType)
		if !ok {
			v.addf(string(e.ContextKeyType), at+".contextKeyType", "Member must satisfy enum value set: [%s]", keyTypeNames)
			continue
		}
		if e.ContextKeyType != "" && !list && len(e.ContextKeyValues) != 1 {
			return nil, invalidInput("Context key %s of type %s takes exactly one value, not %d; use type %sList for several",
				e.ContextKeyName, e.ContextKeyType, len(e.ContextKeyValues), e.ContextKeyType)
		}
		for _, val := range e.ContextKeyValues {
			if msg := checkValue(elem, val); msg != "" {
				return nil, invalidInput("Context key %s: value %q is not %s", e.ContextKeyName, val, msg)
			}
		}
		ctx.Set(e.ContextKeyName, append([]string(nil), e.ContextKeyValues...)...)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return ctx, nil
}

const keyTypeNames = "string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList"

// splitKeyType returns a key type's element type and whether it is a list type; "" is an untyped entry.
func splitKeyType(t KeyType) (elem KeyType, list, ok bool) {
	switch t {
	case "":
		return "", true, true
	case KeyString, KeyNumeric, KeyBoolean, KeyIP, KeyBinary, KeyDate:
		return t, false, true
	case KeyStringList, KeyNumericList, KeyBooleanList, KeyIPList, KeyBinaryList, KeyDateList:
		return KeyType(strings.TrimSuffix(string(t), "List")), true, true
	}
	return "", false, false
}

// checkValue returns "" when val is a value of type t, else what it should have been.
func checkValue(t KeyType, val string) string {
	switch t {
	case KeyNumeric:
		if _, err := strconv.ParseFloat(val, 64); err != nil {
			return "a number"
		}
	case KeyBoolean:
		if !strings.EqualFold(val, "true") && !strings.EqualFold(val, "false") {
			return "true or false"
		}
	case KeyIP:
		if _, err := netip.ParseAddr(val); err != nil {
			return "an IPv4 or IPv6 address"
		}
	case KeyBinary:
		if _, err := base64.StdEncoding.DecodeString(val); err != nil {
			return "base64-encoded binary data"
		}
	case KeyDate:
		if !isDate(val) {
			return "a date (ISO 8601, such as 2026-01-02T15:04:05Z, or seconds since 1970)"
		}
	}
	return ""
}

// dateLayouts are the ISO 8601 forms accepted for date values: those the policy language's Date operators read.
var dateLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102T150405Z0700",
	"20060102T150405Z",
	"20060102",
}

// isDate reports whether s is an ISO 8601 date or date-time, or a POSIX time in seconds.
func isDate(s string) bool {
	if s == "" {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	for _, l := range dateLayouts {
		if _, err := time.Parse(l, s); err == nil {
			return true
		}
	}
	return false
}
