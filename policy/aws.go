package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// IAM answers every document it refuses with one MalformedPolicyDocument message, found by checks it runs in a fixed
// order: a document that is not JSON, then (managed policies) the Version, then the grammar ("Syntax errors in
// policy."), then a principal where none belongs, then its older parser ("The policy failed legacy parsing"), then
// the Sids, then each statement in turn (its resources, its actions, whether it has resources). The texts and the
// order are those AWS gave for the documents of the validation corpus (policy/testdata/validate/aws-moto.json and
// principals.json, whose cases cite where each text comes from).
//
// Which checks apply to which kind of document:
//   - managed policies (CreatePolicy, CreatePolicyVersion; permissions boundaries are managed policies): all of
//     them, and "Version": "2012-10-17" is required (ParseManaged);
//   - inline policies (PutUserPolicy, PutGroupPolicy, PutRolePolicy) and session policies: the same, without the
//     Version rule (a missing Version means 2008-10-17);
//   - identity-based policies of any kind refuse Principal and NotPrincipal ("Policy document should not specify a
//     principal.");
//   - role trust policies: a document that is not JSON is "This policy contains invalid Json", Resource is
//     "Has prohibited field Resource", a principal is required, and an empty list under one principal type is
//     taken when another names someone; IAM also checks the principals themselves (internal/iam);
//   - resource-based policies of other services and Organizations policies are parsed by the same grammar, but
//     their services answer with their own texts; AWSMessage is IAM's.

// stage is where in IAM's order of checks a finding is made.
type stage uint8

const (
	stageNone      stage = iota // no IAM text known: the engine's own message is used
	stageJSON                   // the document is not JSON
	stageVersion                // a managed policy without Version 2012-10-17
	stageSyntax                 // the policy grammar
	stagePrincipal              // a principal in a policy that takes none
	stageLegacy                 // IAM's older parser
	stageSid                    // Sid format and uniqueness
	stageStatement              // statement by statement: resources, actions, missing resources
)

// Order of the checks within one statement.
const (
	subResource uint8 = iota
	subAction
	subNoResources
	subPrincipal
)

// awsText is what IAM answers for a finding, and when in its order of checks it finds it.
type awsText struct {
	msg   string
	stage stage
	sub   uint8
}

// IAM's MalformedPolicyDocument texts used in more than one place.
const (
	msgSyntax      = "Syntax errors in policy."
	msgInvalidJSON = "This policy contains invalid Json"
	msgVersion     = "Policy document must be version 2012-10-17 or greater."
	msgNoVendor    = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgSidFormat   = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgIAMPath     = `IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.`
)

var (
	awsSyntax      = awsText{msg: msgSyntax, stage: stageSyntax}
	awsLegacy      = awsText{msg: "The policy failed legacy parsing", stage: stageLegacy}
	awsNoActions   = awsStatement(subAction, "Policy statement must contain actions.")
	awsNoResources = awsStatement(subNoResources, "Policy statement must contain resources.")
)

func awsStatement(sub uint8, msg string) awsText {
	return awsText{msg: msg, stage: stageStatement, sub: sub}
}

// AWSMessage returns the text IAM answers (as MalformedPolicyDocument) for the document: that of the error IAM's
// checks meet first. An error for which the engine knows no IAM text gives the engine's own message.
func (e *ParseError) AWSMessage() string {
	var first *Finding
	for i := range e.Findings {
		f := &e.Findings[i]
		if f.Severity == SeverityError && (first == nil || f.awsBefore(first)) {
			first = f
		}
	}
	switch {
	case first == nil:
		return msgSyntax
	case first.aws.msg == "":
		return first.Message
	}
	return first.aws.msg
}

// awsBefore reports whether IAM meets f before g.
func (f *Finding) awsBefore(g *Finding) bool {
	fs, gs := f.aws.stage, g.aws.stage
	if fs == stageNone {
		fs = stageStatement + 1
	}
	if gs == stageNone {
		gs = stageStatement + 1
	}
	if fs != gs {
		return fs < gs
	}
	if fs == stageStatement {
		if f.stmt != g.stmt {
			return f.stmt < g.stmt
		}
		if f.aws.sub != g.aws.sub {
			return f.aws.sub < g.aws.sub
		}
	}
	return f.Pos.Offset < g.Pos.Offset
}

// partitions are AWS's partitions (botocore's data/partitions.json).
var partitions = [...]string{"aws", "aws-cn", "aws-eusc", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-us-gov"}

func knownPartition(p string) bool {
	for _, q := range partitions {
		if p == q {
			return true
		}
	}
	return false
}

// iamResourcePrefixes are the resource paths IAM takes in an iam ARN of a Resource element.
var iamResourcePrefixes = [...]string{"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/", "access-report/"}

// checkResource checks one Resource or NotResource value as IAM does. IAM reads any value with a colon as an ARN:
// the first field stands for "arn", and missing trailing fields are "*".
func checkResource(v string, vars bool) problem {
	if v == "*" {
		return problem{}
	}
	if !strings.Contains(v, ":") {
		return problem{`must be an ARN (arn:partition:service:region:account:resource) or "*"`,
			awsStatement(subResource, fmt.Sprintf(`Resource %s must be in ARN format or "*".`, v))}
	}
	parts := strings.Split(v, ":")
	full := append([]string{"arn"}, parts[1:]...)
	for len(full) < 6 {
		full = append(full, "*")
	}
	norm := strings.Join(full, ":")
	partition, service, region, account := full[1], full[2], full[3], full[4]
	variable := func(s string) bool { return strings.ContainsAny(s, "*?") || (vars && strings.Contains(s, "${")) }
	switch {
	case !knownPartition(partition) && !variable(partition):
		return problem{fmt.Sprintf("names the partition %q, which AWS does not have (%s)", partition, strings.Join(partitions[:], ", ")),
			awsStatement(subResource, fmt.Sprintf(`Partition "%s" is not valid for resource "%s".`, partition, norm))}
	case parts[0] != "arn":
		return problem{`must be an ARN (arn:partition:service:region:account:resource) or "*"`,
			awsStatement(subResource, fmt.Sprintf(`Resource %s must be in ARN format or "*".`, v))}
	case service == "" || ((len(parts) == 4 || len(parts) == 5) && !strings.Contains(v, "*")):
		// IAM took "arn:aws:fdsasf" (the rest is "*") and refused "arn:aws:s3::example_bucket"; a segment-final
		// '*' may stand for the missing fields (the Resource element page), so only a plain short ARN is refused.
		return problem{"is not a whole ARN (arn:partition:service:region:account:resource, with a service)", awsLegacy}
	case strings.ContainsAny(service, "*?"):
		return problem{"has wildcards in its service, which must be written out",
			awsStatement(subResource, "Resource vendor must be fully qualified and cannot contain regexes.")}
	}
	switch service {
	case "iam":
		if region != "" {
			return problem{"has a region, which IAM resources do not",
				awsStatement(subResource, fmt.Sprintf("IAM resource %s cannot contain region information.", norm))}
		}
		if path := strings.Join(full[5:], ":"); !iamPath(path) {
			return problem{"is not an IAM resource: after the account comes \"*\" or a path starting with " + strings.Join(iamResourcePrefixes[:], ", "),
				awsStatement(subResource, msgIAMPath)}
		}
	case "s3":
		if region != "" && account == "" {
			return problem{"has a region, which S3 buckets and objects do not",
				awsStatement(subResource, fmt.Sprintf("Resource %s can not contain region information.", norm))}
		}
	}
	return problem{}
}

// iamPath reports whether IAM takes the resource part of an iam ARN: "*", "root", one of its resource paths, or a pattern
// whose first path segment has a wildcard.
func iamPath(path string) bool {
	if path == "*" || path == "root" { // an account's root user (AWS's root-task managed policies name it)
		return true
	}
	for _, p := range iamResourcePrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	first, _, _ := strings.Cut(path, "/")
	return strings.ContainsAny(first, "*?$")
}

// legacyDate reports whether IAM takes s as the value of a Date condition: a count of seconds since the epoch
// that fits in 64 bits, or an ISO 8601 date and time as IAM's parser reads it ([+-]year[-month[-day]], then
// optionally 'T' or 't' with hour[:minute[:second[.fraction of 1 to 9 digits]]] and Z or an offset of +hh or
// +hh:mm or +hhmm). The forms are those AWS accepted and refused in the validation corpus ("01T" and
// "2016-12-13t2:00:00.593194+23" accepted; "234-13", "+1" and a 10-digit fraction refused).
func legacyDate(s string) bool {
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return true
	}
	date, clock, hasT := strings.Cut(s, "T")
	if !hasT {
		date, clock, hasT = strings.Cut(s, "t")
	}
	if date == "" && !hasT {
		return false
	}
	if date != "" && !isoDate(date) {
		return false
	}
	if !hasT || clock == "" {
		return true
	}
	return isoClock(clock)
}

// isoDate reads [+-]year[-month[-day]].
func isoDate(s string) bool {
	if s[0] == '+' || s[0] == '-' {
		s = s[1:]
	}
	fields := strings.Split(s, "-")
	if len(fields) > 3 {
		return false
	}
	year, ok := number(fields[0], 1, 9)
	if !ok {
		return false
	}
	if len(fields) == 1 {
		return true
	}
	month, ok := number(fields[1], 1, 2)
	if !ok || month < 1 || month > 12 {
		return false
	}
	if len(fields) == 2 {
		return true
	}
	day, ok := number(fields[2], 1, 2)
	return ok && day >= 1 && day <= daysIn(year, month)
}

// isoClock reads hour[:minute[:second[.fraction]]][Z|offset].
func isoClock(s string) bool {
	clock, offset := s, ""
	if i := strings.IndexAny(s, "Zz+-"); i >= 0 {
		clock, offset = s[:i], s[i:]
	}
	if clock == "" {
		return false
	}
	clock, frac, hasFrac := strings.Cut(clock, ".")
	if hasFrac {
		if _, ok := number(frac, 1, 9); !ok {
			return false
		}
	}
	fields := strings.Split(clock, ":")
	limits := []int{23, 59, 59}
	if len(fields) > len(limits) {
		return false
	}
	for i, f := range fields {
		n, ok := number(f, 1, 2)
		if !ok || n > limits[i] {
			return false
		}
	}
	switch {
	case offset == "":
		return true
	case offset == "Z" || offset == "z":
		return true
	}
	hh, mm, hasMin := strings.Cut(offset[1:], ":")
	if !hasMin && len(hh) == 4 {
		hh, mm, hasMin = hh[:2], hh[2:], true
	}
	if h, ok := number(hh, 2, 2); !ok || h > 23 {
		return false
	}
	if hasMin {
		if m, ok := number(mm, 2, 2); !ok || m > 59 {
			return false
		}
	}
	return true
}

// number reads a decimal of minDigits to maxDigits digits.
func number(s string, minDigits, maxDigits int) (int, bool) {
	if len(s) < minDigits || len(s) > maxDigits || !isDigits(s) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
