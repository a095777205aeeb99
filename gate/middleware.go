package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
)

// DefaultMaxBodyBytes is the largest request body Middleware reads when Options.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 10 << 20

// ResolveFunc tells which action a request performs, on which resource, and any condition keys of the
// service's own to decide with (e.g. {"notes:Public": true}). A Resolve error refuses the request with 400
// ValidationException and the error's text, so word it for the caller.
type ResolveFunc func(r *http.Request) (action, resource string, context map[string]any, err error)

// Options configure Middleware.
type Options struct {
	// Service is the service name callers sign their requests for (the credential scope's service), e.g. "notes".
	Service string
	// Resolve maps a request to its action, resource and extra condition keys; it is required.
	Resolve ResolveFunc
	// Regions, when set, are the regions a request's signature may be scoped to; a signature for another region
	// is refused as SignatureDoesNotMatch, as AWS refuses one.
	Regions []string
	// MaxBodyBytes bounds the request body; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger receives the causes of 500 answers; nil means slog.Default().
	Logger *slog.Logger
}

// identityKey is the context key of the caller's Identity.
type identityKey struct{}

// IdentityFrom returns the authenticated caller Middleware put in a request's context.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok && id != nil
}

// WithIdentity returns ctx carrying id, as Middleware passes it to the handler; for tests of handlers.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// Condition keys Middleware sets from the request itself; they override any value Resolve gives them.
const (
	keySourceIP        = "aws:SourceIp"
	keySecureTransport = "aws:SecureTransport"
	keyRequestedRegion = "aws:RequestedRegion"
)

// Texts of the answers Middleware writes itself.
const (
	// msgInternalFailure is AWS's text for the InternalFailure common error (HTTP 500).
	msgInternalFailure = "The request processing has failed because of an unknown error, exception or failure."
	// msgBodyTooLarge and its code RequestEntityTooLargeException (HTTP 413) are iamd's own choice: AWS's code and
	// text for a body over a service's limit vary by service, and we could not confirm one common answer.
	msgBodyTooLarge = "The request body is too large."
)

// Middleware returns a middleware that lets a request through to its handler only when iamd finds it authentic
// and allowed. For each request it reads the body (and restores it for the handler), verifies the signature
// for o.Service with iamd, resolves the action and resource with o.Resolve, and asks iamd whether the signing
// access key may perform the action on the resource, with the condition keys aws:SourceIp (from r.RemoteAddr),
// aws:SecureTransport (r.TLS != nil) and aws:RequestedRegion (the signature's region) added to Resolve's.
//
// It answers as an AWS JSON service does, with a JSON body {"__type": code, "message": text} and the
// X-Amzn-ErrorType header: 403 with the verifier's code (SignatureDoesNotMatch, InvalidClientTokenId,
// ExpiredToken, MissingAuthenticationToken...; 400 for IncompleteSignature) for a request that is not
// authentic; 403 AccessDeniedException "User: <arn> is not authorized to perform: <action> on resource:
// <resource>" when iamd denies it; 400 ValidationException for a Resolve error; and 500 InternalFailure,
// without details, whenever iamd fails or answers unexpectedly (the cause goes to o.Logger). It panics when o
// has no Service or Resolve, or c is nil.
func Middleware(c *Client, o Options) func(http.Handler) http.Handler {
	if c == nil || o.Service == "" || o.Resolve == nil {
		panic("gate: Middleware needs a Client, Options.Service and Options.Resolve")
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			g := gated{c: c, o: &o}
			if r2, ok := g.check(w, r); ok {
				next.ServeHTTP(w, r2)
			}
		})
	}
}

// gated is one request going through the middleware.
type gated struct {
	c *Client
	o *Options
}

// check decides about r, writing the refusal to w; it returns the request to hand on when r may pass.
func (g gated) check(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	ctx := r.Context()
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, g.o.MaxBodyBytes))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				writeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", msgBodyTooLarge)
				return nil, false
			}
			g.fail(w, r, "reading the request body", err)
			return nil, false
		}
		r.Body.Close()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }

	id, err := g.c.Verify(ctx, r, body, g.o.Service)
	if err != nil {
		if na, ok := errors.AsType[*NotAuthenticatedError](err); ok {
			writeError(w, notAuthenticatedStatus(na.Code), na.Code, na.Message)
			return nil, false
		}
		g.fail(w, r, "verifying the request", err)
		return nil, false
	}
	if len(g.o.Regions) > 0 && !slices.Contains(g.o.Regions, id.Region) {
		// AWS's wording (the sigv4 package's), one sentence with its trailing space.
		writeError(w, http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '"+id.Region+"'. ")
		return nil, false
	}
	r = r.WithContext(WithIdentity(ctx, id))

	action, resource, extra, err := g.o.Resolve(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return nil, false
	}
	if action == "" || resource == "" {
		g.fail(w, r, "resolving the request", errors.New("Resolve gave no action or resource"))
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body)) // whole again for the handler, should Resolve have read it
	condition := make(map[string]any, len(extra)+3)
	for k, v := range extra {
		// Condition keys are case-insensitive; the request's own facts win over Resolve's.
		if !strings.EqualFold(k, keySourceIP) && !strings.EqualFold(k, keySecureTransport) && !strings.EqualFold(k, keyRequestedRegion) {
			condition[k] = v
		}
	}
	if ip := sourceIP(r.RemoteAddr); ip != "" {
		condition[keySourceIP] = ip
	}
	condition[keySecureTransport] = r.TLS != nil
	condition[keyRequestedRegion] = id.Region

	d, err := g.c.Authorize(ctx, Query{AccessKeyID: id.AccessKeyID, Action: action, Resource: resource, Context: condition})
	if err != nil {
		g.fail(w, r, "authorizing the request", err)
		return nil, false
	}
	if !d.Allowed() {
		writeError(w, http.StatusForbidden, "AccessDeniedException",
			"User: "+id.Principal.ARN+" is not authorized to perform: "+action+" on resource: "+resource)
		return nil, false
	}
	return r, true
}

// fail answers 500 InternalFailure and logs why; a request whose client went away is only logged.
func (g gated) fail(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if r.Context().Err() != nil {
		g.o.Logger.DebugContext(r.Context(), "gate: client went away", "doing", doing, "err", err)
		return
	}
	g.o.Logger.ErrorContext(r.Context(), "gate: refusing request: iamd failed", "doing", doing, "service", g.o.Service,
		"method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "InternalFailure", msgInternalFailure)
}

// notAuthenticatedStatus is the HTTP status AWS answers an authentication failure with: 400 for a malformed
// signature or an expired presigned URL, 403 otherwise.
func notAuthenticatedStatus(code string) int {
	switch code {
	case "IncompleteSignature", "RequestExpired":
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}

// sourceIP is the IP address of a RemoteAddr ("ip:port", "[ipv6%zone]:port" or a bare address).
func sourceIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		host = host[:i]
	}
	if net.ParseIP(host) == nil {
		return ""
	}
	return host
}

// writeError writes an AWS JSON-protocol error answer.
func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{code, message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	w.Write(body)
}
