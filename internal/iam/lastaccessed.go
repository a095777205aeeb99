package iam

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// This file holds IAM's service last accessed data (the IAM User Guide's "Refining permissions in AWS using last
// accessed information"): GenerateServiceLastAccessedDetails builds a report from the record of requests
// (AccessHistory, the audit trail) and keeps it as a job of the account; GetServiceLastAccessedDetails and
// GetServiceLastAccessedDetailsWithEntities read it back; ListPoliciesGrantingServiceAccess says which policies
// allow a service. The Organizations report is in lastaccessed_org.go.

// KindLastAccessJob is the store kind of a last-accessed report job, named by its job ID.
const KindLastAccessJob store.Kind = "last-access-job"

// lastAccessJobRetention is how long a report stays readable. AWS documents no lifetime; iamd keeps a report for
// 30 days and sweeps older ones when the account generates another.
const lastAccessJobRetention = 30 * 24 * time.Hour

// Job types.
const (
	jobTypeService = "service"
	jobTypeOrg     = "organizations"
)

// lastAccessJob is a stored report. Reports are built at once: a job is COMPLETED when GenerateX answers.
type lastAccessJob struct {
	ID          string       `json:"id"`
	Type        string       `json:"type"`
	Granularity string       `json:"granularity,omitempty"`
	Created     time.Time    `json:"created"`
	Completed   time.Time    `json:"completed"`
	Subject     string       `json:"subject"` // the ARN or entity path the report is about
	Entities    []laEntity   `json:"entities,omitempty"`
	Services    []jobService `json:"services"`
	// Org is the Organizations report's own data (lastaccessed_org.go).
	Org *orgJob `json:"org,omitempty"`
}

// laEntity is a user or role whose requests a report counts.
type laEntity struct {
	ARN  string `json:"arn"`
	Name string `json:"name"`
	Type string `json:"type"` // USER or ROLE
	ID   string `json:"id"`
	Path string `json:"path"`
	// Created bounds the requests that count: an older entity of the same ARN was another entity.
	Created time.Time `json:"created"`
}

// jobService is one service of a report.
type jobService struct {
	Namespace string `json:"ns"`
	Name      string `json:"name"`
	// Last is the newest use by any of the report's entities; Total how many of them used the service.
	Last  *jobUse `json:"last,omitempty"`
	Total int     `json:"total,omitempty"`
	// Actions are the tracked actions the policies allow, for an ACTION_LEVEL report.
	Actions []jobAction `json:"actions,omitempty"`
	// Used are the entities (indexes into lastAccessJob.Entities) that used the service, with their newest use.
	Used []jobEntityUse `json:"used,omitempty"`
}

// jobUse is a request as a report shows it.
type jobUse struct {
	Time   time.Time `json:"t"`
	Entity string    `json:"e,omitempty"`
	Region string    `json:"r,omitempty"`
	// Accounts is, for the Organizations report, how many accounts used the service.
	Accounts int `json:"n,omitempty"`
}

type jobAction struct {
	Name string  `json:"name"`
	Last *jobUse `json:"last,omitempty"`
}

type jobEntityUse struct {
	Entity int       `json:"i"`
	Time   time.Time `json:"t"`
}

// laSubject is what a service last accessed report is about: the entity an ARN names, the identity policies that
// say which services it could access, and the users and roles whose requests count.
type laSubject struct {
	ARN      string
	Policies []authz.Attached
	Entities []laEntity
}

// laInvalidARN is IAM's answer to an ARN that names no user, group, role or policy.
func laInvalidARN(s string) error { return awserr.InvalidInput("ARN %s is not valid.", s) }

// laSubjectOf resolves the ARN of a user, group, role or managed policy (policies only when withPolicy) after
// authorizing action on it. Resources of another account do not exist here.
func (s *Service) laSubjectOf(ctx context.Context, r store.Reader, c *Caller, action, target string, withPolicy bool) (*laSubject, error) {
	a, err := arn.Parse(target)
	if err != nil || a.Service != "iam" || a.Region != "" {
		return nil, laInvalidARN(target)
	}
	typ, rest, ok := strings.Cut(a.Resource, "/")
	if !ok || rest == "" {
		return nil, laInvalidARN(target)
	}
	name := rest[strings.LastIndexByte(rest, '/')+1:]
	switch typ {
	case "user", "group", "role":
	case "policy":
		if !withPolicy {
			return nil, laInvalidARN(target)
		}
	default:
		return nil, laInvalidARN(target)
	}
	acct := c.Account()
	owner := a.Account
	if owner == "aws" {
		owner = ""
	}
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: target, ResourceOwner: owner}); err != nil {
		return nil, err
	}
	sub := &laSubject{ARN: target}
	missing := func(what string) error {
		return awserr.NoSuchEntity("The %s with name %s cannot be found.", what, name)
	}
	if typ != "policy" && a.Account != acct {
		return nil, missing(typ)
	}
	switch typ {
	case "user":
		u, err := getUser(ctx, r, acct, name)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(u.ARN, target) {
			return nil, missing("user")
		}
		if sub.Policies, err = s.userPolicies(ctx, r, acct, u, true); err != nil {
			return nil, err
		}
		sub.Entities = []laEntity{userEntity(u)}
	case "group":
		g, err := groupsLoad(ctx, r, acct, name)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(g.ARN, target) {
			return nil, missing("group")
		}
		if sub.Policies, err = s.groupPolicies(ctx, r, acct, g); err != nil {
			return nil, err
		}
		if sub.Entities, err = groupMembers(ctx, r, acct, g.GroupID); err != nil {
			return nil, err
		}
	case "role":
		ro, err := rolesLoad(ctx, r, acct, name)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(ro.ARN, target) {
			return nil, missing("role")
		}
		if sub.Policies, err = s.rolePolicies(ctx, r, acct, ro); err != nil {
			return nil, err
		}
		sub.Entities = []laEntity{roleEntity(ro)}
	case "policy":
		ref, err := s.polResolve(ctx, r, acct, target)
		if err != nil {
			return nil, err
		}
		if ref == nil {
			return nil, awserr.NoSuchEntity("Policy %s was not found.", target)
		}
		doc, pname, err := s.managedPolicyDocument(ctx, r, ref.ARN)
		if err != nil {
			return nil, err
		}
		p, err := s.compile(doc, policy.TypeIdentity)
		if err != nil {
			return nil, errorf("stored policy %s: %w", ref.ARN, err)
		}
		sub.Policies = []authz.Attached{{Name: pname, ARN: ref.ARN, Policy: p}}
		if sub.Entities, err = policyEntities(ctx, r, acct, ref.ARN); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// userPolicies are a user's identity policies: its own inline and managed policies, and with groups those of its
// groups.
func (s *Service) userPolicies(ctx context.Context, r store.Reader, acct string, u *User, groups bool) ([]authz.Attached, error) {
	where := "user/" + u.UserName
	out, err := s.inlinePolicies(u.Policies, where)
	if err != nil {
		return nil, err
	}
	att, err := s.attachedPolicies(ctx, r, acct, u.UserID, where)
	if err != nil {
		return nil, err
	}
	out = append(out, att...)
	if !groups {
		return out, nil
	}
	links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, From: u.UserID})
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		ge, err := r.GetByID(ctx, l.To)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		g, err := decode[Group](ge)
		if err != nil {
			return nil, err
		}
		gp, err := s.groupPolicies(ctx, r, acct, g)
		if err != nil {
			return nil, err
		}
		out = append(out, gp...)
	}
	return out, nil
}

// rolePolicies are a role's inline and managed permissions policies.
func (s *Service) rolePolicies(ctx context.Context, r store.Reader, acct string, ro *Role) ([]authz.Attached, error) {
	where := "role/" + ro.RoleName
	out, err := s.inlinePolicies(ro.Policies, where)
	if err != nil {
		return nil, err
	}
	att, err := s.attachedPolicies(ctx, r, acct, ro.RoleID, where)
	if err != nil {
		return nil, err
	}
	return append(out, att...), nil
}

// groupPolicies are a group's inline and managed policies.
func (s *Service) groupPolicies(ctx context.Context, r store.Reader, acct string, g *Group) ([]authz.Attached, error) {
	where := "group/" + g.GroupName
	out, err := s.inlinePolicies(g.Policies, where)
	if err != nil {
		return nil, err
	}
	att, err := s.attachedPolicies(ctx, r, acct, g.GroupID, where)
	if err != nil {
		return nil, err
	}
	return append(out, att...), nil
}

func userEntity(u *User) laEntity {
	return laEntity{ARN: u.ARN, Name: u.UserName, Type: string(iamtypes.PolicyOwnerEntityTypeUSER), ID: u.UserID, Path: u.Path, Created: u.CreateDate}
}

func roleEntity(ro *Role) laEntity {
	return laEntity{ARN: ro.ARN, Name: ro.RoleName, Type: string(iamtypes.PolicyOwnerEntityTypeROLE), ID: ro.RoleID, Path: ro.Path, Created: ro.CreateDate}
}

// groupMembers are the users of a group.
func groupMembers(ctx context.Context, r store.Reader, acct, groupID string) ([]laEntity, error) {
	links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkMember, To: groupID})
	if err != nil {
		return nil, err
	}
	var out []laEntity
	for _, l := range links {
		e, err := r.GetByID(ctx, l.From)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		u, err := decode[User](e)
		if err != nil {
			return nil, err
		}
		out = append(out, userEntity(u))
	}
	return out, nil
}

// policyEntities are the users and roles a managed policy applies to: those it is attached to, and the members of
// the groups it is attached to.
func policyEntities(ctx context.Context, r store.Reader, acct, policyARN string) ([]laEntity, error) {
	links, err := r.Links(ctx, store.LinkQuery{Account: acct, Kind: LinkAttached, To: policyARN})
	if err != nil {
		return nil, err
	}
	var out []laEntity
	seen := map[string]bool{}
	add := func(list ...laEntity) {
		for _, e := range list {
			if !seen[e.ARN] {
				seen[e.ARN] = true
				out = append(out, e)
			}
		}
	}
	for _, l := range links {
		e, err := r.GetByID(ctx, l.From)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		switch e.Kind {
		case KindUser:
			u, err := decode[User](e)
			if err != nil {
				return nil, err
			}
			add(userEntity(u))
		case KindRole:
			ro, err := decode[Role](e)
			if err != nil {
				return nil, err
			}
			add(roleEntity(ro))
		case KindGroup:
			g, err := decode[Group](e)
			if err != nil {
				return nil, err
			}
			members, err := groupMembers(ctx, r, acct, g.GroupID)
			if err != nil {
				return nil, err
			}
			add(members...)
		}
	}
	return out, nil
}

// laService is a service that policies allow at least one action of, with the allowed actions that IAM's action
// last accessed data tracks.
type laService struct {
	svc     *catalog.Service
	tracked []string
}

// laStatements are the statements of permissions policies that say which services they allow.
type laStatements struct {
	allows, denies []*policy.Statement
	all            bool            // an Allow may match any service (a service wildcard or NotAction)
	candidates     map[string]bool // otherwise, the services the Allows name
}

// laStatementsOf sorts the statements of pols. As AWS's last accessed data does, it reads only the permissions
// policies' logic: an Allow statement's Action or NotAction (whatever its Resource and Condition) allows, and a
// Deny statement without conditions on every resource takes the actions it names away.
func laStatementsOf(pols []*policy.Policy) *laStatements {
	ls := &laStatements{candidates: map[string]bool{}}
	for _, p := range pols {
		for _, st := range p.Statements {
			if st.Effect == policy.Deny {
				if len(st.Conditions) == 0 && denyEverywhere(st) {
					ls.denies = append(ls.denies, st)
				}
				continue
			}
			ls.allows = append(ls.allows, st)
			if st.NotAction {
				ls.all = true
				continue
			}
			for i := range st.Actions {
				if st.Actions[i].HasServiceWildcard() {
					ls.all = true
				} else {
					ls.candidates[st.Actions[i].Service] = true
				}
			}
		}
	}
	return ls
}

// allow reports whether the statements allow any action of svc and lists the allowed actions keep selects (with
// a nil keep it stops at the first allowed action and lists none).
func (ls *laStatements) allow(svc *catalog.Service, keep func(*catalog.Action) bool) (bool, []string) {
	if len(ls.allows) == 0 || !ls.all && !ls.candidates[svc.Prefix] {
		return false, nil
	}
	allowed := false
	var names []string
	for _, a := range svc.Actions {
		name := strings.ToLower(a.Name)
		if !matchesAny(ls.allows, svc.Prefix, name) || matchesAny(ls.denies, svc.Prefix, name) {
			continue
		}
		allowed = true
		if keep == nil {
			break
		}
		if keep(a) {
			names = append(names, a.Name)
		}
	}
	return allowed, names
}

// lastAccessedTracked selects the actions IAM's action last accessed data tracks.
func lastAccessedTracked(a *catalog.Action) bool { return a.LastAccessedTracked }

// allowedServices are the services of the catalog the policies allow any action of (laStatementsOf), in
// namespace order; with tracked, each carries its allowed tracked actions.
func (s *Service) allowedServices(pols []*policy.Policy, tracked bool) []laService {
	var keep func(*catalog.Action) bool
	if tracked {
		keep = lastAccessedTracked
	}
	return s.allowedServicesOf(pols, keep)
}

// allowedServicesOf is allowedServices with the allowed actions keep selects.
func (s *Service) allowedServicesOf(pols []*policy.Policy, keep func(*catalog.Action) bool) []laService {
	ls := laStatementsOf(pols)
	var services []*catalog.Service
	if ls.all {
		services = s.Catalog.Services()
	} else {
		for prefix := range ls.candidates {
			if svc, ok := s.Catalog.Service(prefix); ok {
				services = append(services, svc)
			}
		}
		slices.SortFunc(services, func(a, b *catalog.Service) int { return strings.Compare(a.Prefix, b.Prefix) })
	}
	var out []laService
	for _, svc := range services {
		if ok, names := ls.allow(svc, keep); ok {
			out = append(out, laService{svc: svc, tracked: names})
		}
	}
	return out
}

// denyEverywhere reports whether a Deny statement applies to every resource (Resource "*").
func denyEverywhere(st *policy.Statement) bool {
	if st.NotResource || len(st.Resources) == 0 {
		return false
	}
	for _, r := range st.Resources {
		if r.Raw == "*" {
			return true
		}
	}
	return false
}

func matchesAny(sts []*policy.Statement, service, name string) bool {
	for _, st := range sts {
		if st.MatchAction(service, name) {
			return true
		}
	}
	return false
}

func compiledOf(list []authz.Attached) []*policy.Policy {
	out := make([]*policy.Policy, 0, len(list))
	for _, a := range list {
		out = append(out, a.Policy)
	}
	return out
}

// newLastAccessJobID is a job ID: a UUID, as AWS's are (36 characters).
func newLastAccessJobID() string { return newUUID() }

// GenerateServiceLastAccessedDetails builds the report of when the user, group, role or managed policy an ARN
// names was last used to access each service its permissions policies allow, from the record of requests over
// the tracking period, and returns the ID of the job that holds it (COMPLETED at once).
func (s *Service) GenerateServiceLastAccessedDetails(ctx context.Context, c *Caller, in *iamtypes.GenerateServiceLastAccessedDetailsRequest) (*iamtypes.GenerateServiceLastAccessedDetailsResponse, error) {
	acct := c.Account()
	granularity := iamtypes.AccessAdvisorUsageGranularityTypeSERVICELEVEL
	if in.Granularity != nil {
		granularity = *in.Granularity
	}
	now := s.Now().UTC()
	job := &lastAccessJob{ID: newLastAccessJobID(), Type: jobTypeService, Granularity: string(granularity), Created: now.Truncate(time.Second), Subject: in.Arn}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		sub, err := s.laSubjectOf(ctx, r, c, "iam:GenerateServiceLastAccessedDetails", in.Arn, true)
		if err != nil {
			return err
		}
		job.Entities = sub.Entities
		services := s.allowedServices(compiledOf(sub.Policies), granularity == iamtypes.AccessAdvisorUsageGranularityTypeACTIONLEVEL)
		job.Services, err = s.laServiceUse(ctx, r, acct, job.Entities, services, granularity == iamtypes.AccessAdvisorUsageGranularityTypeACTIONLEVEL, now)
		return err
	})
	if err != nil {
		return nil, internal(err)
	}
	job.Completed = s.Now().UTC().Truncate(time.Second)
	if err := s.saveLastAccessJob(ctx, acct, job); err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GenerateServiceLastAccessedDetailsResponse{JobId: ptr(job.ID)}, nil
}

// laServiceUse reads, for each service, the newest use by each entity over the tracking period (and, for actions,
// the newest use of each tracked action).
func (s *Service) laServiceUse(ctx context.Context, r store.Reader, acct string, entities []laEntity, services []laService, actions bool, now time.Time) ([]jobService, error) {
	period := now.Add(-TrackingPeriod)
	sinceOf := func(e laEntity) time.Time {
		if e.Created.After(period) {
			return e.Created
		}
		return period
	}
	// An entity that made no request at all in the period used no service: one read spares one per service.
	var active []int
	for i, e := range entities {
		a, err := s.lastAccess(ctx, r, AccessQuery{Account: acct, Principal: e.ARN, Since: sinceOf(e)})
		if err != nil {
			return nil, err
		}
		if a != nil {
			active = append(active, i)
		}
	}
	out := make([]jobService, 0, len(services))
	for _, ls := range services {
		js := jobService{Namespace: ls.svc.Prefix, Name: ls.svc.Name}
		for _, i := range active {
			a, err := s.lastAccess(ctx, r, AccessQuery{Account: acct, Principal: entities[i].ARN, Service: ls.svc.Prefix, Since: sinceOf(entities[i])})
			if err != nil {
				return nil, err
			}
			if a == nil {
				continue
			}
			t := a.Time.UTC().Truncate(time.Second)
			js.Used = append(js.Used, jobEntityUse{Entity: i, Time: t})
			js.Total++
			if js.Last == nil || t.After(js.Last.Time) {
				js.Last = &jobUse{Time: t, Entity: entities[i].ARN, Region: a.Region}
			}
		}
		if actions {
			for _, name := range ls.tracked {
				ja := jobAction{Name: name}
				for _, u := range js.Used {
					a, err := s.lastAccess(ctx, r, AccessQuery{Account: acct, Principal: entities[u.Entity].ARN, Service: ls.svc.Prefix, Action: name, Since: sinceOf(entities[u.Entity])})
					if err != nil {
						return nil, err
					}
					if a != nil && (ja.Last == nil || a.Time.After(ja.Last.Time)) {
						ja.Last = &jobUse{Time: a.Time.UTC().Truncate(time.Second), Entity: entities[u.Entity].ARN, Region: a.Region}
					}
				}
				js.Actions = append(js.Actions, ja)
			}
		}
		out = append(out, js)
	}
	return out, nil
}

// saveLastAccessJob stores a job, sweeping the account's jobs older than the retention.
func (s *Service) saveLastAccessJob(ctx context.Context, acct string, job *lastAccessJob) error {
	return s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		page, err := tx.List(ctx, store.ListQuery{Account: acct, Kind: KindLastAccessJob})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			if job.Created.Sub(e.Created) > lastAccessJobRetention {
				if err := tx.Delete(ctx, acct, KindLastAccessJob, e.Name); err != nil && !notFound(err) {
					return err
				}
			}
		}
		return tx.Insert(ctx, &store.Entity{Account: acct, Kind: KindLastAccessJob, Name: job.ID, Path: "/", Created: job.Created, Data: encode(job)})
	})
}

// loadLastAccessJob reads a job of the caller's account, after authorizing action; another account's jobs do not
// exist for the caller.
func (s *Service) loadLastAccessJob(ctx context.Context, c *Caller, action, id, typ string) (*lastAccessJob, error) {
	var job *lastAccessJob
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: "*"}); err != nil {
			return err
		}
		e, err := r.Get(ctx, c.Account(), KindLastAccessJob, id)
		if notFound(err) {
			return awserr.NoSuchEntity("No report with job ID %s exists.", id)
		}
		if err != nil {
			return err
		}
		if job, err = decode[lastAccessJob](e); err != nil {
			return err
		}
		if job.Type != typ {
			return awserr.NoSuchEntity("No report with job ID %s exists.", id)
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return job, nil
}

// laPage is one page of n items from the offset a marker holds.
func laPage(marker *string, maxItems *int32, n int) (from, to int, truncated *bool, next *string, err error) {
	pa, err := pageArgsOf(marker, maxItems)
	if err != nil {
		return 0, 0, nil, nil, err
	}
	if pa.after != "" {
		if from, err = strconv.Atoi(pa.after); err != nil || from < 0 || from > n {
			return 0, 0, nil, nil, awserr.InvalidInput("Invalid Marker.")
		}
	}
	to = min(from+pa.limit, n)
	nextKey := ""
	if to < n {
		nextKey = strconv.Itoa(to)
	}
	truncated, next = nextMarker(nextKey)
	return from, to, truncated, next, nil
}

// GetServiceLastAccessedDetails reads a report made by GenerateServiceLastAccessedDetails: every service the
// subject's permissions policies allow, sorted by namespace, with its newest use in the tracking period.
func (s *Service) GetServiceLastAccessedDetails(ctx context.Context, c *Caller, in *iamtypes.GetServiceLastAccessedDetailsRequest) (*iamtypes.GetServiceLastAccessedDetailsResponse, error) {
	job, err := s.loadLastAccessJob(ctx, c, "iam:GetServiceLastAccessedDetails", in.JobId, jobTypeService)
	if err != nil {
		return nil, err
	}
	from, to, truncated, next, err := laPage(in.Marker, in.MaxItems, len(job.Services))
	if err != nil {
		return nil, err
	}
	g := iamtypes.AccessAdvisorUsageGranularityType(job.Granularity)
	out := &iamtypes.GetServiceLastAccessedDetailsResponse{JobStatus: iamtypes.JobStatusTypeCOMPLETED, JobType: &g,
		JobCreationDate: job.Created, JobCompletionDate: job.Completed, IsTruncated: truncated, Marker: next,
		ServicesLastAccessed: []iamtypes.ServiceLastAccessed{}}
	for _, js := range job.Services[from:to] {
		sl := iamtypes.ServiceLastAccessed{ServiceName: js.Name, ServiceNamespace: js.Namespace}
		if js.Last != nil {
			t := js.Last.Time
			sl.LastAuthenticated, sl.LastAuthenticatedEntity, sl.LastAuthenticatedRegion = &t, ptr(js.Last.Entity), ptr(js.Last.Region)
			sl.TotalAuthenticatedEntities = ptr(int32(js.Total))
		}
		if g == iamtypes.AccessAdvisorUsageGranularityTypeACTIONLEVEL && len(js.Actions) > 0 {
			for _, ja := range js.Actions {
				ta := iamtypes.TrackedActionLastAccessed{ActionName: ptr(ja.Name)}
				if ja.Last != nil {
					t := ja.Last.Time
					ta.LastAccessedTime, ta.LastAccessedEntity, ta.LastAccessedRegion = &t, ptr(ja.Last.Entity), ptr(ja.Last.Region)
				}
				sl.TrackedActionsLastAccessed = append(sl.TrackedActionsLastAccessed, ta)
			}
		}
		out.ServicesLastAccessed = append(out.ServicesLastAccessed, sl)
	}
	return out, nil
}

// GetServiceLastAccessedDetailsWithEntities reads, from a report, the users and roles that could have used the
// subject's permissions to access one service, the most recent use first (those with none last, by name).
func (s *Service) GetServiceLastAccessedDetailsWithEntities(ctx context.Context, c *Caller, in *iamtypes.GetServiceLastAccessedDetailsWithEntitiesRequest) (*iamtypes.GetServiceLastAccessedDetailsWithEntitiesResponse, error) {
	job, err := s.loadLastAccessJob(ctx, c, "iam:GetServiceLastAccessedDetailsWithEntities", in.JobId, jobTypeService)
	if err != nil {
		return nil, err
	}
	var details []iamtypes.EntityDetails
	for _, js := range job.Services {
		if !strings.EqualFold(js.Namespace, in.ServiceNamespace) {
			continue
		}
		used := map[int]time.Time{}
		for _, u := range js.Used {
			used[u.Entity] = u.Time
		}
		for i, e := range job.Entities {
			d := iamtypes.EntityDetails{EntityInfo: &iamtypes.EntityInfo{Arn: e.ARN, Name: e.Name, Type: iamtypes.PolicyOwnerEntityType(e.Type), Id: e.ID, Path: ptr(e.Path)}}
			if t, ok := used[i]; ok {
				d.LastAuthenticated = &t
			}
			details = append(details, d)
		}
	}
	sortEntityDetails(details)
	from, to, truncated, next, err := laPage(in.Marker, in.MaxItems, len(details))
	if err != nil {
		return nil, err
	}
	return &iamtypes.GetServiceLastAccessedDetailsWithEntitiesResponse{JobStatus: iamtypes.JobStatusTypeCOMPLETED,
		JobCreationDate: job.Created, JobCompletionDate: job.Completed, IsTruncated: truncated, Marker: next,
		EntityDetailsList: append([]iamtypes.EntityDetails{}, details[from:to]...)}, nil
}

// sortEntityDetails orders entities by their last use, newest first; those never used come last, by name.
func sortEntityDetails(list []iamtypes.EntityDetails) {
	slices.SortStableFunc(list, func(a, b iamtypes.EntityDetails) int {
		switch {
		case a.LastAuthenticated != nil && b.LastAuthenticated != nil:
			if c := b.LastAuthenticated.Compare(*a.LastAuthenticated); c != 0 {
				return c
			}
		case a.LastAuthenticated != nil:
			return -1
		case b.LastAuthenticated != nil:
			return 1
		}
		return strings.Compare(a.EntityInfo.Arn, b.EntityInfo.Arn)
	})
}

// ListPoliciesGrantingServiceAccess lists, for each service namespace asked, the permissions policies of a user
// (its own and its groups'), a group or a role that allow any action of the service. Permissions boundaries,
// resource-based policies and SCPs take no part, as on AWS.
func (s *Service) ListPoliciesGrantingServiceAccess(ctx context.Context, c *Caller, in *iamtypes.ListPoliciesGrantingServiceAccessRequest) (*iamtypes.ListPoliciesGrantingServiceAccessResponse, error) {
	if in.Marker != nil {
		// Every answer is whole: there is never a marker to continue from.
		if _, err := pageArgsOf(in.Marker, nil); err != nil {
			return nil, err
		}
	}
	out := &iamtypes.ListPoliciesGrantingServiceAccessResponse{IsTruncated: ptr(false), PoliciesGrantingServiceAccess: []iamtypes.ListPoliciesGrantingServiceAccessEntry{}}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		sub, err := s.laSubjectOf(ctx, r, c, "iam:ListPoliciesGrantingServiceAccess", in.Arn, false)
		if err != nil {
			return err
		}
		for _, ns := range in.ServiceNamespaces {
			entry := iamtypes.ListPoliciesGrantingServiceAccessEntry{ServiceNamespace: ptr(ns), Policies: []iamtypes.PolicyGrantingServiceAccess{}}
			svc, ok := s.Catalog.Service(ns)
			if ok {
				for _, a := range sub.Policies {
					if ok, _ := laStatementsOf([]*policy.Policy{a.Policy}).allow(svc, nil); !ok {
						continue
					}
					entry.Policies = append(entry.Policies, policyGranting(a))
				}
			}
			out.PoliciesGrantingServiceAccess = append(out.PoliciesGrantingServiceAccess, entry)
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// policyGranting is a policy as ListPoliciesGrantingServiceAccess names it: a managed policy by ARN, an inline
// policy by the entity it is embedded in.
func policyGranting(a authz.Attached) iamtypes.PolicyGrantingServiceAccess {
	if a.ARN != "" {
		return iamtypes.PolicyGrantingServiceAccess{PolicyName: a.Name, PolicyType: iamtypes.PolicyTypeMANAGED, PolicyArn: ptr(a.ARN)}
	}
	kind, name, _ := strings.Cut(a.AttachedTo, "/")
	t := iamtypes.PolicyOwnerEntityType(strings.ToUpper(kind))
	return iamtypes.PolicyGrantingServiceAccess{PolicyName: a.Name, PolicyType: iamtypes.PolicyTypeINLINE, EntityType: &t, EntityName: ptr(name)}
}
