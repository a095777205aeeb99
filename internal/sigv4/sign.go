package sigv4

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// isUnsignedHeader reports the headers left out of a signature, as botocore leaves them out: hop-by-hop headers and
// headers that proxies and HTTP clients change after signing.
func isUnsignedHeader(lowerName string) bool {
	switch lowerName {
	case "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
		"trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id":
		return true
	}
	return false
}

// headersToSign lists host and the lower-case names of r's headers, less the isUnsignedHeader ones, sorted and
// joined with ';'.
func headersToSign(r *http.Request) string {
	names := []string{"host"}
	for k := range r.Header {
		lk := strings.ToLower(k)
		if !isUnsignedHeader(lk) && !slices.Contains(names, lk) {
			names = append(names, lk)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ";")
}

// Sign signs r in the Authorization header, as the AWS SDKs do, for a request to send with net/http: it sets
// X-Amz-Date to t, X-Amz-Security-Token when the credentials have a session token, and Authorization, signing host
// and every other header r has (less hop-by-hop ones and User-Agent). body must be what r will send; its SHA-256
// is the payload hash unless r already has an X-Amz-Content-Sha256 header. Set the headers to sign before
// calling Sign.
func Sign(r *http.Request, body []byte, creds Credentials, region, service string, t time.Time) {
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Del("Authorization")
	amzDate := formatAmzDate(t)
	r.Header.Set("X-Amz-Date", amzDate)
	if creds.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	}
	signed := headersToSign(r)
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	cr := appendCanonicalRequest(nil, r, method, r.URL.EscapedPath(), r.URL.RawQuery, false, signed,
		r.Header.Get("X-Amz-Content-Sha256"), body)
	sig := signature(creds.SecretAccessKey, amzDate, region, service, cr)

	b := make([]byte, 0, 128+len(creds.AccessKeyID)+len(signed))
	b = append(b, algorithm+" Credential="...)
	b = append(b, creds.AccessKeyID...)
	b = append(b, '/')
	b = appendScope(b, amzDate[:8], region, service)
	b = append(b, ", SignedHeaders="...)
	b = append(b, signed...)
	b = append(b, ", Signature="...)
	b = appendHex(b, sig[:])
	r.Header.Set("Authorization", string(b))
}

// signature signs a canonical request.
func signature(secret, amzDate, region, service string, canonicalRequest []byte) [32]byte {
	sts := appendStringToSign(nil, amzDate, amzDate[:8], region, service, canonicalRequest)
	key := deriveSigningKey([]byte(secret), amzDate[:8], region, service)
	return hmacSHA256(key[:], sts)
}

// Presign returns r's URL signed in its query string, valid from t for expires (a whole number of seconds from
// one second to seven days; AWS's IAM and STS further limit any signature to 15 minutes from t). The signature
// covers host and r's other headers (which the URL's user must then send), and an empty body. r is not changed.
func Presign(r *http.Request, creds Credentials, region, service string, t time.Time, expires time.Duration) (string, error) {
	if expires < time.Second || expires > maxPresignExpires || expires%time.Second != 0 {
		return "", errors.New("sigv4: presigned URL lifetime must be a whole number of seconds from 1s to 7 days")
	}
	if r.URL == nil {
		return "", errors.New("sigv4: request has no URL")
	}
	for _, p := range [...]string{qAlgorithm, qCredential, qDate, qExpires, qSignedHeaders, qSignature} {
		if hasQueryParam(r.URL.RawQuery, p) {
			return "", errors.New("sigv4: request URL already carries " + p)
		}
	}
	amzDate := formatAmzDate(t)
	signed := headersToSign(r)

	q := []byte(r.URL.RawQuery)
	if len(q) > 0 {
		q = append(q, '&')
	}
	q = append(q, qAlgorithm+"="+algorithm+"&"+qCredential+"="...)
	q = appendEncoded(q, creds.AccessKeyID)
	q = append(q, "%2F"...)
	q = appendEncoded(q, string(appendScope(nil, amzDate[:8], region, service)))
	q = append(q, "&"+qDate+"="...)
	q = append(q, amzDate...)
	q = append(q, "&"+qExpires+"="...)
	q = strconv.AppendInt(q, int64(expires/time.Second), 10)
	q = append(q, "&"+qSignedHeaders+"="...)
	q = appendEncoded(q, signed)
	if creds.SessionToken != "" {
		q = append(q, "&"+qSecurityToken+"="...)
		q = appendEncoded(q, creds.SessionToken)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	cr := appendCanonicalRequest(nil, r, method, r.URL.EscapedPath(), string(q), true, signed,
		r.Header.Get("X-Amz-Content-Sha256"), nil)
	sig := signature(creds.SecretAccessKey, amzDate, region, service, cr)
	q = append(q, "&"+qSignature+"="...)
	q = appendHex(q, sig[:])

	u := *r.URL
	u.RawQuery = string(q)
	if r.Host != "" {
		u.Host = r.Host // the host that was signed
	}
	return u.String(), nil
}
