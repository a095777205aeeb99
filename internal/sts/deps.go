package sts

import (
	"context"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// What STS needs of IAM, in the roles it plays. *iam.Service implements all of them; STS holds nothing else of it.

// Authorizer decides the caller's STS calls with IAM's policy engine: its identity-based policies, a role's trust
// policy, a federated principal's trust, and the managed session policies it names.
type Authorizer interface {
	Authorize(ctx context.Context, r store.Reader, c *iam.Caller, a iam.Authorization) error
	AuthorizeWithResourcePolicy(ctx context.Context, r store.Reader, c *iam.Caller, a iam.Authorization, doc string, typ policy.Type, name string) error
	AuthorizeFederatedTrust(ctx context.Context, r store.Reader, c *iam.Caller, p authz.Principal, action string, ro *iam.Role, extra policy.Context) error
	CheckSessionPolicyARN(ctx context.Context, r store.Reader, arn string) error
	DecodeAuthorizationMessage(account, encoded string) (string, error)
}

// SessionIssuer stores temporary credentials and returns them.
type SessionIssuer interface {
	NewSessionCredentials(ctx context.Context, tx store.Tx, c *iam.Caller, opt iam.SessionOptions) (*iam.SessionCredentials, error)
	NewRoleSessionCredentials(ctx context.Context, tx store.Tx, c *iam.Caller, ro *iam.Role, opt iam.RoleSessionOptions) (*iam.SessionCredentials, error)
	NewFederatedSessionCredentials(ctx context.Context, tx store.Tx, c *iam.Caller, opt iam.FederatedSessionOptions) (*iam.SessionCredentials, error)
	NewRootTaskSession(ctx context.Context, tx store.Tx, account, taskPolicyARN, sourceKeyID, sourceIdentity string, d time.Duration) (*iam.SessionCredentials, error)
}

// MFAVerifier checks a one-time code of an IAM user's MFA device (and records its use).
type MFAVerifier interface {
	VerifyMFADevice(ctx context.Context, tx store.Tx, account, userName, serialNumber, code string) error
}

// Directory looks up what the AssumeRole flows start from: the role, the identity provider, the organization.
type Directory interface {
	RoleByARN(ctx context.Context, r store.Reader, roleARN string) (*iam.Role, error)
	OIDCProviderForIssuer(ctx context.Context, r store.Reader, account, issuer string) (*iam.OIDCProvider, error)
	SAMLProviderByARN(ctx context.Context, r store.Reader, arn string) (*iam.SAMLProvider, error)
	AccountOrg(ctx context.Context, r store.Reader, account string) (*iam.OrgView, error)
	RootSessionsEnabled(ctx context.Context, r store.Reader, mgmt string) (bool, error)
}

// Clock is the time IAM keeps: Time for iamd's own rules (the test clock), RealTime for other parties' tokens.
type Clock interface {
	Time() time.Time
	RealTime() time.Time
}

// IAM is everything STS needs of the IAM service.
type IAM interface {
	Authorizer
	SessionIssuer
	MFAVerifier
	Directory
	Clock
	OutboundIssuer
	DelegationExchanger
}

var _ IAM = (*iam.Service)(nil)
