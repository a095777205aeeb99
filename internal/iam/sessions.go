package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// KindSession is the store kind of a set of temporary credentials (GetSessionToken). The entity's name and ID are
// the ASIA access key ID, so LookupAccessKey finds it with GetByID like a long-term key.
const KindSession store.Kind = "session"

// sessionTokenBytes is the amount of randomness in a session token; it is sent base64-encoded.
const sessionTokenBytes = 96

// sessionRetention is how long an expired session is kept, so that its use is answered ExpiredToken rather than
// InvalidClientTokenId; sessions older than that are deleted when new ones are issued.
const sessionRetention = 24 * time.Hour

// sessionSweepBatch bounds how many sessions one issue looks at for deletion.
const sessionSweepBatch = 100

// session is the stored record of temporary credentials. The secret and the token are sealed with the service's
// box, bound to the access key ID; neither is ever returned again after NewSessionCredentials.
type session struct {
	AccessKeyID  string     `json:"id"`
	Account      string     `json:"account"`
	SealedSecret []byte     `json:"secret"`
	SealedToken  []byte     `json:"token"`
	Issued       time.Time  `json:"issued"`
	Expiration   time.Time  `json:"expires"`
	Root         bool       `json:"root,omitempty"`     // the session stands for the account's root user
	UserName     string     `json:"userName,omitempty"` // else for this IAM user
	UserID       string     `json:"userId,omitempty"`
	UserARN      string     `json:"userArn,omitempty"`
	MFA          bool       `json:"mfa,omitempty"`     // MFA was authenticated when the session was issued
	MFATime      *time.Time `json:"mfaTime,omitempty"` // when
	SourceKeyID  string     `json:"sourceKey"`         // the long-term key that asked for the session
	// TaskPolicyARN is set for a privileged root session (AssumeRoot): the root-task policy that limits it.
	TaskPolicyARN  string `json:"taskPolicy,omitempty"`
	SourceIdentity string `json:"sourceIdentity,omitempty"`
	// Role is set for a role session (AssumeRole); the user fields are then empty.
	Role *roleSession `json:"role,omitempty"`
	// Federated is set for a federated user's session (GetFederationToken); the user fields name the IAM user (or
	// Root the root user) who asked for it.
	Federated *federatedSession `json:"federated,omitempty"`
	// Delegation is set for the session a delegation request's trade-in token was exchanged for
	// (GetDelegatedAccessToken): the identity that accepted the request, limited by the request's policy.
	Delegation *delegatedSession `json:"delegation,omitempty"`
}

// SessionOptions describe temporary credentials to issue.
type SessionOptions struct {
	Duration time.Duration // how long they work; the caller checks the limits of the operation
	MFA      bool          // an MFA code was verified for the request that asks for them
}

// SessionCredentials are temporary credentials, shown once when issued.
type SessionCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// ErrSessionCredentials is returned by NewSessionCredentials when the caller itself signed with temporary
// credentials.
var ErrSessionCredentials = fmt.Errorf("iam: temporary credentials cannot issue temporary credentials")

// NewSessionCredentials issues temporary credentials standing for the caller (an IAM user or the root user, signed
// with a long-term key), in the caller's write transaction, so that an MFA check made in the same transaction
// commits with them. It also deletes a few sessions of the account that expired more than a day ago.
func (s *Service) NewSessionCredentials(ctx context.Context, tx store.Tx, c *Caller, opt SessionOptions) (*SessionCredentials, error) {
	if c.SessionToken {
		return nil, ErrSessionCredentials
	}
	if opt.Duration <= 0 {
		return nil, fmt.Errorf("iam: session duration %v is not positive", opt.Duration)
	}
	now := s.Now().UTC().Truncate(time.Second)
	rec := session{Account: c.Account(), Issued: now, Expiration: now.Add(opt.Duration), SourceKeyID: c.AccessKeyID}
	switch c.Principal.Type {
	case authz.PrincipalRoot:
		rec.Root = true
	case authz.PrincipalUser:
		u, err := getUser(ctx, tx, c.Account(), c.Name)
		if err != nil {
			return nil, err
		}
		rec.UserName, rec.UserID, rec.UserARN = u.UserName, u.UserID, u.ARN
	default:
		return nil, fmt.Errorf("iam: %s cannot have session credentials of its own", c.Principal.ARN)
	}
	if opt.MFA {
		rec.MFA, rec.MFATime = true, &now
	}
	if err := s.sweepSessions(ctx, tx, c.Account(), now); err != nil {
		return nil, err
	}
	arn := rec.UserARN
	if rec.Root {
		arn = authzRoot(c.Partition(), rec.Account)
	}
	return s.insertSession(ctx, tx, &rec, arn)
}

// newSessionToken returns an opaque random session token.
func newSessionToken() string {
	b := make([]byte, sessionTokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// sweepSessions deletes up to a batch of the account's sessions that expired more than sessionRetention ago,
// starting at a random point of the key ID space
// (and wrapping around) so that repeated issues cover every session.
func (s *Service) sweepSessions(ctx context.Context, tx store.Tx, account string, now time.Time) error {
	after := secret.NewID("ASIA", 6)
	page, err := tx.List(ctx, store.ListQuery{Account: account, Kind: KindSession, After: after, Limit: sessionSweepBatch})
	if err != nil {
		return err
	}
	entities := page.Entities
	if n := len(entities); n < sessionSweepBatch { // wrap around to the start of the key ID space
		first, err := tx.List(ctx, store.ListQuery{Account: account, Kind: KindSession, Limit: sessionSweepBatch - n})
		if err != nil {
			return err
		}
		for _, e := range first.Entities {
			if e.Name <= after {
				entities = append(entities, e)
			}
		}
	}
	for _, e := range entities {
		rec, err := decode[session](e)
		if err != nil {
			return err
		}
		if now.Sub(rec.Expiration) > sessionRetention {
			if err := tx.Delete(ctx, account, KindSession, e.Name); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return nil
}

// lookupSession opens a session record for authentication. A session whose user no longer exists is not found.
func (s *Service) lookupSession(ctx context.Context, r store.Reader, e *store.Entity) (*Credential, error) {
	rec, err := decode[session](e)
	if err != nil {
		return nil, err
	}
	plain, err := s.Box.Open(rec.SealedSecret, []byte(rec.AccessKeyID))
	if err != nil {
		return nil, err
	}
	token, err := s.Box.Open(rec.SealedToken, []byte(rec.AccessKeyID))
	if err != nil {
		return nil, err
	}
	c := Caller{AccessKeyID: rec.AccessKeyID, SessionToken: true, MFAPresent: rec.MFA, TokenIssueTime: rec.Issued}
	if rec.MFATime != nil {
		c.MFAAuthTime = *rec.MFATime
	}
	if rec.Role != nil {
		if err := roleSessionCaller(ctx, r, rec, &c); err != nil {
			return nil, err
		}
	} else if rec.Federated != nil {
		if err := federatedCaller(ctx, r, rec, &c); err != nil {
			return nil, err
		}
	} else if rec.Root {
		root, err := s.rootARN(ctx, r, rec.Account)
		if err != nil {
			return nil, err
		}
		c.Principal = authz.Principal{Type: authz.PrincipalRoot, ARN: root, Account: rec.Account}
		c.UserID = rec.Account
		if rec.TaskPolicyARN != "" {
			c.RootTask = true
			c.SessionPolicyARNs = []string{rec.TaskPolicyARN}
			c.SourceIdentity = rec.SourceIdentity
		}
	} else {
		// A user's session outlives the user, as on AWS, but without its policies: a deleted user, or a new user
		// of the same name (another unique ID), leaves the caller PrincipalDeleted.
		deleted, err := sessionUserDeleted(ctx, r, rec)
		if err != nil {
			return nil, err
		}
		c.PrincipalDeleted = deleted
		c.Principal = authz.Principal{Type: authz.PrincipalUser, ARN: rec.UserARN, Account: rec.Account}
		c.Name, c.UserID = rec.UserName, rec.UserID
	}
	delegationCaller(rec, &c)
	return &Credential{Secret: plain, Active: true, Caller: c, SessionToken: string(token), Expires: rec.Expiration}, nil
}

// sessionUserDeleted reports whether the IAM user a session was issued to no longer exists, or was replaced by a
// new user of the same name.
func sessionUserDeleted(ctx context.Context, r store.Reader, rec *session) (bool, error) {
	u, err := getUser(ctx, r, rec.Account, rec.UserName)
	if _, ok := awserr.As(err); ok {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return u.UserID != rec.UserID, nil
}

// errSessionWithoutMFA is AWS's answer to an IAM call signed with GetSessionToken credentials issued without MFA:
// IAM does not accept the token at all.
func errSessionWithoutMFA() error {
	return &awserr.Error{Code: "InvalidClientTokenId", HTTPStatus: 403, Message: "The security token included in the request is invalid"}
}

// sessionMayCall reports whether temporary credentials may be used for an action at all: GetSessionToken
// credentials issued without MFA cannot call IAM. Role sessions (AssumeRole) are not so limited.
func sessionMayCall(c *Caller, action string) bool {
	svc, _, _ := strings.Cut(action, ":")
	if c.Principal.Type == authz.PrincipalFederatedUser {
		// GetFederationToken credentials cannot call IAM at all (the STS API reference, GetFederationToken).
		return !strings.EqualFold(svc, "iam")
	}
	if !c.SessionToken || c.MFAPresent || c.RoleSession || c.RootTask {
		return true
	}
	if len(c.SessionPolicies) > 0 {
		// A user's or the root user's delegated session (delegation.go; only those carry session policies here):
		// a partner's credentials for setting up the account, IAM included, limited by the request's policy.
		return true
	}
	return !strings.EqualFold(svc, "iam")
}

// stsActionRefused reports whether temporary credentials that are not a role session are refused an STS action
// whatever the policies say. The STS API reference: GetFederationToken credentials "cannot call any STS API except
// GetCallerIdentity"; GetSessionToken credentials "cannot call any STS API except AssumeRole or
// GetCallerIdentity" (GetCallerIdentity needs no authorization, so it never comes here).
func stsActionRefused(c *Caller, action string) bool {
	svc, op, _ := strings.Cut(action, ":")
	if !strings.EqualFold(svc, "sts") || !c.SessionToken || c.RoleSession {
		return false
	}
	if c.Principal.Type == authz.PrincipalFederatedUser {
		return true
	}
	return !strings.EqualFold(op, "AssumeRole")
}

// errSTSRefused is the AccessDenied answer to an STS action that the caller's kind of credentials cannot call.
func errSTSRefused(c *Caller, a Authorization) error {
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
		Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, a.Action, a.Resource),
		Cause:   errors.New("temporary credentials from GetSessionToken or GetFederationToken cannot call this STS action")}
}

// NewRootTaskSession issues a privileged root session for a member account (AssumeRoot), limited by the AWS
// managed root-task policy taskPolicyARN as its session policy, in the caller's write transaction.
func (s *Service) NewRootTaskSession(ctx context.Context, tx store.Tx, account, taskPolicyARN, sourceKeyID, sourceIdentity string, d time.Duration) (*SessionCredentials, error) {
	if d <= 0 {
		return nil, fmt.Errorf("iam: session duration %v is not positive", d)
	}
	now := s.Now().UTC().Truncate(time.Second)
	rec := session{Account: account, Issued: now, Expiration: now.Add(d), Root: true, SourceKeyID: sourceKeyID,
		TaskPolicyARN: taskPolicyARN, SourceIdentity: sourceIdentity}
	if err := s.sweepSessions(ctx, tx, account, now); err != nil {
		return nil, err
	}
	root, err := s.rootARN(ctx, tx, account)
	if err != nil {
		return nil, err
	}
	return s.insertSession(ctx, tx, &rec, root)
}
