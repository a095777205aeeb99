// Package analyzer is IAM Access Analyzer as iamd serves it: the policy checks (ValidatePolicy, CheckNoNewAccess,
// CheckAccessNotGranted and CheckNoPublicAccess), and analyzers with their archive rules and findings
// (analyzers.go, archiverules.go, findings.go), whose external-access findings ExternalAccess detects
// (external.go) and which any Detector may feed (unused access). It knows no transport: the wire layer
// (internal/api/aaapi) binds it to the REST-JSON API, and every call is authorized by IAM's engine as
// access-analyzer:<Operation>.
//
// Analyzers and findings are store entities of the analyzer's account (KindAnalyzer, KindFinding). Findings stay
// current without a periodic scan: a read brings them up to date when the store's PolicyGeneration moved (see
// findings.go).
//
// CheckNoNewAccess and CheckAccessNotGranted are decided by package reason, which is sound: PASS only when no
// request can be allowed that the check forbids. A check that reason cannot decide (its time or size budget ran
// out, or the policy is of a kind it does not model yet) answers FAIL with a reason that says so, never PASS.
//
// Beyond AWS, every FAIL that reason proves carries its witness request, which iamd's engine decided as claimed:
// it follows AWS's description of the reason, after WitnessMarker, as a JSON object {"principal", "action",
// "resource", "context"} ("New access in the statement with index: 0. iamd witness: {...}"). The description
// is a string of the model, so every client parses the answer unchanged; a tool that wants AWS's text alone cuts
// it at WitnessMarker.
//
// ValidatePolicy asks a Validator, and CheckNoPublicAccess a PublicAccess checker: small interfaces the server
// wires to the validator and the public-access rules of the engine's packages.
//
// Policy generation (polgen.go) writes a user's or role's policy from what iamd's trail says it used: Used reads
// it from a store.Reader (the API's jobs and "iamd analyze generate-policy" share it) and Usage.Policies writes
// it; jobs are entities of KindPolicyGenerationJob.
package analyzer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/reason"
)

// IAM is what the checks need of the IAM service: to authorize the caller. *iam.Service implements it.
type IAM interface {
	Authorize(ctx context.Context, r store.Reader, c *iam.Caller, a iam.Authorization) error
}

var _ IAM = (*iam.Service)(nil)

// Viewer runs fn in a read transaction of the store (store.Store's View).
type Viewer interface {
	View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error
}

// Options configure the Service.
type Options struct {
	// Checker decides CheckNoNewAccess, CheckAccessNotGranted and CheckNoPublicAccess; reason.New with its defaults when nil.
	Checker *reason.Checker
	// Validator answers ValidatePolicy; New refuses a nil one.
	Validator Validator
	// CheckTimeout bounds the time one custom check may take (its time budget); DefaultCheckTimeout when zero.
	CheckTimeout time.Duration
	// History tells when principals last used services, actions and access keys (the audit trail's
	// audit.History), and Principals what their policies allow (*iam.Service): unused-access analysis
	// (DetectUnused, RecommendUnused) needs both and fails without them.
	History    iam.AccessHistory
	Principals Principals

	// Store keeps the analyzers, their archive rules and findings (analyzers.go); without it the analyzer
	// operations answer InternalServerException.
	Store Store
	// Orgs tells an account's organization, the zone of trust of organization analyzers; without it they cannot
	// be created.
	Orgs Organizations
	// Detectors find what analyzers of each type report. ACCOUNT and ORGANIZATION get the external-access
	// detector (NewExternalAccess) unless given; a type without a detector (the unused-access types until one is
	// plugged in) detects nothing.
	Detectors map[aatypes.Type]Detector
	// Region is an analyzer's Region when the request names none.
	Region string
	// Now is the clock of findings' times; time.Now when nil.
	Now func() time.Time
	// NewID makes a finding's ID; a random UUID when nil.
	NewID func(now time.Time) string
	// Generation configures policy generation (polgen.go).
	Generation GenerationOptions
}

// DefaultCheckTimeout is a custom check's time budget when Options.CheckTimeout is zero.
const DefaultCheckTimeout = 10 * time.Second

// Service runs Access Analyzer's policy checks.
type Service struct {
	st   Viewer
	iam  IAM
	opts Options

	mu    sync.Mutex
	fresh map[string]freshness // analyzer → when its findings were last known current
	gen   *generations
}

// New returns the policy checks, authorized by iamSvc over the store st.
func New(st Viewer, iamSvc IAM, opts Options) (*Service, error) {
	if opts.Validator == nil {
		return nil, errors.New("analyzer: a Validator is required")
	}
	if opts.Checker == nil {
		opts.Checker = reason.New(reason.Options{})
	}
	if opts.CheckTimeout <= 0 {
		opts.CheckTimeout = DefaultCheckTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = newFindingID
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	dets := map[aatypes.Type]Detector{}
	ext := NewExternalAccess(opts.Checker, opts.CheckTimeout)
	dets[aatypes.TypeACCOUNT], dets[aatypes.TypeORGANIZATION] = ext, ext
	s := &Service{st: st, iam: iamSvc, opts: opts, fresh: map[string]freshness{}}
	if opts.History != nil && opts.Principals != nil {
		dets[aatypes.TypeACCOUNTUNUSEDACCESS], dets[aatypes.TypeORGANIZATIONUNUSEDACCESS] = unusedDetector{s}, unusedDetector{s}
	}
	maps.Copy(dets, opts.Detectors)
	s.opts.Detectors = dets
	s.gen = newGenerations(st, iamSvc, opts.Generation)
	return s, nil
}

// now is the time of the service's clock, to the millisecond (as Access Analyzer's timestamps are).
func (s *Service) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// authorize runs IAM's check of access-analyzer:<op> for the caller. The policy checks have no resource type, so
// the resource is "*"; a refusal is Access Analyzer's AccessDeniedException (403), whose message names no
// resource, as AWS words it for actions without one.
func (s *Service) authorize(ctx context.Context, c *iam.Caller, op string) error {
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		return s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "access-analyzer:" + op, Resource: "*"})
	})
	ae, ok := awserr.As(err)
	if !ok || ae.Code != "AccessDenied" {
		return err
	}
	return &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 403, Message: strings.Replace(ae.Message, " on resource: * ", " ", 1), Cause: ae}
}

// WitnessMarker separates AWS's description of a reason from the witness request iamd adds to it.
const WitnessMarker = " iamd witness: "

// Reason is one statement behind a check's answer, as Access Analyzer's ReasonSummary reports it.
type Reason struct {
	Description string
	// StatementIndex is the statement's index in the policy; nil when the reason is about no one statement.
	StatementIndex *int
	StatementID    string
}

func (r Reason) summary() aatypes.ReasonSummary {
	out := aatypes.ReasonSummary{Description: &r.Description}
	if r.StatementIndex != nil {
		i := int32(*r.StatementIndex)
		out.StatementIndex = &i
	}
	if r.StatementID != "" {
		id := r.StatementID
		out.StatementId = &id
	}
	return out
}

// CheckResult is the answer of a custom check.
type CheckResult struct {
	Pass    bool
	Message string
	Reasons []Reason
}

func summaries(rs []Reason) []aatypes.ReasonSummary {
	if len(rs) == 0 {
		return nil
	}
	out := make([]aatypes.ReasonSummary, len(rs))
	for i, r := range rs {
		out[i] = r.summary()
	}
	return out
}

// fromReason turns reason's answer into a check's: FAIL with the statements and their witnesses, PASS, or — when
// reason could not decide — FAIL with a reason that says why.
// timedOut tells that the check's own time budget ran out (not the request's).
func fromReason(res reason.Result, err error, timedOut bool, pass, fail string) (CheckResult, error) {
	if err != nil {
		switch {
		case errors.Is(err, reason.ErrUnsupported):
			return CheckResult{Message: fail, Reasons: []Reason{{Description: "iamd cannot decide this check: " + err.Error()}}}, nil
		case timedOut && errors.Is(err, context.DeadlineExceeded):
			return CheckResult{Message: fail, Reasons: []Reason{{Description: "iamd could not prove the check within its time budget, so it does not answer PASS."}}}, nil
		}
		return CheckResult{}, fmt.Errorf("analyzer: %w", err)
	}
	switch res.Verdict {
	case reason.Pass:
		return CheckResult{Pass: true, Message: pass}, nil
	case reason.Unknown:
		return CheckResult{Message: fail, Reasons: []Reason{{Description: "iamd could not prove the check within its budget (" + res.Message + "), so it does not answer PASS."}}}, nil
	}
	out := CheckResult{Message: fail}
	for _, r := range res.Reasons {
		idx := r.StatementIndex
		d := r.Description
		if r.Witness != nil {
			d += WitnessMarker + witnessJSON(r.Witness)
		}
		out.Reasons = append(out.Reasons, Reason{Description: d, StatementIndex: &idx, StatementID: r.StatementID})
	}
	return out, nil
}
