package iam

import (
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/policy"
)

// AuthorizationFailure is the detail of a denied request. It is the cause of the AccessDenied error that Authorize
// returns, so that the wire layer can hand it, sealed, to a caller who asks for an encoded authorization message;
// only sts:DecodeAuthorizationMessage in the same account reveals it. Its Error is the engine's explanation.
type AuthorizationFailure struct {
	Account      string // the caller's account: the only one that can decode the message
	ExplicitDeny bool
	PrincipalID  string // aws:userid
	Name         string // the user's or role's name
	PrincipalARN string
	Action       string
	Resource     string
	Context      policy.Context
	Matched      []authz.Match
	Explanation  string
	// Missing is, for an implicit deny, the layer that lacked an Allow.
	Missing authz.Layer
}

func (f *AuthorizationFailure) Error() string { return f.Explanation }

func newAuthorizationFailure(c *Caller, req *authz.Request, d *authz.Decision) *AuthorizationFailure {
	return &AuthorizationFailure{Account: c.Account(), ExplicitDeny: d.Result == authz.ExplicitDeny, PrincipalID: c.UserID,
		Name: c.Name, PrincipalARN: c.Principal.ARN, Action: req.Action, Resource: req.Resource, Context: req.Context,
		Matched: append([]authz.Match(nil), d.Matched()...), Explanation: d.Explain(req.Action), Missing: d.Missing}
}

// The decoded message's JSON, in the shape AWS's DecodeAuthorizationMessage returns: lists are objects with an
// "items" array.
type (
	authzMessage struct {
		Allowed           bool             `json:"allowed"`
		ExplicitDeny      bool             `json:"explicitDeny"`
		MatchedStatements items[authzStmt] `json:"matchedStatements"`
		Failures          items[valueItem] `json:"failures"`
		Context           authzMessageCtx  `json:"context"`
	}
	items[T any] struct {
		Items []T `json:"items"`
	}
	valueItem struct {
		Value string `json:"value"`
	}
	authzMessageCtx struct {
		Principal  authzMsgPrincipal `json:"principal"`
		Action     string            `json:"action"`
		Resource   string            `json:"resource"`
		Conditions items[authzKey]   `json:"conditions"`
	}
	authzMsgPrincipal struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
		ARN  string `json:"arn"`
	}
	authzKey struct {
		Key    string           `json:"key"`
		Values items[valueItem] `json:"values"`
	}
	authzStmt struct {
		StatementID     string           `json:"statementId"`
		Effect          string           `json:"effect"`
		Policy          string           `json:"policy,omitempty"`
		Principals      items[valueItem] `json:"principals"`
		PrincipalGroups items[valueItem] `json:"principalGroups"`
		Actions         items[valueItem] `json:"actions"`
		Resources       items[valueItem] `json:"resources"`
		Conditions      items[authzKey]  `json:"conditions"`
	}
)

func valuesOf(vs []string) items[valueItem] {
	out := items[valueItem]{Items: make([]valueItem, 0, len(vs))}
	for _, v := range vs {
		out.Items = append(out.Items, valueItem{Value: v})
	}
	return out
}

// message builds the decoded form of f.
func (f *AuthorizationFailure) message() authzMessage {
	m := authzMessage{ExplicitDeny: f.ExplicitDeny, MatchedStatements: items[authzStmt]{Items: []authzStmt{}},
		Failures: items[valueItem]{Items: []valueItem{}},
		Context: authzMessageCtx{Principal: authzMsgPrincipal{ID: f.PrincipalID, Name: f.Name, ARN: f.PrincipalARN},
			Action: f.Action, Resource: f.Resource, Conditions: items[authzKey]{Items: []authzKey{}}}}
	keys := make([]string, 0, len(f.Context))
	for k := range f.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, authzKey{Key: k, Values: valuesOf(f.Context[k])})
	}
	for _, mt := range f.Matched {
		st := mt.Statement
		s := authzStmt{StatementID: st.Sid, Effect: strings.ToUpper(st.Effect.String()), Principals: valuesOf([]string{f.PrincipalID}),
			PrincipalGroups: valuesOf(nil), Actions: items[valueItem]{Items: []valueItem{}}, Resources: items[valueItem]{Items: []valueItem{}},
			Conditions: items[authzKey]{Items: []authzKey{}}}
		if mt.Policy != nil {
			s.Policy = mt.Policy.Name
			if mt.Policy.ARN != "" {
				s.Policy = mt.Policy.ARN
			}
		}
		for _, a := range st.Actions {
			s.Actions.Items = append(s.Actions.Items, valueItem{Value: a.Raw})
		}
		for _, r := range st.Resources {
			s.Resources.Items = append(s.Resources.Items, valueItem{Value: r.Raw})
		}
		for _, c := range st.Conditions {
			s.Conditions.Items = append(s.Conditions.Items, authzKey{Key: c.Key, Values: valuesOf(c.Values)})
		}
		m.MatchedStatements.Items = append(m.MatchedStatements.Items, s)
	}
	return m
}

// authzMessageAAD binds a sealed message to the account that may decode it.
func authzMessageAAD(account string) []byte { return []byte("iamd-authorization-message:" + account) }

// EncodeAuthorizationMessage seals f into the opaque text AWS calls an encoded authorization failure message.
func (s *Service) EncodeAuthorizationMessage(f *AuthorizationFailure) string {
	plain, err := json.Marshal(f.message())
	if err != nil { // every field is a string, bool or list of them
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(s.Box.Seal(plain, authzMessageAAD(f.Account)))
}

// errInvalidAuthorizationMessage is STS's answer to a message that it cannot decode.
func errInvalidAuthorizationMessage() error {
	return &awserr.Error{Code: "InvalidAuthorizationMessageException", HTTPStatus: 400,
		Message: "The message passed to DecodeAuthorizationMessage is invalid."} // AWS's text unconfirmed
}

// DecodeAuthorizationMessage opens an encoded authorization message for account, returning its JSON.
func (s *Service) DecodeAuthorizationMessage(account, encoded string) (string, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "", errInvalidAuthorizationMessage()
	}
	plain, err := s.Box.Open(sealed, authzMessageAAD(account))
	if err != nil {
		return "", errInvalidAuthorizationMessage()
	}
	return string(plain), nil
}
