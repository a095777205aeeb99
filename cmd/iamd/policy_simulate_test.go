package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/simulate"
)

// TestPolicySimulateGolden runs each request of testdata/simulate and compares the output with its golden file;
// go test -run TestPolicySimulateGolden -update rewrites them.
func TestPolicySimulateGolden(t *testing.T) {
	cases := []struct {
		input  string // testdata/simulate/INPUT.json
		flags  []string
		golden string // testdata/simulate/GOLDEN
	}{
		{"cli-example", nil, "cli-example.golden.json"},
		{"cli-example", []string{"--output", "text"}, "cli-example.golden.txt"},
		{"boundary", nil, "boundary.golden.json"},
		{"boundary", []string{"--output", "text"}, "boundary.golden.txt"},
		{"cross-account", nil, "cross-account.golden.json"},
		{"cross-account", []string{"--output", "text"}, "cross-account.golden.txt"},
		{"missing-context", nil, "missing-context.golden.json"},
		{"missing-context", []string{"--output", "text"}, "missing-context.golden.txt"},
		{"paginated", nil, "paginated.golden.json"},
		{"paginated", []string{"--no-paginate"}, "paginated.no-paginate.golden.json"},
		{"skeleton-filled", nil, "skeleton-filled.golden.json"},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"policy", "simulate", "--cli-input-json", filepath.Join("testdata/simulate", c.input+".json")}, c.flags...)
			r := runIamd(t, nil, "", args...)
			if r.code != exitOK {
				t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
			}
			path := filepath.Join("testdata/simulate", c.golden)
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

func TestPolicySimulatePrintsLikeTheAWSCLI(t *testing.T) {
	r := runIamd(t, nil, "", "policy", "simulate", "--cli-input-json", "testdata/simulate/paginated.json")
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["EvaluationResults"] == nil {
		t.Errorf("paginated output has keys %v, want only EvaluationResults (the CLI drops IsTruncated and Marker)", keys(got))
	}
	if !strings.HasPrefix(r.stdout, "{\n    \"EvaluationResults\": [\n        {\n") || !strings.HasSuffix(r.stdout, "}\n") {
		t.Errorf("not indented with four spaces like the CLI:\n%s", r.stdout)
	}
	r = runIamd(t, nil, "", "policy", "simulate", "--no-paginate", "--cli-input-json", "testdata/simulate/paginated.json")
	var page simulate.Output
	if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
		t.Fatal(err)
	}
	if !page.IsTruncated || page.Marker == "" || len(page.EvaluationResults) != 1 {
		t.Errorf("--no-paginate: %+v, want the first page of one result with IsTruncated and Marker", page)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPolicySimulateReadsTheCLISkeleton checks the input against testdata/simulate/skeleton.json, which is exactly
// what `aws iam simulate-custom-policy --generate-cli-skeleton` prints.
func TestPolicySimulateReadsTheCLISkeleton(t *testing.T) {
	raw, err := os.ReadFile("testdata/simulate/skeleton.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("every skeleton parameter is an input field, in the same order", func(t *testing.T) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		var names []string
		tok, _ := dec.Token() // {
		for depth := 1; depth > 0; {
			tok, err = dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			switch v := tok.(type) {
			case json.Delim:
				if v == '{' || v == '[' {
					depth++
				} else {
					depth--
				}
			case string:
				if depth == 1 && dec.More() {
					names = append(names, v)
					// Skip the value.
					var skip json.RawMessage
					if err := dec.Decode(&skip); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if !reflect.DeepEqual(names, inputParameters()) {
			t.Errorf("skeleton parameters %v\ninput fields        %v", names, inputParameters())
		}
	})
	t.Run("the empty skeleton is refused as AWS refuses it", func(t *testing.T) {
		r := runIamd(t, nil, "", "policy", "simulate", "--cli-input-json", "file://testdata/simulate/skeleton.json")
		if r.code != exitFail || !strings.Contains(r.stderr, "An error occurred (ValidationError) when calling the SimulateCustomPolicy operation: 4 validation errors detected") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("the filled-in skeleton runs", func(t *testing.T) {
		r := runIamd(t, nil, "", "policy", "simulate", "--cli-input-json", "testdata/simulate/skeleton-filled.json")
		if r.code != exitOK {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestPolicySimulateInputsAndErrors(t *testing.T) {
	const good = `{"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}"],"ActionNames":["s3:GetObject"]}`
	cases := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string // a substring
		stderr string // a substring
		// stderr2 is another substring of standard error.
		stderr2 string
	}{
		{name: "- reads the request from standard input", args: []string{"--cli-input-json", "-"}, stdin: good, code: exitOK, stdout: `"EvalDecision": "allowed"`},
		{name: "the request may be given inline, as with the AWS CLI", args: []string{"--cli-input-json", good}, code: exitOK, stdout: `"EvalDecision": "allowed"`},
		{
			name:    "a malformed policy is MalformedPolicyDocument with the engine's findings",
			args:    []string{"--cli-input-json", "-"},
			stdin:   `{"PolicyInputList":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}","{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}}"],"ActionNames":["s3:GetObject"]}`,
			code:    exitFail,
			stderr:  "An error occurred (MalformedPolicyDocument) when calling the SimulateCustomPolicy operation: PolicyInputList.2: ",
			stderr2: "\nPolicyInputList.2:1:14: error MISSING_RESOURCE: ",
		},
		{
			name:   "an invalid input is the operation's InvalidInput",
			args:   []string{"--cli-input-json", "-"},
			stdin:  strings.Replace(good, `"s3:GetObject"`, `"s3:Get*"`, 1),
			code:   exitFail,
			stderr: "An error occurred (InvalidInput) when calling the SimulateCustomPolicy operation: Action \"s3:Get*\"",
		},
		{
			name:   "an unknown parameter is refused as the AWS CLI refuses it",
			args:   []string{"--cli-input-json", "-"},
			stdin:  `{"PolicyInputList":[],"ActionName":["s3:GetObject"]}`,
			code:   exitUsage,
			stderr: `Unknown parameter in input: "ActionName", must be one of: PolicyInputList, PermissionsBoundaryPolicyInputList, ActionNames,`,
		},
		{
			name:   "a value of the wrong JSON type is refused",
			args:   []string{"--cli-input-json", "-"},
			stdin:  `{"PolicyInputList":"{}","ActionNames":["s3:GetObject"]}`,
			code:   exitUsage,
			stderr: "Invalid type for parameter PolicyInputList, value: JSON string, valid type: list",
		},
		{name: "text that is not JSON is refused", args: []string{"--cli-input-json", "-"}, stdin: `{"ActionNames":`, code: exitUsage, stderr: "Error parsing parameter 'cli-input-json'"},
		{name: "text after the request is refused", args: []string{"--cli-input-json", "-"}, stdin: good + good, code: exitUsage, stderr: "unexpected text after the JSON object"},
		{name: "an action the AWS data does not know is warned about", args: []string{"--cli-input-json", strings.Replace(good, "s3:GetObject", "s3:GetObjekt", 1)}, code: exitOK, stderr: "warning: s3:GetObjekt is not an action in the AWS data"},
		{name: "--cli-input-json is required", args: nil, code: exitUsage, stderr: "--cli-input-json is required"},
		{name: "an unknown output is a usage error", args: []string{"--cli-input-json", good, "--output", "table"}, code: exitUsage, stderr: "--output must be json or text"},
		{name: "a request file that does not exist", args: []string{"--cli-input-json", "file://testdata/simulate/none.json"}, code: exitUsage, stderr: "none.json"},
		{name: "positional arguments are a usage error", args: []string{"--cli-input-json", good, "extra"}, code: exitUsage, stderr: `unexpected argument "extra"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runIamd(t, nil, c.stdin, append([]string{"policy", "simulate"}, c.args...)...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.stdout) {
				t.Errorf("stdout %q does not contain %q", r.stdout, c.stdout)
			}
			if !strings.Contains(r.stderr, c.stderr) || !strings.Contains(r.stderr, c.stderr2) {
				t.Errorf("stderr %q does not contain %q and %q", r.stderr, c.stderr, c.stderr2)
			}
		})
	}
}
