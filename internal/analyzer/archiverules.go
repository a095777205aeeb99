package analyzer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// ArchiveRule is an analyzer's archive rule: findings that match its filter are ARCHIVED when they are created
// (and, by ApplyArchiveRule, when they exist already).
type ArchiveRule struct {
	Name    string                    `json:"name"`
	Filter  aatypes.FilterCriteriaMap `json:"filter"`
	Created time.Time                 `json:"created"`
	Updated time.Time                 `json:"updated"`
}

func (r ArchiveRule) summary() aatypes.ArchiveRuleSummary {
	return aatypes.ArchiveRuleSummary{RuleName: r.Name, Filter: r.Filter, CreatedAt: r.Created, UpdatedAt: r.Updated}
}

func errRuleQuota() error {
	return &awserr.Error{Code: "ServiceQuotaExceededException", HTTPStatus: 402,
		Message: fmt.Sprintf("You can create at most %d archive rules per analyzer.", MaxArchiveRules)}
}

func errRuleNotFound(name string) error {
	return &awserr.Error{Code: "ResourceNotFoundException", HTTPStatus: 404, Message: "Archive rule " + name + " not found"}
}

// checkFilter checks a filter as AWS does: at least one criterion, each with at least one operator, at most
// MaxCriterionValues values per operator, and no empty key.
func checkFilter(f aatypes.FilterCriteriaMap) error {
	if len(f) == 0 {
		return invalid("filter", "{}", "Member must have at least one criterion")
	}
	for k, c := range f {
		if k == "" {
			return invalid("filter", k, "Filter keys must not be empty")
		}
		if len(c.Eq) == 0 && len(c.Neq) == 0 && len(c.Contains) == 0 && c.Exists == nil {
			return invalid("filter."+k, "{}", "Criterion must have at least one of eq, neq, contains, exists")
		}
		for _, vs := range [][]string{c.Eq, c.Neq, c.Contains} {
			if len(vs) > MaxCriterionValues {
				return invalid("filter."+k, fmt.Sprint(len(vs)), fmt.Sprintf("Criterion must have at most %d values", MaxCriterionValues))
			}
		}
	}
	return nil
}

// matches reports whether a finding whose filter attributes are attrs meets every criterion of f: eq, some value
// equals one listed; neq, no value equals one listed; contains, some value contains one listed; exists, the key has
// a value or not, as asked.
func matches(f aatypes.FilterCriteriaMap, attrs map[string][]string) bool {
	for k, c := range f {
		vs, ok := attrs[k]
		if !ok {
			// Filter keys compare ignoring case where the key is a condition key (condition.aws:SourceIp).
			for ak, av := range attrs {
				if strings.EqualFold(ak, k) {
					vs, ok = av, true
					break
				}
			}
		}
		if c.Exists != nil && *c.Exists != ok {
			return false
		}
		if len(c.Eq) > 0 && !slices.ContainsFunc(vs, func(v string) bool { return slices.Contains(c.Eq, v) }) {
			return false
		}
		if len(c.Neq) > 0 && slices.ContainsFunc(vs, func(v string) bool { return slices.Contains(c.Neq, v) }) {
			return false
		}
		if len(c.Contains) > 0 && !slices.ContainsFunc(vs, func(v string) bool {
			return slices.ContainsFunc(c.Contains, func(sub string) bool { return strings.Contains(v, sub) })
		}) {
			return false
		}
	}
	return true
}

// CreateArchiveRule adds an archive rule to an analyzer; it archives the findings created from then on (and
// ApplyArchiveRule the existing ones), as in AWS.
func (s *Service) CreateArchiveRule(ctx context.Context, c *iam.Caller, in *aatypes.CreateArchiveRuleRequest) error {
	if err := checkFilter(in.Filter); err != nil {
		return err
	}
	region := s.region(c)
	return s.write(ctx, c, "CreateArchiveRule", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, tx store.Tx) error {
		a, err := loadAnalyzer(ctx, tx, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(a.Rules, func(r ArchiveRule) bool { return r.Name == in.RuleName }) {
			return &awserr.Error{Code: "ConflictException", HTTPStatus: 409, Message: "Archive rule " + in.RuleName + " already exists"}
		}
		if len(a.Rules) >= MaxArchiveRules {
			return errRuleQuota()
		}
		now := s.now()
		a.Rules = append(a.Rules, ArchiveRule{Name: in.RuleName, Filter: in.Filter, Created: now, Updated: now})
		return saveAnalyzer(ctx, tx, a, false)
	})
}

// GetArchiveRule answers one archive rule of an analyzer.
func (s *Service) GetArchiveRule(ctx context.Context, c *iam.Caller, in *aatypes.GetArchiveRuleRequest) (*aatypes.GetArchiveRuleResponse, error) {
	region := s.region(c)
	var out aatypes.ArchiveRuleSummary
	err := s.read(ctx, c, "GetArchiveRule", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, r store.Reader) error {
		a, err := loadAnalyzer(ctx, r, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(a.Rules, func(r ArchiveRule) bool { return r.Name == in.RuleName })
		if i < 0 {
			return errRuleNotFound(in.RuleName)
		}
		out = a.Rules[i].summary()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &aatypes.GetArchiveRuleResponse{ArchiveRule: &out}, nil
}

// ListArchiveRules lists an analyzer's archive rules in name order, a page at a time.
func (s *Service) ListArchiveRules(ctx context.Context, c *iam.Caller, in *aatypes.ListArchiveRulesRequest) (*aatypes.ListArchiveRulesResponse, error) {
	region := s.region(c)
	out := &aatypes.ListArchiveRulesResponse{ArchiveRules: []aatypes.ArchiveRuleSummary{}}
	err := s.read(ctx, c, "ListArchiveRules", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, r store.Reader) error {
		a, err := loadAnalyzer(ctx, r, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		rules := slices.Clone(a.Rules)
		slices.SortFunc(rules, func(x, y ArchiveRule) int { return strings.Compare(x.Name, y.Name) })
		sums := make([]aatypes.ArchiveRuleSummary, len(rules))
		for i, r := range rules {
			sums[i] = r.summary()
		}
		page, next, err := paginate(sums, in.NextToken, in.MaxResults, func(r aatypes.ArchiveRuleSummary) string { return r.RuleName })
		out.ArchiveRules, out.NextToken = append(out.ArchiveRules, page...), next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateArchiveRule replaces an archive rule's filter.
func (s *Service) UpdateArchiveRule(ctx context.Context, c *iam.Caller, in *aatypes.UpdateArchiveRuleRequest) error {
	if err := checkFilter(in.Filter); err != nil {
		return err
	}
	region := s.region(c)
	return s.write(ctx, c, "UpdateArchiveRule", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, tx store.Tx) error {
		a, err := loadAnalyzer(ctx, tx, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(a.Rules, func(r ArchiveRule) bool { return r.Name == in.RuleName })
		if i < 0 {
			return errRuleNotFound(in.RuleName)
		}
		a.Rules[i].Filter, a.Rules[i].Updated = in.Filter, s.now()
		return saveAnalyzer(ctx, tx, a, false)
	})
}

// DeleteArchiveRule removes an archive rule; the findings it archived stay ARCHIVED.
func (s *Service) DeleteArchiveRule(ctx context.Context, c *iam.Caller, in *aatypes.DeleteArchiveRuleRequest) error {
	region := s.region(c)
	return s.write(ctx, c, "DeleteArchiveRule", analyzerARN(c, region, in.AnalyzerName), func(ctx context.Context, tx store.Tx) error {
		a, err := loadAnalyzer(ctx, tx, c.Account(), region, in.AnalyzerName)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(a.Rules, func(r ArchiveRule) bool { return r.Name == in.RuleName })
		if i < 0 {
			return errRuleNotFound(in.RuleName)
		}
		a.Rules = slices.Delete(a.Rules, i, i+1)
		return saveAnalyzer(ctx, tx, a, false)
	})
}

// ApplyArchiveRule archives the analyzer's ACTIVE findings that the rule matches.
func (s *Service) ApplyArchiveRule(ctx context.Context, c *iam.Caller, in *aatypes.ApplyArchiveRuleRequest) error {
	a, err := s.current(ctx, c, "ApplyArchiveRule", in.AnalyzerArn)
	if err != nil {
		return err
	}
	return s.write(ctx, c, "ApplyArchiveRule", a.ARN, func(ctx context.Context, tx store.Tx) error {
		a, err := analyzerByARN(ctx, tx, c, in.AnalyzerArn)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(a.Rules, func(r ArchiveRule) bool { return r.Name == in.RuleName })
		if i < 0 {
			return errRuleNotFound(in.RuleName)
		}
		fs, err := loadFindings(ctx, tx, a)
		if err != nil {
			return err
		}
		now := s.now()
		for _, f := range fs {
			if f.Status == aatypes.FindingStatusACTIVE && matches(a.Rules[i].Filter, f.attrs()) {
				f.Status, f.Updated = aatypes.FindingStatusARCHIVED, now
				if err := saveFinding(ctx, tx, a, f, false); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
