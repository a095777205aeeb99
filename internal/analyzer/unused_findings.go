package analyzer

import (
	"context"
	"strconv"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// This file plugs unused-access analysis (unused.go) into the analyzers: the Detector of the _UNUSED_ACCESS types,
// and the finding recommendations of their UnusedPermission findings.

// unusedRefresh is how long an unused-access analyzer's findings stay current without a change of policy: they
// follow the trail and the clock, which move no store generation, so a read after this long analyzes again
// (StartResourceScan at once). AWS analyzes unused access periodically too.
const unusedRefresh = time.Minute

// unused reports whether t is an unused-access analyzer type.
func unused(t aatypes.Type) bool {
	return t == aatypes.TypeACCOUNTUNUSEDACCESS || t == aatypes.TypeORGANIZATIONUNUSEDACCESS
}

// unusedDetector is the Detector of the unused-access types: DetectUnused over every account of the analyzer's
// zone, with its unusedAccessAge and exclusions.
type unusedDetector struct{ s *Service }

func (d unusedDetector) Detect(ctx context.Context, r store.Reader, a *Analyzer, now time.Time) ([]Detected, error) {
	var out []Detected
	for _, account := range a.Zone.Accounts {
		found, err := d.s.DetectUnused(ctx, r, unusedOptions(a, account, now))
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// unusedOptions are the options of a's analysis of account at now.
func unusedOptions(a *Analyzer, account string, now time.Time) UnusedOptions {
	o := UnusedOptions{Account: account, Now: now, Age: DefaultUnusedAccessAge * 24 * time.Hour}
	if a.Configuration == nil || a.Configuration.UnusedAccess == nil {
		return o
	}
	cfg := a.Configuration.UnusedAccess
	if cfg.UnusedAccessAge != nil && *cfg.UnusedAccessAge > 0 {
		o.Age = time.Duration(*cfg.UnusedAccessAge) * 24 * time.Hour
	}
	if cfg.AnalysisRule != nil {
		for _, ex := range cfg.AnalysisRule.Exclusions {
			o.ExcludeAccounts = append(o.ExcludeAccounts, ex.AccountIds...)
			for _, tags := range ex.ResourceTags {
				o.ExcludeResourceTags = append(o.ExcludeResourceTags, map[string]string(tags))
			}
		}
	}
	return o
}

// recommendation answers the recommendation of an unused-access analyzer's finding, made from the analyzer's
// current state (the recommendation is made when asked, so Generate has nothing to wait for).
func (s *Service) recommendation(ctx context.Context, c *iam.Caller, op, analyzerARN, id string) (*aatypes.GetFindingRecommendationResponse, error) {
	a, err := s.current(ctx, c, op, analyzerARN)
	if err != nil {
		return nil, err
	}
	if !unused(a.Type) {
		return nil, &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "notSupported",
			Message: "Recommendations are only available for unused access analyzers."}
	}
	f, err := s.finding(ctx, c, op, a, id)
	if err != nil {
		return nil, err
	}
	var out *aatypes.GetFindingRecommendationResponse
	err = s.read(ctx, c, op, a.ARN, func(ctx context.Context, r store.Reader) error {
		out, err = s.RecommendUnused(ctx, r, f.Detected, unusedOptions(a, f.ResourceOwnerAccount, s.now()))
		return err
	})
	return out, err
}

// GenerateFindingRecommendation starts the recommendation of an UnusedPermission finding: iamd makes it when it is
// read, so this checks that there is one to make.
func (s *Service) GenerateFindingRecommendation(ctx context.Context, c *iam.Caller, in *aatypes.GenerateFindingRecommendationRequest) error {
	_, err := s.recommendation(ctx, c, "GenerateFindingRecommendation", in.AnalyzerArn, in.Id)
	return err
}

// GetFindingRecommendation answers the recommended steps for an UnusedPermission finding: detach each policy that
// grants nothing used, or replace it with one reduced to what was used. The steps are answered in pages of
// maxResults.
func (s *Service) GetFindingRecommendation(ctx context.Context, c *iam.Caller, in *aatypes.GetFindingRecommendationRequest) (*aatypes.GetFindingRecommendationResponse, error) {
	out, err := s.recommendation(ctx, c, "GetFindingRecommendation", in.AnalyzerArn, in.Id)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(out.RecommendedSteps))
	for i := range idx {
		idx[i] = i
	}
	page, next, err := paginate(idx, in.NextToken, in.MaxResults, strconv.Itoa)
	if err != nil {
		return nil, err
	}
	steps := make([]aatypes.RecommendedStep, 0, len(page))
	for _, i := range page {
		steps = append(steps, out.RecommendedSteps[i])
	}
	out.RecommendedSteps, out.NextToken = steps, next
	return out, nil
}
