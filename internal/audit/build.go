package audit

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// build makes the event of c: the complete one when out is not nil, else the one written with the call's change
// (no outcome yet, and responseElements only when the operation told its output within the change). It returns
// the store's record and the CloudTrail record.
func (t *Trail) build(c *Call, out *Outcome) (*store.Event, *Event, error) {
	c.mu.Lock()
	if c.eventID == "" {
		// Made by the first build (the change's, or the writer's): not on the request path of a call that reads.
		c.eventID = newEventID(c.Time)
	}
	params, response, id := c.params, c.response, c.eventID
	var allowed *allowedDecision
	if c.hasAllowed {
		a := c.allowed
		allowed = &a
	}
	authorized := c.authorized
	c.mu.Unlock()
	// The event, its store record and the parts of the latter come in one allocation.
	bu := &built{ev: Event{
		EventVersion:    EventVersion,
		EventTime:       eventTime(c.Time),
		EventSource:     eventSource(c.Service),
		EventName:       c.Operation,
		AWSRegion:       c.Region,
		SourceIPAddress: c.SourceIP,
		UserAgent:       c.UserAgent,
		RequestID:       c.RequestID,
		EventID:         id,
		EventType:       TypeAPICall,
		ManagementEvent: true,
		EventCategory:   CategoryManagement,
		TLSDetails:      c.TLS,
	}}
	ev := &bu.ev
	if ev.AWSRegion == "" {
		ev.AWSRegion = "us-east-1"
	}
	scratch := bu.scratch[:0]
	if params != nil {
		p := params(scratch)
		ev.RequestParameters = p[:len(p):len(p)] // nothing appended to it may reach what follows in scratch
		if len(p) <= cap(scratch) {
			scratch = bu.scratch[len(p):len(p)]
		}
	}
	account := c.Account
	switch {
	case c.Caller != nil && c.Caller.Principal.Type != authz.PrincipalAnonymous:
		ev.UserIdentity = identityOf(c.Caller)
		account = c.Caller.Account()
	case c.Identity != nil:
		ev.UserIdentity = *c.Identity
		if account == "" {
			// A web identity or SAML user: the account of its provider, the role's.
			account = c.Identity.AccountID
		}
	default:
		ev.UserIdentity = UserIdentity{Type: "Unknown"}
	}
	if account == "" {
		account = accountFromParams(ev.RequestParameters)
	}
	ev.RecipientAccountID = account
	ev.ReadOnly = t.readOnly(c)
	var explanation *Explanation
	if c.Data != nil {
		t.dataEvent(ev, c)
		account = ev.RecipientAccountID
		explanation = c.Data.Explanation
	}
	if out != nil {
		switch {
		case out.Canceled:
			ev.ErrorCode, ev.ErrorMessage = "RequestCanceled", "The client closed the connection before the answer."
		case out.ErrorCode != "" || c.Data == nil:
			// A data event's own denial (the decision asked about) stands unless the decision API call failed.
			ev.ErrorCode, ev.ErrorMessage = out.ErrorCode, out.ErrorMessage
		}
		// CloudTrail writes responseElements for calls that change something, and null for those that only read
		// (the CloudTrail User Guide, "CloudTrail record contents": "If an action doesn't change state ... this
		// element is omitted").
		// STS is the exception: its calls read only, yet their events carry the credentials' identifiers.
		if explanation == nil {
			explanation = explain(out.Err)
		}
	}
	if ev.ErrorCode == "" && response != nil && c.Data == nil && (!ev.ReadOnly || c.Service == "sts") {
		// Written with the change only when the operation told it (ObserveOutput): the change's event assumes the
		// success that End's confirms.
		ev.ResponseElements = response(nil)
	}
	if c.SignIn != nil {
		// After the outcome: a sign-in's failure is written as CloudTrail writes it, not as the error answered.
		signInEvent(ev, c.SignIn)
	}
	if explanation == nil && allowed != nil && ev.ErrorCode == "" {
		var stmts [2]DecidingStatement // one, for most allows: no allocation
		explanation = &Explanation{Decision: "allowed", Action: allowed.action, Resource: allowed.resource,
			Statements: appendStatements(stmts[:0], allowed.matched)}
	}
	if explanation != nil {
		add := explanation.appendJSON(append(scratch, `{"iamdDecision":`...))
		if len(authorized) > 1 && ev.ErrorCode == "" && c.Data == nil {
			add = appendAuthorized(append(add, `,"iamdAuthorized":`...), authorized)
		}
		add = append(add, '}')
		ev.AdditionalEventData = mergeAdditional(ev.AdditionalEventData, add)
	}
	data := ev.AppendJSON(t.newRecordBuffer())
	bu.se = store.Event{Account: account, ID: id, Time: c.Time, Data: data, Attrs: appendAttrs(bu.attrs[:0], ev)}
	return &bu.se, ev, nil
}

// eventTime is t as CloudTrail writes eventTime (TimeFormat, in UTC), without Format's reading of the layout.
func eventTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(TimeFormat)
	}
	hour, minute, sec := t.Clock()
	b := [20]byte{4: '-', 7: '-', 10: 'T', 13: ':', 16: ':', 19: 'Z'}
	digits := func(at, n, width int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + n%10)
			n /= 10
		}
	}
	digits(0, year, 4)
	digits(5, int(month), 2)
	digits(8, day, 2)
	digits(11, hour, 2)
	digits(14, minute, 2)
	digits(17, sec, 2)
	return string(b[:])
}

// built is what build makes of a call, in one allocation: the event, its store record, the record's lookup
// attributes (as many as most events have) and room for requestParameters and additionalEventData (a policy
// document of a few statements, an explanation with a statement or two), which grow out of it when they need to.
type built struct {
	ev      Event
	se      store.Event
	attrs   [12]store.EventAttr
	scratch [696]byte // makes built 1792 bytes on 64-bit platforms, a size class of Go's allocator
}

// eventSource is the eventSource of a call to service: the services iamd serves are spelled out, not concatenated,
// on every call.
func eventSource(service string) string {
	switch service {
	case "iam":
		return "iam.amazonaws.com"
	case "sts":
		return "sts.amazonaws.com"
	case "organizations":
		return "organizations.amazonaws.com"
	case "cloudtrail":
		return "cloudtrail.amazonaws.com"
	case "access-analyzer":
		return "access-analyzer.amazonaws.com"
	}
	return service + ".amazonaws.com"
}

// readOnly is CloudTrail's readOnly of a call.
func (t *Trail) readOnly(c *Call) bool {
	if c.SignIn != nil {
		return false
	}
	if t.opts.ReadOnly != nil {
		return t.opts.ReadOnly(c.Service, c.Operation)
	}
	return ReadOnlyByName(c.Operation)
}

// ReadOnlyByName is CloudTrail's readOnly judged by an operation's name: Get, List, Describe, Lookup, Simulate and
// Decode calls read only.
func ReadOnlyByName(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Simulate", "Decode"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// identityOf is the userIdentity of an authenticated caller (CloudTrail User Guide, "CloudTrail userIdentity
// element").
func identityOf(c *iam.Caller) UserIdentity {
	p := c.Principal
	u := UserIdentity{ARN: p.ARN, AccountID: p.Account, AccessKeyID: c.AccessKeyID, PrincipalID: c.UserID}
	switch p.Type {
	case authz.PrincipalRoot:
		u.Type, u.PrincipalID = "Root", p.Account
	case authz.PrincipalUser:
		u.Type, u.UserName = "IAMUser", c.Name
	case authz.PrincipalAssumedRole:
		u.Type = "AssumedRole"
		roleID, _, _ := strings.Cut(c.UserID, ":")
		u.SessionContext = &SessionContext{SessionIssuer: &SessionIssuer{Type: "Role", PrincipalID: roleID, ARN: p.RoleARN,
			AccountID: p.Account, UserName: c.Name}}
	case authz.PrincipalFederatedUser:
		u.Type = "FederatedUser"
		u.SessionContext = &SessionContext{}
	default:
		u.Type = "Unknown"
	}
	if c.SessionToken {
		if u.SessionContext == nil {
			u.SessionContext = &SessionContext{}
		}
		u.SessionContext.Attributes = SessionAttributes{CreationDate: c.TokenIssueTime.UTC().Format(TimeFormat),
			MFAAuthenticated: boolString(c.MFAPresent)}
		u.SessionContext.SourceIdentity = c.SourceIdentity
	}
	return u
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// usernameOf is LookupEvents' Username of an identity: the IAM user's name, "root", the role session's or the
// federated user's name.
func usernameOf(u *UserIdentity) string {
	switch u.Type {
	case "IAMUser":
		return u.UserName
	case "Root":
		return "root"
	case "AssumedRole", "FederatedUser":
		if i := strings.LastIndexByte(u.ARN, '/'); i >= 0 {
			return u.ARN[i+1:]
		}
	case "WebIdentityUser", "SAMLUser":
		return u.UserName
	}
	return u.UserName
}

// principalOf is the IAM entity whose permissions a call used: the user, the role of a session, the root.
func principalOf(u *UserIdentity) string {
	switch u.Type {
	case "IAMUser", "Root":
		return u.ARN
	case "AssumedRole":
		if u.SessionContext != nil && u.SessionContext.SessionIssuer != nil {
			return u.SessionContext.SessionIssuer.ARN
		}
	}
	return ""
}

// accountFromParams finds the account of an unsigned call in its request parameters (the roleArn of
// AssumeRoleWithWebIdentity and AssumeRoleWithSAML).
func accountFromParams(params json.RawMessage) string {
	if len(params) == 0 {
		return ""
	}
	var p struct {
		RoleArn string `json:"roleArn"`
	}
	if json.Unmarshal(params, &p) != nil || p.RoleArn == "" {
		return ""
	}
	a, err := arn.Parse(p.RoleArn)
	if err != nil || !accountID(a.Account) {
		return ""
	}
	return a.Account
}

// accountID reports whether s is an AWS account ID (twelve digits): an unsigned request names any text it likes.
func accountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// explain is the explanation of a denial carried by err, or nil.
func explain(err error) *Explanation {
	var f *iam.AuthorizationFailure
	if err == nil || !errors.As(err, &f) {
		return nil
	}
	x := &Explanation{Decision: "implicitDeny", Action: f.Action, Resource: f.Resource, Reason: f.Explanation}
	if f.ExplicitDeny {
		x.Decision = "explicitDeny"
	} else {
		x.MissingLayer = f.Missing.String()
	}
	x.Statements = Statements(f.Matched)
	return x
}

// Statements are the deciding statements of matches.
func Statements(ms []authz.Match) []DecidingStatement {
	return appendStatements(make([]DecidingStatement, 0, len(ms)), ms)
}

// appendStatements appends the deciding statements of matches to out.
func appendStatements(out []DecidingStatement, ms []authz.Match) []DecidingStatement {
	for _, m := range ms {
		d := DecidingStatement{Layer: m.Layer.String()}
		if m.Policy != nil {
			d.Policy, d.AttachedTo = m.Policy.Name, m.Policy.AttachedTo
			if m.Policy.ARN != "" {
				d.Policy = m.Policy.ARN
			}
		}
		if m.Statement != nil {
			d.Sid, d.Index, d.Effect = m.Statement.Sid, m.Statement.Index, m.Statement.Effect.String()
		}
		out = append(out, d)
	}
	return out
}

// dataEvent makes ev the data event of an authorization asked of the decision API: the service and action asked
// about, by the principal asked about, with the decision API's caller in additionalEventData.
func (t *Trail) dataEvent(ev *Event, c *Call) {
	d := c.Data
	svc, action, _ := strings.Cut(d.Action, ":")
	ev.EventSource, ev.EventName = strings.ToLower(svc)+".amazonaws.com", action
	ev.EventCategory, ev.ManagementEvent = CategoryData, false
	if d.Region != "" {
		ev.AWSRegion = d.Region
	}
	ev.ReadOnly = t.opts.ReadOnly != nil && t.opts.ReadOnly(strings.ToLower(svc), action) || t.opts.ReadOnly == nil && ReadOnlyByName(action)
	asker := ev.UserIdentity
	ev.UserIdentity = UserIdentity{Type: "Unknown", ARN: d.Principal, AccessKeyID: d.AccessKeyID}
	if p, err := authz.PrincipalFromARN(d.Principal); err == nil {
		ev.UserIdentity.AccountID = p.Account
		ev.RecipientAccountID = p.Account
		switch p.Type {
		case authz.PrincipalRoot:
			ev.UserIdentity.Type, ev.UserIdentity.PrincipalID = "Root", p.Account
		case authz.PrincipalUser:
			ev.UserIdentity.Type = "IAMUser"
			ev.UserIdentity.UserName = d.Principal[strings.LastIndexByte(d.Principal, '/')+1:]
		case authz.PrincipalAssumedRole:
			ev.UserIdentity.Type = "AssumedRole"
			ev.UserIdentity.SessionContext = &SessionContext{SessionIssuer: &SessionIssuer{Type: "Role", ARN: p.RoleARN, AccountID: p.Account,
				UserName: p.RoleARN[strings.LastIndexByte(p.RoleARN, '/')+1:]}}
		case authz.PrincipalFederatedUser:
			ev.UserIdentity.Type = "FederatedUser"
		}
	}
	params, _ := json.Marshal(map[string]string{"resource": d.Resource})
	ev.RequestParameters = params
	if d.Explanation != nil && d.Explanation.Decision != "allowed" {
		ev.ErrorCode, ev.ErrorMessage = "AccessDenied", d.Explanation.Reason
	}
	ev.Resources = []Resource{{ARN: d.Resource}}
	add, _ := json.Marshal(map[string]any{"iamdDecisionAPI": map[string]string{"caller": asker.ARN, "requestID": c.RequestID}})
	ev.AdditionalEventData = mergeAdditional(ev.AdditionalEventData, add)
}

// signInEvent makes ev a ConsoleLogin event (CloudTrail User Guide, "AWS Management Console sign-in events").
func signInEvent(ev *Event, s *SignIn) {
	ev.EventSource, ev.EventName, ev.EventType = "signin.amazonaws.com", "ConsoleLogin", TypeConsoleSignIn
	ev.RequestParameters = nil
	result := "Success"
	switch {
	case !s.Success:
		result = "Failure"
		ev.ErrorCode, ev.ErrorMessage = "", SignInFailed
	case ev.ErrorCode != "":
		// The password was right but no session was answered (a trail failing closed, a client gone): not a
		// success, and not an authentication failure; the error answered stays.
		result = "Failure"
	}
	ev.ResponseElements, _ = json.Marshal(map[string]string{"ConsoleLogin": result})
	ev.AdditionalEventData, _ = json.Marshal(map[string]string{"MFAUsed": yesNo(s.MFAUsed), "MobileVersion": "No"})
}

// SignInFailed is the errorMessage of a refused sign-in, as CloudTrail writes it (and as the CIS benchmark's metric
// filter for console authentication failures matches it).
const SignInFailed = "Failed authentication"

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// mergeAdditional merges two JSON objects (b's members win).
func mergeAdditional(a, b json.RawMessage) json.RawMessage {
	if len(a) == 0 {
		return b
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(a, &m) != nil {
		return b
	}
	var n map[string]json.RawMessage
	if json.Unmarshal(b, &n) != nil {
		return a
	}
	for k, v := range n {
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		return a
	}
	return out
}

// resourceMembers maps the request parameters that name an IAM or Organizations resource to LookupEvents'
// resource type.
var resourceMembers = [...]struct{ member, typ string }{
	{"userName", "AWS::IAM::User"},
	{"groupName", "AWS::IAM::Group"},
	{"roleName", "AWS::IAM::Role"},
	{"policyArn", "AWS::IAM::Policy"},
	{"instanceProfileName", "AWS::IAM::InstanceProfile"},
	{"accessKeyId", "AWS::IAM::AccessKey"},
	{"serialNumber", "AWS::IAM::MFADevice"},
	{"sAMLProviderArn", "AWS::IAM::SAMLProvider"},
	{"openIDConnectProviderArn", "AWS::IAM::OIDCProvider"},
	{"serverCertificateName", "AWS::IAM::ServerCertificate"},
	{"accountId", "AWS::Organizations::Account"},
	{"policyId", "AWS::Organizations::Policy"},
	{"organizationalUnitId", "AWS::Organizations::OrganizationalUnit"},
}

// LookupResource is a resource LookupEvents names for an event.
type LookupResource struct {
	Type, Name string
}

// LookupResources are the resources LookupEvents names for an event: the resources of a data event, and those its
// request parameters name (userName, roleName, policyArn, ...).
func LookupResources(ev *Event) []LookupResource { return appendLookupResources(nil, ev) }

// appendLookupResources appends LookupResources(ev) to out, or returns nil when the request parameters are no valid
// JSON object.
func appendLookupResources(out []LookupResource, ev *Event) []LookupResource {
	for _, r := range ev.Resources {
		out = append(out, LookupResource{Type: r.Type, Name: r.ARN})
	}
	if len(ev.RequestParameters) == 0 || ev.RequestParameters[0] != '{' {
		return out
	}
	// The value of each resource member, the last given (as encoding/json decodes a name given twice); only string
	// values name a resource. Only the values of resource members are unescaped.
	var values [len(resourceMembers)][]byte
	if !stringMembers(ev.RequestParameters, func(name, value []byte, _ bool) {
		if i := resourceMember(name); i >= 0 {
			values[i] = value
		}
	}) {
		return nil
	}
	for i, rm := range resourceMembers {
		if values[i] == nil {
			continue
		}
		if v := unquoted(values[i]); v != "" && v != Hidden {
			out = append(out, LookupResource{Type: rm.typ, Name: v})
		}
	}
	return out
}

// resourceMember is the index in resourceMembers of the member named by the JSON string name (quotes included), or
// -1.
func resourceMember(name []byte) int {
	if p, ok := plain(name); ok {
		for i, rm := range resourceMembers {
			if string(p) == rm.member {
				return i
			}
		}
		return -1
	}
	n := unquoted(name)
	for i, rm := range resourceMembers {
		if n == rm.member {
			return i
		}
	}
	return -1
}

// appendAttrs appends the lookup attributes of an event to attrs (8, and a type and name per resource).
func appendAttrs(attrs []store.EventAttr, ev *Event) []store.EventAttr {
	add := func(name, value string) {
		if value != "" {
			attrs = append(attrs, store.EventAttr{Name: name, Value: value})
		}
	}
	// No EventId: LookupEvents finds an event by its ID through the store's ID index (EventQuery.ID).
	add(AttrEventName, ev.EventName)
	add(AttrReadOnly, boolString(ev.ReadOnly))
	add(AttrUsername, usernameOf(&ev.UserIdentity))
	// What last-accessed data reads (history.go) is kept past the trail's retention: the newest event of each
	// service, access key and principal (AWS tracks service access for 400 days and key use for as long as the key
	// lives; event history keeps 90 days).
	latest := func(name, value string) {
		if value != "" {
			attrs = append(attrs, store.EventAttr{Name: name, Value: value, Latest: true})
		}
	}
	latest(AttrEventSource, ev.EventSource)
	latest(AttrAccessKeyID, ev.UserIdentity.AccessKeyID)
	principal := principalOf(&ev.UserIdentity)
	latest(AttrPrincipal, principal)
	var rs [2]LookupResource // most events name a resource or two: no allocation
	for _, r := range appendLookupResources(rs[:0], ev) {
		add(AttrResourceType, r.Type)
		add(AttrResourceName, r.Name)
	}
	attrs = appendLastAccessAttrs(attrs, ev, principal)
	return attrs
}

// appendLastAccessAttrs adds the attributes IAM's last-accessed data is read by (history.go): the principal's use
// of the event's service and of its action. An event with no principal (an unauthenticated call) has neither: AWS
// reports no unauthenticated requests.
func appendLastAccessAttrs(attrs []store.EventAttr, ev *Event, principal string) []store.EventAttr {
	ns := ev.Namespace()
	if principal == "" || ns == "" || ev.EventName == "" {
		return attrs
	}
	service, action := principalServiceAction(principal, ns, ev.EventName)
	return append(attrs,
		store.EventAttr{Name: AttrPrincipalService, Value: service, Latest: true},
		store.EventAttr{Name: AttrPrincipalAction, Value: action, Latest: true})
}

// principalServiceAction is PrincipalService(principal, namespace) and PrincipalAction(principal, namespace,
// action), the first a prefix of the second: one string for both when namespace and action are ASCII.
func principalServiceAction(principal, namespace, action string) (string, string) {
	if !ascii(namespace) || !ascii(action) {
		return PrincipalService(principal, namespace), PrincipalAction(principal, namespace, action)
	}
	var b strings.Builder
	b.Grow(len(principal) + len(namespace) + len(action) + 2)
	b.WriteString(principal)
	b.WriteByte(' ')
	writeLower(&b, namespace)
	n := b.Len()
	b.WriteByte(':')
	writeLower(&b, action)
	s := b.String()
	return s[:n], s
}

// ascii reports whether s is ASCII, which lower-cases byte by byte.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// writeLower writes the ASCII s lower-cased.
func writeLower(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
}
