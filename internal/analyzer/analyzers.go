package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/store"
)

// Analyzers, their archive rules and their findings are store entities of the analyzer's account:
//   - KindAnalyzer, named REGION/NAME (analyzers are regional, as in AWS), ARN the analyzer's ARN, Data an
//     Analyzer with its archive rules;
//   - KindFinding, named by the finding's ID (a UUID), Parent the analyzer's entity name, ARN the resource's ARN,
//     Data a findingRecord.
const (
	KindAnalyzer store.Kind = "aa-analyzer"
	KindFinding  store.Kind = "aa-finding"
)

// AWS's quotas (IAM User Guide, "IAM Access Analyzer quotas").
const (
	// MaxAccountAnalyzers is the number of account-level analyzers per type per account per Region.
	MaxAccountAnalyzers = 1
	// MaxOrganizationAnalyzers is the number of organization-level analyzers per type per account per Region.
	MaxOrganizationAnalyzers = 5
	// MaxArchiveRules is the number of archive rules per analyzer.
	MaxArchiveRules = 100
	// MaxCriterionValues is the number of values per criterion of an archive rule.
	MaxCriterionValues = 20
)

// ServicePrincipal is IAM Access Analyzer's service principal, for which an organization's management account
// registers delegated administrators.
const ServicePrincipal = "access-analyzer.amazonaws.com"

// Analyzer is an analyzer as stored: its identity, type, configuration, tags and archive rules.
type Analyzer struct {
	Account       string                         `json:"account"`
	Region        string                         `json:"region"`
	Name          string                         `json:"name"`
	ARN           string                         `json:"arn"`
	Type          aatypes.Type                   `json:"type"`
	Created       time.Time                      `json:"created"`
	Tags          map[string]string              `json:"tags,omitempty"`
	Configuration *aatypes.AnalyzerConfiguration `json:"configuration,omitempty"`
	Rules         []ArchiveRule                  `json:"rules,omitempty"`
	// LastResource and LastAnalyzed are the resource most recently analyzed and when.
	LastResource string    `json:"lastResource,omitempty"`
	LastAnalyzed time.Time `json:"lastAnalyzed,omitzero"`
	// ClientToken is CreateAnalyzer's idempotency token (the SDKs fill it): a retry with the same token gets the
	// analyzer, not a ConflictException.
	ClientToken string `json:"clientToken,omitempty"`

	// Zone is the analyzer's zone of trust when it is analyzed (not stored): filled before a Detector runs.
	Zone Zone `json:"-"`
}

// Zone is an analyzer's zone of trust: the accounts whose resources it analyzes and whose principals it trusts
// (its own account, or every account of its organization), and the organization's ID (empty for an account
// analyzer).
type Zone struct {
	OrgID    string
	Accounts []string
}

// Trusts reports whether account is in the zone.
func (z Zone) Trusts(account string) bool { return slices.Contains(z.Accounts, account) }

// organizational reports whether t is an analyzer type whose zone of trust is the organization.
func organizational(t aatypes.Type) bool { return strings.HasPrefix(string(t), "ORGANIZATION") }

// Detector finds what an analyzer of some type reports: external access for ACCOUNT and ORGANIZATION,
// unused access for the _UNUSED_ACCESS types. It reads the store through r, within the analyzer's zone (a.Zone);
// now is the time of the analysis. The findings it returns replace the analyzer's current ones: those it no
// longer returns are RESOLVED.
type Detector interface {
	Detect(ctx context.Context, r store.Reader, a *Analyzer, now time.Time) ([]Detected, error)
}

// Store is what analyzers need of the store: transactions, and the generation that tells whether anything a
// finding derives from may have changed.
type Store interface {
	Viewer
	Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error
	PolicyGeneration() uint64
}

// Organizations tells which organization an account belongs to, as a zone of trust; *org.View implements it.
type Organizations interface {
	Members(ctx context.Context, r store.Reader, account string) (*org.Members, error)
}

var _ Organizations = (*org.View)(nil)

func analyzerEntityName(region, name string) string { return region + "/" + name }

func (s *Service) region(c *iam.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.opts.Region
}

func analyzerARN(c *iam.Caller, region, name string) string {
	return "arn:" + string(c.Partition()) + ":access-analyzer:" + region + ":" + c.Account() + ":analyzer/" + name
}

func errAnalyzerNotFound() error {
	return &awserr.Error{Code: "ResourceNotFoundException", HTTPStatus: 404, Message: "Analyzer not found"}
}

func errNotConfigured() error {
	return &awserr.Error{Code: "InternalServerException", HTTPStatus: 500, Receiver: true, Message: "analyzers are not configured on this server"}
}

// parseAnalyzerARN returns the region and name of an analyzer ARN of the caller's account; an ARN of another
// account or of no analyzer names no analyzer of the caller's (ResourceNotFoundException).
func parseAnalyzerARN(c *iam.Caller, arn string) (region, name string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "access-analyzer" || !strings.HasPrefix(parts[5], "analyzer/") {
		return "", "", &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "fieldValidationFailed", Message: "Invalid analyzer ARN: " + arn}
	}
	if parts[4] != c.Account() {
		return "", "", errAnalyzerNotFound()
	}
	return parts[3], strings.TrimPrefix(parts[5], "analyzer/"), nil
}

// loadAnalyzer reads the analyzer named name in the caller's account and region.
func loadAnalyzer(ctx context.Context, r store.Reader, account, region, name string) (*Analyzer, error) {
	e, err := r.Get(ctx, account, KindAnalyzer, analyzerEntityName(region, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAnalyzerNotFound()
	}
	if err != nil {
		return nil, err
	}
	var a Analyzer
	if err := json.Unmarshal(e.Data, &a); err != nil {
		return nil, fmt.Errorf("analyzer %s: %w", e.Name, err)
	}
	if a.Name != name { // the store compares names ignoring case; AWS's analyzer names are case-sensitive
		return nil, errAnalyzerNotFound()
	}
	return &a, nil
}

func saveAnalyzer(ctx context.Context, tx store.Tx, a *Analyzer, insert bool) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	e := &store.Entity{Account: a.Account, Kind: KindAnalyzer, Name: analyzerEntityName(a.Region, a.Name), Path: "/", ARN: a.ARN, Created: a.Created, Data: b}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// listAnalyzers returns the analyzers of an account in one Region, in name order.
func listAnalyzers(ctx context.Context, r store.Reader, account, region string) ([]*Analyzer, error) {
	page, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindAnalyzer})
	if err != nil {
		return nil, err
	}
	var out []*Analyzer
	for _, e := range page.Entities {
		if !strings.HasPrefix(e.Name, region+"/") {
			continue
		}
		var a Analyzer
		if err := json.Unmarshal(e.Data, &a); err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", e.Name, err)
		}
		out = append(out, &a)
	}
	slices.SortFunc(out, func(a, b *Analyzer) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// zone returns the zone of trust of an analyzer of type t in account: the account, or its organization's
// accounts. For an organization type the account must be the organization's management account or a delegated
// administrator of Access Analyzer.
func (s *Service) zone(ctx context.Context, r store.Reader, account string, t aatypes.Type) (Zone, error) {
	return ZoneOf(ctx, r, s.opts.Orgs, account, t)
}

// ZoneOf is the zone of trust of an analyzer of type t in account (see Service.zone); orgs may be nil when iamd
// keeps no organizations.
func ZoneOf(ctx context.Context, r store.Reader, orgs Organizations, account string, t aatypes.Type) (Zone, error) {
	if !organizational(t) {
		return Zone{Accounts: []string{account}}, nil
	}
	var m *org.Members
	var err error
	if orgs != nil {
		m, err = orgs.Members(ctx, r, account)
		if err != nil {
			return Zone{}, err
		}
	}
	if m == nil {
		return Zone{}, &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "other",
			Message: "You must be a member of an organization to create an analyzer with the organization as the zone of trust."}
	}
	allowed := account == m.Management
	for sp, accts := range m.Delegated {
		if strings.EqualFold(sp, ServicePrincipal) && slices.Contains(accts, account) {
			allowed = true
		}
	}
	if !allowed {
		return Zone{}, &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 403,
			Message: "You must be the organization's management account or a delegated administrator for IAM Access Analyzer to use an analyzer with the organization as the zone of trust."}
	}
	return Zone{OrgID: m.OrgID, Accounts: m.Accounts}, nil
}

// allow authorizes access-analyzer:<op> on resource for the caller, in the transaction of r; a refusal is
// Access Analyzer's AccessDeniedException.
func (s *Service) allow(ctx context.Context, r store.Reader, c *iam.Caller, op, resource string) error {
	err := s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "access-analyzer:" + op, Resource: resource})
	ae, ok := awserr.As(err)
	if !ok || ae.Code != "AccessDenied" {
		return err
	}
	return &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 403, Message: strings.Replace(ae.Message, " on resource: * ", " ", 1), Cause: ae}
}

// write runs fn in a write transaction after authorizing op on resource.
func (s *Service) write(ctx context.Context, c *iam.Caller, op, resource string, fn func(ctx context.Context, tx store.Tx) error) error {
	if s.opts.Store == nil {
		return errNotConfigured()
	}
	return s.opts.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.allow(ctx, tx, c, op, resource); err != nil {
			return err
		}
		return fn(ctx, tx)
	})
}

// read runs fn in a read transaction after authorizing op on resource.
func (s *Service) read(ctx context.Context, c *iam.Caller, op, resource string, fn func(ctx context.Context, r store.Reader) error) error {
	if s.opts.Store == nil {
		return errNotConfigured()
	}
	return s.opts.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.allow(ctx, r, c, op, resource); err != nil {
			return err
		}
		return fn(ctx, r)
	})
}

func checkConfiguration(t aatypes.Type, cfg *aatypes.AnalyzerConfiguration) error {
	if cfg == nil {
		return nil
	}
	unused := t == aatypes.TypeACCOUNTUNUSEDACCESS || t == aatypes.TypeORGANIZATIONUNUSEDACCESS
	if cfg.UnusedAccess != nil && !unused {
		return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "other",
			Message: "Unused access configuration is only supported for unused access analyzers."}
	}
	if cfg.UnusedAccess != nil && cfg.UnusedAccess.UnusedAccessAge != nil {
		if age := *cfg.UnusedAccess.UnusedAccessAge; age < 1 || age > 365 {
			return invalid("configuration.unusedAccess.unusedAccessAge", fmt.Sprint(age), "Member must have value between 1 and 365")
		}
	}
	return nil
}

// DefaultUnusedAccessAge is an unused-access analyzer's unusedAccessAge when its configuration gives none (AWS's
// default, 90 days).
const DefaultUnusedAccessAge = 90

func normalizeConfiguration(t aatypes.Type, cfg *aatypes.AnalyzerConfiguration) *aatypes.AnalyzerConfiguration {
	if t != aatypes.TypeACCOUNTUNUSEDACCESS && t != aatypes.TypeORGANIZATIONUNUSEDACCESS {
		return cfg
	}
	if cfg == nil {
		cfg = &aatypes.AnalyzerConfiguration{}
	}
	if cfg.UnusedAccess == nil {
		cfg.UnusedAccess = &aatypes.UnusedAccessConfiguration{}
	}
	if cfg.UnusedAccess.UnusedAccessAge == nil {
		cfg.UnusedAccess.UnusedAccessAge = ptr(int32(DefaultUnusedAccessAge))
	}
	return cfg
}

// CreateAnalyzer creates an analyzer of the caller's account in the Region the request is signed for, with its
// inline archive rules.
func (s *Service) CreateAnalyzer(ctx context.Context, c *iam.Caller, in *aatypes.CreateAnalyzerRequest) (*aatypes.CreateAnalyzerResponse, error) {
	region := s.region(c)
	arn := analyzerARN(c, region, in.AnalyzerName)
	if in.Type == aatypes.TypeACCOUNTINTERNALACCESS || in.Type == aatypes.TypeORGANIZATIONINTERNALACCESS {
		// An analyzer that could never report would read as "no internal access": refuse it rather than fail open.
		return nil, &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "notSupported",
			Message: "iamd does not run internal access analyzers (" + string(in.Type) + ")."}
	}
	if err := checkConfiguration(in.Type, in.Configuration); err != nil {
		return nil, err
	}
	rules := make([]ArchiveRule, 0, len(in.ArchiveRules))
	now := s.now()
	for _, ir := range in.ArchiveRules {
		if err := checkFilter(ir.Filter); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(rules, func(r ArchiveRule) bool { return r.Name == ir.RuleName }) {
			return nil, &awserr.Error{Code: "ConflictException", HTTPStatus: 409, Message: "Archive rule " + ir.RuleName + " already exists"}
		}
		rules = append(rules, ArchiveRule{Name: ir.RuleName, Filter: ir.Filter, Created: now, Updated: now})
	}
	if len(rules) > MaxArchiveRules {
		return nil, errRuleQuota()
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.write(ctx, c, "CreateAnalyzer", arn, func(ctx context.Context, tx store.Tx) error {
		if _, err := s.zone(ctx, tx, c.Account(), in.Type); err != nil {
			return err
		}
		existing, err := listAnalyzers(ctx, tx, c.Account(), region)
		if err != nil {
			return err
		}
		n := 0
		for _, a := range existing {
			if a.Name == in.AnalyzerName && a.Type == in.Type && in.ClientToken != nil && *in.ClientToken != "" && a.ClientToken == *in.ClientToken {
				arn = a.ARN // a retry of the call that created it
				return nil
			}
			if strings.EqualFold(a.Name, in.AnalyzerName) {
				return &awserr.Error{Code: "ConflictException", HTTPStatus: 409, Message: "Analyzer " + in.AnalyzerName + " already exists"}
			}
			if a.Type == in.Type {
				n++
			}
		}
		limit := MaxAccountAnalyzers
		if organizational(in.Type) {
			limit = MaxOrganizationAnalyzers
		}
		if n >= limit {
			return &awserr.Error{Code: "ServiceQuotaExceededException", HTTPStatus: 402,
				Message: fmt.Sprintf("You can create at most %d analyzer(s) of type %s per account per Region.", limit, in.Type)}
		}
		a := &Analyzer{Account: c.Account(), Region: region, Name: in.AnalyzerName, ARN: arn, Type: in.Type, Created: now,
			Tags: maps.Clone(in.Tags), Configuration: normalizeConfiguration(in.Type, in.Configuration), Rules: rules}
		if in.ClientToken != nil {
			a.ClientToken = *in.ClientToken
		}
		return saveAnalyzer(ctx, tx, a, true)
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.CreateAnalyzerResponse{Arn: &arn}, nil
}

// summary is the analyzer as GetAnalyzer and ListAnalyzers answer it.
func (a *Analyzer) summary() aatypes.AnalyzerSummary {
	out := aatypes.AnalyzerSummary{Arn: a.ARN, Name: a.Name, Type: a.Type, CreatedAt: a.Created, Tags: a.Tags,
		Status: aatypes.AnalyzerStatusACTIVE, Configuration: a.Configuration}
	if out.Tags == nil {
		out.Tags = aatypes.TagsMap{}
	}
	if a.LastResource != "" {
		out.LastResourceAnalyzed = ptr(a.LastResource)
		out.LastResourceAnalyzedAt = ptr(a.LastAnalyzed)
	}
	return out
}

// GetAnalyzer answers an analyzer of the caller's account in the request's Region.
func (s *Service) GetAnalyzer(ctx context.Context, c *iam.Caller, in *aatypes.GetAnalyzerRequest) (*aatypes.GetAnalyzerResponse, error) {
	region := s.region(c)
	var out aatypes.AnalyzerSummary
	err := s.read(ctx, c, "GetAnalyzer", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, r store.Reader) error {
		a, err := loadAnalyzer(ctx, r, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		out = a.summary()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.GetAnalyzerResponse{Analyzer: &out}, nil
}

// ListAnalyzers lists the analyzers of the caller's account in the request's Region, of one type if asked, a page
// at a time (the token is the last name of the previous page).
func (s *Service) ListAnalyzers(ctx context.Context, c *iam.Caller, in *aatypes.ListAnalyzersRequest) (*aatypes.ListAnalyzersResponse, error) {
	region := s.region(c)
	out := &aatypes.ListAnalyzersResponse{Analyzers: []aatypes.AnalyzerSummary{}}
	err := s.read(ctx, c, "ListAnalyzers", "arn:"+string(c.Partition())+":access-analyzer:"+region+":"+c.Account()+":analyzer/*", func(ctx context.Context, r store.Reader) error {
		all, err := listAnalyzers(ctx, r, c.Account(), region)
		if err != nil {
			return err
		}
		var sel []aatypes.AnalyzerSummary
		for _, a := range all {
			if in.Type == nil || a.Type == *in.Type {
				sel = append(sel, a.summary())
			}
		}
		page, next, err := paginate(sel, in.NextToken, in.MaxResults, func(a aatypes.AnalyzerSummary) string { return a.Name })
		if err != nil {
			return err
		}
		out.Analyzers, out.NextToken = append(out.Analyzers, page...), next
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteAnalyzer deletes an analyzer with its archive rules and findings.
func (s *Service) DeleteAnalyzer(ctx context.Context, c *iam.Caller, in *aatypes.DeleteAnalyzerRequest) error {
	region := s.region(c)
	return s.write(ctx, c, "DeleteAnalyzer", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, tx store.Tx) error {
		a, err := loadAnalyzer(ctx, tx, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		en := analyzerEntityName(a.Region, a.Name)
		page, err := tx.List(ctx, store.ListQuery{Account: a.Account, Kind: KindFinding, Parent: en})
		if err != nil {
			return err
		}
		for _, e := range page.Entities {
			if err := tx.Delete(ctx, a.Account, KindFinding, e.Name); err != nil {
				return err
			}
		}
		s.forget(a)
		return tx.Delete(ctx, a.Account, KindAnalyzer, en)
	})
}

// UpdateAnalyzer replaces an unused-access analyzer's configuration.
func (s *Service) UpdateAnalyzer(ctx context.Context, c *iam.Caller, in *aatypes.UpdateAnalyzerRequest) (*aatypes.UpdateAnalyzerResponse, error) {
	region := s.region(c)
	var out *aatypes.AnalyzerConfiguration
	err := s.write(ctx, c, "UpdateAnalyzer", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, tx store.Tx) error {
		a, err := loadAnalyzer(ctx, tx, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		if err := checkConfiguration(a.Type, in.Configuration); err != nil {
			return err
		}
		if in.Configuration != nil {
			a.Configuration = normalizeConfiguration(a.Type, in.Configuration)
		}
		s.forget(a)
		out = a.Configuration
		return saveAnalyzer(ctx, tx, a, false)
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.UpdateAnalyzerResponse{Configuration: out}, nil
}

// analyzerByARN reads the analyzer an ARN of the caller's account names.
func analyzerByARN(ctx context.Context, r store.Reader, c *iam.Caller, arn string) (*Analyzer, error) {
	region, name, err := parseAnalyzerARN(c, arn)
	if err != nil {
		return nil, err
	}
	return loadAnalyzer(ctx, r, c.Account(), region, name)
}

func checkTags(tags map[string]string) error {
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalid("tags", k, "Tag keys must not begin with aws:")
		}
	}
	if len(tags) > 50 {
		return invalid("tags", fmt.Sprint(len(tags)), "Member must have at most 50 tags")
	}
	return nil
}

// TagResource adds tags to an analyzer.
func (s *Service) TagResource(ctx context.Context, c *iam.Caller, in *aatypes.TagResourceRequest) (*aatypes.TagResourceResponse, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.write(ctx, c, "TagResource", in.ResourceArn, func(ctx context.Context, tx store.Tx) error {
		a, err := analyzerByARN(ctx, tx, c, in.ResourceArn)
		if err != nil {
			return err
		}
		if a.Tags == nil {
			a.Tags = map[string]string{}
		}
		maps.Copy(a.Tags, in.Tags)
		if err := checkTags(a.Tags); err != nil {
			return err
		}
		return saveAnalyzer(ctx, tx, a, false)
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.TagResourceResponse{}, nil
}

// UntagResource removes tags from an analyzer.
func (s *Service) UntagResource(ctx context.Context, c *iam.Caller, in *aatypes.UntagResourceRequest) (*aatypes.UntagResourceResponse, error) {
	err := s.write(ctx, c, "UntagResource", in.ResourceArn, func(ctx context.Context, tx store.Tx) error {
		a, err := analyzerByARN(ctx, tx, c, in.ResourceArn)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(a.Tags, k)
		}
		return saveAnalyzer(ctx, tx, a, false)
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.UntagResourceResponse{}, nil
}

// ListTagsForResource answers an analyzer's tags.
func (s *Service) ListTagsForResource(ctx context.Context, c *iam.Caller, in *aatypes.ListTagsForResourceRequest) (*aatypes.ListTagsForResourceResponse, error) {
	out := &aatypes.ListTagsForResourceResponse{Tags: aatypes.TagsMap{}}
	err := s.read(ctx, c, "ListTagsForResource", in.ResourceArn, func(ctx context.Context, r store.Reader) error {
		a, err := analyzerByARN(ctx, r, c, in.ResourceArn)
		if err != nil {
			return err
		}
		maps.Copy(out.Tags, a.Tags)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
