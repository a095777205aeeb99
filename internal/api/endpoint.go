package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// Endpoint serves one of iamd's own JSON endpoints whose request carries its own credential instead of a SigV4
// signature — sign-in (a password) and the operator's endpoints (a bearer token) — through the pipeline's stages:
// the request ID, the admission slot, the body limit, the endpoint's credential checked with its body (inside the
// slot: a password hash is work done for whoever reaches the port), the caller's facts, the call, the one error
// edge (errorInfo; a client's cancel is never answered, a server-side deadline is ServiceUnavailable), the
// Observer and the Recorder. What differs between endpoints is in its EndpointSpec: A is what Authenticate gives
// Call.
type Endpoint[A any] struct {
	p    pipeline
	spec EndpointSpec[A]
}

// EndpointSpec describes an Endpoint.
type EndpointSpec[A any] struct {
	// Service and Operation name the endpoint in metrics, logs and records ("iamd", "SignIn"): constants, so the
	// metrics labels stay bounded.
	Service, Operation string
	// MaxBody bounds the request body: a larger one is refused as RequestEntityTooLarge before Authenticate runs.
	MaxBody int64
	// Authenticate checks the request's own credential and reads its body, while the request holds its admission
	// slot. Its error is answered through the error edge.
	Authenticate func(req *EndpointRequest) (A, error)
	// Call runs an authenticated request and returns the status and the value of its JSON answer.
	Call func(req *EndpointRequest, auth A) (int, any, error)
	// ErrorAnswer returns the status and the JSON body of an error answer from the error's wire form (errorInfo's, or
	// the endpoint's internal failure for an error that is not an AWS error); it may set headers on h.
	ErrorAnswer func(h http.Header, info awsquery.ErrorInfo) (int, any)
	// Audit, when not nil, fills in the request's audit record with what only the endpoint knows (Call.Account,
	// Identity, SignIn, Request): the account the request acts in, who made it, a sign-in's outcome. It is called
	// once Authenticate has run: when it succeeded, before Call runs (err is nil), so that a change is written with
	// its event in the right account, and again when the request ends; when it failed, at the end, with auth's
	// zero value and its error. It must not keep c.
	Audit func(req *EndpointRequest, auth A, err error, c *audit.Call)
	// Now is the clock of the requests' times (the audit trail's eventTime): the service's, which the test clock
	// may move. Nil: the real time.
	Now func() time.Time
}

// EndpointRequest is a request to an Endpoint, as Authenticate and Call see it.
type EndpointRequest struct {
	HTTP      *http.Request
	RequestID string
	Body      []byte
	// SourceIP is the address of the peer (iamd trusts no forwarding header).
	SourceIP string
}

// NewEndpoint returns the endpoint that spec describes, logging to logger and telling obs (nil: none) about each
// request.
func NewEndpoint[A any](spec EndpointSpec[A], logger *slog.Logger, obs Observer) *Endpoint[A] {
	now := spec.Now
	if now == nil {
		now = time.Now
	}
	return &Endpoint[A]{p: pipeline{logger: logger, obs: obs, now: now, maxBody: spec.MaxBody}, spec: spec}
}

// Admit makes e count the requests it reads and authenticates against a (shared with the other handlers of the
// server). Call it before serving.
func (e *Endpoint[A]) Admit(a *Admission) { e.p.admit = a }

// Record makes e tell rec about every request it serves (the audit trail's hook). Call it before serving.
func (e *Endpoint[A]) Record(rec Recorder) { e.p.rec = rec }

// SyncStore makes e bring st up to date with what other iamd nodes on its database committed before it
// authenticates each request (the pipeline's sync stage). Call it before serving.
func (e *Endpoint[A]) SyncStore(st Syncer) { e.p.sync = st }

// Observe makes e tell obs about every request it serves, for metrics. Call it before serving.
func (e *Endpoint[A]) Observe(obs Observer) { e.p.obs = obs }

func (e *Endpoint[A]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ex := e.p.begin(r, e.spec.Service)
	ex.operation, ex.label = e.spec.Operation, e.spec.Operation
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("x-amzn-RequestId", ex.reqID)
	status, out, err := e.serve(w, r, ex)
	if err == nil {
		writeJSON(w, status, out)
	}
	e.p.end(w, r, ex, endpointProtocol[A]{e}, err)
}

func (e *Endpoint[A]) serve(w http.ResponseWriter, r *http.Request, ex *exchange) (int, any, error) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return 0, nil, &awserr.Error{Code: "MethodNotAllowed", HTTPStatus: http.StatusMethodNotAllowed, Message: "Only POST requests are supported."}
	}
	req := &EndpointRequest{HTTP: r, RequestID: ex.reqID, SourceIP: sourceIP(r)}
	var auth A
	ctx, _, _, err := e.p.authenticate(r, ex, func(body []byte) (bool, error) {
		req.Body = body
		var err error
		auth, err = e.spec.Authenticate(req)
		if e.spec.Audit != nil {
			a, aerr := auth, err
			ex.fill = func(c *audit.Call) { e.spec.Audit(req, a, aerr, c) }
		}
		return true, err
	})
	if err != nil {
		return 0, nil, err
	}
	req.HTTP = r.WithContext(ctx)
	return e.spec.Call(req, auth)
}

// endpointProtocol writes an Endpoint's errors as its spec says.
type endpointProtocol[A any] struct{ e *Endpoint[A] }

func (endpointProtocol[A]) internalError() awsquery.ErrorInfo {
	return awsquery.ErrorInfo{Type: "Receiver", Code: "InternalError", HTTPStatus: http.StatusInternalServerError, Message: "internal error"}
}

func (endpointProtocol[A]) code(c string) string { return c }

func (p endpointProtocol[A]) writeError(w http.ResponseWriter, r *http.Request, ex *exchange, info awsquery.ErrorInfo, err error) {
	status, body := p.e.spec.ErrorAnswer(w.Header(), info)
	writeJSON(w, status, body)
}
