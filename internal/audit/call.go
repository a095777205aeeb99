package audit

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Call is one request as the trail records it. The wire layer fills in its facts, hands it to Trail.Begin once the
// caller is known (before the operation runs) and to Trail.End once the answer is written; the generated
// operation tables tell it the decoded input and the output (Request, Response).
type Call struct {
	RequestID string
	Time      time.Time
	// Service is the signing name of the API called (iam, sts, organizations, cloudtrail, iamd) or "signin";
	// Operation the operation's name in its model, or "unknown".
	Service, Operation string
	// Caller is the authenticated caller; nil when the request carries its own credential (a web identity token,
	// a SAML assertion, a password) or was refused before it was authenticated.
	Caller *iam.Caller
	// Account is the account the call is recorded in when Caller is nil: the role's account of an unsigned STS
	// call, the account a sign-in names. Empty: the trail finds it in the request parameters (roleArn) or, failing
	// that, keeps the event out of the store (it still reaches the sinks).
	Account string
	// Identity, when not nil, is the userIdentity as the wire layer knows it for a call with no Caller (sign-in).
	Identity                    *UserIdentity
	SourceIP, UserAgent, Region string
	TLS                         *TLSDetails
	// Data, for an authorization asked of the decision API, is the request asked about: the call is recorded as
	// a data event of that service, by the principal asked about.
	Data *DataRequest
	// SignIn, for a console sign-in, is its outcome: the call is recorded as an AwsConsoleSignIn event.
	SignIn *SignIn

	mu       sync.Mutex
	eventID  string
	params   func([]byte) []byte
	response func([]byte) []byte
	// adapt and outEnc encode an output the operation tells itself (ExpectOutput), told is that output
	// (ObserveOutput).
	adapt     func(b []byte, enc, out any) []byte
	outEnc    any
	told      any
	committed bool // the event was appended in the transaction of a change that committed
	// txData is the record appended with the change: the complete event replaces it only when it differs.
	txData []byte
	txSeq  int64 // the Seq of the event appended with the change
	// txEvent and txRecord are the event appended with the change, as stored and as built, and txVersion the
	// call's version when it was built: the writer takes them as they are when nothing the event is made of
	// changed since (reusable).
	txEvent   *store.Event
	txRecord  *Event
	txVersion uint64
	// version counts the changes of what the call's event is made of that come through its methods (Request,
	// Response, ObserveDecision, ObserveFederated).
	version uint64
	// allowed is the last authorization decision of the call that allowed (ObserveDecision), when hasAllowed.
	allowed    allowedDecision
	hasAllowed bool
	// authorized are the action and resource of every decision of the call that allowed, in order, each once,
	// kept only once a call has two (a call with one, most, allocates nothing for them).
	authorized []Authorized
	// caller holds what Caller points to when SetCaller set it: one allocation with the call.
	caller iam.Caller
}

// authorized is the decision's action and resource, and whether an identity-based policy allowed it.
func (a *allowedDecision) authorized() Authorized {
	az := Authorized{Action: a.action, Resource: a.resource}
	for _, m := range a.matched {
		az.Identity = az.Identity || m.Layer == authz.LayerIdentity
	}
	return az
}

// allowedDecision is what the trail keeps of a decision that allowed: the compiled statements it matched are
// immutable, so keeping them costs a copy of the slice.
type allowedDecision struct {
	action, resource string
	matched          []authz.Match
}

// SetCaller sets Caller to a copy of caller, kept in the call itself.
func (c *Call) SetCaller(caller *iam.Caller) {
	c.caller = *caller
	c.Caller = &c.caller
}

// ObserveDecision keeps the last decision that allowed, to explain the call (iam.DecisionObserver).
func (c *Call) ObserveDecision(req *authz.Request, d *authz.Decision) {
	if d.Result != authz.Allowed {
		return
	}
	a := allowedDecision{action: req.Action, resource: req.Resource, matched: append([]authz.Match(nil), d.Matched()...)}
	c.mu.Lock()
	if c.hasAllowed {
		if len(c.authorized) == 0 {
			c.authorized = append(c.authorized, c.allowed.authorized())
		}
		if az := a.authorized(); !slices.Contains(c.authorized, az) {
			c.authorized = append(c.authorized, az)
		}
	}
	c.allowed, c.hasAllowed = a, true
	c.version++
	c.mu.Unlock()
}

// DataRequest is the request a decision API caller asked about.
type DataRequest struct {
	Action    string // service:Action as asked
	Resource  string
	Principal string // the principal's ARN, as decided
	// AccessKeyID is the key the principal was named by, if it was.
	AccessKeyID string
	// Region is the Region the request asked about was signed for, when known (a verified request).
	Region      string
	Explanation *Explanation
}

// SignIn is the outcome of a console sign-in.
type SignIn struct {
	UserName string
	Success  bool
	MFAUsed  bool
}

// Request is told the encoder of the call's decoded input (CloudTrail's requestParameters).
func (c *Call) Request(enc func([]byte) []byte) {
	c.mu.Lock()
	c.params = enc
	c.version++
	c.mu.Unlock()
}

// Response is told the encoder of the call's output (CloudTrail's responseElements).
func (c *Call) Response(enc func([]byte) []byte) {
	c.mu.Lock()
	c.response = enc
	c.version++
	c.mu.Unlock()
}

// ExpectOutput is told, before the operation runs, how its output is encoded as responseElements
// (dispatch.OutputTrail): adapt(b, enc, out) appends out.
func (c *Call) ExpectOutput(adapt func(b []byte, enc, out any) []byte, enc any) {
	c.mu.Lock()
	c.adapt, c.outEnc = adapt, enc
	c.mu.Unlock()
}

// ObserveOutput is told the output of the operation from within the transaction of its change
// (iam.OutputObserver): the event appended with the change carries it. Without ExpectOutput it is ignored (the
// output is reported once the operation returned).
func (c *Call) ObserveOutput(out any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.adapt == nil || out == nil {
		return
	}
	adapt, enc := c.adapt, c.outEnc
	c.response = func(b []byte) []byte { return adapt(b, enc, out) }
	c.told = out
	c.version++
}

// ToldOutput reports whether out is the output the operation told itself (ObserveOutput): the same pointer.
func (c *Call) ToldOutput(out any) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.told != nil && c.told == out
}

// reusable returns the event appended with the call's change, as stored and as built, when the complete event
// would be the same record: the change committed, nothing the event is made of changed since it was built, and
// the call ended as the change's event assumed — a success whose answer CloudTrail records (responseElements) is
// none or the one the operation told within its change (ObserveOutput), of an authenticated caller, not a sign-in
// or a decision API call (whose parts the wire layer sets directly). Otherwise nil: the writer builds the event
// again.
func (c *Call) reusable(out *Outcome) (*store.Event, *Event) {
	if out.ErrorCode != "" || out.Canceled || out.Err != nil || c.Data != nil || c.SignIn != nil {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.committed || c.txEvent == nil || c.version != c.txVersion || (c.response != nil && c.told == nil) || c.Caller == nil ||
		c.Identity != nil {
		return nil, nil
	}
	return c.txEvent, c.txRecord
}

// callOf returns the Call ctx carries: the call Begin made the decision observer of the request's context (one
// context value serves both), the request's own audit record, which the trail's store appends with the request's
// change.
func callOf(ctx context.Context) *Call {
	c, _ := iam.DecisionObserverOf(ctx).(*Call)
	return c
}

// Outcome is how a call ended.
type Outcome struct {
	// ErrorCode and ErrorMessage are the AWS error answered; empty for a success.
	ErrorCode, ErrorMessage string
	// Err is the error the call ended with (its chain may hold the authorization failure that explains a denial).
	Err error
	// Canceled is true when the client went away before the answer.
	Canceled bool
}

// ObserveFederated records the web identity or SAML user a call that carries its own credential was
// authenticated as (iam.FederatedObserver): CloudTrail's WebIdentityUser and SAMLUser identities.
func (c *Call) ObserveFederated(p authz.Principal, subject string) {
	u := &UserIdentity{Type: "WebIdentityUser", PrincipalID: p.Provider + ":" + subject, UserName: subject, IdentityProvider: p.Provider,
		AccountID: p.Account}
	if p.Type == authz.PrincipalSAML {
		u.Type = "SAMLUser"
	}
	c.mu.Lock()
	if c.Identity == nil {
		c.Identity = u
		c.version++
	}
	c.mu.Unlock()
}
