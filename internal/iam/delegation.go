package iam

// IAM temporary delegation (AWS, November 2025): a partner account files a delegation request for permissions in a
// customer's account, the customer associates it, reviews it (possibly forwarding it to an administrator), accepts
// or rejects it, and releases an exchange token that the partner trades for temporary credentials with STS
// GetDelegatedAccessToken.
//
// What iamd follows (IAM API reference and User Guide, "Building your integration", request lifecycle):
//   - states UNASSIGNED → ASSIGNED (AssociateDelegationRequest) → PENDING_APPROVAL (UpdateDelegationRequest) →
//     ACCEPTED (AcceptDelegationRequest) → FINALIZED (SendDelegationToken); ASSIGNED, PENDING_APPROVAL and ACCEPTED
//     may go to REJECTED. A request expires, on the service clock, 1 day after creation while unassigned and 7 days
//     after it entered any later state; an expired request reads as EXPIRED and allows nothing more.
//   - visibility: a request without owner account can be read by any account; once targeted to an account, only
//     identities of that account see it (to the others it does not exist). The owner (the identity that associated
//     it) has a default permission to get, summarize and update it (no Allow needed; an explicit deny, a boundary,
//     session policies or SCPs still refuse); every other call needs the IAM permission on
//     arn:PARTITION:iam::OWNER-ACCOUNT:delegation-request/ID (condition key iam:DelegationRequestOwner).
//   - the delegated credentials stand for the identity that accepted the request, as recorded at acceptance, with
//     the request's permission policy as their session policy: they never allow more than both. They work from the
//     exchange until SessionDuration after SendDelegationToken. The maximum duration is 12 hours (the model's
//     range); a root user may approve 4 hours at most (User Guide, "IAM temporary delegation"). Unlike
//     GetSessionToken credentials, a delegated user or root session may call IAM without MFA: partners use them
//     to set up the account (User Guide, "How it works").
//
// Where AWS does not say, iamd fails closed and chose:
//   - Permissions.PolicyTemplateArn names a managed policy of the requesting (partner) account, or an AWS managed
//     policy: AWS's partner templates are registered at onboarding, iamd's are policies the partner owns. A
//     parameter NAME replaces the placeholder {{NAME}} in the template's strings; a string with a many-valued
//     parameter becomes the list of its fillings, one per value (at most one many-valued parameter per string). A
//     placeholder without parameter, or a parameter without placeholder, is InvalidInput.
//   - the NotificationChannel must be an SNS topic ARN. iamd has no SNS: SendDelegationToken keeps the token sealed
//     in the request, and DelegationToken gives it to the operator (the part of iamd standing for the channel).
//   - the trade-in token is exchanged once, by an identity of the requesting account; any other use is
//     ExpiredTradeInTokenException, which tells nothing about the request.
//   - RequestorName is the requesting account's alias when it has one, else its ID. An expired request stays
//     readable for 7 days, then the requestor's next CreateDelegationRequest deletes it (and frees its workflow ID).
//   - an identity whose own session carries session policies (or a federated user, or a privileged root session)
//     cannot accept a request: its delegated session could not keep both limits.

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// Store kinds of delegation requests. A request is kept in the requesting (partner) account, named by its
// workflow ID (unique per requestor, as AWS checks it) with the request ID as its store-wide ID; once associated,
// an index entry in the owner's account (named by the request ID, Parent the owner's ARN) lists it there.
const (
	KindDelegationRequest store.Kind = "delegation-request"
	KindDelegationOwned   store.Kind = "delegation-owned"
)

// Lifetimes of a delegation request (User Guide, request lifecycle, expiration path) and of delegated access.
const (
	delegationUnassignedTTL  = 24 * time.Hour
	delegationStateTTL       = 7 * 24 * time.Hour
	delegationRootMaxSession = 4 * time.Hour
)

// delegationRecord is the stored delegation request.
type delegationRecord struct {
	ID               string              `json:"id"`
	RequestorAccount string              `json:"requestor"`
	RequestorARN     string              `json:"requestorArn"`
	RequestorName    string              `json:"requestorName,omitempty"` // the requestor account's alias, if any
	OwnerAccount     string              `json:"ownerAccount,omitempty"`
	OwnerID          string              `json:"ownerId,omitempty"`
	Description      string              `json:"description"`
	RequestMessage   string              `json:"message,omitempty"`
	TemplateARN      string              `json:"template"`
	Parameters       []delegationParam   `json:"params,omitempty"`
	Policy           string              `json:"policy"`
	WorkflowID       string              `json:"workflow"`
	RedirectURL      string              `json:"redirect,omitempty"`
	Channel          string              `json:"channel"`
	SessionDuration  int32               `json:"duration"`
	OnlySendByOwner  bool                `json:"onlyOwnerSends,omitempty"`
	State            iamtypes.StateType  `json:"state"`
	Created          time.Time           `json:"created"`
	Updated          time.Time           `json:"updated"`
	Expires          time.Time           `json:"expires"`
	Notes            string              `json:"notes,omitempty"`
	RejectionReason  string              `json:"rejection,omitempty"`
	ApproverID       string              `json:"approverId,omitempty"`
	Approver         *delegationApprover `json:"approver,omitempty"`
	Finalized        time.Time           `json:"finalized,omitzero"`
	SealedToken      []byte              `json:"token,omitempty"` // the trade-in token's secret, sealed to the ID
	TokenUsed        bool                `json:"tokenUsed,omitempty"`
}

type delegationParam struct {
	Name   string   `json:"name"`
	Type   string   `json:"type,omitempty"`
	Values []string `json:"values"`
}

// delegationApprover is the identity that accepted a request, as it was then: the delegated session stands for it.
type delegationApprover struct {
	ARN     string       `json:"arn"`
	Root    bool         `json:"root,omitempty"`
	User    string       `json:"user,omitempty"`
	UserID  string       `json:"userId,omitempty"`
	Role    *roleSession `json:"role,omitempty"`
	MFA     bool         `json:"mfa,omitempty"`
	MFATime *time.Time   `json:"mfaTime,omitempty"`
}

// arnIn is the request's ARN in account, in the requestor's partition (an owner is always of the same partition:
// ARNs of another partition name nothing here).
func (d *delegationRecord) arnIn(account string) string {
	return awsregion.OfARN(d.RequestorARN).ARN("iam", "", account, "delegation-request/"+d.ID)
}

// state returns the request's state at t: EXPIRED once its current state timed out.
func (d *delegationRecord) state(t time.Time) iamtypes.StateType {
	if d.State != iamtypes.StateTypeEXPIRED && !t.Before(d.Expires) {
		return iamtypes.StateTypeEXPIRED
	}
	return d.State
}

// moveTo puts the request in a new state at t, which restarts its expiry.
func (d *delegationRecord) moveTo(st iamtypes.StateType, t time.Time) {
	d.State, d.Updated, d.Expires = st, t, t.Add(delegationStateTTL)
}

// newDelegationID returns a request ID in AWS's example form (8-4-4-4-12 hex digits).
func newDelegationID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// errDelegationNotFound is the answer for a request that does not exist or that the caller may not see.
func errDelegationNotFound(id string) error {
	return awserr.NoSuchEntity("The delegation request with id %s cannot be found.", id)
}

// errDelegationState refuses an operation in the request's current state.
func errDelegationState(id string, st iamtypes.StateType, op string) error {
	return awserr.InvalidInput("Cannot %s delegation request %s in state %s.", op, id, st)
}

// loadDelegation reads a request by ID for the caller: NoSuchEntity when it does not exist or is targeted to
// another account.
func loadDelegation(ctx context.Context, r store.Reader, c *Caller, id string) (*store.Entity, *delegationRecord, error) {
	e, err := r.GetByID(ctx, id)
	if notFound(err) || (err == nil && e.Kind != KindDelegationRequest) {
		return nil, nil, errDelegationNotFound(id)
	}
	if err != nil {
		return nil, nil, err
	}
	d, err := decode[delegationRecord](e)
	if err != nil {
		return nil, nil, err
	}
	if d.OwnerAccount != "" && d.OwnerAccount != c.Account() {
		return nil, nil, errDelegationNotFound(id)
	}
	return e, d, nil
}

// authorizeDelegation decides an operation on a request the caller can see. For the operations AWS grants the
// owner by default (ownerMay), the owner needs no identity-based policy that allows them, but an explicit deny, a
// permissions boundary, session policies or SCPs still refuse.
func (s *Service) authorizeDelegation(ctx context.Context, r store.Reader, c *Caller, d *delegationRecord, action string, ownerMay bool) error {
	acct := d.OwnerAccount
	if acct == "" {
		acct = c.Account()
	}
	a := Authorization{Action: action, Resource: d.arnIn(acct), ResourceOwner: acct, Context: policy.Context{}}
	if d.OwnerID != "" {
		a.Context.Set("iam:DelegationRequestOwner", d.OwnerID)
	}
	if ownerMay && d.OwnerID != "" && d.OwnerID == c.Principal.ARN {
		return s.authorizeAsIfAllowed(ctx, r, c, a)
	}
	return s.Authorize(ctx, r, c, a)
}

// CreateDelegationRequest files a delegation request from the caller's (the partner's) account.
func (s *Service) CreateDelegationRequest(ctx context.Context, c *Caller, in *iamtypes.CreateDelegationRequestRequest) (*iamtypes.CreateDelegationRequestResponse, error) {
	if in.Permissions == nil || str(in.Permissions.PolicyTemplateArn, "") == "" {
		return nil, awserr.InvalidInput("Permissions must name a PolicyTemplateArn.")
	}
	if !strings.HasPrefix(in.NotificationChannel, c.Partition().ARNPrefix()+"sns:") || strings.Count(in.NotificationChannel, ":") != 5 {
		return nil, awserr.InvalidInput("NotificationChannel must be the ARN of an Amazon SNS topic.")
	}
	if in.OwnerAccountId != nil && *in.OwnerAccountId == c.Account() {
		return nil, awserr.InvalidInput("A delegation request cannot target the requesting account.")
	}
	now := s.Now().UTC().Truncate(time.Second)
	d := &delegationRecord{ID: newDelegationID(), RequestorAccount: c.Account(), RequestorARN: c.Principal.ARN,
		OwnerAccount: str(in.OwnerAccountId, ""), Description: in.Description, RequestMessage: str(in.RequestMessage, ""),
		TemplateARN: *in.Permissions.PolicyTemplateArn, WorkflowID: in.RequestorWorkflowId, RedirectURL: str(in.RedirectUrl, ""),
		Channel: in.NotificationChannel, SessionDuration: in.SessionDuration, OnlySendByOwner: in.OnlySendByOwner != nil && *in.OnlySendByOwner,
		State: iamtypes.StateTypeUNASSIGNED, Created: now, Updated: now, Expires: now.Add(delegationUnassignedTTL)}
	for _, p := range in.Permissions.Parameters {
		dp := delegationParam{Name: str(p.Name, ""), Values: p.Values}
		if p.Type != nil {
			dp.Type = string(*p.Type)
		}
		d.Parameters = append(d.Parameters, dp)
	}
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		a := Authorization{Action: "iam:CreateDelegationRequest", Resource: d.arnIn(c.Account()), Context: policy.Context{}}
		a.Context.Set("iam:DelegationDuration", strconv.Itoa(int(in.SessionDuration)))
		a.Context.Set("iam:NotificationChannel", in.NotificationChannel)
		a.Context.Set("iam:TemplateArn", d.TemplateARN)
		if err := s.Authorize(ctx, tx, c, a); err != nil {
			return err
		}
		if err := s.sweepDelegations(ctx, tx, d.RequestorAccount, now); err != nil {
			return err
		}
		aliases, err := tx.List(ctx, store.ListQuery{Account: d.RequestorAccount, Kind: KindAccountAlias, Limit: 1})
		if err != nil {
			return err
		}
		if len(aliases.Entities) > 0 {
			d.RequestorName = aliases.Entities[0].Name
		}
		tmpl, _, err := s.delegationTemplate(ctx, tx, c.Account(), d.TemplateARN)
		if err != nil {
			return err
		}
		if d.Policy, err = delegationRender(tmpl, d.Parameters); err != nil {
			return err
		}
		if err := checkPolicyDocument(d.Policy, policy.TypeSession, false, MaxManagedPolicySize, "PolicySize"); err != nil {
			return err
		}
		err = tx.Insert(ctx, &store.Entity{Account: d.RequestorAccount, Kind: KindDelegationRequest, Name: d.WorkflowID, Path: "/",
			ID: d.ID, ARN: d.arnIn(d.RequestorAccount), Created: now, Data: encode(d)})
		if conflict(err) {
			return awserr.EntityAlreadyExists("A delegation request with workflow id %s already exists.", d.WorkflowID)
		}
		return err
	}, func() *iamtypes.CreateDelegationRequestResponse {
		return &iamtypes.CreateDelegationRequestResponse{DelegationRequestId: ptr(d.ID)}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// delegationRetention is how long an expired request stays readable (as EXPIRED) before a later
// CreateDelegationRequest of its requestor deletes it, which frees its workflow ID.
const delegationRetention = 7 * 24 * time.Hour

// delegationSweepBatch bounds how many of the requestor's requests one creation looks at for deletion.
const delegationSweepBatch = 100

// sweepDelegations deletes up to a batch of the requestor's requests that expired more than delegationRetention
// ago, with their owner's index entry.
func (s *Service) sweepDelegations(ctx context.Context, tx store.Tx, account string, now time.Time) error {
	page, err := tx.List(ctx, store.ListQuery{Account: account, Kind: KindDelegationRequest, Limit: delegationSweepBatch})
	if err != nil {
		return err
	}
	for _, e := range page.Entities {
		d, err := decode[delegationRecord](e)
		if err != nil {
			return err
		}
		if d.state(now) != iamtypes.StateTypeEXPIRED || now.Sub(d.Expires) <= delegationRetention {
			continue
		}
		if err := tx.Delete(ctx, account, KindDelegationRequest, e.Name); err != nil && !notFound(err) {
			return err
		}
		if d.OwnerID != "" {
			if err := tx.Delete(ctx, d.OwnerAccount, KindDelegationOwned, d.ID); err != nil && !notFound(err) {
				return err
			}
		}
	}
	return nil
}

// delegationTemplate returns a template's document: a managed policy of the requesting account or of AWS.
func (s *Service) delegationTemplate(ctx context.Context, r store.Reader, account, arn string) (string, string, error) {
	if p := awsregion.OfARN(arn); !strings.HasPrefix(arn, p.ManagedPolicyPrefix()) && !strings.HasPrefix(arn, p.IAMPrefix()+account+":policy/") {
		return "", "", awserr.InvalidInput("PolicyTemplateArn %s is not a policy template of the requesting account.", arn)
	}
	doc, name, err := s.managedPolicyDocument(ctx, r, arn)
	if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
		return "", "", awserr.InvalidInput("PolicyTemplateArn %s does not exist.", arn)
	}
	return doc, name, err
}

// delegationRender fills a template's {{NAME}} placeholders with the parameters (see the file comment).
func delegationRender(tmpl string, params []delegationParam) (string, error) {
	var doc any
	if err := json.Unmarshal([]byte(tmpl), &doc); err != nil {
		return "", fmt.Errorf("stored policy template: %w", err)
	}
	byName := map[string]*delegationParam{}
	for i := range params {
		p := &params[i]
		if p.Name == "" || len(p.Values) == 0 {
			return "", awserr.InvalidInput("Policy parameter %q must have a name and at least one value.", p.Name)
		}
		if _, dup := byName[p.Name]; dup {
			return "", awserr.InvalidInput("Policy parameter %s is given more than once.", p.Name)
		}
		byName[p.Name] = p
	}
	used := map[string]bool{}
	var fill func(v any) (any, error)
	fill = func(v any) (any, error) {
		switch x := v.(type) {
		case string:
			return delegationFillString(x, byName, used)
		case []any:
			out := make([]any, 0, len(x))
			for _, e := range x {
				f, err := fill(e)
				if err != nil {
					return nil, err
				}
				if list, ok := f.([]any); ok {
					out = append(out, list...) // a many-valued parameter in a list joins it
					continue
				}
				out = append(out, f)
			}
			return out, nil
		case map[string]any:
			for k, e := range x {
				f, err := fill(e)
				if err != nil {
					return nil, err
				}
				x[k] = f
			}
			return x, nil
		}
		return v, nil
	}
	doc, err := fill(doc)
	if err != nil {
		return "", err
	}
	for _, p := range params {
		if !used[p.Name] {
			return "", awserr.InvalidInput("Policy parameter %s is not used by the policy template.", p.Name)
		}
	}
	b, err := json.Marshal(doc) // encoding/json sorts object keys: the rendered policy is deterministic
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// delegationFillString fills the placeholders of one JSON string of a template. A string with a many-valued
// parameter becomes the list of the string filled with each value (one many-valued parameter per string).
func delegationFillString(s string, byName map[string]*delegationParam, used map[string]bool) (any, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	var parts []string // literal, name, literal, name, ..., literal
	var many *delegationParam
	rest := s
	for {
		i := strings.Index(rest, "{{")
		j := -1
		if i >= 0 {
			j = strings.Index(rest[i:], "}}")
		}
		if i < 0 || j < 0 {
			parts = append(parts, rest)
			break
		}
		name := rest[i+2 : i+j]
		p, ok := byName[name]
		if !ok {
			return nil, awserr.InvalidInput("Policy template parameter %s has no value.", name)
		}
		used[name] = true
		if len(p.Values) > 1 {
			if many != nil && many != p {
				return nil, awserr.InvalidInput("Policy parameters %s and %s both have several values and are used in one string.", many.Name, name)
			}
			many = p
		}
		parts = append(parts, rest[:i], name)
		rest = rest[i+j+2:]
	}
	fill := func(value string) string {
		var b strings.Builder
		for k, part := range parts {
			switch {
			case k%2 == 0:
				b.WriteString(part)
			case many != nil && part == many.Name:
				b.WriteString(value)
			default:
				b.WriteString(byName[part].Values[0])
			}
		}
		return b.String()
	}
	if many == nil {
		return fill(""), nil
	}
	out := make([]any, len(many.Values))
	for i, v := range many.Values {
		out[i] = fill(v)
	}
	return out, nil
}

// delegationShape is the request as the API answers it, at time t.
func delegationShape(d *delegationRecord, t time.Time) iamtypes.DelegationRequest {
	out := iamtypes.DelegationRequest{DelegationRequestId: ptr(d.ID), Description: ptr(d.Description),
		PermissionPolicy: ptr(d.Policy), State: ptr(d.state(t)), ExpirationTime: ptr(d.Expires), RequestorId: ptr(d.RequestorAccount),
		RequestorName: ptr(cmp.Or(d.RequestorName, d.RequestorAccount)), CreateDate: ptr(d.Created), SessionDuration: ptr(d.SessionDuration),
		OnlySendByOwner: ptr(d.OnlySendByOwner), UpdatedTime: ptr(d.Updated),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: ptr(d.TemplateARN)}}
	for _, p := range d.Parameters {
		pp := iamtypes.PolicyParameter{Name: ptr(p.Name), Values: p.Values}
		if p.Type != "" {
			pp.Type = ptr(iamtypes.PolicyParameterTypeEnum(p.Type))
		}
		out.Permissions.Parameters = append(out.Permissions.Parameters, pp)
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return ptr(s)
	}
	out.OwnerAccountId, out.OwnerId, out.ApproverId = opt(d.OwnerAccount), opt(d.OwnerID), opt(d.ApproverID)
	out.RequestMessage, out.RedirectUrl, out.Notes, out.RejectionReason = opt(d.RequestMessage), opt(d.RedirectURL), opt(d.Notes), opt(d.RejectionReason)
	return out
}

// GetDelegationRequest returns a request the caller can see; with DelegationPermissionCheck it also tells whether
// the caller's own permissions cover the request's (see delegationPermissionCheck).
func (s *Service) GetDelegationRequest(ctx context.Context, c *Caller, in *iamtypes.GetDelegationRequestRequest) (*iamtypes.GetDelegationRequestResponse, error) {
	var out iamtypes.GetDelegationRequestResponse
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		_, d, err := loadDelegation(ctx, r, c, in.DelegationRequestId)
		if err != nil {
			return err
		}
		if err := s.authorizeDelegation(ctx, r, c, d, "iam:GetDelegationRequest", true); err != nil {
			return err
		}
		shape := delegationShape(d, s.Now())
		out.DelegationRequest = &shape
		if in.DelegationPermissionCheck != nil && *in.DelegationPermissionCheck {
			res, err := s.delegationPermissionCheck(ctx, r, c, d)
			if err != nil {
				return err
			}
			out.PermissionCheckStatus = ptr(iamtypes.PermissionCheckStatusTypeCOMPLETE)
			out.PermissionCheckResult = ptr(res)
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &out, nil
}

// delegationPermissionCheck decides, for every action and resource an Allow statement of the request's policy
// names, whether the caller may do it: DENIED when one is refused, UNSURE when a statement has conditions or
// wildcards (or NotAction/NotResource) that no single decision covers, else ALLOWED. It runs at once: the status
// is always COMPLETE.
func (s *Service) delegationPermissionCheck(ctx context.Context, r store.Reader, c *Caller, d *delegationRecord) (iamtypes.PermissionCheckResultType, error) {
	p, err := s.compile(d.Policy, policy.TypeSession)
	if err != nil {
		return "", fmt.Errorf("stored delegation policy: %w", err)
	}
	unsure := false
	for _, st := range p.Statements {
		if st.Effect != policy.Allow {
			continue
		}
		if st.NotAction || st.NotResource || len(st.Conditions) > 0 {
			unsure = true
			continue
		}
		for i := range st.Actions {
			key, exact := st.Actions[i].Exact()
			if !exact {
				unsure = true
				continue
			}
			action := st.Actions[i].Raw
			for _, res := range st.Resources {
				if strings.ContainsAny(res.Raw, "*?$") {
					unsure = true
					continue
				}
				err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: res.Raw, ResourceOwner: accountOfARN(res.Raw)})
				if _, ok := awserr.As(err); ok {
					return iamtypes.PermissionCheckResultTypeDENIED, nil
				}
				if err != nil {
					return "", fmt.Errorf("permission check of %s: %w", key, err)
				}
			}
		}
	}
	if unsure {
		return iamtypes.PermissionCheckResultTypeUNSURE, nil
	}
	return iamtypes.PermissionCheckResultTypeALLOWED, nil
}

// ListDelegationRequests lists the requests owned in the caller's account (an unowned request is never listed),
// optionally only those of one owner, in request ID order.
func (s *Service) ListDelegationRequests(ctx context.Context, c *Caller, in *iamtypes.ListDelegationRequestsRequest) (*iamtypes.ListDelegationRequestsResponse, error) {
	pa, err := pageArgsOf(in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &iamtypes.ListDelegationRequestsResponse{DelegationRequests: []iamtypes.DelegationRequest{}}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		a := Authorization{Action: "iam:ListDelegationRequests", Resource: "*", Context: policy.Context{}}
		if in.OwnerId != nil {
			a.Context.Set("iam:DelegationRequestOwner", *in.OwnerId)
		}
		if err := s.Authorize(ctx, r, c, a); err != nil {
			return err
		}
		page, err := r.List(ctx, store.ListQuery{Account: c.Account(), Kind: KindDelegationOwned, Parent: str(in.OwnerId, ""),
			After: pa.after, Limit: pa.limit})
		if err != nil {
			return err
		}
		now := s.Now()
		for _, ie := range page.Entities {
			_, d, err := loadDelegation(ctx, r, c, ie.Name)
			if err != nil {
				return err
			}
			out.DelegationRequests = append(out.DelegationRequests, delegationShape(d, now))
		}
		out.IsTruncated, out.Marker = nextMarker(page.Next)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// changeDelegation runs one state change of a request in a write transaction: load (as the caller sees it),
// authorize, check the state is one of from, apply, store.
func (s *Service) changeDelegation(ctx context.Context, c *Caller, id, action, op string, ownerMay bool, from []iamtypes.StateType,
	apply func(ctx context.Context, tx store.Tx, d *delegationRecord, now time.Time) error) error {
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		e, d, err := loadDelegation(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if err := s.authorizeDelegation(ctx, tx, c, d, action, ownerMay); err != nil {
			return err
		}
		now := s.Now().UTC().Truncate(time.Second)
		if st := d.state(now); !slices.Contains(from, st) {
			return errDelegationState(id, st, op)
		}
		if err := apply(ctx, tx, d, now); err != nil {
			return err
		}
		e.Data = encode(d)
		return tx.Update(ctx, e)
	})
	return internal(err)
}

// AssociateDelegationRequest makes the caller the owner of an unassigned request (and its account the owner
// account when the partner named none).
func (s *Service) AssociateDelegationRequest(ctx context.Context, c *Caller, in *iamtypes.AssociateDelegationRequestRequest) error {
	return s.changeDelegation(ctx, c, in.DelegationRequestId, "iam:AssociateDelegationRequest", "associate", false,
		[]iamtypes.StateType{iamtypes.StateTypeUNASSIGNED},
		func(ctx context.Context, tx store.Tx, d *delegationRecord, now time.Time) error {
			if d.RequestorAccount == c.Account() {
				return awserr.InvalidInput("A delegation request cannot be associated with the requesting account.")
			}
			d.OwnerAccount, d.OwnerID = c.Account(), c.Principal.ARN
			d.moveTo(iamtypes.StateTypeASSIGNED, now)
			return tx.Insert(ctx, &store.Entity{Account: d.OwnerAccount, Kind: KindDelegationOwned, Name: d.ID, Path: "/",
				Parent: d.OwnerID, ARN: d.arnIn(d.OwnerAccount), Created: now, Data: []byte("{}")})
		})
}

// UpdateDelegationRequest adds notes to an owned request and puts it in PENDING_APPROVAL (forwarded to an
// administrator).
func (s *Service) UpdateDelegationRequest(ctx context.Context, c *Caller, in *iamtypes.UpdateDelegationRequestRequest) error {
	return s.changeDelegation(ctx, c, in.DelegationRequestId, "iam:UpdateDelegationRequest", "update", true,
		[]iamtypes.StateType{iamtypes.StateTypeASSIGNED, iamtypes.StateTypePENDINGAPPROVAL},
		func(ctx context.Context, tx store.Tx, d *delegationRecord, now time.Time) error {
			if in.Notes != nil {
				d.Notes = *in.Notes
			}
			if d.State != iamtypes.StateTypePENDINGAPPROVAL {
				d.moveTo(iamtypes.StateTypePENDINGAPPROVAL, now)
			} else {
				d.Updated = now
			}
			return nil
		})
}

// AcceptDelegationRequest accepts an owned request: the caller, as it is now, becomes the identity the delegated
// credentials stand for.
func (s *Service) AcceptDelegationRequest(ctx context.Context, c *Caller, in *iamtypes.AcceptDelegationRequestRequest) error {
	return s.changeDelegation(ctx, c, in.DelegationRequestId, "iam:AcceptDelegationRequest", "accept", false,
		[]iamtypes.StateType{iamtypes.StateTypeASSIGNED, iamtypes.StateTypePENDINGAPPROVAL},
		func(ctx context.Context, tx store.Tx, d *delegationRecord, now time.Time) error {
			ap, err := delegationApproverOf(c, d)
			if err != nil {
				return err
			}
			d.Approver, d.ApproverID = ap, c.Principal.ARN
			d.moveTo(iamtypes.StateTypeACCEPTED, now)
			return nil
		})
}

// delegationApproverOf records the accepting identity, refusing those whose limits a delegated session could not
// keep.
func delegationApproverOf(c *Caller, d *delegationRecord) (*delegationApprover, error) {
	refuse := func(why string) error {
		return awserr.InvalidInput("%s cannot accept delegation request %s: %s.", c.Principal.ARN, d.ID, why)
	}
	if c.PrincipalDeleted {
		return nil, refuse("the identity no longer exists")
	}
	if len(c.SessionPolicies) > 0 || len(c.SessionPolicyARNs) > 0 || c.RootTask {
		return nil, refuse("its session has session policies")
	}
	ap := &delegationApprover{ARN: c.Principal.ARN, MFA: c.MFAPresent}
	if c.MFAPresent && !c.MFAAuthTime.IsZero() {
		t := c.MFAAuthTime
		ap.MFATime = &t
	}
	switch c.Principal.Type {
	case authz.PrincipalRoot:
		if time.Duration(d.SessionDuration)*time.Second > delegationRootMaxSession {
			return nil, refuse("a root user can approve a delegation of 4 hours at most")
		}
		ap.Root = true
	case authz.PrincipalUser:
		ap.User, ap.UserID = c.Name, c.UserID
	case authz.PrincipalAssumedRole:
		roleID, _, _ := strings.Cut(c.UserID, ":")
		_, sessionName, _ := strings.Cut(strings.TrimPrefix(c.Principal.ARN, c.Partition().ARNPrefix()+"sts::"+c.Account()+":assumed-role/"), "/")
		ap.Role = &roleSession{RoleName: c.Name, RoleID: roleID, RoleARN: c.Principal.RoleARN, SessionName: sessionName,
			Tags: c.SessionTags, TransitiveTagKeys: c.TransitiveTagKeys, SourceIdentity: c.SourceIdentity}
	default:
		return nil, refuse("only IAM users, role sessions and the root user can accept delegation requests")
	}
	return ap, nil
}

// RejectDelegationRequest rejects a request before its token was sent; Notes become the rejection reason.
func (s *Service) RejectDelegationRequest(ctx context.Context, c *Caller, in *iamtypes.RejectDelegationRequestRequest) error {
	return s.changeDelegation(ctx, c, in.DelegationRequestId, "iam:RejectDelegationRequest", "reject", false,
		[]iamtypes.StateType{iamtypes.StateTypeASSIGNED, iamtypes.StateTypePENDINGAPPROVAL, iamtypes.StateTypeACCEPTED},
		func(ctx context.Context, tx store.Tx, d *delegationRecord, now time.Time) error {
			d.RejectionReason = str(in.Notes, "")
			d.moveTo(iamtypes.StateTypeREJECTED, now)
			return nil
		})
}

// delegationTokenBytes is the randomness of a trade-in token's secret.
const delegationTokenBytes = 32

// SendDelegationToken releases the exchange token of an accepted request to the partner's channel: the request is
// FINALIZED and the delegation period starts.
func (s *Service) SendDelegationToken(ctx context.Context, c *Caller, in *iamtypes.SendDelegationTokenRequest) error {
	return s.changeDelegation(ctx, c, in.DelegationRequestId, "iam:SendDelegationToken", "send the token of", false,
		[]iamtypes.StateType{iamtypes.StateTypeACCEPTED},
		func(ctx context.Context, tx store.Tx, d *delegationRecord, now time.Time) error {
			if d.OnlySendByOwner && c.Principal.ARN != d.OwnerID {
				return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403, Message: fmt.Sprintf(
					"User: %s is not authorized to perform: iam:SendDelegationToken on resource: %s because only the owner of the delegation request may send its token",
					c.Principal.ARN, d.arnIn(d.OwnerAccount))}
			}
			b := make([]byte, delegationTokenBytes)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			d.SealedToken = s.Box.Seal([]byte(base64.RawURLEncoding.EncodeToString(b)), []byte(d.ID))
			d.Finalized = now
			d.moveTo(iamtypes.StateTypeFINALIZED, now)
			return nil
		})
}

// DelegationToken returns what SendDelegationToken sent for a finalized request: the partner's notification
// channel and the trade-in token. iamd has no SNS; this is how the operator (or a test standing for the partner's
// topic) receives it. The token is a secret: it must not be logged.
func (s *Service) DelegationToken(ctx context.Context, requestID string) (channel, token string, err error) {
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, requestID)
		if err != nil {
			return err
		}
		if e.Kind != KindDelegationRequest {
			return store.ErrNotFound
		}
		d, err := decode[delegationRecord](e)
		if err != nil {
			return err
		}
		if d.SealedToken == nil {
			return fmt.Errorf("delegation request %s has sent no token: %w", requestID, store.ErrNotFound)
		}
		secret, err := s.Box.Open(d.SealedToken, []byte(d.ID))
		if err != nil {
			return err
		}
		channel, token = d.Channel, d.ID+"."+string(secret)
		return nil
	})
	return channel, token, err
}

// DelegatedSession is what a trade-in token is exchanged for.
type DelegatedSession struct {
	Credentials *SessionCredentials
	// AssumedPrincipal is the ARN of the identity the credentials stand for: the one that accepted the request.
	AssumedPrincipal string
}

// errTradeInToken is STS's answer to every unusable trade-in token (unknown, used, expired, another account's).
func errTradeInToken() error {
	return &awserr.Error{Code: "ExpiredTradeInTokenException", HTTPStatus: 400,
		Message: "The trade-in token provided in the request has expired and can no longer be exchanged for credentials."}
}

// ExchangeDelegationToken trades a request's token, once, for temporary credentials of the identity that accepted
// the request, limited by the request's permission policy, until the delegation period ends. The caller (already
// authorized for sts:GetDelegatedAccessToken) must belong to the requesting account.
func (s *Service) ExchangeDelegationToken(ctx context.Context, tx store.Tx, c *Caller, token string) (*DelegatedSession, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" {
		return nil, errTradeInToken()
	}
	e, err := tx.GetByID(ctx, id)
	if notFound(err) || (err == nil && e.Kind != KindDelegationRequest) {
		return nil, errTradeInToken()
	}
	if err != nil {
		return nil, err
	}
	d, err := decode[delegationRecord](e)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC().Truncate(time.Second)
	end := d.Finalized.Add(time.Duration(d.SessionDuration) * time.Second)
	if d.SealedToken == nil || d.TokenUsed || d.state(now) != iamtypes.StateTypeFINALIZED || !now.Before(end) ||
		d.RequestorAccount != c.Account() || d.Approver == nil {
		return nil, errTradeInToken()
	}
	want, err := s.Box.Open(d.SealedToken, []byte(d.ID))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(want, []byte(secret)) != 1 {
		return nil, errTradeInToken()
	}
	d.TokenUsed = true
	e.Data = encode(d)
	if err := tx.Update(ctx, e); err != nil {
		return nil, err
	}
	creds, arn, err := s.newDelegatedSession(ctx, tx, c, d, now, end)
	if err != nil {
		return nil, err
	}
	return &DelegatedSession{Credentials: creds, AssumedPrincipal: arn}, nil
}

// newDelegatedSession stores the session of an exchanged token, in the owner's account.
func (s *Service) newDelegatedSession(ctx context.Context, tx store.Tx, c *Caller, d *delegationRecord, now, end time.Time) (*SessionCredentials, string, error) {
	ap := d.Approver
	rec := session{Account: d.OwnerAccount, Issued: now, Expiration: end, SourceKeyID: c.AccessKeyID, MFA: ap.MFA, MFATime: ap.MFATime,
		Delegation: &delegatedSession{RequestID: d.ID, Policy: d.Policy}}
	switch {
	case ap.Role != nil:
		rs := *ap.Role
		rs.Policy = d.Policy
		rec.Role = &rs
	case ap.Root:
		rec.Root = true
	default:
		rec.UserName, rec.UserID, rec.UserARN = ap.User, ap.UserID, ap.ARN
	}
	if err := s.sweepSessions(ctx, tx, rec.Account, now); err != nil {
		return nil, "", err
	}
	creds, err := s.insertSession(ctx, tx, &rec, ap.ARN)
	if err != nil {
		return nil, "", err
	}
	return creds, ap.ARN, nil
}

// delegatedSession marks a session issued for a delegation request; Policy (the request's permission policy) is
// its session policy. A role session carries it in its roleSession instead.
type delegatedSession struct {
	RequestID string `json:"request"`
	Policy    string `json:"policy"`
}

// delegationCaller limits the caller of a delegated user or root session by the request's policy.
func delegationCaller(rec *session, c *Caller) {
	if rec.Delegation != nil && rec.Role == nil {
		c.SessionPolicies = []string{rec.Delegation.Policy}
	}
}
