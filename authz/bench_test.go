package authz_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

// smallPolicy is the small workload: one identity policy of five statements — Allows on S3 prefixes guarded by
// IpAddress on aws:SourceIp and StringEquals on s3:ExistingObjectTag/team, an Allow for listing, and Denies on
// s3:Delete* and on a secret/ prefix.
const smallPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "PublicReadFromOffice", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
     "Resource": "arn:aws:s3:::data-bucket/public/*",
     "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
    {"Sid": "TeamRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data-bucket/teams/*",
     "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "blue"}}},
    {"Sid": "List", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::data-bucket"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
    {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::data-bucket/secret/*"}
  ]
}`

func benchRequest(b *testing.B, action, resource string) *authz.Request {
	b.Helper()
	p, err := authz.PrincipalFromARN("arn:aws:iam::111122223333:user/alice")
	if err != nil {
		b.Fatal(err)
	}
	ctx := policy.Context{}
	authz.SetPrincipalKeys(ctx, p, "AIDAEXAMPLEALICE", map[string]string{"team": "blue"})
	ctx.Set("aws:SourceIp", "203.0.113.7")
	ctx.Set("s3:ExistingObjectTag/team", "blue")
	ctx.Set("aws:SecureTransport", "true")
	return &authz.Request{Principal: p, Action: action, Resource: resource, ResourceAccount: "111122223333", Context: ctx}
}

type benchCase struct {
	name, action, resource string
	want                   authz.Result
}

var benchCases = []benchCase{
	{"allow", "s3:GetObject", "arn:aws:s3:::data-bucket/teams/blue/report.csv", authz.Allowed},
	{"explicitDeny", "s3:GetObject", "arn:aws:s3:::data-bucket/secret/keys.txt", authz.ExplicitDeny},
	{"noMatch", "s3:GetObject", "arn:aws:s3:::other-bucket/file.txt", authz.ImplicitDeny},
}

// BenchmarkDecideSmall: one identity policy of 5 statements (smallPolicy); a user's s3:GetObject that is allowed,
// one that an explicit Deny stops, and one that no statement matches.
func BenchmarkDecideSmall(b *testing.B) {
	ev := authz.New(authz.PolicySet{Identity: []authz.Attached{{Name: "small", Policy: policy.MustParse(smallPolicy, policy.TypeIdentity)}}})
	for _, c := range benchCases {
		b.Run(c.name, func(b *testing.B) {
			req := benchRequest(b, c.action, c.resource)
			if d := ev.Decide(req); d.Result != c.want {
				b.Fatalf("decision %s, want %s", d.Result, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				ev.Decide(req)
			}
		})
	}
}

// benchActions are real actions of several services that the large workloads spread their statements over.
var benchActions = []string{
	"s3:PutObject", "s3:ListBucket", "s3:GetBucketPolicy", "s3:PutBucketTagging", "s3:GetObjectAcl",
	"ec2:RunInstances", "ec2:DescribeInstances", "ec2:StartInstances", "ec2:StopInstances", "ec2:CreateTags",
	"iam:CreateUser", "iam:GetUser", "iam:PassRole", "iam:ListRoles", "iam:AttachRolePolicy",
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
	"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant",
	"sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sns:Publish", "sns:Subscribe",
	"lambda:InvokeFunction", "lambda:CreateFunction", "lambda:UpdateFunctionCode", "logs:PutLogEvents", "logs:CreateLogStream",
	"cloudwatch:PutMetricData", "ssm:GetParameter", "ssm:PutParameter", "secretsmanager:GetSecretValue", "sts:AssumeRole",
}

// largeSet builds `policies` identity policies of `statements` statements, each with `conds` conditions, spread over
// benchActions (one in ten Deny) plus, in the last policy, the five statements of smallPolicy, so that the same three
// requests have the same answers at every size.
func largeSet(b *testing.B, policies, statements, conds int) authz.PolicySet {
	b.Helper()
	var set authz.PolicySet
	n := 0
	for p := 0; p < policies; p++ {
		var stmts []string
		for s := 0; s < statements; s++ {
			act := benchActions[n%len(benchActions)]
			if n%50 == 49 {
				act = "s3:Get*" // some wildcard statements that the index must still check for s3:GetObject
			}
			effect := "Allow"
			if n%10 == 9 {
				effect = "Deny"
			}
			var cs []string
			for c := 0; c < conds; c++ {
				switch c % 2 {
				case 0:
					cs = append(cs, fmt.Sprintf(`"StringEquals": {"aws:PrincipalTag/team": "team-%d"}`, n%7))
				case 1:
					cs = append(cs, fmt.Sprintf(`"IpAddress": {"aws:SourceIp": "10.%d.0.0/16"}`, n%250))
				}
			}
			svc, _, _ := strings.Cut(act, ":")
			stmts = append(stmts, fmt.Sprintf(`{"Sid": "S%d", "Effect": %q, "Action": %q, "Resource": "arn:aws:%s:*:111122223333:thing-%d/*", "Condition": {%s}}`,
				n, effect, act, svc, n, strings.Join(cs, ", ")))
			n++
		}
		doc := `{"Version": "2012-10-17", "Statement": [` + strings.Join(stmts, ",") + `]}`
		set.Identity = append(set.Identity, authz.Attached{Name: fmt.Sprintf("p%d", p), Policy: policy.MustParse(doc, policy.TypeIdentity)})
	}
	set.Identity = append(set.Identity, authz.Attached{Name: "small", Policy: policy.MustParse(smallPolicy, policy.TypeIdentity)})
	return set
}

// BenchmarkDecideLarge: 10 policies × 10 statements with one condition each, and 100 policies × 20 statements with
// two conditions each (2,000 statements), over 40 actions of 11 services with one statement in 50 on "s3:Get*"
// (40 candidates for s3:GetObject at 2,000 statements), plus smallPolicy; the same three requests.
func BenchmarkDecideLarge(b *testing.B) {
	for _, size := range []struct{ policies, statements, conds int }{{10, 10, 1}, {100, 20, 2}} {
		ev := authz.New(largeSet(b, size.policies, size.statements, size.conds))
		for _, c := range benchCases {
			b.Run(fmt.Sprintf("policies=%d/statements=%d/conditions=%d/%s", size.policies, size.statements, size.conds, c.name), func(b *testing.B) {
				req := benchRequest(b, c.action, c.resource)
				if d := ev.Decide(req); d.Result != c.want {
					b.Fatalf("decision %s, want %s", d.Result, c.want)
				}
				b.ReportAllocs()
				for b.Loop() {
					ev.Decide(req)
				}
			})
		}
	}
}

// TestDecideDoesNotAllocate guards the hot path: deciding the small workload allocates nothing.
func TestDecideDoesNotAllocate(t *testing.T) {
	ev := authz.New(authz.PolicySet{Identity: []authz.Attached{{Name: "small", Policy: policy.MustParse(smallPolicy, policy.TypeIdentity)}}})
	for _, c := range benchCases {
		p, _ := authz.PrincipalFromARN("arn:aws:iam::111122223333:user/alice")
		ctx := policy.Context{}
		ctx.Set("aws:SourceIp", "203.0.113.7")
		ctx.Set("s3:ExistingObjectTag/team", "blue")
		req := &authz.Request{Principal: p, Action: c.action, Resource: c.resource, Context: ctx}
		if n := testing.AllocsPerRun(100, func() { ev.Decide(req) }); n != 0 {
			t.Errorf("%s: %v allocations per decision", c.name, n)
		}
	}
}
