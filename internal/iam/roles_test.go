package iam_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

const rpTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// rpTrustFor is a trust policy naming one AWS principal.
func rpTrustFor(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

// rpGrant gives a user an inline policy.
func rpGrant(t testing.TB, svc *iam.Service, root, user *iam.Caller, doc string) {
	t.Helper()
	err := svc.PutUserPolicy(context.Background(), root, &iamtypes.PutUserPolicyRequest{UserName: user.Name, PolicyName: "grant", PolicyDocument: doc})
	if err != nil {
		t.Fatal(err)
	}
}

// rpAllow is an identity policy allowing actions on a resource.
func rpAllow(resource string, actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"` + resource + `"}]}`
}

// rpWant fails unless err is the AWS error with the code and message.
func rpWant(t testing.TB, err error, code, message string) {
	t.Helper()
	ae, ok := awserr.As(err)
	if !ok || ae.Code != code || ae.Message != message {
		t.Fatalf("err = %v\nwant %s: %s", err, code, message)
	}
}

func rpCreateRole(t testing.TB, svc *iam.Service, c *iam.Caller, name string) *iamtypes.Role {
	t.Helper()
	out, err := svc.CreateRole(context.Background(), c, &iamtypes.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: rpTrust})
	if err != nil {
		t.Fatal(err)
	}
	return out.Role
}

// rpDecode decodes a policy document as the SDKs do.
func rpDecode(t testing.TB, doc *string) string {
	t.Helper()
	if doc == nil {
		t.Fatal("no document")
	}
	s, err := url.PathUnescape(*doc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rpLinks returns the targets of an entity's links of a kind.
func rpLinks(t testing.TB, svc *iam.Service, kind, from string) []string {
	t.Helper()
	var out []string
	err := svc.Store.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		links, err := r.Links(ctx, store.LinkQuery{Account: testAccount, Kind: kind, From: from})
		for _, l := range links {
			out = append(out, l.To)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRolesLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	out, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "App", Path: str("/eng/"), AssumeRolePolicyDocument: rpTrust,
		Description: str("the app"), Tags: []iamtypes.Tag{{Key: "team", Value: "blue"}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if r.Arn != "arn:aws:iam::123456789012:role/eng/App" || !strings.HasPrefix(r.RoleId, "AROA") || len(r.RoleId) != 21 || r.Path != "/eng/" {
		t.Fatalf("created %+v", r)
	}
	if *r.AssumeRolePolicyDocument == rpTrust || rpDecode(t, r.AssumeRolePolicyDocument) != rpTrust {
		t.Fatalf("the trust policy is returned URL-encoded: %s", *r.AssumeRolePolicyDocument)
	}
	if r.MaxSessionDuration != nil || r.RoleLastUsed != nil || len(r.Tags) != 1 || *r.Description != "the app" {
		t.Fatalf("CreateRole returns what AWS returns: %+v", r)
	}
	if !r.CreateDate.Equal(r.CreateDate.Truncate(time.Second)) || r.CreateDate.Location() != time.UTC {
		t.Fatalf("create date %v", r.CreateDate)
	}
	_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "app", AssumeRolePolicyDocument: rpTrust})
	rpWant(t, err, "EntityAlreadyExists", "Role with name app already exists.")

	got, err := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "APP"})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Role
	if g.RoleName != "App" || *g.MaxSessionDuration != 3600 || g.RoleLastUsed == nil || len(g.Tags) != 1 || rpDecode(t, g.AssumeRolePolicyDocument) != rpTrust {
		t.Fatalf("get %+v", g)
	}

	if _, err := svc.UpdateRole(ctx, root, &iamtypes.UpdateRoleRequest{RoleName: "App", MaxSessionDuration: rpPtr(int32(7200))}); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "App"})
	if *got.Role.MaxSessionDuration != 7200 || *got.Role.Description != "the app" {
		t.Fatalf("UpdateRole without a description keeps it: %+v", got.Role)
	}
	desc, err := svc.UpdateRoleDescription(ctx, root, &iamtypes.UpdateRoleDescriptionRequest{RoleName: "App", Description: "new"})
	if err != nil || *desc.Role.Description != "new" || *desc.Role.MaxSessionDuration != 7200 {
		t.Fatalf("UpdateRoleDescription: %+v %v", desc, err)
	}

	list, err := svc.ListRoles(ctx, root, &iamtypes.ListRolesRequest{})
	if err != nil || len(list.Roles) != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
	if l := list.Roles[0]; l.Tags != nil || l.PermissionsBoundary != nil || l.RoleLastUsed != nil || *l.MaxSessionDuration != 7200 || *l.Description != "new" {
		t.Fatalf("ListRoles items carry what AWS's do: %+v", l)
	}

	if err := svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: "app"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "App"})
	rpWant(t, err, "NoSuchEntity", "The role with name App cannot be found.")
	rpWant(t, svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: "App"}), "NoSuchEntity", "The role with name App cannot be found.")
}

func TestCreateRoleValidatesItsInput(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	rpCreateRole(t, svc, root, "existing")
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":["` +
		strings.Repeat("1", 2000) + `"]}}}]}`
	var tags51 []iamtypes.Tag
	for i := 0; i < 51; i++ {
		tags51 = append(tags51, iamtypes.Tag{Key: fmt.Sprint("k", i), Value: "v"})
	}
	cases := []struct {
		name    string
		in      iamtypes.CreateRoleRequest
		code    string
		message string // "" to check the code only
	}{
		{name: "not JSON", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: "{"}, code: "MalformedPolicyDocument"},
		{name: "identity policy as trust policy", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpAllow("*", "s3:GetObject")}, code: "MalformedPolicyDocument"},
		{name: "trust policy over 2048 characters", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: big},
			code: "LimitExceeded", message: "Cannot exceed quota for ACLSizePerRole: 2048"},
		{name: "session duration too short", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrust, MaxSessionDuration: rpPtr(int32(3599))},
			code: "ValidationError", message: "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"},
		{name: "session duration too long", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrust, MaxSessionDuration: rpPtr(int32(43201))},
			code: "ValidationError", message: "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{name: "boundary that does not exist", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrust, PermissionsBoundary: str("arn:aws:iam::123456789012:policy/nope")},
			code: "NoSuchEntity", message: "Scope ARN: arn:aws:iam::123456789012:policy/nope does not exist or is not attachable."},
		{name: "duplicate tag keys", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrust, Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}},
			code: "InvalidInput", message: "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
		{name: "too many tags", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrust, Tags: tags51},
			code: "LimitExceeded", message: "The number of tags has reached the maximum limit."},
		{name: "principal user that does not exist", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrustFor("arn:aws:iam::123456789012:user/nobody")},
			code: "MalformedPolicyDocument", message: `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/nobody"`},
		{name: "principal role at another path", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrustFor("arn:aws:iam::123456789012:role/x/existing")},
			code: "MalformedPolicyDocument", message: `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/x/existing"`},
		{name: "principal group", in: iamtypes.CreateRoleRequest{AssumeRolePolicyDocument: rpTrustFor("arn:aws:iam::123456789012:group/devs")},
			code: "MalformedPolicyDocument", message: `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:group/devs"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RoleName = "r"
			_, err := svc.CreateRole(ctx, root, &in)
			if tc.message == "" {
				wantCode(t, err, tc.code)
			} else {
				rpWant(t, err, tc.code, tc.message)
			}
			// A failed create leaves nothing behind.
			_, err = svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "r"})
			wantCode(t, err, "NoSuchEntity")
		})
	}
}

func TestTrustPolicyAcceptsPrincipalsThatExistOrCannotBeChecked(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	rpCreateRole(t, svc, root, "existing")
	for i, p := range []string{
		"arn:aws:iam::123456789012:user/alice",
		"arn:aws:iam::123456789012:user/ALICE",
		"arn:aws:iam::123456789012:role/existing",
		"arn:aws:iam::123456789012:root",
		"123456789012",
		"arn:aws:iam::999999999999:user/someone-iamd-does-not-hold",
		"arn:aws:iam::999999999999:root",
		"arn:aws:sts::123456789012:assumed-role/existing/session",
		"*",
	} {
		if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: fmt.Sprint("r", i), AssumeRolePolicyDocument: rpTrustFor(p)}); err != nil {
			t.Errorf("principal %s: %v", p, err)
		}
	}
	for i, doc := range []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/idp"},"Action":"sts:AssumeRoleWithSAML"}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}}`,
	} {
		if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: fmt.Sprint("d", i), AssumeRolePolicyDocument: doc}); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

func TestRolesPerAccountQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := 0; i < iam.MaxRolesPerAccount; i++ {
			name := fmt.Sprint("r", i)
			if err := tx.Insert(ctx, &store.Entity{Account: testAccount, Kind: iam.KindRole, Name: name, Path: "/", ID: fmt.Sprint("AROAFILL", i),
				Data: []byte(`{"name":"` + name + `"}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "one-too-many", AssumeRolePolicyDocument: rpTrust})
	rpWant(t, err, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000")
}

func TestListRolesPagesAndFiltersByPath(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	for i := 0; i < 5; i++ {
		path := "/"
		if i%2 == 0 {
			path = "/eng/"
		}
		if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: fmt.Sprint("r", i), Path: &path, AssumeRolePolicyDocument: rpTrust}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	for {
		page, err := svc.ListRoles(ctx, root, &iamtypes.ListRolesRequest{Marker: marker, MaxItems: rpPtr(int32(2))})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Roles {
			names = append(names, r.RoleName)
		}
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if fmt.Sprint(names) != "[r0 r1 r2 r3 r4]" {
		t.Fatalf("paged %v", names)
	}
	eng, err := svc.ListRoles(ctx, root, &iamtypes.ListRolesRequest{PathPrefix: str("/eng/")})
	if err != nil || len(eng.Roles) != 3 {
		t.Fatalf("eng: %+v %v", eng, err)
	}
}

func TestDeleteRoleRefusesWhileInUse(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "app")
	steps := []struct {
		name    string
		setup   func() error
		message string
		undo    func() error
	}{
		{name: "in an instance profile",
			setup: func() error {
				if _, err := svc.CreateInstanceProfile(ctx, root, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "web"}); err != nil {
					return err
				}
				return svc.AddRoleToInstanceProfile(ctx, root, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: "web", RoleName: "app"})
			},
			message: "Cannot delete entity, must remove roles from instance profile first.",
			undo: func() error {
				return svc.RemoveRoleFromInstanceProfile(ctx, root, &iamtypes.RemoveRoleFromInstanceProfileRequest{InstanceProfileName: "web", RoleName: "app"})
			}},
		{name: "with an attached policy",
			setup: func() error {
				return svc.AttachRolePolicy(ctx, root, &iamtypes.AttachRolePolicyRequest{RoleName: "app", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			},
			message: "Cannot delete entity, must detach all policies first.",
			undo: func() error {
				return svc.DetachRolePolicy(ctx, root, &iamtypes.DetachRolePolicyRequest{RoleName: "app", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			}},
		{name: "with an inline policy",
			setup: func() error {
				return svc.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: "app", PolicyName: "p", PolicyDocument: rpAllow("*", "s3:ListBucket")})
			},
			message: "Cannot delete entity, must delete policies first.",
			undo: func() error {
				return svc.DeleteRolePolicy(ctx, root, &iamtypes.DeleteRolePolicyRequest{RoleName: "app", PolicyName: "p"})
			}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.setup(); err != nil {
				t.Fatal(err)
			}
			rpWant(t, svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: "app"}), "DeleteConflict", st.message)
			if _, err := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "app"}); err != nil {
				t.Fatalf("the refused delete changed something: %v", err)
			}
			if err := st.undo(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: "app"}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateAssumeRolePolicy(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "app")
	lambda := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if err := svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "app", PolicyDocument: lambda}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, doc, code, message string
	}{
		{"malformed", `{"Statement":[]`, "MalformedPolicyDocument", ""},
		{"unknown principal", rpTrustFor("arn:aws:iam::123456789012:role/ghost"), "MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/ghost"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "app", PolicyDocument: tc.doc})
			if tc.message == "" {
				wantCode(t, err, tc.code)
			} else {
				rpWant(t, err, tc.code, tc.message)
			}
			got, err := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "app"})
			if err != nil || rpDecode(t, got.Role.AssumeRolePolicyDocument) != lambda {
				t.Fatalf("a refused update changed the trust policy: %+v %v", got, err)
			}
		})
	}
	rpWant(t, svc.UpdateAssumeRolePolicy(ctx, root, &iamtypes.UpdateAssumeRolePolicyRequest{RoleName: "ghost", PolicyDocument: lambda}),
		"NoSuchEntity", "The role with name ghost cannot be found.")
}

func TestRoleTags(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "app")
	tag := func(tags ...iamtypes.Tag) error {
		return svc.TagRole(ctx, root, &iamtypes.TagRoleRequest{RoleName: "app", Tags: tags})
	}
	if err := tag(iamtypes.Tag{Key: "a", Value: "1"}, iamtypes.Tag{Key: "b", Value: "2"}, iamtypes.Tag{Key: "c", Value: "3"}); err != nil {
		t.Fatal(err)
	}
	if err := tag(iamtypes.Tag{Key: "A", Value: "one"}); err != nil {
		t.Fatal(err)
	}
	rpWant(t, tag(iamtypes.Tag{Key: "x", Value: "1"}, iamtypes.Tag{Key: "X", Value: "2"}), "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	var keys []string
	var marker *string
	for {
		page, err := svc.ListRoleTags(ctx, root, &iamtypes.ListRoleTagsRequest{RoleName: "app", Marker: marker, MaxItems: rpPtr(int32(2))})
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range page.Tags {
			keys = append(keys, tg.Key+"="+tg.Value)
		}
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if fmt.Sprint(keys) != "[A=one b=2 c=3]" {
		t.Fatalf("tags %v", keys)
	}
	if err := svc.UntagRole(ctx, root, &iamtypes.UntagRoleRequest{RoleName: "app", TagKeys: []string{"a", "B"}}); err != nil {
		t.Fatal(err)
	}
	list, err := svc.ListRoleTags(ctx, root, &iamtypes.ListRoleTagsRequest{RoleName: "app"})
	if err != nil || len(list.Tags) != 1 || list.Tags[0].Key != "c" || *list.IsTruncated {
		t.Fatalf("after untag %+v %v", list, err)
	}
	var many []iamtypes.Tag
	for i := 0; i < 50; i++ {
		many = append(many, iamtypes.Tag{Key: fmt.Sprint("k", i), Value: "v"})
	}
	rpWant(t, tag(many...), "LimitExceeded", "The number of tags has reached the maximum limit.")
	list, _ = svc.ListRoleTags(ctx, root, &iamtypes.ListRoleTagsRequest{RoleName: "app"})
	if len(list.Tags) != 1 {
		t.Fatalf("a refused TagRole changed the tags: %+v", list.Tags)
	}
	rpWant(t, svc.UntagRole(ctx, root, &iamtypes.UntagRoleRequest{RoleName: "ghost", TagKeys: []string{"a"}}), "NoSuchEntity", "The role with name ghost cannot be found.")
}

func TestPermissionsBoundariesOfRolesAndUsers(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	role := rpCreateRole(t, svc, root, "app")
	user := userCaller(t, svc, root, "alice")
	const power = "arn:aws:iam::aws:policy/PowerUserAccess"
	const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"

	if err := svc.PutRolePermissionsBoundary(ctx, root, &iamtypes.PutRolePermissionsBoundaryRequest{RoleName: "app", PermissionsBoundary: power}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutRolePermissionsBoundary(ctx, root, &iamtypes.PutRolePermissionsBoundaryRequest{RoleName: "app", PermissionsBoundary: readOnly}); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "app"})
	if got.Role.PermissionsBoundary == nil || *got.Role.PermissionsBoundary.PermissionsBoundaryArn != readOnly ||
		fmt.Sprint(rpLinks(t, svc, iam.LinkBoundary, role.RoleId)) != "["+readOnly+"]" {
		t.Fatalf("role boundary %+v, links %v", got.Role.PermissionsBoundary, rpLinks(t, svc, iam.LinkBoundary, role.RoleId))
	}
	rpWant(t, svc.PutRolePermissionsBoundary(ctx, root, &iamtypes.PutRolePermissionsBoundaryRequest{RoleName: "app", PermissionsBoundary: "arn:aws:iam::aws:policy/Nope"}),
		"NoSuchEntity", "Scope ARN: arn:aws:iam::aws:policy/Nope does not exist or is not attachable.")
	if links := rpLinks(t, svc, iam.LinkBoundary, role.RoleId); fmt.Sprint(links) != "["+readOnly+"]" {
		t.Fatalf("a refused Put changed the boundary: %v", links)
	}
	if err := svc.DeleteRolePermissionsBoundary(ctx, root, &iamtypes.DeleteRolePermissionsBoundaryRequest{RoleName: "app"}); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "app"})
	if got.Role.PermissionsBoundary != nil || len(rpLinks(t, svc, iam.LinkBoundary, role.RoleId)) != 0 {
		t.Fatalf("after delete: %+v", got.Role.PermissionsBoundary)
	}

	if err := svc.PutUserPermissionsBoundary(ctx, root, &iamtypes.PutUserPermissionsBoundaryRequest{UserName: "alice", PermissionsBoundary: power}); err != nil {
		t.Fatal(err)
	}
	u, _ := svc.GetUser(ctx, root, &iamtypes.GetUserRequest{UserName: str("alice")})
	if u.User.PermissionsBoundary == nil || *u.User.PermissionsBoundary.PermissionsBoundaryArn != power ||
		fmt.Sprint(rpLinks(t, svc, iam.LinkBoundary, user.UserID)) != "["+power+"]" {
		t.Fatalf("user boundary %+v", u.User.PermissionsBoundary)
	}
	if err := svc.DeleteUserPermissionsBoundary(ctx, root, &iamtypes.DeleteUserPermissionsBoundaryRequest{UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	u, _ = svc.GetUser(ctx, root, &iamtypes.GetUserRequest{UserName: str("alice")})
	if u.User.PermissionsBoundary != nil || len(rpLinks(t, svc, iam.LinkBoundary, user.UserID)) != 0 {
		t.Fatalf("user boundary after delete %+v", u.User.PermissionsBoundary)
	}
	rpWant(t, svc.PutUserPermissionsBoundary(ctx, root, &iamtypes.PutUserPermissionsBoundaryRequest{UserName: "bob", PermissionsBoundary: power}),
		"NoSuchEntity", "The user with name bob cannot be found.")

	// A boundary given at creation is linked too, and its link goes with the role.
	created, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "bounded", AssumeRolePolicyDocument: rpTrust, PermissionsBoundary: str(power)})
	if err != nil || created.Role.PermissionsBoundary == nil {
		t.Fatalf("create with boundary: %+v %v", created, err)
	}
	if err := svc.DeleteRole(ctx, root, &iamtypes.DeleteRoleRequest{RoleName: "bounded"}); err != nil {
		t.Fatal(err)
	}
	if links := rpLinks(t, svc, iam.LinkBoundary, created.Role.RoleId); len(links) != 0 {
		t.Fatalf("links left by a deleted role: %v", links)
	}
}

func TestRoleBoundaryLimitsTheCallersOwnPermissions(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	rpGrant(t, svc, root, bob, rpAllow("*", "iam:*"))
	if _, err := svc.ListRoles(ctx, bob, &iamtypes.ListRolesRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutUserPermissionsBoundary(ctx, root, &iamtypes.PutUserPermissionsBoundaryRequest{UserName: "bob", PermissionsBoundary: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.ListRoles(ctx, bob, &iamtypes.ListRolesRequest{})
	wantCode(t, err, "AccessDenied")
}

func TestRoleOperationsAreAuthorized(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	if _, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "blue", AssumeRolePolicyDocument: rpTrust, Tags: []iamtypes.Tag{{Key: "team", Value: "blue"}}}); err != nil {
		t.Fatal(err)
	}
	rpCreateRole(t, svc, root, "red")
	nobody := userCaller(t, svc, root, "nobody")

	_, err := svc.CreateRole(ctx, nobody, &iamtypes.CreateRoleRequest{RoleName: "x", AssumeRolePolicyDocument: rpTrust})
	rpWant(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/x because no identity-based policy allows the iam:CreateRole action")
	_, err = svc.ListRoles(ctx, nobody, &iamtypes.ListRolesRequest{PathPrefix: str("/eng/")})
	if err == nil || !strings.Contains(err.Error(), "iam:ListRoles on resource: arn:aws:iam::123456789012:role/eng/ ") {
		t.Fatalf("ListRoles: %v", err)
	}
	_, err = svc.GetRole(ctx, nobody, &iamtypes.GetRoleRequest{RoleName: "ghost"})
	wantCode(t, err, "AccessDenied") // not NoSuchEntity: a caller who may not look learns nothing

	eng := userCaller(t, svc, root, "eng")
	rpGrant(t, svc, root, eng, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:CreateRole","iam:DeleteRole"],"Resource":"arn:aws:iam::123456789012:role/eng/*"},
		{"Effect":"Allow","Action":["iam:GetRole","iam:UpdateRole","iam:TagRole"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"blue"}}},
		{"Effect":"Allow","Action":"iam:PutRolePermissionsBoundary","Resource":"*","Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}`)
	cases := []struct {
		name    string
		call    func() error
		allowed bool
	}{
		{"create under /eng/", func() error {
			_, err := svc.CreateRole(ctx, eng, &iamtypes.CreateRoleRequest{RoleName: "e1", Path: str("/eng/"), AssumeRolePolicyDocument: rpTrust})
			return err
		}, true},
		{"create at /", func() error {
			_, err := svc.CreateRole(ctx, eng, &iamtypes.CreateRoleRequest{RoleName: "e2", AssumeRolePolicyDocument: rpTrust})
			return err
		}, false},
		{"create with tags needs iam:TagRole on the new role", func() error {
			_, err := svc.CreateRole(ctx, eng, &iamtypes.CreateRoleRequest{RoleName: "e3", Path: str("/eng/"), AssumeRolePolicyDocument: rpTrust, Tags: []iamtypes.Tag{{Key: "team", Value: "red"}}})
			return err
		}, false},
		{"get a role tagged blue", func() error { _, err := svc.GetRole(ctx, eng, &iamtypes.GetRoleRequest{RoleName: "blue"}); return err }, true},
		{"get a role not tagged blue", func() error { _, err := svc.GetRole(ctx, eng, &iamtypes.GetRoleRequest{RoleName: "red"}); return err }, false},
		{"update a role tagged blue", func() error {
			_, err := svc.UpdateRole(ctx, eng, &iamtypes.UpdateRoleRequest{RoleName: "blue", Description: str("d")})
			return err
		}, true},
		{"tag a role not tagged blue", func() error {
			return svc.TagRole(ctx, eng, &iamtypes.TagRoleRequest{RoleName: "red", Tags: []iamtypes.Tag{{Key: "team", Value: "blue"}}})
		}, false},
		{"put the allowed boundary", func() error {
			return svc.PutRolePermissionsBoundary(ctx, eng, &iamtypes.PutRolePermissionsBoundaryRequest{RoleName: "red", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
		}, true},
		{"put another boundary", func() error {
			return svc.PutRolePermissionsBoundary(ctx, eng, &iamtypes.PutRolePermissionsBoundaryRequest{RoleName: "red", PermissionsBoundary: "arn:aws:iam::aws:policy/AdministratorAccess"})
		}, false},
		{"delete under /eng/", func() error { return svc.DeleteRole(ctx, eng, &iamtypes.DeleteRoleRequest{RoleName: "e1"}) }, true},
		{"delete elsewhere", func() error { return svc.DeleteRole(ctx, eng, &iamtypes.DeleteRoleRequest{RoleName: "red"}) }, false},
		{"list", func() error { _, err := svc.ListRoles(ctx, eng, &iamtypes.ListRolesRequest{}); return err }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.allowed && err != nil {
				t.Fatalf("denied: %v", err)
			}
			if !tc.allowed {
				wantCode(t, err, "AccessDenied")
			}
		})
	}
	if _, err := svc.GetRole(ctx, root, &iamtypes.GetRoleRequest{RoleName: "e3"}); err == nil {
		t.Fatal("a create denied for its tags created the role")
	}
}

func rpPtr[T any](v T) *T { return &v }
