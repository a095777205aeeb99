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
	"github.com/iamd-dev/iamd/policy"
)

const otherAccount = "210987654321"

// decisionFixture is an account with principals to ask about and callers to ask with.
type decisionFixture struct {
	svc        *iam.Service
	root       *iam.Caller
	service    *iam.Caller // an IAM user allowed iamd:Authorize
	noAuth     *iam.Caller // an IAM user allowed nothing
	sessionKey string      // a role session of role/app whose session policy allows only notes:GetNote
	inactive   string      // an inactive access key of user dave
	decisions  []authz.Result
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newDecisionFixture(t *testing.T) *decisionFixture {
	t.Helper()
	ctx := context.Background()
	f := &decisionFixture{}
	svc, root := newServiceWith(t, iam.Options{OnDecision: func(r authz.Result) { f.decisions = append(f.decisions, r) }})
	f.svc, f.root = svc, root
	if _, err := svc.EnsureAccount(ctx, otherAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	_, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice", Path: str("/eng/"),
		Tags: []iamtypes.Tag{{Key: "team", Value: "blue"}}})
	must(t, err)
	must(t, svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "notes",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[
			{"Sid":"Read","Effect":"Allow","Action":"notes:GetNote","Resource":"arn:aws:notes:us-east-1:*:note/*"},
			{"Sid":"NoDelete","Effect":"Deny","Action":"notes:DeleteNote","Resource":"*"},
			{"Sid":"RedTeamLists","Effect":"Allow","Action":"notes:ListNotes","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}},
			{"Sid":"BlueTeamExports","Effect":"Allow","Action":"notes:ExportNotes","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},
			{"Sid":"Public","Effect":"Allow","Action":"notes:ReadPublic","Resource":"*","Condition":{"Bool":{"notes:Public":"true"},"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`}))
	_, err = svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: "readers", Path: str("/teams/")})
	must(t, err)
	must(t, svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "readers", UserName: "alice"}))
	must(t, svc.PutGroupPolicy(ctx, root, &iamtypes.PutGroupPolicyRequest{GroupName: "readers", PolicyName: "read-all",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"notes:ReadAll","Resource":"*"}]}`}))

	// bob may do all of notes by his policy, but his boundary allows only GetNote.
	_, err = svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "bob"})
	must(t, err)
	must(t, svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "all",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"notes:*","Resource":"*"}]}`}))
	bnd, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "get-only",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"notes:GetNote","Resource":"*"}]}`})
	must(t, err)
	must(t, svc.PutUserPermissionsBoundary(ctx, root, &iamtypes.PutUserPermissionsBoundaryRequest{UserName: "bob", PermissionsBoundary: *bnd.Policy.Arn}))

	// role/app may get and put notes; a session of it is limited to GetNote.
	_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "app", Path: str("/svc/"),
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`})
	must(t, err)
	must(t, svc.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: "app", PolicyName: "rw",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["notes:GetNote","notes:PutNote"],"Resource":"*"}]}`}))
	must(t, svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		ro, err := svc.RoleByARN(ctx, tx, "arn:aws:iam::123456789012:role/svc/app")
		if err != nil {
			return err
		}
		creds, err := svc.NewRoleSessionCredentials(ctx, tx, root, ro, iam.RoleSessionOptions{Duration: time.Hour, SessionName: "worker",
			Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyGet","Effect":"Allow","Action":"notes:GetNote","Resource":"*"}]}`})
		if err != nil {
			return err
		}
		f.sessionKey = creds.AccessKeyID
		return nil
	}))

	f.service = userCaller(t, svc, root, "notes-service")
	must(t, svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "notes-service", PolicyName: "decide",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`}))
	f.noAuth = userCaller(t, svc, root, "intern")

	userCaller(t, svc, root, "dave")
	key, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("dave")})
	must(t, err)
	f.inactive = key.AccessKey.AccessKeyId
	must(t, svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{UserName: str("dave"), AccessKeyId: f.inactive, Status: iamtypes.StatusTypeInactive}))
	return f
}

func TestDecideAnswersForThePrincipal(t *testing.T) {
	f := newDecisionFixture(t)
	const alice = "arn:aws:iam::123456789012:user/eng/alice"
	note := "arn:aws:notes:us-east-1:123456789012:note/7"
	otherNote := "arn:aws:notes:us-east-1:" + otherAccount + ":note/7"
	allowAlice := `{"Version":"2012-10-17","Statement":[{"Sid":"Share","Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"notes:GetNote","Resource":"*"}]}`
	tests := []struct {
		name       string
		in         iam.DecisionRequest
		sessionKey bool // ask by the role session's access key
		want       authz.Result
		wantMatch  []iam.DecisionStatement
		wantReason string
	}{
		{name: "user allowed by identity policy",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: note},
			want: authz.Allowed, wantReason: "allowed by an identity-based policy",
			wantMatch: []iam.DecisionStatement{{Effect: "Allow", Layer: "identity", Policy: "notes", AttachedTo: alice, StatementIndex: 0, Sid: "Read"}}},
		{name: "user allowed by group policy",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:ReadAll", Resource: "*"},
			want: authz.Allowed,
			wantMatch: []iam.DecisionStatement{{Effect: "Allow", Layer: "identity", Policy: "read-all",
				AttachedTo: "arn:aws:iam::123456789012:group/teams/readers"}}},
		{name: "explicit deny names the statement",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:DeleteNote", Resource: note},
			want: authz.ExplicitDeny, wantReason: "with an explicit deny in an identity-based policy",
			wantMatch: []iam.DecisionStatement{{Effect: "Deny", Layer: "identity", Policy: "notes", AttachedTo: alice, StatementIndex: 1, Sid: "NoDelete"}}},
		{name: "nothing allows",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:PutNote", Resource: note},
			want: authz.ImplicitDeny, wantReason: "because no identity-based policy allows the notes:PutNote action"},
		{name: "derived principal tag cannot be supplied",
			in: iam.DecisionRequest{Principal: alice, Action: "notes:ListNotes", Resource: "*",
				Context: policy.Context{"aws:principaltag/team": {"red"}, "aws:PrincipalArn": {"x"}}},
			want: authz.ImplicitDeny},
		{name: "the principal's own tags hold",
			in: iam.DecisionRequest{Principal: alice, Action: "notes:ExportNotes", Resource: "*",
				Context: policy.Context{"aws:principaltag/team": {"red"}}},
			want: authz.Allowed},
		{name: "supplied context keys are the request's",
			in: iam.DecisionRequest{Principal: alice, Action: "notes:ReadPublic", Resource: "*",
				Context: policy.Context{"notes:public": {"true"}, "aws:sourceip": {"203.0.113.7"}}},
			want: authz.Allowed},
		{name: "aws:SourceIp only when supplied",
			in: iam.DecisionRequest{Principal: alice, Action: "notes:ReadPublic", Resource: "*",
				Context: policy.Context{"notes:public": {"true"}}},
			want: authz.ImplicitDeny},
		{name: "boundary limits the user",
			in:   iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:user/bob", Action: "notes:PutNote", Resource: note},
			want: authz.ImplicitDeny, wantReason: "because no permissions boundary allows the notes:PutNote action"},
		{name: "boundary and policy both allow",
			in:   iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:user/bob", Action: "notes:GetNote", Resource: note},
			want: authz.Allowed, wantReason: "allowed by an identity-based policy and a permissions boundary"},
		{name: "role ARN has the role's permissions",
			in:        iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:role/svc/app", Action: "notes:PutNote", Resource: note},
			want:      authz.Allowed,
			wantMatch: []iam.DecisionStatement{{Effect: "Allow", Layer: "identity", Policy: "rw", AttachedTo: "arn:aws:iam::123456789012:role/svc/app"}}},
		{name: "assumed-role ARN without a live session is allowed nothing",
			in:   iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:assumed-role/app/anyone", Action: "notes:GetNote", Resource: note},
			want: authz.ImplicitDeny, wantReason: "because no live session has this assumed-role ARN (ask by accessKeyId to decide for one session)"},
		{name: "assumed-role ARN keeps its session's session policy",
			in:   iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:assumed-role/app/worker", Action: "notes:PutNote", Resource: note},
			want: authz.ImplicitDeny, wantReason: "because no session policy allows the notes:PutNote action"},
		{name: "role session by access key keeps its session policy",
			in:         iam.DecisionRequest{Action: "notes:PutNote", Resource: note},
			sessionKey: true, want: authz.ImplicitDeny, wantReason: "because no session policy allows the notes:PutNote action"},
		{name: "role session by access key allowed within its session policy",
			in:         iam.DecisionRequest{Action: "notes:GetNote", Resource: note},
			sessionKey: true, want: authz.Allowed},
		{name: "root is allowed in its account",
			in:   iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:root", Action: "notes:DeleteNote", Resource: note},
			want: authz.Allowed},
		{name: "federated user by ARN has no known permissions",
			in:   iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:federated-user/fed", Action: "notes:GetNote", Resource: note},
			want: authz.ImplicitDeny, wantReason: "because no session policy allows the notes:GetNote action"},
		{name: "cross-account needs the resource policy",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: otherNote},
			want: authz.ImplicitDeny, wantReason: "because no resource-based policy allows the notes:GetNote action"},
		{name: "cross-account allowed by resource and identity policies",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: otherNote, ResourcePolicy: allowAlice},
			want: authz.Allowed,
			wantMatch: []iam.DecisionStatement{
				{Effect: "Allow", Layer: "identity", Policy: "notes", AttachedTo: alice, Sid: "Read"},
				{Effect: "Allow", Layer: "resource", Policy: "resourcePolicy", AttachedTo: otherNote, Sid: "Share"}}},
		{name: "cross-account resource policy alone is not enough",
			in: iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "arn:aws:notes:us-east-1:" + otherAccount + ":doc/1",
				ResourcePolicy: allowAlice},
			want: authz.ImplicitDeny, wantReason: "because no identity-based policy allows the notes:GetNote action"},
		{name: "resourceOwner overrides the resource's account",
			in: iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "arn:aws:notes:us-east-1:123456789012:note/1",
				ResourceOwner: otherAccount},
			want: authz.ImplicitDeny, wantReason: "because no resource-based policy allows the notes:GetNote action"},
		{name: "same-account resource policy naming the user allows by itself",
			in:   iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "arn:aws:notes:us-east-1:123456789012:doc/1", ResourcePolicy: allowAlice},
			want: authz.Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.sessionKey {
				in.AccessKeyID = f.sessionKey
			}
			f.decisions = nil
			res, err := f.svc.Decide(context.Background(), f.service, &in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Decision != tt.want {
				t.Fatalf("decision = %v (%s), want %v", res.Decision, res.Reason, tt.want)
			}
			if tt.wantReason != "" && res.Reason != tt.wantReason {
				t.Errorf("reason = %q, want %q", res.Reason, tt.wantReason)
			}
			if tt.wantMatch != nil && !sameStatements(res.Matched, tt.wantMatch) {
				t.Errorf("matched = %+v, want %+v", res.Matched, tt.wantMatch)
			}
			wantPrincipal := in.Principal
			if tt.sessionKey {
				wantPrincipal = "arn:aws:sts::123456789012:assumed-role/app/worker"
			}
			if res.Principal != wantPrincipal {
				t.Errorf("principal = %q, want %q", res.Principal, wantPrincipal)
			}
			// The caller's own check, then the decision asked for, are both counted.
			if n := len(f.decisions); n == 0 || f.decisions[n-1] != tt.want {
				t.Errorf("decisions observed = %v", f.decisions)
			}
		})
	}
}

func sameStatements(got, want []iam.DecisionStatement) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestDecideRefuses(t *testing.T) {
	f := newDecisionFixture(t)
	const alice = "arn:aws:iam::123456789012:user/eng/alice"
	tests := []struct {
		name     string
		caller   *iam.Caller
		in       iam.DecisionRequest
		wantCode string
		wantMsg  string
	}{
		{name: "caller without iamd:Authorize", caller: f.noAuth,
			in:       iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "*"},
			wantCode: "AccessDenied", wantMsg: "User: arn:aws:iam::123456789012:user/intern is not authorized to perform: iamd:Authorize on resource: " + alice},
		{name: "principal of another account",
			in:       iam.DecisionRequest{Principal: "arn:aws:iam::" + otherAccount + ":user/carol", Action: "notes:GetNote", Resource: "*"},
			wantCode: "AccessDenied", wantMsg: "User: arn:aws:iam::123456789012:user/notes-service is not authorized to perform: iamd:Authorize on resource: arn:aws:iam::" + otherAccount + ":user/carol"},
		{name: "unknown user",
			in:       iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:user/nobody", Action: "notes:GetNote", Resource: "*"},
			wantCode: "NoSuchEntity", wantMsg: "The user with name nobody cannot be found."},
		{name: "user ARN without its path",
			in:       iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:user/alice", Action: "notes:GetNote", Resource: "*"},
			wantCode: "NoSuchEntity"},
		{name: "unknown role",
			in:       iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:role/ghost", Action: "notes:GetNote", Resource: "*"},
			wantCode: "NoSuchEntity", wantMsg: "The role with name ghost cannot be found."},
		{name: "session of an unknown role",
			in:       iam.DecisionRequest{Principal: "arn:aws:sts::123456789012:assumed-role/ghost/s", Action: "notes:GetNote", Resource: "*"},
			wantCode: "NoSuchEntity"},
		{name: "unknown access key",
			in:       iam.DecisionRequest{AccessKeyID: "AKIAUNKNOWNKEY000000", Action: "notes:GetNote", Resource: "*"},
			wantCode: "NoSuchEntity", wantMsg: "The Access Key with id AKIAUNKNOWNKEY000000 cannot be found."},
		{name: "not an ARN",
			in:       iam.DecisionRequest{Principal: "alice", Action: "notes:GetNote", Resource: "*"},
			wantCode: "InvalidParameterValue"},
		{name: "not a principal ARN",
			in:       iam.DecisionRequest{Principal: "arn:aws:iam::123456789012:group/readers", Action: "notes:GetNote", Resource: "*"},
			wantCode: "InvalidParameterValue"},
		{name: "malformed resource policy",
			in:       iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "*", ResourcePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"notes:GetNote","Resource":"*"}]}`},
			wantCode: "MalformedPolicyDocument"},
		{name: "no action",
			in:       iam.DecisionRequest{Principal: alice, Resource: "*"},
			wantCode: "ValidationError"},
		{name: "action without a service",
			in:       iam.DecisionRequest{Principal: alice, Action: "GetNote", Resource: "*"},
			wantCode: "ValidationError"},
		{name: "no resource",
			in:       iam.DecisionRequest{Principal: alice, Action: "notes:GetNote"},
			wantCode: "ValidationError"},
		{name: "both principal and access key",
			in:       iam.DecisionRequest{Principal: alice, AccessKeyID: "AKIAUNKNOWNKEY000000", Action: "notes:GetNote", Resource: "*"},
			wantCode: "ValidationError"},
		{name: "bad resource owner",
			in:       iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "*", ResourceOwner: "12"},
			wantCode: "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.caller
			if c == nil {
				c = f.service
			}
			_, err := f.svc.Decide(context.Background(), c, &tt.in)
			wantCode(t, err, tt.wantCode)
			if tt.wantMsg != "" && !strings.HasPrefix(err.Error(), tt.wantCode+": "+tt.wantMsg) {
				t.Errorf("message = %q, want %q", err.Error(), tt.wantMsg)
			}
		})
	}
	t.Run("inactive access key", func(t *testing.T) {
		_, err := f.svc.Decide(context.Background(), f.service, &iam.DecisionRequest{AccessKeyID: f.inactive, Action: "notes:GetNote", Resource: "*"})
		wantCode(t, err, "NoSuchEntity")
		// A caller that may not ask about the key's owner does not learn the key's status.
		_, err = f.svc.Decide(context.Background(), f.noAuth, &iam.DecisionRequest{AccessKeyID: f.inactive, Action: "notes:GetNote", Resource: "*"})
		wantCode(t, err, "AccessDenied")
	})
	t.Run("another account's key is named by its ID", func(t *testing.T) {
		ctx := context.Background()
		otherRoot := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + otherAccount + ":root", Account: otherAccount}, UserID: otherAccount}
		_, err := f.svc.CreateUser(ctx, otherRoot, &iamtypes.CreateUserRequest{UserName: "carol"})
		must(t, err)
		key, err := f.svc.CreateAccessKey(ctx, otherRoot, &iamtypes.CreateAccessKeyRequest{UserName: str("carol")})
		must(t, err)
		id := key.AccessKey.AccessKeyId
		_, err = f.svc.Decide(ctx, f.service, &iam.DecisionRequest{AccessKeyID: id, Action: "notes:GetNote", Resource: "*"})
		wantCode(t, err, "AccessDenied")
		if !strings.HasSuffix(err.Error(), "on resource: "+id) {
			t.Fatalf("message %q", err)
		}
	})
	t.Run("root may ask", func(t *testing.T) {
		if _, err := f.svc.Decide(context.Background(), f.root, &iam.DecisionRequest{Principal: alice, Action: "notes:GetNote", Resource: "*"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("verify needs iamd:Authorize on *", func(t *testing.T) {
		wantCode(t, f.svc.AuthorizeVerify(context.Background(), f.noAuth), "AccessDenied")
		if err := f.svc.AuthorizeVerify(context.Background(), f.service); err != nil {
			t.Fatal(err)
		}
	})
}
