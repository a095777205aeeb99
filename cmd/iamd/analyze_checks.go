package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/policy/validate"
	"github.com/iamd-dev/iamd/reason"
)

// policyValidator is what "iamd analyze validate" needs: Access Analyzer's ValidatePolicy on one document.
// policyType is an Access Analyzer PolicyType (IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY,
// RESOURCE_CONTROL_POLICY); resourceType a ValidatePolicyResourceType or "". An error means the document could not
// be validated at all (findings report what is wrong with it).
type policyValidator interface {
	ValidatePolicy(ctx context.Context, doc []byte, policyType, resourceType string) ([]finding, error)
}

// accessAnalyzerValidator is the policyValidator of policy/validate: Access Analyzer's ValidatePolicy checks, the
// validator `iamd policy validate` and the API use too.
type accessAnalyzerValidator struct{ cat *catalog.Catalog }

func (v accessAnalyzerValidator) ValidatePolicy(ctx context.Context, doc []byte, policyType, resourceType string) ([]finding, error) {
	fs, err := validate.Validate(ctx, string(doc), validate.Options{PolicyType: policyType, ResourceType: resourceType, Catalog: v.cat})
	if err != nil {
		return nil, err
	}
	out := make([]finding, 0, len(fs))
	for _, f := range fs {
		line, col := 1, 1
		if len(f.Locations) > 0 {
			// AWS counts columns from 0; editors and SARIF from 1.
			line, col = f.Locations[0].Span.Start.Line, f.Locations[0].Span.Start.Column+1
		}
		out = append(out, finding{IssueCode: f.IssueCode, FindingType: f.FindingType, FindingDetails: f.FindingDetails,
			LearnMoreLink: f.LearnMoreLink, Line: line, Column: col})
	}
	return out, nil
}

// engineType is the policy.Type the engine parses an Access Analyzer policy type (and resource type) as.
func engineType(policyType, resourceType string) (policy.Type, error) {
	switch policyType {
	case "IDENTITY_POLICY":
		return policy.TypeIdentity, nil
	case "RESOURCE_POLICY":
		if resourceType == "AWS::IAM::AssumeRolePolicyDocument" {
			return policy.TypeTrust, nil
		}
		return policy.TypeResource, nil
	case "SERVICE_CONTROL_POLICY":
		return policy.TypeSCP, nil
	case "RESOURCE_CONTROL_POLICY":
		return policy.TypeRCP, nil
	}
	return 0, fmt.Errorf("unknown policy type %q", policyType)
}

var _ policyValidator = accessAnalyzerValidator{}

// accessChecker is what the custom policy checks need of package reason; *reason.Checker implements it.
type accessChecker interface {
	NoNewAccess(ctx context.Context, existing, updated *policy.Policy) (reason.Result, error)
	AccessNotGranted(ctx context.Context, p *policy.Policy, actions, resources []string) (reason.Result, error)
}

var _ accessChecker = (*reason.Checker)(nil)

// publicAccessChecker is what check-no-public-access needs: Access Analyzer's CheckNoPublicAccess on a resource
// policy of an AccessCheckResourceType.
type publicAccessChecker interface {
	NoPublicAccess(ctx context.Context, p *policy.Policy, resourceType string) (reason.Result, error)
}

var _ publicAccessChecker = (*reason.Checker)(nil)

// Access Analyzer's enums (botocore accessanalyzer 2019-11-01: PolicyType, AccessCheckPolicyType,
// ValidatePolicyResourceType, AccessCheckResourceType).
var (
	policyTypes = map[string]string{
		"identity": "IDENTITY_POLICY", "resource": "RESOURCE_POLICY", "scp": "SERVICE_CONTROL_POLICY", "rcp": "RESOURCE_CONTROL_POLICY",
	}
	validateResourceTypes = []string{
		"AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint", "AWS::S3ObjectLambda::AccessPoint",
		"AWS::IAM::AssumeRolePolicyDocument", "AWS::DynamoDB::Table",
	}
	accessCheckResourceTypes = []string{
		"AWS::DynamoDB::Table", "AWS::DynamoDB::Stream", "AWS::EFS::FileSystem", "AWS::OpenSearchService::Domain",
		"AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::KMS::Key", "AWS::Lambda::Function",
		"AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3Express::DirectoryBucket", "AWS::S3::Glacier",
		"AWS::S3Outposts::Bucket", "AWS::S3Outposts::AccessPoint", "AWS::SecretsManager::Secret", "AWS::SNS::Topic",
		"AWS::SQS::Queue", "AWS::IAM::AssumeRolePolicyDocument", "AWS::S3Tables::TableBucket",
		"AWS::ApiGateway::RestApi", "AWS::CodeArtifact::Domain", "AWS::Backup::BackupVault",
		"AWS::CloudTrail::Dashboard", "AWS::CloudTrail::EventDataStore", "AWS::S3Tables::Table",
		"AWS::S3Express::AccessPoint",
	}
)

// awsPolicyType reads a --policy-type value: identity, resource, scp, rcp or Access Analyzer's name for one of them.
// allowed limits the answers (nil: any).
func awsPolicyType(v string, allowed ...string) (string, error) {
	t, ok := policyTypes[strings.ToLower(v)]
	if !ok && slices.Contains(mapValues(policyTypes), strings.ToUpper(v)) {
		t, ok = strings.ToUpper(v), true
	}
	if !ok || (allowed != nil && !slices.Contains(allowed, t)) {
		names := []string{"identity", "resource", "scp", "rcp"}
		if allowed != nil {
			names = nil
			for k, aws := range policyTypes {
				if slices.Contains(allowed, aws) {
					names = append(names, k)
				}
			}
			slices.Sort(names)
		}
		return "", fmt.Errorf("unknown policy type %q (want %s)", v, strings.Join(names, ", "))
	}
	return t, nil
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

const analyzeValidateUsage = `Usage: iamd analyze validate [--policy-type TYPE] [--resource-type TYPE] [--output text|json|sarif] [--fail-on LEVEL] FILE...

Access Analyzer's ValidatePolicy on each file: findings with their issue code, type (ERROR, SECURITY_WARNING,
WARNING, SUGGESTION) and place. FILE "-" is standard input.

`

func runAnalyzeValidate(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd analyze validate", analyzeValidateUsage, s.stderr)
	pt := fs.String("policy-type", "identity", "the policy type: identity, resource, scp or rcp")
	rt := fs.String("resource-type", "", "for a resource policy, the resource `TYPE`: "+strings.Join(validateResourceTypes, ", "))
	af := addAnalyzeFlags(fs, s.getenv)
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	policyType, err := awsPolicyType(*pt)
	if err != nil {
		return usageError(fs, "--policy-type: %v", err)
	}
	if *rt != "" && (policyType != "RESOURCE_POLICY" || !slices.Contains(validateResourceTypes, *rt)) {
		return usageError(fs, "--resource-type %q: want one of %s, with --policy-type resource", *rt, strings.Join(validateResourceTypes, ", "))
	}
	if len(files) == 0 {
		return usageError(fs, "no policy files given")
	}
	a, code, ok := newAnalyzer(fs, s, af)
	if !ok {
		return code
	}
	names, docs, unreadable, code, ok := readFiles(fs, s, files)
	if !ok {
		return code
	}
	var results []checkResult
	for i, doc := range docs {
		r, err := a.validate(ctx, names[i], doc, policyType, *rt)
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd: %s: %v\n", names[i], err)
			return exitUsage
		}
		results = append(results, r)
	}
	return a.finish(results, unreadable)
}

const analyzeNoNewAccessUsage = `Usage: iamd analyze check-no-new-access --existing OLD --new NEW [--policy-type identity|resource] [--output text|json|sarif]

Access Analyzer's CheckNoNewAccess: PASS when NEW allows no request that OLD does not, for every request at once;
FAIL with the statements of NEW that grant new access, each with a witness request that the engine allows under
NEW and not under OLD. A check that cannot decide answers FAIL. OLD and NEW may also be given as arguments.

`

func runAnalyzeNoNewAccess(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd analyze check-no-new-access", analyzeNoNewAccessUsage, s.stderr)
	existing := fs.String("existing", "", "the existing policy `FILE`")
	updated := fs.String("new", "", "the updated policy `FILE`")
	pt := fs.String("policy-type", "identity", "the policy type: identity or resource")
	af := addAnalyzeFlags(fs, s.getenv)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if *existing == "" && *updated == "" && len(pos) == 2 {
		*existing, *updated, pos = pos[0], pos[1], nil
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	if *existing == "" || *updated == "" {
		return usageError(fs, "--existing and --new are required")
	}
	policyType, err := awsPolicyType(*pt, "IDENTITY_POLICY", "RESOURCE_POLICY")
	if err != nil {
		return usageError(fs, "--policy-type: %v", err)
	}
	a, code, ok := newAnalyzer(fs, s, af)
	if !ok {
		return code
	}
	names, docs, unreadable, code, ok := readFiles(fs, s, []string{*existing, *updated})
	if !ok {
		return code
	}
	if unreadable {
		return exitUsage
	}
	typ, _ := engineType(policyType, "")
	old, err := parseForCheck(names[0], docs[0], typ)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	p, err := parseForCheck(names[1], docs[1], typ)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	r, err := a.checkNoNewAccess(ctx, names[1], names[0], old, p)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	return a.finish([]checkResult{r}, false)
}

const analyzeAccessNotGrantedUsage = `Usage: iamd analyze check-access-not-granted [--actions A,B] [--resources ARN,...] [--policy-type identity|resource] [--output text|json|sarif] FILE...

Access Analyzer's CheckAccessNotGranted on each file: PASS when the policy grants none of the actions (on any
resource, or on one of the resources when both are given), nor any access to the resources when only resources
are given; FAIL with the statements that do, each with a witness request the engine allows.

`

func runAnalyzeAccessNotGranted(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd analyze check-access-not-granted", analyzeAccessNotGrantedUsage, s.stderr)
	actions := fs.String("actions", "", "comma-separated `ACTIONS` the policy must not grant, e.g. iam:PassRole,s3:DeleteBucket")
	resources := fs.String("resources", "", "comma-separated resource `ARNS` the policy must not grant access to")
	pt := fs.String("policy-type", "identity", "the policy type: identity or resource")
	af := addAnalyzeFlags(fs, s.getenv)
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	acts, ress := splitList(*actions), splitList(*resources)
	if len(acts) == 0 && len(ress) == 0 {
		return usageError(fs, "--actions or --resources is required")
	}
	policyType, err := awsPolicyType(*pt, "IDENTITY_POLICY", "RESOURCE_POLICY")
	if err != nil {
		return usageError(fs, "--policy-type: %v", err)
	}
	if len(files) == 0 {
		return usageError(fs, "no policy files given")
	}
	a, code, ok := newAnalyzer(fs, s, af)
	if !ok {
		return code
	}
	typ, _ := engineType(policyType, "")
	return a.eachPolicy(ctx, fs, files, typ, func(name string, p *policy.Policy) (checkResult, error) {
		return a.checkAccessNotGranted(ctx, name, p, acts, ress)
	})
}

const analyzeNoPublicAccessUsage = `Usage: iamd analyze check-no-public-access --resource-type TYPE [--output text|json|sarif] FILE...

Access Analyzer's CheckNoPublicAccess on each resource policy: PASS when it grants no public access to a resource
of TYPE; FAIL otherwise, or when it cannot be decided.

`

func runAnalyzeNoPublicAccess(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd analyze check-no-public-access", analyzeNoPublicAccessUsage, s.stderr)
	rt := fs.String("resource-type", "", "the resource `TYPE`, e.g. AWS::S3::Bucket")
	af := addAnalyzeFlags(fs, s.getenv)
	files, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if !slices.Contains(accessCheckResourceTypes, *rt) {
		return usageError(fs, "--resource-type %q: want one of %s", *rt, strings.Join(accessCheckResourceTypes, ", "))
	}
	if len(files) == 0 {
		return usageError(fs, "no policy files given")
	}
	a, code, ok := newAnalyzer(fs, s, af)
	if !ok {
		return code
	}
	typ := policy.TypeResource
	if *rt == "AWS::IAM::AssumeRolePolicyDocument" {
		typ = policy.TypeTrust
	}
	return a.eachPolicy(ctx, fs, files, typ, func(name string, p *policy.Policy) (checkResult, error) {
		return a.checkNoPublicAccess(ctx, name, p, *rt)
	})
}

// eachPolicy reads and parses every file and runs check on it. A file that cannot be read or parsed stops
// nothing, but ends the run with exitUsage.
func (a *analyzer) eachPolicy(ctx context.Context, fs *flag.FlagSet, files []string, typ policy.Type,
	check func(name string, p *policy.Policy) (checkResult, error)) int {
	names, docs, bad, code, ok := readFiles(fs, a.s, files)
	if !ok {
		return code
	}
	var results []checkResult
	for i, doc := range docs {
		p, err := parseForCheck(names[i], doc, typ)
		if err != nil {
			fmt.Fprintf(a.s.stderr, "iamd: %v\n", err)
			bad = true
			continue
		}
		r, err := check(names[i], p)
		if err != nil {
			fmt.Fprintf(a.s.stderr, "iamd: %v\n", err)
			return exitUsage
		}
		results = append(results, r)
	}
	if ctx.Err() != nil {
		return exitUsage
	}
	return a.finish(results, bad)
}
