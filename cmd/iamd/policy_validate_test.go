package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestPolicyValidate(t *testing.T) {
	const dir = "testdata/validate/"
	cases := []struct {
		name  string
		args  []string
		stdin string
		code  int
		// stdout is the lines of standard output up to the details, exactly: FILE:LINE:COL: FINDING-TYPE
		// ISSUE-CODE. The findings are ValidatePolicy's, checked in package policy/validate.
		stdout []string
		stderr string // a substring of standard error
	}{
		{
			name: "a valid policy prints nothing and succeeds",
			args: []string{dir + "valid.json"},
			code: exitOK,
		},
		{
			name:   "warnings are printed but do not fail",
			args:   []string{dir + "warning-only.json"},
			code:   exitOK,
			stdout: []string{dir + "warning-only.json:1:1: WARNING MISSING_VERSION"},
		},
		{
			name: "a policy variable without Version 2012-10-17 is an error",
			args: []string{dir + "warnings.json"},
			code: exitFail,
			stdout: []string{
				dir + "warnings.json:1:1: WARNING MISSING_VERSION",
				dir + "warnings.json:5:17: ERROR VARIABLE_UNSUPPORTED_IN_VERSION",
			},
		},
		{
			name: "errors fail, one line per finding as FILE:LINE:COL: FINDING-TYPE ISSUE-CODE: details, in document order",
			args: []string{dir + "errors.json"},
			code: exitFail,
			stdout: []string{
				dir + `errors.json:1:1: WARNING MISSING_VERSION`,
				dir + `errors.json:4:14: ERROR UNSUPPORTED_SID`,
				dir + `errors.json:7:19: ERROR INVALID_ARN_PREFIX`,
				dir + `errors.json:10:17: ERROR INVALID_EFFECT`,
				dir + `errors.json:11:18: ERROR UNSUPPORTED_ACTION_FOR_CONDITION_KEY`, // s3:max-keys is ListBucket's
				dir + `errors.json:13:56: WARNING TYPE_MISMATCH_NUMBER`,
			},
		},
		{
			name:   "JSON that does not parse is an error at its place",
			args:   []string{dir + "not-json.json"},
			code:   exitFail,
			stdout: []string{dir + "not-json.json:2:1: ERROR JSON_SYNTAX_ERROR"},
		},
		{
			name: "every file is checked and one bad file fails the run",
			args: []string{dir + "valid.json", dir + "not-json.json", dir + "valid.json"},
			code: exitFail,
			stdout: []string{
				dir + "not-json.json:2:1: ERROR JSON_SYNTAX_ERROR",
			},
		},
		{
			name: "--type decides which elements are allowed: a trust policy",
			args: []string{"--type", "trust", dir + "trust.json"},
			code: exitOK,
		},
		{
			name: "a trust policy is not a valid identity policy",
			args: []string{dir + "trust.json"},
			code: exitFail,
			stdout: []string{
				dir + "trust.json:4:5: ERROR MISSING_RESOURCE",
				dir + "trust.json:6:7: ERROR UNSUPPORTED_PRINCIPAL",
			},
		},
		{
			name:   "- reads standard input",
			args:   []string{"-"},
			stdin:  `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*"}}`,
			code:   exitFail,
			stdout: []string{"<stdin>:1:37: ERROR MISSING_RESOURCE"},
		},
		{
			name:   "flags may follow the files",
			args:   []string{dir + "trust.json", "--type=trust"},
			code:   exitOK,
			stdout: nil,
		},
		{name: "no files is a usage error", args: nil, code: exitUsage, stderr: "no policy files given"},
		{name: "an unknown type is a usage error", args: []string{"--type", "bucket", dir + "valid.json"}, code: exitUsage, stderr: `unknown policy type "bucket"`},
		{name: "an unknown output is a usage error", args: []string{"--output", "yaml", dir + "valid.json"}, code: exitUsage, stderr: "--output must be text or json"},
		{name: "an unknown flag is a usage error", args: []string{"--strict", dir + "valid.json"}, code: exitUsage, stderr: "flag provided but not defined: -strict"},
		{name: "standard input only once", args: []string{"-", "-"}, code: exitUsage, stderr: "more than once"},
		{name: "an unreadable file stops with status 2", args: []string{dir + "missing.json"}, code: exitUsage, stderr: "missing.json"},
		{
			name:   "--resource-type checks a resource policy for its resource",
			args:   []string{"--type", "resource", "--resource-type", "AWS::DynamoDB::Table", dir + "bucket-policy.json"},
			code:   exitFail,
			stdout: []string{dir + "bucket-policy.json:7:17: ERROR UNSUPPORTED_ACTION_IN_POLICY", dir + "bucket-policy.json:8:19: ERROR UNSUPPORTED_RESOURCE_ARN_IN_POLICY"},
		},
		{name: "--resource-type with another type is a usage error", args: []string{"--resource-type", "AWS::S3::Bucket", dir + "valid.json"}, code: exitUsage, stderr: "RESOURCE_POLICY"},
		{name: "AWS data that does not load stops with status 2", args: []string{"--aws-data", dir, dir + "valid.json"}, code: exitUsage, stderr: "loading AWS data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runIamd(t, nil, c.stdin, append([]string{"policy", "validate"}, c.args...)...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstderr: %s", r.code, c.code, r.stderr)
			}
			var lines []string
			if r.stdout != "" {
				lines = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			}
			ok := len(lines) == len(c.stdout)
			for i := 0; ok && i < len(lines); i++ {
				msg, found := strings.CutPrefix(lines[i], c.stdout[i]+": ")
				ok = found && msg != ""
			}
			if !ok {
				t.Errorf("stdout:\n%s\nwant lines starting:\n%s", strings.Join(lines, "\n"), strings.Join(c.stdout, "\n"))
			}
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, c.stderr)
			}
		})
	}
}

func TestPolicyValidateJSONOutput(t *testing.T) {
	t.Run("findings are an array of AWS's ValidatePolicyFinding objects, each with its file", func(t *testing.T) {
		r := runIamd(t, nil, "", "policy", "validate", "--output", "json", "testdata/validate/errors.json", "testdata/validate/valid.json")
		if r.code != exitFail {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var got []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("not a JSON array: %v\n%s", err, r.stdout)
		}
		if len(got) != 6 {
			t.Fatalf("%d findings, want 6", len(got))
		}
		want := map[string]any{"file": "testdata/validate/errors.json", "issueCode": "UNSUPPORTED_SID", "findingType": "ERROR",
			"findingDetails": "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]",
			"learnMoreLink":  "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-unsupported-sid"}
		for k, v := range want {
			if got[1][k] != v {
				t.Errorf("%s = %v, want %v", k, got[1][k], v)
			}
		}
		locs, _ := json.Marshal(got[1]["locations"])
		const wantLocs = `[{"path":[{"value":"Statement"},{"index":0},{"value":"Sid"}],"span":{"end":{"column":27,"line":4,"offset":52},"start":{"column":13,"line":4,"offset":38}}}]`
		if string(locs) != wantLocs {
			t.Errorf("locations %s, want %s", locs, wantLocs)
		}
		if len(got[1]) != len(want)+1 {
			t.Errorf("fields %v, want exactly those of %v and locations", got[1], want)
		}
	})
	t.Run("no findings is an empty array", func(t *testing.T) {
		r := runIamd(t, nil, "", "policy", "validate", "--output=json", "testdata/validate/valid.json")
		if r.code != exitOK || strings.TrimSpace(r.stdout) != "[]" {
			t.Errorf("exit %d, stdout %q", r.code, r.stdout)
		}
	})
}

func TestPolicyValidateTestdataIsWhatTheTestsSay(t *testing.T) {
	// Guards against an editor "fixing" the fixtures: the broken ones must stay broken.
	b, err := os.ReadFile("testdata/validate/not-json.json")
	if err != nil || json.Valid(b) {
		t.Errorf("testdata/validate/not-json.json must exist and not be JSON (err %v)", err)
	}
}
