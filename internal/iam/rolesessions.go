package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// roleSession is the part of a session record that a role session (AssumeRole) adds.
type roleSession struct {
	RoleName          string            `json:"roleName"`
	RoleID            string            `json:"roleId"`
	RoleARN           string            `json:"roleArn"`
	SessionName       string            `json:"sessionName"`
	Tags              map[string]string `json:"tags,omitempty"`
	TransitiveTagKeys []string          `json:"transitive,omitempty"`
	Policy            string            `json:"policy,omitempty"`     // inline session policy
	PolicyARNs        []string          `json:"policyArns,omitempty"` // managed session policies
	SourceIdentity    string            `json:"sourceIdentity,omitempty"`
	Chained           bool              `json:"chained,omitempty"` // assumed with another role session's credentials
}

// RoleSessionOptions describe a role session to issue (AssumeRole).
type RoleSessionOptions struct {
	Duration          time.Duration
	SessionName       string
	Tags              map[string]string
	TransitiveTagKeys []string
	Policy            string
	PolicyARNs        []string
	SourceIdentity    string
	MFA               bool
}

// AssumedRoleARN returns the ARN of a role session in partition p: arn:PARTITION:sts::ACCOUNT:assumed-role/ROLENAME/SESSION.
func AssumedRoleARN(p awsregion.Partition, account, roleName, sessionName string) string {
	return p.ARNPrefix() + "sts::" + account + ":assumed-role/" + roleName + "/" + sessionName
}

// RoleByARN loads a role of any account iamd holds by its ARN. It returns store.ErrNotFound when there is none.
func (s *Service) RoleByARN(ctx context.Context, r store.Reader, roleARN string) (*Role, error) {
	rest, ok := strings.CutPrefix(roleARN, awsregion.OfARN(roleARN).IAMPrefix())
	if !ok {
		return nil, store.ErrNotFound
	}
	acct, res, ok := strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(res, "role/") {
		return nil, store.ErrNotFound
	}
	name := res[strings.LastIndexByte(res, '/')+1:]
	e, err := r.Get(ctx, acct, KindRole, name)
	if err != nil {
		return nil, err
	}
	ro, err := decode[Role](e)
	if err != nil {
		return nil, err
	}
	if ro.ARN != roleARN { // the path must match too
		return nil, store.ErrNotFound
	}
	return ro, nil
}

// CheckSessionPolicy parses an inline session policy as AWS does, answering MalformedPolicyDocument.
func CheckSessionPolicy(doc string) error {
	_, err := policy.Parse([]byte(doc), policy.TypeSession)
	return malformed(err)
}

// CheckSessionPolicyARN checks that a managed session policy exists (AWS or customer managed).
func (s *Service) CheckSessionPolicyARN(ctx context.Context, r store.Reader, arn string) error {
	_, _, err := s.managedPolicyDocument(ctx, r, arn)
	return err
}

// AuthorizeWithResourcePolicy decides an action on a resource that has a resource-based policy of type typ (a role
// trust policy, policy.TypeTrust): the resource policy must allow, and for a principal of another account, or a
// resource policy that names only the principal's account, the caller's identity-based policies must allow too.
// The AccessDenied message names the caller, the action and the resource as AWS's does.
func (s *Service) AuthorizeWithResourcePolicy(ctx context.Context, r store.Reader, c *Caller, a Authorization, doc string, typ policy.Type, name string) error {
	if !sessionMayCall(c, a.Action) {
		return errSessionWithoutMFA()
	}
	if stsActionRefused(c, a.Action) {
		return errSTSRefused(c, a)
	}
	if c.PrincipalDeleted {
		return errPrincipalDeleted(c, a)
	}
	rp, err := s.compile(doc, typ)
	if err != nil {
		return fmt.Errorf("stored resource policy of %s: %w", a.Resource, err)
	}
	set, tags, err := s.principalSet(ctx, r, c)
	if err != nil {
		return err
	}
	set.Resource = &authz.Attached{Name: name, AttachedTo: a.Resource, Policy: rp}
	set.ResourcePolicyRequired = true
	principal := policy.Context{}
	authz.SetPrincipalKeys(principal, c.Principal, c.UserID, tags)
	if err := s.applyPrincipalOrg(ctx, r, c, &set, principal); err != nil {
		return err
	}
	rc := s.requestContext(c, principal, len(a.Context)+3)
	for k, v := range a.Context {
		rc[k] = v
	}
	owner := a.ResourceOwner
	if owner == "" {
		owner = c.Account()
	}
	if _, err := s.applyResourceOrg(ctx, r, owner, &set, rc); err != nil {
		return err
	}
	req := authz.Request{Principal: c.Principal, Action: a.Action, Resource: a.Resource, ResourceAccount: owner, Context: rc}
	d := authz.New(set).Decide(&req)
	s.observe(ctx, &req, &d)
	if d.Result == authz.Allowed {
		return nil
	}
	// AWS names the reason when the caller's side denied (identity-based policies, boundary, session policies,
	// organization policies), and only the resource when the trust policy did not allow.
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, a.Action, a.Resource)
	if d.Result == authz.ExplicitDeny || d.Missing != authz.LayerResource {
		msg += " " + d.Reason(a.Action)
	}
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403, Message: msg, Cause: newAuthorizationFailure(c, &req, &d)}
}

// NewRoleSessionCredentials issues a role session of ro for the caller, in the caller's write transaction, and
// records the role's last use (at most every keyUseInterval). The caller has been authorized.
func (s *Service) NewRoleSessionCredentials(ctx context.Context, tx store.Tx, c *Caller, ro *Role, opt RoleSessionOptions) (*SessionCredentials, error) {
	if opt.Duration <= 0 {
		return nil, fmt.Errorf("iam: session duration %v is not positive", opt.Duration)
	}
	acct := accountOfARN(ro.ARN)
	now := s.Now().UTC().Truncate(time.Second)
	rec := session{Account: acct, Issued: now, Expiration: now.Add(opt.Duration), SourceKeyID: c.AccessKeyID,
		Role: &roleSession{RoleName: ro.RoleName, RoleID: ro.RoleID, RoleARN: ro.ARN, SessionName: opt.SessionName,
			Tags: opt.Tags, TransitiveTagKeys: opt.TransitiveTagKeys, Policy: opt.Policy, PolicyARNs: opt.PolicyARNs,
			SourceIdentity: opt.SourceIdentity, Chained: c.Principal.Type == authz.PrincipalAssumedRole}}
	if opt.MFA {
		rec.MFA = true
		t := now
		if !c.MFAAuthTime.IsZero() {
			t = c.MFAAuthTime
		}
		rec.MFATime = &t
	}
	if err := s.sweepSessions(ctx, tx, acct, now); err != nil {
		return nil, err
	}
	// RoleLastUsed, written at most every keyUseInterval for the same region.
	region := s.Region
	if c.Region != "" {
		region = c.Region
	}
	if ro.LastUsed == nil || now.Sub(ro.LastUsed.Date) >= keyUseInterval || ro.LastUsed.Region != region {
		e, err := tx.Get(ctx, acct, KindRole, ro.RoleName)
		if err != nil {
			return nil, err
		}
		cur, err := decode[Role](e)
		if err != nil {
			return nil, err
		}
		cur.LastUsed = &RoleLastUsed{Date: now, Region: region}
		if err := rolesSave(ctx, tx, acct, cur, false); err != nil {
			return nil, err
		}
	}
	return s.insertSession(ctx, tx, &rec, AssumedRoleARN(awsregion.OfARN(ro.ARN), acct, ro.RoleName, opt.SessionName))
}

// insertSession seals the new credentials into the record and stores it under a fresh ASIA key ID.
func (s *Service) insertSession(ctx context.Context, tx store.Tx, rec *session, arn string) (*SessionCredentials, error) {
	out := &SessionCredentials{SecretAccessKey: secret.NewSecretAccessKey(), SessionToken: newSessionToken(), Expiration: rec.Expiration}
	for range 3 { // a clash of random IDs is next to impossible; try again rather than fail
		out.AccessKeyID = secret.NewID("ASIA", 20)
		rec.AccessKeyID = out.AccessKeyID
		rec.SealedSecret = s.Box.Seal([]byte(out.SecretAccessKey), []byte(out.AccessKeyID))
		rec.SealedToken = s.Box.Seal([]byte(out.SessionToken), []byte(out.AccessKeyID))
		err := tx.Insert(ctx, &store.Entity{Account: rec.Account, Kind: KindSession, Name: out.AccessKeyID, Path: "/",
			ID: out.AccessKeyID, ARN: arn, Created: rec.Issued, Data: encode(*rec)})
		if conflict(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("iam: could not allocate a unique session access key ID")
}

// accountOfARN returns the account field of an ARN.
func accountOfARN(a string) string {
	parts := strings.SplitN(a, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// roleSessionCaller builds the caller of a role session. The session is bound to the role's unique ID: when the
// role was deleted, or replaced by a new role of the same name, the credentials still authenticate until they
// expire, as on AWS ("temporary security credentials are valid until they expire"; IAM User Guide, Disabling
// permissions for temporary security credentials), but the caller is marked PrincipalDeleted and no policy applies.
func roleSessionCaller(ctx context.Context, r store.Reader, rec *session, c *Caller) error {
	rs := rec.Role
	e, err := r.Get(ctx, rec.Account, KindRole, rs.RoleName)
	if err != nil && !notFound(err) {
		return err
	}
	roleARN := rs.RoleARN
	if err == nil {
		ro, err := decode[Role](e)
		if err != nil {
			return err
		}
		if ro.RoleID == rs.RoleID {
			roleARN = ro.ARN
		} else {
			c.PrincipalDeleted = true
		}
	} else {
		c.PrincipalDeleted = true
	}
	c.Principal = authz.Principal{Type: authz.PrincipalAssumedRole, ARN: AssumedRoleARN(awsregion.OfARN(rs.RoleARN), rec.Account, rs.RoleName, rs.SessionName),
		Account: rec.Account, RoleARN: roleARN}
	c.Name, c.UserID = rs.RoleName, rs.RoleID+":"+rs.SessionName
	c.RoleSession = true
	c.SessionTags = rs.Tags
	c.TransitiveTagKeys = rs.TransitiveTagKeys
	c.SourceIdentity = rs.SourceIdentity
	if rs.Policy != "" {
		c.SessionPolicies = []string{rs.Policy}
	}
	c.SessionPolicyARNs = rs.PolicyARNs
	return nil
}

// sessionPolicies compiles a role session's session policies.
func (s *Service) sessionPolicies(ctx context.Context, r store.Reader, c *Caller) ([]authz.Attached, error) {
	var out []authz.Attached
	for i, doc := range c.SessionPolicies {
		p, err := s.compile(doc, policy.TypeSession)
		if err != nil {
			return nil, fmt.Errorf("stored session policy: %w", err)
		}
		out = append(out, authz.Attached{Name: fmt.Sprintf("session-policy-%d", i+1), AttachedTo: "session", Policy: p})
	}
	for _, arn := range c.SessionPolicyARNs {
		doc, name, err := s.managedPolicyDocument(ctx, r, arn)
		if err != nil {
			if _, ok := awserr.As(err); ok {
				continue // a deleted managed session policy grants nothing
			}
			return nil, err
		}
		p, err := s.compile(doc, policy.TypeSession)
		if err != nil {
			return nil, fmt.Errorf("stored policy %s: %w", arn, err)
		}
		out = append(out, authz.Attached{Name: name, ARN: arn, AttachedTo: "session", Policy: p})
	}
	if out == nil && (len(c.SessionPolicies) > 0 || len(c.SessionPolicyARNs) > 0) {
		// every managed session policy vanished: the session keeps a session layer that allows nothing
		p, err := s.compile(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, policy.TypeSession)
		if err != nil {
			return nil, err
		}
		out = append(out, authz.Attached{Name: "none", AttachedTo: "session", Policy: p})
	}
	return out, nil
}

// AuthorizeFederatedTrust decides whether a federated principal (a web identity or SAML provider, as
// authz.PrincipalWebIdentity or authz.PrincipalSAML with Provider set) may perform action (sts:AssumeRoleWithWebIdentity,
// sts:AssumeRoleWithSAML, sts:TagSession, sts:SetSourceIdentity) on ro. Such a principal has no identity-based
// policies: the role's trust policy alone decides (with the RCPs of the role's organization, read with r), with the
// claims of the token or assertion as condition keys in extra. c is the unsigned request's caller (source IP, time,
// transport). The AccessDenied message is AWS's "Not authorized to perform sts:AssumeRoleWithWebIdentity" form.
func (s *Service) AuthorizeFederatedTrust(ctx context.Context, r store.Reader, c *Caller, p authz.Principal, action string, ro *Role, extra policy.Context) error {
	if o, ok := ctx.Value(decisionObserverKey{}).(FederatedObserver); ok {
		sub, _ := extra.Get(p.Provider + ":sub")
		if p.Type == authz.PrincipalSAML {
			sub, _ = extra.Get("saml:sub")
		}
		if len(sub) > 0 {
			o.ObserveFederated(p, sub[0])
		}
	}
	rp, err := s.compile(ro.AssumeRolePolicyDocument, policy.TypeTrust)
	if err != nil {
		return fmt.Errorf("stored trust policy of %s: %w", ro.ARN, err)
	}
	set := authz.PolicySet{Resource: &authz.Attached{Name: "trust policy of role/" + ro.RoleName, AttachedTo: ro.ARN, Policy: rp},
		ResourcePolicyRequired: true}
	principal := policy.Context{}
	authz.SetPrincipalKeys(principal, p, "", nil)
	rc := s.requestContext(c, principal, len(extra)+3)
	for k, v := range extra {
		rc[k] = v
	}
	owner := accountOfARN(ro.ARN)
	// RCPs govern STS for every caller, federated ones included
	if _, err := s.applyResourceOrg(ctx, r, owner, &set, rc); err != nil {
		return err
	}
	if p.Account == "" {
		p.Account = owner
	}
	req := authz.Request{Principal: p, Action: action, Resource: ro.ARN, ResourceAccount: owner, Context: rc}
	d := authz.New(set).Decide(&req)
	s.observe(ctx, &req, &d)
	if d.Result == authz.Allowed {
		return nil
	}
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403, Message: "Not authorized to perform " + action,
		Cause: errors.New(d.Explain(action))}
}
