package analyzer

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

// Findings stay current without a periodic scan. Before a findings read (and ApplyArchiveRule, UpdateFindings,
// StartResourceScan), the analyzer is brought up to date when the store's PolicyGeneration moved since it was last
// known current: its Detector runs in a read transaction, and only when what it detects differs from what is
// stored does a write transaction record the difference (new findings, ACTIVE or ARCHIVED by the archive rules;
// changed details; RESOLVED for those no longer detected). A Detector keeps its own cache of what it derived from
// unchanged inputs (the external-access detector: per resource, by policy and zone), so an unchanged account
// costs one read of its roles.

// findingRecord is a finding as stored: what was detected, and the analyzer's state of it.
type findingRecord struct {
	ID string `json:"id"`
	Detected
	Status   aatypes.FindingStatus `json:"status"`
	Created  time.Time             `json:"created"`
	Updated  time.Time             `json:"updated"`
	Analyzed time.Time             `json:"analyzed"`
}

func (f *findingRecord) external() *aatypes.ExternalAccessDetails {
	for _, d := range f.Details {
		if d.ExternalAccessDetails != nil {
			return d.ExternalAccessDetails
		}
	}
	return nil
}

// identity is what tells a finding apart from the others of its analyzer, from one analysis to the next.
func (d *Detected) identity() string {
	return d.Resource + "\x00" + string(d.FindingType) + "\x00" + d.Key
}

// attrs are the finding's values by filter key, as archive rules and ListFindings filters name them: id,
// resource, resourceType, resourceOwnerAccount, status, findingType, error, and for external access
// principal.<type> (principal.AWS, principal.Federated, ...), action, isPublic and condition.<key>.
func (f *findingRecord) attrs() map[string][]string {
	m := map[string][]string{
		"id":                   {f.ID},
		"resource":             {f.Resource},
		"resourceType":         {string(f.ResourceType)},
		"resourceOwnerAccount": {f.ResourceOwnerAccount},
		"status":               {string(f.Status)},
		"findingType":          {string(f.FindingType)},
	}
	if x := f.external(); x != nil {
		for k, v := range x.Principal {
			m["principal."+k] = append(m["principal."+k], v)
		}
		if len(x.Action) > 0 {
			m["action"] = x.Action
		}
		if x.IsPublic != nil {
			m["isPublic"] = []string{strconv.FormatBool(*x.IsPublic)}
		}
		for k, v := range x.Condition {
			m["condition."+k] = []string{v}
		}
	}
	for _, d := range f.Details {
		if u := d.UnusedPermissionDetails; u != nil {
			m["serviceNamespace"] = []string{u.ServiceNamespace}
		}
	}
	return m
}

func loadFindings(ctx context.Context, r store.Reader, a *Analyzer) ([]*findingRecord, error) {
	page, err := r.List(ctx, store.ListQuery{Account: a.Account, Kind: KindFinding, Parent: analyzerEntityName(a.Region, a.Name)})
	if err != nil {
		return nil, err
	}
	out := make([]*findingRecord, 0, len(page.Entities))
	for _, e := range page.Entities {
		var f findingRecord
		if err := json.Unmarshal(e.Data, &f); err != nil {
			return nil, fmt.Errorf("finding %s: %w", e.Name, err)
		}
		out = append(out, &f)
	}
	return out, nil
}

func saveFinding(ctx context.Context, tx store.Tx, a *Analyzer, f *findingRecord, insert bool) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	e := &store.Entity{Account: a.Account, Kind: KindFinding, Name: f.ID, Path: "/", ARN: f.Resource,
		Parent: analyzerEntityName(a.Region, a.Name), Created: f.Created, Data: b}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// freshKey names an analyzer in the cache of generations at which it was known current.
func freshKey(a *Analyzer) string { return a.Account + "/" + analyzerEntityName(a.Region, a.Name) }

func (s *Service) forget(a *Analyzer) {
	s.mu.Lock()
	delete(s.fresh, freshKey(a))
	s.mu.Unlock()
}

// current authorizes op on the analyzer arn names, brings its findings up to date and returns it.
func (s *Service) current(ctx context.Context, c *iam.Caller, op, arn string) (*Analyzer, error) {
	if s.opts.Store == nil {
		return nil, errNotConfigured()
	}
	gen := s.opts.Store.PolicyGeneration()
	var a *Analyzer
	err := s.read(ctx, c, op, arn, func(ctx context.Context, r store.Reader) error {
		var err error
		a, err = analyzerByARN(ctx, r, c, arn)
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, s.refresh(ctx, a, gen)
}

// refresh brings a's findings up to date, unless they are known current at generation gen.
func (s *Service) refresh(ctx context.Context, a *Analyzer, gen uint64) error {
	key := freshKey(a)
	s.mu.Lock()
	f, ok := s.fresh[key]
	s.mu.Unlock()
	now := s.now()
	if ok && f.gen == gen && (!unused(a.Type) || now.Sub(f.at) < unusedRefresh) {
		return nil
	}
	det := s.opts.Detectors[a.Type]
	if det == nil {
		s.markFresh(key, gen, now)
		return nil
	}
	if f := s.gen.opts.Flush; f != nil && unused(a.Type) {
		// Unused access reads the trail: the calls answered before this read count, even those the trail's
		// writer still queues.
		if err := f(ctx); err != nil {
			return fmt.Errorf("analyzer: the trail: %w", err)
		}
	}
	var changed bool
	err := s.opts.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		plan, err := s.plan(ctx, r, det, a)
		changed = len(plan.writes) > 0
		return err
	})
	if err != nil {
		return err
	}
	if !changed {
		s.markFresh(key, gen, now)
		return nil
	}
	return s.opts.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		cur, err := loadAnalyzer(ctx, tx, a.Account, a.Region, a.Name)
		if err != nil {
			return err
		}
		plan, err := s.plan(ctx, tx, det, cur)
		if err != nil {
			return err
		}
		for _, w := range plan.writes {
			if err := saveFinding(ctx, tx, cur, w.f, w.insert); err != nil {
				return err
			}
		}
		if len(plan.writes) > 0 {
			last := plan.writes[len(plan.writes)-1].f
			cur.LastResource, cur.LastAnalyzed = last.Resource, last.Analyzed
			return saveAnalyzer(ctx, tx, cur, false)
		}
		return nil
	})
}

// freshness is when an analyzer's findings were last known current: at a PolicyGeneration, and at a time (which
// unused-access findings follow too).
type freshness struct {
	gen uint64
	at  time.Time
}

func (s *Service) markFresh(key string, gen uint64, at time.Time) {
	s.mu.Lock()
	if len(s.fresh) > 10000 {
		clear(s.fresh)
	}
	s.fresh[key] = freshness{gen, at}
	s.mu.Unlock()
}

type findingWrite struct {
	f      *findingRecord
	insert bool
}

type analysisPlan struct{ writes []findingWrite }

// plan runs the detector for a and compares its answer with the stored findings: the writes that make them
// current.
func (s *Service) plan(ctx context.Context, r store.Reader, det Detector, a *Analyzer) (analysisPlan, error) {
	z, err := s.zone(ctx, r, a.Account, a.Type)
	if err != nil {
		if _, ok := awserr.As(err); !ok {
			return analysisPlan{}, err
		}
		// The account left its organization or is no longer its delegated administrator: the zone shrinks to
		// the account, which reports more, never less.
		z = Zone{Accounts: []string{a.Account}}
	}
	a.Zone = z
	now := s.now()
	detected, err := det.Detect(ctx, r, a, now)
	if err != nil {
		return analysisPlan{}, fmt.Errorf("analyzer %s: %w", a.Name, err)
	}
	stored, err := loadFindings(ctx, r, a)
	if err != nil {
		return analysisPlan{}, err
	}
	byKey := make(map[string]*findingRecord, len(stored))
	for _, f := range stored {
		k := f.identity()
		if old, ok := byKey[k]; !ok || old.Status == aatypes.FindingStatusRESOLVED {
			byKey[k] = f
		}
	}
	var p analysisPlan
	seen := make(map[string]bool, len(detected))
	for _, d := range detected {
		k := d.identity()
		if seen[k] {
			continue
		}
		seen[k] = true
		f, ok := byKey[k]
		switch {
		case !ok:
			f = &findingRecord{ID: s.opts.NewID(now), Detected: d, Status: aatypes.FindingStatusACTIVE, Created: now, Updated: now, Analyzed: now}
			f.Status = archivedBy(a.Rules, f)
			p.writes = append(p.writes, findingWrite{f: f, insert: true})
		case f.Status == aatypes.FindingStatusRESOLVED:
			f.Detected, f.Status, f.Updated, f.Analyzed = d, aatypes.FindingStatusACTIVE, now, now
			f.Status = archivedBy(a.Rules, f)
			p.writes = append(p.writes, findingWrite{f: f})
		case !sameDetails(f.Detected, d):
			f.Detected, f.Updated, f.Analyzed = d, now, now
			p.writes = append(p.writes, findingWrite{f: f})
		}
	}
	for _, f := range stored {
		if !seen[f.identity()] && f.Status != aatypes.FindingStatusRESOLVED {
			f.Status, f.Updated, f.Analyzed = aatypes.FindingStatusRESOLVED, now, now
			p.writes = append(p.writes, findingWrite{f: f})
		}
	}
	return p, nil
}

// archivedBy is ARCHIVED when an archive rule matches f, else ACTIVE.
func archivedBy(rules []ArchiveRule, f *findingRecord) aatypes.FindingStatus {
	attrs := f.attrs()
	for _, r := range rules {
		if matches(r.Filter, attrs) {
			return aatypes.FindingStatusARCHIVED
		}
	}
	return aatypes.FindingStatusACTIVE
}

func sameDetails(a, b Detected) bool {
	if a.ResourceType != b.ResourceType || a.ResourceOwnerAccount != b.ResourceOwnerAccount {
		return false
	}
	x, err1 := json.Marshal(a.Details)
	y, err2 := json.Marshal(b.Details)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// external reports whether t is an external-access analyzer type, the only ones GetFinding and ListFindings
// (version 1) serve.
func external(t aatypes.Type) bool { return t == aatypes.TypeACCOUNT || t == aatypes.TypeORGANIZATION }

func errV1Only(op string) error {
	return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "notSupported",
		Message: op + " is supported only for external access analyzers; use " + op + "V2."}
}

// selectFindings returns the findings of a that match filter, sorted as asked, one page of them.
func (s *Service) selectFindings(ctx context.Context, c *iam.Caller, op string, a *Analyzer, filter aatypes.FilterCriteriaMap, sortBy *aatypes.SortCriteria,
	token *string, max *int32) ([]*findingRecord, *string, error) {
	if len(filter) > 0 {
		if err := checkFilter(filter); err != nil {
			return nil, nil, err
		}
	}
	var all []*findingRecord
	err := s.read(ctx, c, op, a.ARN, func(ctx context.Context, r store.Reader) error {
		var err error
		all, err = loadFindings(ctx, r, a)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	sel := all[:0]
	for _, f := range all {
		if matches(filter, f.attrs()) {
			sel = append(sel, f)
		}
	}
	attr, desc := "createdAt", false
	if sortBy != nil {
		if sortBy.AttributeName != nil {
			attr = *sortBy.AttributeName
		}
		desc = sortBy.OrderBy != nil && *sortBy.OrderBy == aatypes.OrderByDESC
	}
	less, err := sortKey(attr)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(sel, func(i, j int) bool {
		c := less(sel[i], sel[j])
		if c == 0 {
			c = strings.Compare(sel[i].ID, sel[j].ID)
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	return paginate(sel, token, max, func(f *findingRecord) string { return f.ID })
}

// sortKey compares two findings by a sort attribute of ListFindings.
func sortKey(attr string) (func(a, b *findingRecord) int, error) {
	switch attr {
	case "createdAt":
		return func(a, b *findingRecord) int { return a.Created.Compare(b.Created) }, nil
	case "updatedAt":
		return func(a, b *findingRecord) int { return a.Updated.Compare(b.Updated) }, nil
	case "analyzedAt":
		return func(a, b *findingRecord) int { return a.Analyzed.Compare(b.Analyzed) }, nil
	case "resource":
		return func(a, b *findingRecord) int { return cmp.Compare(a.Resource, b.Resource) }, nil
	case "resourceType":
		return func(a, b *findingRecord) int { return cmp.Compare(a.ResourceType, b.ResourceType) }, nil
	case "resourceOwnerAccount":
		return func(a, b *findingRecord) int { return cmp.Compare(a.ResourceOwnerAccount, b.ResourceOwnerAccount) }, nil
	case "status":
		return func(a, b *findingRecord) int { return cmp.Compare(a.Status, b.Status) }, nil
	case "findingType":
		return func(a, b *findingRecord) int { return cmp.Compare(a.FindingType, b.FindingType) }, nil
	case "id":
		return func(a, b *findingRecord) int { return cmp.Compare(a.ID, b.ID) }, nil
	}
	return nil, invalid("sort.attributeName", attr, "Member must be one of createdAt, updatedAt, analyzedAt, resource, resourceType, resourceOwnerAccount, status, findingType, id")
}

// paginate returns the page of items after the item whose key is token (from the start without one), at most max
// (DefaultMaxResults without one), and the token of the next page.
func paginate[T any](items []T, token *string, max *int32, key func(T) string) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		i := slices.IndexFunc(items, func(t T) bool { return key(t) == *token })
		if i < 0 {
			return nil, nil, invalid("nextToken", *token, "Member must be a token returned by an earlier call")
		}
		start = i + 1
	}
	limit := DefaultMaxResults
	if max != nil && *max > 0 {
		limit = int(*max)
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if end < len(items) {
		return page, ptr(key(items[end-1])), nil
	}
	return page, nil, nil
}

func (f *findingRecord) summaryV1() aatypes.FindingSummary {
	out := aatypes.FindingSummary{Id: f.ID, Resource: ptr(f.Resource), ResourceType: f.ResourceType, CreatedAt: f.Created,
		AnalyzedAt: f.Analyzed, UpdatedAt: f.Updated, Status: f.Status, ResourceOwnerAccount: f.ResourceOwnerAccount,
		Principal: aatypes.PrincipalMap{}, Condition: aatypes.ConditionKeyMap{}, Action: []string{}}
	if x := f.external(); x != nil {
		out.Principal, out.Action, out.IsPublic, out.Condition, out.Sources = maps.Clone(x.Principal), slices.Clone(x.Action), x.IsPublic, maps.Clone(x.Condition), x.Sources
		out.ResourceControlPolicyRestriction = x.ResourceControlPolicyRestriction
		if out.Condition == nil {
			out.Condition = aatypes.ConditionKeyMap{}
		}
	}
	return out
}

func (f *findingRecord) summaryV2() aatypes.FindingSummaryV2 {
	return aatypes.FindingSummaryV2{Id: f.ID, Resource: ptr(f.Resource), ResourceType: f.ResourceType, CreatedAt: f.Created,
		AnalyzedAt: f.Analyzed, UpdatedAt: f.Updated, Status: f.Status, ResourceOwnerAccount: f.ResourceOwnerAccount, FindingType: ptr(f.FindingType)}
}

// ListFindings lists an external-access analyzer's findings (version 1 fields), filtered, sorted and paged.
func (s *Service) ListFindings(ctx context.Context, c *iam.Caller, in *aatypes.ListFindingsRequest) (*aatypes.ListFindingsResponse, error) {
	a, err := s.current(ctx, c, "ListFindings", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	if !external(a.Type) {
		return nil, errV1Only("ListFindings")
	}
	page, next, err := s.selectFindings(ctx, c, "ListFindings", a, in.Filter, in.Sort, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &aatypes.ListFindingsResponse{Findings: make([]aatypes.FindingSummary, len(page)), NextToken: next}
	for i, f := range page {
		out.Findings[i] = f.summaryV1()
	}
	return out, nil
}

// ListFindingsV2 lists an analyzer's findings of any type, filtered, sorted and paged.
func (s *Service) ListFindingsV2(ctx context.Context, c *iam.Caller, in *aatypes.ListFindingsV2Request) (*aatypes.ListFindingsV2Response, error) {
	a, err := s.current(ctx, c, "ListFindings", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	page, next, err := s.selectFindings(ctx, c, "ListFindings", a, in.Filter, in.Sort, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &aatypes.ListFindingsV2Response{Findings: make([]aatypes.FindingSummaryV2, len(page)), NextToken: next}
	for i, f := range page {
		out.Findings[i] = f.summaryV2()
	}
	return out, nil
}

func errFindingNotFound(id string) error {
	return &awserr.Error{Code: "ResourceNotFoundException", HTTPStatus: 404, Message: "Finding " + id + " not found"}
}

// finding reads one finding of a.
func (s *Service) finding(ctx context.Context, c *iam.Caller, op string, a *Analyzer, id string) (*findingRecord, error) {
	var f *findingRecord
	err := s.read(ctx, c, op, a.ARN, func(ctx context.Context, r store.Reader) error {
		e, err := r.Get(ctx, a.Account, KindFinding, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && e.Parent != analyzerEntityName(a.Region, a.Name)) {
			return errFindingNotFound(id)
		}
		if err != nil {
			return err
		}
		f = new(findingRecord)
		return json.Unmarshal(e.Data, f)
	})
	return f, err
}

// GetFinding answers one finding of an external-access analyzer (version 1 fields).
func (s *Service) GetFinding(ctx context.Context, c *iam.Caller, in *aatypes.GetFindingRequest) (*aatypes.GetFindingResponse, error) {
	a, err := s.current(ctx, c, "GetFinding", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	if !external(a.Type) {
		return nil, errV1Only("GetFinding")
	}
	f, err := s.finding(ctx, c, "GetFinding", a, in.Id)
	if err != nil {
		return nil, err
	}
	sum := f.summaryV1()
	return &aatypes.GetFindingResponse{Finding: &aatypes.Finding{Id: sum.Id, Principal: sum.Principal, Action: sum.Action, Resource: sum.Resource,
		IsPublic: sum.IsPublic, ResourceType: sum.ResourceType, Condition: sum.Condition, CreatedAt: sum.CreatedAt, AnalyzedAt: sum.AnalyzedAt,
		UpdatedAt: sum.UpdatedAt, Status: sum.Status, ResourceOwnerAccount: sum.ResourceOwnerAccount, Sources: sum.Sources,
		ResourceControlPolicyRestriction: sum.ResourceControlPolicyRestriction}}, nil
}

// GetFindingV2 answers one finding of any analyzer with its details.
func (s *Service) GetFindingV2(ctx context.Context, c *iam.Caller, in *aatypes.GetFindingV2Request) (*aatypes.GetFindingV2Response, error) {
	a, err := s.current(ctx, c, "GetFinding", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	f, err := s.finding(ctx, c, "GetFinding", a, in.Id)
	if err != nil {
		return nil, err
	}
	details := f.Details
	if details == nil {
		details = []aatypes.FindingDetails{}
	}
	return &aatypes.GetFindingV2Response{Id: f.ID, Resource: ptr(f.Resource), ResourceType: f.ResourceType, ResourceOwnerAccount: f.ResourceOwnerAccount,
		CreatedAt: f.Created, AnalyzedAt: f.Analyzed, UpdatedAt: f.Updated, Status: f.Status, FindingType: ptr(f.FindingType), FindingDetails: details}, nil
}

// UpdateFindings sets the status (ACTIVE or ARCHIVED) of findings named by ID, or of every finding of a resource.
// A RESOLVED finding keeps its status: AWS resolves and reactivates findings itself.
func (s *Service) UpdateFindings(ctx context.Context, c *iam.Caller, in *aatypes.UpdateFindingsRequest) error {
	if len(in.Ids) == 0 && in.ResourceArn == nil {
		return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "other", Message: "Either ids or resourceArn must be specified."}
	}
	a, err := s.current(ctx, c, "UpdateFindings", in.AnalyzerArn)
	if err != nil {
		return err
	}
	return s.write(ctx, c, "UpdateFindings", a.ARN, func(ctx context.Context, tx store.Tx) error {
		fs, err := loadFindings(ctx, tx, a)
		if err != nil {
			return err
		}
		byID := make(map[string]*findingRecord, len(fs))
		for _, f := range fs {
			byID[f.ID] = f
		}
		var sel []*findingRecord
		for _, id := range in.Ids {
			f, ok := byID[id]
			if !ok {
				return errFindingNotFound(id)
			}
			sel = append(sel, f)
		}
		if in.ResourceArn != nil {
			for _, f := range fs {
				if f.Resource == *in.ResourceArn {
					sel = append(sel, f)
				}
			}
		}
		now := s.now()
		for _, f := range sel {
			st := aatypes.FindingStatus(in.Status)
			if f.Status == st || f.Status == aatypes.FindingStatusRESOLVED {
				continue
			}
			f.Status, f.Updated = st, now
			if err := saveFinding(ctx, tx, a, f, false); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetFindingsStatistics answers the analyzer's counts of findings: by status, and for external access the active
// public and cross-account ones per resource type; for unused access per type of unused access and the accounts
// with the most active findings.
func (s *Service) GetFindingsStatistics(ctx context.Context, c *iam.Caller, in *aatypes.GetFindingsStatisticsRequest) (*aatypes.GetFindingsStatisticsResponse, error) {
	a, err := s.current(ctx, c, "GetFindingsStatistics", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	var fs []*findingRecord
	if err := s.read(ctx, c, "GetFindingsStatistics", a.ARN, func(ctx context.Context, r store.Reader) error {
		fs, err = loadFindings(ctx, r, a)
		return err
	}); err != nil {
		return nil, err
	}
	var active, archived, resolved int32
	byType := aatypes.ResourceTypeStatisticsMap{}
	unusedTypes := map[string]int32{}
	accounts := map[string]map[string]int32{}
	for _, f := range fs {
		switch f.Status {
		case aatypes.FindingStatusARCHIVED:
			archived++
			continue
		case aatypes.FindingStatusRESOLVED:
			resolved++
			continue
		}
		active++
		if x := f.external(); x != nil {
			d := byType[f.ResourceType]
			if x.IsPublic != nil && *x.IsPublic {
				d.TotalActivePublic = ptr(deref(d.TotalActivePublic) + 1)
			} else {
				d.TotalActiveCrossAccount = ptr(deref(d.TotalActiveCrossAccount) + 1)
			}
			byType[f.ResourceType] = d
			continue
		}
		unusedTypes[string(f.FindingType)]++
		if accounts[f.ResourceOwnerAccount] == nil {
			accounts[f.ResourceOwnerAccount] = map[string]int32{}
		}
		accounts[f.ResourceOwnerAccount][string(f.FindingType)]++
	}
	out := &aatypes.GetFindingsStatisticsResponse{LastUpdatedAt: ptr(s.now())}
	if external(a.Type) {
		for rt, d := range byType {
			d.TotalActivePublic, d.TotalActiveCrossAccount, d.TotalActiveErrors = ptr(deref(d.TotalActivePublic)), ptr(deref(d.TotalActiveCrossAccount)), ptr(int32(0))
			byType[rt] = d
		}
		out.FindingsStatistics = []aatypes.FindingsStatistics{{ExternalAccessFindingsStatistics: &aatypes.ExternalAccessFindingsStatistics{
			ResourceTypeStatistics: byType, TotalActiveFindings: &active, TotalArchivedFindings: &archived, TotalResolvedFindings: &resolved}}}
		return out, nil
	}
	u := &aatypes.UnusedAccessFindingsStatistics{TotalActiveFindings: &active, TotalArchivedFindings: &archived, TotalResolvedFindings: &resolved,
		UnusedAccessTypeStatistics: []aatypes.UnusedAccessTypeStatistics{}, TopAccounts: []aatypes.FindingAggregationAccountDetails{}}
	for _, t := range slices.Sorted(maps.Keys(unusedTypes)) {
		u.UnusedAccessTypeStatistics = append(u.UnusedAccessTypeStatistics, aatypes.UnusedAccessTypeStatistics{UnusedAccessType: ptr(t), Total: ptr(unusedTypes[t])})
	}
	for acct, d := range accounts {
		var n int32
		for _, v := range d {
			n += v
		}
		u.TopAccounts = append(u.TopAccounts, aatypes.FindingAggregationAccountDetails{Account: ptr(acct), NumberOfActiveFindings: ptr(n), Details: d})
	}
	slices.SortFunc(u.TopAccounts, func(x, y aatypes.FindingAggregationAccountDetails) int {
		return cmp.Or(cmp.Compare(*y.NumberOfActiveFindings, *x.NumberOfActiveFindings), cmp.Compare(*x.Account, *y.Account))
	})
	u.TopAccounts = u.TopAccounts[:min(len(u.TopAccounts), 10)]
	out.FindingsStatistics = []aatypes.FindingsStatistics{{UnusedAccessFindingsStatistics: u}}
	return out, nil
}

func deref(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// StartResourceScan analyzes the analyzer's resources again at once: iamd keeps findings current on every read, so
// the scan is the same bringing up to date, forced even when nothing moved.
func (s *Service) StartResourceScan(ctx context.Context, c *iam.Caller, in *aatypes.StartResourceScanRequest) error {
	if s.opts.Store == nil {
		return errNotConfigured()
	}
	var a *Analyzer
	if err := s.read(ctx, c, "StartResourceScan", in.AnalyzerArn, func(ctx context.Context, r store.Reader) error {
		var err error
		a, err = analyzerByARN(ctx, r, c, in.AnalyzerArn)
		return err
	}); err != nil {
		return err
	}
	s.forget(a)
	return s.refresh(ctx, a, s.opts.Store.PolicyGeneration())
}

// GetAnalyzedResource answers what the analyzer found of one resource: its findings' actions, whether any is
// public, and the status of the first. A resource without findings is one the analyzer has not found shared
// (ResourceNotFoundException, as AWS answers for a resource it did not report).
func (s *Service) GetAnalyzedResource(ctx context.Context, c *iam.Caller, in *aatypes.GetAnalyzedResourceRequest) (*aatypes.GetAnalyzedResourceResponse, error) {
	a, err := s.current(ctx, c, "GetAnalyzedResource", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	page, _, err := s.selectFindings(ctx, c, "GetAnalyzedResource", a, aatypes.FilterCriteriaMap{"resource": {Eq: []string{in.ResourceArn}}}, nil, nil, ptr(int32(1000)))
	if err != nil {
		return nil, err
	}
	if len(page) == 0 {
		return nil, &awserr.Error{Code: "ResourceNotFoundException", HTTPStatus: 404, Message: "Analyzed resource not found"}
	}
	first := page[0]
	res := &aatypes.AnalyzedResource{ResourceArn: in.ResourceArn, ResourceType: first.ResourceType, CreatedAt: first.Created,
		AnalyzedAt: first.Analyzed, UpdatedAt: first.Updated, Status: ptr(first.Status), ResourceOwnerAccount: first.ResourceOwnerAccount, Actions: []string{}, SharedVia: []string{}}
	for _, f := range page {
		if x := f.external(); x != nil {
			res.IsPublic = res.IsPublic || (x.IsPublic != nil && *x.IsPublic)
			for _, act := range x.Action {
				if !slices.Contains(res.Actions, act) {
					res.Actions = append(res.Actions, act)
				}
			}
		}
		res.AnalyzedAt = maxTime(res.AnalyzedAt, f.Analyzed)
		res.UpdatedAt = maxTime(res.UpdatedAt, f.Updated)
	}
	return &aatypes.GetAnalyzedResourceResponse{Resource: res}, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// ListAnalyzedResources lists the resources the analyzer has findings for, of one type if asked.
func (s *Service) ListAnalyzedResources(ctx context.Context, c *iam.Caller, in *aatypes.ListAnalyzedResourcesRequest) (*aatypes.ListAnalyzedResourcesResponse, error) {
	a, err := s.current(ctx, c, "ListAnalyzedResources", in.AnalyzerArn)
	if err != nil {
		return nil, err
	}
	var filter aatypes.FilterCriteriaMap
	if in.ResourceType != nil {
		filter = aatypes.FilterCriteriaMap{"resourceType": {Eq: []string{string(*in.ResourceType)}}}
	}
	all, _, err := s.selectFindings(ctx, c, "ListAnalyzedResources", a, filter, &aatypes.SortCriteria{AttributeName: ptr("resource")}, nil, ptr(int32(1<<30)))
	if err != nil {
		return nil, err
	}
	var res []aatypes.AnalyzedResourceSummary
	for _, f := range all {
		if len(res) == 0 || res[len(res)-1].ResourceArn != f.Resource {
			res = append(res, aatypes.AnalyzedResourceSummary{ResourceArn: f.Resource, ResourceOwnerAccount: f.ResourceOwnerAccount, ResourceType: f.ResourceType})
		}
	}
	page, next, err := paginate(res, in.NextToken, in.MaxResults, func(r aatypes.AnalyzedResourceSummary) string { return r.ResourceArn })
	if err != nil {
		return nil, err
	}
	return &aatypes.ListAnalyzedResourcesResponse{AnalyzedResources: append([]aatypes.AnalyzedResourceSummary{}, page...), NextToken: next}, nil
}

// newFindingID is a finding's ID: a random UUID, as AWS's finding IDs are.
func newFindingID(time.Time) string { return secret.NewUUID() }
