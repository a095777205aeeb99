// Package audit is iamd's audit trail: one CloudTrail-shaped event for every request to an API iamd serves,
// allowed or denied, with the engine's explanation of the decision. A mutating call's event is appended in the
// transaction of its change (Store); other events are appended in batches (Writer). The trail is read back by
// LookupEvents, followed by tail and the JSON-lines sink, exported as CloudTrail log files, and is where IAM's
// last-accessed data comes from. No event holds a secret: the members that carry one are replaced by Hidden.
package audit

import (
	"encoding/json"
	"strings"
	"time"
)

// EventVersion is the version of CloudTrail's record format iamd writes (the CloudTrail User Guide, "CloudTrail
// record contents": "The current version is 1.11").
const EventVersion = "1.11"

// Hidden replaces a secret in requestParameters and responseElements, as CloudTrail words it.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// TimeFormat is how CloudTrail writes eventTime (to the second, UTC).
const TimeFormat = "2006-01-02T15:04:05Z"

// Event is one CloudTrail record (CloudTrail User Guide, "CloudTrail record contents for management, data, and
// network activity events"). Field order is CloudTrail's.
type Event struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        UserIdentity    `json:"userIdentity"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode,omitempty"`
	ErrorMessage        string          `json:"errorMessage,omitempty"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData,omitempty"`
	RequestID           string          `json:"requestID"`
	EventID             string          `json:"eventID"`
	ReadOnly            bool            `json:"readOnly"`
	Resources           []Resource      `json:"resources,omitempty"`
	EventType           string          `json:"eventType"`
	APIVersion          string          `json:"apiVersion,omitempty"`
	ManagementEvent     bool            `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	EventCategory       string          `json:"eventCategory"`
	TLSDetails          *TLSDetails     `json:"tlsDetails,omitempty"`
}

// Event types and categories iamd writes.
const (
	TypeAPICall        = "AwsApiCall"
	TypeConsoleSignIn  = "AwsConsoleSignIn"
	CategoryManagement = "Management"
	CategoryData       = "Data"
)

// UserIdentity is the record's userIdentity element (CloudTrail User Guide, "CloudTrail userIdentity element").
type UserIdentity struct {
	// Type is Root, IAMUser, AssumedRole, FederatedUser, WebIdentityUser, SAMLUser, AWSAccount, AWSService or
	// Unknown.
	Type             string          `json:"type"`
	PrincipalID      string          `json:"principalId,omitempty"`
	ARN              string          `json:"arn,omitempty"`
	AccountID        string          `json:"accountId,omitempty"`
	AccessKeyID      string          `json:"accessKeyId,omitempty"`
	UserName         string          `json:"userName,omitempty"`
	IdentityProvider string          `json:"identityProvider,omitempty"`
	SessionContext   *SessionContext `json:"sessionContext,omitempty"`
	InvokedBy        string          `json:"invokedBy,omitempty"`
}

// SessionContext describes the session of temporary credentials.
type SessionContext struct {
	SessionIssuer       *SessionIssuer       `json:"sessionIssuer,omitempty"`
	WebIDFederationData *WebIDFederationData `json:"webIdFederationData,omitempty"`
	// Attributes are omitted when no session is known: a data event of the decision API names a role session by
	// its ARN only.
	Attributes     SessionAttributes `json:"attributes,omitzero"`
	SourceIdentity string            `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the entity whose credentials the session came from (a role, or an IAM user for
// GetFederationToken).
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"` // unknown for a session named by its ARN only
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// WebIDFederationData names the identity provider of a web identity session.
type WebIDFederationData struct {
	FederatedProvider string            `json:"federatedProvider,omitempty"`
	Attributes        map[string]string `json:"attributes,omitempty"`
}

// SessionAttributes are the session's creation time and MFA, written as CloudTrail does ("true"/"false").
type SessionAttributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// Resource is one resource the event is about.
type Resource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
}

// TLSDetails is the record's tlsDetails element, present for requests made over TLS.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// Explanation is what iamd adds to additionalEventData under "iamdDecision": the engine's explanation of the
// authorization decision that allowed or refused the call.
type Explanation struct {
	// Decision is allowed, explicitDeny or implicitDeny.
	Decision string `json:"decision"`
	Action   string `json:"action,omitempty"`
	Resource string `json:"resource,omitempty"`
	// Statements are the statements that decided: for an allow, those that allowed; for an explicit deny, those
	// that denied.
	Statements []DecidingStatement `json:"decidingStatements,omitempty"`
	// MissingLayer is, for an implicit deny, the policy layer that lacked an Allow (identity, boundary, session,
	// scp, rcp, resource).
	MissingLayer string `json:"missingLayer,omitempty"`
	// Reason is the engine's sentence.
	Reason string `json:"reason,omitempty"`
}

// DecidingStatement is one statement that took part in the decision.
type DecidingStatement struct {
	Policy     string `json:"policy"`
	Layer      string `json:"layer,omitempty"`
	Sid        string `json:"sid,omitempty"`
	Index      int    `json:"index"`
	Effect     string `json:"effect"`
	AttachedTo string `json:"attachedTo,omitempty"`
}

// Time parses the record's eventTime.
func (e *Event) Time() (time.Time, error) { return time.Parse(TimeFormat, e.EventTime) }

// Lookup attribute names (CloudTrail's LookupAttributeKey) that iamd indexes for each event.
const (
	AttrEventID      = "EventId"
	AttrEventName    = "EventName"
	AttrReadOnly     = "ReadOnly"
	AttrUsername     = "Username"
	AttrResourceType = "ResourceType"
	AttrResourceName = "ResourceName"
	AttrEventSource  = "EventSource"
	AttrAccessKeyID  = "AccessKeyId"
	// AttrPrincipal is iamd's own: the IAM entity (user or role ARN, or the account's root ARN) whose permissions the
	// call used; last-accessed data reads by it.
	AttrPrincipal = "iamd:Principal"
	// AttrPrincipalService and AttrPrincipalAction are iamd's own too, for IAM's last-accessed data: the principal
	// (as AttrPrincipal) and the service namespace ("ARN s3"), or the principal and the lower-cased action
	// ("ARN s3:getobject"), so that "when did P last use S (or S:A)" is one read of an index. See PrincipalService.
	AttrPrincipalService = "iamd:PrincipalService"
	AttrPrincipalAction  = "iamd:PrincipalAction"
)

// PrincipalService is the value of AttrPrincipalService for a principal's use of a service namespace.
func PrincipalService(principal, namespace string) string {
	return principal + " " + strings.ToLower(namespace)
}

// PrincipalAction is the value of AttrPrincipalAction for a principal's use of an action of a service namespace.
func PrincipalAction(principal, namespace, action string) string {
	return principal + " " + strings.ToLower(namespace) + ":" + strings.ToLower(action)
}

// Namespace is the service namespace an event is about: its eventSource without ".amazonaws.com" (for the data
// event of a decision API call, the namespace of the service asked about).
func (e *Event) Namespace() string { return strings.TrimSuffix(e.EventSource, ".amazonaws.com") }
