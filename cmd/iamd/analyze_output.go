package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// writeText writes results for people and CI logs: a line per check, then its findings or reasons as
// FILE:LINE:COL lines, and every witness of a FAIL.
func writeText(w io.Writer, results []checkResult) error {
	passed, failed := 0, 0
	for _, r := range results {
		if r.Result == pass {
			passed++
		} else {
			failed++
		}
		head := r.Check
		if r.Existing != "" {
			head += " (existing " + r.Existing + ")"
		}
		line := fmt.Sprintf("%s: %s: %s", r.File, head, r.Result)
		if r.Message != "" {
			line += ": " + r.Message
		}
		fmt.Fprintln(w, line)
		for _, f := range r.Findings {
			fmt.Fprintf(w, "  %s:%d:%d: %s %s: %s\n", r.File, f.Line, f.Column, f.FindingType, f.IssueCode, f.FindingDetails)
		}
		for _, b := range r.Reasons {
			sid := ""
			if b.StatementID != "" {
				sid = fmt.Sprintf(" (Sid %q)", b.StatementID)
			}
			fmt.Fprintf(w, "  %s:%d:%d: %s%s\n", r.File, b.Line, b.Column, b.Description, sid)
			if b.Witness != nil {
				fmt.Fprintf(w, "    witness: %s\n", b.Witness)
			}
		}
	}
	noun := "checks"
	if len(results) == 1 {
		noun = "check"
	}
	_, err := fmt.Fprintf(w, "%d %s: %d PASS, %d FAIL\n", len(results), noun, passed, failed)
	return err
}

// writeJSON writes {"results": [...]}.
func writeJSON(w io.Writer, results []checkResult) error {
	if results == nil {
		results = []checkResult{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Results []checkResult `json:"results"`
	}{results})
}

// SARIF 2.1.0 (OASIS sarif-v2.1.0, the subset GitHub code scanning reads).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool     `json:"tool"`
		ColumnKind string        `json:"columnKind"`
		Results    []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifMessage   `json:"shortDescription"`
		HelpURI              string         `json:"helpUri,omitempty"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID     string          `json:"ruleId"`
		RuleIndex  int             `json:"ruleIndex"`
		Level      string          `json:"level"`
		Message    sarifMessage    `json:"message"`
		Locations  []sarifLocation `json:"locations"`
		Properties map[string]any  `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           sarifRegion   `json:"region"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
)

// The pages that explain each check.
const (
	docChecks          = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html"
	docValidate        = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
	descNoNewAccess    = "The updated policy grants access that the existing policy does not"
	descAccessNotGrant = "The policy grants one of the listed actions or resources"
	descNoPublicAccess = "The resource policy grants public access"
	descExternal       = "The resource's policy grants access to principals outside the zone of trust"
)

// sarifLevel is the SARIF level of an Access Analyzer findingType.
func sarifLevel(findingType string) string {
	switch findingType {
	case "ERROR":
		return "error"
	case "SECURITY_WARNING", "WARNING":
		return "warning"
	}
	return "note"
}

// writeSARIF writes one run with a rule per issue code and per check, and a result per finding and per reason of a
// FAIL (or one for the file, when a FAIL has no reason, as an undecided check has), located in the policy file.
func writeSARIF(w io.Writer, results []checkResult) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "iamd", Version: version, InformationURI: "https://github.com/iamd-dev/iamd",
			Rules: []sarifRule{}}},
		ColumnKind: "unicodeCodePoints",
		Results:    []sarifResult{},
	}
	index := map[string]int{}
	rule := func(id string, mk func() sarifRule) int {
		if i, ok := index[id]; ok {
			return i
		}
		index[id] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, mk())
		return index[id]
	}
	add := func(ruleID string, ri int, lvl, file, msg string, line, col int, props map[string]any) {
		run.Results = append(run.Results, sarifResult{
			RuleID: ruleID, RuleIndex: ri, Level: lvl, Message: sarifMessage{msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: artifactURI(file)},
				Region:           sarifRegion{StartLine: max(line, 1), StartColumn: max(col, 1)},
			}}},
			Properties: props,
		})
	}
	for _, r := range results {
		if r.Check == checkValidate {
			for _, f := range r.Findings {
				ri := rule(f.IssueCode, func() sarifRule {
					sr := sarifRule{ID: f.IssueCode, ShortDescription: sarifMessage{f.IssueCode}, HelpURI: f.LearnMoreLink,
						DefaultConfiguration: sarifConfig{sarifLevel(f.FindingType)}}
					if sr.HelpURI == "" {
						sr.HelpURI = docValidate
					}
					if f.FindingType == "SECURITY_WARNING" {
						sr.Properties = map[string]any{"tags": []string{"security"}, "security-severity": "5.0"}
					}
					return sr
				})
				add(f.IssueCode, ri, sarifLevel(f.FindingType), r.File, fmt.Sprintf("%s %s: %s", f.FindingType, f.IssueCode, f.FindingDetails),
					f.Line, f.Column, map[string]any{"findingType": f.FindingType})
			}
			continue
		}
		if r.Result != fail {
			continue
		}
		ri := rule(r.Check, func() sarifRule {
			desc := map[string]string{checkNoNewAccess: descNoNewAccess, checkAccessNotGrant: descAccessNotGrant, checkNoPublicAccess: descNoPublicAccess, checkExternalAccess: descExternal}[r.Check]
			return sarifRule{ID: r.Check, ShortDescription: sarifMessage{desc}, HelpURI: docChecks,
				DefaultConfiguration: sarifConfig{"error"},
				Properties:           map[string]any{"tags": []string{"security"}, "security-severity": "8.0"}}
		})
		head := r.Check + " FAIL: " + r.Message
		if r.Existing != "" {
			head = fmt.Sprintf("%s FAIL (existing %s): %s", r.Check, r.Existing, r.Message)
		}
		if len(r.Reasons) == 0 {
			add(r.Check, ri, "error", r.File, head, 1, 1, nil)
		}
		for _, b := range r.Reasons {
			msg := head + " " + b.Description
			props := map[string]any{"statementIndex": b.StatementIndex}
			if b.StatementID != "" {
				props["statementId"] = b.StatementID
			}
			if b.Witness != nil {
				msg += " Witness request: " + b.Witness.String()
				props["witness"] = b.Witness
			}
			add(r.Check, ri, "error", r.File, msg, b.Line, b.Column, props)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// artifactURI is the URI reference of a file as SARIF wants it: a relative path with forward slashes (relative to
// the repository root in --git mode, which is what code scanning resolves), or a file: URI for an absolute path.
func artifactURI(name string) string {
	p := filepath.ToSlash(name)
	if filepath.IsAbs(name) {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}
