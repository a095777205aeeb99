package gate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// signingService is the service name in the credential scope of calls to iamd's decision API.
const signingService = "iamd"

// maxAnswerBytes bounds what the client reads of one iamd answer; the decision API's answers are small.
const maxAnswerBytes = 1 << 20

// Credentials are the protected service's own access key, with the session token of a temporary credential.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string // "" for a long-term key
}

// String names the key without its secret or token, so that Credentials never print them.
func (c Credentials) String() string { return "gate.Credentials{AccessKeyID: " + c.AccessKeyID + "}" }

// GoString is String, for %#v.
func (c Credentials) GoString() string { return c.String() }

// Client calls iamd's decision API for a protected service. Set Endpoint, Credentials and Region; the zero
// HTTPClient is http.DefaultClient and the zero Now is time.Now. A Client is safe for concurrent use; do not
// change its fields after the first call.
type Client struct {
	// Endpoint is iamd's base URL, e.g. "http://127.0.0.1:4566"; the API's paths are appended to it.
	Endpoint string
	// Credentials sign the calls to iamd; their principal needs iamd:Authorize.
	Credentials Credentials
	// Region is the region of the credential scope of calls to iamd (one iamd accepts, e.g. "us-east-1").
	Region     string
	HTTPClient *http.Client
	Now        func() time.Time
}

// Error is a failed call to iamd's decision API as iamd answered it: a non-200 status with an AWS-style error code
// (e.g. AccessDenied when the service's principal may not call iamd:Authorize, InvalidClientTokenId when its key
// is wrong, ValidationError for a bad Query). An answer whose body is not the API's error shape has an empty Code
// and the status text as Message.
type Error struct {
	StatusCode int
	Code       string
	Message    string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("gate: iamd answered %d: %s", e.StatusCode, e.Message)
	}
	return fmt.Sprintf("gate: iamd answered %d %s: %s", e.StatusCode, e.Code, e.Message)
}

// ErrNotAuthenticated is matched (errors.Is) by every NotAuthenticatedError.
var ErrNotAuthenticated = errors.New("gate: request not authenticated")

// ErrMalformedAnswer is wrapped by the error of a call whose 200 answer is not what the decision API promises.
var ErrMalformedAnswer = errors.New("gate: malformed answer from iamd")

// NotAuthenticatedError is a request to the protected service that is not authentic, with the code and message
// an AWS service would answer it with (SignatureDoesNotMatch, InvalidClientTokenId, ExpiredToken,
// IncompleteSignature, MissingAuthenticationToken...). It matches ErrNotAuthenticated.
type NotAuthenticatedError struct {
	Code    string
	Message string
}

func (e *NotAuthenticatedError) Error() string {
	return "gate: request not authenticated: " + e.Code + ": " + e.Message
}

// Is reports whether target is ErrNotAuthenticated.
func (e *NotAuthenticatedError) Is(target error) bool { return target == ErrNotAuthenticated }

// Identity is who signed an authentic request.
type Identity struct {
	AccessKeyID string
	Region      string // the region of the signature's credential scope
	Principal   Principal
	Session     *Session // nil for a long-term key
}

// Principal is the IAM principal behind an access key.
type Principal struct {
	ARN     string `json:"arn"`     // e.g. arn:aws:iam::123456789012:user/alice, arn:aws:sts::123456789012:assumed-role/R/S
	Account string `json:"account"` // 12-digit account ID
	Type    string `json:"type"`    // User, Root, AssumedRole or FederatedUser
	UserID  string `json:"userId"`  // AIDA..., AROA...:session, or the account ID for root
}

// Session describes temporary credentials.
type Session struct {
	Issued         time.Time         `json:"issued"`
	Expires        time.Time         `json:"expires"`
	MFA            bool              `json:"mfa"`
	MFAAuthTime    time.Time         `json:"mfaAuthTime"` // zero without MFA
	SourceIdentity string            `json:"sourceIdentity"`
	Tags           map[string]string `json:"tags"`
}

// Query asks whether a principal may perform an action on a resource. Name the principal by ARN or, better for a
// request being served, by the access key it signed with (AccessKeyID), so that a session's policies, tags and
// MFA facts count; set exactly one of the two.
type Query struct {
	Principal     string // principal ARN: user, role, assumed-role session or account root
	AccessKeyID   string // an access key ID (AKIA..., ASIA...) instead of Principal
	Action        string // service:Action, e.g. notes:GetNote
	Resource      string // the resource ARN, or "*"
	ResourceOwner string // account owning the resource; "" is the resource ARN's account, else the principal's
	// ResourcePolicy is the resource's policy as a JSON object, when it has one.
	ResourcePolicy json.RawMessage
	// ResourcePolicyMustAllow, when not nil, says whether the resource policy itself must allow (an identity-based
	// Allow is then not enough unless the resource policy delegates to the principal's account). nil leaves it to
	// iamd's default, AWS's rule: true for kms: actions given a key policy and for sts:AssumeRole* on a role ARN.
	ResourcePolicyMustAllow *bool
	// Context holds condition keys: values are strings, numbers, booleans, or slices of those. Keys iamd derives
	// itself (aws:PrincipalArn, aws:CurrentTime...) are ignored by iamd.
	Context map[string]any
}

// Outcome is the result of a decision.
type Outcome string

// Outcomes, as iamd's decision API names them.
const (
	Allowed      Outcome = "allowed"
	ExplicitDeny Outcome = "explicitDeny"
	ImplicitDeny Outcome = "implicitDeny"
)

// Decision is iamd's answer to a Query.
type Decision struct {
	Outcome           Outcome     `json:"decision"`
	Principal         string      `json:"principal"` // the principal ARN decided for
	MatchedStatements []Statement `json:"matchedStatements"`
	Reason            string      `json:"reason"`
}

// Allowed reports whether the decision allows the request.
func (d *Decision) Allowed() bool { return d != nil && d.Outcome == Allowed }

// Statement is a policy statement that took part in a decision.
type Statement struct {
	Effect         string `json:"effect"` // Allow or Deny
	Layer          string `json:"layer"`  // identity, resource, boundary, session, scp or rcp
	Policy         string `json:"policy"`
	PolicyARN      string `json:"policyArn,omitempty"`
	AttachedTo     string `json:"attachedTo"`
	StatementIndex int    `json:"statementIndex"`
	Sid            string `json:"sid"`
}

// verifyRequest is the body of POST /iamd/v1/verify.
type verifyRequest struct {
	Service    string              `json:"service"`
	Method     string              `json:"method"`
	URL        string              `json:"url"`
	Headers    map[string][]string `json:"headers"`
	BodySHA256 string              `json:"bodySHA256"`
}

// verifyAnswer is its 200 answer.
type verifyAnswer struct {
	Authenticated *bool      `json:"authenticated"`
	AccessKeyID   string     `json:"accessKeyId"`
	Region        string     `json:"region"`
	Principal     *Principal `json:"principal"`
	Session       *Session   `json:"session"`
	Error         *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// authorizeRequest is the body of POST /iamd/v1/authorize.
type authorizeRequest struct {
	Principal               string          `json:"principal,omitempty"`
	AccessKeyID             string          `json:"accessKeyId,omitempty"`
	Action                  string          `json:"action"`
	Resource                string          `json:"resource"`
	ResourceOwner           string          `json:"resourceOwner,omitempty"`
	ResourcePolicy          json.RawMessage `json:"resourcePolicy,omitempty"`
	ResourcePolicyMustAllow *bool           `json:"resourcePolicyMustAllow,omitempty"`
	Context                 map[string]any  `json:"context,omitempty"`
}

// unsignedPayload is the X-Amz-Content-Sha256 value that leaves the body out of a signature.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// msgSignatureMismatch is AWS's text for a signature that does not match the request.
const msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// Verify asks iamd whether r, a request the service received for service (the name its callers sign for), whose
// body the caller has already read as body, is authentic. It returns the signer's Identity; a
// *NotAuthenticatedError when the request is not authentic; an *Error when iamd refused the call itself; and
// another error (wrapping ErrMalformedAnswer, a transport error or ctx's error) when iamd could not answer.
//
// The body must be covered by the signature: a request declaring X-Amz-Content-Sha256 UNSIGNED-PAYLOAD, or a hash
// other than the body's, is refused as SignatureDoesNotMatch without asking iamd.
func (c *Client) Verify(ctx context.Context, r *http.Request, body []byte, service string) (*Identity, error) {
	sum := sha256.Sum256(body)
	bodyHash := hex.EncodeToString(sum[:])
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" && !strings.EqualFold(declared, bodyHash) {
		return nil, &NotAuthenticatedError{Code: "SignatureDoesNotMatch", Message: msgSignatureMismatch}
	}
	in := verifyRequest{
		Service:    service,
		Method:     r.Method,
		URL:        requestURL(r),
		Headers:    wireHeaders(r),
		BodySHA256: bodyHash,
	}
	var out verifyAnswer
	if err := c.call(ctx, "/iamd/v1/verify", in, &out); err != nil {
		return nil, err
	}
	switch {
	case out.Authenticated == nil:
		return nil, fmt.Errorf("%w: verify: no authenticated field", ErrMalformedAnswer)
	case !*out.Authenticated:
		if out.Error == nil || out.Error.Code == "" {
			return nil, fmt.Errorf("%w: verify: not authenticated without an error code", ErrMalformedAnswer)
		}
		return nil, &NotAuthenticatedError{Code: out.Error.Code, Message: out.Error.Message}
	case out.AccessKeyID == "" || out.Region == "" || out.Principal == nil || out.Principal.ARN == "" || out.Principal.Account == "":
		return nil, fmt.Errorf("%w: verify: authenticated without access key, region or principal", ErrMalformedAnswer)
	}
	return &Identity{AccessKeyID: out.AccessKeyID, Region: out.Region, Principal: *out.Principal, Session: out.Session}, nil
}

// Authorize asks iamd for a decision. A denial is a Decision, not an error; errors are as for Verify (an *Error
// for a call iamd refused, e.g. ValidationError for a bad Query or NoSuchEntity for an unknown principal).
func (c *Client) Authorize(ctx context.Context, q Query) (*Decision, error) {
	if (q.Principal == "") == (q.AccessKeyID == "") {
		return nil, errors.New("gate: a Query names exactly one of Principal and AccessKeyID")
	}
	if q.Action == "" || q.Resource == "" {
		return nil, errors.New("gate: a Query needs an Action and a Resource")
	}
	for k, v := range q.Context {
		if !validContextValue(v) {
			return nil, fmt.Errorf("gate: context key %q: a value must be a string, number, bool or a slice of those, not %T", k, v)
		}
	}
	in := authorizeRequest{
		Principal: q.Principal, AccessKeyID: q.AccessKeyID, Action: q.Action, Resource: q.Resource,
		ResourceOwner: q.ResourceOwner, ResourcePolicy: q.ResourcePolicy, ResourcePolicyMustAllow: q.ResourcePolicyMustAllow,
		Context: q.Context,
	}
	var out Decision
	if err := c.call(ctx, "/iamd/v1/authorize", in, &out); err != nil {
		return nil, err
	}
	switch out.Outcome {
	case Allowed, ExplicitDeny, ImplicitDeny:
	default:
		return nil, fmt.Errorf("%w: authorize: decision %q", ErrMalformedAnswer, out.Outcome)
	}
	return &out, nil
}

// validContextValue reports whether v is a value the decision API takes for a condition key.
func validContextValue(v any) bool {
	switch v.(type) {
	case string, bool, json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	case nil:
		return false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return false
	}
	for i := range rv.Len() {
		e := rv.Index(i).Interface()
		if reflect.ValueOf(e).Kind() == reflect.Slice || !validContextValue(e) {
			return false
		}
	}
	return true
}

// call POSTs in as JSON to path, signed with the client's credentials, and decodes a 200 answer into out.
func (c *Client) call(ctx context.Context, path string, in, out any) error {
	if c.Endpoint == "" || c.Region == "" || c.Credentials.AccessKeyID == "" || c.Credentials.SecretAccessKey == "" {
		return errors.New("gate: the Client needs an Endpoint, a Region and Credentials")
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("gate: encoding %s request: %w", path, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Endpoint, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("gate: %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	sigv4.Sign(req, body, sigv4.Credentials{
		AccessKeyID: c.Credentials.AccessKeyID, SecretAccessKey: c.Credentials.SecretAccessKey, SessionToken: c.Credentials.SessionToken,
	}, c.Region, signingService, now().UTC())
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("gate: calling iamd %s: %w", path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return fmt.Errorf("gate: reading iamd's answer to %s: %w", path, err)
	}
	if len(answer) > maxAnswerBytes {
		return fmt.Errorf("%w: %s: answer larger than %d bytes", ErrMalformedAnswer, path, maxAnswerBytes)
	}
	if resp.StatusCode != http.StatusOK {
		e := &Error{StatusCode: resp.StatusCode}
		var shape struct{ Code, Message string }
		if json.Unmarshal(answer, &shape) == nil && shape.Code != "" {
			e.Code, e.Message = shape.Code, shape.Message
		} else {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return e
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformedAnswer, path, err)
	}
	return nil
}

// requestURL is the URL of r as its client sent it: scheme, host, and the path and raw query from the request
// line.
func requestURL(r *http.Request) string {
	uri := r.RequestURI
	switch {
	case strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://"):
		return uri // absolute form, as sent to a proxy
	case !strings.HasPrefix(uri, "/"):
		uri = r.URL.RequestURI() // a request not read by a server
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host + uri
}

// wireHeaders are the headers r came with, including Host, Content-Length and Transfer-Encoding, which net/http
// moves out of the header map (a client may have signed them).
func wireHeaders(r *http.Request) map[string][]string {
	h := make(map[string][]string, len(r.Header)+2)
	for k, v := range r.Header {
		h[k] = v
	}
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	if _, ok := h["Host"]; !ok && host != "" {
		h["Host"] = []string{host}
	}
	if _, ok := h["Content-Length"]; !ok && r.ContentLength >= 0 && len(r.TransferEncoding) == 0 {
		h["Content-Length"] = []string{fmt.Sprint(r.ContentLength)}
	}
	if _, ok := h["Transfer-Encoding"]; !ok && len(r.TransferEncoding) > 0 {
		h["Transfer-Encoding"] = r.TransferEncoding
	}
	return h
}
