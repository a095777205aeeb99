package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamd-dev/iamd/internal/awserr"
)

// The resource-policy registry of the decision API: /iamd/v1/resource-policies.
//
//   - PUT, body {"resourceArn": ARN, "resourceOwner": ACCOUNT (optional, for ARNs without an account such as S3
//     buckets), "policy": the policy as a JSON object or string}: registers (or replaces) the resource's policy,
//     authorized by iamd:PutResourcePolicy on the resource; answers the registered policy.
//   - GET ?resourceArn=ARN[&resourceOwner=ACCOUNT]: answers it (iamd:GetResourcePolicy), 404 NoSuchEntity when
//     none is registered.
//   - DELETE ?resourceArn=ARN[&resourceOwner=ACCOUNT]: removes it (iamd:DeleteResourcePolicy), 204.
//
// A resource's account (its ARN's, else resourceOwner, else the caller's) must be the caller's. POST
// /iamd/v1/authorize uses the registered policy when the request sends no resourcePolicy, and IAM Access
// Analyzer's external-access analyzers analyze it.

// registryAction names a registry call after its method, as the trail and the logs record it.
func registryAction(method string) string {
	switch method {
	case http.MethodPut:
		return "PutResourcePolicy"
	case http.MethodGet:
		return "GetResourcePolicy"
	case http.MethodDelete:
		return "DeleteResourcePolicy"
	}
	return "ResourcePolicies"
}

type putResourcePolicyRequest struct {
	ResourceARN   string          `json:"resourceArn"`
	ResourceOwner string          `json:"resourceOwner"`
	Policy        json.RawMessage `json:"policy"`
}

type resourcePolicyResponse struct {
	ResourceARN string `json:"resourceArn"`
	Account     string `json:"account"`
	Policy      string `json:"policy"`
	Updated     string `json:"updated"`
}

func (h *DecisionHandler) serveRegistry(w http.ResponseWriter, r *http.Request, ex *exchange, action string) ([]slog.Attr, error) {
	switch r.Method {
	case http.MethodPut, http.MethodGet, http.MethodDelete:
	default:
		return nil, awserr.New("InvalidAction", http.StatusMethodNotAllowed, "Only PUT, GET and DELETE requests are supported.")
	}
	ctx, body, c, err := h.p.authenticate(r, ex, nil)
	if err != nil {
		return nil, err
	}
	attrs := []slog.Attr{slog.String("caller", c.Principal.ARN)}
	q := r.URL.Query()
	arn, owner := q.Get("resourceArn"), q.Get("resourceOwner")
	var doc string
	if r.Method == http.MethodPut {
		var in putResourcePolicyRequest
		if err := decodeJSON(body, &in); err != nil {
			return attrs, err
		}
		arn, owner = in.ResourceARN, in.ResourceOwner
		switch p := bytes.TrimSpace(in.Policy); {
		case len(p) > 0 && p[0] == '{':
			doc = string(p)
		case len(p) > 0 && p[0] == '"':
			if err := json.Unmarshal(p, &doc); err != nil {
				return attrs, validationError("policy", "must be a policy JSON object")
			}
		default:
			return attrs, validationError("policy", "must be a policy JSON object")
		}
	}
	if arn == "" {
		return attrs, validationError("resourceArn", "must be given")
	}
	attrs = append(attrs, slog.String("resource", arn))
	switch r.Method {
	case http.MethodPut:
		rp, err := h.svc.PutResourcePolicy(ctx, &c, arn, owner, doc)
		if err != nil {
			return attrs, err
		}
		writeJSON(w, http.StatusOK, resourcePolicyResponse{ResourceARN: rp.ARN, Account: rp.Account, Policy: rp.Document, Updated: rp.Updated.Format(time.RFC3339)})
	case http.MethodGet:
		rp, err := h.svc.GetResourcePolicy(ctx, &c, arn, owner)
		if err != nil {
			return attrs, err
		}
		writeJSON(w, http.StatusOK, resourcePolicyResponse{ResourceARN: rp.ARN, Account: rp.Account, Policy: rp.Document, Updated: rp.Updated.Format(time.RFC3339)})
	case http.MethodDelete:
		if err := h.svc.DeleteResourcePolicy(ctx, &c, arn, owner); err != nil {
			return attrs, err
		}
		w.WriteHeader(http.StatusNoContent)
	}
	return attrs, nil
}
