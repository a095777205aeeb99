package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/policy/validate"
)

const validateUsage = `Usage: iamd policy validate [--type TYPE] [--resource-type TYPE] [--output text|json] [--aws-data DIR] FILE...

Checks policy documents as IAM Access Analyzer's ValidatePolicy does (package policy/validate) and reports each
finding as FILE:LINE:COL: FINDING-TYPE ISSUE-CODE: details (COL counted from 1), or with --output json as a JSON
array of AWS's ValidatePolicyFinding objects, each with its "file". FILE "-" is standard input.
Exit status: 0 if no finding is an ERROR, 1 if one is, 2 if the command could not run.

`

// fileFinding is one finding of one file, as --output json prints it.
type fileFinding struct {
	File string `json:"file"`
	validate.Finding
}

func runPolicyValidate(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd policy validate", validateUsage, s.stderr)
	typ := fs.String("type", "identity", "the policy type: identity, boundary, session, trust, resource, scp or rcp")
	resourceType := fs.String("resource-type", "", "with --type resource: the resource the policy is for, as ValidatePolicy's validatePolicyResourceType (AWS::S3::Bucket, ...)")
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
	if *resourceType != "" && pt != policy.TypeResource {
		return usageError(fs, "--resource-type is for --type resource (ValidatePolicy takes it with policyType RESOURCE_POLICY only)")
	}
	opts := validateOptions(pt, *resourceType)
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
	opts.Catalog = cat

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
		findings, err := validate.Validate(ctx, string(data), opts)
		if err != nil {
			return usageError(fs, "%s: %v", name, err)
		}
		for _, fd := range findings {
			failed = failed || fd.FindingType == validate.TypeError
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
			line, col := 1, 1
			if len(f.Locations) > 0 {
				line, col = f.Locations[0].Span.Start.Line, f.Locations[0].Span.Start.Column+1
			}
			fmt.Fprintf(s.stdout, "%s:%d:%d: %s %s: %s\n", f.File, line, col, f.FindingType, f.IssueCode, f.FindingDetails)
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

// validateOptions maps the engine's policy types to ValidatePolicy's: permissions boundaries and session policies
// are identity policies, and a role trust policy is a resource policy for AWS::IAM::AssumeRolePolicyDocument.
func validateOptions(t policy.Type, resourceType string) validate.Options {
	switch t {
	case policy.TypeTrust:
		return validate.Options{PolicyType: validate.ResourcePolicy, ResourceType: validate.ResourceRoleTrustPolicy}
	case policy.TypeResource:
		return validate.Options{PolicyType: validate.ResourcePolicy, ResourceType: resourceType}
	case policy.TypeSCP:
		return validate.Options{PolicyType: validate.ServiceControlPolicy}
	case policy.TypeRCP:
		return validate.Options{PolicyType: validate.ResourceControlPolicy}
	}
	return validate.Options{PolicyType: validate.IdentityPolicy}
}
