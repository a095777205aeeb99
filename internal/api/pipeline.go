package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store"
)

// The pipeline: every request to an API iamd serves — the AWS protocols (query/XML, JSON 1.1), the decision API,
// and iamd's own endpoints with their own credential (sign-in, the operator's; Endpoint) — goes through the same
// stages, in this order, here and nowhere else:
//
//  1. begin: the request ID (the one the server's in-flight tracker gave it, or a new one) and the start time.
//  2. admit: a slot of the shared Admission while the request is unauthenticated.
//  3. read: the body, at most maxBody bytes (a larger one is drained, within bounds, and refused with 413 and
//     Connection: close, so that the answer reaches a client still sending; tooLarge).
//  3a. sync: the store learns what other iamd nodes on the same database committed (Syncer), so that the caches
//     behind authentication and authorization answer as of now: a write acknowledged by any node is seen by this
//     request (read-your-writes across nodes).
//  4. parse: the protocol finds the service and operation (query: from the form; JSON: X-Amz-Target; decision:
//     the path) — route, given to authenticate.
//  5. authenticate: SigV4 for the service the request calls (Authenticator: sigv4 parses and checks the credential
//     scope, once), or the request's own credential (a web identity token or SAML assertion, checked by the
//     domain; a password or the operator token, checked by the Endpoint inside the admission slot).
//  6. caller: the request's facts on the caller (source IP, TLS, user agent, time).
//  7. dispatch and encode: the protocol's own work, which writes the 200 answer.
//  8. end: the one error edge, errorInfo (a client's cancel is logged once and never answered nor counted as a
//     failure; a server-side deadline is ServiceUnavailable; an error that is not an AWS error is logged with its
//     cause and answered as the protocol's internal failure), then the metrics Observer and the Recorder — the
//     stage where the audit trail records each request and its decision.
//
// What differs between protocols is in wireProtocol.

// Record is what the pipeline tells a Recorder about one finished request. It holds no secret: no header, no
// signature, no body.
type Record struct {
	RequestID string
	// Service is the API called ("iam", "sts", "organizations", "iamd") or "unknown"; Operation the operation's
	// name in its model, or "unknown" (never the raw Action or X-Amz-Target).
	Service, Operation string
	// Caller is the ARN of the authenticated caller; empty when the request was not authenticated (refused
	// before, or an STS call that carries its own credential).
	Caller string
	// Outcome is the metrics outcome: ok, denied, client_error, error or canceled; ErrorCode the AWS error code
	// answered, empty when none.
	Outcome, ErrorCode string
	// Decision is the decision the decision API answered for /authorize (allowed, explicitDeny, implicitDeny).
	Decision string
	// Call is the request as the audit trail records it (what Begin was given, when it was), with the facts the
	// pipeline knows at the end; ErrorMessage and Err are the error answered and its cause.
	Call         *audit.Call
	ErrorMessage string
	Err          error
}

// Recorder is the hook of the audit trail. Begin is told a request once its caller is known, before the operation
// runs (not for a request refused before): the operation runs with the context it returns, and an error refuses
// the request (a trail failing closed). RecordRequest is told once about every request that reached the pipeline,
// after its answer was written; it must not block for long.
type Recorder interface {
	Begin(ctx context.Context, c *audit.Call) (context.Context, error)
	RecordRequest(ctx context.Context, rec Record)
}

// Syncer brings the store behind the services up to date with what other handles on its database (other iamd nodes)
// committed: store.Store's Sync, called once per request before the caller is authenticated.
type Syncer interface {
	Sync(ctx context.Context) error
}

// exchange is one request going through the pipeline.
type exchange struct {
	start     time.Time
	reqID     string
	service   string      // the service called, as far as known (the metrics label)
	signedFor string      // the service the signature must be for ("" for any the authenticator accepts)
	operation string      // the raw operation named by the request, for logs
	label     string      // the operation's metrics label: its name in the model, or unknownLabel
	caller    string      // ARN of the authenticated caller
	decision  string      // the decision API's answer
	call      *audit.Call // the request as the audit trail records it; nil until the caller is known
	// fill, when set, adds to the audit record what only the endpoint knows (an Endpoint's Audit hook, once its
	// credential was checked); it runs before Begin and before the record is made.
	fill      func(c *audit.Call)
	closeConn bool // the answer closes the connection (an oversized body was refused)
}

// pipeline holds the stages every protocol shares.
type pipeline struct {
	auth Authenticator
	// keyUse records the access key of each verified signature; nil records none.
	keyUse keyUseRecorder
	// sync brings the store up to date with other nodes before each request is authenticated; nil: none.
	sync   Syncer
	logger *slog.Logger
	obs    Observer
	rec    Recorder
	// admit bounds the requests being read and authenticated; nil admits all.
	admit *Admission
	// maxBody bounds a request body; zero is the AWS APIs' bound, maxBody.
	maxBody int64
	// now is the IAM service's clock, the time of each request (aws:CurrentTime).
	now func() time.Time
}

// wireProtocol is what differs between the protocols at the pipeline's edges.
type wireProtocol interface {
	// internalError is the protocol's answer to an error that is not an AWS error.
	internalError() awsquery.ErrorInfo
	// code is the protocol's spelling of an error code (the JSON services rename the query protocol's).
	code(c string) string
	// writeError writes the error body for info (and err, for what the protocol adds from it).
	writeError(w http.ResponseWriter, r *http.Request, ex *exchange, info awsquery.ErrorInfo, err error)
}

// begin starts the exchange of a request to service, with the request ID its context carries (WithRequestID) or a
// new one.
func (p *pipeline) begin(r *http.Request, service string) *exchange {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	if id == "" {
		id = NewRequestID()
	}
	return &exchange{start: time.Now(), reqID: id, service: service, signedFor: service, label: unknownLabel}
}

// requestIDKey is the context key of a request ID given by the server.
type requestIDKey struct{}

// WithRequestID returns ctx carrying id (from NewRequestID) as the ID the pipeline answers and logs the request
// with. The server gives each request its ID as it starts tracking it, so that what it logs about the requests in
// flight (a stop that cuts them off) names the IDs their clients see and the request logs hold.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// authenticate reads the body of a request within an admission slot, lets route read the service and operation
// from it, and establishes the caller for the service the signature must be for (ex.signedFor). route returns unsigned when the
// request carries its own credential: it then has no caller but its facts. It tells the Recorder the request
// (Begin) and returns the context the operation runs with.
func (p *pipeline) authenticate(r *http.Request, ex *exchange, route func(body []byte) (unsigned bool, err error)) (context.Context, []byte, iam.Caller, error) {
	ctx := r.Context()
	body, c, err := p.readAndVerify(r, ex, route)
	if err != nil {
		return ctx, nil, c, err
	}
	if p.rec != nil {
		ex.call = p.auditCall(r, ex, &c)
		if ex.fill != nil {
			ex.fill(ex.call)
		}
		if ctx, err = p.rec.Begin(ctx, ex.call); err != nil {
			return r.Context(), nil, c, err
		}
		// The generated operation tables tell the call its decoded input and its output: as the decision observer
		// Begin made of it (one context value serves both), or else as the context's Trail.
		if iam.DecisionObserverOf(ctx) != iam.DecisionObserver(ex.call) {
			ctx = dispatch.WithTrail(ctx, ex.call)
		}
	}
	return ctx, body, c, nil
}

// auditCall is the request as the audit trail records it.
func (p *pipeline) auditCall(r *http.Request, ex *exchange, c *iam.Caller) *audit.Call {
	call := &audit.Call{RequestID: ex.reqID, Service: ex.service, Operation: ex.label, UserAgent: r.UserAgent(), SourceIP: sourceIP(r)}
	if c != nil {
		call.Time, call.Region = c.Time, c.Region
		if c.Principal.ARN != "" {
			call.SetCaller(c)
		}
	} else {
		call.Time = p.now().UTC()
	}
	if r.TLS != nil {
		call.TLS = &audit.TLSDetails{TLSVersion: tlsVersion(r.TLS.Version), CipherSuite: tls.CipherSuiteName(r.TLS.CipherSuite),
			ClientProvidedHostHeader: r.Host}
	}
	return call
}

// tlsVersion is CloudTrail's spelling of a TLS version ("TLSv1.3").
func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS13:
		return "TLSv1.3"
	case tls.VersionTLS12:
		return "TLSv1.2"
	}
	return strings.Replace(tls.VersionName(v), "TLS 1.", "TLSv1.", 1)
}

// readAndVerify is authenticate's reading and checking, within the admission slot.
func (p *pipeline) readAndVerify(r *http.Request, ex *exchange, route func(body []byte) (unsigned bool, err error)) ([]byte, iam.Caller, error) {
	var c iam.Caller
	leave, ok := p.admit.enter()
	if !ok {
		return nil, c, errBusy()
	}
	defer leave()
	limit := p.maxBody
	if limit <= 0 {
		limit = maxBody
	}
	if r.ContentLength > limit {
		// Refused before reading: a client waiting for 100 Continue never sends the body.
		return nil, c, p.tooLarge(r, ex, limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, c, awserr.New("IncompleteBody", http.StatusBadRequest, "The request body could not be read.")
	}
	if int64(len(body)) > limit {
		return nil, c, p.tooLarge(r, ex, limit)
	}
	if p.sync != nil {
		if err := p.sync.Sync(r.Context()); err != nil {
			p.logger.Error("sync with the store", "request_id", ex.reqID, "err", err)
			return nil, c, errBusy()
		}
	}
	unsigned := false
	if route != nil {
		if unsigned, err = route(body); err != nil {
			return nil, c, err
		}
	}
	if !unsigned {
		res, err := p.auth.VerifyFor(r.Context(), r, body, ex.signedFor)
		if err != nil {
			return nil, c, err
		}
		caller, ok := res.Identity.(*iam.Caller)
		if !ok {
			return nil, c, fmt.Errorf("authenticate: the key store gave identity %T", res.Identity)
		}
		c = *caller
		c.Region = requestedRegion(res.Service, res.Region)
		ex.caller = c.Principal.ARN
		if p.keyUse != nil {
			if err := p.keyUse.RecordKeyUse(r.Context(), res.AccessKeyID, res.Service, c.Region); err != nil {
				p.logger.Warn("recording access key use", "request_id", ex.reqID, "access_key_id", res.AccessKeyID, "err", err)
			}
		}
	}
	c.SourceIP = sourceIP(r)
	c.SecureTransport = r.TLS != nil
	c.UserAgent = r.UserAgent()
	c.Time = p.now().UTC()
	return body, c, nil
}

// drainFactor bounds what tooLarge reads and discards of an oversized body, as a multiple of the body limit.
const drainFactor = 16

// tooLarge refuses a body over limit. The answer must reach a client that is still sending: a server that
// closes the connection with unread data in its receive buffer makes the kernel send a reset, which can destroy
// the answer before the client reads it. So tooLarge reads and discards the rest of the body, up to drainFactor
// times the limit and within the server's body timeout (http.Server.ReadTimeout), unless the client waits for
// 100 Continue (it then sends nothing more); the answer then closes the connection (ex.closeConn).
func (p *pipeline) tooLarge(r *http.Request, ex *exchange, limit int64) error {
	ex.closeConn = true
	if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, drainFactor*limit))
		if n == drainFactor*limit {
			p.logger.Info("oversized body not drained to its end", "request_id", ex.reqID, "drained", n)
		}
	}
	return awserr.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", limit)
}

// end is the pipeline's one error edge and its last stage: it writes err (when not nil) in the protocol's shape,
// logs it, and tells the Observer and the Recorder. It returns the outcome.
func (p *pipeline) end(w http.ResponseWriter, r *http.Request, ex *exchange, proto wireProtocol, err error) string {
	outcome, code, msg := "ok", "", ""
	if err != nil {
		outcome, code, msg = p.fail(w, r, ex, proto, err)
	}
	if p.obs != nil {
		p.obs.ObserveRequest(ex.service, ex.label, outcome, time.Since(ex.start))
	}
	if p.rec != nil {
		call := ex.call
		if call == nil {
			call = p.auditCall(r, ex, nil)
		}
		call.Service, call.Operation = ex.service, ex.label
		if ex.fill != nil {
			ex.fill(call)
		}
		p.rec.RecordRequest(r.Context(), Record{RequestID: ex.reqID, Service: ex.service, Operation: ex.label, Caller: ex.caller,
			Outcome: outcome, ErrorCode: code, Decision: ex.decision, Call: call, ErrorMessage: msg, Err: err})
	}
	return outcome
}

// fail writes err and logs it; a client's cancel is logged and not answered (nobody is listening). The request's
// context speaks for how the request ended when err does not: a client that has gone is a cancel whatever error
// its absence caused (a store read cut short), and a server-side deadline that has passed is ServiceUnavailable
// unless err is the sender's fault.
func (p *pipeline) fail(w http.ResponseWriter, r *http.Request, ex *exchange, proto wireProtocol, err error) (outcome, code, message string) {
	ctxErr := r.Context().Err()
	if errors.Is(err, context.Canceled) || errors.Is(ctxErr, context.Canceled) {
		p.logger.Info("request canceled by client", "request_id", ex.reqID, "action", ex.operation)
		return "canceled", "", ""
	}
	info, ok := errorInfo(err)
	if errors.Is(ctxErr, context.DeadlineExceeded) && (!ok || info.Type == "Receiver") {
		info, ok = errorInfo(ctxErr)
	}
	level := slog.LevelInfo
	if !ok {
		info = proto.internalError()
		level = slog.LevelError
	}
	if info.HTTPStatus >= 500 {
		level = slog.LevelError
	}
	info.Code = proto.code(info.Code)
	attrs := []any{"request_id", ex.reqID, "service", ex.service, "action", ex.operation, "code", info.Code, "status", info.HTTPStatus}
	if ae, ok := awserr.As(err); ok && ae.Cause != nil {
		attrs = append(attrs, "cause", ae.Cause.Error())
	} else if !ok {
		attrs = append(attrs, "cause", err.Error())
	}
	p.logger.Log(r.Context(), level, "request failed", attrs...)
	if ex.closeConn {
		w.Header().Set("Connection", "close")
	}
	proto.writeError(w, r, ex, info, err)
	switch {
	case info.Code == "AccessDenied" || info.Code == "AccessDeniedException":
		return "denied", info.Code, info.Message
	case info.HTTPStatus >= 500:
		return "error", info.Code, info.Message
	}
	return "client_error", info.Code, info.Message
}

// errorInfo is the one mapping of an error to its wire form, before the protocol spells it:
//   - a server-side deadline (context.DeadlineExceeded in err's chain), or a database that could not be reached
//     or went away (store.ErrUnavailable), that ended the request without an answer of the sender's fault:
//     ServiceUnavailable, which clients retry;
//   - an *awserr.Error: what every layer returns, the query codec's and the simulator's errors included;
//   - the model's *apitypes.ValidationError (generated Validate methods report it as itself, so that its text stays
//     exactly AWS's);
//   - a *sigv4.Error: a refused signature, as sigv4 words it;
//   - an *iam.SignInError: a refused sign-in (401), with its public message only;
//   - the operator's account errors of iam (ErrInvalidAccountRequest, ErrAccountExists, ErrAccessKeyInUse), whose
//     text names the account or key and never a secret.
//
// Any other error is not an AWS error: the caller answers the protocol's internal failure without showing its
// text.
func errorInfo(err error) (awsquery.ErrorInfo, bool) {
	info, ok := typedErrorInfo(err)
	if (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrUnavailable)) && (!ok || info.Type == "Receiver") {
		busy := errBusy()
		return awsquery.ErrorInfo{Type: busy.Type(), Code: busy.Code, Message: busy.Message, HTTPStatus: busy.HTTPStatus}, true
	}
	return info, ok
}

// typedErrorInfo is errorInfo by the error's type alone.
func typedErrorInfo(err error) (awsquery.ErrorInfo, bool) {
	if ae, ok := awserr.As(err); ok {
		return awsquery.ErrorInfo{Type: ae.Type(), Code: ae.Code, Message: ae.Message, HTTPStatus: ae.HTTPStatus}, true
	}
	var ve *apitypes.ValidationError
	if errors.As(err, &ve) {
		return awsquery.ErrorInfo{Type: "Sender", Code: ve.ErrorCode(), Message: ve.ErrorMessage(), HTTPStatus: ve.HTTPStatus()}, true
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return awsquery.ErrorInfo{Type: "Sender", Code: se.Code, Message: se.Message, HTTPStatus: se.HTTPStatus}, true
	}
	var sie *iam.SignInError
	if errors.As(err, &sie) {
		return awsquery.ErrorInfo{Type: "Sender", Code: "SignInFailed", Message: sie.Public, HTTPStatus: http.StatusUnauthorized}, true
	}
	switch {
	case errors.Is(err, iam.ErrInvalidAccountRequest):
		return awsquery.ErrorInfo{Type: "Sender", Code: "InvalidInput", Message: err.Error(), HTTPStatus: http.StatusBadRequest}, true
	case errors.Is(err, iam.ErrAccountExists):
		return awsquery.ErrorInfo{Type: "Sender", Code: "AccountAlreadyExists", Message: err.Error(), HTTPStatus: http.StatusConflict}, true
	case errors.Is(err, iam.ErrAccessKeyInUse):
		return awsquery.ErrorInfo{Type: "Sender", Code: "AccessKeyInUse", Message: err.Error(), HTTPStatus: http.StatusConflict}, true
	}
	return awsquery.ErrorInfo{}, false
}

// globalRegion is the Region of the endpoints of AWS's global services (IAM, Organizations) in the aws partition.
const globalRegion = "us-east-1"

// requestedRegion is aws:RequestedRegion for a request to service signed for region. IAM and Organizations are
// global services whose single endpoint is in us-east-1, so their requests are made to us-east-1 whatever Region
// the client signed for (AWS's example policy "Denies access to AWS based on the requested Region" exempts them
// for that reason); STS and iamd's decision API answer in the Region the request was signed for.
func requestedRegion(service, region string) string {
	switch service {
	case "iam", "organizations":
		return globalRegion
	}
	return region
}

// internalFailure is the message of an error that is not an AWS error, as AWS words its InternalFailure.
const internalFailure = "The request processing has failed because of an unknown error, exception or failure."

// Trail is the audit trail as the pipeline records to it (*audit.Trail).
type Trail interface {
	Begin(ctx context.Context, c *audit.Call) (context.Context, error)
	End(ctx context.Context, c *audit.Call, out audit.Outcome)
}

// TrailRecorder is the Recorder that records each request in an audit trail.
func TrailRecorder(t Trail) Recorder { return trailRecorder{t} }

type trailRecorder struct{ t Trail }

func (r trailRecorder) Begin(ctx context.Context, c *audit.Call) (context.Context, error) {
	return r.t.Begin(ctx, c)
}

func (r trailRecorder) RecordRequest(ctx context.Context, rec Record) {
	r.t.End(ctx, rec.Call, audit.Outcome{ErrorCode: rec.ErrorCode, ErrorMessage: rec.ErrorMessage, Err: rec.Err,
		Canceled: rec.Outcome == "canceled"})
}
