package authz

import (
	"fmt"
	"strings"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/policy"
)

// PrincipalType is the kind of caller, as aws:PrincipalType names it.
type PrincipalType uint8

const (
	PrincipalAnonymous     PrincipalType = iota // unauthenticated caller
	PrincipalUser                               // IAM user
	PrincipalRoot                               // account root user
	PrincipalAssumedRole                        // role session (AssumeRole, web identity and SAML sessions)
	PrincipalFederatedUser                      // GetFederationToken session
	PrincipalService                            // AWS service principal, e.g. ec2.amazonaws.com
	PrincipalWebIdentity                        // caller of AssumeRoleWithWebIdentity: an OIDC identity
	PrincipalSAML                               // caller of AssumeRoleWithSAML: a SAML identity
)

var principalTypeNames = [...]string{"Anonymous", "User", "Account", "AssumedRole", "FederatedUser", "Service", "WebIdentity", "SAML"}

// String returns the aws:PrincipalType value.
func (t PrincipalType) String() string {
	if int(t) < len(principalTypeNames) {
		return principalTypeNames[t]
	}
	return fmt.Sprintf("PrincipalType(%d)", t)
}

// Principal is who makes a request.
type Principal struct {
	Type     PrincipalType
	ARN      string // user, root, role session or federated user ARN; empty for services and anonymous callers
	Account  string // the principal's account
	RoleARN  string // PrincipalAssumedRole: the role's ARN, path included
	Service  string // PrincipalService: the service principal name
	Provider string // PrincipalWebIdentity/PrincipalSAML: the identity provider as trust policies name it
}

// PrincipalFromARN builds a Principal from a user, root, assumed-role or federated-user ARN. For a role session the
// role ARN is assumed to have no path; set RoleARN when it has one.
func PrincipalFromARN(s string) (Principal, error) {
	a, err := arn.Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("principal %q: %w", s, err)
	}
	p := Principal{ARN: s, Account: a.Account}
	switch {
	case a.Service == "iam" && a.Resource == "root":
		p.Type = PrincipalRoot
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
		p.Type = PrincipalUser
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		parts := strings.Split(a.Resource, "/")
		if len(parts) != 3 {
			return Principal{}, fmt.Errorf("principal %q: an assumed-role ARN is assumed-role/ROLE/SESSION", s)
		}
		p.Type = PrincipalAssumedRole
		p.RoleARN = "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + parts[1]
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "federated-user/"):
		p.Type = PrincipalFederatedUser
	default:
		return Principal{}, fmt.Errorf("principal %q is not a user, root, assumed-role or federated-user ARN", s)
	}
	return p, nil
}

// IsServiceLinkedRole reports whether the principal is a session of a service-linked role (path /aws-service-role/).
func (p *Principal) IsServiceLinkedRole() bool {
	return p.Type == PrincipalAssumedRole && strings.Contains(p.RoleARN, ":role/aws-service-role/")
}

// isAWSIdentity reports whether the principal is an identity of an AWS account (and so has identity policies,
// organization membership and so on).
func (p *Principal) isAWSIdentity() bool {
	switch p.Type {
	case PrincipalUser, PrincipalRoot, PrincipalAssumedRole, PrincipalFederatedUser:
		return true
	}
	return false
}

// name returns the user name, role name or service, for messages.
func (p *Principal) String() string {
	switch p.Type {
	case PrincipalService:
		return p.Service
	case PrincipalAnonymous:
		return "anonymous"
	case PrincipalWebIdentity, PrincipalSAML:
		return p.Provider
	}
	return p.ARN
}

// accountRoot reports whether entry is the root ARN of the principal's account (arn:PARTITION:iam::ACCOUNT:root),
// in the partition of the principal's ARN, without allocating.
func accountRoot(entry string, p *Principal) bool {
	const mid, suf = ":iam::", ":root"
	part := arnPartition(p.ARN)
	if part == "" {
		part = "aws"
	}
	account := p.Account
	if account == "" || arnPartition(entry) != part {
		return false
	}
	rest := entry[len("arn:")+len(part):]
	return len(rest) == len(mid)+len(account)+len(suf) &&
		strings.HasPrefix(rest, mid) && strings.HasSuffix(rest, suf) && rest[len(mid):len(mid)+len(account)] == account
}

// arnPartition returns the partition field of an ARN ("aws-cn" of "arn:aws-cn:iam::..."), or "".
func arnPartition(s string) string {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return ""
	}
	i := strings.IndexByte(rest, ':')
	if i < 0 {
		return ""
	}
	return rest[:i]
}

// SetPrincipalKeys fills the context keys AWS derives from the principal: aws:PrincipalArn, aws:PrincipalAccount,
// aws:PrincipalType, aws:userid, aws:username (IAM users), aws:PrincipalTag/* and aws:PrincipalServiceName. userid
// is the caller's unique ID as aws:userid carries it ("AIDA..." for a user, "AROA...:session" for a role session,
// the account ID for root); tags are the principal's tags (the user's or role's, or the session tags).
func SetPrincipalKeys(ctx policy.Context, p Principal, userid string, tags map[string]string) {
	switch p.Type {
	case PrincipalAnonymous:
		return
	case PrincipalService:
		ctx.Set("aws:PrincipalServiceName", p.Service)
		return
	case PrincipalWebIdentity, PrincipalSAML:
		ctx.Set("aws:FederatedProvider", p.Provider)
		return
	}
	principalArn := p.ARN
	if p.Type == PrincipalAssumedRole && p.RoleARN != "" {
		principalArn = p.RoleARN
	}
	ctx.Set("aws:PrincipalArn", principalArn)
	if p.Account != "" {
		ctx.Set("aws:PrincipalAccount", p.Account)
	}
	ctx.Set("aws:PrincipalType", p.Type.String())
	if userid == "" && p.Type == PrincipalRoot {
		userid = p.Account
	}
	if userid != "" {
		ctx.Set("aws:userid", userid)
	}
	if p.Type == PrincipalUser {
		if i := strings.LastIndexByte(p.ARN, '/'); i >= 0 {
			ctx.Set("aws:username", p.ARN[i+1:])
		}
	}
	for k, v := range tags {
		ctx.Set("aws:PrincipalTag/"+k, v)
	}
	if p.IsServiceLinkedRole() {
		ctx.Set("aws:PrincipalIsAWSService", "false")
	}
}

// matchKind says how a statement's principal element named the request's principal. Larger is more direct.
type matchKind uint8

const (
	matchNone    matchKind = iota
	matchAccount           // the principal's account (root ARN or account ID): the account delegates to IAM
	matchRole              // the role of a role session
	matchDirect            // the principal itself: user, session or federated-user ARN, service, provider, or "*"
)

// matchPrincipal tells how the Principal element pr names p.
func matchPrincipal(pr *policy.Principals, p *Principal) matchKind {
	if pr.Any {
		return matchDirect
	}
	best := matchNone
	switch p.Type {
	case PrincipalService:
		for _, s := range pr.Service {
			if s == p.Service {
				return matchDirect
			}
		}
		return matchNone
	case PrincipalWebIdentity, PrincipalSAML:
		for _, s := range pr.Federated {
			if s == p.Provider {
				return matchDirect
			}
		}
		return matchNone
	case PrincipalAnonymous:
		return matchNone
	}
	for _, e := range pr.AWS {
		switch {
		case e == p.ARN && p.Type != PrincipalRoot:
			return matchDirect
		case p.Type == PrincipalAssumedRole && e == p.RoleARN:
			best = max(best, matchRole)
		case accountRoot(e, p):
			best = max(best, matchAccount)
		}
	}
	return best
}

// excludedBy reports whether a NotPrincipal element excludes p: every identity AWS evaluates for the caller — the
// account, the role and the session for a role session, the account and the user for a user — must be listed.
func excludedBy(pr *policy.Principals, p *Principal) bool {
	if pr.Any {
		return true
	}
	has := func(list []string, s string) bool {
		for _, e := range list {
			if e == s {
				return true
			}
		}
		return false
	}
	hasAccount := func() bool {
		for _, e := range pr.AWS {
			if accountRoot(e, p) {
				return true
			}
		}
		return false
	}
	switch p.Type {
	case PrincipalService:
		return has(pr.Service, p.Service)
	case PrincipalWebIdentity, PrincipalSAML:
		return has(pr.Federated, p.Provider)
	case PrincipalAnonymous:
		return false
	case PrincipalRoot:
		return hasAccount()
	case PrincipalAssumedRole:
		return hasAccount() && has(pr.AWS, p.RoleARN) && has(pr.AWS, p.ARN)
	default:
		return hasAccount() && has(pr.AWS, p.ARN)
	}
}

// StatementAppliesTo reports whether the Principal or NotPrincipal element of st covers p, as Decide reads it for
// a principal without a permissions boundary: a Principal element names p (itself, its role or its account), a
// NotPrincipal element does not exclude it, and a statement with neither covers every principal. Package reason
// uses it to split principals into the classes that policies tell apart.
func StatementAppliesTo(st *policy.Statement, p *Principal) bool {
	switch {
	case st.Principal == nil:
		return true
	case st.NotPrincipal:
		return !excludedBy(st.Principal, p)
	}
	return matchPrincipal(st.Principal, p) != matchNone
}
