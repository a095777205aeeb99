package sts

import (
	"context"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// fakeIssuer issues the same credentials for every session; only NewRoleSessionCredentials is called.
type fakeIssuer struct {
	IAM // nil: any other call panics
	got iam.RoleSessionOptions
}

func (f *fakeIssuer) NewRoleSessionCredentials(ctx context.Context, tx store.Tx, c *iam.Caller, ro *iam.Role, opt iam.RoleSessionOptions) (*iam.SessionCredentials, error) {
	f.got = opt
	return &iam.SessionCredentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token",
		Expiration: time.Unix(1700000000, 0)}, nil
}

// TestIssueRoleSessionAnswersAsEveryFlow: the step the three AssumeRole flows share issues the session with the
// options the flow decided and answers the fields all three report: the credentials, AssumedRoleUser in the
// role's account, PackedPolicySize only when the request carried session policies or tags, SourceIdentity when set.
func TestIssueRoleSessionAnswersAsEveryFlow(t *testing.T) {
	ro := &iam.Role{RoleName: "web", RoleID: "AROAEXAMPLE", ARN: "arn:aws:iam::111122223333:role/team/web"}
	tests := []struct {
		name       string
		req        sessionRequest
		wantPacked bool
		wantSource string
	}{
		{"bare", sessionRequest{opt: iam.RoleSessionOptions{SessionName: "s1", Duration: time.Hour}}, false, ""},
		{"inline policy", sessionRequest{opt: iam.RoleSessionOptions{SessionName: "s1", Policy: `{}`}, packedPct: 7}, true, ""},
		{"policy ARN", sessionRequest{opt: iam.RoleSessionOptions{SessionName: "s1", PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}, packedPct: 3}, true, ""},
		{"request tags", sessionRequest{opt: iam.RoleSessionOptions{SessionName: "s1", Tags: map[string]string{"k": "v"}}, packedPct: 1, tagged: true}, true, ""},
		{"tags carried by a chain only", sessionRequest{opt: iam.RoleSessionOptions{SessionName: "s1", Tags: map[string]string{"k": "v"}}}, false, ""},
		{"source identity", sessionRequest{opt: iam.RoleSessionOptions{SessionName: "s1", SourceIdentity: "alice"}}, false, "alice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeIssuer{}
			s := &Service{iam: f}
			out, err := s.issueRoleSession(context.Background(), nil, &iam.Caller{}, ro, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if f.got.SessionName != tc.req.opt.SessionName || f.got.Duration != tc.req.opt.Duration || f.got.SourceIdentity != tc.req.opt.SourceIdentity {
				t.Errorf("issued with %+v, want %+v", f.got, tc.req.opt)
			}
			if out.credentials.AccessKeyId != "ASIAEXAMPLE" || out.credentials.SessionToken != "token" {
				t.Errorf("credentials %+v", out.credentials)
			}
			if out.assumedRoleUser.AssumedRoleId != "AROAEXAMPLE:s1" || out.assumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/web/s1" {
				t.Errorf("assumed role user %+v", out.assumedRoleUser)
			}
			if (out.packedPolicySize != nil) != tc.wantPacked || (tc.wantPacked && int(*out.packedPolicySize) != tc.req.packedPct) {
				t.Errorf("PackedPolicySize %v, want present=%v (%d)", out.packedPolicySize, tc.wantPacked, tc.req.packedPct)
			}
			if deref(out.sourceIdentity) != tc.wantSource {
				t.Errorf("SourceIdentity %v, want %q", out.sourceIdentity, tc.wantSource)
			}
		})
	}
}
