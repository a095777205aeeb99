package reason

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/policy"
)

// benchPolicy builds an identity policy of about size characters (the largest managed policy is 6,144): Allow
// statements over S3, DynamoDB and IAM actions with ARNs and conditions, and a Deny, in the style of real
// least-privilege policies. mutate adds one more action to the first statement.
func benchPolicy(tb testing.TB, size int, mutate bool) *policy.Policy {
	tb.Helper()
	actions := [][]string{
		{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:ListBucket"},
		{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		{"iam:GetRole", "iam:ListRoles", "iam:PassRole"},
		{"kms:Decrypt", "kms:GenerateDataKey*"},
	}
	var stmts []any
	stmts = append(stmts, map[string]any{"Sid": "DenyOutsideRegion", "Effect": "Deny", "Action": "*", "Resource": "*",
		"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:RequestedRegion": []string{"us-east-1", "eu-west-1"}}}})
	for i := 0; ; i++ {
		acts := actions[i%len(actions)]
		if i == 0 && mutate {
			acts = append([]string{"s3:DeleteObject"}, acts...)
		}
		st := map[string]any{"Sid": fmt.Sprintf("S%d", i), "Effect": "Allow", "Action": acts,
			"Resource": []string{fmt.Sprintf("arn:aws:s3:::app-%d-data/*", i), fmt.Sprintf("arn:aws:dynamodb:*:111122223333:table/app-%d-*", i),
				fmt.Sprintf("arn:aws:iam::111122223333:role/app-%d", i)}}
		switch i % 3 {
		case 0:
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/team": fmt.Sprintf("team-%d", i)}}
		case 1:
			st["Condition"] = map[string]any{"IpAddress": map[string]any{"aws:SourceIp": []string{"203.0.113.0/24", "2001:db8::/32"}},
				"Bool": map[string]any{"aws:SecureTransport": "true"}}
		}
		next := append(stmts, st)
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": next})
		if len(doc) > size && len(stmts) > 1 {
			break
		}
		stmts = next
		if len(doc) > size {
			break
		}
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.Parse(doc, policy.TypeIdentity)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkNoNewAccess: CheckNoNewAccess on pairs of policies of 500, 2,000 and 6,144 characters; "same" compares
// a policy with itself (PASS, the whole space is searched), "added" with a copy whose first statement has one more
// action (FAIL, with a witness).
func BenchmarkNoNewAccess(b *testing.B) {
	cat, err := testCatalog()
	if err != nil {
		b.Fatal(err)
	}
	c := New(Options{Catalog: cat})
	for _, size := range []int{500, 2000, 6144} {
		existing := benchPolicy(b, size, false)
		for _, kind := range []string{"same", "added"} {
			updated := benchPolicy(b, size, kind == "added")
			b.Run(fmt.Sprintf("%s/%d", kind, len(existing.Text)), func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					r, err := c.NoNewAccess(context.Background(), existing, updated)
					if err != nil {
						b.Fatal(err)
					}
					if want := map[string]Verdict{"same": Pass, "added": Fail}[kind]; r.Verdict != want {
						b.Fatalf("got %s (%s), want %s", r.Verdict, r.Message, want)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkAccessNotGranted: CheckAccessNotGranted for iam:PassRole and for one bucket's objects on the same
// policies.
func BenchmarkAccessNotGranted(b *testing.B) {
	cat, err := testCatalog()
	if err != nil {
		b.Fatal(err)
	}
	c := New(Options{Catalog: cat})
	for _, size := range []int{500, 2000, 6144} {
		p := benchPolicy(b, size, false)
		b.Run(fmt.Sprintf("PassRole/%d", len(p.Text)), func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				if _, err := c.AccessNotGranted(context.Background(), p, []string{"iam:PassRole"}, nil); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
		b.Run(fmt.Sprintf("Resource/%d", len(p.Text)), func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				if _, err := c.AccessNotGranted(context.Background(), p, nil, []string{"arn:aws:s3:::other-bucket/*"}); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// benchResourcePolicy builds a bucket policy of about size characters (a bucket policy may hold 20 KB; 6,144 is
// the size the goal names): statements granting accounts, roles, services and everyone with
// conditions AWS documents (organization, source account and ARN, VPC endpoint, addresses), and a Deny outside
// the organization. mutate adds one more account to the first statement.
func benchResourcePolicy(tb testing.TB, size int, mutate bool) *policy.Policy {
	tb.Helper()
	const bucket = "arn:aws:s3:::amzn-s3-demo-bucket"
	var stmts []any
	stmts = append(stmts, map[string]any{"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		"Resource":  []string{bucket, bucket + "/*"},
		"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": map[string]any{"aws:PrincipalIsAWSService": "false"}}})
	for i := 0; ; i++ {
		st := map[string]any{"Sid": fmt.Sprintf("S%d", i), "Effect": "Allow",
			"Action":   [][]string{{"s3:GetObject", "s3:GetObjectVersion"}, {"s3:PutObject", "s3:PutObjectAcl"}, {"s3:ListBucket"}}[i%3],
			"Resource": []string{fmt.Sprintf("%s/team-%d/*", bucket, i), bucket}}
		switch i % 4 {
		case 0:
			accounts := []string{fmt.Sprintf("arn:aws:iam::%012d:root", 100000000000+i)}
			if i == 0 && mutate {
				accounts = append(accounts, "arn:aws:iam::999988887777:root")
			}
			st["Principal"] = map[string]any{"AWS": accounts}
		case 1:
			st["Principal"] = map[string]any{"AWS": fmt.Sprintf("arn:aws:iam::111122223333:role/team-%d", i)}
			st["Condition"] = map[string]any{"IpAddress": map[string]any{"aws:SourceIp": []string{"203.0.113.0/24", "2001:db8::/32"}}}
		case 2:
			st["Principal"] = map[string]any{"Service": "logging.s3.amazonaws.com"}
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "111122223333"},
				"ArnLike": map[string]any{"aws:SourceArn": fmt.Sprintf("arn:aws:s3:::source-%d", i)}}
		default:
			st["Principal"] = "*"
			st["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:SourceVpce": fmt.Sprintf("vpce-%d", i)}}
		}
		next := append(stmts, st)
		doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": next})
		if len(doc) > size && len(stmts) > 1 {
			break
		}
		stmts = next
		if len(doc) > size {
			break
		}
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": stmts})
	p, err := policy.Parse(doc, policy.TypeResource)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkResourceNoNewAccess: CheckNoNewAccess on bucket policies of 500, 2,000 and 6,144 characters; "same"
// (PASS, every class of principals searched) and "added" (one more account: FAIL with a witness).
func BenchmarkResourceNoNewAccess(b *testing.B) {
	c := New(Options{})
	for _, size := range []int{500, 2000, 6144} {
		existing := benchResourcePolicy(b, size, false)
		for _, kind := range []string{"same", "added"} {
			updated := benchResourcePolicy(b, size, kind == "added")
			b.Run(fmt.Sprintf("%s/%d", kind, len(existing.Text)), func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					r, err := c.NoNewAccess(context.Background(), existing, updated)
					if err != nil {
						b.Fatal(err)
					}
					if want := map[string]Verdict{"same": Pass, "added": Fail}[kind]; r.Verdict != want {
						b.Fatalf("got %s (%s), want %s", r.Verdict, r.Message, want)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkResourceAccessNotGranted: CheckAccessNotGranted for s3:DeleteBucket (PASS) and s3:PutObjectAcl (FAIL)
// on the same bucket policies.
func BenchmarkResourceAccessNotGranted(b *testing.B) {
	c := New(Options{})
	for _, size := range []int{500, 2000, 6144} {
		p := benchResourcePolicy(b, size, false)
		for _, tc := range []struct {
			action string
			want   Verdict
		}{{"s3:DeleteBucket", Pass}, {"s3:PutObjectAcl", Fail}} {
			b.Run(fmt.Sprintf("%s/%d", tc.action, len(p.Text)), func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					r, err := c.AccessNotGranted(context.Background(), p, []string{tc.action}, nil)
					if err != nil {
						b.Fatal(err)
					}
					if r.Verdict != tc.want && len(p.Text) > 1000 {
						b.Fatalf("got %s (%s), want %s", r.Verdict, r.Message, tc.want)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkNoPublicAccess: CheckNoPublicAccess for AWS::S3::Bucket on the same bucket policies (PASS: every grant
// to everyone is confined by a VPC endpoint), and on copies whose last grant to everyone lost its condition
// (FAIL).
func BenchmarkNoPublicAccess(b *testing.B) {
	c := New(Options{})
	for _, size := range []int{500, 2000, 6144} {
		p := benchResourcePolicy(b, size, false)
		open := strings.Replace(p.Text, `"aws:SourceVpce"`, `"aws:SourceVpce_"`, 1)
		q, err := policy.Parse([]byte(open), policy.TypeResource)
		if err != nil {
			b.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			p    *policy.Policy
			want Verdict
		}{{"private", p, Pass}, {"public", q, Fail}} {
			b.Run(fmt.Sprintf("%s/%d", tc.name, len(tc.p.Text)), func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					r, err := c.NoPublicAccess(context.Background(), tc.p, "AWS::S3::Bucket")
					if err != nil {
						b.Fatal(err)
					}
					if r.Verdict != tc.want && !(tc.want == Fail && !strings.Contains(p.Text, "vpce")) {
						b.Fatalf("got %s (%s), want %s", r.Verdict, r.Message, tc.want)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// reportCPU reports the process CPU time per operation since start (see processCPU).
func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	}
}
