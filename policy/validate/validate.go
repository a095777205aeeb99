// Package validate is IAM Access Analyzer's policy validation (ValidatePolicy): it checks a policy document against
// the policy grammar, AWS's service authorization data and AWS's best practices, and reports each problem as AWS
// does, with AWS's issue code, finding type, details, documentation link and the places in the document.
//
// The checks are those of AWS's "IAM policy validation check reference"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html) that can be decided
// from the document and the service data shipped in package catalog; docs/validate-checks.md lists every check of
// the reference and why the others are not made. Unlike policy.Parse, which stops at what IAM refuses, Validate
// reads on and reports every finding, as AWS does.
package validate

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/policy"
)

// Policy types (botocore's accessanalyzer PolicyType).
const (
	IdentityPolicy        = "IDENTITY_POLICY"
	ResourcePolicy        = "RESOURCE_POLICY"
	ServiceControlPolicy  = "SERVICE_CONTROL_POLICY"
	ResourceControlPolicy = "RESOURCE_CONTROL_POLICY"
)

// Resource types of resource policies (botocore's accessanalyzer ValidatePolicyResourceType).
const (
	ResourceS3Bucket                 = "AWS::S3::Bucket"
	ResourceS3AccessPoint            = "AWS::S3::AccessPoint"
	ResourceS3MultiRegionAccessPoint = "AWS::S3::MultiRegionAccessPoint"
	ResourceS3ObjectLambdaAccess     = "AWS::S3ObjectLambda::AccessPoint"
	ResourceRoleTrustPolicy          = "AWS::IAM::AssumeRolePolicyDocument"
	ResourceDynamoDBTable            = "AWS::DynamoDB::Table"
)

// Finding types.
const (
	TypeError           = "ERROR"
	TypeSecurityWarning = "SECURITY_WARNING"
	TypeWarning         = "WARNING"
	TypeSuggestion      = "SUGGESTION"
)

// Options says how the document is used.
type Options struct {
	// PolicyType is IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY.
	PolicyType string
	// ResourceType is the resource a RESOURCE_POLICY is attached to (AWS::S3::Bucket, ...), or "".
	ResourceType string
	// Catalog is AWS's service data; nil skips the checks that need it (actions, condition keys, ARN formats).
	Catalog *catalog.Catalog
}

// Finding is one finding, shaped as botocore's ValidatePolicyFinding.
type Finding struct {
	FindingType    string     `json:"findingType"`
	IssueCode      string     `json:"issueCode"`
	FindingDetails string     `json:"findingDetails"`
	LearnMoreLink  string     `json:"learnMoreLink"`
	Locations      []Location `json:"locations"`
}

// Location is a place in the document: the JSON path to it, and its span.
type Location struct {
	Path []PathElement `json:"path"`
	Span Span          `json:"span"`
}

// PathElement is one step of a path; exactly one field is set. Value steps into the value of an object's key
// (as AWS writes paths: {"value": "Statement"}, {"index": 0}, {"value": "Action"}); Key names an object's key
// itself (a condition operator or condition key); Substring is a part of a string.
type PathElement struct {
	Index     *int       `json:"index,omitempty"`
	Key       *string    `json:"key,omitempty"`
	Value     *string    `json:"value,omitempty"`
	Substring *Substring `json:"substring,omitempty"`
}

// Substring is a part of a string value: its start (in characters, from the first character of the value) and
// its length.
type Substring struct {
	Start  int `json:"start"`
	Length int `json:"length"`
}

// Span is a range of the document, End just past its last character.
type Span struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Position is a place in the document as AWS counts it (botocore's Position): Line from 1, Column from 0, and
// Offset from 0, both in characters.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// OptionError is an Options value that AWS's API refuses (a ValidationException there).
type OptionError struct {
	Field, Value, Reason string
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("validate: %s %q: %s", e.Field, e.Value, e.Reason)
}

// ErrTooLarge is returned for a document longer than AWS's API takes (policyDocument has no length limit in the
// model; this bound keeps one call's work bounded).
var ErrTooLarge = errors.New("validate: policy document longer than 1 MiB")

const maxDocument = 1 << 20

// Validate checks doc and returns its findings in document order (by where each starts; a finding without a
// place first). A document that is not JSON gives one JSON_SYNTAX_ERROR finding, not an error; the error is for
// options AWS refuses (*OptionError), an oversized document, or a done context.
func Validate(ctx context.Context, doc string, opts Options) ([]Finding, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	if len(doc) > maxDocument {
		return nil, ErrTooLarge
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v := newValidator(doc, opts)
	v.run()
	return v.sorted(), nil
}

func checkOptions(o Options) error {
	switch o.PolicyType {
	case IdentityPolicy, ServiceControlPolicy, ResourceControlPolicy:
		if o.ResourceType != "" {
			return &OptionError{"validatePolicyResourceType", o.ResourceType, "may be given only with policyType RESOURCE_POLICY"}
		}
	case ResourcePolicy:
		switch o.ResourceType {
		case "", ResourceS3Bucket, ResourceS3AccessPoint, ResourceS3MultiRegionAccessPoint, ResourceS3ObjectLambdaAccess,
			ResourceRoleTrustPolicy, ResourceDynamoDBTable:
		default:
			return &OptionError{"validatePolicyResourceType", o.ResourceType, "is not a ValidatePolicyResourceType"}
		}
	default:
		return &OptionError{"policyType", o.PolicyType, "must be IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY"}
	}
	return nil
}

// validator holds one run's state.
type validator struct {
	doc       string
	opts      Options
	cat       *catalog.Catalog
	lines     []int                  // byte offsets of line starts
	lineChars []int                  // character offsets of line starts
	ascii     bool                   // the document is ASCII: characters are bytes
	version   string                 // the document's Version when valid, else ""
	formats   map[string][]arnFormat // ARN formats by ARN service, as looked up
	foreign   map[string][]arnFormat // ARN formats other services document, by ARN service, as looked up
	findings  []Finding
	order     []int // character offset each finding sorts by (-1: no location)
}

func newValidator(doc string, opts Options) *validator {
	v := &validator{doc: doc, opts: opts, cat: opts.Catalog, lines: []int{0}, lineChars: []int{0}}
	chars := 0
	v.ascii = true
	for i, r := range doc {
		if r >= utf8.RuneSelf {
			v.ascii = false
		}
		chars++
		if r == '\n' {
			v.lines = append(v.lines, i+1)
			v.lineChars = append(v.lineChars, chars)
		}
	}
	return v
}

func (v *validator) sorted() []Finding {
	idx := make([]int, len(v.findings))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v.order[idx[a]] < v.order[idx[b]] })
	out := make([]Finding, len(idx))
	for i, j := range idx {
		out[i] = v.findings[j]
	}
	return out
}

// pos converts a byte offset to AWS's position.
func (v *validator) pos(off int) Position {
	if off < 0 {
		off = 0
	}
	if off > len(v.doc) {
		off = len(v.doc)
	}
	line := sort.Search(len(v.lines), func(i int) bool { return v.lines[i] > off }) - 1
	start := v.lines[line]
	col := off - start
	if !v.ascii {
		col = utf8.RuneCountInString(v.doc[start:off])
	}
	return Position{Line: line + 1, Column: col, Offset: v.lineChars[line] + col}
}

// loc makes a location for the bytes [start, end) at path.
func (v *validator) loc(p path, start, end int) Location {
	return Location{Path: p.elements(), Span: Span{Start: v.pos(start), End: v.pos(end)}}
}

// add records a finding of the check code with details, at the locations given (the first decides its order).
func (v *validator) add(code, details string, locs ...Location) {
	c, ok := checks[code]
	if !ok {
		panic("validate: no check " + code) // a programming error: every code used is in the table
	}
	if locs == nil {
		locs = []Location{}
	}
	order := -1
	if len(locs) > 0 {
		order = locs[0].Span.Start.Offset
	}
	v.findings = append(v.findings, Finding{FindingType: c.typ, IssueCode: code, FindingDetails: details, LearnMoreLink: c.link(code), Locations: locs})
	v.order = append(v.order, order)
}

// run parses the document and runs every check.
func (v *validator) run() {
	root, err := policy.ParseJSONTree([]byte(v.doc))
	if err != nil {
		var se *policy.JSONSyntaxError
		off := 0
		if errors.As(err, &se) {
			off = se.Offset
		}
		p := v.pos(off)
		v.add(codeJSONSyntaxError, fmt.Sprintf("Fix the JSON syntax error at index %d line %d column %d.", p.Offset, p.Line, p.Column),
			Location{Path: []PathElement{}, Span: Span{Start: p, End: p}})
		return
	}
	v.document(&root)
}
