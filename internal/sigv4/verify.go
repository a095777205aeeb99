package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Credentials are an access key pair, with the session token of a temporary credential.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // "" for a long-term key
}

// KeyStore finds the secret of an access key ID. LookupKey returns ErrUnknownAccessKey (or an error wrapping it)
// for a key it does not know; any other error is an internal failure that Verify passes on wrapped.
type KeyStore interface {
	LookupKey(ctx context.Context, accessKeyID string) (Key, error)
}

// Key is what a KeyStore knows of an access key.
type Key struct {
	Secret []byte // the secret access key
	// SessionToken is the token a temporary credential must present (X-Amz-Security-Token); "" for a long-term
	// key, which must present none.
	SessionToken string
	Expires      time.Time // when a temporary credential stops working; zero: never
	Identity     any       // whatever the caller needs about the key's owner, handed back in Result
	// Regions, when not empty, are the only Regions the key's requests may be signed for (those of its account's
	// partition); a scope naming another is refused as AWS refuses a Region it does not serve, after the key is
	// known and before the signature is checked.
	Regions []string
}

// Verifier authenticates SigV4-signed requests. It needs only Keys; the other fields have AWS's defaults. It is
// safe for concurrent use and must not be copied after first use (it holds the signing-key cache). Set its
// fields before the first Verify and leave them.
type Verifier struct {
	Keys KeyStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far a request's date may be from Now, either way; zero means AWS's 15 minutes. A presigned
	// URL is held to the same window (as STS holds it) and also to its own X-Amz-Expires.
	MaxSkew time.Duration
	// Services are the services a credential scope may name ("iam", "sts"); the first is the one AWS's message
	// names. Empty accepts any service (Result.Service tells which).
	Services []string
	// Regions are the regions a credential scope may name; empty accepts any region.
	Regions []string
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD, which leaves the body out of the
	// signature, as S3 and a few other services do. Off (the default), the payload hash is always the body's: a
	// request declaring UNSIGNED-PAYLOAD, a STREAMING-* value or any hash but its body's is refused as
	// SignatureDoesNotMatch, which is what IAM, STS and Organizations answer (they hash the body they received
	// whatever the header says; see opendal-reqsign issue 346: "Only s3 related service support this option,
	// other service would result in SignatureDoesNotMatch error").
	AllowUnsignedPayload bool
	// SignedPayloadServices are the services whose requests never take UNSIGNED-PAYLOAD, even where
	// AllowUnsignedPayload accepts it for the others: a verifier of requests to any service (the decision API's
	// /verify) names IAM, STS and Organizations here, so a described request to them is held to its body as they
	// hold it.
	SignedPayloadServices []string
	// KeyCacheSize bounds the cache of derived signing keys; zero means 1024, negative disables the cache.
	KeyCacheSize int

	cache keyCache
}

// Result is an authenticated request.
type Result struct {
	AccessKeyID   string
	Region        string
	Service       string
	Date          time.Time // the request's signing time (X-Amz-Date)
	SignedHeaders []string  // the signed header names as the client listed them (lower case, sorted, by every SDK)
	Presigned     bool      // signed in the query string rather than the Authorization header
	// UnsignedPayload is set when the client sent X-Amz-Content-Sha256: UNSIGNED-PAYLOAD, leaving the body out of
	// the signature.
	UnsignedPayload bool
	Identity        any // Key.Identity
}

const defaultMaxSkew = 15 * time.Minute

// maxPresignExpires is the longest X-Amz-Expires AWS accepts: seven days.
const maxPresignExpires = 7 * 24 * time.Hour

// Verify authenticates r, whose body (already read by the caller) is body. On success it returns who signed the
// request; on an authentication failure it returns an *Error worded as IAM and STS word it. The checks run in
// the order AWS runs them, so a request with several faults gets the error AWS would give.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*Result, error) {
	return v.verify(ctx, r, body, nil, "")
}

// VerifyFor is Verify for a request that must be signed for service (the API it calls, e.g. "iam" for an IAM
// action): a credential scope naming any other service, even one of v.Services, is refused with AWS's
// "Credential should be scoped to correct service: 'iam'. ". An empty service is Verify.
func (v *Verifier) VerifyFor(ctx context.Context, r *http.Request, body []byte, service string) (*Result, error) {
	return v.verify(ctx, r, body, nil, service)
}

// VerifyPayloadHash is Verify for a request known by the SHA-256 of its body rather than the body itself, as when
// a service asks iamd to verify a request it received: payloadSHA256 stands in for the body's hash wherever
// Verify would hash the body. r.Body is not read.
func (v *Verifier) VerifyPayloadHash(ctx context.Context, r *http.Request, payloadSHA256 [32]byte) (*Result, error) {
	return v.verify(ctx, r, nil, &payloadSHA256, "")
}

// VerifyPayloadHashFor is VerifyPayloadHash for a request that must be signed for service, as VerifyFor: the
// credential scope, parsed once, is checked against it with every other part of the scope, and a mismatch is an
// *Error in AWS's words. An empty service is VerifyPayloadHash.
func (v *Verifier) VerifyPayloadHashFor(ctx context.Context, r *http.Request, payloadSHA256 [32]byte, service string) (*Result, error) {
	return v.verify(ctx, r, nil, &payloadSHA256, service)
}

// verify is Verify with the body's hash given (bodyHash non-nil) or computed from body, and the service the scope
// must name ("" for any of v.Services).
func (v *Verifier) verify(ctx context.Context, r *http.Request, body []byte, bodyHash *[32]byte, service string) (*Result, error) {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}
	rawQuery := ""
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}

	// A header the signature's meaning rests on, sent twice, leaves it ambiguous which one was signed and which
	// one is used.
	if name := duplicatedAuthHeader(r.Header); name != "" {
		return nil, errDuplicateHeader(name)
	}

	// Which form, and its parameters.
	header := headerValue(r.Header, "Authorization")
	queryAuth := hasQueryParam(rawQuery, qAlgorithm)
	var a authorization
	switch {
	case header != "" && queryAuth:
		return nil, errMismatch(msgBothAuthForms)
	case queryAuth:
		var err *Error
		if a, err = parsePresignedQuery(rawQuery); err != nil {
			return nil, err
		}
		if a.token == "" {
			a.token = headerValue(r.Header, "X-Amz-Security-Token")
		}
	case header == "" || !strings.HasPrefix(strings.TrimSpace(header), "AWS4-"):
		return nil, errMissingAuth()
	default:
		h, err := parseAuthorizationHeader(header)
		if err != nil {
			return nil, err
		}
		a = authorization{algorithm: h.algorithm, credential: h.credential, signedHeaders: h.signedHeaders, signature: h.signature}
		a.date = headerValue(r.Header, "X-Amz-Date")
		httpDate := ""
		if a.date == "" {
			httpDate = headerValue(r.Header, "Date")
		}
		if msg := missingHeaderParams(h, a.date != "" || httpDate != "", header); msg != "" {
			return nil, errIncomplete(msg)
		}
		if a.date == "" {
			// The Date header, in HTTP's format, stands in for X-Amz-Date; the string to sign carries it in ISO 8601.
			t, err := http.ParseTime(httpDate)
			if err != nil {
				return nil, errBadDate(httpDate)
			}
			a.date = formatAmzDate(t)
		}
		a.token = headerValue(r.Header, "X-Amz-Security-Token")
	}

	// The date, the clock and a presigned URL's lifetime.
	reqTime, ok := parseAmzDate(a.date)
	if !ok {
		return nil, errBadDate(a.date)
	}
	var expires time.Duration
	if a.presigned && a.hasExpires {
		n, err := strconv.ParseInt(a.expires, 10, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return nil, errIncomplete(msgExpiresNotInt)
		case err != nil && strings.HasPrefix(a.expires, "-") || err == nil && n < 0:
			return nil, errIncomplete(msgExpiresTooSmall)
		case err != nil || n > int64(maxPresignExpires/time.Second):
			return nil, errIncomplete(msgExpiresTooLarge)
		}
		expires = time.Duration(n) * time.Second
	}
	if reqTime.Before(now.Add(-skew)) || reqTime.After(now.Add(skew)) {
		return nil, errSkew(reqTime, now, skew)
	}
	if a.presigned && a.hasExpires && (expires == 0 || now.After(reqTime.Add(expires))) {
		return nil, errRequestExpired()
	}

	// The shape of the signature.
	if !signsHost(a.signedHeaders) {
		return nil, errMismatch(msgHostNotSigned)
	}
	if a.algorithm != algorithm {
		return nil, errUnsupportedAlgorithm(a.algorithm)
	}
	sc, serr := parseCredential(a.credential)
	if serr != nil {
		return nil, serr
	}
	if err := v.checkScope(sc, a.date, service); err != nil {
		return nil, err
	}

	// The key.
	if v.Keys == nil {
		return nil, errors.New("sigv4: Verifier has no KeyStore")
	}
	key, err := v.Keys.LookupKey(ctx, sc.accessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return nil, errInvalidToken()
		}
		return nil, fmt.Errorf("sigv4: looking up access key: %w", err)
	}
	if len(key.Regions) > 0 && !slices.Contains(key.Regions, sc.region) {
		return nil, errMismatch("Credential should be scoped to a valid region, not '" + sc.region + "'. ")
	}

	// The payload hash: X-Amz-Content-Sha256 when sent (the body's hash, which must then match the body, or
	// UNSIGNED-PAYLOAD where AllowUnsignedPayload accepts it), else the body's hash.
	payloadHash := headerValue(r.Header, "X-Amz-Content-Sha256")
	unsigned := payloadHash == unsignedPayload && v.AllowUnsignedPayload && !slices.Contains(v.SignedPayloadServices, sc.service)
	if payloadHash != "" && !unsigned {
		declared, ok := decodeHex32(payloadHash)
		var sum [32]byte
		if bodyHash != nil {
			sum = *bodyHash
		} else {
			sum = sha256.Sum256(body)
		}
		if !ok || !hmac.Equal(declared[:], sum[:]) {
			return nil, errMismatch(msgSignatureMismatch)
		}
	}
	if payloadHash == "" && bodyHash != nil {
		payloadHash = hex.EncodeToString(bodyHash[:])
	}

	// The signature. A '+' in the query is taken as a space first (botocore's and AWS's reading), then, if that
	// fails, as a plus (a URL given to an SDK verbatim).
	signingKey := v.cache.signingKey(v.KeyCacheSize, key.Secret, sc.date, sc.region, sc.service)
	got, ok := decodeHex32(a.signature)
	match := ok && signatureMatches(r, rawQuery, a, sc, payloadHash, body, &signingKey, &got, true)
	if !match && ok && strings.IndexByte(rawQuery, '+') >= 0 {
		match = signatureMatches(r, rawQuery, a, sc, payloadHash, body, &signingKey, &got, false)
	}
	if !match {
		return nil, errMismatch(msgSignatureMismatch)
	}

	// The session token and the key's lifetime.
	if !equalConstantTime(a.token, key.SessionToken) {
		return nil, errInvalidToken()
	}
	if !key.Expires.IsZero() && !now.Before(key.Expires) {
		return nil, errExpiredToken()
	}

	return &Result{
		AccessKeyID:     sc.accessKeyID,
		Region:          sc.region,
		Service:         sc.service,
		Date:            reqTime,
		SignedHeaders:   splitSignedHeaders(a.signedHeaders),
		Presigned:       a.presigned,
		UnsignedPayload: unsigned,
		Identity:        key.Identity,
	}, nil
}

// signatureMatches computes the request's signature and compares it with got in constant time.
func signatureMatches(r *http.Request, rawQuery string, a authorization, sc scope, payloadHash string, body []byte, signingKey, got *[32]byte, plusIsSpace bool) bool {
	var crArr [2048]byte
	cr := appendCanonicalRequestMode(crArr[:0], r, r.Method, wirePath(r), rawQuery, a.presigned, plusIsSpace, a.signedHeaders, payloadHash, body)
	var stsArr [192]byte
	sts := appendStringToSign(stsArr[:0], a.date, sc.date, sc.region, sc.service, cr)
	want := hmacSHA256(signingKey[:], sts)
	return hmac.Equal(want[:], got[:])
}

// checkScope checks the credential scope against the Verifier's regions and services, its terminator, and its
// date against the request's; AWS reports all the mismatches together, each sentence followed by a space:
// "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service:
// 'dynamodb'. Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in Credential
// scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20130609', from
// '20130609T095204Z'. ".
//
// A non-empty service is the one the scope must name, whatever v.Services holds.
func (v *Verifier) checkScope(sc scope, amzDate, service string) *Error {
	badRegion := len(v.Regions) > 0 && !slices.Contains(v.Regions, sc.region)
	badService := len(v.Services) > 0 && !slices.Contains(v.Services, sc.service)
	wantService := ""
	if len(v.Services) > 0 {
		wantService = v.Services[0]
	}
	if service != "" {
		badService, wantService = sc.service != service, service
	}
	badTerminator := sc.terminator != terminator
	badDate := sc.date != amzDate[:8]
	if !badRegion && !badService && !badTerminator && !badDate {
		return nil
	}
	var b strings.Builder
	if badRegion {
		fmt.Fprintf(&b, "Credential should be scoped to a valid region, not '%s'. ", sc.region)
	}
	if badService {
		fmt.Fprintf(&b, "Credential should be scoped to correct service: '%s'. ", wantService)
	}
	if badTerminator {
		fmt.Fprintf(&b, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", sc.terminator)
	}
	if badDate {
		fmt.Fprintf(&b, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'. ", sc.date, amzDate[:8], amzDate)
	}
	return errMismatch(b.String())
}

// wirePath is the request's path as it came on the wire: from RequestURI on a server (so that a path sent with
// raw UTF-8 or unusual escapes signs as the client saw it), else the URL's escaped path.
func wirePath(r *http.Request) string {
	if u := r.RequestURI; strings.HasPrefix(u, "/") {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return u
	}
	if r.URL == nil {
		return "/"
	}
	return r.URL.EscapedPath()
}

// duplicatedAuthHeader returns the first header saying who signed a request, when, for which body or with which
// session that h carries more than once, or "".
func duplicatedAuthHeader(h http.Header) string {
	for _, name := range [...]string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256"} {
		if len(h[name]) > 1 {
			return name
		}
	}
	return ""
}

// headerValue is http.Header.Get for a key already in canonical form, without Get's canonicalisation cost.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// equalConstantTime compares two strings in time that depends only on their lengths.
func equalConstantTime(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}
