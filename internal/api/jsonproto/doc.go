// Package jsonproto is the runtime of the AWS JSON 1.1 codecs that tools/genshapes generates for a service's
// shapes (internal/api/orgapi/zz_generated_codec.go): an append-style writer and a small scanner, without
// reflection.
//
// The codecs answer exactly as encoding/json did over the json-tagged shapes they replace, since that is what
// clients have seen:
//
//   - writing: members in model order, optional members left out when nil (a non-nil empty list is written []), required ones
//     written as null when nil; strings escaped as json.Marshal escapes them, HTML characters included;
//     timestamps as epoch seconds with up to millisecond precision (1732541234.123).
//   - reading: the body must be one valid JSON value (RFC 8259, nesting at most 10000 deep) with only
//     whitespace after it; a member name matches a member exactly or, failing that, case-insensitively as
//     encoding/json folds names; unknown members are skipped; null leaves a string, number, boolean or
//     structure value as it is and clears a pointer or list; any other value of the wrong JSON type is an
//     error; a member given twice is decoded twice into the same place (a nested structure or list element
//     keeps what the first time set and the second does not); integers are decimal without fraction or
//     exponent and in range; timestamps are epoch seconds (a number) or an RFC 3339 string.
package jsonproto
