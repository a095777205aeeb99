package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/policy"
)

// SignatureVerifier verifies the SigV4 signature of a request known by its body's SHA-256, for the service the
// caller of /verify names (a *sigv4.Verifier, which parses and checks the credential scope once).
type SignatureVerifier interface {
	VerifyPayloadHashFor(ctx context.Context, r *http.Request, payloadSHA256 [32]byte, service string) (*sigv4.Result, error)
}

// DecisionHandler serves iamd's decision API for the operators' own services: POST /iamd/v1/authorize (may this
// principal do this action on this resource? its body is authorizeRequest), POST /iamd/v1/verify (who signed
// this request?) and the resource-policy registry, PUT/GET/DELETE /iamd/v1/resource-policies (resourcepolicies.go).
// All take and answer JSON; the call itself is signed with SigV4 for the service "iamd" and authorized by
// iamd:Authorize (the registry's by iamd:PutResourcePolicy, iamd:GetResourcePolicy, iamd:DeleteResourcePolicy). It
// logs each call at debug level with its request ID, never a header or a signature.
type DecisionHandler struct {
	p      pipeline // its Authenticator verifies the call itself (credential scope service "iamd")
	inner  SignatureVerifier
	svc    *iam.Service
	logger *slog.Logger
}

// Admit makes h count the calls it reads and authenticates against a (shared with the other handlers of the
// server). Call it before serving.
func (h *DecisionHandler) Admit(a *Admission) { h.p.admit = a }

// Record makes h tell rec about every call it serves (the audit trail's hook). Call it before serving.
func (h *DecisionHandler) Record(rec Recorder) { h.p.rec = rec }

// SyncStore makes h bring st up to date with what other iamd nodes on its database committed before it
// authenticates each request (the pipeline's sync stage). Call it before serving.
func (h *DecisionHandler) SyncStore(st Syncer) { h.p.sync = st }

// DecisionService is the signing name of the decision API's own calls.
const DecisionService = "iamd"

// NewDecisionHandler returns the decision API handler. auth authenticates calls signed for "iamd"; inner verifies
// the requests that /verify describes.
func NewDecisionHandler(auth Authenticator, inner SignatureVerifier, svc *iam.Service, logger *slog.Logger, obs Observer) *DecisionHandler {
	return &DecisionHandler{p: pipeline{auth: auth, keyUse: svc, logger: logger, obs: obs, now: svc.Now}, inner: inner, svc: svc, logger: logger}
}

// Paths of the decision API.
const (
	AuthorizePath = "/iamd/v1/authorize"
	VerifyPath    = "/iamd/v1/verify"
	// ResourcePoliciesPath is the resource-policy registry: PUT registers a resource's policy, GET and DELETE
	// (with ?resourceArn=) read and remove it (resourcepolicies.go).
	ResourcePoliciesPath = "/iamd/v1/resource-policies"
)

// authorizeRequest is the body of POST /iamd/v1/authorize.
//
//   - principal or accessKeyId (exactly one): who asks. An accessKeyId names one key or session exactly. An
//     assumed-role ARN is decided for each live session with that ARN (with its session policies, tags, source
//     identity and MFA facts) and answers the most restrictive decision, naming that session in "session"; with no
//     live session it answers implicitDeny. A federated-user ARN answers implicitDeny (ask by accessKeyId).
//   - action, resource, resourceOwner, context: the request asked about.
//   - resourcePolicy: the resource's resource-based policy, as a JSON object or string. For sts:AssumeRole*,
//     sts:TagSession, sts:SetSourceIdentity and sts:SetContext on a role iamd holds, the role's trust policy when
//     absent.
//   - resourcePolicyMustAllow (boolean, optional): whether the resource policy itself must allow, so that an
//     identity-based Allow is not enough unless the resource policy delegates to the principal's account (as a KMS
//     key policy naming the account root does); with no resource policy nothing is then allowed. Absent, it is
//     AWS's rule for the action: true for kms: actions given a resourcePolicy (a KMS key policy) and for the
//     trust-policy actions on a role ARN; false otherwise. The answer's resourcePolicyMustAllow says what applied.
type authorizeRequest struct {
	Principal               string                     `json:"principal"`
	AccessKeyID             string                     `json:"accessKeyId"`
	Action                  string                     `json:"action"`
	Resource                string                     `json:"resource"`
	ResourceOwner           string                     `json:"resourceOwner"`
	ResourcePolicy          json.RawMessage            `json:"resourcePolicy"`
	ResourcePolicyMustAllow *bool                      `json:"resourcePolicyMustAllow"`
	Context                 map[string]json.RawMessage `json:"context"`
}

type authorizeResponse struct {
	Decision                string             `json:"decision"`
	Principal               string             `json:"principal"`
	MatchedStatements       []matchedStatement `json:"matchedStatements"`
	Reason                  string             `json:"reason"`
	ResourcePolicyMustAllow bool               `json:"resourcePolicyMustAllow"`
	Session                 *decidedSession    `json:"session,omitempty"`
}

// decidedSession names the session an assumed-role ARN was decided as.
type decidedSession struct {
	AccessKeyID  string `json:"accessKeyId"`
	Expires      string `json:"expires"`
	LiveSessions int    `json:"liveSessions"`
}

type matchedStatement struct {
	Effect         string `json:"effect"`
	Layer          string `json:"layer"`
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
	BodySHA256 *string             `json:"bodySHA256"`
	Body       *string             `json:"body"`
}

type verifyResponse struct {
	Authenticated bool            `json:"authenticated"`
	AccessKeyID   string          `json:"accessKeyId,omitempty"`
	Region        string          `json:"region,omitempty"`
	Principal     *verifiedWho    `json:"principal,omitempty"`
	Session       *verifiedSess   `json:"session,omitempty"`
	Error         *decisionErrMsg `json:"error,omitempty"`
}

type verifiedWho struct {
	ARN     string `json:"arn"`
	Account string `json:"account"`
	Type    string `json:"type"`
	UserID  string `json:"userId"`
}

type verifiedSess struct {
	Issued         string            `json:"issued"`
	Expires        string            `json:"expires"`
	MFA            bool              `json:"mfa"`
	MFAAuthTime    string            `json:"mfaAuthTime,omitempty"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
}

// decisionErrMsg is the JSON error body of the decision API, and the error of an unauthenticated /verify answer.
type decisionErrMsg struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (h *DecisionHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := h.p.begin(r, DecisionService)
	action := "Authorize"
	switch {
	case r.URL.Path == VerifyPath:
		action = "Verify"
	case r.URL.Path == ResourcePoliciesPath:
		action = registryAction(r.Method)
	}
	ex.operation, ex.label = action, action
	w.Header().Set("x-amzn-RequestId", ex.reqID)
	w.Header().Set("Cache-Control", "no-store")
	attrs, err := h.serve(w, r, ex, action)
	outcome := h.p.end(w, r, ex, decisionProtocol{}, err)
	h.logger.LogAttrs(r.Context(), slog.LevelDebug, "decision API request",
		append([]slog.Attr{slog.String("request_id", ex.reqID), slog.String("action", action), slog.String("outcome", outcome),
			slog.Duration("duration", time.Since(ex.start))}, attrs...)...)
}

// serve runs one call and writes its 200 answer; it returns what to log about it.
func (h *DecisionHandler) serve(w http.ResponseWriter, r *http.Request, ex *exchange, action string) ([]slog.Attr, error) {
	if r.URL.Path == ResourcePoliciesPath {
		return h.serveRegistry(w, r, ex, action)
	}
	if r.Method != http.MethodPost {
		return nil, awserr.New("InvalidAction", http.StatusMethodNotAllowed, "Only POST requests are supported.")
	}
	ctx, body, c, err := h.p.authenticate(r, ex, nil)
	if err != nil {
		return nil, err
	}
	attrs := []slog.Attr{slog.String("caller", c.Principal.ARN)}
	if action == "Verify" {
		return h.verify(ctx, w, ex, &c, body, attrs)
	}
	in, err := decodeAuthorize(body)
	if err != nil {
		return attrs, err
	}
	attrs = append(attrs, slog.String("principal", in.Principal), slog.String("access_key_id", in.AccessKeyID),
		slog.String("target_action", in.Action), slog.String("resource", in.Resource))
	res, err := h.svc.Decide(ctx, &c, in)
	if err != nil {
		return attrs, err
	}
	attrs = append(attrs, slog.String("decision", res.Decision.String()))
	ex.decision = res.Decision.String()
	out := authorizeResponse{Decision: res.Decision.String(), Principal: res.Principal, Reason: res.Reason,
		MatchedStatements: make([]matchedStatement, 0, len(res.Matched)), ResourcePolicyMustAllow: res.ResourcePolicyMustAllow}
	if res.Session != nil {
		out.Session = &decidedSession{AccessKeyID: res.Session.AccessKeyID, Expires: res.Session.Expires.UTC().Format(time.RFC3339),
			LiveSessions: res.Session.LiveSessions}
		attrs = append(attrs, slog.String("decided_session", res.Session.AccessKeyID))
	}
	for _, m := range res.Matched {
		out.MatchedStatements = append(out.MatchedStatements, matchedStatement{Effect: m.Effect, Layer: m.Layer, Policy: m.Policy,
			PolicyARN: m.PolicyARN, AttachedTo: m.AttachedTo, StatementIndex: m.StatementIndex, Sid: m.Sid})
	}
	if ex.call != nil {
		ex.call.Data = dataRequest(in, res)
	}
	writeJSON(w, http.StatusOK, out)
	return attrs, nil
}

// verify answers /verify: 200 with authenticated true or false; an error only for a fault of the call itself.
func (h *DecisionHandler) verify(ctx context.Context, w http.ResponseWriter, ex *exchange, c *iam.Caller, body []byte, attrs []slog.Attr) ([]slog.Attr, error) {
	if err := h.svc.AuthorizeVerify(ctx, c); err != nil {
		return attrs, err
	}
	vr, hash, err := decodeVerify(body)
	if err != nil {
		return attrs, err
	}
	attrs = append(attrs, slog.String("service", vr.Service), slog.String("method", vr.Method))
	res, err := h.inner.VerifyPayloadHashFor(ctx, describedRequest(ctx, vr), hash, vr.Service)
	var se *sigv4.Error
	if errors.As(err, &se) {
		// The described request is not authenticated: the answer, not a failure of the call. Its error is worded
		// by the one mapping of the error edge.
		info, _ := errorInfo(err)
		attrs = append(attrs, slog.Bool("authenticated", false), slog.String("code", info.Code))
		writeJSON(w, http.StatusOK, verifyResponse{Error: &decisionErrMsg{Code: info.Code, Message: info.Message}})
		return attrs, nil
	}
	if err != nil {
		return attrs, err
	}
	who, ok := res.Identity.(*iam.Caller)
	if !ok {
		return attrs, fmt.Errorf("verify: key store gave identity %T", res.Identity)
	}
	if err := h.svc.RecordKeyUse(ctx, res.AccessKeyID, res.Service, res.Region); err != nil {
		h.logger.Warn("recording access key use", "access_key_id", res.AccessKeyID, "err", err)
	}
	if ex.call != nil {
		// The verified request is a call to the operator's service by its signer: the trail records it as a data
		// event of that service (eventName Verify, the one thing iamd knows of it), so that the key's last use and
		// last-accessed data follow it.
		ex.call.Data = &audit.DataRequest{Action: res.Service + ":Verify", Resource: describedResource(vr), Principal: who.Principal.ARN,
			AccessKeyID: res.AccessKeyID, Region: res.Region}
	}
	out := verifyResponse{Authenticated: true, AccessKeyID: res.AccessKeyID, Region: res.Region,
		Principal: &verifiedWho{ARN: who.Principal.ARN, Account: who.Account(), Type: principalTypeName(who.Principal.Type), UserID: who.UserID}}
	if who.SessionToken {
		s := &verifiedSess{Issued: who.TokenIssueTime.UTC().Format(time.RFC3339), MFA: who.MFAPresent,
			SourceIdentity: who.SourceIdentity, Tags: who.SessionTags}
		if who.MFAPresent {
			s.MFAAuthTime = who.MFAAuthTime.UTC().Format(time.RFC3339)
		}
		cred, err := h.svc.LookupAccessKey(ctx, res.AccessKeyID)
		if err != nil {
			return attrs, err
		}
		s.Expires = cred.Expires.UTC().Format(time.RFC3339)
		out.Session = s
	}
	attrs = append(attrs, slog.Bool("authenticated", true), slog.String("principal", who.Principal.ARN))
	writeJSON(w, http.StatusOK, out)
	return attrs, nil
}

// principalTypeName names a principal type as /verify answers it.
func principalTypeName(t authz.PrincipalType) string {
	if t == authz.PrincipalRoot {
		return "Root"
	}
	return t.String()
}

// decodeAuthorize reads the body of /authorize: a JSON object whose context values are strings, numbers, booleans
// or lists of those (numbers keep their JSON text).
func decodeAuthorize(body []byte) (*iam.DecisionRequest, error) {
	var in authorizeRequest
	if err := decodeJSON(body, &in); err != nil {
		return nil, err
	}
	out := &iam.DecisionRequest{Principal: in.Principal, AccessKeyID: in.AccessKeyID, Action: in.Action,
		Resource: in.Resource, ResourceOwner: in.ResourceOwner, ResourcePolicyMustAllow: in.ResourcePolicyMustAllow,
		Context: make(policy.Context, len(in.Context))}
	switch rp := bytes.TrimSpace(in.ResourcePolicy); {
	case len(rp) == 0 || string(rp) == "null":
	case rp[0] == '{':
		out.ResourcePolicy = string(rp)
	case rp[0] == '"': // the policy as a JSON string, as IAM's own APIs carry documents
		var s string
		if err := json.Unmarshal(rp, &s); err != nil {
			return nil, validationError("resourcePolicy", "must be a policy JSON object")
		}
		out.ResourcePolicy = s
	default:
		return nil, validationError("resourcePolicy", "must be a policy JSON object")
	}
	for k, raw := range in.Context {
		if k == "" {
			return nil, awserr.ValidationError("1 validation error detected: a context key must not be empty")
		}
		vals, ok := contextValues(raw)
		if !ok {
			return nil, validationError("context."+k, "must be a string, number, boolean or a list of those")
		}
		out.Context.Set(k, vals...)
	}
	return out, nil
}

// contextValues stringifies one context value: a scalar, or a list of scalars.
func contextValues(raw json.RawMessage) ([]string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil, false
		}
		out := make([]string, 0, len(list))
		for _, item := range list {
			s, ok := scalar(item)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := scalar(raw)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case 't', 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return "", false
		}
		if b {
			return "true", true
		}
		return "false", true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

// decodeVerify reads the body of /verify and the SHA-256 of the described request's body.
func decodeVerify(body []byte) (*verifyRequest, [32]byte, error) {
	var in verifyRequest
	var hash [32]byte
	if err := decodeJSON(body, &in); err != nil {
		return nil, hash, err
	}
	switch {
	case in.Service == "":
		return nil, hash, validationError("service", "must not be null")
	case in.Method == "":
		return nil, hash, validationError("method", "must not be null")
	case in.URL == "":
		return nil, hash, validationError("url", "must not be null")
	case in.Body != nil && in.BodySHA256 != nil && *in.BodySHA256 != "":
		return nil, hash, awserr.ValidationError("1 validation error detected: body and bodySHA256 cannot both be given")
	}
	if !validToken(in.Method) {
		return nil, hash, validationError("method", "must be an HTTP method")
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, hash, validationError("url", "must be an absolute http or https URL")
	}
	for name := range in.Headers {
		if !validToken(name) {
			return nil, hash, validationError("headers", "must map header names to their values")
		}
	}
	switch {
	case in.BodySHA256 != nil && *in.BodySHA256 != "": // "" is taken as absent
		b, err := hex.DecodeString(*in.BodySHA256)
		if err != nil || len(b) != sha256.Size {
			return nil, hash, validationError("bodySHA256", "must be the hex SHA-256 of the body")
		}
		copy(hash[:], b)
	case in.Body != nil:
		b, err := base64.StdEncoding.DecodeString(*in.Body)
		if err != nil {
			return nil, hash, validationError("body", "must be base64")
		}
		hash = sha256.Sum256(b)
	default:
		hash = sha256.Sum256(nil)
	}
	return &in, hash, nil
}

// validToken reports whether s is an HTTP token (a method or a header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// describedRequest rebuilds the request a service received as the SigV4 verifier reads one on a server: the path
// exactly as sent (RequestURI), the raw query, the headers, the Host header in Host.
func describedRequest(ctx context.Context, vr *verifyRequest) *http.Request {
	u, _ := url.Parse(vr.URL) // checked by decodeVerify
	r := (&http.Request{Method: vr.Method, URL: u, Header: make(http.Header, len(vr.Headers)), Host: u.Host}).WithContext(ctx)
	for name, vals := range vr.Headers {
		for _, v := range vals {
			r.Header.Add(name, v)
		}
	}
	if hv := r.Header.Values("Host"); len(hv) > 0 {
		r.Host = hv[0]
		r.Header.Del("Host")
	}
	// The path as the client sent it: between the authority and the query or fragment of the URL given.
	rest := vr.URL[strings.Index(vr.URL, "://")+3:]
	path := "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		path = rest[i:]
		if j := strings.IndexAny(path, "?#"); j >= 0 {
			path = path[:j]
		}
	}
	r.RequestURI = path
	if u.RawQuery != "" {
		r.RequestURI += "?" + u.RawQuery
	}
	return r
}

// decodeJSON reads one JSON object and nothing after it.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return validationError(te.Field, "has the wrong JSON type")
		}
		return awserr.ValidationError("The request body is not a valid JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return awserr.ValidationError("The request body is not a valid JSON object.")
	}
	return nil
}

func validationError(field, constraint string) error {
	return awserr.ValidationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member %s", field, constraint)
}

// decisionProtocol writes the decision API's errors: {"code", "message"} in JSON.
type decisionProtocol struct{}

func (decisionProtocol) internalError() awsquery.ErrorInfo {
	return awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceFailure", HTTPStatus: http.StatusInternalServerError, Message: internalFailure}
}

func (decisionProtocol) code(c string) string { return c }

func (decisionProtocol) writeError(w http.ResponseWriter, r *http.Request, ex *exchange, info awsquery.ErrorInfo, err error) {
	writeJSON(w, info.HTTPStatus, decisionErrMsg{Code: info.Code, Message: info.Message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// dataRequest is the authorization asked of the decision API as the audit trail records it: a data event of the
// service asked about, with the engine's explanation.
func dataRequest(in *iam.DecisionRequest, res *iam.DecisionResult) *audit.DataRequest {
	x := &audit.Explanation{Decision: res.Decision.String(), Action: in.Action, Resource: in.Resource, Reason: res.Reason,
		Statements: make([]audit.DecidingStatement, 0, len(res.Matched))}
	for _, m := range res.Matched {
		policy := m.Policy
		if m.PolicyARN != "" {
			policy = m.PolicyARN
		}
		x.Statements = append(x.Statements, audit.DecidingStatement{Policy: policy, Layer: m.Layer, Sid: m.Sid, Index: m.StatementIndex,
			Effect: m.Effect, AttachedTo: m.AttachedTo})
	}
	return &audit.DataRequest{Action: in.Action, Resource: in.Resource, Principal: res.Principal, AccessKeyID: in.AccessKeyID, Explanation: x}
}

// describedResource is what the trail records as the resource of a verified request: its URL without the query
// (which may carry a presigned request's signature).
func describedResource(vr *verifyRequest) string {
	u, _, _ := strings.Cut(vr.URL, "?")
	return u
}
