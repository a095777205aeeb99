package analyzer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/org"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/reason"
)

// The accounts of the findings tests: the management account of an organization with one member, and an account
// outside it.
const (
	mgmt     = "111111111111"
	member   = "222222222222"
	outsider = "999999999999"
	orgID    = "o-abcdefghij"
)

// delegated is a member account registered as Access Analyzer's delegated administrator.
const delegated = "444444444444"

// fakeOrgs puts mgmt, member and delegated in one organization.
type fakeOrgs struct{}

func (fakeOrgs) Members(ctx context.Context, r store.Reader, account string) (*org.Members, error) {
	if account != mgmt && account != member && account != delegated {
		return nil, nil
	}
	return &org.Members{OrgID: orgID, Management: mgmt, Accounts: []string{mgmt, member, delegated},
		Delegated: map[string][]string{"access-analyzer.amazonaws.com": {delegated}, "guardduty.amazonaws.com": {member}}}, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// findingsEnv is an analyzer service on a real SQLite store.
type findingsEnv struct {
	st  *sqlite.Store
	svc *analyzer.Service
	clk *clock
}

func newFindingsEnv(t *testing.T) *findingsEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	svc, err := analyzer.New(st, fakeIAM{}, analyzer.Options{Validator: listValidator{}, Checker: reason.New(reason.Options{}),
		Store: st, Orgs: fakeOrgs{}, Region: "us-east-1", Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return &findingsEnv{st: st, svc: svc, clk: clk}
}

func callerIn(account string) *iam.Caller {
	c := &iam.Caller{Region: "us-east-1"}
	c.Principal.ARN = "arn:aws:iam::" + account + ":root"
	c.Principal.Account = account
	return c
}

func trust(principal string, condition string) string {
	st := `{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"`
	if condition != "" {
		st += `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[` + st + `}]}`
}

// putRole stores a role with a trust policy, as internal/iam keeps it.
func (e *findingsEnv) putRole(t *testing.T, account, name, doc string) string {
	t.Helper()
	arn := "arn:aws:iam::" + account + ":role/" + name
	data, _ := json.Marshal(map[string]any{"name": name, "id": "AROA" + name, "arn": arn, "path": "/", "trust": doc})
	err := e.st.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		ent := &store.Entity{Account: account, Kind: iam.KindRole, Name: name, Path: "/", ARN: arn, Data: data}
		if err := tx.Update(ctx, ent); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Insert(ctx, ent)
	})
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

func (e *findingsEnv) create(t *testing.T, account, name string, typ aatypes.Type, rules ...aatypes.InlineArchiveRule) string {
	t.Helper()
	out, err := e.svc.CreateAnalyzer(context.Background(), callerIn(account), &aatypes.CreateAnalyzerRequest{AnalyzerName: name, Type: typ, ArchiveRules: rules})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Arn
}

func (e *findingsEnv) findings(t *testing.T, account, arn string) map[string]aatypes.FindingSummary {
	t.Helper()
	out, err := e.svc.ListFindings(context.Background(), callerIn(account), &aatypes.ListFindingsRequest{AnalyzerArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]aatypes.FindingSummary{}
	for _, f := range out.Findings {
		m[*f.Resource] = f
	}
	return m
}

// externalCase is a case of testdata/external_access.json: a role's trust policy, with its AWS source, and whether
// an organization analyzer and an account analyzer of the management account report it.
type externalCase struct {
	Name, Source                  string
	Policy                        json.RawMessage
	Organization, Account, Public bool
}

// TestExternalAccessFindings: which trust policies are external access, for an organization analyzer and an
// account analyzer (testdata/external_access.json, each case with the AWS behaviour it follows).
func TestExternalAccessFindings(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "external_access.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []externalCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			e := newFindingsEnv(t)
			role := e.putRole(t, mgmt, "r", string(tc.Policy))
			orgA := e.create(t, mgmt, "org", aatypes.TypeORGANIZATION)
			acctA := e.create(t, mgmt, "acct", aatypes.TypeACCOUNT)
			for _, x := range []struct {
				arn  string
				want bool
			}{{orgA, tc.Organization}, {acctA, tc.Account}} {
				fs := e.findings(t, mgmt, x.arn)
				f, got := fs[role]
				if got != x.want {
					t.Fatalf("%s: finding %v, want %v (%s) %+v", x.arn, got, x.want, tc.Source, fs)
				}
				if got && (f.Status != aatypes.FindingStatusACTIVE || f.ResourceType != aatypes.ResourceTypeAWSIAMRole || f.ResourceOwnerAccount != mgmt ||
					f.IsPublic == nil || *f.IsPublic != tc.Public || len(f.Principal) != 1 || len(f.Action) == 0) {
					t.Fatalf("finding %+v", f)
				}
			}
		})
	}
}

// TestFindingsFollowTrustPolicyChanges: a finding is created ACTIVE, resolved when the trust policy stops granting
// outside access (aws:PrincipalOrgID added), and the same finding (same ID) is active again when the access comes
// back; each read sees the store as it is.
func TestFindingsFollowTrustPolicyChanges(t *testing.T) {
	ctx := context.Background()
	e := newFindingsEnv(t)
	outside := trust(`{"AWS":"`+outsider+`"}`, "")
	role := e.putRole(t, member, "shared", outside)
	a := e.create(t, mgmt, "org", aatypes.TypeORGANIZATION)
	f, ok := e.findings(t, mgmt, a)[role]
	if !ok || f.Status != aatypes.FindingStatusACTIVE || f.Principal["AWS"] != outsider || f.ResourceOwnerAccount != member {
		t.Fatalf("first analysis: %+v", f)
	}
	e.clk.t = e.clk.t.Add(time.Hour)
	e.putRole(t, member, "shared", trust(`{"AWS":"`+outsider+`"}`, `{"StringEquals":{"aws:PrincipalOrgID":"`+orgID+`"}}`))
	g := e.findings(t, mgmt, a)[role]
	if g.Id != f.Id || g.Status != aatypes.FindingStatusRESOLVED || !g.UpdatedAt.Equal(e.clk.t) {
		t.Fatalf("after aws:PrincipalOrgID: %+v", g)
	}
	e.putRole(t, member, "shared", outside)
	h := e.findings(t, mgmt, a)[role]
	if h.Id != f.Id || h.Status != aatypes.FindingStatusACTIVE {
		t.Fatalf("access back: %+v", h)
	}
	v2, err := e.svc.GetFindingV2(ctx, callerIn(mgmt), &aatypes.GetFindingV2Request{AnalyzerArn: a, Id: f.Id})
	if err != nil || len(v2.FindingDetails) != 1 || v2.FindingDetails[0].ExternalAccessDetails == nil || *v2.FindingType != aatypes.FindingTypeExternalAccess {
		t.Fatalf("GetFindingV2: %+v %v", v2, err)
	}
}

// TestArchiveRules: a rule given at creation archives the findings it matches when they are created;
// ApplyArchiveRule archives existing ones; UpdateFindings sets ACTIVE or ARCHIVED by ID or resource; statistics count
// them.
func TestArchiveRules(t *testing.T) {
	ctx := context.Background()
	e := newFindingsEnv(t)
	trusted := e.putRole(t, mgmt, "partner", trust(`{"AWS":"`+outsider+`"}`, ""))
	public := e.putRole(t, mgmt, "public", trust(`"*"`, ""))
	other := e.putRole(t, mgmt, "other", trust(`{"AWS":"333333333333"}`, ""))
	a := e.create(t, mgmt, "acct", aatypes.TypeACCOUNT, aatypes.InlineArchiveRule{RuleName: "partner",
		Filter: aatypes.FilterCriteriaMap{"principal.AWS": {Eq: []string{outsider}}}})
	fs := e.findings(t, mgmt, a)
	if fs[trusted].Status != aatypes.FindingStatusARCHIVED || fs[public].Status != aatypes.FindingStatusACTIVE || fs[other].Status != aatypes.FindingStatusACTIVE {
		t.Fatalf("inline rule: %+v", fs)
	}
	c := callerIn(mgmt)
	if err := e.svc.CreateArchiveRule(ctx, c, &aatypes.CreateArchiveRuleRequest{AnalyzerName: "acct", RuleName: "public",
		Filter: aatypes.FilterCriteriaMap{"isPublic": {Eq: []string{"true"}}}}); err != nil {
		t.Fatal(err)
	}
	if fs := e.findings(t, mgmt, a); fs[public].Status != aatypes.FindingStatusACTIVE {
		t.Fatalf("a new rule archived an existing finding: %+v", fs[public])
	}
	if err := e.svc.ApplyArchiveRule(ctx, c, &aatypes.ApplyArchiveRuleRequest{AnalyzerArn: a, RuleName: "public"}); err != nil {
		t.Fatal(err)
	}
	if fs := e.findings(t, mgmt, a); fs[public].Status != aatypes.FindingStatusARCHIVED || fs[other].Status != aatypes.FindingStatusACTIVE {
		t.Fatalf("ApplyArchiveRule: %+v", fs)
	}
	if err := e.svc.UpdateFindings(ctx, c, &aatypes.UpdateFindingsRequest{AnalyzerArn: a, Status: aatypes.FindingStatusUpdateACTIVE, ResourceArn: &public}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.UpdateFindings(ctx, c, &aatypes.UpdateFindingsRequest{AnalyzerArn: a, Status: aatypes.FindingStatusUpdateARCHIVED, Ids: []string{fs[other].Id}}); err != nil {
		t.Fatal(err)
	}
	fs = e.findings(t, mgmt, a)
	if fs[public].Status != aatypes.FindingStatusACTIVE || fs[other].Status != aatypes.FindingStatusARCHIVED {
		t.Fatalf("UpdateFindings: %+v", fs)
	}
	st, err := e.svc.GetFindingsStatistics(ctx, c, &aatypes.GetFindingsStatisticsRequest{AnalyzerArn: a})
	if err != nil {
		t.Fatal(err)
	}
	x := st.FindingsStatistics[0].ExternalAccessFindingsStatistics
	if *x.TotalActiveFindings != 1 || *x.TotalArchivedFindings != 2 || *x.ResourceTypeStatistics[aatypes.ResourceTypeAWSIAMRole].TotalActivePublic != 1 {
		t.Fatalf("statistics %+v %+v", x, x.ResourceTypeStatistics)
	}
	filtered, err := e.svc.ListFindings(ctx, c, &aatypes.ListFindingsRequest{AnalyzerArn: a, Filter: aatypes.FilterCriteriaMap{"status": {Eq: []string{"ARCHIVED"}}, "resource": {Contains: []string{"partner"}}}})
	if err != nil || len(filtered.Findings) != 1 || *filtered.Findings[0].Resource != trusted {
		t.Fatalf("filtered %+v %v", filtered, err)
	}
}

// TestAnalyzerLifecycle: AWS's rules for analyzers: a name once per Region (a retry with the same client token
// gets the analyzer), one account analyzer per type, an
// organization analyzer only from the management account or Access Analyzer's delegated administrator, paging,
// tags, and deletion; internal access analyzers, which iamd does not run, are refused.
func TestAnalyzerLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newFindingsEnv(t)
	c := callerIn(mgmt)
	a := e.create(t, mgmt, "a", aatypes.TypeACCOUNT)
	if a != "arn:aws:access-analyzer:us-east-1:"+mgmt+":analyzer/a" {
		t.Fatalf("ARN %s", a)
	}
	code := func(err error) string {
		if ae, ok := awserr.As(err); ok {
			return ae.Code
		}
		return fmt.Sprint(err)
	}
	_, err := e.svc.CreateAnalyzer(ctx, c, &aatypes.CreateAnalyzerRequest{AnalyzerName: "a", Type: aatypes.TypeORGANIZATION})
	if code(err) != "ConflictException" {
		t.Fatalf("duplicate name: %v", err)
	}
	tok := "retry-token"
	first, err := e.svc.CreateAnalyzer(ctx, c, &aatypes.CreateAnalyzerRequest{AnalyzerName: "t", Type: aatypes.TypeORGANIZATION, ClientToken: &tok})
	if err != nil {
		t.Fatal(err)
	}
	if again, err := e.svc.CreateAnalyzer(ctx, c, &aatypes.CreateAnalyzerRequest{AnalyzerName: "t", Type: aatypes.TypeORGANIZATION, ClientToken: &tok}); err != nil || *again.Arn != *first.Arn {
		t.Fatalf("retry with the same client token: %v", err)
	}
	if err := e.svc.DeleteAnalyzer(ctx, c, &aatypes.DeleteAnalyzerRequest{AnalyzerName: "t"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CreateAnalyzer(ctx, c, &aatypes.CreateAnalyzerRequest{AnalyzerName: "b", Type: aatypes.TypeACCOUNT})
	if code(err) != "ServiceQuotaExceededException" {
		t.Fatalf("second account analyzer: %v", err)
	}
	_, err = e.svc.CreateAnalyzer(ctx, callerIn(member), &aatypes.CreateAnalyzerRequest{AnalyzerName: "o", Type: aatypes.TypeORGANIZATION})
	if code(err) != "AccessDeniedException" {
		t.Fatalf("organization analyzer from a member (delegated administrator of another service): %v", err)
	}
	e.create(t, delegated, "o", aatypes.TypeORGANIZATION)
	_, err = e.svc.CreateAnalyzer(ctx, c, &aatypes.CreateAnalyzerRequest{AnalyzerName: "i", Type: aatypes.TypeACCOUNTINTERNALACCESS})
	if code(err) != "ValidationException" {
		t.Fatalf("internal access analyzer: %v", err)
	}
	_, err = e.svc.CreateAnalyzer(ctx, callerIn(outsider), &aatypes.CreateAnalyzerRequest{AnalyzerName: "o", Type: aatypes.TypeORGANIZATION})
	if code(err) != "ValidationException" {
		t.Fatalf("organization analyzer outside any organization: %v", err)
	}
	for _, n := range []string{"o1", "o2"} {
		e.create(t, mgmt, n, aatypes.TypeORGANIZATION)
	}
	e.create(t, mgmt, "u", aatypes.TypeACCOUNTUNUSEDACCESS)
	got, err := e.svc.GetAnalyzer(ctx, c, &aatypes.GetAnalyzerRequest{AnalyzerName: "u"})
	if err != nil || *got.Analyzer.Configuration.UnusedAccess.UnusedAccessAge != analyzer.DefaultUnusedAccessAge || got.Analyzer.Status != aatypes.AnalyzerStatusACTIVE {
		t.Fatalf("GetAnalyzer %+v %v", got, err)
	}
	page1, err := e.svc.ListAnalyzers(ctx, c, &aatypes.ListAnalyzersRequest{MaxResults: ptr(int32(2))})
	if err != nil || len(page1.Analyzers) != 2 || page1.NextToken == nil {
		t.Fatalf("page 1 %+v %v", page1, err)
	}
	page2, err := e.svc.ListAnalyzers(ctx, c, &aatypes.ListAnalyzersRequest{MaxResults: ptr(int32(2)), NextToken: page1.NextToken})
	if err != nil || len(page2.Analyzers) != 2 || page2.NextToken != nil || page2.Analyzers[1].Name != "u" {
		t.Fatalf("page 2 %+v %v", page2, err)
	}
	orgs, _ := e.svc.ListAnalyzers(ctx, c, &aatypes.ListAnalyzersRequest{Type: ptr(aatypes.TypeORGANIZATION)})
	if len(orgs.Analyzers) != 2 {
		t.Fatalf("type filter %+v", orgs)
	}
	if _, err := e.svc.TagResource(ctx, c, &aatypes.TagResourceRequest{ResourceArn: a, Tags: aatypes.TagsMap{"team": "sec", "env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UntagResource(ctx, c, &aatypes.UntagResourceRequest{ResourceArn: a, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.svc.ListTagsForResource(ctx, c, &aatypes.ListTagsForResourceRequest{ResourceArn: a})
	if err != nil || len(tags.Tags) != 1 || tags.Tags["team"] != "sec" {
		t.Fatalf("tags %+v %v", tags, err)
	}
	if err := e.svc.DeleteAnalyzer(ctx, c, &aatypes.DeleteAnalyzerRequest{AnalyzerName: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetAnalyzer(ctx, c, &aatypes.GetAnalyzerRequest{AnalyzerName: "a"}); code(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted analyzer: %v", err)
	}
}

// TestResourcePolicyFindings: a resource policy registered for a resource is analyzed like a trust policy, with
// the resource type of its ARN's service.
func TestResourcePolicyFindings(t *testing.T) {
	e := newFindingsEnv(t)
	queue := "arn:aws:sqs:us-east-1:" + mgmt + ":jobs"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + outsider + `"},"Action":"sqs:SendMessage","Resource":"` + queue + `"}]}`
	rp, _ := json.Marshal(iam.ResourcePolicy{ARN: queue, Account: mgmt, Document: doc})
	if err := e.st.Update(context.Background(), func(ctx context.Context, tx store.Tx) error {
		return tx.Insert(ctx, &store.Entity{Account: mgmt, Kind: iam.KindResourcePolicy, Name: "q", ARN: queue, Data: rp})
	}); err != nil {
		t.Fatal(err)
	}
	a := e.create(t, mgmt, "acct", aatypes.TypeACCOUNT)
	f, ok := e.findings(t, mgmt, a)[queue]
	if !ok || f.ResourceType != aatypes.ResourceTypeAWSSQSQueue || !slices.Equal(f.Action, []string{"sqs:SendMessage"}) {
		t.Fatalf("finding %+v", f)
	}
}

// joiningOrgs is an organization whose accounts the test changes, as Organizations' writes would.
type joiningOrgs struct{ accounts *[]string }

func (o joiningOrgs) Members(ctx context.Context, r store.Reader, account string) (*org.Members, error) {
	return &org.Members{OrgID: orgID, Management: mgmt, Accounts: *o.accounts, Delegated: map[string][]string{}}, nil
}

// TestFindingsFollowTheOrganization: a role trusted by an account outside the organization is a finding until that
// account joins the organization (a write to the store), when the next read resolves it; it is active again when
// the account leaves.
func TestFindingsFollowTheOrganization(t *testing.T) {
	ctx := context.Background()
	e := newFindingsEnv(t)
	accounts := []string{mgmt, member}
	svc, err := analyzer.New(e.st, fakeIAM{}, analyzer.Options{Validator: listValidator{}, Store: e.st, Orgs: joiningOrgs{&accounts}, Now: e.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	role := e.putRole(t, member, "partner", trust(`{"AWS":"`+outsider+`"}`, ""))
	a := e.create(t, mgmt, "org", aatypes.TypeORGANIZATION)
	if f := e.findings(t, mgmt, a)[role]; f.Status != aatypes.FindingStatusACTIVE {
		t.Fatalf("outside the organization: %+v", f)
	}
	move := func(to []string) {
		accounts = to
		if err := e.st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			return tx.PutSetting(ctx, mgmt, "test.org", []byte("moved"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	move([]string{mgmt, member, outsider})
	if f := e.findings(t, mgmt, a)[role]; f.Status != aatypes.FindingStatusRESOLVED {
		t.Fatalf("after the account joined: %+v", f)
	}
	move([]string{mgmt, member})
	if f := e.findings(t, mgmt, a)[role]; f.Status != aatypes.FindingStatusACTIVE {
		t.Fatalf("after the account left: %+v", f)
	}
}

// TestConcurrentReadsRecordEachFindingOnce: readers that bring the same analyzer up to date at once record each
// finding once (the write re-plans inside its transaction, which runs after the others').
func TestConcurrentReadsRecordEachFindingOnce(t *testing.T) {
	e := newFindingsEnv(t)
	for i := range 20 {
		e.putRole(t, mgmt, fmt.Sprintf("r%02d", i), trust(`{"AWS":"`+outsider+`"}`, ""))
	}
	a := e.create(t, mgmt, "acct", aatypes.TypeACCOUNT)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := e.svc.ListFindings(context.Background(), callerIn(mgmt), &aatypes.ListFindingsRequest{AnalyzerArn: a})
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	out, err := e.svc.ListFindingsV2(context.Background(), callerIn(mgmt), &aatypes.ListFindingsV2Request{AnalyzerArn: a})
	if err != nil || len(out.Findings) != 20 {
		t.Fatalf("%d findings (%v), want 20", len(out.Findings), err)
	}
}
