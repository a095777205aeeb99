package simulate

import (
	"fmt"
	"strings"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/policy"
)

// Error codes of SimulateCustomPolicy, as the IAM API names them.
const (
	CodeInvalidInput            = "InvalidInput"            // a parameter is invalid or out of range (400)
	CodeValidationError         = "ValidationError"         // a parameter breaks a constraint of the API model (400)
	CodeMalformedPolicyDocument = "MalformedPolicyDocument" // a policy of the input does not parse (400)
)

// Error is an error of the operation as the IAM API reports it: the simulator's errors are AWS errors at their
// source (code InvalidInput or ValidationError, status 400; a *PolicyError holds a MalformedPolicyDocument one), so
// that the wire layer maps them as it maps every other, in one place.
type Error = awserr.Error

func invalidInput(format string, args ...any) *Error {
	return awserr.InvalidInput(format, args...)
}

// validation collects violations of the model's constraints and reports them in one ValidationError, worded as
// AWS words them ("1 validation error detected: Value ... at 'actionNames.1.member' failed to satisfy constraint:
// ...").
type validation struct{ problems []string }

func (v *validation) addf(value, at, format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", quoteValue(value), at, fmt.Sprintf(format, args...)))
}

// length checks a string's length against [lo, hi].
func (v *validation) length(value, at string, lo, hi int) {
	switch n := len(value); {
	case n < lo:
		v.addf(value, at, "Member must have length greater than or equal to %d", lo)
	case n > hi:
		v.addf(value, at, "Member must have length less than or equal to %d", hi)
	}
}

func (v *validation) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	noun := "errors"
	if len(v.problems) == 1 {
		noun = "error"
	}
	return awserr.ValidationError("%d validation %s detected: %s", len(v.problems), noun, strings.Join(v.problems, "; "))
}

// quoteValue quotes a value for a validation message, eliding a long one (policy documents).
func quoteValue(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "'" + s + "'"
}

// PolicyError reports a policy of the input that does not parse. It is AWS's MalformedPolicyDocument: its chain
// holds the engine's *policy.ParseError (the findings) and the *Error that the IAM API answers, naming the policy.
type PolicyError struct {
	List     string // SourcePolicyInputList, SourceBoundaryList or SourceResourcePolicy
	Index    int    // the policy's position in its list, from 1; 0 for the ResourcePolicy
	PolicyID string // the SourcePolicyId it would have had: "PolicyInputList.2", "ResourcePolicy"
	Err      *policy.ParseError
}

// Code returns CodeMalformedPolicyDocument.
func (e *PolicyError) Code() string { return CodeMalformedPolicyDocument }

func (e *PolicyError) Error() string { return e.PolicyID + ": " + e.Err.Error() }

// Unwrap returns the engine's error and the AWS error.
func (e *PolicyError) Unwrap() []error {
	return []error{e.Err, awserr.MalformedPolicyDocument("%s", e.Error())}
}
