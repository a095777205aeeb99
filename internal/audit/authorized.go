package audit

import (
	"encoding/json"
	"strconv"
)

// Authorized is an action and a resource that the engine allowed a call: what the call needed of its principal's
// permissions. A call that needs more than one authorization (CreateRole with tags needs iam:TagRole,
// AddRoleToInstanceProfile iam:PassRole, AssumeRole with tags sts:TagSession) lists all of them in
// additionalEventData under "iamdAuthorized", in the order they were decided; a call with one has only its
// "iamdDecision".
type Authorized struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	// Identity tells that an identity-based policy of the principal allowed it; false when the call needed none
	// (a resource-based policy, such as a trust policy naming the principal, allowed it alone).
	Identity bool `json:"identity"`
}

// appendAuthorized appends az as a JSON array.
func appendAuthorized(b []byte, az []Authorized) []byte {
	b = append(b, '[')
	for i, a := range az {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"action":`...)
		b = appendString(b, a.Action)
		b = appendMember(b, "resource", a.Resource)
		b = append(b, `,"identity":`...)
		b = strconv.AppendBool(b, a.Identity)
		b = append(b, '}')
	}
	return append(b, ']')
}

// Decisions reads what the engine decided for the call of ev from its additionalEventData: the authorizations
// it allowed (every one, for a call that needed several), or refused when the call was denied. An event without
// iamd's explanation (a call that needed no authorization, such as sts:GetCallerIdentity, or one refused before it
// was authorized) has neither.
func Decisions(ev *Event) (allowed []Authorized, refused bool) {
	if len(ev.AdditionalEventData) == 0 {
		return nil, false
	}
	var add struct {
		Decision   *Explanation `json:"iamdDecision"`
		Authorized []Authorized `json:"iamdAuthorized"`
	}
	if json.Unmarshal(ev.AdditionalEventData, &add) != nil || add.Decision == nil {
		return nil, false
	}
	if add.Decision.Decision != "allowed" {
		return nil, true
	}
	if len(add.Authorized) > 0 {
		return add.Authorized, false
	}
	if add.Decision.Action == "" {
		return nil, false
	}
	az := Authorized{Action: add.Decision.Action, Resource: add.Decision.Resource}
	for _, st := range add.Decision.Statements {
		az.Identity = az.Identity || st.Layer == "identity"
	}
	return []Authorized{az}, false
}
