package iam

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Service runs IAM operations.
type Service struct {
	Store   store.Store
	Catalog *catalog.Catalog
	Box     *secret.Box
	// Now is the clock of every time-based rule (the test clock when it is offset).
	Now func() time.Time
	// RealNow is the real time, for what other parties' clocks produced: TOTP codes of authenticator apps, OIDC
	// and SAML tokens (their issuers use the real time). nil means Now. New sets it from Options.RealNow; a test
	// may swap Now and RealNow before the service serves.
	RealNow func() time.Time
	Region  string

	// quotas are the account quotas in force; onDecision, when set, is told the result of every authorization
	// decision; orgs, when set, tells decisions about organizations. All three come from Options and never change.
	quotas     Quotas
	onDecision func(result authz.Result)
	orgs       Organizations
	// saml reads SAML providers' metadata documents (Options.SAML); nil refuses every document.
	saml SAMLMetadataParser
	// history is the record of requests last-accessed data comes from (Options.History); nil knows of none.
	history AccessHistory

	// compiler keeps compiled policies and callers' evaluators, beside the engine.
	compiler compileCache
	// outboundBase is the base URL of the accounts' outbound identity federation issuers (outboundfed.go).
	outboundBase outboundIssuerBase

	// creds, keyUse and records are the service's caches, each with its own lock (caches.go).
	creds   credentialCache
	keyUse  keyUseThrottle
	records recordCache
}

// Options are the service's settings beyond its store, data, secrets, clock and Region. The zero value is AWS's
// defaults with no organizations.
type Options struct {
	// RealNow is the real time (see Service.RealNow); nil means the service's clock.
	RealNow func() time.Time
	// Quotas are the account quotas in force; the zero value means AWS's defaults (DefaultQuotas).
	Quotas Quotas
	// OnDecision, when set, is told the result of every authorization decision (for metrics).
	OnDecision func(result authz.Result)
	// Orgs, when set, tells decisions about organizations: SCPs, RCPs and the org condition keys. It needs only
	// the store (internal/org's View), so it is built before the IAM service; the Organizations service, which
	// needs IAM, is built after it.
	Orgs Organizations
	// SAML reads SAML identity providers' metadata documents (internal/samlsp); nil fails CreateSAMLProvider and
	// UpdateSAMLProvider with a metadata document.
	SAML SAMLMetadataParser
	// History, when set, is the record of requests (the audit trail) that IAM's last-accessed data, RoleLastUsed
	// and access keys' last use come from.
	History AccessHistory
}

// New returns a service.
func New(st store.Store, cat *catalog.Catalog, box *secret.Box, now func() time.Time, region string, opt Options) *Service {
	q := opt.Quotas
	if q == (Quotas{}) {
		q = DefaultQuotas()
	}
	return &Service{Store: st, Catalog: cat, Box: box, Now: now, Region: region, RealNow: opt.RealNow,
		quotas: q, onDecision: opt.OnDecision, orgs: opt.Orgs, saml: opt.SAML, history: opt.History}
}

// Time is the time on the service's clock (Now), for the services that share it (STS, Organizations).
func (s *Service) Time() time.Time { return s.Now() }

// RealTime is the real time (RealNow), whatever the test clock says; Now when RealNow is not set.
func (s *Service) RealTime() time.Time {
	if s.RealNow != nil {
		return s.RealNow()
	}
	return s.Now()
}

// Partition is the partition of the caller's account, read from its principal's ARN.
func (c *Caller) Partition() awsregion.Partition { return awsregion.OfARN(c.Principal.ARN) }

// Caller is who makes a request, as authentication established it, with the facts of the request that policies
// can test.
type Caller struct {
	Principal       authz.Principal
	Name            string // the user's or role's name; "" for root
	UserID          string // aws:userid
	AccessKeyID     string
	SessionTags     map[string]string
	SourceIP        string
	SecureTransport bool
	Region          string // the region the request was signed for
	UserAgent       string
	Time            time.Time
	// SessionToken is true when the request was signed with temporary credentials (an ASIA key and its token).
	SessionToken bool
	// MFAPresent is true when those temporary credentials were issued with MFA, at MFAAuthTime; TokenIssueTime is
	// when they were issued. All three are zero for a long-term key.
	MFAPresent     bool
	MFAAuthTime    time.Time
	TokenIssueTime time.Time
	// RoleSession is true for the credentials of a role session (AssumeRole). SessionPolicies (documents) and
	// SessionPolicyARNs (managed policies) are its session policies, which the engine intersects with the role's;
	// TransitiveTagKeys name the session tags that carry into chained sessions; SourceIdentity, once set, stays.
	RoleSession       bool
	SessionPolicies   []string
	SessionPolicyARNs []string
	TransitiveTagKeys []string
	SourceIdentity    string
	// RootTask is true for a privileged root session (AssumeRoot): the root user limited by the root-task policy
	// in SessionPolicyARNs.
	RootTask bool
	// PrincipalDeleted is true for temporary credentials whose role or IAM user was deleted (or replaced by a new
	// one of the same name, which has another unique ID) after they were issued. As on AWS, they keep
	// authenticating until they expire, but no policy of the principal applies any more: every authorized action
	// is AccessDenied (GetCallerIdentity, which needs no permission, still answers).
	PrincipalDeleted bool
}

// IsRoot reports whether the caller is the account's root user.
func (c *Caller) IsRoot() bool { return c.Principal.Type == authz.PrincipalRoot }

// Account returns the caller's account.
func (c *Caller) Account() string { return c.Principal.Account }

const maxCachedEvaluators = 10000

// compile parses a policy document once per distinct text and type.
func (s *Service) compile(doc string, typ policy.Type) (*policy.Policy, error) {
	return s.compiler.compile(doc, typ)
}

// managedPolicyDocument returns the default version's document of a managed policy, customer or AWS.
func (s *Service) managedPolicyDocument(ctx context.Context, r store.Reader, arn string) (string, string, error) {
	if mp, _, ok := s.awsManagedPolicy(arn); ok {
		if mp == nil {
			return "", "", awserr.NoSuchEntity("Policy %s does not exist or is not attachable.", arn)
		}
		return string(mp.Document), mp.Name, nil
	}
	acct, _, name, err := splitPolicyARN(arn)
	if err != nil {
		return "", "", err
	}
	e, err := r.Get(ctx, acct, KindPolicy, name)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", awserr.NoSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	if err != nil {
		return "", "", err
	}
	mp, err := decode[ManagedPolicy](e)
	if err != nil {
		return "", "", err
	}
	v := mp.DefaultVersion()
	if v == nil {
		return "", "", fmt.Errorf("policy %s has no default version", arn)
	}
	return v.Document, mp.PolicyName, nil
}

// splitPolicyARN splits arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME.
func splitPolicyARN(arn string) (account, path, name string, err error) {
	rest, ok := strings.CutPrefix(arn, awsregion.OfARN(arn).IAMPrefix())
	if !ok {
		return "", "", "", awserr.InvalidInput("ARN %s is not valid.", arn)
	}
	account, res, ok := strings.Cut(rest, ":")
	if !ok || !strings.HasPrefix(res, "policy/") {
		return "", "", "", awserr.InvalidInput("ARN %s is not valid.", arn)
	}
	res = strings.TrimPrefix(res, "policy")
	i := strings.LastIndexByte(res, '/')
	return account, res[:i+1], res[i+1:], nil
}

// attachedPolicies loads the managed policies attached to an entity (by its unique ID).
func (s *Service) attachedPolicies(ctx context.Context, r store.Reader, account, ownerID, where string) ([]authz.Attached, error) {
	links, err := r.Links(ctx, store.LinkQuery{Account: account, Kind: LinkAttached, From: ownerID})
	if err != nil {
		return nil, err
	}
	var out []authz.Attached
	for _, l := range links {
		doc, name, err := s.managedPolicyDocument(ctx, r, l.To)
		if err != nil {
			return nil, err
		}
		p, err := s.compile(doc, policy.TypeIdentity)
		if err != nil {
			return nil, fmt.Errorf("stored policy %s: %w", l.To, err)
		}
		out = append(out, authz.Attached{Name: name, ARN: l.To, AttachedTo: where, Policy: p})
	}
	return out, nil
}

func (s *Service) inlinePolicies(list []InlinePolicy, where string) ([]authz.Attached, error) {
	var out []authz.Attached
	for _, ip := range list {
		p, err := s.compile(ip.Document, policy.TypeIdentity)
		if err != nil {
			return nil, fmt.Errorf("stored inline policy %s of %s: %w", ip.Name, where, err)
		}
		out = append(out, authz.Attached{Name: ip.Name, AttachedTo: where, Policy: p})
	}
	return out, nil
}

func (s *Service) boundary(ctx context.Context, r store.Reader, arn, where string) (*authz.Attached, error) {
	if arn == "" {
		return nil, nil
	}
	doc, name, err := s.managedPolicyDocument(ctx, r, arn)
	if err != nil {
		return nil, err
	}
	p, err := s.compile(doc, policy.TypeBoundary)
	if err != nil {
		return nil, err
	}
	return &authz.Attached{Name: name, ARN: arn, AttachedTo: where, Policy: p}, nil
}

// principalSet loads the caller's effective policies and tags.
func (s *Service) principalSet(ctx context.Context, r store.Reader, c *Caller) (authz.PolicySet, map[string]string, error) {
	var set authz.PolicySet
	acct := c.Account()
	if c.PrincipalDeleted {
		return s.deletedPrincipalSet()
	}
	switch c.Principal.Type {
	case authz.PrincipalFederatedUser:
		return s.federatedPolicySet(ctx, r, c)
	case authz.PrincipalUser:
		e, err := r.Get(ctx, acct, KindUser, c.Name)
		if notFound(err) {
			return s.deletedPrincipalSet() // deleted since the caller authenticated
		}
		if err != nil {
			return set, nil, fmt.Errorf("caller's user %s: %w", c.Name, err)
		}
		u, err := decode[User](e)
		if err != nil {
			return set, nil, err
		}
		if c.UserID != "" && u.UserID != c.UserID {
			return s.deletedPrincipalSet() // a new user of the same name: its policies are not the caller's
		}
		where := "user/" + u.UserName
		if set.Identity, err = s.inlinePolicies(u.Policies, where); err != nil {
			return set, nil, err
		}
		att, err := s.attachedPolicies(ctx, r, acct, u.UserID, where)
		if err != nil {
			return set, nil, err
		}
		set.Identity = append(set.Identity, att...)
		groups, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID})
		if err != nil {
			return set, nil, err
		}
		for _, l := range groups {
			ge, err := r.GetByID(ctx, l.To)
			if err != nil {
				return set, nil, err
			}
			g, err := decode[Group](ge)
			if err != nil {
				return set, nil, err
			}
			gw := "group/" + g.GroupName
			in, err := s.inlinePolicies(g.Policies, gw)
			if err != nil {
				return set, nil, err
			}
			att, err := s.attachedPolicies(ctx, r, acct, g.GroupID, gw)
			if err != nil {
				return set, nil, err
			}
			set.Identity = append(append(set.Identity, in...), att...)
		}
		if set.Boundary, err = s.boundary(ctx, r, u.PermissionsBoundary, where); err != nil {
			return set, nil, err
		}
		if set.Session, err = s.sessionPolicies(ctx, r, c); err != nil { // a delegated session's (delegation.go)
			return set, nil, err
		}
		tags := map[string]string{}
		for _, t := range u.Tags {
			tags[t.Key] = t.Value
		}
		return set, tags, nil
	case authz.PrincipalAssumedRole:
		e, err := r.Get(ctx, acct, KindRole, c.Name)
		if notFound(err) {
			return s.deletedPrincipalSet() // deleted since the caller authenticated
		}
		if err != nil {
			return set, nil, fmt.Errorf("caller's role %s: %w", c.Name, err)
		}
		ro, err := decode[Role](e)
		if err != nil {
			return set, nil, err
		}
		// A role session is bound to the role's unique ID (aws:userid is ROLEID:SESSION): a new role of the same
		// name never lends its policies to an old session.
		if roleID, _, ok := strings.Cut(c.UserID, ":"); ok && roleID != ro.RoleID {
			return s.deletedPrincipalSet()
		}
		where := "role/" + ro.RoleName
		if set.Identity, err = s.inlinePolicies(ro.Policies, where); err != nil {
			return set, nil, err
		}
		att, err := s.attachedPolicies(ctx, r, acct, ro.RoleID, where)
		if err != nil {
			return set, nil, err
		}
		set.Identity = append(set.Identity, att...)
		if set.Boundary, err = s.boundary(ctx, r, ro.PermissionsBoundary, where); err != nil {
			return set, nil, err
		}
		if set.Session, err = s.sessionPolicies(ctx, r, c); err != nil {
			return set, nil, err
		}
		tags := map[string]string{}
		for _, t := range ro.Tags {
			tags[t.Key] = t.Value
		}
		for k, v := range c.SessionTags {
			tags[k] = v
		}
		return set, tags, nil
	case authz.PrincipalRoot:
		// A privileged root session's root-task policy only denies (everything but its task): it limits the
		// root user as an identity-based policy would, the root user's own permissions being complete.
		for _, arn := range c.SessionPolicyARNs {
			doc, name, err := s.managedPolicyDocument(ctx, r, arn)
			if err != nil {
				return set, nil, err
			}
			p, err := s.compile(doc, policy.TypeIdentity)
			if err != nil {
				return set, nil, fmt.Errorf("root-task policy %s: %w", arn, err)
			}
			set.Identity = append(set.Identity, authz.Attached{Name: name, ARN: arn, AttachedTo: "root session", Policy: p})
		}
		if len(c.SessionPolicies) > 0 {
			// A delegated root session (delegation.go): the root user's complete permissions, limited by the
			// request's policy as a session policy.
			p, err := s.compile(allowAll, policy.TypeIdentity)
			if err != nil {
				return set, nil, err
			}
			set.Identity = append(set.Identity, authz.Attached{Name: "root", AttachedTo: "root session", Policy: p})
			if set.Session, err = s.sessionPolicies(ctx, r, c); err != nil {
				return set, nil, err
			}
		}
	}
	return set, nil, nil
}

// denyAll is the identity layer of a caller whose principal was deleted: an explicit deny of everything, so that
// no other layer (a resource-based policy that names the principal, in the decision API as anywhere) can allow.
const denyAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`

// deletedPrincipalSet is the policy set of a caller whose role or user no longer exists.
func (s *Service) deletedPrincipalSet() (authz.PolicySet, map[string]string, error) {
	p, err := s.compile(denyAll, policy.TypeIdentity)
	if err != nil {
		return authz.PolicySet{}, nil, err
	}
	return authz.PolicySet{Identity: []authz.Attached{{Name: "deleted-principal", AttachedTo: "deleted principal", Policy: p}}}, nil, nil
}

// errPrincipalDeleted is the answer to every authorized action of a caller whose role or user was deleted: AWS's
// implicit-deny AccessDenied, the principal's policies being gone.
func errPrincipalDeleted(c *Caller, a Authorization) error {
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
		Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
			c.Principal.ARN, a.Action, a.Resource, a.Action),
		Cause: fmt.Errorf("the %s of these temporary credentials was deleted after they were issued", deletedKind(c))}
}

func deletedKind(c *Caller) string {
	if c.Principal.Type == authz.PrincipalAssumedRole {
		return "role"
	}
	return "user"
}

// evaluator returns the caller's compiled policies, cached until a write that may change them (a usage stamp,
// such as an access key's last use, does not).
func (s *Service) evaluator(ctx context.Context, r store.Reader, c *Caller) (cachedEval, error) {
	key := c.Principal.ARN + "|" + c.AccessKeyID
	gen := s.Store.PolicyGeneration()
	if ce, ok := s.compiler.evaluator(key, gen); ok {
		return ce, nil
	}
	set, tags, err := s.principalSet(ctx, r, c)
	if err != nil {
		return cachedEval{}, err
	}
	ce := cachedEval{gen: gen, tags: tags, principal: policy.Context{}}
	authz.SetPrincipalKeys(ce.principal, c.Principal, c.UserID, tags)
	if err := s.applyPrincipalOrg(ctx, r, c, &set, ce.principal); err != nil {
		return cachedEval{}, err
	}
	ce.set, ce.ev = set, authz.New(set)
	s.compiler.putEvaluator(key, ce)
	return ce, nil
}

// requestContext builds the context keys every request carries: the principal's (computed once per cached
// evaluator) and the request's. Keys are written lower-cased, as policy.Context stores them.
func (s *Service) requestContext(c *Caller, principal policy.Context, extra int) policy.Context {
	ctx := make(policy.Context, len(principal)+11+extra)
	for k, v := range principal {
		ctx[k] = v
	}
	t := c.Time
	if t.IsZero() {
		t = s.Now()
	}
	ctx["aws:currenttime"] = []string{t.UTC().Format(time.RFC3339)}
	ctx["aws:epochtime"] = []string{strconv.FormatInt(t.Unix(), 10)}
	if c.SourceIP != "" {
		ctx["aws:sourceip"] = []string{c.SourceIP}
	}
	ctx["aws:securetransport"] = []string{strconv.FormatBool(c.SecureTransport)}
	region := c.Region
	if region == "" {
		region = s.Region
	}
	ctx["aws:requestedregion"] = []string{region}
	if c.UserAgent != "" {
		ctx["aws:useragent"] = []string{c.UserAgent}
	}
	ctx["aws:viaawsservice"] = []string{"false"}
	ctx["aws:principalisawsservice"] = []string{"false"}
	if c.SourceIdentity != "" {
		ctx["aws:sourceidentity"] = []string{c.SourceIdentity}
	}
	if c.SessionToken {
		// AWS's global condition keys: aws:MultiFactorAuthPresent and aws:TokenIssueTime are present only for
		// temporary credentials (absent for long-term access keys), aws:MultiFactorAuthAge only when MFA was used.
		// The age changes with every request, so it is computed here and never cached with the principal's keys.
		ctx["aws:multifactorauthpresent"] = []string{strconv.FormatBool(c.MFAPresent)}
		ctx["aws:tokenissuetime"] = []string{c.TokenIssueTime.UTC().Format(time.RFC3339)}
		if c.MFAPresent {
			age := max(int64(t.Sub(c.MFAAuthTime)/time.Second), 0)
			ctx["aws:multifactorauthage"] = []string{strconv.FormatInt(age, 10)}
		}
	}
	return ctx
}

// Authorization is one check: an action on a resource of an account, with the operation's own context keys.
type Authorization struct {
	Action        string // "iam:CreateUser"
	Resource      string // the resource ARN, or "*"
	ResourceOwner string // the account owning the resource; "" for the caller's account
	Context       policy.Context
}

// Authorize decides whether the caller may perform the action and returns AccessDenied, with AWS's message, when it
// may not. The denial's explanation rides in the error's cause for the log. Temporary credentials issued without
// MFA cannot call IAM at all, the root user's included: AWS answers such calls InvalidClientTokenId.
func (s *Service) Authorize(ctx context.Context, r store.Reader, c *Caller, a Authorization) error {
	owner := a.ResourceOwner
	if owner == "" {
		owner = c.Account()
	}
	if !sessionMayCall(c, a.Action) {
		return errSessionWithoutMFA()
	}
	if stsActionRefused(c, a.Action) {
		return errSTSRefused(c, a)
	}
	if c.PrincipalDeleted {
		return errPrincipalDeleted(c, a)
	}
	if c.IsRoot() && owner == c.Account() && !c.RootTask && len(c.SessionPolicies) == 0 {
		// The root user may do everything in its own account, unless its account is a member of an organization
		// whose SCPs then limit it.
		v, err := s.accountOrg(ctx, r, owner)
		if err != nil {
			return err
		}
		if v == nil || v.SCPs == nil || v.Management == owner {
			return nil
		}
	}
	ce, err := s.evaluator(ctx, r, c)
	if err != nil {
		return err
	}
	ev := ce.ev
	rc := s.requestContext(c, ce.principal, len(a.Context)+3)
	for k, v := range a.Context {
		rc[k] = v
	}
	if s.orgs != nil {
		set := ce.set
		rcps, err := s.applyResourceOrg(ctx, r, owner, &set, rc)
		if err != nil {
			return err
		}
		if rcps && rcpGoverned(a.Action) {
			ev = authz.New(set) // the resource's account brings its RCPs: not the cached evaluator's set
		}
	}
	req := authz.Request{Principal: c.Principal, Action: a.Action, Resource: a.Resource, ResourceAccount: owner, Context: rc}
	if c.IsRoot() && owner != c.Account() {
		// Cross-account access by another account's root: IAM resources have no resource-based policies.
		return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
			Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, a.Action, a.Resource)}
	}
	d := ev.Decide(&req)
	s.observe(ctx, &req, &d)
	if d.Result == authz.Allowed {
		return nil
	}
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
		Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", c.Principal.ARN, a.Action, a.Resource, d.Reason(a.Action)),
		Cause:   newAuthorizationFailure(c, &req, &d)}
}

// DecisionObserver is told each authorization decision that the operation of a request makes (the audit trail
// keeps the last allow to explain the call; a denial explains itself through its error). It must not keep d, which
// the caller reuses, nor take long.
type DecisionObserver interface {
	ObserveDecision(req *authz.Request, d *authz.Decision)
}

// FederatedObserver is told, by a request's DecisionObserver when it implements it, the web identity or SAML
// principal a request that carries its own credential (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) was
// authenticated as, with its subject.
type FederatedObserver interface {
	ObserveFederated(p authz.Principal, subject string)
}

// OutputObserver is told, by a request's DecisionObserver when it implements it, the output the request's operation
// answers, from within the transaction of the operation's change, just before the change commits: the audit trail
// then writes the change's event complete, responseElements included, with the change, and does not write it again
// once the call ends. The output is the one the operation returns; neither the operation nor the observer modifies
// it afterwards. An operation that does not tell its output has it reported after it returned, as any other.
type OutputObserver interface {
	ObserveOutput(out any)
}

// Answer tells the observer of ctx, when it is an OutputObserver, that the operation answers out (the pointer to
// the operation's response that it returns). An operation calls it last in the function of its change's
// transaction (UpdateAnswering does).
func Answer(ctx context.Context, out any) {
	if o, ok := ctx.Value(decisionObserverKey{}).(OutputObserver); ok {
		o.ObserveOutput(out)
	}
}

// UpdateAnswering runs fn in a transaction of st, for an operation whose answer CloudTrail records
// (responseElements): once fn has made the change, respond makes the answer from what fn left, the request's
// observer is told it within the transaction (Answer), so that the change's event is written complete with the
// change, and it is returned.
func UpdateAnswering[R any](ctx context.Context, st store.Store, fn func(ctx context.Context, tx store.Tx) error, respond func() *R) (*R, error) {
	var resp *R
	err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		resp = respond()
		Answer(ctx, resp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// decisionObserverKey is the context key of a request's DecisionObserver.
type decisionObserverKey struct{}

// WithDecisionObserver returns ctx carrying o, which every authorization decision made with ctx is told about.
// The audit trail finds a request's record through it (its Call is the observer), so a context that replaced the
// observer would hide the record from the store that appends a change's event: one observer per request.
func WithDecisionObserver(ctx context.Context, o DecisionObserver) context.Context {
	return context.WithValue(ctx, decisionObserverKey{}, o)
}

// DecisionObserverOf returns the observer ctx carries (WithDecisionObserver), or nil.
func DecisionObserverOf(ctx context.Context) DecisionObserver {
	o, _ := ctx.Value(decisionObserverKey{}).(DecisionObserver)
	return o
}

// observe reports a decision to the metrics hook and to the request's observer.
func (s *Service) observe(ctx context.Context, req *authz.Request, d *authz.Decision) {
	if s.onDecision != nil {
		s.onDecision(d.Result)
	}
	if o, ok := ctx.Value(decisionObserverKey{}).(DecisionObserver); ok {
		o.ObserveDecision(req, d)
	}
}
