package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/policy/lint"
)

const validateUsage = `Usage: iamd policy validate [--type TYPE] [--output text|json] [--aws-data DIR] FILE...

Checks policy documents as AWS would and reports each finding as FILE:LINE:COL: SEVERITY CODE: message
(or a JSON array with --output json). FILE "-" is standard input.
Exit status: 0 if no finding is an error, 1 if one is, 2 if the command could not run.

`

// fileFinding is one finding of one file, as --output json prints it.
type fileFinding struct {
	File string `json:"file"`
	policy.Finding
}

func runPolicyValidate(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd policy validate", validateUsage, s.stderr)
	typ := fs.String("type", "identity", "the policy type: identity, boundary, session, trust, resource, scp or rcp")
	output := fs.String("output", "text", "the output format: text or json")
	awsData := awsDataFlag(fs, s.getenv)
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	pt, err := policy.ParseType(*typ)
	if err != nil {
		return usageError(fs, "--type: %v", err)
	}
	if *output != "text" && *output != "json" {
		return usageError(fs, "--output must be text or json, not %q", *output)
	}
	if len(files) == 0 {
		return usageError(fs, "no policy files given")
	}
	cat, _, err := loadCatalog(*awsData)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}

	all := []fileFinding{}
	failed, unreadable, stdinRead := false, false, false
	for _, f := range files {
		if ctx.Err() != nil {
			return exitUsage
		}
		if f == "-" {
			if stdinRead {
				return usageError(fs, "standard input (-) given more than once")
			}
			stdinRead = true
		}
		data, name, err := readInput(f, s.stdin)
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd: %v\n", err)
			unreadable = true
			continue
		}
		findings, bad := validateDocument(data, pt, cat)
		failed = failed || bad
		for _, fd := range findings {
			all = append(all, fileFinding{File: name, Finding: fd})
		}
	}

	if *output == "json" {
		enc := json.NewEncoder(s.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			fmt.Fprintf(s.stderr, "iamd: %v\n", err)
			return exitUsage
		}
	} else {
		for _, f := range all {
			fmt.Fprintf(s.stdout, "%s:%d:%d: %s %s: %s\n", f.File, f.Line, f.Col, f.Severity, f.Code, f.Message)
		}
	}
	switch {
	case unreadable:
		return exitUsage
	case failed:
		return exitFail
	}
	return exitOK
}

// validateDocument parses one document and runs the catalog-based checks on it. It reports whether any finding is
// an error.
func validateDocument(data []byte, typ policy.Type, cat *catalog.Catalog) ([]policy.Finding, bool) {
	p, err := policy.Parse(data, typ)
	if err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) {
			return pe.Findings, true
		}
		return []policy.Finding{{Code: policy.CodeJSONSyntax, Severity: policy.SeverityError, Message: err.Error(), Line: 1, Col: 1}}, true
	}
	findings := append(p.Findings, lint.Check(p, cat)...)
	bad := false
	for _, f := range findings {
		bad = bad || f.Severity == policy.SeverityError
	}
	return findings, bad
}
