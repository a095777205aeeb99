package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/simulate"
)

const simulateUsage = `Usage: iamd policy simulate --cli-input-json FILE [--output json|text] [--no-paginate] [--aws-data DIR]

Runs SimulateCustomPolicy locally. FILE holds the JSON that
"aws iam simulate-custom-policy --generate-cli-skeleton" prints, filled in; it may be "-" (standard input),
file://PATH, or the JSON itself, as with the AWS CLI.

--output json prints the response as the AWS CLI does: every page, as {"EvaluationResults": [...]}, or with
--no-paginate the one page asked for (MaxItems, Marker) with IsTruncated and Marker.
--output text prints, for each action and resource, the decision, the engine's explanation, and each matched
statement's policy and position.
Exit status: 0 when the simulation ran (whatever it decided), 1 when the operation failed (for example a malformed
policy), 2 when the command could not run.

`

// operation is the IAM operation iamd policy simulate runs, for messages in the AWS CLI's words.
const operation = "SimulateCustomPolicy"

func runPolicySimulate(ctx context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd policy simulate", simulateUsage, s.stderr)
	input := fs.String("cli-input-json", "", "the request as JSON: a `FILE`, - for standard input, file://PATH, or the JSON itself")
	output := fs.String("output", "json", "the output format: json or text")
	noPaginate := fs.Bool("no-paginate", false, "return only the page that MaxItems and Marker select, with IsTruncated and Marker")
	awsData := awsDataFlag(fs, s.getenv)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	if *input == "" {
		return usageError(fs, "--cli-input-json is required")
	}
	if *output != "json" && *output != "text" {
		return usageError(fs, "--output must be json or text, not %q", *output)
	}
	raw, err := readCLIInput(*input, s.stdin)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	in, err := decodeCustomInput(raw)
	if err != nil {
		fmt.Fprintf(s.stderr, "\nParameter validation failed:\n%v\n", err)
		return exitUsage
	}
	cat, from, err := loadCatalog(*awsData)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	warnUnknownActions(s.stderr, cat, from, in.ActionNames)

	out, err := simulatePages(ctx, in, !*noPaginate)
	if err != nil {
		if ctx.Err() != nil {
			return exitUsage
		}
		printOperationError(s.stderr, err)
		return exitFail
	}
	if *output == "text" {
		printSimulationText(s.stdout, out)
		return exitOK
	}
	var v any = out
	if !*noPaginate {
		// The AWS CLI follows Marker itself and prints only the results.
		v = struct {
			EvaluationResults []simulate.EvaluationResult `json:"EvaluationResults"`
		}{out.EvaluationResults}
	}
	if err := writeCLIJSON(s.stdout, v); err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// readCLIInput reads the value of --cli-input-json as the AWS CLI does: "-" is standard input, file://PATH a file,
// and text that starts like JSON is the JSON itself; anything else is taken as a path.
func readCLIInput(v string, stdin io.Reader) ([]byte, error) {
	switch t := strings.TrimSpace(v); {
	case strings.HasPrefix(v, "file://"):
		b, _, err := readInput(strings.TrimPrefix(v, "file://"), stdin)
		return b, err
	case strings.HasPrefix(t, "{"):
		return []byte(v), nil
	}
	b, _, err := readInput(v, stdin)
	return b, err
}

// decodeCustomInput reads the request JSON strictly, as the AWS CLI does: unknown parameters and values of the
// wrong JSON type are errors.
func decodeCustomInput(raw []byte) (simulate.CustomInput, error) {
	var in simulate.CustomInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	if err == nil && dec.More() {
		err = errors.New("unexpected text after the JSON object")
	}
	if err == nil {
		return in, nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return in, fmt.Errorf("Invalid type for parameter %s, value: JSON %s, valid type: %s", typeErr.Field, typeErr.Value, jsonTypeName(typeErr.Type))
	case errors.As(err, &typeErr):
		return in, fmt.Errorf("Invalid type for the input: JSON %s, valid type: object", typeErr.Value)
	case errors.As(err, &syntaxErr):
		return in, fmt.Errorf("Error parsing parameter 'cli-input-json': Invalid JSON received at byte %d: %v", syntaxErr.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return in, fmt.Errorf("Unknown parameter in input: %s, must be one of: %s", name, strings.Join(inputParameters(), ", "))
	}
	return in, fmt.Errorf("Error parsing parameter 'cli-input-json': %v", err)
}

// inputParameters lists the parameters of SimulateCustomPolicy, in the model's order.
func inputParameters() []string {
	t := reflect.TypeFor[simulate.CustomInput]()
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "-" {
			names = append(names, name)
		}
	}
	return names
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "list"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	}
	return "string"
}

// warnUnknownActions warns about action names that are not in the AWS data: the simulation still runs, and such
// an action is allowed only by a wildcard.
func warnUnknownActions(w io.Writer, cat *catalog.Catalog, from string, actions []string) {
	for _, a := range actions {
		svc, name, ok := strings.Cut(a, ":")
		if !ok || strings.ContainsAny(a, "*?") {
			continue // the operation reports these
		}
		if _, known := cat.Action(svc, name); !known {
			fmt.Fprintf(w, "iamd: warning: %s is not an action in the AWS data of %s (%s)\n", a, cat.DataDate(), from)
		}
	}
}

// simulatePages runs the operation; with all, it follows Marker to the last page and returns every result.
func simulatePages(ctx context.Context, in simulate.CustomInput, all bool) (*simulate.Output, error) {
	out, err := simulate.Custom(in)
	if err != nil || !all {
		return out, err
	}
	for out.IsTruncated {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in.Marker = out.Marker
		next, err := simulate.Custom(in)
		if err != nil {
			return nil, err
		}
		out.EvaluationResults = append(out.EvaluationResults, next.EvaluationResults...)
		out.IsTruncated, out.Marker = next.IsTruncated, next.Marker
	}
	return out, nil
}

// printOperationError reports an error of the operation as the AWS CLI does, with the engine's findings for a
// malformed policy.
func printOperationError(w io.Writer, err error) {
	var pe *simulate.PolicyError
	var e *simulate.Error
	switch {
	case errors.As(err, &pe):
		fmt.Fprintf(w, "\nAn error occurred (%s) when calling the %s operation: %v\n", pe.Code(), operation, pe)
		for _, f := range pe.Err.Findings {
			fmt.Fprintf(w, "%s:%d:%d: %s %s: %s\n", pe.PolicyID, f.Line, f.Col, f.Severity, f.Code, f.Message)
		}
	case errors.As(err, &e):
		fmt.Fprintf(w, "\nAn error occurred (%s) when calling the %s operation: %s\n", e.Code, operation, e.Message)
	default:
		fmt.Fprintf(w, "iamd: %v\n", err)
	}
}

// writeCLIJSON writes v as the AWS CLI writes JSON: four-space indents, non-ASCII text as is, a final newline.
func writeCLIJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	return enc.Encode(v)
}

// printSimulationText prints the results for people: per action and resource, the decision, the engine's
// explanation, the matched statements with AWS's positions, the missing context values and the boundary's part.
func printSimulationText(w io.Writer, out *simulate.Output) {
	for i, r := range out.EvaluationResults {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if len(r.ResourceSpecificResults) > 1 {
			fmt.Fprintf(w, "%s on %d resources: %s\n", r.EvalActionName, len(r.ResourceSpecificResults), r.EvalDecision)
		}
		for j, ex := range r.Explanations {
			matched, missing, boundary, details := r.MatchedStatements, r.MissingContextValues, r.PermissionsBoundaryDecisionDetail, r.EvalDecisionDetails
			if j < len(r.ResourceSpecificResults) {
				rs := r.ResourceSpecificResults[j]
				matched, missing, boundary, details = rs.MatchedStatements, rs.MissingContextValues, rs.PermissionsBoundaryDecisionDetail, rs.EvalDecisionDetails
			}
			indent := ""
			if len(r.ResourceSpecificResults) > 1 {
				indent = "  "
			}
			fmt.Fprintf(w, "%s%s on %s: %s\n", indent, r.EvalActionName, ex.Resource, ex.Decision)
			for _, line := range strings.Split(ex.Text, "\n") {
				fmt.Fprintf(w, "%s  %s\n", indent, line)
			}
			for _, m := range matched {
				fmt.Fprintf(w, "%s  matched %s (%s): StartPosition %d:%d, EndPosition %d:%d\n", indent, m.SourcePolicyId, m.SourcePolicyType,
					m.StartPosition.Line, m.StartPosition.Column, m.EndPosition.Line, m.EndPosition.Column)
			}
			if len(missing) > 0 {
				fmt.Fprintf(w, "%s  missing context values: %s\n", indent, strings.Join(missing, ", "))
			}
			if boundary != nil {
				verdict := "does not allow"
				if boundary.AllowedByPermissionsBoundary {
					verdict = "allows"
				}
				fmt.Fprintf(w, "%s  the permissions boundary %s %s\n", indent, verdict, r.EvalActionName)
			}
			if len(details) > 0 {
				fmt.Fprintf(w, "%s  cross-account: %s\n", indent, formatDetails(details))
			}
		}
	}
}

func formatDetails(d map[string]simulate.Decision) string {
	parts := make([]string, 0, len(d))
	for _, k := range []string{simulate.TypeIAMPolicy, simulate.TypeResourcePolicy} {
		if v, ok := d[k]; ok {
			parts = append(parts, k+" "+string(v))
		}
	}
	return strings.Join(parts, ", ")
}
