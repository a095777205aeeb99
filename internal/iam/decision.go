package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// ActionAuthorize is the action a caller of the decision API must be allowed, on the ARN of the principal it asks
// about (or "*" to verify signatures).
const ActionAuthorize = "iamd:Authorize"

// DecisionRequest asks the decision API whether a principal of iamd may perform an action on a resource of the
// asking service. Exactly one of Principal and AccessKeyID names who asks.
type DecisionRequest struct {
	Principal     string // a user, role, assumed-role, federated-user or root ARN
	AccessKeyID   string // one exact access key or session, with its session policies, tags and MFA facts
	Action        string // "service:Action"
	Resource      string // the resource ARN, or "*"
	ResourceOwner string // the resource's account; "" for the resource ARN's account, else the principal's
	// ResourcePolicy is the resource's resource-based policy (JSON), "" for none. The principals it names need not
	// exist. For a trust-policy action (sts:AssumeRole*, sts:TagSession, sts:SetSourceIdentity, sts:SetContext) on
	// the ARN of a role iamd holds, "" means the role's own trust policy.
	ResourcePolicy string
	// ResourcePolicyMustAllow, when set, says whether the resource policy itself must allow (an identity-based
	// Allow is then not enough unless the resource policy delegates to the principal's account, as a KMS key policy
	// naming the account root does); with no resource policy nothing is allowed. nil applies AWS's rule for the
	// action: see DefaultResourcePolicyMustAllow.
	ResourcePolicyMustAllow *bool
	// Context holds the request's condition keys as the asking service supplies them; the keys iamd derives from
	// the principal and its clock are ignored here (see derivedKey).
	Context policy.Context
}

// DecisionStatement is one statement that decided.
type DecisionStatement struct {
	Effect         string // Allow or Deny
	Layer          string // identity, resource, boundary, session, scp, rcp
	Policy         string // the policy's name
	PolicyARN      string // the managed policy's ARN; "" for inline and resource policies
	AttachedTo     string // the ARN of the user, group or role, "session", the resource, or the organization level
	StatementIndex int    // 0-based position in the policy
	Sid            string
}

// DecisionResult is the decision API's answer.
type DecisionResult struct {
	Decision  authz.Result
	Principal string // the principal ARN decided for
	Matched   []DecisionStatement
	Reason    string // AWS-worded: "because no identity-based policy allows the notes:GetNote action", ...
	// ResourcePolicyMustAllow is whether the resource policy had to allow (as asked, or AWS's rule for the action).
	ResourcePolicyMustAllow bool
	// Session names the session that decided when the principal was an assumed-role ARN: of the live sessions
	// with that ARN, the one whose answer was the most restrictive. nil otherwise.
	Session *DecisionSession
}

// DecisionSession is the role session an assumed-role ARN was decided as.
type DecisionSession struct {
	AccessKeyID  string // the session's ASIA key ID
	Expires      time.Time
	LiveSessions int // how many live sessions share the ARN; each was decided
}

// DefaultResourcePolicyMustAllow reports whether AWS requires the resource policy itself to allow the action, when
// the caller does not say. The IAM User Guide ("Policy evaluation for requests within a single account") names the
// two exceptions to "an identity-based or a resource-based Allow is enough": role trust policies and KMS key
// policies "must explicitly allow access for principals". So: for "kms:" actions when a key policy is given (the
// AWS KMS Developer Guide, "Key policies in AWS KMS": "Unless the key policy explicitly allows it, you cannot use
// IAM policies to allow access to a KMS key"; actions on no key, such as kms:CreateKey, have no key policy and
// are IAM's alone), and for the actions a trust policy governs (sts:AssumeRole*, sts:TagSession,
// sts:SetSourceIdentity, sts:SetContext) on a role ARN.
func DefaultResourcePolicyMustAllow(action, resource string, resourcePolicy bool) bool {
	svc, _, _ := strings.Cut(action, ":")
	switch {
	case strings.EqualFold(svc, "kms"):
		return resourcePolicy
	case trustAction(action):
		return isRoleARN(resource)
	}
	return false
}

// trustAction reports whether an action is decided against a role's trust policy.
func trustAction(action string) bool {
	svc, name, _ := strings.Cut(action, ":")
	if !strings.EqualFold(svc, "sts") {
		return false
	}
	lower := strings.ToLower(name)
	return strings.HasPrefix(lower, "assumerole") || lower == "tagsession" || lower == "setsourceidentity" || lower == "setcontext"
}

// isRoleARN reports whether a resource is an IAM role ARN (arn:aws:iam::ACCOUNT:role/...).
func isRoleARN(resource string) bool {
	a, err := arn.Parse(resource)
	return err == nil && a.Service == "iam" && a.Region == "" && isAccountID(a.Account) && strings.HasPrefix(a.Resource, "role/")
}

// Decide answers a decision request for the caller, a service of the principal's account allowed iamd:Authorize on
// the principal's ARN. The principal is resolved as iamd knows it (its identity-based policies, groups, boundary,
// and for an access key or an assumed-role ARN its session); the keys derived from it and iamd's clock replace any
// supplied. An assumed-role ARN is decided for every live session with that ARN, each with its session policies,
// tags, source identity and MFA facts, and the answer is the most restrictive of theirs; with no live session it is
// implicitDeny, never the role's permissions (which a session's policies narrow). It reads in one store
// transaction (an access key is first looked up as authentication looks it up).
func (s *Service) Decide(ctx context.Context, c *Caller, in *DecisionRequest) (*DecisionResult, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var rp *policy.Policy
	if in.ResourcePolicy != "" {
		p, err := s.compile(in.ResourcePolicy, policy.TypeResource)
		if err != nil {
			var pe *policy.ParseError
			if errors.As(err, &pe) && len(pe.Findings) > 0 {
				return nil, awserr.MalformedPolicyDocument("%s", pe.Findings[0].Message)
			}
			return nil, awserr.MalformedPolicyDocument("%v", err)
		}
		rp = p
	}
	now := s.Now().UTC()
	var keyed *Caller
	var keyUnusable error // an inactive or expired key, told only to a caller allowed to ask about its owner
	if in.AccessKeyID != "" {
		k, unusable, err := s.keyPrincipal(ctx, in.AccessKeyID, now)
		if err != nil {
			return nil, err
		}
		keyed, keyUnusable = k, unusable
	}
	var out *DecisionResult
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		principalARN := in.Principal
		if keyed != nil {
			principalARN = keyed.Principal.ARN
		}
		acct := accountOfARN(principalARN)
		managed := false // the caller's account is the management account of the principal's organization
		if acct != c.Account() {
			v, err := s.accountOrg(ctx, r, acct)
			if err != nil {
				return err
			}
			managed = v != nil && v.Management == c.Account()
		}
		if acct != c.Account() && !managed {
			// Another account's key is named by its ID, not by whom it belongs to.
			if keyed != nil {
				return notAuthorizedFor(c, in.AccessKeyID)
			}
			return notAuthorizedFor(c, principalARN)
		}
		if err := s.Authorize(ctx, r, c, Authorization{Action: ActionAuthorize, Resource: principalARN}); err != nil {
			return err
		}
		if keyUnusable != nil {
			return keyUnusable
		}
		rpol, mustAllow, err := s.decisionResourcePolicy(ctx, r, in, rp)
		if err != nil {
			return err
		}
		var res *DecisionResult
		if keyed == nil && isAssumedRoleARN(in.Principal) {
			res, err = s.decideSessionsByARN(ctx, r, in, rpol, mustAllow, now)
		} else {
			target := keyed
			if target == nil {
				if target, err = s.principalByARN(ctx, r, in.Principal); err != nil {
					return err
				}
			}
			target.Time = now
			res, err = s.decideFor(ctx, r, target, in, rpol, mustAllow)
		}
		if err != nil {
			return err
		}
		if s.onDecision != nil {
			s.onDecision(res.Decision)
		}
		res.Principal = principalARN
		res.ResourcePolicyMustAllow = mustAllow
		out = res
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decisionResourcePolicy is the resource policy a request is decided with and whether it must allow: the one
// given; else, for a trust-policy action on a role iamd holds, the role's trust policy.
func (s *Service) decisionResourcePolicy(ctx context.Context, r store.Reader, in *DecisionRequest, given *policy.Policy) (*authz.Attached, bool, error) {
	var att *authz.Attached
	switch {
	case given != nil:
		att = &authz.Attached{Name: "resourcePolicy", AttachedTo: in.Resource, Policy: given}
	case trustAction(in.Action) && isRoleARN(in.Resource):
		ro, err := s.RoleByARN(ctx, r, in.Resource)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, false, err
		}
		if err == nil {
			p, err := s.compile(ro.AssumeRolePolicyDocument, policy.TypeTrust)
			if err != nil {
				return nil, false, fmt.Errorf("stored trust policy of %s: %w", ro.ARN, err)
			}
			att = &authz.Attached{Name: "trustPolicy", AttachedTo: ro.ARN, Policy: p}
		}
	default:
		// A policy registered for the resource (PUT /iamd/v1/resource-policies) stands for the one not sent.
		p, err := s.registeredDecisionPolicy(ctx, r, in)
		if err != nil {
			return nil, false, err
		}
		if p != nil {
			att = &authz.Attached{Name: "registeredResourcePolicy", AttachedTo: in.Resource, Policy: p}
		}
	}
	mustAllow := DefaultResourcePolicyMustAllow(in.Action, in.Resource, given != nil || (att != nil && att.Name == "registeredResourcePolicy"))
	if in.ResourcePolicyMustAllow != nil {
		mustAllow = *in.ResourcePolicyMustAllow
	}
	return att, mustAllow, nil
}

// isAssumedRoleARN reports whether a principal ARN names a role session (arn:aws:sts::ACCOUNT:assumed-role/...).
func isAssumedRoleARN(principal string) bool {
	a, err := arn.Parse(principal)
	return err == nil && a.Service == "sts" && a.Region == "" && strings.HasPrefix(a.Resource, "assumed-role/")
}

// notAuthorizedFor is the AccessDenied answer for a principal the caller may not ask about.
func notAuthorizedFor(c *Caller, resource string) error {
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
		Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Principal.ARN, ActionAuthorize, resource)}
}

func (in *DecisionRequest) validate() error {
	switch {
	case in.Principal == "" && in.AccessKeyID == "":
		return awserr.ValidationError("1 validation error detected: either principal or accessKeyId must be given.")
	case in.Principal != "" && in.AccessKeyID != "":
		return awserr.ValidationError("1 validation error detected: principal and accessKeyId cannot both be given.")
	case in.Action == "":
		return awserr.ValidationError("1 validation error detected: Value null at 'action' failed to satisfy constraint: Member must not be null")
	case in.Resource == "":
		return awserr.ValidationError("1 validation error detected: Value null at 'resource' failed to satisfy constraint: Member must not be null")
	}
	if svc, name, ok := strings.Cut(in.Action, ":"); !ok || svc == "" || name == "" || strings.ContainsAny(in.Action, " \t\n*?") {
		return awserr.ValidationError("1 validation error detected: Value '%s' at 'action' failed to satisfy constraint: Member must be of the form service:Action", in.Action)
	}
	if a, err := arn.Parse(in.Principal); in.Principal != "" && (err != nil || a.Partition != "aws" || !isAccountID(a.Account)) {
		return invalidParameter("The principal %s is not a valid ARN.", in.Principal)
	}
	if in.ResourceOwner != "" && !isAccountID(in.ResourceOwner) {
		return invalidParameter("The resourceOwner %q is not a 12-digit account ID.", in.ResourceOwner)
	}
	return nil
}

func invalidParameter(format string, args ...any) error {
	return awserr.New("InvalidParameterValue", 400, format, args...)
}

// keyPrincipal is the caller an access key stands for, exactly as authentication gives it. An unknown key is
// NoSuchEntity (whether a key exists is no secret AWS keeps either: sts:GetAccessKeyInfo tells any caller a key's
// account). An inactive or expired key can sign nothing, so there is nothing to decide for: unusable is then
// NoSuchEntity too, for Decide to return once the caller may ask about the key's owner.
func (s *Service) keyPrincipal(ctx context.Context, id string, now time.Time) (c *Caller, unusable, err error) {
	cred, err := s.LookupAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, awserr.NoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	if err != nil {
		return nil, nil, err
	}
	// iamd's wording: AWS has no operation that answers for an inactive or expired key by ID.
	if !cred.Active {
		unusable = awserr.NoSuchEntity("The Access Key with id %s is inactive.", id)
	} else if !cred.Expires.IsZero() && !now.Before(cred.Expires) {
		unusable = awserr.NoSuchEntity("The Access Key with id %s has expired.", id)
	}
	caller := cred.Caller
	return &caller, unusable, nil
}

// principalByARN resolves a principal ARN of the caller's account into the caller the engine decides for:
//   - a user ARN (path included, exactly as the user's ARN) is that user with its policies, groups and boundary;
//   - a role ARN is a session of the role without session policies or session tags (principal type AssumedRole,
//     aws:PrincipalArn the role's ARN), the session's name unknown: a question about the role, not any session;
//   - an assumed-role ARN is checked here (its role must exist) but decided by decideSessionsByARN, for its live
//     sessions; the caller returned (the role without any session) is never decided for;
//   - the root ARN is the account's root user;
//   - a federated-user ARN is a federated user whose session (and so whose permissions) the ARN does not name:
//     decideFor answers implicitDeny for it.
func (s *Service) principalByARN(ctx context.Context, r store.Reader, principalARN string) (*Caller, error) {
	a, err := arn.Parse(principalARN)
	if err != nil || a.Partition != "aws" {
		return nil, invalidParameter("The principal %s is not a valid ARN.", principalARN)
	}
	switch {
	case a.Service == "iam" && a.Resource == "root" && a.Region == "":
		return &Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: principalARN, Account: a.Account}, UserID: a.Account}, nil
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/") && a.Region == "":
		name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		u, err := getUser(ctx, r, a.Account, name)
		if err != nil {
			return nil, err
		}
		if u.ARN != principalARN { // the path must match too
			return nil, awserr.NoSuchEntity("The user with name %s cannot be found.", name)
		}
		return &Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: u.ARN, Account: a.Account}, Name: u.UserName, UserID: u.UserID}, nil
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/") && a.Region == "":
		ro, err := s.RoleByARN(ctx, r, principalARN)
		if errors.Is(err, store.ErrNotFound) {
			return nil, awserr.NoSuchEntity("The role with name %s cannot be found.", a.Resource[strings.LastIndexByte(a.Resource, '/')+1:])
		}
		if err != nil {
			return nil, err
		}
		// The session's name is unknown: its ARN ends in "/", which no policy names, and aws:userid is absent.
		return &Caller{Principal: authz.Principal{Type: authz.PrincipalAssumedRole, ARN: AssumedRoleARN(awsregion.OfARN(ro.ARN), a.Account, ro.RoleName, ""),
			Account: a.Account, RoleARN: ro.ARN}, Name: ro.RoleName, RoleSession: true}, nil
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/") && a.Region == "":
		parts := strings.Split(a.Resource, "/")
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			return nil, invalidParameter("The principal %s is not a valid assumed-role ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).", principalARN)
		}
		e, err := r.Get(ctx, a.Account, KindRole, parts[1])
		if notFound(err) {
			return nil, awserr.NoSuchEntity("The role with name %s cannot be found.", parts[1])
		}
		if err != nil {
			return nil, err
		}
		ro, err := decode[Role](e)
		if err != nil {
			return nil, err
		}
		return &Caller{Principal: authz.Principal{Type: authz.PrincipalAssumedRole, ARN: principalARN, Account: a.Account, RoleARN: ro.ARN},
			Name: ro.RoleName, UserID: ro.RoleID + ":" + parts[2], RoleSession: true}, nil
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "federated-user/") && len(a.Resource) > len("federated-user/") && a.Region == "":
		return &Caller{Principal: authz.Principal{Type: authz.PrincipalFederatedUser, ARN: principalARN, Account: a.Account}}, nil
	}
	return nil, invalidParameter("The principal %s is not a user, role, assumed-role, federated-user or root ARN.", principalARN)
}

// derivedKey reports whether a (lower-cased) condition key is one iamd derives itself, so that a supplied value
// is ignored.
func derivedKey(k string) bool {
	switch k {
	case "aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:principalorgid", "aws:principalorgpaths",
		"aws:principalisawsservice", "aws:principalservicename", "aws:principalservicenamelist", "aws:userid",
		"aws:username", "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:tokenissuetime",
		"aws:sourceidentity", "aws:currenttime", "aws:epochtime", "aws:federatedprovider",
		"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths":
		return true
	}
	return strings.HasPrefix(k, "aws:principaltag/")
}

// decideFor runs the engine for the target principal, with the resource policy rp (nil for none), which must allow
// when mustAllow is set. It does not report to OnDecision: Decide reports its one answer.
func (s *Service) decideFor(ctx context.Context, r store.Reader, target *Caller, in *DecisionRequest, rp *authz.Attached, mustAllow bool) (*DecisionResult, error) {
	owner := in.ResourceOwner
	if owner == "" {
		if a, err := arn.Parse(in.Resource); err == nil && a.Account != "" {
			owner = a.Account
		} else {
			owner = target.Account()
		}
	}
	if target.Principal.Type == authz.PrincipalFederatedUser && target.AccessKeyID == "" {
		// A federated user's permissions are its session's: the issuing user's policies intersected with the
		// session policies. The ARN names no session, so nothing is known to allow; ask by accessKeyId instead.
		d := authz.Decision{Result: authz.ImplicitDeny, Missing: authz.LayerSession}
		return &DecisionResult{Decision: d.Result, Reason: d.Reason(in.Action)}, nil
	}
	var ev *authz.Evaluator
	var principalKeys policy.Context
	var set authz.PolicySet
	// The evaluator cache is keyed by principal ARN and access key: safe for a user, the root user and an exact key,
	// whose policies those determine, but not for a role or role session asked about by ARN, which must never share
	// an entry with a real session of the same ARN (and its session policies).
	cacheable := target.AccessKeyID != "" || target.Principal.Type == authz.PrincipalUser || target.Principal.Type == authz.PrincipalRoot
	if rp == nil && !mustAllow && cacheable {
		ce, err := s.evaluator(ctx, r, target)
		if err != nil {
			return nil, err
		}
		ev, principalKeys, set = ce.ev, ce.principal, ce.set
	} else {
		var tags map[string]string
		var err error
		if set, tags, err = s.principalSet(ctx, r, target); err != nil {
			return nil, err
		}
		set.Resource = rp
		set.ResourcePolicyRequired = mustAllow
		principalKeys = policy.Context{}
		authz.SetPrincipalKeys(principalKeys, target.Principal, target.UserID, tags)
		if err := s.applyPrincipalOrg(ctx, r, target, &set, principalKeys); err != nil {
			return nil, err
		}
		ev = authz.New(set)
	}
	rc := s.requestContext(target, principalKeys, len(in.Context))
	// Only what the asking service supplies: it knows the transport and region of its own request.
	delete(rc, "aws:securetransport")
	delete(rc, "aws:requestedregion")
	for k, v := range in.Context {
		k = strings.ToLower(k)
		if derivedKey(k) {
			continue
		}
		rc[k] = v
	}
	// The resource's account: aws:ResourceAccount and its organization's keys, and its RCPs where they govern.
	if rcps, err := s.applyResourceOrg(ctx, r, owner, &set, rc); err != nil {
		return nil, err
	} else if rcps && rcpGoverned(in.Action) {
		ev = authz.New(set)
	}
	req := authz.Request{Principal: target.Principal, Action: in.Action, Resource: in.Resource, ResourceAccount: owner, Context: rc}
	d := ev.Decide(&req)
	res := &DecisionResult{Decision: d.Result, Reason: decisionReason(&d, in.Action)}
	names := attachedARNs{s: s, r: r, account: target.Account()}
	for _, m := range d.Matched() {
		st := DecisionStatement{Effect: m.Statement.Effect.String(), Layer: m.Layer.String(), Policy: m.Policy.Name,
			PolicyARN: m.Policy.ARN, StatementIndex: m.Statement.Index, Sid: m.Statement.Sid}
		switch {
		case m.Level() != "":
			st.AttachedTo = m.Level()
		case m.Layer == authz.LayerResource || m.Layer == authz.LayerSession:
			st.AttachedTo = m.Policy.AttachedTo
		default:
			a, err := names.arn(ctx, m.Policy.AttachedTo)
			if err != nil {
				return nil, err
			}
			st.AttachedTo = a
		}
		res.Matched = append(res.Matched, st)
	}
	return res, nil
}

// decisionReason words a decision as AWS's AccessDenied messages end ("because no identity-based policy allows
// the s3:GetObject action", "with an explicit deny in an identity-based policy"), and an Allow by the kinds of
// policy that allowed ("allowed by an identity-based policy and a permissions boundary").
func decisionReason(d *authz.Decision, action string) string {
	if d.Result != authz.Allowed {
		return d.Reason(action)
	}
	seen := map[authz.Layer]bool{}
	for _, m := range d.Matched() {
		seen[m.Layer] = true
	}
	var layers []string
	for _, l := range []authz.Layer{authz.LayerIdentity, authz.LayerResource, authz.LayerBoundary, authz.LayerSession, authz.LayerSCP, authz.LayerRCP} {
		if seen[l] {
			desc := l.Describe()
			art := "a "
			if strings.ContainsRune("aeiou", rune(desc[0])) {
				art = "an "
			}
			layers = append(layers, art+desc)
		}
	}
	if len(layers) == 0 {
		return "allowed" // the root user in its own account
	}
	return "allowed by " + strings.Join(layers, " and ")
}

// attachedARNs turns where a policy is attached, as the engine names it ("user/alice", "group/dev", "role/R"),
// into the entity's ARN, path included.
type attachedARNs struct {
	s       *Service
	r       store.Reader
	account string
	seen    map[string]string
}

func (n *attachedARNs) arn(ctx context.Context, where string) (string, error) {
	if a, ok := n.seen[where]; ok {
		return a, nil
	}
	kind, name, ok := strings.Cut(where, "/")
	if !ok {
		if where == "root" {
			return n.s.rootARN(ctx, n.r, n.account)
		}
		return where, nil
	}
	var k store.Kind
	switch kind {
	case "user":
		k = KindUser
	case "group":
		k = KindGroup
	case "role":
		k = KindRole
	default:
		return where, nil
	}
	p, err := partitionOf(ctx, n.r, n.account)
	if err != nil {
		return "", err
	}
	out := p.IAMPrefix() + n.account + ":" + where // the entity vanished: its ARN without a path
	e, err := n.r.Get(ctx, n.account, k, name)
	switch {
	case err == nil:
		out = e.ARN
	case !notFound(err):
		return "", err
	}
	if n.seen == nil {
		n.seen = map[string]string{}
	}
	n.seen[where] = out
	return out, nil
}

// AuthorizeVerify checks that the caller may verify the signatures of requests it received: iamd:Authorize on "*".
func (s *Service) AuthorizeVerify(ctx context.Context, c *Caller) error {
	return s.view(ctx, func(ctx context.Context, r store.Reader) error {
		return s.Authorize(ctx, r, c, Authorization{Action: ActionAuthorize, Resource: "*"})
	})
}

// registeredDecisionPolicy is the compiled policy registered for the request's resource, nil when none: looked up
// in the resource ARN's account, else the request's resourceOwner, else the principal's account.
func (s *Service) registeredDecisionPolicy(ctx context.Context, r store.Reader, in *DecisionRequest) (*policy.Policy, error) {
	a, err := arn.Parse(in.Resource)
	if err != nil {
		return nil, nil // "*" or not an ARN: no resource to have a policy
	}
	acct := a.Account
	if acct == "" {
		acct = in.ResourceOwner
	}
	if acct == "" {
		acct = accountOfARN(in.Principal)
	}
	if acct == "" {
		return nil, nil
	}
	rp, err := registeredPolicy(ctx, r, acct, in.Resource)
	if err != nil || rp == nil {
		return nil, err
	}
	p, err := s.compile(rp.Document, policy.TypeResource)
	if err != nil {
		return nil, fmt.Errorf("registered resource policy of %s: %w", in.Resource, err)
	}
	return p, nil
}
