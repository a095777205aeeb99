package iam

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// Entity kinds in the store.
const (
	KindUser            store.Kind = "user"
	KindGroup           store.Kind = "group"
	KindRole            store.Kind = "role"
	KindPolicy          store.Kind = "policy"
	KindInstanceProfile store.Kind = "instance-profile"
	KindAccessKey       store.Kind = "access-key"
	KindRootKey         store.Kind = "root-key"
	KindOIDCProvider    store.Kind = "oidc-provider" // named by its URL without https://
)

// Link kinds in the store. Links join unique IDs, so that renaming an entity keeps them.
const (
	LinkMember      = "member"       // user ID -> group ID
	LinkAttached    = "attached"     // user, group or role ID -> managed policy ARN
	LinkBoundary    = "boundary"     // user or role ID -> managed policy ARN used as permissions boundary
	LinkProfileRole = "profile-role" // instance profile ID -> role ID
)

// Tag is a key-value tag.
type Tag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"`
}

// User is the stored record of an IAM user.
type User struct {
	UserName            string         `json:"name"`
	UserID              string         `json:"id"`
	ARN                 string         `json:"arn"`
	Path                string         `json:"path"`
	CreateDate          time.Time      `json:"created"`
	PermissionsBoundary string         `json:"boundary,omitempty"`
	Tags                []Tag          `json:"tags,omitempty"`
	Policies            []InlinePolicy `json:"policies,omitempty"`
	PasswordLastUsed    *time.Time     `json:"pwdUsed,omitempty"`
}

// Group is the stored record of an IAM group.
type Group struct {
	GroupName  string         `json:"name"`
	GroupID    string         `json:"id"`
	ARN        string         `json:"arn"`
	Path       string         `json:"path"`
	CreateDate time.Time      `json:"created"`
	Policies   []InlinePolicy `json:"policies,omitempty"`
}

// RoleLastUsed records a role's last use.
type RoleLastUsed struct {
	Date   time.Time `json:"date"`
	Region string    `json:"region"`
}

// Role is the stored record of an IAM role.
type Role struct {
	RoleName                 string         `json:"name"`
	RoleID                   string         `json:"id"`
	ARN                      string         `json:"arn"`
	Path                     string         `json:"path"`
	CreateDate               time.Time      `json:"created"`
	AssumeRolePolicyDocument string         `json:"trust"`
	Description              string         `json:"desc,omitempty"`
	MaxSessionDuration       int32          `json:"maxSession"`
	PermissionsBoundary      string         `json:"boundary,omitempty"`
	Tags                     []Tag          `json:"tags,omitempty"`
	Policies                 []InlinePolicy `json:"policies,omitempty"`
	LastUsed                 *RoleLastUsed  `json:"lastUsed,omitempty"`
	ServiceLinked            bool           `json:"slr,omitempty"`
}

// PolicyVersion is one version of a customer managed policy.
type PolicyVersion struct {
	VersionID  string    `json:"id"`
	Document   string    `json:"doc"`
	IsDefault  bool      `json:"default"`
	CreateDate time.Time `json:"created"`
}

// ManagedPolicy is the stored record of a customer managed policy.
type ManagedPolicy struct {
	PolicyName  string          `json:"name"`
	PolicyID    string          `json:"id"`
	ARN         string          `json:"arn"`
	Path        string          `json:"path"`
	Description string          `json:"desc,omitempty"`
	CreateDate  time.Time       `json:"created"`
	UpdateDate  time.Time       `json:"updated"`
	Tags        []Tag           `json:"tags,omitempty"`
	Versions    []PolicyVersion `json:"versions"`
	NextVersion int             `json:"next"`
}

// DefaultVersion returns the default version.
func (p *ManagedPolicy) DefaultVersion() *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].IsDefault {
			return &p.Versions[i]
		}
	}
	return nil
}

// AccessKey is the stored record of an access key. The secret is sealed with the service's box.
type AccessKey struct {
	AccessKeyID  string     `json:"id"`
	UserName     string     `json:"user"`
	UserID       string     `json:"userId"`
	Status       string     `json:"status"`
	CreateDate   time.Time  `json:"created"`
	SealedSecret []byte     `json:"secret"`
	LastUsedDate *time.Time `json:"lastUsed,omitempty"`
	LastService  string     `json:"lastService,omitempty"`
	LastRegion   string     `json:"lastRegion,omitempty"`
}

// InstanceProfile is the stored record of an instance profile.
type InstanceProfile struct {
	InstanceProfileName string    `json:"name"`
	InstanceProfileID   string    `json:"id"`
	ARN                 string    `json:"arn"`
	Path                string    `json:"path"`
	CreateDate          time.Time `json:"created"`
	Tags                []Tag     `json:"tags,omitempty"`
}

// decode reads an entity's record.
func decode[T any](e *store.Entity) (*T, error) {
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		return nil, fmt.Errorf("decode %s %q: %w", e.Kind, e.Name, err)
	}
	return &v, nil
}

// encode writes a record into an entity.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain data
	}
	return b
}
