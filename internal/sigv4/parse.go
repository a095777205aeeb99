package sigv4

import (
	"strings"
)

// authorization holds the signature parameters of a request, from its Authorization header or its presigned
// query, still unchecked. All strings are substrings of the request or decoded query values.
type authorization struct {
	presigned     bool
	algorithm     string
	credential    string // AKID/yyyymmdd/region/service/aws4_request
	signedHeaders string // lower-case names joined by ';'
	signature     string // hex
	expires       string // X-Amz-Expires, presigned only
	hasExpires    bool
	date          string // X-Amz-Date (from the query when presigned)
	token         string // X-Amz-Security-Token
}

// headerAuth is an Authorization header split into its algorithm and parameters.
type headerAuth struct {
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
}

// parseAuthorizationHeader splits "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…". The algorithm is
// the first token; the parameters follow, separated by commas and/or spaces, each of the form key=value (the
// value runs to the next separator). A component without '=' is an IncompleteSignature error naming it, as AWS
// does; unknown keys are ignored, and the first of a repeated key wins. Missing parameters are the caller's to
// report, since AWS reports them together with a missing date.
func parseAuthorizationHeader(h string) (headerAuth, *Error) {
	var a headerAuth
	rest := strings.TrimLeft(h, " ,")
	i := indexSeparator(rest)
	if i < 0 {
		a.algorithm = rest
		return a, nil
	}
	a.algorithm, rest = rest[:i], rest[i+1:]
	var gotCred, gotSigned, gotSig bool
	for rest != "" {
		var comp string
		if j := indexSeparator(rest); j >= 0 {
			comp, rest = rest[:j], rest[j+1:]
		} else {
			comp, rest = rest, ""
		}
		if comp == "" {
			continue
		}
		key, value, ok := strings.Cut(comp, "=")
		if !ok {
			return a, errMissingEqual(comp, h)
		}
		switch key {
		case "Credential":
			if !gotCred {
				a.credential, gotCred = value, true
			}
		case "SignedHeaders":
			if !gotSigned {
				a.signedHeaders, gotSigned = value, true
			}
		case "Signature":
			if !gotSig {
				a.signature, gotSig = value, true
			}
		}
	}
	return a, nil
}

// indexSeparator finds the first space or comma of s, or -1.
func indexSeparator(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == ',' {
			return i
		}
	}
	return -1
}

// missingHeaderParams words the parameters an Authorization header lacks, as AWS does: "Authorization header
// requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header
// requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a
// 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF". It returns "" when nothing is missing.
func missingHeaderParams(a headerAuth, haveDate bool, header string) string {
	var b strings.Builder
	if a.credential == "" {
		b.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if a.signature == "" {
		b.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if a.signedHeaders == "" {
		b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !haveDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if b.Len() == 0 {
		return ""
	}
	b.WriteString("Authorization=")
	b.WriteString(header)
	return b.String()
}

// The presigned query's parameters.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
)

// hasQueryParam reports whether the raw query has a parameter with the given name (matched exactly, after
// decoding the name).
func hasQueryParam(rawQuery, name string) bool {
	_, ok := queryParam(rawQuery, name)
	return ok
}

// queryParam returns the decoded value of the first parameter of the raw query with the given name.
func queryParam(rawQuery, name string) (string, bool) {
	for rest := rawQuery; rest != ""; {
		var kv string
		if i := strings.IndexByte(rest, '&'); i >= 0 {
			kv, rest = rest[:i], rest[i+1:]
		} else {
			kv, rest = rest, ""
		}
		k, v, _ := strings.Cut(kv, "=")
		if k == name || strings.IndexByte(k, '%') >= 0 && percentDecode(k) == name {
			return percentDecode(v), true
		}
	}
	return "", false
}

// parsePresignedQuery reads the X-Amz-* parameters of a presigned URL. A parameter that is absent or empty is
// reported the way AWS reports it: "AWS query-string parameters must include 'X-Amz-Credential'. … Re-examine the
// query-string parameters."
func parsePresignedQuery(rawQuery string) (authorization, *Error) {
	a := authorization{presigned: true}
	for rest := rawQuery; rest != ""; {
		var kv string
		if i := strings.IndexByte(rest, '&'); i >= 0 {
			kv, rest = rest[:i], rest[i+1:]
		} else {
			kv, rest = rest, ""
		}
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "X-") && !strings.HasPrefix(k, "X%2D") && !strings.HasPrefix(k, "X%2d") {
			continue
		}
		var dst *string
		switch percentDecode(k) {
		case qAlgorithm:
			dst = &a.algorithm
		case qCredential:
			dst = &a.credential
		case qDate:
			dst = &a.date
		case qExpires:
			if !a.hasExpires {
				a.hasExpires = true
				a.expires = percentDecode(v)
			}
			continue
		case qSignedHeaders:
			dst = &a.signedHeaders
		case qSignature:
			dst = &a.signature
		case qSecurityToken:
			dst = &a.token
		default:
			continue
		}
		if *dst == "" {
			*dst = percentDecode(v)
		}
	}
	var missing strings.Builder
	for _, p := range [...]struct {
		name, value string
	}{{qAlgorithm, a.algorithm}, {qCredential, a.credential}, {qSignature, a.signature}, {qSignedHeaders, a.signedHeaders}, {qDate, a.date}} {
		if p.value == "" {
			missing.WriteString("AWS query-string parameters must include '")
			missing.WriteString(p.name)
			missing.WriteString("'. ")
		}
	}
	if missing.Len() > 0 {
		missing.WriteString(msgQueryReexamine)
		return a, errIncomplete(missing.String())
	}
	return a, nil
}

// scope is a parsed credential: the access key ID and the credential scope.
type scope struct {
	accessKeyID, date, region, service, terminator string
}

// parseCredential splits "AKID/yyyymmdd/region/service/aws4_request". Trailing slashes are ignored, as AWS
// ignores them; anything but exactly five elements is an IncompleteSignature error.
func parseCredential(cred string) (scope, *Error) {
	var s scope
	trimmed := strings.TrimRight(cred, "/")
	parts := [5]*string{&s.accessKeyID, &s.date, &s.region, &s.service, &s.terminator}
	rest := trimmed
	for i := range parts {
		j := strings.IndexByte(rest, '/')
		if i == len(parts)-1 {
			if j >= 0 {
				return scope{}, errCredentialParts(cred)
			}
			*parts[i] = rest
			break
		}
		if j < 0 {
			return scope{}, errCredentialParts(cred)
		}
		*parts[i], rest = rest[:j], rest[j+1:]
	}
	return s, nil
}

// splitSignedHeaders splits the ';'-separated signed header list.
func splitSignedHeaders(s string) []string {
	return strings.Split(s, ";")
}

// signsHost reports whether the signed header list includes host (in any case).
func signsHost(signedHeaders string) bool {
	for rest := signedHeaders; ; {
		name, more, found := strings.Cut(rest, ";")
		if strings.EqualFold(name, "host") {
			return true
		}
		if !found {
			return false
		}
		rest = more
	}
}
