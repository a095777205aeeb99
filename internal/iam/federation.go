package iam

import (
	"context"
	"fmt"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// federatedSession is the part of a session record that a federated user's session (GetFederationToken) adds.
type federatedSession struct {
	Name       string            `json:"name"`
	Tags       map[string]string `json:"tags,omitempty"`
	Policy     string            `json:"policy,omitempty"`     // inline session policy
	PolicyARNs []string          `json:"policyArns,omitempty"` // managed session policies
}

// FederatedSessionOptions describe a federated user's session to issue (GetFederationToken).
type FederatedSessionOptions struct {
	Duration   time.Duration
	Name       string
	Tags       map[string]string
	Policy     string
	PolicyARNs []string
}

// FederatedUserARN returns the ARN of a federated user in partition p: arn:PARTITION:sts::ACCOUNT:federated-user/NAME.
func FederatedUserARN(p awsregion.Partition, account, name string) string {
	return p.ARNPrefix() + "sts::" + account + ":federated-user/" + name
}

// NewFederatedSessionCredentials issues a federated user's session for the caller (an IAM user or the root user
// signed with a long-term key), in the caller's write transaction. The caller has been authorized.
func (s *Service) NewFederatedSessionCredentials(ctx context.Context, tx store.Tx, c *Caller, opt FederatedSessionOptions) (*SessionCredentials, error) {
	if c.SessionToken {
		return nil, ErrSessionCredentials
	}
	if opt.Duration <= 0 {
		return nil, fmt.Errorf("iam: session duration %v is not positive", opt.Duration)
	}
	now := s.Now().UTC().Truncate(time.Second)
	rec := session{Account: c.Account(), Issued: now, Expiration: now.Add(opt.Duration), SourceKeyID: c.AccessKeyID,
		Federated: &federatedSession{Name: opt.Name, Tags: opt.Tags, Policy: opt.Policy, PolicyARNs: opt.PolicyARNs}}
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
		return nil, fmt.Errorf("iam: %s cannot have a federated session", c.Principal.ARN)
	}
	if err := s.sweepSessions(ctx, tx, c.Account(), now); err != nil {
		return nil, err
	}
	return s.insertSession(ctx, tx, &rec, FederatedUserARN(c.Partition(), rec.Account, opt.Name))
}

// federatedCaller builds the caller of a federated user's session: the principal is the federated user, Name the
// IAM user whose permissions bound the session ("" for the root user). A session whose user was deleted (or
// replaced by a user of the same name) is not found.
func federatedCaller(ctx context.Context, r store.Reader, rec *session, c *Caller) error {
	fs := rec.Federated
	if !rec.Root {
		// The session outlives the IAM user who asked for it, without that user's policies.
		deleted, err := sessionUserDeleted(ctx, r, rec)
		if err != nil {
			return err
		}
		c.PrincipalDeleted = deleted
		c.Name = rec.UserName
	}
	p, err := partitionOf(ctx, r, rec.Account)
	if err != nil {
		return err
	}
	c.Principal = authz.Principal{Type: authz.PrincipalFederatedUser, ARN: FederatedUserARN(p, rec.Account, fs.Name), Account: rec.Account}
	c.UserID = rec.Account + ":" + fs.Name
	c.SessionTags = fs.Tags
	if fs.Policy != "" {
		c.SessionPolicies = []string{fs.Policy}
	}
	c.SessionPolicyARNs = fs.PolicyARNs
	return nil
}

// allowAll is the identity layer of a federated session of the root user, which may do everything its session
// policies allow.
const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// federatedPolicySet is the policy set of a federated user's session: the policies (and boundary) of the IAM user
// who asked for it, intersected by the engine with its session policies (none: no permissions).
func (s *Service) federatedPolicySet(ctx context.Context, r store.Reader, c *Caller) (authz.PolicySet, map[string]string, error) {
	var set authz.PolicySet
	tags := map[string]string{}
	if c.Name == "" {
		p, err := s.compile(allowAll, policy.TypeIdentity)
		if err != nil {
			return set, nil, err
		}
		set.Identity = []authz.Attached{{Name: "root", AttachedTo: "root", Policy: p}}
	} else {
		uc := *c
		uc.Principal.Type = authz.PrincipalUser
		uc.UserID = "" // the federated user's aws:userid is not the IAM user's ID; lookupSession checked that
		var err error
		set, tags, err = s.principalSet(ctx, r, &uc)
		if err != nil {
			return set, nil, err
		}
	}
	var err error
	if set.Session, err = s.sessionPolicies(ctx, r, c); err != nil {
		return set, nil, err
	}
	for k, v := range c.SessionTags {
		tags[k] = v
	}
	return set, tags, nil
}
