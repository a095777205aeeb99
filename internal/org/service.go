package org

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Policy types.
const (
	TypeSCP = "SERVICE_CONTROL_POLICY"
	TypeRCP = "RESOURCE_CONTROL_POLICY"
	TypeTag = "TAG_POLICY"

	TypeBackup                  = "BACKUP_POLICY"
	TypeAIOptOut                = "AISERVICES_OPT_OUT_POLICY"
	TypeChatbot                 = "CHATBOT_POLICY"
	TypeDeclarativeEC2          = "DECLARATIVE_POLICY_EC2"
	TypeSecurityHub             = "SECURITYHUB_POLICY"
	TypeInspector               = "INSPECTOR_POLICY"
	TypeUpgradeRollout          = "UPGRADE_ROLLOUT_POLICY"
	TypeBedrock                 = "BEDROCK_POLICY"
	TypeS3                      = "S3_POLICY"
	TypeNetworkSecurityDirector = "NETWORK_SECURITY_DIRECTOR_POLICY"
)

// ManagedPolicy is an AWS managed organization policy, present in every organization.
type ManagedPolicy struct {
	ID, Name, Description, Type, Content string
}

// ARN is the policy's ARN in the aws partition: AWS managed policies live in the "aws" namespace.
func (m ManagedPolicy) ARN() string { return m.ARNIn(awsregion.AWS) }

// ARNIn is the policy's ARN in partition p.
func (m ManagedPolicy) ARNIn(p awsregion.Partition) string {
	return p.ARN("organizations", "", "aws", "policy/"+typeSegment(m.Type)+"/"+m.ID)
}

// AWS managed policies, as the Organizations User Guide documents them: FullAWSAccess is attached to the root,
// every OU and every account when SCPs are enabled; RCPFullAWSAccess likewise when RCPs are.
var managedPolicies = []ManagedPolicy{
	{ID: "p-FullAWSAccess", Name: "FullAWSAccess", Description: "Allows access to every operation", Type: TypeSCP,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`},
	{ID: "p-RCPFullAWSAccess", Name: "RCPFullAWSAccess", Description: "Allows access to every operation", Type: TypeRCP,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`},
}

// Managed returns the AWS managed policy with the given ID.
func Managed(id string) (ManagedPolicy, bool) {
	for _, m := range managedPolicies {
		if m.ID == id {
			return m, true
		}
	}
	return ManagedPolicy{}, false
}

// managedFor returns the AWS managed policy attached by default for a policy type.
func managedFor(typ string) (ManagedPolicy, bool) {
	for _, m := range managedPolicies {
		if m.Type == typ {
			return m, true
		}
	}
	return ManagedPolicy{}, false
}

// typeSegment is a policy type as its ARNs write it: service_control_policy.
func typeSegment(typ string) string {
	b := []byte(typ)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Service runs Organizations operations.
type Service struct {
	store store.Store
	iam   IAM
	view  *View
	// MaxAccounts is the quota of accounts in an organization; 0 means AWS's default, DefaultMaxAccounts. New sets
	// it from Options; a test may change it before the service serves.
	MaxAccounts int
	// CloseAccountQuota and ClosureDelay are Options' (closing.go); a test may change them before the service serves.
	CloseAccountQuota int
	ClosureDelay      time.Duration

	catalog *catalog.Catalog
}

// Options are the Organizations service's settings.
type Options struct {
	// MaxAccounts is the quota of accounts in an organization; 0 means AWS's default, DefaultMaxAccounts.
	MaxAccounts int
	// CloseAccountQuota is how many accounts CloseAccount may close in a rolling 30 days; 0 means AWS's rule
	// (closeQuota: the higher of 250 and 20% of the member accounts, at most 1,000).
	CloseAccountQuota int
	// ClosureDelay is how long a closing account stays PENDING_CLOSURE on the service's clock before it is closed
	// (Status SUSPENDED, State CLOSED); 0 means DefaultClosureDelay.
	ClosureDelay time.Duration
	// Catalog is AWS's service authorization data: the Organizations actions a resource policy may delegate and the
	// service principals AWS has. Without it, iamd accepts any organizations action a resource policy names that
	// delegation allows by name, and any *.amazonaws.com service principal.
	Catalog *catalog.Catalog
}

// New returns the Organizations service. It keeps its records in st, the store IAM uses; view is the view of
// organizations the IAM service was built with (NewView), whose answers it shares.
func New(st store.Store, i IAM, view *View, opt Options) *Service {
	return &Service{store: st, iam: i, view: view, MaxAccounts: opt.MaxAccounts, CloseAccountQuota: opt.CloseAccountQuota,
		ClosureDelay: opt.ClosureDelay, catalog: opt.Catalog}
}

func (s *Service) now() time.Time { return s.iam.Time().UTC().Truncate(time.Second) }

// ARNs, as the Organizations API reference writes them, in the organization's partition p.
func orgARN(p awsregion.Partition, mgmt, orgID string) string {
	return p.ARN("organizations", "", mgmt, "organization/"+orgID)
}
func rootARN(p awsregion.Partition, mgmt, orgID, rootID string) string {
	return p.ARN("organizations", "", mgmt, "root/"+orgID+"/"+rootID)
}
func ouARN(p awsregion.Partition, mgmt, orgID, ouID string) string {
	return p.ARN("organizations", "", mgmt, "ou/"+orgID+"/"+ouID)
}
func accountARN(p awsregion.Partition, mgmt, orgID, acct string) string {
	return p.ARN("organizations", "", mgmt, "account/"+orgID+"/"+acct)
}
func policyARN(p awsregion.Partition, mgmt, orgID, typ, id string) string {
	if m, ok := Managed(id); ok {
		return m.ARNIn(p)
	}
	return p.ARN("organizations", "", mgmt, "policy/"+orgID+"/"+typeSegment(typ)+"/"+id)
}
func handshakeARN(p awsregion.Partition, mgmt, orgID, action, id string) string {
	return p.ARN("organizations", "", mgmt, "handshake/"+orgID+"/"+action+"/"+id)
}

const lowerDigits = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns n random characters of alphabet.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("org: crypto/rand failed: " + err.Error())
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// New IDs in the forms of the Organizations API reference.
func newOrgID() string             { return "o-" + randomString(lowerDigits, 10) }
func newRootID() string            { return "r-" + randomString(lowerDigits, 4) }
func newOUID(rootID string) string { return "ou-" + rootID[2:] + "-" + randomString(lowerDigits, 8) }
func newPolicyID() string          { return "p-" + randomString(lowerDigits, 8) }
func newHandshakeID() string       { return "h-" + randomString(lowerDigits, 10) }
func newCreateAccountID() string   { return "car-" + randomString(lowerDigits, 10) }

// Errors shared by the operations.
func errNotInUse() error {
	return &awserr.Error{Code: "AWSOrganizationsNotInUseException", HTTPStatus: 400,
		Message: "Your account is not a member of an organization."}
}

func errAccessDenied() error {
	return &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 400,
		Message: "You don't have permissions to access this resource."}
}

// membership returns the organization an account belongs to, or nil.
func membership(ctx context.Context, r store.Reader, account string) (*Membership, error) {
	b, err := r.Setting(ctx, account, settingMembership)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Membership
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// loadOrg returns the organization whose management account is mgmt.
func loadOrg(ctx context.Context, r store.Reader, mgmt string) (*Organization, error) {
	e, err := r.Get(ctx, mgmt, KindOrganization, orgName)
	if err != nil {
		return nil, err
	}
	return decode[Organization](e)
}

// callerOrg returns the organization of the caller's account, AWSOrganizationsNotInUseException when it has none.
func (s *Service) callerOrg(ctx context.Context, r store.Reader, c *iam.Caller) (*Organization, error) {
	m, err := membership(ctx, r, c.Account())
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotInUse()
	}
	o, err := loadOrg(ctx, r, m.Management)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotInUse()
	}
	return o, err
}

// authorize checks an Organizations action for the caller: the caller's policies must allow it (SCPs do not
// limit the management account); management is true for operations only the management account may call.
// keys are the operation's condition keys (organizations:PolicyType, organizations:ServicePrincipal, ...).
func (s *Service) authorize(ctx context.Context, r store.Reader, c *iam.Caller, o *Organization, action, resource string, management bool, keys ...policy.Context) error {
	var k policy.Context
	if len(keys) > 0 {
		k = keys[0]
	}
	if management && c.Account() != o.Management {
		// A delegated administrator may call the read-only ones (delegated.go), and the organization's resource
		// policy may open others to member accounts (resourcepolicy.go).
		ok, err := s.delegatedReader(ctx, r, o, c.Account(), action)
		if err == nil && !ok {
			ok, err = s.resourcePolicyAllows(ctx, r, o, c, action, resource, k)
		}
		if err != nil {
			return err
		}
		if !ok {
			return errAccessDenied()
		}
	}
	return accessDeniedException(s.iam.Authorize(ctx, r, c, iam.Authorization{Action: action, Resource: resource, ResourceOwner: c.Account(), Context: k}))
}

// conditionKeys builds a context of one key and its value.
func conditionKeys(key, value string) policy.Context {
	k := policy.Context{}
	k.Set(key, value)
	return k
}

// enabled reports whether a policy type is enabled on the organization's root.
func (o *Organization) enabled(typ string) bool {
	for _, t := range o.EnabledTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// View answers the IAM service's questions about organizations (it implements iam.Organizations): the
// organization of an account, its path and the SCPs and RCPs at each level from the root down. It needs only the
// store, so it is built first and handed to both the IAM service (iam.Options.Orgs) and the Organizations
// service, which needs IAM: there is no construction cycle. Answers are kept for one store generation.
type View struct {
	store store.Store

	mu    sync.Mutex
	views map[string]cachedView // by account, valid for one store generation
}

type cachedView struct {
	gen  uint64
	view *iam.OrgView
}

// NewView returns the view of the organizations kept in st.
func NewView(st store.Store) *View { return &View{store: st, views: map[string]cachedView{}} }

var _ iam.Organizations = (*View)(nil)

// AccountOrg implements iam.Organizations: the organization of account, its path and the SCPs and RCPs at each
// level from the root down, cached for one store generation.
func (v *View) AccountOrg(ctx context.Context, r store.Reader, account string) (*iam.OrgView, error) {
	gen := v.store.PolicyGeneration()
	v.mu.Lock()
	cv, ok := v.views[account]
	v.mu.Unlock()
	if ok && cv.gen == gen {
		return cv.view, nil
	}
	ov, err := accountOrg(ctx, r, account)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if len(v.views) > 10000 {
		clear(v.views)
	}
	v.views[account] = cachedView{gen: gen, view: ov}
	v.mu.Unlock()
	return ov, nil
}

// AccountOrg is the view's answer for account (see View.AccountOrg).
func (s *Service) AccountOrg(ctx context.Context, r store.Reader, account string) (*iam.OrgView, error) {
	return s.view.AccountOrg(ctx, r, account)
}

func accountOrg(ctx context.Context, r store.Reader, account string) (*iam.OrgView, error) {
	m, err := membership(ctx, r, account)
	if err != nil || m == nil {
		return nil, err
	}
	o, err := loadOrg(ctx, r, m.Management)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	levels, err := levelsOf(ctx, r, o, account)
	if err != nil {
		return nil, err
	}
	e, err := r.Get(ctx, o.Management, KindOrgAccount, account)
	if err != nil {
		return nil, fmt.Errorf("organization account %s: %w", account, err)
	}
	a, err := decode[Account](e)
	if err != nil {
		return nil, err
	}
	v := &iam.OrgView{OrgID: o.ID, Management: o.Management, AllFeatures: o.FeatureSet == "ALL", Closed: acctClosing(a)}
	for _, sa := range o.ServiceAccess {
		v.TrustedServices = append(v.TrustedServices, sa.ServicePrincipal)
	}
	v.Paths = orgPath(o, levels)
	if o.enabled(TypeSCP) {
		if v.SCPs, err = policyLevels(ctx, r, o, levels, TypeSCP, policy.TypeSCP); err != nil {
			return nil, err
		}
	}
	if o.enabled(TypeRCP) {
		if v.RCPs, err = policyLevels(ctx, r, o, levels, TypeRCP, policy.TypeRCP); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// orgPath is an account's path as aws:PrincipalOrgPaths writes it, "o-.../r-.../ou-.../", from its levels.
func orgPath(o *Organization, levels []level) string {
	path := o.ID + "/"
	for _, l := range levels[:len(levels)-1] { // the account itself is not part of its path
		path += l.id + "/"
	}
	return path
}

// level is one node on the path from the root to an account.
type level struct {
	id, name string // name as explanations print it: "root r-ab12", "ou-ab12-11111111 (prod)", "account 111122223333"
}

// levelsOf returns the path of an account from the root down, the account last.
func levelsOf(ctx context.Context, r store.Reader, o *Organization, account string) ([]level, error) {
	e, err := r.Get(ctx, o.Management, KindOrgAccount, account)
	if err != nil {
		return nil, fmt.Errorf("organization account %s: %w", account, err)
	}
	out := []level{{id: account, name: "account " + account}}
	parent := e.Parent
	for depth := 0; parent != o.RootID; depth++ {
		if depth > 10 {
			return nil, fmt.Errorf("organization %s: OU nesting deeper than AWS allows above account %s", o.ID, account)
		}
		ou, err := r.Get(ctx, o.Management, KindOU, parent)
		if err != nil {
			return nil, fmt.Errorf("organizational unit %s: %w", parent, err)
		}
		rec, err := decode[OU](ou)
		if err != nil {
			return nil, err
		}
		out = append(out, level{id: ou.Name, name: "OU " + ou.Name + " (" + rec.Name + ")"})
		parent = ou.Parent
	}
	out = append(out, level{id: o.RootID, name: "root " + o.RootID})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// policyLevels compiles the policies of one type attached at each level.
func policyLevels(ctx context.Context, r store.Reader, o *Organization, levels []level, typ string, ptyp policy.Type) ([]authz.Level, error) {
	out := make([]authz.Level, 0, len(levels))
	for _, l := range levels {
		links, err := r.Links(ctx, store.LinkQuery{Account: o.Management, Kind: LinkAttached, From: l.id})
		if err != nil {
			return nil, err
		}
		lv := authz.Level{Name: l.name}
		for _, ln := range links {
			name, ptype, content, err := policyContent(ctx, r, o, ln.To)
			if err != nil {
				return nil, err
			}
			if ptype != typ {
				continue
			}
			p, err := policy.Parse([]byte(content), ptyp)
			if err != nil {
				return nil, fmt.Errorf("stored %s %s: %w", typ, ln.To, err)
			}
			lv.Policies = append(lv.Policies, authz.Attached{Name: name, ARN: policyARN(o.Partition, o.Management, o.ID, typ, ln.To), AttachedTo: l.name, Policy: p})
		}
		out = append(out, lv)
	}
	return out, nil
}

// policyContent returns the name, type and document of an AWS managed or customer managed policy.
func policyContent(ctx context.Context, r store.Reader, o *Organization, id string) (name, typ, content string, err error) {
	if m, ok := Managed(id); ok {
		return m.Name, m.Type, m.Content, nil
	}
	e, err := r.Get(ctx, o.Management, KindPolicy, id)
	if err != nil {
		return "", "", "", fmt.Errorf("organization policy %s: %w", id, err)
	}
	p, err := decode[Policy](e)
	if err != nil {
		return "", "", "", err
	}
	return p.Name, p.Type, p.Content, nil
}
