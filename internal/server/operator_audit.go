package server

import (
	"encoding/json"

	"github.com/iamd-dev/iamd/internal/api"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/iam"
)

// The operator's calls in the audit trail. They come from whoever holds the serve file's token, outside IAM: no
// principal made them and no policy allowed them. CloudTrail records such calls, made by AWS itself rather than by
// an IAM identity, with userIdentity type AWSService and the service in invokedBy (CloudTrail User Guide,
// "CloudTrail userIdentity element"); the operator's are recorded so, with invokedBy "iamd-operator", under
// eventSource iamd.amazonaws.com. "Unknown" would mix them with requests refused before authentication. An event
// never holds the operator token nor a secret access key (a given one reads HIDDEN_DUE_TO_SECURITY_REASONS).

// operatorIdentity is the userIdentity of the operator's calls.
func operatorIdentity() *audit.UserIdentity {
	return &audit.UserIdentity{Type: "AWSService", InvokedBy: "iamd-operator"}
}

// auditAccount records CreateAccount in the account it creates (a refused request, in the default account).
func (o *operator) auditAccount(_ *api.EndpointRequest, in *AccountRequest, err error, c *audit.Call) {
	c.Identity = operatorIdentity()
	c.Account = o.account
	if err != nil || in == nil {
		return
	}
	if in.AccountId != "" && iam.ValidateAccountRequest(in.AccountId, in.AccessKeyId, in.SecretAccessKey) == nil {
		// A request refused as invalid (an account ID that is not 12 digits) names no account to keep it in.
		c.Account = in.AccountId
	}
	params := map[string]string{"accountId": in.AccountId}
	if in.AccessKeyId != "" {
		params["accessKeyId"] = in.AccessKeyId
	}
	if in.SecretAccessKey != "" {
		params["secretAccessKey"] = audit.Hidden
	}
	if in.Partition != "" {
		params["partition"] = in.Partition
	}
	requestParameters(c, params)
}

// auditClock records AdvanceClock in the default account: the clock is the whole server's.
func (o *operator) auditClock(_ *api.EndpointRequest, in *ClockRequest, err error, c *audit.Call) {
	c.Identity = operatorIdentity()
	c.Account = o.account
	if err == nil && in != nil {
		requestParameters(c, map[string]string{"advance": in.Advance})
	}
}

// requestParameters gives c the requestParameters of an operator call.
func requestParameters(c *audit.Call, params map[string]string) {
	b, err := json.Marshal(params)
	if err != nil {
		return
	}
	c.Request(func(dst []byte) []byte { return append(dst, b...) })
}
