package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/reason"
)

const analyzeDir = "testdata/analyze/"

func TestAnalyzeExitCodesAndOutput(t *testing.T) {
	const (
		existing = analyzeDir + "existing.json"
		passRole = analyzeDir + "passrole.json"
		narrower = analyzeDir + "narrower.json"
		bucket   = analyzeDir + "bucket.json"
		errs     = "testdata/validate/errors.json"
		warns    = "testdata/validate/warning-only.json"
	)
	cases := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string // substrings of standard output
		stderr string   // a substring of standard error
	}{
		{name: "analyze without a subcommand is a usage error", args: nil, code: exitUsage, stderr: "iamd analyze check-no-new-access"},
		{name: "analyze help prints its usage", args: []string{"help"}, code: exitOK, stdout: []string{"iamd analyze --git RANGE"}},
		{name: "an unknown analyze subcommand is a usage error", args: []string{"lint"}, code: exitUsage, stderr: `unknown command "lint"`},

		{name: "no new access: a narrower policy passes", args: []string{"check-no-new-access", "--existing", existing, "--new", narrower},
			code: exitOK, stdout: []string{narrower + ": check-no-new-access (existing " + existing + "): PASS", "1 check: 1 PASS, 0 FAIL"}},
		{name: "no new access: adding iam:PassRole fails at the statement with its witness",
			args: []string{"check-no-new-access", "--existing", existing, "--new", passRole}, code: exitFail,
			stdout: []string{
				passRole + ": check-no-new-access (existing " + existing + "): FAIL",
				passRole + `:10:5: New access in the statement with index: 1. (Sid "PassAppRole")`,
				"    witness: arn:aws:iam::111122223333:user/witness iam:PassRole on arn:aws:iam::111122223333:role/app-",
			}},
		{name: "no new access: OLD and NEW may be arguments", args: []string{"check-no-new-access", existing, passRole}, code: exitFail,
			stdout: []string{"witness: arn:aws:iam::111122223333:user/witness iam:PassRole"}},
		{name: "no new access: the same policy passes", args: []string{"check-no-new-access", existing, existing}, code: exitOK},
		{name: "no new access: --fail-on none reports the FAIL and succeeds",
			args: []string{"check-no-new-access", existing, passRole, "--fail-on", "none"}, code: exitOK, stdout: []string{": FAIL"}},
		{name: "no new access: a policy the reasoning does not decide fails closed (a grant to a canonical user)",
			args: []string{"check-no-new-access", bucket, analyzeDir + "canonical.json", "--policy-type", "resource"}, code: exitFail,
			stdout: []string{"canonical.json: check-no-new-access (existing ", "): FAIL: not decidable: statement 0: the statement grants access to a canonical user"}},
		{name: "no new access: the same resource policy again passes",
			args: []string{"check-no-new-access", bucket, bucket, "--policy-type", "resource"}, code: exitOK, stdout: []string{": PASS"}},
		{name: "no new access: both files are required", args: []string{"check-no-new-access", "--new", passRole}, code: exitUsage,
			stderr: "--existing and --new are required"},
		{name: "no new access: only identity and resource policies", args: []string{"check-no-new-access", existing, passRole, "--policy-type", "scp"},
			code: exitUsage, stderr: `unknown policy type "scp" (want identity, resource)`},
		{name: "no new access: a file that is not a policy is an input error", args: []string{"check-no-new-access", existing, errs},
			code: exitUsage, stderr: "errors.json:4:14: INVALID_SID"},
		{name: "no new access: a missing file is an input error", args: []string{"check-no-new-access", existing, analyzeDir + "missing.json"},
			code: exitUsage, stderr: "missing.json"},

		{name: "access not granted: iam:PassRole is found with its witness",
			args: []string{"check-access-not-granted", "--actions", "iam:PassRole", existing, passRole}, code: exitFail,
			stdout: []string{
				existing + ": check-access-not-granted: PASS",
				passRole + ": check-access-not-granted: FAIL",
				passRole + `:10:5: One or more of the listed actions or resources in the statement with index: 1.`,
				"witness: arn:aws:iam::111122223333:user/witness iam:PassRole on arn:aws:iam::111122223333:role/app-",
				"2 checks: 1 PASS, 1 FAIL",
			}},
		{name: "access not granted: resources alone", args: []string{"check-access-not-granted", "--resources", "arn:aws:iam::111122223333:role/app-web", passRole},
			code: exitFail, stdout: []string{"witness: arn:aws:iam::111122223333:user/witness iam:PassRole on arn:aws:iam::111122223333:role/app-web"}},
		{name: "access not granted: an action on other resources passes",
			args: []string{"check-access-not-granted", "--actions", "iam:PassRole", "--resources", "arn:aws:iam::111122223333:role/admin", passRole},
			code: exitOK, stdout: []string{"PASS"}},
		{name: "access not granted: standard input", args: []string{"check-access-not-granted", "--actions", "s3:GetObject", "-"},
			stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`,
			code:  exitFail, stdout: []string{"<stdin>:1:37: One or more", "witness: arn:aws:iam::111122223333:user/witness s3:GetObject on "}},
		{name: "access not granted: actions or resources are required", args: []string{"check-access-not-granted", passRole}, code: exitUsage,
			stderr: "--actions or --resources is required"},
		{name: "access not granted: files are required", args: []string{"check-access-not-granted", "--actions", "iam:PassRole"}, code: exitUsage,
			stderr: "no policy files given"},

		{name: "no public access: a grant to everyone fails with its statement and witness",
			args: []string{"check-no-public-access", "--resource-type", "AWS::S3::Bucket", bucket}, code: exitFail,
			stdout: []string{bucket + ": check-no-public-access: FAIL: The resource policy grants public access for the given resource type.",
				bucket + ":4:5: Public access granted in the following statement with index: 0.", "witness: * (Anonymous) s3:GetObject"}},
		{name: "no public access: the resource type is required", args: []string{"check-no-public-access", bucket}, code: exitUsage,
			stderr: `--resource-type "": want one of AWS::DynamoDB::Table`},
		{name: "no public access: an identity policy is an input error",
			args: []string{"check-no-public-access", "--resource-type", "AWS::SQS::Queue", existing}, code: exitUsage, stderr: "MISSING_PRINCIPAL"},

		{name: "validate: a valid policy passes", args: []string{"validate", existing}, code: exitOK, stdout: []string{existing + ": validate: PASS"}},
		{name: "validate: errors fail with their places", args: []string{"validate", errs}, code: exitFail,
			stdout: []string{errs + ": validate: FAIL", errs + ":4:14: ERROR UNSUPPORTED_SID: ", errs + ":1:1: WARNING MISSING_VERSION: "}},
		{name: "validate: warnings pass under the default --fail-on", args: []string{"validate", warns}, code: exitOK,
			stdout: []string{warns + ": validate: PASS", "WARNING MISSING_VERSION"}},
		{name: "validate: warnings fail with --fail-on warning", args: []string{"validate", "--fail-on", "warning", warns}, code: exitFail,
			stdout: []string{warns + ": validate: FAIL"}},
		{name: "validate: a trust policy as a resource policy of AWS::IAM::AssumeRolePolicyDocument",
			args: []string{"validate", "--policy-type", "resource", "--resource-type", "AWS::IAM::AssumeRolePolicyDocument", "testdata/validate/trust.json"},
			code: exitOK},
		{name: "validate: a resource type needs --policy-type resource", args: []string{"validate", "--resource-type", "AWS::S3::Bucket", existing},
			code: exitUsage, stderr: "with --policy-type resource"},
		{name: "validate: Access Analyzer's policy type names are accepted", args: []string{"validate", "--policy-type", "IDENTITY_POLICY", existing},
			code: exitOK},
		{name: "validate: an unreadable file is an input error, the others are reported",
			args: []string{"validate", analyzeDir + "missing.json", existing}, code: exitUsage, stdout: []string{existing + ": validate: PASS"}, stderr: "missing.json"},

		{name: "an unknown output is a usage error", args: []string{"validate", "--output", "yaml", existing}, code: exitUsage,
			stderr: "--output must be text, json or sarif"},
		{name: "an unknown --fail-on is a usage error", args: []string{"validate", "--fail-on", "all", existing}, code: exitUsage,
			stderr: "--fail-on must be"},
		{name: "AWS data that does not load is a usage error", args: []string{"validate", "--aws-data", analyzeDir, existing}, code: exitUsage,
			stderr: "loading AWS data"},
		{name: "--git needs a range", args: []string{"--git", "main"}, code: exitUsage, stderr: `"main" is not a range`},
		{name: "flags without a subcommand need --git", args: []string{"--output", "json"}, code: exitUsage, stderr: "--git RANGE is required"},
		{name: "--git may follow other flags", args: []string{"--output", "json", "--git", "main"}, code: exitUsage, stderr: `"main" is not a range`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runIamd(t, nil, c.stdin, append([]string{"analyze"}, c.args...)...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, want := range c.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
				}
			}
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, c.stderr)
			}
		})
	}
}

// TestAnalyzeGolden compares the three output formats with testdata/analyze/golden/NAME.{txt,json,sarif}, and checks
// every SARIF log against the structure SARIF 2.1.0 requires. go test -run TestAnalyzeGolden -update rewrites them.
func TestAnalyzeGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"no-new-access-passrole", []string{"check-no-new-access", "--existing", analyzeDir + "existing.json", "--new", analyzeDir + "passrole.json"}},
		{"no-new-access-pass", []string{"check-no-new-access", "--existing", analyzeDir + "existing.json", "--new", analyzeDir + "narrower.json"}},
		{"access-not-granted", []string{"check-access-not-granted", "--actions", "iam:PassRole,logs:DeleteLogGroup", analyzeDir + "existing.json", analyzeDir + "passrole.json"}},
		{"validate", []string{"validate", "testdata/validate/errors.json", "testdata/validate/warnings.json", analyzeDir + "existing.json"}},
	}
	for _, c := range cases {
		for _, format := range []string{"txt", "json", "sarif"} {
			t.Run(c.name+"/"+format, func(t *testing.T) {
				t.Parallel()
				output := map[string]string{"txt": "text"}[format]
				if output == "" {
					output = format
				}
				r := runIamd(t, nil, "", append([]string{"analyze"}, append(c.args, "--output", output)...)...)
				if r.code == exitUsage {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if format == "sarif" {
					checkSARIF(t, []byte(r.stdout), os.ReadFile)
				}
				path := filepath.Join(analyzeDir, "golden", c.name+"."+format)
				if *update {
					if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if r.stdout != string(want) {
					t.Errorf("output differs from %s (run with -update to accept it)\ngot:\n%s\nwant:\n%s", path, r.stdout, want)
				}
			})
		}
	}
}

// jsonReport is the --output json document.
type jsonReport struct {
	Results []checkResult `json:"results"`
}

func TestAnalyzeWitnessesAreDecidedByTheEngineAsClaimed(t *testing.T) {
	read := func(name string) *policy.Policy {
		b, err := os.ReadFile(analyzeDir + name)
		if err != nil {
			t.Fatal(err)
		}
		return policy.MustParse(string(b), policy.TypeIdentity)
	}
	old, updated := read("existing.json"), read("passrole.json")
	r := runIamd(t, nil, "", "analyze", "check-no-new-access", "--output", "json", analyzeDir+"existing.json", analyzeDir+"passrole.json")
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(rep.Results) != 1 || rep.Results[0].Result != fail || len(rep.Results[0].Reasons) == 0 {
		t.Fatalf("want one FAIL with reasons, got %+v", rep.Results)
	}
	for _, b := range rep.Results[0].Reasons {
		if b.Witness == nil {
			t.Fatalf("reason %q has no witness", b.Description)
		}
		if !reason.Allows([]*policy.Policy{updated}, b.Witness) || reason.Allows([]*policy.Policy{old}, b.Witness) {
			t.Errorf("witness %s: want allowed by the new policy and not by the existing one", b.Witness)
		}
	}
}

func TestAnalyzeFailOnRanksFindingTypes(t *testing.T) {
	cases := []struct {
		name   string
		failOn level
		r      checkResult
		want   bool
	}{
		{"an error fails at error", levelError, checkResult{Check: checkValidate, Findings: []finding{{FindingType: "ERROR"}}}, true},
		{"a security warning passes at error", levelError, checkResult{Check: checkValidate, Findings: []finding{{FindingType: "SECURITY_WARNING"}}}, false},
		{"a security warning fails at security-warning", levelSecurityWarning, checkResult{Check: checkValidate, Findings: []finding{{FindingType: "SECURITY_WARNING"}}}, true},
		{"a warning passes at security-warning", levelSecurityWarning, checkResult{Check: checkValidate, Findings: []finding{{FindingType: "WARNING"}}}, false},
		{"a suggestion fails at suggestion", levelSuggestion, checkResult{Check: checkValidate, Findings: []finding{{FindingType: "SUGGESTION"}}}, true},
		{"a check's FAIL fails at error", levelError, checkResult{Check: checkNoNewAccess, Result: fail}, true},
		{"a check's PASS never fails", levelSuggestion, checkResult{Check: checkNoNewAccess, Result: pass}, false},
		{"none never fails", levelNever, checkResult{Check: checkAccessNotGrant, Result: fail}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &analyzer{failOn: c.failOn}
			if got := a.failing(&c.r); got != c.want {
				t.Errorf("failing = %v, want %v", got, c.want)
			}
		})
	}
}

func TestAnalyzeSARIFLevelsAndRules(t *testing.T) {
	results := []checkResult{
		{File: "p.json", Check: checkValidate, Findings: []finding{
			{IssueCode: "PASS_ROLE_WITH_STAR_IN_RESOURCE", FindingType: "SECURITY_WARNING", FindingDetails: "d", LearnMoreLink: "https://example.com/l", Line: 3, Column: 7},
			{IssueCode: "REDUNDANT_ACTION", FindingType: "SUGGESTION", FindingDetails: "d", Line: 4, Column: 1},
			{IssueCode: "REDUNDANT_ACTION", FindingType: "SUGGESTION", FindingDetails: "d", Line: 5, Column: 1},
		}},
		{File: "dir with space/p.json", Check: checkNoPublicAccess, Result: fail, Message: "not decidable"},
	}
	var buf bytes.Buffer
	if err := writeSARIF(&buf, results); err != nil {
		t.Fatal(err)
	}
	checkSARIF(t, buf.Bytes(), nil)
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID, HelpURI string
						Properties  map[string]any
					}
				}
			}
			Results []struct {
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct{ ArtifactLocation struct{ URI string } }
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	var ids, levels []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	for _, r := range run.Results {
		levels = append(levels, r.Level)
	}
	if want := []string{"PASS_ROLE_WITH_STAR_IN_RESOURCE", "REDUNDANT_ACTION", checkNoPublicAccess}; !slices.Equal(ids, want) {
		t.Errorf("rules %v, want one per issue code and check: %v", ids, want)
	}
	if want := []string{"warning", "note", "note", "error"}; !slices.Equal(levels, want) {
		t.Errorf("levels %v, want %v", levels, want)
	}
	if run.Tool.Driver.Rules[0].HelpURI != "https://example.com/l" || run.Tool.Driver.Rules[0].Properties["security-severity"] == nil {
		t.Errorf("a security warning's rule: %+v", run.Tool.Driver.Rules[0])
	}
	if u := run.Results[3].Locations[0].PhysicalLocation.ArtifactLocation.URI; u != "dir%20with%20space/p.json" {
		t.Errorf("uri %q, want the path escaped", u)
	}
}

// checkSARIF checks a SARIF log against what SARIF 2.1.0's schema requires of the objects iamd writes (required
// properties, no property the schema does not define, enums, minimums) and what code scanning needs: every result
// names a rule of the driver (ruleId and ruleIndex agree) and has a location whose region is inside the file. When
// read is not nil, it reads the file of a relative URI, and a region's line and column must exist there.
func checkSARIF(t *testing.T, data []byte, read func(path string) ([]byte, error)) {
	t.Helper()
	type object = map[string]any
	var log object
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	// The properties of each object kind of the schema that iamd may write, and those it requires.
	allowed := map[string][]string{
		"sarifLog":             {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
		"run":                  {"tool", "invocations", "conversion", "language", "versionControlProvenance", "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results", "automationDetails", "runAggregates", "baselineGuid", "redactionTokens", "defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind", "externalPropertyFileReferences", "threadFlowLocations", "taxonomies", "addresses", "translations", "policies", "webRequests", "webResponses", "specialLocations", "properties"},
		"tool":                 {"driver", "extensions", "properties"},
		"toolComponent":        {"guid", "name", "organization", "product", "productSuite", "shortDescription", "fullDescription", "fullName", "version", "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri", "informationUri", "globalMessageStrings", "notifications", "rules", "taxa", "locations", "language", "contents", "isComprehensive", "localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion", "associatedComponent", "translationMetadata", "supportedTaxonomies", "properties"},
		"reportingDescriptor":  {"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription", "fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships", "properties"},
		"reportingConfig":      {"enabled", "level", "rank", "parameters", "properties"},
		"multiformatMessage":   {"text", "markdown", "properties"},
		"result":               {"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget", "locations", "guid", "correlationGuid", "occurrenceCount", "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals", "relatedLocations", "suppressions", "baselineState", "rank", "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa", "webRequest", "webResponse", "properties"},
		"message":              {"text", "markdown", "id", "arguments", "properties"},
		"location":             {"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships", "properties"},
		"physicalLocation":     {"address", "artifactLocation", "region", "contextRegion", "properties"},
		"artifactLocation":     {"uri", "uriBaseId", "index", "description", "properties"},
		"region":               {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset", "byteLength", "snippet", "message", "sourceLanguage", "properties"},
		"propertyBag":          nil, // any
		"string":               nil,
		"reportingDescriptors": nil,
	}
	required := map[string][]string{
		"sarifLog": {"version", "runs"}, "run": {"tool"}, "tool": {"driver"}, "toolComponent": {"name"},
		"reportingDescriptor": {"id"}, "result": {"message"}, "multiformatMessage": {"text"}, "location": {"physicalLocation"},
		"physicalLocation": {"artifactLocation", "region"}, "artifactLocation": {"uri"}, "region": {"startLine"},
	}
	obj := func(v any, kind, where string) object {
		t.Helper()
		o, ok := v.(object)
		if !ok {
			t.Fatalf("%s: want a %s object, got %T", where, kind, v)
		}
		if names := allowed[kind]; names != nil {
			for k := range o {
				if !slices.Contains(names, k) {
					t.Errorf("%s: %s has no property %q in SARIF 2.1.0", where, kind, k)
				}
			}
		}
		for _, k := range required[kind] {
			if _, ok := o[k]; !ok {
				t.Errorf("%s: %s lacks the required %q", where, kind, k)
			}
		}
		return o
	}
	arr := func(v any, where string) []any {
		t.Helper()
		a, ok := v.([]any)
		if !ok {
			t.Fatalf("%s: want an array, got %T", where, v)
		}
		return a
	}
	obj(log, "sarifLog", "log")
	if log["version"] != "2.1.0" {
		t.Errorf("version %v, want 2.1.0", log["version"])
	}
	for ri, rv := range arr(log["runs"], "runs") {
		where := fmt.Sprintf("runs[%d]", ri)
		run := obj(rv, "run", where)
		if ck, ok := run["columnKind"]; ok && ck != "utf16CodeUnits" && ck != "unicodeCodePoints" {
			t.Errorf("%s: columnKind %v", where, ck)
		}
		driver := obj(obj(run["tool"], "tool", where+".tool")["driver"], "toolComponent", where+".tool.driver")
		var ruleIDs []string
		if rules, ok := driver["rules"]; ok {
			for i, r := range arr(rules, where+".rules") {
				rule := obj(r, "reportingDescriptor", fmt.Sprintf("%s.rules[%d]", where, i))
				id, _ := rule["id"].(string)
				if id == "" || slices.Contains(ruleIDs, id) {
					t.Errorf("%s.rules[%d]: id %q empty or repeated", where, i, id)
				}
				ruleIDs = append(ruleIDs, id)
				if sd, ok := rule["shortDescription"]; ok {
					obj(sd, "multiformatMessage", where+".shortDescription")
				}
				if dc, ok := rule["defaultConfiguration"]; ok {
					cfg := obj(dc, "reportingConfig", where+".defaultConfiguration")
					if l, ok := cfg["level"]; ok && !slices.Contains([]any{"none", "note", "warning", "error"}, l) {
						t.Errorf("%s: level %v", where, l)
					}
				}
				if u, ok := rule["helpUri"].(string); ok {
					if p, err := url.Parse(u); err != nil || !p.IsAbs() {
						t.Errorf("%s: helpUri %q is not an absolute URI", where, u)
					}
				}
			}
		}
		for i, v := range arr(run["results"], where+".results") {
			rw := fmt.Sprintf("%s.results[%d]", where, i)
			res := obj(v, "result", rw)
			msg := obj(res["message"], "message", rw+".message")
			if s, _ := msg["text"].(string); s == "" {
				t.Errorf("%s: message without text", rw)
			}
			id, _ := res["ruleId"].(string)
			idx, _ := res["ruleIndex"].(float64)
			if !slices.Contains(ruleIDs, id) || ruleIDs[int(idx)] != id {
				t.Errorf("%s: ruleId %q and ruleIndex %v do not name the same rule of %v", rw, id, idx, ruleIDs)
			}
			if l, ok := res["level"]; ok && !slices.Contains([]any{"none", "note", "warning", "error"}, l) {
				t.Errorf("%s: level %v", rw, l)
			}
			locs := arr(res["locations"], rw+".locations")
			if len(locs) == 0 {
				t.Errorf("%s: no location (code scanning needs one)", rw)
			}
			for j, lv := range locs {
				lw := fmt.Sprintf("%s.locations[%d]", rw, j)
				pl := obj(obj(lv, "location", lw)["physicalLocation"], "physicalLocation", lw+".physicalLocation")
				al := obj(pl["artifactLocation"], "artifactLocation", lw+".artifactLocation")
				reg := obj(pl["region"], "region", lw+".region")
				line, _ := reg["startLine"].(float64)
				col, hasCol := reg["startColumn"].(float64)
				if line < 1 || hasCol && col < 1 {
					t.Errorf("%s: region %v starts before 1", lw, reg)
				}
				uri, _ := al["uri"].(string)
				u, err := url.Parse(uri)
				if err != nil || uri == "" {
					t.Errorf("%s: uri %q is not a URI reference: %v", lw, uri, err)
					continue
				}
				if read == nil || u.IsAbs() {
					continue
				}
				b, err := read(u.Path)
				if err != nil {
					t.Errorf("%s: uri %q: %v", lw, uri, err)
					continue
				}
				lines := strings.Split(string(b), "\n")
				if int(line) > len(lines) || utf8.RuneCountInString(lines[int(line)-1])+1 < int(col) {
					t.Errorf("%s: %s:%v:%v is outside the file", lw, uri, line, col)
				}
			}
		}
	}
}

// gitTest is a git repository in a temporary directory.
type gitTest struct {
	t   *testing.T
	dir string
}

func newGitTest(t *testing.T) *gitTest {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; the --git tests need it")
	}
	g := &gitTest{t: t, dir: t.TempDir()}
	g.git("init", "-q", "-b", "main")
	return g
}

func (g *gitTest) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", g.dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (a nil content removes the file), commits them and returns the commit ID.
func (g *gitTest) commit(msg string, files map[string][]byte) string {
	g.t.Helper()
	for name, content := range files {
		p := filepath.Join(g.dir, filepath.FromSlash(name))
		if content == nil {
			g.git("rm", "-q", name)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			g.t.Fatal(err)
		}
		g.git("add", name)
	}
	g.git("commit", "-q", "--allow-empty", "-m", msg)
	return g.git("rev-parse", "HEAD")
}

func testdataFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(analyzeDir + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAnalyzeGitChecksEveryChangedPolicyFile(t *testing.T) {
	g := newGitTest(t)
	existing, passRole, narrower := testdataFile(t, "existing.json"), testdataFile(t, "passrole.json"), testdataFile(t, "narrower.json")
	widened := bytes.Replace(existing, []byte("log-group:app:*"), []byte("log-group:*"), 1)
	base := g.commit("base", map[string][]byte{
		"policies/app.json":   existing,
		"policies/other.json": existing,
		"policies/gone.json":  []byte(`{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}`),
		"package.json":        []byte(`{"name": "not-a-policy"}`),
	})
	addPassRole := g.commit("app may pass its roles", map[string][]byte{"policies/app.json": passRole})
	narrow := g.commit("narrow, rename and delete", map[string][]byte{
		"policies/app.json": narrower, "policies/other.json": nil, "policies/renamed.json": existing, "policies/gone.json": nil,
		"package.json": []byte(`{"name": "still-not-a-policy"}`),
	})
	added := g.commit("new policies", map[string][]byte{"policies/new/ci.json": passRole, "policies/ci.policy": passRole})
	widen := g.commit("rename and widen", map[string][]byte{"policies/renamed.json": nil, "policies/moved.json": widened})
	broken := g.commit("a broken policy", map[string][]byte{"policies/app.json": []byte(`{"Statement": [{"Effect": "Permit"}]}`)})
	trust := g.commit("a role and a bucket", map[string][]byte{
		"roles/app-trust.json": []byte(`{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
  "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}`),
		"buckets/logs.json": testdataFile(t, "bucket.json"),
	})
	trusted := g.commit("another trusted principal", map[string][]byte{
		"roles/app-trust.json": []byte(`{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
  "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}}`),
	})
	g.git("checkout", "-q", "-b", "feature", addPassRole)
	g.commit("feature", map[string][]byte{"policies/feature.json": narrower})
	g.git("checkout", "-q", "main")

	cases := []struct {
		name string
		args []string // --git RANGE first
		code int
		// checks lists "FILE CHECK RESULT" of every result, in order.
		checks []string
		stdout []string // substrings of the text output
	}{
		{name: "a commit that adds iam:PassRole fails with its witness", args: []string{"--git", base + ".." + addPassRole}, code: exitFail,
			checks: []string{"policies/app.json validate PASS", "policies/app.json check-no-new-access FAIL"},
			stdout: []string{
				"policies/app.json: check-no-new-access (existing " + base[:12] + ":policies/app.json): FAIL",
				`policies/app.json:10:5: New access in the statement with index: 1. (Sid "PassAppRole")`,
				"    witness: arn:aws:iam::111122223333:user/witness iam:PassRole on arn:aws:iam::111122223333:role/app-",
			}},
		{name: "narrowing and renaming pass; deleted files and files that are not policies are skipped",
			args: []string{"--git", addPassRole + ".." + narrow}, code: exitOK,
			checks: []string{"policies/app.json validate PASS", "policies/app.json check-no-new-access PASS",
				"policies/renamed.json validate PASS", "policies/renamed.json check-no-new-access PASS"}},
		{name: "a new file is validated only", args: []string{"--git", narrow + ".." + added}, code: exitOK,
			checks: []string{"policies/new/ci.json validate PASS"}},
		{name: "a new file must not grant the --actions", args: []string{"--git", narrow + ".." + added, "--actions", "iam:PassRole"}, code: exitFail,
			checks: []string{"policies/new/ci.json validate PASS", "policies/new/ci.json check-access-not-granted FAIL"},
			stdout: []string{"witness: arn:aws:iam::111122223333:user/witness iam:PassRole"}},
		{name: "--include picks the policy files by glob", args: []string{"--git", narrow + ".." + added, "--include", "policies/*.policy"}, code: exitOK,
			checks: []string{"policies/ci.policy validate PASS"}},
		{name: "** matches any depth", args: []string{"--git", narrow + ".." + added, "--include", "**/ci.*"}, code: exitOK,
			checks: []string{"policies/ci.policy validate PASS", "policies/new/ci.json validate PASS"}},
		{name: "a renamed policy that grants more fails against its old version", args: []string{"--git", added + ".." + widen}, code: exitFail,
			checks: []string{"policies/moved.json validate PASS", "policies/moved.json check-no-new-access FAIL"},
			stdout: []string{":policies/renamed.json): FAIL", "witness: arn:aws:iam::111122223333:user/witness logs:"}},
		{name: "a policy with errors fails validate and is not compared", args: []string{"--git", widen + ".." + broken}, code: exitFail,
			checks: []string{"policies/app.json validate FAIL"}, stdout: []string{"ERROR INVALID_EFFECT"}},
		{name: "the range is one diff", args: []string{"--git", base + ".." + added}, code: exitOK,
			checks: []string{"policies/app.json validate PASS", "policies/app.json check-no-new-access PASS", "policies/new/ci.json validate PASS",
				"policies/renamed.json validate PASS", "policies/renamed.json check-no-new-access PASS"}},
		{name: "A...B compares from the merge base", args: []string{"--git", "main...feature"}, code: exitOK,
			checks: []string{"policies/feature.json validate PASS"}},
		{name: "an empty side is HEAD", args: []string{"--git", added + ".."}, code: exitFail,
			checks: []string{"buckets/logs.json validate PASS", "policies/app.json validate FAIL", "policies/moved.json validate PASS",
				"policies/moved.json check-no-new-access FAIL", "roles/app-trust.json validate PASS"}},
		{name: "--fail-on none reports and succeeds", args: []string{"--git", base + ".." + addPassRole, "--fail-on", "none"}, code: exitOK,
			checks: []string{"policies/app.json validate PASS", "policies/app.json check-no-new-access FAIL"}},
		{name: "trust and resource policies are told from identity policies", args: []string{"--git", broken + ".." + trust}, code: exitOK,
			checks: []string{"buckets/logs.json validate PASS", "roles/app-trust.json validate PASS"}},
		{name: "--policy-type identity reads them as identity policies", args: []string{"--git", broken + ".." + trust, "--policy-type", "identity"},
			code: exitFail, checks: []string{"buckets/logs.json validate FAIL", "roles/app-trust.json validate FAIL"}},
		{name: "a trust policy that trusts one more principal fails", args: []string{"--git", trust + ".." + trusted}, code: exitFail,
			checks: []string{"roles/app-trust.json validate PASS", "roles/app-trust.json check-no-new-access FAIL"}},
		{name: "an unknown revision is an input error", args: []string{"--git", "nope..HEAD"}, code: exitUsage},
		{name: "a revision that looks like a flag is refused", args: []string{"--git", "--output..HEAD"}, code: exitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"analyze"}, c.args...)
			args = append(args, "--repo", g.dir)
			r := runIamd(t, nil, "", args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, want := range c.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout does not contain %q:\n%s", want, r.stdout)
				}
			}
			if c.code == exitUsage {
				return
			}
			j := runIamd(t, nil, "", append(args, "--output", "json")...)
			var rep jsonReport
			if err := json.Unmarshal([]byte(j.stdout), &rep); err != nil {
				t.Fatalf("%v\n%s", err, j.stdout)
			}
			var got []string
			for _, r := range rep.Results {
				got = append(got, r.File+" "+r.Check+" "+r.Result)
			}
			if !slices.Equal(got, c.checks) {
				t.Errorf("checks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.checks, "\n"))
			}
			s := runIamd(t, nil, "", append(args, "--output", "sarif")...)
			rev := c.args[1][strings.LastIndex(c.args[1], ".")+1:]
			if rev == "" {
				rev = "HEAD"
			}
			checkSARIF(t, []byte(s.stdout), func(path string) ([]byte, error) { return []byte(g.git("cat-file", "blob", rev+":"+path)), nil })
		})
	}
}

func TestAnalyzeGitOutsideARepositoryIsAnInputError(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed; the --git tests need it")
	}
	r := runIamd(t, nil, "", "analyze", "--git", "HEAD~1..HEAD", "--repo", t.TempDir())
	if r.code != exitUsage || !strings.Contains(r.stderr, "not a commit") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestGuessPolicyType(t *testing.T) {
	cases := []struct{ name, doc, policyType, resourceType string }{
		{"no Principal: an identity policy", `{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}`, "IDENTITY_POLICY", ""},
		{"a Principal: a resource policy", `{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}`, "RESOURCE_POLICY", ""},
		{"a NotPrincipal: a resource policy", `{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": ["s3:*"], "Resource": "*"}]}`, "RESOURCE_POLICY", ""},
		{"a Principal and only sts: actions: a role trust policy", `{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}`,
			"RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument"},
		{"sts: actions without a Principal: an identity policy", `{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}`, "IDENTITY_POLICY", ""},
		{"not JSON: an identity policy, for validate to report", `{"Statement": `, "IDENTITY_POLICY", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pt, rt := guessPolicyType([]byte(c.doc))
			if pt != c.policyType || rt != c.resourceType {
				t.Errorf("got %s %q, want %s %q", pt, rt, c.policyType, c.resourceType)
			}
		})
	}
}

// blockingChecker answers nothing until its context ends.
type blockingChecker struct{}

func (blockingChecker) NoNewAccess(ctx context.Context, _, _ *policy.Policy) (reason.Result, error) {
	<-ctx.Done()
	return reason.Result{}, ctx.Err()
}

func (blockingChecker) AccessNotGranted(ctx context.Context, _ *policy.Policy, _, _ []string) (reason.Result, error) {
	<-ctx.Done()
	return reason.Result{}, ctx.Err()
}

// witnessingPublicAccess answers FAIL with a witness, as a public-access check of package reason would.
type witnessingPublicAccess struct{}

func (witnessingPublicAccess) NoPublicAccess(_ context.Context, p *policy.Policy, _ string) (reason.Result, error) {
	return reason.Result{Verdict: reason.Fail, Reasons: []reason.Reason{{Description: "Public access in the statement with index: 0.",
		StatementIndex: 0, Witness: &reason.Witness{Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::example-bucket/x"}}}}, nil
}

func TestAnalyzeChecksFailClosedAndReportWhatTheCheckerFinds(t *testing.T) {
	p := policy.MustParse(string(testdataFile(t, "passrole.json")), policy.TypeIdentity)
	bucket := policy.MustParse(string(testdataFile(t, "bucket.json")), policy.TypeResource)
	a := &analyzer{timeout: 10 * time.Millisecond, checker: blockingChecker{}, public: witnessingPublicAccess{}}
	ctx := context.Background()
	t.Run("a check that runs out of its time answers FAIL and says so", func(t *testing.T) {
		r, err := a.checkNoNewAccess(ctx, "new.json", "old.json", p, p)
		if err != nil || r.Result != fail || !strings.Contains(r.Message, "ran out of its time") {
			t.Errorf("got %+v, %v", r, err)
		}
		r, err = a.checkAccessNotGranted(ctx, "p.json", p, []string{"iam:PassRole"}, nil)
		if err != nil || r.Result != fail || !strings.Contains(r.Message, "ran out of its time") {
			t.Errorf("got %+v, %v", r, err)
		}
	})
	t.Run("a cancelled run is an error, not an answer", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if r, err := a.checkNoNewAccess(cctx, "new.json", "old.json", p, p); err == nil {
			t.Errorf("got %+v, want an error", r)
		}
	})
	t.Run("a public-access FAIL is located at its statement with its witness", func(t *testing.T) {
		r, err := a.checkNoPublicAccess(ctx, "bucket.json", bucket, "AWS::S3::Bucket")
		if err != nil || r.Result != fail || r.Message != msgNoPublicFail || len(r.Reasons) != 1 {
			t.Fatalf("got %+v, %v", r, err)
		}
		if b := r.Reasons[0]; b.Line != 4 || b.Column != 5 || b.Witness == nil || b.Witness.Action != "s3:GetObject" {
			t.Errorf("reason %+v", b)
		}
	})
}

func TestMatchGlob(t *testing.T) {
	cases := []struct {
		glob, name string
		want       bool
	}{
		{"policies/*.json", "policies/a.json", true},
		{"policies/*.json", "policies/sub/a.json", false},
		{"*.json", "policies/a.json", false},
		{"**/*.json", "a.json", true},
		{"**/*.json", "policies/sub/a.json", true},
		{"policies/**", "policies/sub/a.json", true},
		{"policies/**/iam/*.json", "policies/iam/a.json", true},
		{"policies/**/iam/*.json", "policies/x/y/iam/a.json", true},
		{"policies/**/iam/*.json", "policies/x/y/a.json", false},
		{"policies/?.json", "policies/ab.json", false},
	}
	for _, c := range cases {
		if got := matchAny([]string{c.glob}, c.name); got != c.want {
			t.Errorf("%q matches %q: %v, want %v", c.glob, c.name, got, c.want)
		}
	}
}

// TestREADMEPolicyChecksRecipe runs the README's "Policy checks in CI" recipe and compares what iamd prints with
// what the README shows (the commit ID aside).
func TestREADMEPolicyChecksRecipe(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ iamd analyze --git origin/main...HEAD\n"
	_, rest, ok := strings.Cut(string(readme), cmd)
	want, _, ok2 := strings.Cut(rest, "$ echo $?\n1\n")
	if !ok || !ok2 {
		t.Fatalf("README.md has no %q block followed by its exit status", strings.TrimSpace(cmd))
	}
	g := newGitTest(t)
	base := g.commit("base", map[string][]byte{"policies/app.json": testdataFile(t, "existing.json")})
	g.git("update-ref", "refs/remotes/origin/main", base)
	g.git("checkout", "-q", "-b", "pass-role")
	g.commit("app may pass its roles", map[string][]byte{"policies/app.json": testdataFile(t, "passrole.json")})
	r := runIamd(t, nil, "", "analyze", "--git", "origin/main...HEAD", "--repo", g.dir)
	got := strings.ReplaceAll(r.stdout, base[:12], "68f611ed8145")
	if r.code != exitFail || got != want {
		t.Errorf("exit %d (want 1); output:\n%s\nREADME.md shows:\n%s", r.code, got, want)
	}
}

// FuzzMatchGlob checks that a glob without "**" matches as path.Match does on the whole path (segment by segment,
// '*' never crossing a '/'), and that matching never panics.
func FuzzMatchGlob(f *testing.F) {
	for _, s := range [][2]string{{"policies/*.json", "policies/a.json"}, {"**/*.json", "a/b/c.json"}, {"p/?/x", "p/a/x"}, {"*", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, glob, name string) {
		got := matchAny([]string{glob}, name)
		if strings.Contains(glob, "**") || strings.ContainsAny(glob, `\[`) {
			return
		}
		want, err := path.Match(glob, name)
		if err == nil && got != want {
			t.Errorf("matchAny(%q, %q) = %v, path.Match says %v", glob, name, got, want)
		}
	})
}

func FuzzGuessPolicyType(f *testing.F) {
	f.Add(`{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": ["sts:AssumeRole"]}]}`)
	f.Add(`{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		pt, rt := guessPolicyType([]byte(doc))
		if _, err := engineType(pt, rt); err != nil {
			t.Errorf("guessPolicyType(%q) = %q %q: %v", doc, pt, rt, err)
		}
	})
}
