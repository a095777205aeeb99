package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// restService is an AWS REST-JSON protocol service (Access Analyzer): each operation has its HTTP method and
// requestUri (path labels, query-string members), the input's other members are a JSON body, and the answer is
// a JSON body with the operation's status. Requests are told apart from the other protocols' by the service
// their signature is for (the credential scope), or, unsigned, by a path that one of its routes matches.
type restService struct {
	name   string // the signing name and metrics label, e.g. "access-analyzer"
	routes []restRoute
	ops    map[string]dispatch.Operation
	bufs   *sync.Pool // of *[]byte: answer bodies, reused
}

// restRoute is a route compiled: the path's segments, a label segment holding its name in braces.
type restRoute struct {
	method string
	segs   []string
	name   string
	status int
}

// AddRESTJSONService serves an AWS REST-JSON protocol service signed for name; routes are the model's routes of
// every operation (aaapi.Routes) and ops the generated operation table bound to the domain (aaapi.Bind). Call
// it before serving.
func (h *Handler) AddRESTJSONService(name string, routes []dispatch.Route, ops []dispatch.Operation) {
	svc := restService{name: name, ops: dispatch.Index(ops), bufs: &sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}}
	for _, rt := range routes {
		path, _, _ := strings.Cut(rt.URI, "?")
		svc.routes = append(svc.routes, restRoute{method: rt.Method, segs: strings.Split(strings.Trim(path, "/"), "/"), name: rt.Name, status: rt.Status})
	}
	h.rest = append(h.rest, svc)
}

// match finds the route of method and path (escaped, as sent: a label's value may hold an escaped "/", as an ARN
// in /tags/{resourceArn} does; Param unescapes it) and the values of its labels. A label matches one non-empty segment
// ({name}) or the rest of the path ({name+}); a fixed segment matches itself only. found reports a route of the
// path for any method.
func (s *restService) match(method, path string) (rt *restRoute, labels map[string]string, found bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range s.routes {
		r := &s.routes[i]
		l, ok := r.matchPath(segs)
		if !ok {
			continue
		}
		found = true
		if r.method == method {
			return r, l, true
		}
	}
	return nil, nil, found
}

func (r *restRoute) matchPath(segs []string) (map[string]string, bool) {
	var labels map[string]string
	for i, seg := range r.segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if labels == nil {
				labels = map[string]string{}
			}
			if greedy, ok := strings.CutSuffix(name, "+"); ok {
				if i >= len(segs) {
					return nil, false
				}
				labels[greedy] = strings.Join(segs[i:], "/")
				return labels, segs[i] != ""
			}
			if i >= len(segs) || segs[i] == "" {
				return nil, false
			}
			labels[name] = segs[i]
			continue
		}
		if i >= len(segs) || segs[i] != seg {
			return nil, false
		}
	}
	return labels, len(segs) == len(r.segs)
}

// scopeService is the service of a request's SigV4 credential scope (the Authorization header's or the
// presigned X-Amz-Credential's), "" when it has none; it is only a hint for routing, which sigv4 verifies.
func scopeService(r *http.Request) string {
	cred := ""
	if auth := r.Header.Get("Authorization"); auth != "" {
		_, after, ok := strings.Cut(auth, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[3]
}

// restTarget finds the REST-JSON service a request calls: the one its signature is for, or, for a request
// without one, the one a route of which matches its path.
func (h *Handler) restTarget(r *http.Request) *restService {
	if len(h.rest) == 0 {
		return nil
	}
	if svc := scopeService(r); svc != "" {
		for i := range h.rest {
			if h.rest[i].name == svc {
				return &h.rest[i]
			}
		}
		return nil
	}
	for i := range h.rest {
		if _, _, found := h.rest[i].match(r.Method, r.URL.EscapedPath()); found {
			return &h.rest[i]
		}
	}
	return nil
}

// serveREST handles one REST-JSON request.
func (h *Handler) serveREST(w http.ResponseWriter, r *http.Request, svc *restService) {
	ex := h.p.begin(r, svc.name)
	rt, labels, found := svc.match(r.Method, r.URL.EscapedPath())
	if rt != nil {
		ex.operation = rt.name
		if _, ok := svc.ops[rt.name]; ok {
			ex.label = rt.name
		}
	} else {
		ex.operation = r.Method + " " + r.URL.Path
	}
	out, err := h.runREST(r, ex, svc, rt, labels, found)
	if err == nil {
		writeJSONAnswer(w, svc.bufs, out, "application/json", ex.reqID, rt.status)
	}
	h.p.end(w, r, ex, restJSONProtocol{}, err)
}

// runREST authenticates the request and runs its operation; it returns the output, nil for an operation that
// answers {}.
func (h *Handler) runREST(r *http.Request, ex *exchange, svc *restService, rt *restRoute, labels map[string]string, found bool) (dispatch.JSONOutput, error) {
	ctx, body, c, err := h.p.authenticate(r, ex, nil)
	if err != nil {
		return nil, err
	}
	switch {
	case rt == nil && found:
		return nil, &awserr.Error{Code: "UnknownOperationException", HTTPStatus: http.StatusMethodNotAllowed,
			Message: "The method " + r.Method + " is not allowed on this path."} // iamd's text
	case rt == nil:
		return nil, &awserr.Error{Code: "UnknownOperationException", HTTPStatus: http.StatusNotFound, Message: "The operation is not known to this service."} // iamd's text
	}
	o, ok := svc.ops[rt.name]
	if !ok || !o.Implemented {
		return nil, awserr.NotImplementedException(rt.name)
	}
	out, err := o.Call(ctx, &c, &restInput{jsonInput: jsonInput{body: body, op: rt.name}, labels: labels, query: r.URL.Query(), header: r.Header})
	if err != nil || out == nil {
		return nil, err
	}
	jo, ok := out.(dispatch.JSONOutput)
	if !ok {
		return nil, fmt.Errorf("api: the output %T of %s has no JSON encoder", out, rt.name)
	}
	return jo, nil
}

// restInput hands a REST-JSON operation's generated decoder the body and the members outside it (jsonproto.Params).
// A body the decoder rejects is a SerializationException and a model violation a ValidationException with its
// fieldList, as AWS's REST-JSON services answer them; a service's binding may answer its own (aaapi.Input).
type restInput struct {
	jsonInput
	labels map[string]string
	query  url.Values
	header http.Header
}

func (in *restInput) Param(location, name string) (string, bool) {
	switch location {
	case "uri":
		v, ok := in.labels[name]
		if ok {
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
		}
		return v, ok
	case "querystring":
		vs, ok := in.query[name]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	case "header":
		vs := in.header.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	return "", false
}

// ParamValues implements jsonproto.ListParams: every value of a query-string member, or of a header.
func (in *restInput) ParamValues(location, name string) []string {
	switch location {
	case "querystring":
		return in.query[name]
	case "header":
		return in.header.Values(name)
	}
	if v, ok := in.Param(location, name); ok {
		return []string{v}
	}
	return nil
}

func (in *restInput) Invalid(err error) error {
	var ve *apitypes.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) == 0 {
		return err
	}
	return &awserr.Error{Code: "ValidationException", HTTPStatus: http.StatusBadRequest, Message: ve.Error(), Cause: ve}
}

// restJSONProtocol writes the REST-JSON protocol's errors as AWS's REST-JSON services do: the code in the
// x-amzn-ErrorType header (which botocore's rest-json parser reads first), and a body {"message"} with the error
// shape's other members where iamd has them — a ValidationException's "reason" and "fieldList" (one
// {"name", "message"} per violation of the model, from the *apitypes.ValidationError in the error's chain).
type restJSONProtocol struct{}

func (restJSONProtocol) internalError() awsquery.ErrorInfo {
	return awsquery.ErrorInfo{Code: "InternalServerException", HTTPStatus: http.StatusInternalServerError, Message: internalFailure}
}

// restCode renames the errors of the pipeline's own stages to the REST-JSON services' codes.
var restCode = map[string]string{
	"ServiceUnavailable": "ThrottlingException",
	"InvalidInput":       "ValidationException",
}

func (restJSONProtocol) code(c string) string {
	if j, ok := restCode[c]; ok {
		return j
	}
	return jsonProtocol{}.code(c)
}

// restError is the body of a REST-JSON error.
type restError struct {
	Message   string      `json:"message"`
	Reason    string      `json:"reason,omitempty"`
	FieldList []restField `json:"fieldList,omitempty"`
}

type restField struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (restJSONProtocol) writeError(w http.ResponseWriter, r *http.Request, ex *exchange, info awsquery.ErrorInfo, err error) {
	body := restError{Message: info.Message}
	status := info.HTTPStatus
	if info.Code == "ThrottlingException" {
		// A busy server: AWS's ThrottlingException is 429, which every SDK retries with backoff.
		status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", "1")
	}
	if ae, ok := awserr.As(err); ok && ae.Reason != "" {
		body.Reason = ae.Reason
	}
	if info.Code == "ValidationException" {
		var ve *apitypes.ValidationError
		if errors.As(err, &ve) {
			for _, v := range ve.Violations {
				body.FieldList = append(body.FieldList, restField{Name: v.Path, Message: v.String()})
			}
			if body.Reason == "" {
				body.Reason = "fieldValidationFailed"
			}
		}
		if body.Reason == "" {
			body.Reason = "other"
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.Encode(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", ex.reqID)
	w.Header().Set("x-amzn-ErrorType", info.Code)
	w.WriteHeader(status)
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}
