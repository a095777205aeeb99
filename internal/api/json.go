package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/apitypes"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// jsonService is an AWS JSON 1.1 protocol service: POST / with X-Amz-Target: TargetPrefix.Operation and a JSON
// body, answered with a JSON body; errors carry "__type" and "Message".
type jsonService struct {
	name   string // the signing name and metrics label, e.g. "organizations"
	prefix string // the target prefix, e.g. "AWSOrganizationsV20161128"
	ops    map[string]dispatch.Operation
	bufs   *sync.Pool // of *[]byte: answer bodies, reused
}

// maxPooledBody bounds the answer buffers kept for reuse, so that one large answer does not stay in memory.
const maxPooledBody = 64 << 10

// AddJSONService serves an AWS JSON 1.1 protocol service whose requests name targetPrefix in X-Amz-Target; ops
// is the service's generated operation table bound to the domain (orgapi.Bind). Call it before serving.
func (h *Handler) AddJSONService(name, targetPrefix string, ops []dispatch.Operation) {
	bufs := &sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}
	h.json = append(h.json, jsonService{name: name, prefix: targetPrefix, ops: dispatch.Index(ops), bufs: bufs})
}

// jsonTarget finds the service and operation name of an X-Amz-Target header: the operation follows the last dot,
// as target prefixes may hold dots themselves (CloudTrail's com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101).
func (h *Handler) jsonTarget(target string) (*jsonService, string, bool) {
	i := strings.LastIndexByte(target, '.')
	if i < 0 {
		return nil, "", false
	}
	prefix, op := target[:i], target[i+1:]
	for i := range h.json {
		if h.json[i].prefix == prefix {
			return &h.json[i], op, true
		}
	}
	return nil, "", false
}

// serveJSON handles one JSON-protocol request.
func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request, target string) {
	ex := h.p.begin(r, unknownLabel)
	svc, opName, known := h.jsonTarget(target)
	ex.operation, ex.signedFor = opName, ""
	if known {
		ex.service, ex.signedFor = svc.name, svc.name
		if _, ok := svc.ops[opName]; ok {
			ex.label = opName
		}
	}
	out, err := h.runJSON(r, ex, svc, opName)
	if err == nil {
		writeJSONAnswer(w, svc.bufs, out, "application/x-amz-json-1.1", ex.reqID, http.StatusOK)
	}
	h.p.end(w, r, ex, jsonProtocol{}, err)
}

// writeJSONAnswer writes out ({} when nil) as the answer's body, encoded into a buffer of bufs, with status.
func writeJSONAnswer(w http.ResponseWriter, bufs *sync.Pool, out dispatch.JSONOutput, contentType, reqID string, status int) {
	bp := bufs.Get().(*[]byte)
	body := append((*bp)[:0], "{}"...)
	if out != nil {
		body = out.AppendJSON((*bp)[:0])
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", reqID)
	w.WriteHeader(status)
	w.Write(body)
	if cap(body) <= maxPooledBody {
		*bp = body[:0]
		bufs.Put(bp)
	}
}

// runJSON runs the operation and returns its output, nil for an operation that answers {}.
func (h *Handler) runJSON(r *http.Request, ex *exchange, svc *jsonService, opName string) (dispatch.JSONOutput, error) {
	if r.Method != http.MethodPost {
		return nil, &awserr.Error{Code: "UnknownOperationException", HTTPStatus: http.StatusBadRequest, Message: "Only POST requests are supported."}
	}
	ctx, body, c, err := h.p.authenticate(r, ex, nil)
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
	out, err := o.Call(ctx, &c, &jsonInput{body: body, op: opName})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, nil
	}
	jo, ok := out.(dispatch.JSONOutput)
	if !ok {
		return nil, fmt.Errorf("api: the output %T of %s has no JSON encoder", out, opName)
	}
	return jo, nil
}

// jsonInput hands an operation's generated decoder the JSON body of a request (a body of only white space is
// the empty input); a body the decoder rejects is a SerializationException, and a model violation is answered as
// the JSON services answer it (jsonValidationError).
type jsonInput struct {
	body []byte
	op   string
}

func (j *jsonInput) Body() []byte {
	if len(bytes.TrimSpace(j.body)) == 0 {
		return nil
	}
	return j.body
}

func (j *jsonInput) Malformed(err error) error {
	return &awserr.Error{Code: "SerializationException", HTTPStatus: http.StatusBadRequest,
		Message: "The request body is not valid JSON for " + j.op + ".", Cause: err}
}

func (j *jsonInput) Invalid(err error) error { return jsonValidationError(err) }

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

// jsonProtocol writes the AWS JSON 1.1 protocol's errors: {"__type", "Message"} and, for some, "Reason".
type jsonProtocol struct{}

func (jsonProtocol) internalError() awsquery.ErrorInfo {
	return awsquery.ErrorInfo{Code: "ServiceException", HTTPStatus: http.StatusInternalServerError, Message: internalFailure}
}

func (jsonProtocol) code(c string) string {
	if j, ok := jsonCode[c]; ok {
		return j
	}
	return c
}

func (jsonProtocol) writeError(w http.ResponseWriter, r *http.Request, ex *exchange, info awsquery.ErrorInfo, err error) {
	body := map[string]string{"__type": info.Code, "Message": info.Message}
	if ae, ok := awserr.As(err); ok && ae.Reason != "" {
		body["Reason"] = ae.Reason
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", ex.reqID)
	w.WriteHeader(info.HTTPStatus)
	w.Write(b)
}
