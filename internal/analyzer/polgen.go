package analyzer

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/reason"
)

// This file is Access Analyzer's policy generation (the IAM User Guide, "IAM Access Analyzer policy generation"):
// StartPolicyGeneration reads what a user or role used in a window of time from iamd's own trail (Used) and keeps
// it as a job of the account (KindPolicyGenerationJob); GetGeneratedPolicy writes the job's policies (Policies),
// ListPolicyGenerations lists the account's jobs and CancelPolicyGeneration cancels one. A job completes while
// StartPolicyGeneration runs, as IAM's last-accessed reports do: it is SUCCEEDED (or FAILED) when the call answers.
//
// The request's cloudTrailDetails are taken in AWS's shape: their time range is the window read, and the trails
// and access role are echoed in the job's properties but not used: iamd reads its own trail, which records every
// call of the account in every Region, and needs no role to read it (so StartPolicyGeneration needs no
// iam:PassRole on the access role, as AWS's does).

// KindPolicyGenerationJob is the store kind of a policy generation job, named by its job ID.
const KindPolicyGenerationJob store.Kind = "policy-generation-job"

// AWS's quotas of policy generation (the IAM User Guide, "IAM Access Analyzer quotas").
const (
	// MaxGenerationWindow is the longest time range a generation reads ("Policy generation AWS CloudTrail time
	// range": 90 days); the window when the request has no cloudTrailDetails.
	MaxGenerationWindow = 90 * 24 * time.Hour
	// GenerationsPerDay is how many generations an account may start in 24 hours, canceled ones included.
	GenerationsPerDay = 50
	// generationRetention is how long a job is kept: ListPolicyGenerations lists "the policy generations
	// requested in the last seven days".
	generationRetention = 7 * 24 * time.Hour
)

// Updater runs fn in a read-write transaction of the store (store.Store's Update).
type Updater interface {
	Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error
}

// GenerationOptions configure policy generation.
type GenerationOptions struct {
	// Store keeps the jobs; New takes the Viewer it is given when that also writes (store.Store), and without
	// one the operations fail.
	Store Updater
	// Now is the service's clock (IAM's, which the test clock offsets); time.Now when nil.
	Now func() time.Time
	// Catalog spells actions as AWS does (Used); nil keeps them as the trail has them.
	Catalog *catalog.Catalog
	// CollapseAbove is PolicyOptions.CollapseAbove of the policies GetGeneratedPolicy writes with
	// includeResourcePlaceholders (DefaultCollapseAbove when zero), kept only when reason proves the patterns grant
	// nothing beyond the principal's identity policies (Usage.CollapseChecked).
	CollapseAbove int
	// MaxEvents is UsedOptions.MaxEvents.
	MaxEvents int
	// Flush, when not nil, writes the events the trail still queues (audit.Trail's Flush): a generation reads
	// every call answered before it started.
	Flush func(ctx context.Context) error
	// Policies reads a principal's identity policies, against which a generation checks its collapsed resource
	// patterns; New takes the IAM it is given when that has them (*iam.Service). Without it, nothing collapses.
	Policies IdentityPolicies
}

// IdentityPolicies reads the identity-based policies of a user or role. *iam.Service implements it.
type IdentityPolicies interface {
	IdentityPolicies(ctx context.Context, r store.Reader, account, principalARN string) ([]authz.Attached, error)
}

var _ IdentityPolicies = (*iam.Service)(nil)

// generations is the policy generation state of a Service: the accounts that have a generation running (AWS's
// quota of concurrent policy generations is one per account).
type generations struct {
	opts    GenerationOptions
	mu      sync.Mutex
	running map[string]bool
}

func newGenerations(st Viewer, iamSvc IAM, o GenerationOptions) *generations {
	if o.Store == nil {
		o.Store, _ = st.(Updater)
	}
	if o.Policies == nil {
		o.Policies, _ = iamSvc.(IdentityPolicies)
	}
	if o.CollapseAbove == 0 {
		o.CollapseAbove = DefaultCollapseAbove
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &generations{opts: o, running: map[string]bool{}}
}

// begin marks account's generation as running; false when one already is.
func (g *generations) begin(account string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running[account] {
		return false
	}
	g.running[account] = true
	return true
}

func (g *generations) end(account string) {
	g.mu.Lock()
	delete(g.running, account)
	g.mu.Unlock()
}

// generationJob is a stored job.
type generationJob struct {
	ID          string            `json:"id"`
	Principal   string            `json:"principal"` // as requested
	Status      aatypes.JobStatus `json:"status"`
	Started     time.Time         `json:"started"`
	Completed   *time.Time        `json:"completed,omitempty"`
	ClientToken string            `json:"clientToken,omitempty"`
	Trails      []jobTrail        `json:"trails"`
	Error       *jobError         `json:"error,omitempty"`
	// Start and End are the window requested; Usage.Start and End the window read.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Usage *Usage    `json:"usage,omitempty"`
	// CollapseAbove is PolicyOptions.CollapseAbove of the job's policies: -1 when collapsing could not be proved
	// to grant nothing beyond the principal's policies (Usage.CollapseChecked).
	CollapseAbove int `json:"collapseAbove"`
}

type jobTrail struct {
	ARN        string   `json:"arn"`
	Regions    []string `json:"regions,omitempty"`
	AllRegions *bool    `json:"allRegions,omitempty"`
}

type jobError struct {
	Code    aatypes.JobErrorCode `json:"code"`
	Message string               `json:"message"`
}

// noSuchJob is the answer for a job ID the account does not have. Access Analyzer's model lists no
// ResourceNotFoundException for the job operations, so iamd answers the one it lists, ValidationException.
func noSuchJob(id string) error {
	return &awserr.Error{Code: "ValidationException", HTTPStatus: 400, Reason: "other", Message: "No policy generation job with ID " + id + " exists."}
}

func quotaExceeded(msg string) error {
	return &awserr.Error{Code: "ServiceQuotaExceededException", HTTPStatus: 402, Message: msg}
}

func (s *Service) generationStore() (Updater, error) {
	if s.gen.opts.Store == nil {
		return nil, errors.New("analyzer: policy generation has no store to keep its jobs")
	}
	return s.gen.opts.Store, nil
}

// StartPolicyGeneration generates the policy of a user or role of the caller's account from what it used in the
// window of cloudTrailDetails (the last 90 days without them). The job is complete when the call answers: FAILED
// with RESOURCE_NOT_FOUND_ERROR when the account has no such user or role, SUCCEEDED otherwise. A clientToken
// given again answers the job it started.
func (s *Service) StartPolicyGeneration(ctx context.Context, c *iam.Caller, in *aatypes.StartPolicyGenerationRequest) (*aatypes.StartPolicyGenerationResponse, error) {
	if err := s.authorize(ctx, c, "StartPolicyGeneration"); err != nil {
		return nil, err
	}
	st, err := s.generationStore()
	if err != nil {
		return nil, err
	}
	acct := c.Account()
	now := s.gen.opts.Now().UTC()
	job := &generationJob{ID: newJobID(), Principal: in.PolicyGenerationDetails.PrincipalArn, Status: aatypes.JobStatusINPROGRESS,
		Started: now, Start: now.Add(-MaxGenerationWindow), End: now}
	if in.ClientToken != nil {
		job.ClientToken = *in.ClientToken
	}
	if d := in.CloudTrailDetails; d != nil {
		job.Start = d.StartTime.UTC()
		if d.EndTime != nil && d.EndTime.Before(now) {
			job.End = d.EndTime.UTC()
		}
		for _, t := range d.Trails {
			job.Trails = append(job.Trails, jobTrail{ARN: t.CloudTrailArn, Regions: t.Regions, AllRegions: t.AllRegions})
		}
		if job.End.Before(job.Start) {
			return nil, invalid("cloudTrailDetails.startTime", job.Start.Format(time.RFC3339), "Member must be before endTime and the current time")
		}
		if job.End.Sub(job.Start) > MaxGenerationWindow {
			return nil, invalid("cloudTrailDetails.startTime", job.Start.Format(time.RFC3339), "The time range must be at most 90 days")
		}
	}
	if len(job.Trails) == 0 {
		p := c.Partition()
		job.Trails = []jobTrail{{ARN: p.ARN("cloudtrail", p.IAMRegion(), acct, "trail/"+audit.DefaultTrailName), AllRegions: ptr(true)}}
	}
	if !s.gen.begin(acct) {
		return nil, quotaExceeded("Concurrent policy generations exceeded: an account runs one policy generation at a time.")
	}
	defer s.gen.end(acct)

	if f := s.gen.opts.Flush; f != nil {
		if err := f(ctx); err != nil {
			return nil, fmt.Errorf("analyzer: %w", err)
		}
	}
	// The quota and the client token are read first; the job and the sweep of old jobs are written in one
	// transaction at the end (a second generation of the account waits for none: begin refused it).
	var jobs []*generationJob
	if err := s.st.View(ctx, func(ctx context.Context, r store.Reader) (err error) {
		jobs, err = listJobs(ctx, r, acct)
		return err
	}); err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	today := 0
	var expired []string
	for _, j := range jobs {
		switch {
		case now.Sub(j.Started) > generationRetention:
			expired = append(expired, j.ID)
		case job.ClientToken != "" && j.ClientToken == job.ClientToken:
			return &aatypes.StartPolicyGenerationResponse{JobId: j.ID}, nil
		case now.Sub(j.Started) < 24*time.Hour:
			today++
		}
	}
	if today >= GenerationsPerDay {
		return nil, quotaExceeded(fmt.Sprintf("Policy generations per day exceeded: the account started %d in the last 24 hours.", GenerationsPerDay))
	}

	err = s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		u, err := Used(ctx, r, acct, job.Principal, job.Start, job.End, UsedOptions{Catalog: s.gen.opts.Catalog, MaxEvents: s.gen.opts.MaxEvents})
		if errors.Is(err, ErrPrincipalNotFound) {
			job.Status = aatypes.JobStatusFAILED
			job.Error = &jobError{Code: aatypes.JobErrorCodeRESOURCENOTFOUNDERROR, Message: "The principal " + job.Principal + " is not a user or role of account " + acct + "."}
			return nil
		}
		if err != nil {
			return err
		}
		job.Status, job.Usage = aatypes.JobStatusSUCCEEDED, u
		job.CollapseAbove, err = u.CollapseChecked(ctx, r, s.gen.opts.Policies, s.opts.Checker, s.opts.CheckTimeout, s.gen.opts.CollapseAbove)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	done := s.gen.opts.Now().UTC()
	job.Completed = &done
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, id := range expired {
			if err := tx.Delete(ctx, acct, KindPolicyGenerationJob, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return putJob(ctx, tx, acct, job, true)
	})
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	return &aatypes.StartPolicyGenerationResponse{JobId: job.ID}, nil
}

// CollapseChecked is the PolicyOptions.CollapseAbove to write u's policies with: above, when collapsing resources
// into patterns changes nothing or when checker proves (within timeout) that the collapsed policies grant nothing
// the principal's identity policies (read from src) do not, so that a pattern covers only resources the principal
// could use already; else -1, every resource apart. A policy generated so grants no new access whenever the exact
// one does not. With a nil src nothing collapses.
func (u *Usage) CollapseChecked(ctx context.Context, r store.Reader, src IdentityPolicies, checker *reason.Checker, timeout time.Duration, above int) (int, error) {
	collapsed := u.Policies(PolicyOptions{Resources: true, CollapseAbove: above})
	if slices.Equal(collapsed, u.Policies(PolicyOptions{Resources: true, CollapseAbove: -1})) {
		return above, nil
	}
	if src == nil {
		return -1, nil
	}
	account := ""
	if a, err := arn.Parse(u.Principal); err == nil {
		account = a.Account
	}
	attached, err := src.IdentityPolicies(ctx, r, account, u.Principal)
	if err != nil {
		return 0, fmt.Errorf("policies of %s: %w", u.Principal, err)
	}
	current := make([]*policy.Policy, len(attached))
	for i, a := range attached {
		current[i] = a.Policy
	}
	generated := make([]*policy.Policy, 0, len(collapsed))
	for _, doc := range collapsed {
		p, err := policy.Parse([]byte(doc), policy.TypeIdentity)
		if err != nil {
			return 0, fmt.Errorf("generated policy: %w", err)
		}
		generated = append(generated, p)
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := checker.Exceeds(cctx, generated, current, func(int) string { return "" })
	if err != nil && ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err != nil || res.Verdict != reason.Pass {
		return -1, nil
	}
	return above, nil
}

// GetGeneratedPolicy answers a job's state and, once it succeeded, its policies: on the resources used with
// includeResourcePlaceholders, on "*" without (PolicyOptions). includeServiceLevelTemplate changes nothing: AWS's
// service-level template covers the services whose actions its trail cannot tell, and iamd's trail tells the
// action of every call.
func (s *Service) GetGeneratedPolicy(ctx context.Context, c *iam.Caller, in *aatypes.GetGeneratedPolicyRequest) (*aatypes.GetGeneratedPolicyResponse, error) {
	job, err := s.loadJob(ctx, c, "GetGeneratedPolicy", in.JobId)
	if err != nil {
		return nil, err
	}
	out := &aatypes.GetGeneratedPolicyResponse{JobDetails: job.details(), GeneratedPolicyResult: &aatypes.GeneratedPolicyResult{
		Properties: &aatypes.GeneratedPolicyProperties{PrincipalArn: job.Principal}}}
	if job.Usage == nil {
		return out, nil
	}
	props := out.GeneratedPolicyResult.Properties
	props.PrincipalArn = job.Usage.Principal
	props.IsComplete = ptr(job.Usage.Complete)
	ct := &aatypes.CloudTrailProperties{StartTime: job.Usage.Start, EndTime: job.Usage.End}
	for _, t := range job.Trails {
		ct.TrailProperties = append(ct.TrailProperties, aatypes.TrailProperties{CloudTrailArn: t.ARN, Regions: t.Regions, AllRegions: t.AllRegions})
	}
	props.CloudTrailProperties = ct
	withResources := in.IncludeResourcePlaceholders != nil && *in.IncludeResourcePlaceholders
	for _, p := range job.Usage.Policies(PolicyOptions{Resources: withResources, CollapseAbove: job.CollapseAbove}) {
		out.GeneratedPolicyResult.GeneratedPolicies = append(out.GeneratedPolicyResult.GeneratedPolicies, aatypes.GeneratedPolicy{Policy: p})
	}
	return out, nil
}

// ListPolicyGenerations lists the account's jobs of the last seven days, newest first, those of one principal
// when principalArn is given.
func (s *Service) ListPolicyGenerations(ctx context.Context, c *iam.Caller, in *aatypes.ListPolicyGenerationsRequest) (*aatypes.ListPolicyGenerationsResponse, error) {
	if err := s.authorize(ctx, c, "ListPolicyGenerations"); err != nil {
		return nil, err
	}
	now := s.gen.opts.Now()
	var jobs []*generationJob
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		jobs, err = listJobs(ctx, r, c.Account())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	jobs = slices.DeleteFunc(jobs, func(j *generationJob) bool {
		return now.Sub(j.Started) > generationRetention || in.PrincipalArn != nil && !strings.EqualFold(j.Principal, *in.PrincipalArn)
	})
	slices.SortFunc(jobs, func(a, b *generationJob) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	from := 0
	if in.NextToken != nil {
		i := slices.IndexFunc(jobs, func(j *generationJob) bool { return j.ID == *in.NextToken })
		if i < 0 {
			return nil, invalid("nextToken", *in.NextToken, "Member must be a token a previous answer gave")
		}
		from = i
	}
	to := len(jobs)
	if in.MaxResults != nil && from+int(*in.MaxResults) < to {
		to = from + int(*in.MaxResults)
	}
	out := &aatypes.ListPolicyGenerationsResponse{PolicyGenerations: []aatypes.PolicyGeneration{}}
	for _, j := range jobs[from:to] {
		out.PolicyGenerations = append(out.PolicyGenerations, aatypes.PolicyGeneration{JobId: j.ID, PrincipalArn: j.Principal, Status: j.Status,
			StartedOn: j.Started, CompletedOn: j.Completed})
	}
	if to < len(jobs) {
		out.NextToken = ptr(jobs[to].ID)
	}
	return out, nil
}

// CancelPolicyGeneration cancels a job that is still running; one that has completed stays as it is (iamd's jobs
// complete within StartPolicyGeneration).
func (s *Service) CancelPolicyGeneration(ctx context.Context, c *iam.Caller, in *aatypes.CancelPolicyGenerationRequest) (*aatypes.CancelPolicyGenerationResponse, error) {
	job, err := s.loadJob(ctx, c, "CancelPolicyGeneration", in.JobId)
	if err != nil {
		return nil, err
	}
	if job.Status != aatypes.JobStatusINPROGRESS {
		return &aatypes.CancelPolicyGenerationResponse{}, nil
	}
	st, err := s.generationStore()
	if err != nil {
		return nil, err
	}
	done := s.gen.opts.Now().UTC()
	job.Status, job.Completed, job.Usage = aatypes.JobStatusCANCELED, &done, nil
	if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error { return putJob(ctx, tx, c.Account(), job, false) }); err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	return &aatypes.CancelPolicyGenerationResponse{}, nil
}

// loadJob reads a job of the caller's account after authorizing op.
func (s *Service) loadJob(ctx context.Context, c *iam.Caller, op, id string) (*generationJob, error) {
	if err := s.authorize(ctx, c, op); err != nil {
		return nil, err
	}
	var job *generationJob
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.Get(ctx, c.Account(), KindPolicyGenerationJob, id)
		if errors.Is(err, store.ErrNotFound) {
			return noSuchJob(id)
		}
		if err != nil {
			return fmt.Errorf("analyzer: %w", err)
		}
		job = new(generationJob)
		if err := json.Unmarshal(e.Data, job); err != nil {
			return fmt.Errorf("analyzer: job %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.gen.opts.Now().Sub(job.Started) > generationRetention {
		return nil, noSuchJob(id)
	}
	return job, nil
}

func (j *generationJob) details() *aatypes.JobDetails {
	d := &aatypes.JobDetails{JobId: j.ID, Status: j.Status, StartedOn: j.Started, CompletedOn: j.Completed}
	if j.Error != nil {
		d.JobError = &aatypes.JobError{Code: j.Error.Code, Message: j.Error.Message}
	}
	return d
}

// listJobs reads the account's jobs.
func listJobs(ctx context.Context, r store.Reader, acct string) ([]*generationJob, error) {
	var out []*generationJob
	q := store.ListQuery{Account: acct, Kind: KindPolicyGenerationJob}
	for {
		page, err := r.List(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entities {
			j := new(generationJob)
			if err := json.Unmarshal(e.Data, j); err != nil {
				return nil, fmt.Errorf("job %s: %w", e.Name, err)
			}
			out = append(out, j)
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// putJob stores a job: inserted when it is new, else replaced.
func putJob(ctx context.Context, tx store.Tx, acct string, j *generationJob, insert bool) error {
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	e := &store.Entity{Account: acct, Kind: KindPolicyGenerationJob, Name: j.ID, Path: "/", Created: j.Started, Data: data}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// newJobID is a job ID: a random UUID, as AWS's are.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
