package authz_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/policy"
)

func user(t *testing.T) authz.Principal {
	t.Helper()
	p, err := authz.PrincipalFromARN("arn:aws:iam::111122223333:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func attached(name, where, doc string, typ policy.Type) authz.Attached {
	return authz.Attached{Name: name, AttachedTo: where, Policy: policy.MustParse(doc, typ)}
}

const allowAll = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`

func TestReasonAndExplain(t *testing.T) {
	denyPut := `{"Version": "2012-10-17", "Statement": [
  {"Sid": "NoPuts", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]}`
	tests := []struct {
		name         string
		set          authz.PolicySet
		reason       string
		explainParts []string
	}{
		{
			name:         "no identity policy allows",
			set:          authz.PolicySet{},
			reason:       "because no identity-based policy allows the s3:PutObject action",
			explainParts: []string{"implicitDeny: no identity-based policy allows s3:PutObject"},
		},
		{
			name:         "explicit deny names the statement and its place",
			set:          authz.PolicySet{Identity: []authz.Attached{attached("Deny", "user/alice", denyPut, policy.TypeIdentity)}},
			reason:       "with an explicit deny in an identity-based policy",
			explainParts: []string{"explicitDeny: denied by", `Deny statement 0 (Sid "NoPuts") of identity-based policy "Deny" attached to user/alice, lines 2:3-2:81`},
		},
		{
			name: "missing SCP allow names the level",
			set: authz.PolicySet{
				Identity: []authz.Attached{attached("Admin", "user/alice", allowAll, policy.TypeIdentity)},
				SCPs: []authz.Level{
					{Name: "root r-ab12", Policies: []authz.Attached{attached("FullAWSAccess", "", allowAll, policy.TypeSCP)}},
					{Name: "OU ou-ab12-prod", Policies: nil},
				},
			},
			reason:       "because no service control policy allows the s3:PutObject action",
			explainParts: []string{"implicitDeny: no service control policy at OU ou-ab12-prod allows s3:PutObject"},
		},
		{
			name:         "explicit deny in an SCP is named first",
			set:          authz.PolicySet{Identity: []authz.Attached{attached("Deny", "user/alice", denyPut, policy.TypeIdentity)}, SCPs: []authz.Level{{Name: "root", Policies: []authz.Attached{attached("DenySCP", "", denyPut, policy.TypeSCP)}}}},
			reason:       "with an explicit deny in a service control policy",
			explainParts: []string{`of service control policy "DenySCP" at root`},
		},
		{
			name:         "allowed lists the granting statements",
			set:          authz.PolicySet{Identity: []authz.Attached{attached("Admin", "group/admins", allowAll, policy.TypeIdentity)}},
			reason:       "",
			explainParts: []string{"allowed: allowed by", `Allow statement 0 of identity-based policy "Admin" attached to group/admins`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &authz.Request{Principal: user(t), Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k", Context: policy.Context{}}
			d := authz.New(tt.set).Decide(req)
			if got := d.Reason("s3:PutObject"); got != tt.reason {
				t.Errorf("Reason = %q, want %q", got, tt.reason)
			}
			ex := d.Explain("s3:PutObject")
			for _, part := range tt.explainParts {
				if !strings.Contains(ex, part) {
					t.Errorf("Explain = %q, want it to contain %q", ex, part)
				}
			}
		})
	}
}

func TestPrincipalFromARN(t *testing.T) {
	tests := []struct {
		arn      string
		typ      authz.PrincipalType
		account  string
		roleARN  string
		wantFail bool
	}{
		{"arn:aws:iam::111122223333:user/a/b", authz.PrincipalUser, "111122223333", "", false},
		{"arn:aws:iam::111122223333:root", authz.PrincipalRoot, "111122223333", "", false},
		{"arn:aws:sts::111122223333:assumed-role/Admin/s1", authz.PrincipalAssumedRole, "111122223333", "arn:aws:iam::111122223333:role/Admin", false},
		{"arn:aws:sts::111122223333:federated-user/bob", authz.PrincipalFederatedUser, "111122223333", "", false},
		{"arn:aws:iam::111122223333:role/Admin", 0, "", "", true},
		{"not-an-arn", 0, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			p, err := authz.PrincipalFromARN(tt.arn)
			if (err != nil) != tt.wantFail {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (p.Type != tt.typ || p.Account != tt.account || p.RoleARN != tt.roleARN) {
				t.Fatalf("got %+v", p)
			}
		})
	}
}

func TestSetPrincipalKeys(t *testing.T) {
	p, _ := authz.PrincipalFromARN("arn:aws:sts::111122223333:assumed-role/Admin/s1")
	p.RoleARN = "arn:aws:iam::111122223333:role/ops/Admin"
	ctx := policy.Context{}
	authz.SetPrincipalKeys(ctx, p, "AROAEXAMPLE:s1", map[string]string{"Team": "blue"})
	want := map[string]string{
		"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ops/Admin", "aws:PrincipalAccount": "111122223333",
		"aws:PrincipalType": "AssumedRole", "aws:userid": "AROAEXAMPLE:s1", "aws:PrincipalTag/team": "blue",
	}
	for k, v := range want {
		if got, ok := ctx.Get(k); !ok || len(got) != 1 || got[0] != v {
			t.Errorf("%s = %v, want %q", k, got, v)
		}
	}
	if _, ok := ctx.Get("aws:username"); ok {
		t.Error("a role session has no aws:username")
	}
}

// TestDecideIsSafeForConcurrentUse: one Evaluator decides for many goroutines at once, across actions spelled in
// different cases, with the same answers as alone (run with -race).
func TestDecideIsSafeForConcurrentUse(t *testing.T) {
	ev := authz.New(authz.PolicySet{Identity: []authz.Attached{attached("p", "user/alice",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","iam:List*"],"Resource":"*"},{"Effect":"Deny","Action":"s3:GetObjectAcl","Resource":"*"}]}`, policy.TypeIdentity)}})
	actions := map[string]authz.Result{
		"s3:GetObject": authz.Allowed, "S3:GETOBJECT": authz.Allowed, "s3:getobjectacl": authz.ExplicitDeny,
		"iam:ListUsers": authz.Allowed, "iam:CreateUser": authz.ImplicitDeny, "ec2:RunInstances": authz.ImplicitDeny,
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				for action, want := range actions {
					req := &authz.Request{Principal: user(t), Action: action, Resource: "arn:aws:s3:::b/k", Context: policy.Context{}}
					if got := ev.Decide(req).Result; got != want {
						done <- fmt.Errorf("%s: %s, want %s", action, got, want)
						return
					}
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
