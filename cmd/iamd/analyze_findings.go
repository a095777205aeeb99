package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"

	aa "github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/server"
)

const analyzeFindingsUsage = `Usage: iamd analyze findings [--data DIR] [--store URL] [--account ID] [--organization] [--output text|json|sarif] [--fail-on any|public|none]

The external-access findings an IAM Access Analyzer analyzer would report now over the data directory: the role
trust policies and registered resource policies of the account (or, with --organization, of every account of its
organization, whose management account or Access Analyzer delegated administrator it must be) that let a
principal outside the zone of trust act. It reads the store and writes nothing, beside a running server or not.
The analyzers of a running server answer the same through the Access Analyzer API (aws accessanalyzer
list-findings), with their archive rules and statuses.
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
