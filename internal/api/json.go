package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// jsonService is an AWS JSON 1.1 protocol service: POST / with X-Amz-Target: TargetPrefix.Operation and a JSON
// body, answered with a JSON body; errors carry "__type" and "Message".
type jsonService struct {
	name   string // the signing name and metrics label, e.g. "organizations"
	prefix string // the target prefix, e.g. "AWSOrganizationsV20161128"
	ops    map[string]dispatch.Operation
}

// AddJSONService serves an AWS JSON 1.1 protocol service whose requests name targetPrefix in X-Amz-Target; ops
// is the service's generated operation table bound to the domain (orgapi.Bind). Call it before serving.
func (h *Handler) AddJSONService(name, targetPrefix string, ops []dispatch.Operation) {
	h.json = append(h.json, jsonService{name: name, prefix: targetPrefix, ops: dispatch.Index(ops)})
}

// jsonTarget finds the service and operation name of an X-Amz-Target header.
func (h *Handler) jsonTarget(target string) (*jsonService, string, bool) {
	prefix, op, ok := strings.Cut(target, ".")
	if !ok {
		return nil, "", false
	}
	for i := range h.json {
		if h.json[i].prefix == prefix {
			return &h.json[i], op, true
		}
	}
	return nil, "", false
}

// serveJSON handles one JSON-protocol request.
func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request, target string) {
	start := time.Now()
	reqID := newRequestID()
	svc, opName, known := h.jsonTarget(target)
	service, opLabel := unknownLabel, unknownLabel
	if known {
		service = svc.name
		if _, ok := svc.ops[opName]; ok {
			opLabel = opName
		}
	}
	out, err := h.runJSON(r, svc, opName)
	outcome := "ok"
	if err != nil {
		outcome = h.writeJSONError(w, r, service, opName, reqID, err)
	} else {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("x-amzn-RequestId", reqID)
		w.Write(out)
	}
	if h.obs != nil {
		h.obs.ObserveRequest(service, opLabel, outcome, time.Since(start))
	}
}

func (h *Handler) runJSON(r *http.Request, svc *jsonService, opName string) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, &awserr.Error{Code: "UnknownOperationException", HTTPStatus: http.StatusBadRequest, Message: "Only POST requests are supported."}
	}
	leave, ok := h.admit.enter()
	if !ok {
		return nil, errBusy()
	}
	body, caller, err := h.readAndAuthenticateJSON(r, svc)
	leave()
	if err != nil {
		return nil, err
	}
	if svc == nil {
		return nil, &awserr.Error{Code: "UnknownOperationException", HTTPStatus: http.StatusBadRequest, Message: "The operation is not known to this service."} // iamd's text
	}
	o, ok := svc.ops[opName]
	if !ok {
		return nil, &awserr.Error{Code: "UnknownOperationException", HTTPStatus: http.StatusBadRequest, Message: "The operation is not known to this service."} // iamd's text
	}
	if !o.Implemented {
		return nil, awserr.NotImplementedException(opName)
	}
	c := *caller
	c.SourceIP = sourceIP(r)
	c.SecureTransport = r.TLS != nil
	c.UserAgent = r.UserAgent()
	c.Time = h.now().UTC()
	out, err := o.Call(r.Context(), &c, &jsonInput{body: body, op: opName})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(out)
}

// jsonInput decodes an operation's input from the JSON body of a request (an empty body is the empty input); a
// model violation is answered as the JSON services answer it (jsonValidationError).
type jsonInput struct {
	body []byte
	op   string
}

func (j *jsonInput) Decode(in any) error {
	if len(bytes.TrimSpace(j.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(j.body, in); err != nil {
		return &awserr.Error{Code: "SerializationException", HTTPStatus: http.StatusBadRequest,
			Message: "The request body is not valid JSON for " + j.op + ".", Cause: err}
	}
	return nil
}

func (j *jsonInput) Invalid(err error) error { return jsonValidationError(err) }

// readAndAuthenticateJSON reads a JSON-protocol request's body and establishes its caller; the signature must be
// for the service the target names (for an unknown target, for any service the authenticator accepts).
func (h *Handler) readAndAuthenticateJSON(r *http.Request, svc *jsonService) ([]byte, *iam.Caller, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, nil, awserr.New("IncompleteBody", http.StatusBadRequest, "The request body could not be read.")
	}
	if len(body) > maxBody {
		return nil, nil, awserr.New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "The request body is larger than %d bytes.", maxBody)
	}
	service := ""
	if svc != nil {
		service = svc.name
	}
	caller, err := h.auth.Authenticate(r.Context(), r, body, service)
	if err != nil {
		return nil, nil, err
	}
	return body, caller, nil
}

// jsonValidationError turns the model's validation failures into the InvalidInputException of the JSON services,
// with the reason AWS's Organizations gives for the first violation.
func jsonValidationError(err error) error {
	var ve *apitypes.ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) == 0 {
		return err
	}
	v := ve.Violations[0]
	reason := "INVALID_INPUT"
	switch {
	case v.Null:
		reason = "INPUT_REQUIRED"
	case strings.Contains(v.Constraint, "length less than"):
		reason = "MAX_LENGTH_EXCEEDED"
	case strings.Contains(v.Constraint, "length greater than"):
		reason = "MIN_LENGTH_EXCEEDED"
	case strings.Contains(v.Constraint, "pattern"):
		reason = "INVALID_PATTERN"
	case strings.Contains(v.Constraint, "enum"):
		reason = "INVALID_ENUM"
	case strings.Contains(v.Constraint, "value less than"):
		reason = "MAX_VALUE_EXCEEDED"
	case strings.Contains(v.Constraint, "value greater than"):
		reason = "MIN_VALUE_EXCEEDED"
	}
	return &awserr.Error{Code: "InvalidInputException", HTTPStatus: http.StatusBadRequest, Message: ve.Error(), Reason: reason}
}

// jsonCode renames the query protocol's authentication codes to the JSON services' ones.
var jsonCode = map[string]string{
	"InvalidClientTokenId":  "UnrecognizedClientException",
	"SignatureDoesNotMatch": "InvalidSignatureException",
	"AccessDenied":          "AccessDeniedException",
	"ValidationError":       "InvalidInputException",
	// SigV4's other failures carry the Exception suffix in the JSON services
	"MissingAuthenticationToken": "MissingAuthenticationTokenException",
	"IncompleteSignature":        "IncompleteSignatureException",
	"ExpiredToken":               "ExpiredTokenException",
}

// writeJSONError writes err as a JSON-protocol error and logs it; it returns the outcome label for metrics.
func (h *Handler) writeJSONError(w http.ResponseWriter, r *http.Request, service, op, reqID string, err error) string {
	info, ok := errorInfo(err)
	level := slog.LevelInfo
	if !ok {
		info.Code, info.HTTPStatus = "ServiceException", http.StatusInternalServerError
		info.Message = "The request processing has failed because of an unknown error, exception or failure."
		level = slog.LevelError
	}
	if info.HTTPStatus >= 500 {
		level = slog.LevelError
	}
	if c, ok := jsonCode[info.Code]; ok {
		info.Code = c
	}
	attrs := []any{"request_id", reqID, "service", service, "action", op, "code", info.Code, "status", info.HTTPStatus}
	body := map[string]string{"__type": info.Code, "Message": info.Message}
	if ae, ok := awserr.As(err); ok {
		if ae.Cause != nil {
			attrs = append(attrs, "cause", ae.Cause.Error())
		}
		if ae.Reason != "" {
			body["Reason"] = ae.Reason
		}
	} else if !ok {
		attrs = append(attrs, "cause", err.Error())
	}
	h.logger.Log(r.Context(), level, "request failed", attrs...)
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(info.HTTPStatus)
	w.Write(b)
	switch {
	case info.Code == "AccessDeniedException":
		return "denied"
	case info.HTTPStatus >= 500:
		return "error"
	}
	return "client_error"
}
