package authz

import (
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/iamd-dev/iamd/policy"
)

// Layer is a kind of policy in a decision.
type Layer uint8

const (
	LayerNone     Layer = iota
	LayerRCP            // resource control policies of the resource's account
	LayerSCP            // service control policies of the principal's account
	LayerResource       // the resource-based policy (including role trust and KMS key policies)
	LayerIdentity       // identity-based policies of the principal
	LayerBoundary       // the principal's permissions boundary
	LayerSession        // session policies
)

var layerNames = [...]string{"", "rcp", "scp", "resource", "identity", "boundary", "session"}

// String returns the layer's short name: rcp, scp, resource, identity, boundary, session.
func (l Layer) String() string { return layerNames[l] }

// Describe returns the layer's name as AWS's messages spell it ("identity-based policy", ...).
func (l Layer) Describe() string {
	return [...]string{"", "resource control policy", "service control policy", "resource-based policy",
		"identity-based policy", "permissions boundary", "session policy"}[l]
}

// Result is the outcome of a decision.
type Result uint8

const (
	ImplicitDeny Result = iota // no applicable Allow (the zero value, so an unset decision denies)
	Allowed
	ExplicitDeny
)

// String returns allowed, explicitDeny or implicitDeny.
func (r Result) String() string {
	return [...]string{"implicitDeny", "allowed", "explicitDeny"}[r]
}

// Attached is a policy as it takes part in a decision: the compiled document and where it comes from.
type Attached struct {
	Name       string         // policy name (managed) or inline policy name
	ARN        string         // managed policy ARN; empty for inline policies
	AttachedTo string         // where it is attached, e.g. "user/alice", "group/dev", "role/Admin", "ou-ab12-prod"
	Policy     *policy.Policy // the compiled document
}

// Level is one level of an organization's hierarchy and the SCPs or RCPs attached to it.
type Level struct {
	Name     string // e.g. "root r-ab12", "ou-ab12-prod", "account 111122223333"
	Policies []Attached
}

// PolicySet is every policy that may take part in a decision for one principal and resource.
type PolicySet struct {
	Identity []Attached // the principal's identity-based policies: a user's own and its groups', or the role's
	Resource *Attached  // the resource-based policy, if the resource has one
	// ResourcePolicyRequired: the resource policy itself must allow (KMS key policies, role trust policies); an
	// identity-based Allow is not enough unless the resource policy names the principal's account.
	ResourcePolicyRequired bool
	Boundary               *Attached  // the principal's permissions boundary
	Session                []Attached // session policies of the principal's session

	// SCPs of the principal's account, one entry per level from the root down; nil when the account is not in an
	// organization. SCPs do not apply to the management account or to service-linked roles.
	SCPs                         []Level
	PrincipalAccountIsManagement bool
	// RCPs of the resource's account, likewise; they do not apply to resources of the management account.
	RCPs                        []Level
	ResourceAccountIsManagement bool
	// RCPServices lists the service prefixes whose resources RCPs govern; nil means DefaultRCPServices.
	RCPServices []string
}

// DefaultRCPServices are the services whose resources resource control policies apply to, as the AWS
// Organizations User Guide lists them ("Resource control policies", list of supported AWS services): Amazon S3,
// AWS STS, AWS KMS, Amazon SQS, AWS Secrets Manager, Amazon Cognito identity pools, Amazon ECR, Amazon OpenSearch
// Serverless, Amazon DynamoDB and Amazon CloudWatch Logs. It is data, not logic: override it in PolicySet.
func DefaultRCPServices() []string {
	return []string{"s3", "sts", "kms", "sqs", "secretsmanager", "cognito-identity", "ecr", "aoss", "dynamodb", "logs"}
}

// Request is one authorization request.
type Request struct {
	Principal       Principal
	Action          string // "service:Action"
	Resource        string // the resource ARN, or "*" for actions that take no resource
	ResourceAccount string // the account that owns the resource; empty means the principal's account
	Context         policy.Context
}

// Match is one statement that matched a request.
type Match struct {
	Layer     Layer
	Policy    *Attached // for SCPs and RCPs, AttachedTo names the organization level
	Statement *policy.Statement
}

// Level returns the organization level of an SCP or RCP match, and "" for other layers.
func (m Match) Level() string {
	if m.Layer == LayerSCP || m.Layer == LayerRCP {
		return m.Policy.AttachedTo
	}
	return ""
}

// inlineMatches is how many matched statements a Decision holds without allocating.
const inlineMatches = 4

// Decision is the outcome of one request with its explanation.
type Decision struct {
	Result Result
	// Missing is, for an implicit deny, the first layer in AWS's order of evaluation that lacked an Allow;
	// MissingLevel names the organization level for SCPs and RCPs.
	Missing      Layer
	MissingLevel string

	n      int
	inline [inlineMatches]Match
	extra  []Match
}

// Matched returns the statements that decided: for Allowed every Allow statement that matched the request, for
// ExplicitDeny every Deny statement that matched; nothing for ImplicitDeny.
func (d *Decision) Matched() []Match {
	if d.n <= inlineMatches {
		return d.inline[:d.n]
	}
	return d.extra
}

func (d *Decision) add(m Match) {
	if d.n < inlineMatches {
		d.inline[d.n] = m
		d.n++
		return
	}
	if d.n == inlineMatches {
		d.extra = append(make([]Match, 0, 2*inlineMatches), d.inline[:]...)
	}
	d.extra = append(d.extra, m)
	d.n++
}

// ref is one statement in an index.
type ref struct {
	layer Layer
	exact bool // found through the exact-action list: the action is known to match
	level int
	att   *Attached
	st    *policy.Statement
}

// index finds the statements that can match an action without scanning the others. After seal, a lookup is one
// map access: exact holds, per action named exactly somewhere, every statement that can match that action
// (exactly, by a wildcard of its service, or always); bySvc likewise per service; always the rest.
type index struct {
	exact  map[string][]ref // "service:action", lower-cased
	bySvc  map[string][]ref // service prefix
	always []ref            // NotAction statements and service wildcards ("*", "*:Get*")
}

// seal merges the lists so that each lookup needs one map access.
func (ix *index) seal() {
	for key, refs := range ix.exact {
		svc, _, _ := strings.Cut(key, ":")
		merged := append(append(append([]ref(nil), refs...), ix.bySvc[svc]...), ix.always...)
		ix.exact[key] = merged
	}
	for svc, refs := range ix.bySvc {
		ix.bySvc[svc] = append(append([]ref(nil), refs...), ix.always...)
	}
}

// lookup returns the statements that can match the lower-cased action.
func (ix *index) lookup(action, svc string) []ref {
	if refs, ok := ix.exact[action]; ok {
		return refs
	}
	if refs, ok := ix.bySvc[svc]; ok {
		return refs
	}
	return ix.always
}

func (ix *index) add(r ref) {
	st := r.st
	if st.NotAction {
		ix.always = append(ix.always, r)
		return
	}
	for i := range st.Actions {
		if st.Actions[i].HasServiceWildcard() {
			ix.always = append(ix.always, r)
			return
		}
	}
	wildSvc := map[string]bool{}
	for i := range st.Actions {
		if _, ok := st.Actions[i].Exact(); !ok {
			wildSvc[st.Actions[i].Service] = true
		}
	}
	for svc := range wildSvc {
		if ix.bySvc == nil {
			ix.bySvc = map[string][]ref{}
		}
		ix.bySvc[svc] = append(ix.bySvc[svc], r)
	}
	seen := map[string]bool{}
	for i := range st.Actions {
		key, ok := st.Actions[i].Exact()
		if !ok || wildSvc[st.Actions[i].Service] || seen[key] {
			continue
		}
		seen[key] = true
		if ix.exact == nil {
			ix.exact = map[string][]ref{}
		}
		r.exact = true
		ix.exact[key] = append(ix.exact[key], r)
		r.exact = false
	}
}

// Evaluator decides requests against one compiled PolicySet. It is immutable and safe for concurrent use.
type Evaluator struct {
	set         PolicySet
	rcpServices map[string]bool
	principal   index // identity, boundary and session statements
	resource    index
	scp         []index
	rcp         []index

	// byAction caches, per lower-cased action, the statements of each index whose Action element matches it, so a
	// decision tests only statements that apply to its action. The map is replaced, never changed, when an action
	// is added, so readers need no lock.
	byAction atomic.Pointer[map[string]*actionRefs]
}

// actionRefs are the statements of each index that match one action.
type actionRefs struct {
	svc                 string // the action's service prefix, lower-cased
	principal, resource []ref
	scp, rcp            [][]ref
}

// cachedRefs returns the cached statements for an action as spelled, or nil.
func (e *Evaluator) cachedRefs(action string) *actionRefs {
	if m := e.byAction.Load(); m != nil {
		return (*m)[action]
	}
	return nil
}

// maxCachedActions bounds byAction; past it, decisions filter the index lists each time.
const maxCachedActions = 4096

// filter keeps the refs whose Action element matches the action.
func filterRefs(refs []ref, svc, name string) []ref {
	var out []ref
	for _, r := range refs {
		if r.exact || r.st.MatchAction(svc, name) {
			out = append(out, r)
		}
	}
	return out
}

// refsFor returns the statements that apply to an action (spelled as requested, and lower-cased with its parts),
// from the cache or by filtering the indexes, and caches them under both spellings.
func (e *Evaluator) refsFor(spelled, action, svc, name string) *actionRefs {
	if m := e.byAction.Load(); m != nil {
		if ar, ok := (*m)[action]; ok {
			return e.remember(spelled, ar)
		}
	}
	ar := &actionRefs{
		svc:       strings.Clone(svc),
		principal: filterRefs(e.principal.lookup(action, svc), svc, name),
		resource:  filterRefs(e.resource.lookup(action, svc), svc, name),
		scp:       make([][]ref, len(e.scp)),
		rcp:       make([][]ref, len(e.rcp)),
	}
	for i := range e.scp {
		ar.scp[i] = filterRefs(e.scp[i].lookup(action, svc), svc, name)
	}
	for i := range e.rcp {
		ar.rcp[i] = filterRefs(e.rcp[i].lookup(action, svc), svc, name)
	}
	e.remember(action, ar)
	return e.remember(spelled, ar)
}

// remember caches ar under key (copy-on-write, so readers need no lock) unless the cache is full.
func (e *Evaluator) remember(key string, ar *actionRefs) *actionRefs {
	for {
		old := e.byAction.Load()
		n := 0
		if old != nil {
			n = len(*old)
			if _, ok := (*old)[key]; ok {
				return ar
			}
		}
		if n >= maxCachedActions {
			return ar
		}
		next := make(map[string]*actionRefs, n+1)
		if old != nil {
			for k, v := range *old {
				next[k] = v
			}
		}
		next[strings.Clone(key)] = ar
		if e.byAction.CompareAndSwap(old, &next) {
			return ar
		}
	}
}

// New compiles a PolicySet for Decide. Policies are used as given; parse them with the right policy.Type.
func New(set PolicySet) *Evaluator {
	e := &Evaluator{set: set, rcpServices: map[string]bool{}}
	rs := set.RCPServices
	if rs == nil {
		rs = DefaultRCPServices()
	}
	for _, svc := range rs {
		e.rcpServices[strings.ToLower(svc)] = true
	}
	addAll := func(ix *index, layer Layer, level int, atts []Attached) {
		for i := range atts {
			a := &atts[i]
			if a.Policy == nil {
				continue
			}
			for _, st := range a.Policy.Statements {
				ix.add(ref{layer: layer, level: level, att: a, st: st})
			}
		}
	}
	defer func() {
		e.principal.seal()
		e.resource.seal()
		for i := range e.scp {
			e.scp[i].seal()
		}
		for i := range e.rcp {
			e.rcp[i].seal()
		}
	}()
	addAll(&e.principal, LayerIdentity, 0, e.set.Identity)
	if e.set.Boundary != nil {
		addAll(&e.principal, LayerBoundary, 0, []Attached{*e.set.Boundary})
	}
	addAll(&e.principal, LayerSession, 0, e.set.Session)
	if e.set.Resource != nil {
		addAll(&e.resource, LayerResource, 0, []Attached{*e.set.Resource})
	}
	e.set.SCPs = copyLevels(e.set.SCPs)
	e.scp = make([]index, len(e.set.SCPs))
	for i := range e.set.SCPs {
		addAll(&e.scp[i], LayerSCP, i, e.set.SCPs[i].Policies)
	}
	e.set.RCPs = copyLevels(e.set.RCPs)
	e.rcp = make([]index, len(e.set.RCPs))
	for i := range e.set.RCPs {
		addAll(&e.rcp[i], LayerRCP, i, e.set.RCPs[i].Policies)
	}
	return e
}

// copyLevels copies organization levels so that each attached policy names its level in AttachedTo.
func copyLevels(levels []Level) []Level {
	if levels == nil {
		return nil
	}
	out := make([]Level, len(levels))
	for i, l := range levels {
		out[i] = Level{Name: l.Name, Policies: append([]Attached(nil), l.Policies...)}
		for j := range out[i].Policies {
			if out[i].Policies[j].AttachedTo == "" {
				out[i].Policies[j].AttachedTo = l.Name
			}
		}
	}
	return out
}

// Decide evaluates one request with a PolicySet in one call; use New and Evaluator.Decide to decide many.
func Decide(set PolicySet, req *Request) Decision {
	return New(set).Decide(req)
}

// tally is what one pass over the applicable statements found.
type tally struct {
	deny                        bool
	identity, boundary, session bool
	resource                    matchKind
	levels                      uint64 // bit i: SCP level i allowed
	rcpLevels                   uint64
}

// maxActionLen bounds the action names folded on the stack; longer ones are folded on the heap.
const maxActionLen = 96

// Decide evaluates the request following AWS's policy evaluation logic.
func (e *Evaluator) Decide(req *Request) Decision {
	var d Decision
	// The statements that apply to the action, cached under the action as the request spells it, so the common
	// case needs neither case folding nor the index.
	ar := e.cachedRefs(req.Action)
	if ar == nil {
		var buf [maxActionLen]byte
		action := foldAction(req.Action, &buf)
		svc, name := action, ""
		for i := 0; i < len(action); i++ {
			if action[i] == ':' {
				svc, name = action[:i], action[i+1:]
				break
			}
		}
		ar = e.refsFor(req.Action, action, svc, name)
	}
	svc := ar.svc

	p := &req.Principal
	slr := p.IsServiceLinkedRole()
	scpApplies := e.set.SCPs != nil && !e.set.PrincipalAccountIsManagement && p.isAWSIdentity() && !slr
	// RCPs govern the resources of the services that support them, for every caller (AWS service principals
	// included) except service-linked roles.
	rcpApplies := e.set.RCPs != nil && !e.set.ResourceAccountIsManagement && !slr && e.rcpServices[svc]
	if len(e.set.SCPs) > 64 || len(e.set.RCPs) > 64 {
		// An organization has at most five levels of OUs; more levels than bits is a malformed set: deny.
		d.Missing = LayerSCP
		return d
	}

	var t tally
	var target policy.Target
	target.Reset(req.Resource)
	st := scanState{e: e, req: req, target: &target, d: &d, t: &t}
	// The root user has no identity-based policies of its own, but a privileged root session (AssumeRoot) carries
	// its root-task policy among them, whose Denies apply; its Allows add nothing to the root user's.
	if p.isAWSIdentity() {
		st.scan(ar.principal)
	}
	if e.set.Resource != nil {
		st.scan(ar.resource)
	}
	if scpApplies {
		for i := range ar.scp {
			st.scan(ar.scp[i])
		}
	}
	if rcpApplies {
		for i := range ar.rcp {
			st.scan(ar.rcp[i])
		}
	}

	if t.deny {
		d.Result = ExplicitDeny
		d.keep(policy.Deny)
		return d
	}
	if rcpApplies {
		for i := range e.set.RCPs {
			if t.rcpLevels&(1<<i) == 0 {
				return d.implicit(LayerRCP, e.set.RCPs[i].Name)
			}
		}
	}
	if scpApplies {
		for i := range e.set.SCPs {
			if t.levels&(1<<i) == 0 {
				return d.implicit(LayerSCP, e.set.SCPs[i].Name)
			}
		}
	}

	identityOK := t.identity || p.Type == PrincipalRoot
	boundaryOK := e.set.Boundary == nil || t.boundary || p.Type == PrincipalRoot
	// A role session without session policies has the role's permissions; a federated user's session
	// (GetFederationToken) without a session policy has none.
	sessionOK := t.session || (len(e.set.Session) == 0 && p.Type != PrincipalFederatedUser)
	resAllow := t.resource != matchNone
	cross := p.Account != "" && req.ResourceAccount != "" && p.Account != req.ResourceAccount
	// A resource policy that names the IAM user does not lift the session policies of a session standing for
	// that user (iamd's delegated sessions): "the session policy limits the total permissions granted by the
	// resource-based policy and the identity-based policy" (IAM User Guide, session policies).
	directOK := p.Type != PrincipalUser || len(e.set.Session) == 0 || t.session

	var missing Layer
	switch {
	case !p.isAWSIdentity():
		// Services, anonymous callers and federated identities have no identity policies: the resource policy decides.
		if !resAllow {
			missing = LayerResource
		}
	case cross:
		// Cross-account: the resource policy must allow, and so must the principal's own account.
		switch {
		case !resAllow:
			missing = LayerResource
		default:
			missing = identityPathMissing(identityOK, boundaryOK, sessionOK)
		}
	case e.set.ResourcePolicyRequired:
		// A resource policy that must allow (role trust, KMS key policy) and names the principal itself still
		// needs the principal's permissions boundary to allow ("Update a role trust policy").
		switch t.resource {
		case matchNone:
			missing = LayerResource
		case matchDirect:
			missing = identityPathMissing(true, boundaryOK, directOK)
		case matchRole:
			missing = identityPathMissing(true, boundaryOK, sessionOK)
		default: // the policy delegates to the account: identity-based policies must allow
			missing = identityPathMissing(identityOK, boundaryOK, sessionOK)
		}
	default:
		// Same account: a resource policy that names the user or the session allows by itself; one that names the
		// role is still limited by the boundary and session policies; one that names the account delegates to IAM.
		switch {
		case t.resource == matchDirect && directOK:
		case t.resource == matchDirect:
			missing = LayerSession
		case t.resource == matchRole && boundaryOK && sessionOK:
		default:
			missing = identityPathMissing(identityOK || t.resource == matchRole, boundaryOK, sessionOK)
		}
	}
	if missing != LayerNone {
		return d.implicit(missing, "")
	}
	d.Result = Allowed
	d.keep(policy.Allow)
	return d
}

func identityPathMissing(identityOK, boundaryOK, sessionOK bool) Layer {
	switch {
	case !identityOK:
		return LayerIdentity
	case !boundaryOK:
		return LayerBoundary
	case !sessionOK:
		return LayerSession
	}
	return LayerNone
}

// implicit turns d into an implicit deny for the layer.
func (d *Decision) implicit(l Layer, level string) Decision {
	d.Result, d.Missing, d.MissingLevel = ImplicitDeny, l, level
	d.n, d.extra = 0, nil
	return *d
}

// keep drops the matches whose effect is not eff.
func (d *Decision) keep(eff policy.Effect) {
	if d.n <= inlineMatches {
		n := 0
		for i := 0; i < d.n; i++ {
			if d.inline[i].Statement.Effect == eff {
				d.inline[n] = d.inline[i]
				n++
			}
		}
		d.n = n
		return
	}
	out := d.extra[:0]
	for _, m := range d.extra {
		if m.Statement.Effect == eff {
			out = append(out, m)
		}
	}
	d.n = len(out)
	if len(out) <= inlineMatches {
		copy(d.inline[:], out)
		out = nil
	}
	d.extra = out
}

// scanState carries one request through the indexes.
type scanState struct {
	e      *Evaluator
	req    *Request
	target *policy.Target
	d      *Decision
	t      *tally
}

// scan checks statements whose Action element is known to match.
func (s *scanState) scan(refs []ref) {
	for i := range refs {
		s.check(&refs[i])
	}
}

// check evaluates one statement and records a match.
func (s *scanState) check(r *ref) {
	st := r.st
	ctx := s.req.Context
	if !st.MatchTarget(s.target, ctx) {
		return
	}
	kind := matchDirect
	if st.Principal != nil {
		if st.NotPrincipal {
			// A NotPrincipal Deny always applies to a principal that has a permissions boundary, whatever it
			// lists (Permissions boundaries; NotPrincipal).
			if !(st.Effect == policy.Deny && s.e.set.Boundary != nil) && excludedBy(st.Principal, &s.req.Principal) {
				return
			}
		} else if kind = matchPrincipal(st.Principal, &s.req.Principal); kind == matchNone {
			return
		}
	}
	if !st.MatchConditions(ctx) {
		return
	}
	m := Match{Layer: r.layer, Policy: r.att, Statement: st}
	if st.Effect == policy.Deny {
		s.t.deny = true
		s.d.add(m)
		return
	}
	switch r.layer {
	case LayerIdentity:
		s.t.identity = true
	case LayerBoundary:
		s.t.boundary = true
	case LayerSession:
		s.t.session = true
	case LayerResource:
		s.t.resource = max(s.t.resource, kind)
	case LayerSCP:
		s.t.levels |= 1 << r.level
	case LayerRCP:
		s.t.rcpLevels |= 1 << r.level
	}
	s.d.add(m)
}

// foldAction lower-cases an action into buf and returns it as a string that lives no longer than buf: Decide
// only compares it, never stores it. Actions longer than buf are folded on the heap.
func foldAction(action string, buf *[maxActionLen]byte) string {
	if len(action) > maxActionLen {
		return strings.ToLower(action)
	}
	lower := true
	for i := 0; i < len(action); i++ {
		if c := action[i]; c >= 'A' && c <= 'Z' {
			lower = false
			break
		}
	}
	if lower {
		return action
	}
	n := copy(buf[:], action)
	for i := 0; i < n; i++ {
		if c := buf[i]; c >= 'A' && c <= 'Z' {
			buf[i] = c + ('a' - 'A')
		}
	}
	return unsafe.String(&buf[0], n)
}
