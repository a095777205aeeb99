// Package api is iamd's AWS wire layer: it reads AWS query-protocol requests (form-encoded POST or GET with Action
// and Version), authenticates them, routes each Action to its operation, and writes AWS's XML responses and error
// bodies with a request ID. Handlers return errors; only this package writes error bodies.
package api

import (
	"context"
	"errors"
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
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/sigv4"
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

// Authenticator checks the SigV4 signature of a request (a *sigv4.Verifier whose KeyStore gives each key's
// *iam.Caller as its Identity). service is the signing name of the API the request calls ("iam", "sts",
// "organizations", "iamd"): sigv4 parses the credential scope once and refuses one that names another service. A
// refusal is a *sigv4.Error, which the pipeline's error edge maps to the wire.
type Authenticator interface {
	VerifyFor(ctx context.Context, r *http.Request, body []byte, service string) (*sigv4.Result, error)
}

// keyUseRecorder records that a request was signed with an access key (iam.Service's RecordKeyUse).
type keyUseRecorder interface {
	RecordKeyUse(ctx context.Context, accessKeyID, service, region string) error
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
	p    pipeline
	iam  map[string]dispatch.QueryOperation
	sts  map[string]dispatch.QueryOperation
	json []jsonService // AWS JSON-protocol services, by X-Amz-Target prefix
	rest []restService // AWS REST-JSON services, by signing name
	// encode seals the detail of a denied request for DecodeAuthorizationMessage.
	encode func(*iam.AuthorizationFailure) string
}

// Admit makes h count the requests it reads and authenticates against a (shared with the other handlers of the
// server). Call it before serving.
func (h *Handler) Admit(a *Admission) { h.p.admit = a }

// Record makes h tell rec about every request it serves (the audit trail's hook). Call it before serving.
func (h *Handler) Record(rec Recorder) { h.p.rec = rec }

// SyncStore makes h bring st up to date with what other iamd nodes on its database committed before it
// authenticates each request (the pipeline's sync stage). Call it before serving.
func (h *Handler) SyncStore(st Syncer) { h.p.sync = st }

// New returns a handler for the IAM and STS services. Each operation is bound to its method by the generated
// tables of iamapi and stsapi (no reflection); the operations a service lacks answer NotImplemented, and all
// answer NotImplemented when the service is nil.
func New(auth Authenticator, iamSvc *iam.Service, stsSvc *sts.Service, logger *slog.Logger, obs Observer) *Handler {
	h := &Handler{p: pipeline{auth: auth, logger: logger, obs: obs, now: time.Now}}
	h.iam = dispatch.Index(iamapi.Bind(iamSvc))
	if iamSvc != nil {
		h.encode = iamSvc.EncodeAuthorizationMessage
		h.p.now = func() time.Time { return iamSvc.Now() }
		h.p.keyUse = iamSvc
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

// NewRequestID returns a random request ID in the UUID form AWS uses.
func NewRequestID() string { return secret.NewUUID() }

// ServeHTTP handles one AWS API request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		h.serveJSON(w, r, target)
		return
	}
	if svc := h.restTarget(r); svc != nil {
		h.serveREST(w, r, svc)
		return
	}
	ex := h.p.begin(r, "iam")
	err := h.serve(w, r, ex)
	h.p.end(w, r, ex, queryProtocol{h}, err)
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

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, ex *exchange) error {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return &awserr.Error{Code: "InvalidAction", Message: "Only GET and POST requests are supported.", HTTPStatus: http.StatusBadRequest}
	}
	var form url.Values
	ctx, _, c, err := h.p.authenticate(r, ex, func(body []byte) (bool, error) {
		var err error
		if form, err = awsquery.ParseRequest(r, body); err != nil {
			return false, err
		}
		ex.operation = form.Get("Action")
		ex.service = h.serviceOf(ex.operation, form)
		ex.signedFor = ex.service
		ex.label = h.actionLabel(ex.service, ex.operation)
		if v := form.Get("Version"); v != apiVersion(ex.service) {
			return false, awsquery.UnknownVersion(ex.operation, v)
		}
		// The web identity token or SAML assertion is the credential; the domain verifies it.
		return ex.service == "sts" && unsignedActions[ex.operation] && !signed(r), nil
	})
	if err != nil {
		return err
	}
	ops, xmlns := h.iam, IAMNamespace
	if ex.service == "sts" {
		ops, xmlns = h.sts, STSNamespace
	}
	o, ok := ops[ex.operation]
	if !ok {
		return awserr.InvalidAction(ex.operation)
	}
	if !o.Implemented {
		return awserr.NotImplemented(ex.operation)
	}
	x := awsquery.NewResponse(o.Name, xmlns)
	if err := o.Call(ctx, &c, form, x); err != nil {
		return err
	}
	w.Header().Set("Content-Type", awsquery.ContentType)
	w.Header().Set("x-amzn-RequestId", ex.reqID)
	return x.WriteResponse(w, o.Name, ex.reqID)
}

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

// apiVersion is the one API Version a query-protocol service answers (its model's apiVersion).
func apiVersion(service string) string {
	if service == "sts" {
		return ststypes.APIVersion
	}
	return iamtypes.APIVersion
}

// sourceIP is the address of the peer: iamd listens on the network itself, so no forwarding header is trusted.
func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// queryProtocol writes the query protocol's errors: an XML ErrorResponse in the namespace of the service called.
type queryProtocol struct{ h *Handler }

func (queryProtocol) internalError() awsquery.ErrorInfo {
	return awsquery.ErrorInfo{Type: "Receiver", Code: "ServiceFailure", HTTPStatus: http.StatusInternalServerError, Message: internalFailure}
}

func (queryProtocol) code(c string) string { return c }

func (q queryProtocol) writeError(w http.ResponseWriter, r *http.Request, ex *exchange, info awsquery.ErrorInfo, err error) {
	var failure *iam.AuthorizationFailure
	if q.h.encode != nil && strings.EqualFold(r.Header.Get(EncodedMessageHeader), "encoded") && errors.As(err, &failure) {
		if enc := q.h.encode(failure); enc != "" {
			info.Message += " Encoded authorization failure message: " + enc
		}
	}
	xmlns := IAMNamespace
	if ex.service == "sts" {
		xmlns = STSNamespace
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", ex.reqID)
	w.WriteHeader(info.HTTPStatus)
	if encErr := awsquery.EncodeError(w, xmlns, info, ex.reqID); encErr != nil {
		q.h.p.logger.Error("writing error body", "request_id", ex.reqID, "err", encErr)
	}
}
