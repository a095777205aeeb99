package org

import (
	"encoding/json"
	"time"

	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
)

// Store kinds and settings. Everything of an organization lives in its management account's namespace, except the
// membership setting that every member account (the management account included) carries.
const (
	KindOrganization   store.Kind = "org"           // one per management account, named orgName
	KindOrgAccount     store.Kind = "org-account"   // a member account, named by account ID, Parent = parent ID
	KindOU             store.Kind = "org-ou"        // an organizational unit, named by OU ID, Parent = parent ID
	KindPolicy         store.Kind = "org-policy"    // a customer managed organization policy, named by policy ID
	KindHandshake      store.Kind = "org-handshake" // a handshake, named and ID'd by handshake ID
	KindCreateAccount  store.Kind = "org-car"       // a CreateAccount request's status, named and ID'd by car-... ID
	KindDelegatedAdmin store.Kind = "org-delegated" // a delegated administrator registration, named ACCOUNT/SERVICE
	KindResourcePolicy store.Kind = "org-rpolicy"   // the organization's resource policy, named resourcePolicyName, ID'd rp-...
	KindTransfer       store.Kind = "org-transfer"  // a responsibility transfer, in its Target's namespace, named and ID'd rt-...

	// LinkAttached links a target (root, OU or account ID) to an attached policy ID.
	LinkAttached = "org-attached"
	// LinkHandshakeParty links, in an invited account's namespace, the account to a handshake ID it takes part in.
	LinkHandshakeParty = "org-handshake-party"
	// LinkTransferParty links, in a transfer's Source account's namespace, the account to the transfer's ID.
	LinkTransferParty = "org-transfer-party"

	orgName            = "organization"
	resourcePolicyName = "resourcepolicy"
	settingMembership  = "org.membership" // on every member account: Membership
)

// Organization is an organization record.
type Organization struct {
	ID         string `json:"id"`
	FeatureSet string `json:"featureSet"` // ALL or CONSOLIDATED_BILLING
	Management string `json:"management"` // the management account's ID
	// Partition is the management account's partition, which the organization's ARNs carry; empty is aws.
	Partition       awsregion.Partition `json:"partition,omitempty"`
	ManagementEmail string              `json:"managementEmail"`
	RootID          string              `json:"rootId"`
	// EnabledTypes are the policy types enabled on the root (SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY,
	// TAG_POLICY, ...).
	EnabledTypes []string `json:"enabledTypes,omitempty"`
	RootTags     []Tag    `json:"rootTags,omitempty"`
	// ServiceAccess lists the AWS services with trusted access to the organization (EnableAWSServiceAccess).
	ServiceAccess []ServiceAccess `json:"serviceAccess,omitempty"`
	Created       time.Time       `json:"created"`
	// Closures are the times of the CloseAccount requests of the last 30 days, for AWS's rolling closure quota.
	Closures []time.Time `json:"closures,omitempty"`
}

// Membership is the setting a member account carries.
type Membership struct {
	OrgID      string `json:"orgId"`
	Management string `json:"management"`
}

// Account is a member account record.
type Account struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Status       string    `json:"status"`       // ACTIVE, or PENDING_CLOSURE once CloseAccount was called (closing.go)
	JoinedMethod string    `json:"joinedMethod"` // INVITED or CREATED
	Joined       time.Time `json:"joined"`
	Tags         []Tag     `json:"tags,omitempty"`
	// ClosureRequested is when CloseAccount was called for the account; zero for an account never closed.
	ClosureRequested time.Time `json:"closureRequested,omitzero"`
}

// OU is an organizational unit record.
type OU struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Tags []Tag  `json:"tags,omitempty"`
}

// Policy is a customer managed organization policy record.
type Policy struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"` // SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY, TAG_POLICY, ...
	Content     string `json:"content"`
	Tags        []Tag  `json:"tags,omitempty"`
}

// Tag is a key and value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("org: encoding a record: " + err.Error()) // records hold only strings, times and lists of them
	}
	return b
}

func decode[T any](e *store.Entity) (*T, error) {
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ServiceAccess is one service principal trusted by the organization.
type ServiceAccess struct {
	ServicePrincipal string    `json:"servicePrincipal"`
	Enabled          time.Time `json:"enabled"`
}
