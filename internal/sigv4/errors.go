package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error codes that Verify returns, as the IAM and STS query APIs name them.
const (
	// CodeMissingAuthenticationToken: the request carries neither an AWS4 Authorization header nor a presigned
	// query (403).
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	// CodeIncompleteSignature: the signature's parameters are missing or malformed (400).
	CodeIncompleteSignature = "IncompleteSignature"
	// CodeSignatureDoesNotMatch: the signature, its date or its credential scope is wrong (403).
	CodeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	// CodeInvalidClientTokenID: the access key is unknown, or the session token is missing or wrong (403).
	CodeInvalidClientTokenID = "InvalidClientTokenId"
	// CodeExpiredToken: the access key (a temporary credential) has expired (403).
	CodeExpiredToken = "ExpiredToken"
	// CodeRequestExpired: a presigned URL was used after its X-Amz-Expires (400).
	CodeRequestExpired = "RequestExpired"
)

// Error is a request that failed authentication, as AWS reports it: the code, the message and the HTTP status
// that IAM and STS answer with. Its message never holds a secret access key or a session token. Any other error
// from Verify is an internal failure (the KeyStore failed) or the context's error.
type Error struct {
	Code       string // one of the Code constants
	Message    string // AWS's wording
	HTTPStatus int    // 400 or 403
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrUnknownAccessKey is what a KeyStore returns (or wraps) for an access key ID it does not know; Verify then
// answers InvalidClientTokenId.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key ID")

// Messages as IAM and STS word them. Sources: AWS's "Troubleshoot signed requests" guide and common-errors
// pages, and the texts AWS returns as reported in the public issue trackers of the AWS CLI, SDKs and
// AWS-compatible emulators (quoted in the package's tests).
const (
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken    = "The security token included in the request is invalid."
	msgExpiredToken    = "The security token included in the request is expired"
	msgMissingToken    = "Request is missing Authentication Token"
	msgRequestExpired  = "Request has expired."
	msgBothAuthForms   = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostNotSigned   = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgQueryReexamine  = "Re-examine the query-string parameters."
	msgExpiresTooLarge = "X-Amz-Expires must be less than a week (in seconds) that is 604800"
	msgExpiresTooSmall = "X-Amz-Expires must be non-negative"
	msgExpiresNotInt   = "X-Amz-Expires should be a number"
)

func errMissingAuth() *Error {
	return &Error{Code: CodeMissingAuthenticationToken, Message: msgMissingToken, HTTPStatus: http.StatusForbidden}
}

func errIncomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Message: msg, HTTPStatus: http.StatusBadRequest}
}

func errMismatch(msg string) *Error {
	return &Error{Code: CodeSignatureDoesNotMatch, Message: msg, HTTPStatus: http.StatusForbidden}
}

func errInvalidToken() *Error {
	return &Error{Code: CodeInvalidClientTokenID, Message: msgInvalidToken, HTTPStatus: http.StatusForbidden}
}

func errExpiredToken() *Error {
	return &Error{Code: CodeExpiredToken, Message: msgExpiredToken, HTTPStatus: http.StatusForbidden}
}

func errRequestExpired() *Error {
	return &Error{Code: CodeRequestExpired, Message: msgRequestExpired, HTTPStatus: http.StatusBadRequest}
}

// errDuplicateHeader refuses a request that sends a header of the signature (Authorization, X-Amz-Date,
// X-Amz-Security-Token, X-Amz-Content-Sha256) more than once. The wording is iamd's: we could not confirm what
// AWS answers to a repeated Authorization header, so the code is the one AWS uses for malformed signatures.
func errDuplicateHeader(name string) *Error {
	return errIncomplete("The request must carry at most one '" + name + "' header.")
}

// errBadDate: "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601".
func errBadDate(got string) *Error {
	return errIncomplete("Date must be in ISO-8601 'basic format'. Got '" + got + "'. See http://en.wikipedia.org/wiki/ISO_8601")
}

// errUnsupportedAlgorithm: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ".
func errUnsupportedAlgorithm(alg string) *Error {
	return errIncomplete("Unsupported AWS 'algorithm': '" + alg + "' (only AWS4-HMAC-SHA256 for now). ")
}

// errCredentialParts: "Credential must have exactly 5 slash-delimited elements, e.g.
// keyid/date/region/service/term, got 'a/b/c/d'".
func errCredentialParts(cred string) *Error {
	return errIncomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + cred + "'")
}

// errMissingEqual: "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header:
// 'AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders'.".
func errMissingEqual(component, header string) *Error {
	return errIncomplete("'" + component + "' not a valid key=value pair (missing equal-sign) in Authorization header: '" + header + "'.")
}

// errSkew words a request time outside the allowed clock skew:
// "Signature expired: 20250101T000000Z is now earlier than 20250101T001500Z (20250101T003000Z - 15 min.)" and
// "Signature not yet current: 20250101T010000Z is still later than 20250101T004500Z (20250101T003000Z + 15 min.)".
func errSkew(req, now time.Time, skew time.Duration) *Error {
	if req.Before(now.Add(-skew)) {
		return errMismatch(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			formatAmzDate(req), formatAmzDate(now.Add(-skew)), formatAmzDate(now), skewString(skew)))
	}
	return errMismatch(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
		formatAmzDate(req), formatAmzDate(now.Add(skew)), formatAmzDate(now), skewString(skew)))
}

// skewString renders the allowed skew the way AWS does ("15 min"), falling back to seconds for a skew that is not
// a whole number of minutes.
func skewString(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}
