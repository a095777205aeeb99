package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	aa "github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/server"
)

const analyzeFindingsUsage = `Usage: iamd analyze findings [--data DIR] [--store URL] [--account ID] [--organization | --unused-access-age DAYS [--clock-offset D]] [--output text|json|sarif] [--fail-on any|public|none]

The external-access findings an IAM Access Analyzer analyzer would report now over the data directory: the role
trust policies and registered resource policies of the account (or, with --organization, of every account of its
organization, whose management account or Access Analyzer delegated administrator it must be) that let a
principal outside the zone of trust act. It reads the store and writes nothing, beside a running server or not.
The analyzers of a running server answer the same through the Access Analyzer API (aws accessanalyzer
list-findings), with their archive rules and statuses.
With --unused-access-age DAYS, the unused-access findings instead (an ACCOUNT_UNUSED_ACCESS analyzer's, with that
unusedAccessAge): roles, access keys and passwords not used within DAYS days, and permissions granted but not
exercised, from the audit trail, by the server's clock (--clock-offset).
Exit status: 0 if nothing is at or above --fail-on (any: every finding; public: public ones), 1 if something is,
2 if the command could not run.
`

const checkExternalAccess = "external-access"

// externalFinding is a finding as iamd analyze findings writes it in JSON: Access Analyzer's FindingSummary fields
// (without the analyzer's ID, status and times).
type externalFinding struct {
	Resource             string            `json:"resource"`
	ResourceType         string            `json:"resourceType"`
	ResourceOwnerAccount string            `json:"resourceOwnerAccount"`
	FindingType          string            `json:"findingType"`
	Principal            map[string]string `json:"principal"`
	Action               []string          `json:"action"`
	Condition            map[string]string `json:"condition"`
	IsPublic             bool              `json:"isPublic"`
}

// runAnalyzeFindings is "iamd analyze findings".
func runAnalyzeFindings(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd analyze findings", analyzeFindingsUsage, s.stderr)
	cfg := dataConfig(s, fs)
	account := fs.String("account", "", "the account to analyze (default: the data directory's default account, --account-id of serve)")
	organization := fs.Bool("organization", false, "take the account's organization as the zone of trust (type ORGANIZATION)")
	output := fs.String("output", "text", "the output format: text, json or sarif (SARIF 2.1.0, for code scanning)")
	failOn := fs.String("fail-on", "any", "exit 1 when a finding is at or above `LEVEL`: any, public or none")
	unusedAge := fs.Int("unused-access-age", 0, "report unused access instead: what was not used within `DAYS` days (1 to 365)")
	cfg.ClockOffset = s.getenv("IAMD_CLOCK_OFFSET")
	fs.StringVar(&cfg.ClockOffset, "clock-offset", cfg.ClockOffset, "with --unused-access-age: the server's test clock, this far ahead of the real time (env IAMD_CLOCK_OFFSET)")
	pos, code, ok := parseFlags(fs, args)
	switch {
	case !ok:
		return code
	case len(pos) > 0:
		return usageError(fs, "unexpected arguments: %q", pos)
	case !slices.Contains([]string{"text", "json", "sarif"}, *output):
		return usageError(fs, "--output must be text, json or sarif, not %q", *output)
	case !slices.Contains([]string{"any", "public", "none"}, *failOn):
		return usageError(fs, "--fail-on must be any, public or none, not %q", *failOn)
	case *unusedAge < 0 || *unusedAge > 365:
		return usageError(fs, "--unused-access-age must be 1 to 365 days, not %d", *unusedAge)
	case *unusedAge > 0 && *organization:
		return usageError(fs, "--unused-access-age analyzes one account: it takes no --organization")
	}
	if code, ok := checkDataConfig(fs, cfg); !ok {
		return code
	}
	if *account == "" {
		*account = cfg.AccountID
	}
	t := aatypes.TypeACCOUNT
	if *organization {
		t = aatypes.TypeORGANIZATION
	}
	logger := slog.New(slog.NewTextHandler(s.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if *unusedAge > 0 {
		detected, err := server.AnalyzeUnusedAccess(ctx, *cfg, *account, time.Duration(*unusedAge)*24*time.Hour, logger)
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd analyze findings: %v\n", err)
			return exitUsage
		}
		return writeUnusedFindings(s, detected, *output, *failOn)
	}
	detected, err := server.AnalyzeFindings(ctx, *cfg, *account, t, logger)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze findings: %v\n", err)
		return exitUsage
	}
	findings := externalFindings(detected)
	switch *output {
	case "json":
		err = writeFindingsJSON(s, findings)
	case "sarif":
		err = writeSARIF(s.stdout, findingResults(findings))
	default:
		for _, f := range findings {
			fmt.Fprintf(s.stdout, "%s: %s %s %s can %s%s\n", f.Resource, f.ResourceType, publicOrCross(f.IsPublic), principalText(f.Principal),
				strings.Join(f.Action, ","), conditionText(f.Condition))
		}
		_, err = fmt.Fprintf(s.stdout, "%d external-access finding(s)\n", len(findings))
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze findings: %v\n", err)
		return exitUsage
	}
	for _, f := range findings {
		if *failOn == "any" || (*failOn == "public" && f.IsPublic) {
			return exitFail
		}
	}
	return exitOK
}

func externalFindings(ds []aa.Detected) []externalFinding {
	out := []externalFinding{}
	for _, d := range ds {
		f := externalFinding{Resource: d.Resource, ResourceType: string(d.ResourceType), ResourceOwnerAccount: d.ResourceOwnerAccount,
			FindingType: string(d.FindingType), Principal: map[string]string{}, Condition: map[string]string{}, Action: []string{}}
		for _, det := range d.Details {
			if x := det.ExternalAccessDetails; x != nil {
				f.Principal, f.Action, f.Condition = x.Principal, x.Action, x.Condition
				f.IsPublic = x.IsPublic != nil && *x.IsPublic
			}
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}

func writeFindingsJSON(s stdio, fs []externalFinding) error {
	enc := json.NewEncoder(s.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"findings": fs})
}

// findingResults are the findings as the SARIF writer takes check results: one FAIL per resource, a reason per
// finding.
func findingResults(fs []externalFinding) []checkResult {
	var out []checkResult
	for _, f := range fs {
		if len(out) == 0 || out[len(out)-1].File != f.Resource {
			out = append(out, checkResult{File: f.Resource, Check: checkExternalAccess, Result: fail,
				Message: "The " + f.ResourceType + "'s policy grants access to principals outside the zone of trust."})
		}
		r := &out[len(out)-1]
		r.Reasons = append(r.Reasons, because{Description: fmt.Sprintf("%s %s can %s%s.", publicOrCross(f.IsPublic), principalText(f.Principal),
			strings.Join(f.Action, ","), conditionText(f.Condition))})
	}
	return out
}

func publicOrCross(public bool) string {
	if public {
		return "public:"
	}
	return "cross-account:"
}

func principalText(p map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(mapKeys(p)) {
		parts = append(parts, k+" "+p[k])
	}
	return strings.Join(parts, ", ")
}

func conditionText(c map[string]string) string {
	if len(c) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(mapKeys(c)) {
		parts = append(parts, k+"="+c[k])
	}
	return " when " + strings.Join(parts, ", ")
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

const checkUnusedAccess = "unused-access"

// unusedFinding is an unused-access finding as iamd analyze findings writes it in JSON: Access Analyzer's
// FindingSummaryV2 fields with the finding's details (GetFindingV2's findingDetails).
type unusedFinding struct {
	Resource             string           `json:"resource"`
	ResourceType         string           `json:"resourceType"`
	ResourceOwnerAccount string           `json:"resourceOwnerAccount"`
	FindingType          string           `json:"findingType"`
	Details              []map[string]any `json:"findingDetails"`
	detail               string           // one line, for text and SARIF
}

// writeUnusedFindings writes unused-access findings in the output format and returns the exit status: every
// unused-access finding is at --fail-on any; none is public.
func writeUnusedFindings(s stdio, ds []aa.Detected, output, failOn string) int {
	fs := make([]unusedFinding, 0, len(ds))
	for _, d := range ds {
		f := unusedFinding{Resource: d.Resource, ResourceType: string(d.ResourceType), ResourceOwnerAccount: d.ResourceOwnerAccount,
			FindingType: string(d.FindingType), Details: []map[string]any{}}
		for _, det := range d.Details {
			switch {
			case det.UnusedIamRoleDetails != nil:
				f.Details = append(f.Details, map[string]any{"unusedIamRoleDetails": det.UnusedIamRoleDetails})
				f.detail = "the role was not used" + since(det.UnusedIamRoleDetails.LastAccessed)
			case det.UnusedIamUserAccessKeyDetails != nil:
				x := det.UnusedIamUserAccessKeyDetails
				f.Details = append(f.Details, map[string]any{"unusedIamUserAccessKeyDetails": x})
				f.detail = "access key " + x.AccessKeyId + " was not used" + since(x.LastAccessed)
			case det.UnusedIamUserPasswordDetails != nil:
				f.Details = append(f.Details, map[string]any{"unusedIamUserPasswordDetails": det.UnusedIamUserPasswordDetails})
				f.detail = "the console password was not used" + since(det.UnusedIamUserPasswordDetails.LastAccessed)
			case det.UnusedPermissionDetails != nil:
				x := det.UnusedPermissionDetails
				f.Details = append(f.Details, map[string]any{"unusedPermissionDetails": x})
				f.detail = "service " + x.ServiceNamespace + " was not used" + since(x.LastAccessed)
				if len(x.Actions) > 0 {
					names := make([]string, len(x.Actions))
					for i, a := range x.Actions {
						names[i] = a.Action
					}
					f.detail = "actions of " + x.ServiceNamespace + " not used: " + strings.Join(names, ",")
				}
			}
		}
		fs = append(fs, f)
	}
	var err error
	switch output {
	case "json":
		enc := json.NewEncoder(s.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(map[string]any{"findings": fs})
	case "sarif":
		var results []checkResult
		for _, f := range fs {
			results = append(results, checkResult{File: f.Resource, Check: checkUnusedAccess, Result: fail,
				Message: f.FindingType + ": " + f.detail + "."})
		}
		err = writeSARIF(s.stdout, results)
	default:
		for _, f := range fs {
			fmt.Fprintf(s.stdout, "%s: %s: %s\n", f.Resource, f.FindingType, f.detail)
		}
		_, err = fmt.Fprintf(s.stdout, "%d unused-access finding(s)\n", len(fs))
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd analyze findings: %v\n", err)
		return exitUsage
	}
	if len(fs) > 0 && failOn == "any" {
		return exitFail
	}
	return exitOK
}

// since says when something was last used: never, or since a time.
func since(last *time.Time) string {
	if last == nil {
		return ""
	}
	return " since " + last.UTC().Format(time.RFC3339)
}
