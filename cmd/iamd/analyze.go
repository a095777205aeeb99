package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/reason"
)

const analyzeUsage = `Usage:
  iamd analyze validate [--policy-type TYPE] [--resource-type TYPE] [common flags] FILE...
  iamd analyze check-no-new-access --existing OLD --new NEW [--policy-type identity|resource] [common flags]
  iamd analyze check-access-not-granted [--actions A,B] [--resources ARN,...] [common flags] FILE...
  iamd analyze check-no-public-access --resource-type TYPE [common flags] FILE...
  iamd analyze --git RANGE [--include GLOB] [--actions A,B] [--resources ARN,...] [common flags]
  iamd analyze findings [--data DIR] [--account ID] [--organization] [--output text|json|sarif]
  iamd analyze generate-policy --principal ARN [--data DIR] [--start TIME] [--end TIME] [--resources=false]

Access Analyzer's policy checks, offline, for CI; "findings" lists the external-access findings of a data
directory's account or organization, and "generate-policy" writes a user's or role's policy from what the data
directory's trail says it used. Every FAIL of a check carries a witness request that iamd's
engine allows. Common flags: --output text|json|sarif, --fail-on LEVEL, --timeout DURATION, --aws-data DIR.
Exit status: 0 if nothing is at or above --fail-on, 1 if something is, 2 if the command could not run.
Run "iamd analyze COMMAND -h" for a command's flags.
`

// runAnalyze dispatches "iamd analyze SUBCOMMAND" and "iamd analyze --git RANGE" (flags first).
func runAnalyze(ctx context.Context, s stdio, args []string) int {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") && !slices.Contains([]string{"-h", "-help", "--help"}, args[0]) {
		return runAnalyzeGit(ctx, s, args) // the only form without a subcommand
	}
	return runSubcommand(ctx, s, "iamd analyze", analyzeUsage, args, map[string]command{
		"validate":                 runAnalyzeValidate,
		"check-no-new-access":      runAnalyzeNoNewAccess,
		"check-access-not-granted": runAnalyzeAccessNotGranted,
		"check-no-public-access":   runAnalyzeNoPublicAccess,
		"findings":                 runAnalyzeFindings,
		"generate-policy":          runAnalyzeGenerate,
	})
}

// The checks, as result.Check names them (and SARIF rules of checks are named).
const (
	checkValidate       = "validate"
	checkNoNewAccess    = "check-no-new-access"
	checkAccessNotGrant = "check-access-not-granted"
	checkNoPublicAccess = "check-no-public-access"
)

// level ranks what a result reports, for --fail-on. A FAIL of a check is levelError.
type level uint8

const (
	levelSuggestion level = iota + 1
	levelWarning
	levelSecurityWarning
	levelError
	levelNever // --fail-on none
)

var levelNames = map[string]level{
	"suggestion": levelSuggestion, "warning": levelWarning, "security-warning": levelSecurityWarning,
	"error": levelError, "none": levelNever,
}

// findingLevel ranks an Access Analyzer findingType.
func findingLevel(findingType string) level {
	switch findingType {
	case "ERROR":
		return levelError
	case "SECURITY_WARNING":
		return levelSecurityWarning
	case "WARNING":
		return levelWarning
	}
	return levelSuggestion
}

// analyzeFlags are the flags every analyze command takes.
type analyzeFlags struct {
	output  *string
	failOn  *string
	timeout *time.Duration
	awsData *string
}

func addAnalyzeFlags(fs *flag.FlagSet, getenv func(string) string) analyzeFlags {
	return analyzeFlags{
		output: fs.String("output", "text", "the output format: text, json or sarif (SARIF 2.1.0, for code scanning)"),
		failOn: fs.String("fail-on", "security-warning",
			"exit 1 when a finding is at or above `LEVEL`: suggestion, warning, security-warning, error or none; a FAIL of a check is an error"),
		timeout: fs.Duration("timeout", time.Minute, "the time one check may take; a check that runs out of it answers FAIL"),
		awsData: awsDataFlag(fs, getenv),
	}
}

// analyzer is one run of an analyze command: its settings, and the validator and checkers it uses.
type analyzer struct {
	s         stdio
	output    string
	failOn    level
	timeout   time.Duration
	validator policyValidator
	checker   accessChecker
	public    publicAccessChecker
}

// newAnalyzer checks the common flags and loads what the checks need. It returns the exit code to end with when
// it cannot.
func newAnalyzer(fs *flag.FlagSet, s stdio, f analyzeFlags) (*analyzer, int, bool) {
	if !slices.Contains([]string{"text", "json", "sarif"}, *f.output) {
		return nil, usageError(fs, "--output must be text, json or sarif, not %q", *f.output), false
	}
	lv, ok := levelNames[*f.failOn]
	if !ok {
		return nil, usageError(fs, "--fail-on must be suggestion, warning, security-warning, error or none, not %q", *f.failOn), false
	}
	if *f.timeout <= 0 {
		return nil, usageError(fs, "--timeout must be positive"), false
	}
	cat, _, err := loadCatalog(*f.awsData)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return nil, exitUsage, false
	}
	checker := reason.New(reason.Options{Catalog: cat})
	return &analyzer{
		s: s, output: *f.output, failOn: lv, timeout: *f.timeout,
		validator: accessAnalyzerValidator{cat: cat},
		checker:   checker,
		public:    checker,
	}, 0, true
}

// checkResult is the answer of one check on one file, as every output format reports it.
type checkResult struct {
	File  string `json:"file"`
	Check string `json:"check"`
	// Existing is the file the existing policy came from (check-no-new-access), e.g. "origin/main:p.json".
	Existing string `json:"existing,omitempty"`
	// Result is PASS or FAIL; for validate, FAIL when a finding is at or above --fail-on.
	Result   string    `json:"result"`
	Message  string    `json:"message,omitempty"`
	Findings []finding `json:"findings,omitempty"`
	Reasons  []because `json:"reasons,omitempty"`
}

// finding is one finding of validate, in the shape of Access Analyzer's ValidatePolicyFinding.
type finding struct {
	IssueCode      string `json:"issueCode"`
	FindingType    string `json:"findingType"`
	FindingDetails string `json:"findingDetails"`
	LearnMoreLink  string `json:"learnMoreLink,omitempty"`
	Line           int    `json:"line"`
	Column         int    `json:"column"`
}

// because is one reason of a check's FAIL, in the shape of Access Analyzer's ReasonSummary, with where the
// statement is in the file and the witness request.
type because struct {
	Description    string          `json:"description"`
	StatementIndex int             `json:"statementIndex"`
	StatementID    string          `json:"statementId,omitempty"`
	Line           int             `json:"line"`
	Column         int             `json:"column"`
	Witness        *reason.Witness `json:"witness,omitempty"`
}

const (
	pass = "PASS"
	fail = "FAIL"
)

// failing reports whether r is at or above the threshold.
func (a *analyzer) failing(r *checkResult) bool {
	if a.failOn == levelNever {
		return false
	}
	if r.Check != checkValidate {
		return r.Result == fail
	}
	for _, f := range r.Findings {
		if findingLevel(f.FindingType) >= a.failOn {
			return true
		}
	}
	return false
}

// finish writes the results in the chosen format and returns the exit code: exitUsage when inputErr is set (an
// input could not be read), exitFail when a result is at or above --fail-on.
func (a *analyzer) finish(results []checkResult, inputErr bool) int {
	var err error
	switch a.output {
	case "json":
		err = writeJSON(a.s.stdout, results)
	case "sarif":
		err = writeSARIF(a.s.stdout, results)
	default:
		err = writeText(a.s.stdout, results)
	}
	if err != nil {
		fmt.Fprintf(a.s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	if inputErr {
		return exitUsage
	}
	for i := range results {
		if a.failing(&results[i]) {
			return exitFail
		}
	}
	return exitOK
}

// validate runs the validator on one document and gives its result.
func (a *analyzer) validate(ctx context.Context, name string, doc []byte, policyType, resourceType string) (checkResult, error) {
	fs, err := a.validator.ValidatePolicy(ctx, doc, policyType, resourceType)
	if err != nil {
		return checkResult{}, err
	}
	r := checkResult{File: name, Check: checkValidate, Result: pass, Findings: fs}
	if a.failing(&r) {
		r.Result = fail
	}
	return r, nil
}

// verdict turns a reasoning result into r's answer: Unknown and errors of the reasoning fail closed. Reasons are
// located at their statements in p.
func verdict(r *checkResult, res reason.Result, err error, p *policy.Policy, passMsg, failMsg string) {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		r.Result, r.Message = fail, "not decidable: the check ran out of its time (--timeout)"
		return
	case err != nil:
		r.Result, r.Message = fail, "not decidable: "+err.Error()
		return
	case res.Verdict == reason.Pass:
		r.Result, r.Message = pass, passMsg
		return
	case res.Verdict == reason.Unknown:
		r.Result, r.Message = fail, "not decidable: "+res.Message
		return
	}
	r.Result, r.Message = fail, failMsg
	for _, rs := range res.Reasons {
		b := because{Description: rs.Description, StatementIndex: rs.StatementIndex, StatementID: rs.StatementID, Witness: rs.Witness, Line: 1, Column: 1}
		if rs.StatementIndex >= 0 && rs.StatementIndex < len(p.Statements) {
			pos := p.Statements[rs.StatementIndex].Span.Start
			b.Line, b.Column = pos.Line, pos.Col
		}
		r.Reasons = append(r.Reasons, b)
	}
}

// Access Analyzer's messages.
const (
	msgNoNewAccessPass = "The updated policy does not grant new access."
	msgNoNewAccessFail = "The modified permissions grant new access compared to your existing policy."
	msgNotGrantedPass  = "The policy document does not grant access to the listed actions or resources."
	msgNotGrantedFail  = "The policy document grants access to one or more of the listed actions or resources."
	msgNoPublicPass    = "The resource policy does not grant public access for the given resource type."
	msgNoPublicFail    = "The resource policy grants public access for the given resource type."
)

// checkNoNewAccess runs check-no-new-access on two parsed policies, with a timeout.
func (a *analyzer) checkNoNewAccess(ctx context.Context, name, existingName string, existing, updated *policy.Policy) (checkResult, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	res, err := a.checker.NoNewAccess(ctx, existing, updated)
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return checkResult{}, ctx.Err()
	}
	r := checkResult{File: name, Check: checkNoNewAccess, Existing: existingName}
	verdict(&r, res, err, updated, msgNoNewAccessPass, msgNoNewAccessFail)
	return r, nil
}

// checkAccessNotGranted runs check-access-not-granted on a parsed policy, with a timeout.
func (a *analyzer) checkAccessNotGranted(ctx context.Context, name string, p *policy.Policy, actions, resources []string) (checkResult, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	res, err := a.checker.AccessNotGranted(ctx, p, actions, resources)
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return checkResult{}, ctx.Err()
	}
	r := checkResult{File: name, Check: checkAccessNotGrant}
	verdict(&r, res, err, p, msgNotGrantedPass, msgNotGrantedFail)
	return r, nil
}

// checkNoPublicAccess runs check-no-public-access on a parsed resource policy, with a timeout.
func (a *analyzer) checkNoPublicAccess(ctx context.Context, name string, p *policy.Policy, resourceType string) (checkResult, error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	res, err := a.public.NoPublicAccess(ctx, p, resourceType)
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return checkResult{}, ctx.Err()
	}
	r := checkResult{File: name, Check: checkNoPublicAccess}
	verdict(&r, res, err, p, msgNoPublicPass, msgNoPublicFail)
	return r, nil
}

// parseForCheck parses a policy for a check. A document that does not parse is an input error: the message lists
// its error findings.
func parseForCheck(name string, doc []byte, typ policy.Type) (*policy.Policy, error) {
	p, err := policy.Parse(doc, typ)
	if err == nil {
		return p, nil
	}
	var pe *policy.ParseError
	if errors.As(err, &pe) {
		var lines []string
		for _, f := range pe.Findings {
			if f.Severity == policy.SeverityError {
				lines = append(lines, fmt.Sprintf("%s:%d:%d: %s: %s", name, f.Line, f.Col, f.Code, f.Message))
			}
		}
		if len(lines) > 0 {
			return nil, fmt.Errorf("%s is not a valid %s policy:\n%s", name, typ, strings.Join(lines, "\n"))
		}
	}
	return nil, fmt.Errorf("%s: %w", name, err)
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// readFiles reads the named files ("-" is standard input, once). It reports unreadable files to stderr.
func readFiles(fs *flag.FlagSet, s stdio, files []string) (names []string, docs [][]byte, unreadable bool, code int, ok bool) {
	stdinRead := false
	for _, f := range files {
		if f == "-" {
			if stdinRead {
				return nil, nil, false, usageError(fs, "standard input (-) given more than once"), false
			}
			stdinRead = true
		}
		data, name, err := readInput(f, s.stdin)
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd: %v\n", err)
			unreadable = true
			continue
		}
		names, docs = append(names, name), append(docs, data)
	}
	return names, docs, unreadable, 0, true
}
