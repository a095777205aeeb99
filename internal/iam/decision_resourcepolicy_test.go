package iam_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestDecideResourcePolicyMustAllow: where AWS requires the resource policy itself to allow (a KMS key policy, a
// role's trust policy), an identity-based Allow is not enough unless the resource policy delegates to the account;
// resourcePolicyMustAllow overrides the default either way.
func TestDecideResourcePolicyMustAllow(t *testing.T) {
	f := newDecisionFixture(t)
	ctx := context.Background()
	const keyUser = "arn:aws:iam::123456789012:user/keyuser"
	userCaller(t, f.svc, f.root, "keyuser")
	must(t, f.svc.PutUserPolicy(ctx, f.root, &iamtypes.PutUserPolicyRequest{UserName: "keyuser", PolicyName: "all",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","sts:AssumeRole"],"Resource":"*"}]}`}))
	_, err := f.svc.CreateRole(ctx, f.root, &iamtypes.CreateRoleRequest{RoleName: "locked",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/eng/alice"},"Action":"sts:AssumeRole"}]}`})
	must(t, err)

	key := "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	keyPolicy := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"Key","Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"kms:*","Resource":"*"}]}`
	}
	yes, no := true, false
	tests := []struct {
		name          string
		in            iam.DecisionRequest
		want          authz.Result
		wantReason    string
		wantMustAllow bool
	}{
		{name: "key policy that does not allow the principal denies though identity allows",
			in:   iam.DecisionRequest{Action: "kms:Decrypt", Resource: key, ResourcePolicy: keyPolicy("arn:aws:iam::123456789012:user/eng/alice")},
			want: authz.ImplicitDeny, wantReason: "because no resource-based policy allows the kms:Decrypt action", wantMustAllow: true},
		{name: "resourcePolicyMustAllow false restores the ordinary same-account rule",
			in:   iam.DecisionRequest{Action: "kms:Decrypt", Resource: key, ResourcePolicy: keyPolicy("arn:aws:iam::123456789012:user/eng/alice"), ResourcePolicyMustAllow: &no},
			want: authz.Allowed},
		{name: "key policy delegating to the account lets the identity policy allow",
			in:   iam.DecisionRequest{Action: "kms:Decrypt", Resource: key, ResourcePolicy: keyPolicy("arn:aws:iam::123456789012:root")},
			want: authz.Allowed, wantMustAllow: true},
		{name: "key policy naming the principal allows",
			in:   iam.DecisionRequest{Action: "kms:Decrypt", Resource: key, ResourcePolicy: keyPolicy(keyUser)},
			want: authz.Allowed, wantMustAllow: true},
		{name: "kms action without a key policy is decided by IAM",
			in:   iam.DecisionRequest{Action: "kms:CreateKey", Resource: "*"},
			want: authz.Allowed},
		{name: "resourcePolicyMustAllow true without a resource policy allows nothing",
			in:   iam.DecisionRequest{Action: "notes:GetNote", Resource: "*", ResourcePolicyMustAllow: &yes},
			want: authz.ImplicitDeny, wantReason: "because no resource-based policy allows the notes:GetNote action", wantMustAllow: true},
		{name: "trust policy of the role, read by iamd, must allow",
			in:   iam.DecisionRequest{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/locked"},
			want: authz.ImplicitDeny, wantReason: "because no resource-based policy allows the sts:AssumeRole action", wantMustAllow: true},
		{name: "trust policy delegating to the account lets the identity policy allow",
			in:   iam.DecisionRequest{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/svc/app"},
			want: authz.Allowed, wantMustAllow: true},
		{name: "trust policy given that does not allow",
			in: iam.DecisionRequest{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/svc/app",
				ResourcePolicy: keyPolicy("arn:aws:iam::123456789012:user/eng/alice")},
			want: authz.ImplicitDeny, wantMustAllow: true},
		{name: "trust policy of a role iamd does not hold, none given",
			in:   iam.DecisionRequest{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/ghost"},
			want: authz.ImplicitDeny, wantMustAllow: true},
		{name: "trust default overridden",
			in:   iam.DecisionRequest{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/ghost", ResourcePolicyMustAllow: &no},
			want: authz.Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Principal = keyUser
			res, err := f.svc.Decide(ctx, f.service, &in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision != tt.want {
				t.Fatalf("decision = %v (%s), want %v", res.Decision, res.Reason, tt.want)
			}
			if tt.wantReason != "" && res.Reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", res.Reason, tt.wantReason)
			}
			if res.ResourcePolicyMustAllow != tt.wantMustAllow {
				t.Errorf("resourcePolicyMustAllow = %v, want %v", res.ResourcePolicyMustAllow, tt.wantMustAllow)
			}
		})
	}
}

func TestDefaultResourcePolicyMustAllow(t *testing.T) {
	tests := []struct {
		action, resource string
		policy           bool
		want             bool
	}{
		{"kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k", true, true},
		{"KMS:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k", true, true},
		{"kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:key/k", false, false},
		{"sts:AssumeRole", "arn:aws:iam::123456789012:role/r", false, true},
		{"sts:assumerolewithwebidentity", "arn:aws:iam::123456789012:role/p/r", true, true},
		{"sts:TagSession", "arn:aws:iam::123456789012:role/r", false, true},
		{"sts:SetSourceIdentity", "arn:aws:iam::123456789012:role/r", false, true},
		{"sts:AssumeRole", "*", false, false},
		{"sts:GetSessionToken", "arn:aws:iam::123456789012:role/r", false, false},
		{"s3:GetObject", "arn:aws:s3:::b/k", true, false},
	}
	for _, tt := range tests {
		if got := iam.DefaultResourcePolicyMustAllow(tt.action, tt.resource, tt.policy); got != tt.want {
			t.Errorf("%s on %s (policy %v) = %v, want %v", tt.action, tt.resource, tt.policy, got, tt.want)
		}
	}
}
