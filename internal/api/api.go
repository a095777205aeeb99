// Package api is iamd's AWS wire layer: it reads AWS query-protocol requests (form-encoded POST or GET with Action
// and Version), authenticates them, routes each Action to its operation, and writes AWS's XML responses and error
// bodies with a request ID. Handlers return errors; only this package writes error bodies.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/iamapi"
	"github.com/iamd-dev/iamd/internal/api/stsapi"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/sts"
)

// XML namespaces of the services' query-protocol responses.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// EncodedMessageHeader is the request header with which a caller asks that an AccessDenied answer carry an encoded
// authorization failure message ("X-Iamd-Authorization-Message: encoded"), decodable with STS
// DecodeAuthorizationMessage by a principal of the same account allowed sts:DecodeAuthorizationMessage. AWS's own
// services that return such messages (EC2, for one) always do; IAM and STS never do, so iamd does when asked.
const EncodedMessageHeader = "X-Iamd-Authorization-Message"

// maxBody bounds a request body: the largest IAM request (a 10,240-character role policy, URL-encoded) is far
// smaller.
const maxBody = 1 << 20

// Authenticator establishes who signed a request. service is the signing name of the API the request calls
// ("iam", "sts", "organizations", "iamd"); a signature whose credential scope names another service is refused.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte, service string) (*iam.Caller, error)
}

// Observer is told about every request, for metrics. Every argument comes from a bounded set: the service is one
// iamd serves or "unknown", the action an operation of the service's model or "unknown" (never the raw Action or
// X-Amz-Target of a request), the outcome one of ok, denied, client_error, error, canceled.
type Observer interface {
	ObserveRequest(service, action, outcome string, d time.Duration)
}

// unknownLabel is the metrics label of an action or service that is not in iamd's models.
const unknownLabel = "unknown"

// Handler serves the AWS APIs.
type Handler struct {
	auth   Authenticator
	logger *slog.Logger
	obs    Observer
	codec  *awsquery.Codec
	iam    map[string]dispatch.Operation
	sts    map[string]dispatch.Operation
	json   []jsonService // AWS JSON-protocol services, by X-Amz-Target prefix
	// encode seals the detail of a denied request for DecodeAuthorizationMessage.
	encode func(*iam.AuthorizationFailure) string
	// admit bounds the requests being read and authenticated; nil admits all.
	admit *Admission
	// now is the IAM service's clock (the test clock when it is offset), the time of each request
	// (aws:CurrentTime).
	now func() time.Time
}

// Admit makes h count the requests it reads and authenticates against a (shared with the other handlers of the
// server). Call it before serving.
func (h *Handler) Admit(a *Admission) { h.admit = a }

// New returns a handler for the IAM and STS services. Each operation is bound to its method by the generated
// tables of iamapi and stsapi (no reflection); the operations a service lacks answer NotImplemented, and all
// answer NotImplemented when the service is nil.
func New(auth Authenticator, iamSvc *iam.Service, stsSvc *sts.Service, logger *slog.Logger, obs Observer) *Handler {
	h := &Handler{auth: auth, logger: logger, obs: obs, codec: &awsquery.Codec{}, now: time.Now}
	h.iam = dispatch.Index(iamapi.Bind(iamSvc))
	if iamSvc != nil {
		h.encode = iamSvc.EncodeAuthorizationMessage
		h.now = func() time.Time { return iamSvc.Now() }
	}
	h.sts = dispatch.Index(stsapi.Bind(stsSvc))
	return h
}

// Implemented lists, sorted, the actions of a service ("iam" or "sts") that iamd runs.
func (h *Handler) Implemented(service string) []string {
	ops := h.iam
	if service == "sts" {
		ops = h.sts
	}
	var out []string
	for name, o := range ops {
		if o.Implemented {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// newRequestID returns a random request ID in the UUID form AWS uses.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// ServeHTTP handles one AWS API request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		h.serveJSON(w, r, target)
		return
	}
	start := time.Now()
	reqID := newRequestID()
	service, action := "iam", ""
	err := h.serve(w, r, reqID, &service, &action)
	outcome := "ok"
	if err != nil {
		outcome = h.writeError(w, r, service, action, reqID, err)
	}
	if h.obs != nil {
		h.obs.ObserveRequest(service, h.actionLabel(service, action), outcome, time.Since(start))
	}
}

// actionLabel is the metrics label of an action: its name when the service's model has it, else "unknown".
func (h *Handler) actionLabel(service, action string) string {
	ops := h.iam
	if service == "sts" {
		ops = h.sts
	}
	if _, ok := ops[action]; ok {
		return action
	}
	return unknownLabel
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, reqID string, service, action *string) error {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return &awsquery.Error{Code: "InvalidAction", Message: "Only GET and POST requests are supported.", Status: http.StatusBadRequest}
	}
	leave, ok := h.admit.enter()
	if !ok {
		return errBusy()
	}
	form, c, err := h.readAndAuthenticate(r, service, action)
	leave()
	if err != nil {
		return err
	}
	c.SourceIP = sourceIP(r)
	c.SecureTransport = r.TLS != nil
	c.UserAgent = r.UserAgent()
	c.Time = h.now().UTC()
	ops, xmlns := h.iam, IAMNamespace
	if *service == "sts" {
		ops, xmlns = h.sts, STSNamespace
	}
	o, ok := ops[*action]
	if !ok {
		return awserr.InvalidAction(*action)
	}
	if !o.Implemented {
		return awserr.NotImplemented(*action)
	}
	result, err := o.Call(r.Context(), &c, &queryInput{codec: h.codec, form: form})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	return h.codec.EncodeResponse(w, *action, xmlns, result, reqID)
}

// readAndAuthenticate reads the body and the form of a query-protocol request, tells its service and action, and
// establishes the caller (none for STS's actions whose credential is in the request).
func (h *Handler) readAndAuthenticate(r *http.Request, service, action *string) (url.Values, iam.Caller, error) {
	var c iam.Caller
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, c, awserr.New("IncompleteBody", http.StatusBadRequest, "The request body could not be read.")
	}
	if len(body) > maxBody {
		return nil, c, awserr.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", maxBody)
	}
	form, err := awsquery.ParseRequest(r, body)
	if err != nil {
		return nil, c, err
	}
	*action = form.Get("Action")
	*service = h.serviceOf(*action, form)
	if *service == "sts" && unsignedActions[*action] && !signed(r) {
		// The web identity token or SAML assertion is the credential; the domain verifies it.
		return form, c, nil
	}
	caller, err := h.auth.Authenticate(r.Context(), r, body, *service)
	if err != nil {
		return nil, c, err
	}
	return form, *caller, nil
}

// queryInput decodes an operation's input from the form of a query-protocol request; a model violation is
// answered as it is (ValidationError).
type queryInput struct {
	codec *awsquery.Codec
	form  url.Values
}

func (q *queryInput) Decode(in any) error     { return q.codec.Decode(q.form, in) }
func (q *queryInput) Invalid(err error) error { return err }

// unsignedActions are the STS actions that AWS accepts without a signature (the model's "authtype": "none"): the
// request carries its own credential, a web identity token or a SAML assertion.
var unsignedActions = map[string]bool{"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true}

// signed reports whether a request carries a SigV4 signature, in its headers or its query string.
func signed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Get("X-Amz-Signature") != ""
}

// serviceOf tells which API a query-protocol request calls, as AWS tells it by the endpoint: the service whose
// model has the action (IAM's and STS's actions are disjoint), else STS for STS's API version, else IAM. The
// credential scope plays no part: a request must be signed for the API it calls.
func (h *Handler) serviceOf(action string, form url.Values) string {
	if _, ok := h.sts[action]; ok {
		return "sts"
	}
	if _, ok := h.iam[action]; ok {
		return "iam"
	}
	if form.Get("Version") == ststypes.APIVersion {
		return "sts"
	}
	return "iam"
}

// sourceIP is the address of the peer: iamd listens on the network itself, so no forwarding header is trusted.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeError writes err as an AWS error body and logs it; it returns the outcome label for metrics.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, service, action, reqID string, err error) string {
	if errors.Is(err, context.Canceled) {
		h.logger.Info("request canceled by client", "request_id", reqID, "action", action)
		return "canceled"
	}
	info, ok := errorInfo(err)
	level := slog.LevelInfo
	if !ok {
		info = awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceFailure", HTTPStatus: http.StatusInternalServerError,
			Message: "The request processing has failed because of an unknown error, exception or failure."}
		level = slog.LevelError
	}
	if info.HTTPStatus >= 500 {
		level = slog.LevelError
	}
	attrs := []any{"request_id", reqID, "service", service, "action", action, "code", info.Code, "status", info.HTTPStatus}
	if ae, ok := awserr.As(err); ok && ae.Cause != nil {
		attrs = append(attrs, "cause", ae.Cause.Error())
	} else if !ok {
		attrs = append(attrs, "cause", err.Error())
	}
	h.logger.Log(r.Context(), level, "request failed", attrs...)
	var failure *iam.AuthorizationFailure
	if h.encode != nil && strings.EqualFold(r.Header.Get(EncodedMessageHeader), "encoded") && errors.As(err, &failure) {
		if enc := h.encode(failure); enc != "" {
			info.Message += " Encoded authorization failure message: " + enc
		}
	}
	xmlns := IAMNamespace
	if service == "sts" {
		xmlns = STSNamespace
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(info.HTTPStatus)
	if encErr := awsquery.EncodeError(w, xmlns, info, reqID); encErr != nil {
		h.logger.Error("writing error body", "request_id", reqID, "err", encErr)
	}
	if info.Code == "AccessDenied" || info.Code == "AccessDeniedException" {
		return "denied"
	}
	if info.HTTPStatus >= 500 {
		return "error"
	}
	return "client_error"
}

// errorInfo maps an error to its wire form.
func errorInfo(err error) (awsquery.ErrorInfo, bool) {
	if ae, ok := awserr.As(err); ok {
		if ae.HTTPStatus >= 500 && ae.Code == "ServiceFailure" {
			return awsquery.ErrorInfo{Type: ae.Type(), Code: ae.Code, Message: ae.Message, HTTPStatus: ae.HTTPStatus}, true
		}
		return awsquery.ErrorInfo{Type: ae.Type(), Code: ae.Code, Message: ae.Message, HTTPStatus: ae.HTTPStatus}, true
	}
	if info, ok := awsquery.Info(err); ok {
		return info, true
	}
	return awsquery.ErrorInfo{}, false
}
