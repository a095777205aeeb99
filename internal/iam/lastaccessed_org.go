package iam

import (
	"context"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// OrgReports is what the Organizations access report needs to know of an organization; internal/org's View
// implements it beside Organizations. The IAM service uses it when Options.Orgs implements it too.
type OrgReports interface {
	// OrgEntity resolves an entity path ("o-.../r-...", ".../ou-...", ".../ACCOUNT") of the organization that
	// management manages, or returns nil when the path names nothing there.
	OrgEntity(ctx context.Context, r store.Reader, management, path string) (*OrgEntity, error)
	// OrgSCP returns the service control policy with the ID (an AWS managed one such as p-FullAWSAccess
	// included) of management's organization and the IDs of the roots, OUs and accounts it is attached to, or
	// nil when there is none.
	OrgSCP(ctx context.Context, r store.Reader, management, id string) (*OrgSCP, error)
}

// OrgEntity is a root, an OU or an account of an organization.
type OrgEntity struct {
	// SCPs are the SCPs attached at each level from the root down to the entity; nil when SCPs are not enabled.
	SCPs []authz.Level
	// Accounts are the accounts the entity holds (the account itself for an account), each with its entity path.
	Accounts []OrgEntityAccount
	// Account is true when the entity is an account.
	Account bool
}

// OrgEntityAccount is an account under an entity.
type OrgEntityAccount struct {
	ID   string
	Path string // o-.../r-.../ou-.../ACCOUNT
}

// OrgSCP is a service control policy.
type OrgSCP struct {
	Content string
	Targets []string // the IDs of the roots, OUs and accounts it is attached to
}

// orgJob is the Organizations report's own data.
type orgJob struct {
	PolicyID   string `json:"policyId,omitempty"`
	Accessible int    `json:"accessible"`
	NotUsed    int    `json:"notUsed"`
}

// GenerateOrganizationsAccessReport builds the Organizations report of when the accounts of a root, an OU or an
// account last used each service the SCPs allow (those attached from the root down to the entity, or only the
// SCP OrganizationsPolicyId names), from the record of requests over the tracking period. Only the organization's
// management account can generate it; the management account's own report lists every service, as it is not
// limited by SCPs.
func (s *Service) GenerateOrganizationsAccessReport(ctx context.Context, c *Caller, in *iamtypes.GenerateOrganizationsAccessReportRequest) (*iamtypes.GenerateOrganizationsAccessReportResponse, error) {
	acct := c.Account()
	now := s.Now().UTC()
	job := &lastAccessJob{ID: newLastAccessJobID(), Type: jobTypeOrg, Created: now.Truncate(time.Second), Subject: in.EntityPath,
		Org: &orgJob{PolicyID: str(in.OrganizationsPolicyId, "")}}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		resource := c.Partition().IAMPrefix() + acct + ":access-report/" + in.EntityPath
		if err := s.Authorize(ctx, r, c, Authorization{Action: "iam:GenerateOrganizationsAccessReport", Resource: resource}); err != nil {
			return err
		}
		reports, _ := s.orgs.(OrgReports)
		ov, err := s.accountOrg(ctx, r, acct)
		if err != nil {
			return err
		}
		if ov == nil || reports == nil || ov.Management != acct {
			return awserr.InvalidInput("The caller must be the management account of an organization to generate an Organizations access report.")
		}
		if !strings.HasPrefix(in.EntityPath, ov.OrgID+"/") {
			return awserr.InvalidInput("The entity path %s is not in the organization %s.", in.EntityPath, ov.OrgID)
		}
		ent, err := reports.OrgEntity(ctx, r, acct, in.EntityPath)
		if err != nil {
			return err
		}
		if ent == nil {
			return awserr.InvalidInput("The entity path %s does not name a root, an organizational unit or an account of the organization.", in.EntityPath)
		}
		if ent.SCPs == nil {
			return awserr.InvalidInput("Service control policies are not enabled on the organization's root.")
		}
		management := ent.Account && len(ent.Accounts) == 1 && ent.Accounts[0].ID == acct
		accounts := ent.Accounts
		var services []*catalog.Service
		switch {
		case management:
			// The management account is not limited by SCPs: every service, whatever the policy ID.
			services = s.Catalog.Services()
		case job.Org.PolicyID != "":
			scp, err := reports.OrgSCP(ctx, r, acct, job.Org.PolicyID)
			if err != nil {
				return err
			}
			if scp == nil {
				return awserr.InvalidInput("The policy %s does not exist in the organization.", job.Org.PolicyID)
			}
			p, err := s.compile(scp.Content, policy.TypeSCP)
			if err != nil {
				return errorf("stored SCP %s: %w", job.Org.PolicyID, err)
			}
			services = s.servicesOf(s.allowedServices([]*policy.Policy{p}, false))
			accounts = orgAccountsUnder(accounts, scp.Targets)
		default:
			services = s.scpServices(ent.SCPs)
		}
		if !management {
			accounts = withoutAccount(accounts, acct)
		}
		job.Services, err = s.orgServiceUse(ctx, r, accounts, services, now)
		if err != nil {
			return err
		}
		job.Org.Accessible = len(job.Services)
		for _, js := range job.Services {
			if js.Last == nil {
				job.Org.NotUsed++
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	job.Completed = s.Now().UTC().Truncate(time.Second)
	if err := s.saveLastAccessJob(ctx, acct, job); err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GenerateOrganizationsAccessReportResponse{JobId: ptr(job.ID)}, nil
}

func (s *Service) servicesOf(list []laService) []*catalog.Service {
	out := make([]*catalog.Service, len(list))
	for i, ls := range list {
		out[i] = ls.svc
	}
	return out
}

// scpServices are the services the SCPs of every level allow: a service is allowed at a level when one of the
// level's SCPs allows it, and allowed for the entity when every level allows it.
func (s *Service) scpServices(levels []authz.Level) []*catalog.Service {
	var out []*catalog.Service
	for i, lv := range levels {
		pols := make([]*policy.Policy, 0, len(lv.Policies))
		for _, a := range lv.Policies {
			pols = append(pols, a.Policy)
		}
		allowed := s.servicesOf(s.allowedServices(pols, false))
		if i == 0 {
			out = allowed
			continue
		}
		keep := map[string]bool{}
		for _, svc := range allowed {
			keep[svc.Prefix] = true
		}
		kept := out[:0]
		for _, svc := range out {
			if keep[svc.Prefix] {
				kept = append(kept, svc)
			}
		}
		out = kept
	}
	return out
}

// orgAccountsUnder keeps the accounts with one of targets (a root, OU or account ID) on their path.
func orgAccountsUnder(accounts []OrgEntityAccount, targets []string) []OrgEntityAccount {
	var out []OrgEntityAccount
	for _, a := range accounts {
		parts := strings.Split(a.Path, "/")
		for _, t := range targets {
			if slices.Contains(parts, t) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

func withoutAccount(accounts []OrgEntityAccount, id string) []OrgEntityAccount {
	out := make([]OrgEntityAccount, 0, len(accounts))
	for _, a := range accounts {
		if a.ID != id {
			out = append(out, a)
		}
	}
	return out
}

// orgServiceUse reads, for each service, the newest request of any principal of the accounts, and how many of
// the accounts made one.
func (s *Service) orgServiceUse(ctx context.Context, r store.Reader, accounts []OrgEntityAccount, services []*catalog.Service, now time.Time) ([]jobService, error) {
	since := now.Add(-TrackingPeriod)
	out := make([]jobService, 0, len(services))
	for _, svc := range services {
		js := jobService{Namespace: svc.Prefix, Name: svc.Name}
		for _, a := range accounts {
			u, err := s.lastAccess(ctx, r, AccessQuery{Account: a.ID, Service: svc.Prefix, Since: since})
			if err != nil {
				return nil, err
			}
			if u == nil {
				continue
			}
			js.Total++
			t := u.Time.UTC().Truncate(time.Second)
			if js.Last == nil || t.After(js.Last.Time) {
				js.Last = &jobUse{Time: t, Entity: a.Path, Region: u.Region}
			}
		}
		if js.Last != nil {
			js.Last.Accounts = js.Total
		}
		out = append(out, js)
	}
	return out, nil
}

// GetOrganizationsAccessReport reads a report made by GenerateOrganizationsAccessReport: every service the SCPs
// allow with its newest use by the entity's accounts, sorted by SortKey (namespace ascending by default).
func (s *Service) GetOrganizationsAccessReport(ctx context.Context, c *Caller, in *iamtypes.GetOrganizationsAccessReportRequest) (*iamtypes.GetOrganizationsAccessReportResponse, error) {
	job, err := s.loadLastAccessJob(ctx, c, "iam:GetOrganizationsAccessReport", in.JobId, jobTypeOrg)
	if err != nil {
		return nil, err
	}
	services := append([]jobService(nil), job.Services...)
	key := iamtypes.SortKeyTypeSERVICENAMESPACEASCENDING
	if in.SortKey != nil {
		key = *in.SortKey
	}
	sortOrgServices(services, key)
	from, to, truncated, next, err := laPage(in.Marker, in.MaxItems, len(services))
	if err != nil {
		return nil, err
	}
	out := &iamtypes.GetOrganizationsAccessReportResponse{JobStatus: iamtypes.JobStatusTypeCOMPLETED, JobCreationDate: job.Created,
		JobCompletionDate: ptr(job.Completed), NumberOfServicesAccessible: ptr(int32(job.Org.Accessible)),
		NumberOfServicesNotAccessed: ptr(int32(job.Org.NotUsed)), IsTruncated: truncated, Marker: next, AccessDetails: []iamtypes.AccessDetail{}}
	for _, js := range services[from:to] {
		d := iamtypes.AccessDetail{ServiceName: js.Name, ServiceNamespace: js.Namespace}
		if js.Last != nil {
			t := js.Last.Time
			d.LastAuthenticatedTime, d.EntityPath, d.Region = &t, ptr(js.Last.Entity), ptr(js.Last.Region)
			d.TotalAuthenticatedEntities = ptr(int32(js.Last.Accounts))
		} else {
			d.TotalAuthenticatedEntities = ptr(int32(0))
		}
		out.AccessDetails = append(out.AccessDetails, d)
	}
	return out, nil
}

// sortOrgServices orders a report's services by a SortKey; services never used sort after the used ones by time,
// by namespace among themselves.
func sortOrgServices(list []jobService, key iamtypes.SortKeyType) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch key {
		case iamtypes.SortKeyTypeSERVICENAMESPACEDESCENDING:
			return a.Namespace > b.Namespace
		case iamtypes.SortKeyTypeLASTAUTHENTICATEDTIMEASCENDING, iamtypes.SortKeyTypeLASTAUTHENTICATEDTIMEDESCENDING:
			switch {
			case a.Last != nil && b.Last != nil && !a.Last.Time.Equal(b.Last.Time):
				if key == iamtypes.SortKeyTypeLASTAUTHENTICATEDTIMEASCENDING {
					return a.Last.Time.Before(b.Last.Time)
				}
				return a.Last.Time.After(b.Last.Time)
			case a.Last != nil && b.Last == nil:
				return true
			case a.Last == nil && b.Last != nil:
				return false
			}
		}
		return a.Namespace < b.Namespace
	})
}
