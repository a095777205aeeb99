package sigv4

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// The canonical request, the string to sign and the signing key, as AWS specifies them for SigV4 (services other
// than S3). The functions append to a caller's buffer so that Verify can build everything in stack memory.

const (
	algorithm     = "AWS4-HMAC-SHA256"
	terminator    = "aws4_request"
	amzDateLayout = "20060102T150405Z"
	// unsignedPayload is the payload hash a client sends (in X-Amz-Content-Sha256) to leave the body unsigned.
	unsignedPayload = "UNSIGNED-PAYLOAD"
	// emptySHA256 is the hex SHA-256 of an empty body.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

const upperHex = "0123456789ABCDEF"
const lowerHex = "0123456789abcdef"

// unreserved reports whether c is left as it is by SigV4's URI encoding: A-Z, a-z, 0-9, '-', '.', '_' and '~'.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// appendEncoded appends s URI-encoded: every byte but the unreserved ones becomes %XX with upper-case hex.
func appendEncoded(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		b = appendEncodedByte(b, s[i])
	}
	return b
}

func appendEncodedByte(b []byte, c byte) []byte {
	if unreserved(c) {
		return append(b, c)
	}
	return append(b, '%', upperHex[c>>4], upperHex[c&15])
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendReencoded appends s, a query key or value as it came on the wire, decoded and then URI-encoded again, in
// one pass. A '%' not followed by two hex digits is taken literally (and so encoded as %25). With plusIsSpace, '+'
// decodes to a space (%20), as form encoding has it and as botocore relies on: it sends query parameters encoded
// with quote_plus but signs them encoded with quote. Without it, '+' is a literal plus (%2B), as the AWS SDKs sign
// a '+' they find in a URL (AWS's get-query-plus case: "c+d" signs as "c%2Bd=").
func appendReencoded(b []byte, s string, plusIsSpace bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				c = hi<<4 | lo
				i += 2
			}
		case c == '+' && plusIsSpace:
			c = ' '
		}
		b = appendEncodedByte(b, c)
	}
	return b
}

// percentDecode decodes %XX escapes of a query value; it leaves '+' and malformed escapes as they are. It
// allocates only when s holds an escape.
func percentDecode(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// appendCanonicalURI appends the canonical URI of rawPath, the path as it came on the wire (still
// percent-encoded). For services other than S3, AWS normalises the path (removes "." and ".." segments and empty
// segments, keeping a trailing slash) and URI-encodes each segment of the already-encoded path again — the double
// encoding: a space sent as %20 signs as %2520. An empty path is "/".
func appendCanonicalURI(b []byte, rawPath string) []byte {
	start := len(b)
	rest := rawPath
	for rest != "" {
		var seg string
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			seg, rest = rest, ""
		}
		switch seg {
		case "", ".":
		case "..":
			// Drop the last segment written, if any.
			for j := len(b) - 1; j >= start; j-- {
				if b[j] == '/' {
					b = b[:j]
					break
				}
			}
		default:
			b = append(b, '/')
			b = appendEncoded(b, seg)
		}
	}
	if len(b) == start {
		return append(b, '/')
	}
	if strings.HasSuffix(rawPath, "/") {
		b = append(b, '/')
	}
	return b
}

// queryPair locates one re-encoded key and value in a scratch buffer.
type queryPair struct{ k0, k1, v1 int } // key is scratch[k0:k1], value is scratch[k1:v1]

// appendCanonicalQuery appends the canonical query string of rawQuery, the query as it came on the wire: each
// parameter's key and value decoded and URI-encoded again, sorted by key and then value (byte order of the
// encoded forms), joined as k=v with '&'. A parameter without '=' has an empty value. With presigned set, the
// X-Amz-Signature parameter is left out, as the signature cannot sign itself. plusIsSpace is as for
// appendReencoded.
func appendCanonicalQuery(b []byte, rawQuery string, presigned, plusIsSpace bool) []byte {
	if rawQuery == "" {
		return b
	}
	var scratchArr [1024]byte
	var pairsArr [16]queryPair
	scratch, pairs := scratchArr[:0], pairsArr[:0]
	for rest := rawQuery; rest != ""; {
		var kv string
		if i := strings.IndexByte(rest, '&'); i >= 0 {
			kv, rest = rest[:i], rest[i+1:]
		} else {
			kv, rest = rest, ""
		}
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k0 := len(scratch)
		scratch = appendReencoded(scratch, k, plusIsSpace)
		k1 := len(scratch)
		if presigned && string(scratch[k0:k1]) == "X-Amz-Signature" {
			scratch = scratch[:k0]
			continue
		}
		scratch = appendReencoded(scratch, v, plusIsSpace)
		pairs = append(pairs, queryPair{k0, k1, len(scratch)})
	}
	if len(pairs) > 1 {
		slices.SortFunc(pairs, func(x, y queryPair) int {
			if c := bytes.Compare(scratch[x.k0:x.k1], scratch[y.k0:y.k1]); c != 0 {
				return c
			}
			return bytes.Compare(scratch[x.k1:x.v1], scratch[y.k1:y.v1])
		})
	}
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, scratch[p.k0:p.k1]...)
		b = append(b, '=')
		b = append(b, scratch[p.k1:p.v1]...)
	}
	return b
}

// appendCanonicalHeaders appends one "name:value\n" line per name of signedHeaders (the ';'-separated list as the
// client sent it), then a blank line and the list itself. A header's values (one per header line) are trimmed,
// runs of spaces and tabs inside them collapsed to one space, and joined with ','. The host comes from r.Host
// (or r.URL.Host), where net/http keeps it; Content-Length and Transfer-Encoding fall back to the fields
// net/http moves them into.
func appendCanonicalHeaders(b []byte, r *http.Request, signedHeaders string) []byte {
	for rest := signedHeaders; ; {
		name, more, found := strings.Cut(rest, ";")
		b = append(b, name...)
		b = append(b, ':')
		switch {
		case strings.EqualFold(name, "host"):
			host := r.Host
			if host == "" && r.URL != nil {
				host = r.URL.Host
			}
			b = appendTrimmed(b, host)
		default:
			vals := headerValues(r.Header, name)
			if vals == nil {
				vals = fallbackValues(r, name)
			}
			for i, v := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendTrimmed(b, v)
			}
		}
		b = append(b, '\n')
		if !found {
			break
		}
		rest = more
	}
	b = append(b, '\n')
	return append(b, signedHeaders...)
}

// fallbackValues gives the values net/http takes out of the header map.
func fallbackValues(r *http.Request, name string) []string {
	switch {
	case strings.EqualFold(name, "content-length"):
		if r.ContentLength > 0 || r.ContentLength == 0 && r.Body != nil && r.Body != http.NoBody {
			return []string{itoa(r.ContentLength)}
		}
	case strings.EqualFold(name, "transfer-encoding"):
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return nil
}

func itoa(n int64) string {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(buf[i:])
}

// appendTrimmed appends v without leading and trailing spaces and tabs, with each inner run of them collapsed to
// one space (SigV4's Trimall).
func appendTrimmed(b []byte, v string) []byte {
	if trimmed(v) {
		return append(b, v...)
	}
	space := false
	wrote := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space && wrote {
			b = append(b, ' ')
		}
		space = false
		wrote = true
		b = append(b, c)
	}
	return b
}

// trimmed reports whether v is already in Trimall form: no tab, no leading, trailing or repeated space.
func trimmed(v string) bool {
	if v == "" {
		return true
	}
	if v[0] == ' ' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] == '\t' || v[i] == ' ' && v[i+1] == ' ' {
			return false
		}
	}
	return true
}

// headerValues returns the values of the header with the given (lower-case) name, looking it up under its
// canonical key without allocating; headers stored under a non-canonical key (possible only when a caller
// fills the map by hand) are found by a case-insensitive scan, their values in the order of their sorted keys,
// as net/http would write them.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		if v, ok := h[string(canonicalKey(buf[:0], name))]; ok {
			return v
		}
	} else if v, ok := h[http.CanonicalHeaderKey(name)]; ok {
		return v
	}
	var keys []string
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return h[keys[0]]
	}
	sort.Strings(keys)
	var vals []string
	for _, k := range keys {
		vals = append(vals, h[k]...)
	}
	return vals
}

// canonicalKey appends the MIME canonical form of name (as net/textproto makes it: upper case at the start and
// after each '-', lower case elsewhere); a name with a byte that is not a token character is left as it is.
func canonicalKey(b []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		if !tokenChar(name[i]) {
			return append(b, name...)
		}
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
		upper = c == '-'
	}
	return b
}

func tokenChar(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// appendCanonicalRequest appends the whole canonical request:
//
//	method \n canonical URI \n canonical query \n canonical headers \n \n signed headers \n payload hash
//
// The payload hash is payloadHash when given, else the hex SHA-256 of body. A '+' in the query is a space; see
// appendReencoded.
func appendCanonicalRequest(b []byte, r *http.Request, method, rawPath, rawQuery string, presigned bool, signedHeaders, payloadHash string, body []byte) []byte {
	return appendCanonicalRequestMode(b, r, method, rawPath, rawQuery, presigned, true, signedHeaders, payloadHash, body)
}

func appendCanonicalRequestMode(b []byte, r *http.Request, method, rawPath, rawQuery string, presigned, plusIsSpace bool, signedHeaders, payloadHash string, body []byte) []byte {
	b = append(b, method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, rawPath)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, rawQuery, presigned, plusIsSpace)
	b = append(b, '\n')
	b = appendCanonicalHeaders(b, r, signedHeaders)
	b = append(b, '\n')
	if payloadHash != "" {
		return append(b, payloadHash...)
	}
	sum := sha256.Sum256(body)
	return appendHex(b, sum[:])
}

// appendStringToSign appends "AWS4-HMAC-SHA256 \n date \n scope \n hex(SHA-256(canonical request))", with the
// scope "yyyymmdd/region/service/aws4_request".
func appendStringToSign(b []byte, amzDate string, scopeDate, region, service string, canonicalRequest []byte) []byte {
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = appendScope(b, scopeDate, region, service)
	b = append(b, '\n')
	sum := sha256.Sum256(canonicalRequest)
	return appendHex(b, sum[:])
}

func appendScope(b []byte, date, region, service string) []byte {
	b = append(b, date...)
	b = append(b, '/')
	b = append(b, region...)
	b = append(b, '/')
	b = append(b, service...)
	b = append(b, '/')
	return append(b, terminator...)
}

func appendHex(b []byte, p []byte) []byte {
	for _, c := range p {
		b = append(b, lowerHex[c>>4], lowerHex[c&15])
	}
	return b
}

// decodeHex32 decodes a 64-digit hex string (either case) into 32 bytes.
func decodeHex32(s string) (out [32]byte, ok bool) {
	if len(s) != 64 {
		return out, false
	}
	for i := range out {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

// hmacSHA256 is HMAC-SHA256 (RFC 2104) computed with sha256.Sum256 over stack buffers, so that the verification
// path does not allocate (crypto/hmac allocates its state on every use). It is tested against crypto/hmac.
func hmacSHA256(key, msg []byte) [32]byte {
	var k [64]byte
	if len(key) > len(k) {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var innerArr [64 + 192]byte
	inner := innerArr[:64]
	for i := range k {
		inner[i] = k[i] ^ 0x36
	}
	inner = append(inner, msg...)
	innerSum := sha256.Sum256(inner)
	var outer [64 + 32]byte
	for i := range k {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[64:], innerSum[:])
	return sha256.Sum256(outer[:])
}

// deriveSigningKey derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
// "aws4_request").
func deriveSigningKey(secret []byte, date, region, service string) [32]byte {
	var seedArr [68]byte
	seed := append(append(seedArr[:0], "AWS4"...), secret...)
	k := hmacSHA256(seed, []byte(date))
	clear(seedArr[:])
	k = hmacSHA256(k[:], []byte(region))
	k = hmacSHA256(k[:], []byte(service))
	return hmacSHA256(k[:], []byte(terminator))
}

// parseAmzDate parses the ISO 8601 basic format AWS uses, "20150830T123600Z", strictly.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, j int) (int, bool) {
		n := 0
		for ; i < j; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(4, 6)
	day, ok3 := num(6, 8)
	hour, ok4 := num(9, 11)
	minute, ok5 := num(11, 13)
	sec, ok6 := num(13, 15)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 20150231 and the like
		return time.Time{}, false
	}
	return t, true
}

// formatAmzDate formats t in UTC in the ISO 8601 basic format.
func formatAmzDate(t time.Time) string {
	var buf [16]byte
	return string(appendAmzDate(buf[:0], t))
}

func appendAmzDate(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, amzDateLayout)
}
