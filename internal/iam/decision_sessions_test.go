package iam_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// issueSession issues a session of role/svc/app named name, issued at issued (now when zero), for an hour.
func (f *decisionFixture) issueSession(t *testing.T, name string, opt iam.RoleSessionOptions, issued time.Time) string {
	t.Helper()
	ctx := context.Background()
	if !issued.IsZero() {
		now := f.svc.Now
		f.svc.Now = func() time.Time { return issued }
		defer func() { f.svc.Now = now }()
	}
	opt.SessionName, opt.Duration = name, time.Hour
	var id string
	must(t, f.svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		ro, err := f.svc.RoleByARN(ctx, tx, "arn:aws:iam::123456789012:role/svc/app")
		if err != nil {
			return err
		}
		creds, err := f.svc.NewRoleSessionCredentials(ctx, tx, f.root, ro, opt)
		if err != nil {
			return err
		}
		id = creds.AccessKeyID
		return nil
	}))
	return id
}

// TestDecideSessionsByARN: an assumed-role ARN is decided for the live sessions iamd issued with that ARN, with
// their session policies, managed session policies, tags and source identity, and answers the most restrictive
// of their decisions; with no live session nothing is allowed.
func TestDecideSessionsByARN(t *testing.T) {
	f := newDecisionFixture(t)
	ctx := context.Background()
	note := "arn:aws:notes:us-east-1:123456789012:note/7"
	// role/app may also tag-gated and source-identity-gated actions.
	must(t, f.svc.PutRolePolicy(ctx, f.root, &iamtypes.PutRolePolicyRequest{RoleName: "app", PolicyName: "gated",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[
			{"Effect":"Allow","Action":"notes:ExportNotes","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},
			{"Effect":"Allow","Action":"notes:AuditNotes","Resource":"*","Condition":{"StringEquals":{"aws:SourceIdentity":"alice"}}}]}`}))
	getOnly, err := f.svc.CreatePolicy(ctx, f.root, &iamtypes.CreatePolicyRequest{PolicyName: "session-get-only",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Sid":"ManagedGet","Effect":"Allow","Action":"notes:GetNote","Resource":"*"}]}`})
	must(t, err)

	const denyPut = `{"Version":"2012-10-17","Statement":[{"Sid":"NoPut","Effect":"Deny","Action":"notes:PutNote","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	f.issueSession(t, "denier", iam.RoleSessionOptions{Policy: denyPut}, time.Time{})
	f.issueSession(t, "managed", iam.RoleSessionOptions{PolicyARNs: []string{*getOnly.Policy.Arn}}, time.Time{})
	f.issueSession(t, "tagged", iam.RoleSessionOptions{Tags: map[string]string{"team": "blue"}, SourceIdentity: "alice"}, time.Time{})
	// Two live sessions named "shared": one without session policy, one limited to GetNote.
	f.issueSession(t, "shared", iam.RoleSessionOptions{}, time.Time{})
	narrow := f.issueSession(t, "shared", iam.RoleSessionOptions{Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"notes:GetNote","Resource":"*"}]}`}, time.Time{})
	// "old": only an expired session, without any session policy.
	f.issueSession(t, "old", iam.RoleSessionOptions{}, time.Now().Add(-2*time.Hour))

	arnOf := func(s string) string { return "arn:aws:sts::123456789012:assumed-role/app/" + s }
	tests := []struct {
		name         string
		session      string
		action       string
		want         authz.Result
		wantReason   string
		wantSession  string // the deciding session's key, when it must be this one
		wantSessions int    // live sessions reported; 0: no session reported
	}{
		{name: "session policy that does not allow denies implicitly", session: "worker", action: "notes:PutNote",
			want: authz.ImplicitDeny, wantReason: "because no session policy allows the notes:PutNote action", wantSessions: 1},
		{name: "session policy allows within the role", session: "worker", action: "notes:GetNote", want: authz.Allowed, wantSessions: 1},
		{name: "explicit deny in the session policy", session: "denier", action: "notes:PutNote",
			want: authz.ExplicitDeny, wantReason: "with an explicit deny in a session policy", wantSessions: 1},
		{name: "managed session policy limits", session: "managed", action: "notes:PutNote",
			want: authz.ImplicitDeny, wantReason: "because no session policy allows the notes:PutNote action", wantSessions: 1},
		{name: "managed session policy allows", session: "managed", action: "notes:GetNote", want: authz.Allowed, wantSessions: 1},
		{name: "session tags are principal tags", session: "tagged", action: "notes:ExportNotes", want: authz.Allowed, wantSessions: 1},
		{name: "source identity is aws:SourceIdentity", session: "tagged", action: "notes:AuditNotes", want: authz.Allowed, wantSessions: 1},
		{name: "no tag, no tag-gated action", session: "worker", action: "notes:ExportNotes", want: authz.ImplicitDeny, wantSessions: 1},
		{name: "no source identity, no gated action", session: "denier", action: "notes:AuditNotes", want: authz.ImplicitDeny, wantSessions: 1},
		{name: "the most restrictive of two live sessions", session: "shared", action: "notes:PutNote",
			want: authz.ImplicitDeny, wantReason: "because no session policy allows the notes:PutNote action", wantSession: narrow, wantSessions: 2},
		{name: "two live sessions that both allow", session: "shared", action: "notes:GetNote", want: authz.Allowed, wantSessions: 2},
		{name: "an expired session is not live", session: "old", action: "notes:GetNote",
			want: authz.ImplicitDeny, wantReason: "because no live session has this assumed-role ARN (ask by accessKeyId to decide for one session)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.decisions = nil
			res, err := f.svc.Decide(ctx, f.service, &iam.DecisionRequest{Principal: arnOf(tt.session), Action: tt.action, Resource: note})
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision != tt.want {
				t.Fatalf("decision = %v (%s), want %v", res.Decision, res.Reason, tt.want)
			}
			if tt.wantReason != "" && res.Reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", res.Reason, tt.wantReason)
			}
			if res.Principal != arnOf(tt.session) {
				t.Errorf("principal = %q", res.Principal)
			}
			switch {
			case tt.wantSessions == 0 && res.Session != nil:
				t.Errorf("session = %+v, want none", res.Session)
			case tt.wantSessions > 0 && (res.Session == nil || res.Session.LiveSessions != tt.wantSessions || res.Session.AccessKeyID == ""):
				t.Errorf("session = %+v, want %d live", res.Session, tt.wantSessions)
			case tt.wantSession != "" && res.Session.AccessKeyID != tt.wantSession:
				t.Errorf("decided by %s, want %s", res.Session.AccessKeyID, tt.wantSession)
			}
			// One decision is reported for the request, whatever the number of sessions decided.
			if n := len(f.decisions); n != 2 || f.decisions[1] != tt.want {
				t.Errorf("decisions observed = %v", f.decisions)
			}
		})
	}
	t.Run("the same answer as asking by the session's key", func(t *testing.T) {
		for _, action := range []string{"notes:GetNote", "notes:PutNote"} {
			byKey, err := f.svc.Decide(ctx, f.service, &iam.DecisionRequest{AccessKeyID: narrow, Action: action, Resource: note})
			must(t, err)
			byARN, err := f.svc.Decide(ctx, f.service, &iam.DecisionRequest{Principal: arnOf("shared"), Action: action, Resource: note})
			must(t, err)
			if byKey.Decision != byARN.Decision {
				t.Errorf("%s: by key %v, by ARN %v", action, byKey.Decision, byARN.Decision)
			}
		}
	})
	t.Run("federated user by ARN is never allowed", func(t *testing.T) {
		res, err := f.svc.Decide(ctx, f.root, &iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:federated-user/bob", Action: "notes:GetNote", Resource: note})
		must(t, err)
		if res.Decision != authz.ImplicitDeny {
			t.Fatalf("decision = %v", res.Decision)
		}
	})
	t.Run("a session of a deleted role allows nothing", func(t *testing.T) {
		// role/tmp is created, a session issued, the role deleted and created again with full permissions.
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
		mkRole := func() {
			_, err := f.svc.CreateRole(ctx, f.root, &iamtypes.CreateRoleRequest{RoleName: "tmp", AssumeRolePolicyDocument: trust})
			must(t, err)
			must(t, f.svc.PutRolePolicy(ctx, f.root, &iamtypes.PutRolePolicyRequest{RoleName: "tmp", PolicyName: "all",
				PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"notes:*","Resource":"*"}]}`}))
		}
		mkRole()
		must(t, f.svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			ro, err := f.svc.RoleByARN(ctx, tx, "arn:aws:iam::123456789012:role/tmp")
			if err != nil {
				return err
			}
			_, err = f.svc.NewRoleSessionCredentials(ctx, tx, f.root, ro, iam.RoleSessionOptions{Duration: time.Hour, SessionName: "s"})
			return err
		}))
		must(t, f.svc.DeleteRolePolicy(ctx, f.root, &iamtypes.DeleteRolePolicyRequest{RoleName: "tmp", PolicyName: "all"}))
		must(t, f.svc.DeleteRole(ctx, f.root, &iamtypes.DeleteRoleRequest{RoleName: "tmp"}))
		mkRole()
		res, err := f.svc.Decide(ctx, f.service, &iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:assumed-role/tmp/s", Action: "notes:GetNote", Resource: note})
		must(t, err)
		if res.Decision != authz.ImplicitDeny || res.Reason != "because the role of the session was deleted" {
			t.Fatalf("decision = %v (%s)", res.Decision, res.Reason)
		}
	})
}

// TestDecideSessionsByARNRefusesTooMany: more session records under one ARN than iamd decides over are refused with
// a clear error asking for accessKeyId, never answered from a subset of them.
func TestDecideSessionsByARNRefusesTooMany(t *testing.T) {
	f := newDecisionFixture(t)
	for range 101 {
		f.issueSession(t, "busy", iam.RoleSessionOptions{}, time.Time{})
	}
	_, err := f.svc.Decide(context.Background(), f.service, &iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:assumed-role/app/busy",
		Action: "notes:GetNote", Resource: "*"})
	wantCode(t, err, "InvalidParameterValue")
	if !strings.Contains(err.Error(), "accessKeyId") {
		t.Fatalf("message %q", err)
	}
}
