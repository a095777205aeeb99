package iam_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// gkSetGroupPolicy puts an inline policy on a group.
func gkSetGroupPolicy(t testing.TB, svc *iam.Service, root *iam.Caller, group, doc string) {
	t.Helper()
	err := svc.PutGroupPolicy(context.Background(), root, &iamtypes.PutGroupPolicyRequest{GroupName: group, PolicyName: "inline", PolicyDocument: doc})
	if err != nil {
		t.Fatal(err)
	}
}

// gkGrant gives a user the permissions of a policy document through a group of its own.
func gkGrant(t testing.TB, svc *iam.Service, root, user *iam.Caller, doc string) {
	t.Helper()
	ctx := context.Background()
	group := "grant-" + user.Name
	if _, err := svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: group}); err != nil {
		t.Fatal(err)
	}
	gkSetGroupPolicy(t, svc, root, group, doc)
	if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: group, UserName: user.Name}); err != nil {
		t.Fatal(err)
	}
}

// gkWantMessage fails unless err is an AWS error with the code and message.
func gkWantMessage(t testing.TB, err error, code, message string) {
	t.Helper()
	wantCode(t, err, code)
	if err.Error() != code+": "+message {
		t.Fatalf("message:\n%s\nwant\n%s: %s", err.Error(), code, message)
	}
}

func gkGroupNames(groups []iamtypes.Group) string {
	var names []string
	for _, g := range groups {
		names = append(names, g.GroupName)
	}
	return strings.Join(names, ",")
}

func gkCreateUser(t testing.TB, svc *iam.Service, root *iam.Caller, name string) {
	t.Helper()
	if _, err := svc.CreateUser(context.Background(), root, &iamtypes.CreateUserRequest{UserName: name}); err != nil {
		t.Fatal(err)
	}
}

func gkCreateGroup(t testing.TB, svc *iam.Service, root *iam.Caller, name, path string) *iamtypes.Group {
	t.Helper()
	out, err := svc.CreateGroup(context.Background(), root, &iamtypes.CreateGroupRequest{GroupName: name, Path: &path})
	if err != nil {
		t.Fatal(err)
	}
	return out.Group
}

func TestGroupsLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	g := gkCreateGroup(t, svc, root, "Admins", "/ops/")
	if g.Arn != "arn:aws:iam::123456789012:group/ops/Admins" || !strings.HasPrefix(g.GroupId, "AGPA") || len(g.GroupId) != 21 ||
		g.Path != "/ops/" || g.CreateDate.IsZero() || g.CreateDate.Nanosecond() != 0 {
		t.Fatalf("created %+v", g)
	}
	_, err := svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: "admins"})
	gkWantMessage(t, err, "EntityAlreadyExists", "Group with name admins already exists.")

	got, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "ADMINS"})
	if err != nil || got.Group.GroupName != "Admins" || got.Group.GroupId != g.GroupId || len(got.Users) != 0 || *got.IsTruncated {
		t.Fatalf("get: %+v %v", got, err)
	}

	gkCreateUser(t, svc, root, "alice")
	if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "admins", UserName: "ALICE"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateGroup(ctx, root, &iamtypes.UpdateGroupRequest{GroupName: "admins", NewGroupName: str("Operators"), NewPath: str("/")}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "Admins"})
	gkWantMessage(t, err, "NoSuchEntity", "The group with name Admins cannot be found.")
	got, err = svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "operators"})
	if err != nil || got.Group.Arn != "arn:aws:iam::123456789012:group/Operators" || got.Group.GroupId != g.GroupId ||
		len(got.Users) != 1 || got.Users[0].UserName != "alice" {
		t.Fatalf("renamed group keeps its ID and members: %+v %v", got, err)
	}
	// A change of case only is a rename too.
	if err := svc.UpdateGroup(ctx, root, &iamtypes.UpdateGroupRequest{GroupName: "operators", NewGroupName: str("OPERATORS")}); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "operators"}); err != nil || got.Group.GroupName != "OPERATORS" {
		t.Fatalf("case rename: %+v %v", got, err)
	}

	if err := svc.RemoveUserFromGroup(ctx, root, &iamtypes.RemoveUserFromGroupRequest{GroupName: "operators", UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteGroup(ctx, root, &iamtypes.DeleteGroupRequest{GroupName: "Operators"}); err != nil {
		t.Fatal(err)
	}
	gkWantMessage(t, svc.DeleteGroup(ctx, root, &iamtypes.DeleteGroupRequest{GroupName: "Operators"}),
		"NoSuchEntity", "The group with name Operators cannot be found.")
}

func TestUpdateGroupToATakenNameChangesNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	a := gkCreateGroup(t, svc, root, "a", "/x/")
	gkCreateGroup(t, svc, root, "b", "/")
	err := svc.UpdateGroup(ctx, root, &iamtypes.UpdateGroupRequest{GroupName: "a", NewGroupName: str("B"), NewPath: str("/y/")})
	gkWantMessage(t, err, "EntityAlreadyExists", "Group with name B already exists.")
	got, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "a"})
	if err != nil || got.Group.Arn != a.Arn || got.Group.Path != "/x/" {
		t.Fatalf("a after failed rename: %+v %v", got, err)
	}
	wantCode(t, svc.UpdateGroup(ctx, root, &iamtypes.UpdateGroupRequest{GroupName: "nope", NewPath: str("/y/")}), "NoSuchEntity")
}

func TestGetGroupPagesItsUsersByName(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateGroup(t, svc, root, "team", "/")
	for _, name := range []string{"dave", "Bob", "erin", "alice", "Carol"} {
		gkCreateUser(t, svc, root, name)
		if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "team", UserName: name}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	for pages := 0; ; pages++ {
		page, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "team", Marker: marker, MaxItems: gkPtr(int32(2))})
		if err != nil {
			t.Fatal(err)
		}
		if page.Group == nil || page.Group.GroupName != "team" {
			t.Fatalf("page without the group: %+v", page)
		}
		for _, u := range page.Users {
			names = append(names, u.UserName)
		}
		if !*page.IsTruncated {
			if page.Marker != nil {
				t.Fatalf("last page has a marker")
			}
			break
		}
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		marker = page.Marker
	}
	if fmt.Sprint(names) != "[alice Bob Carol dave erin]" {
		t.Fatalf("paged %v", names)
	}
	_, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "team", Marker: str("%%%")})
	wantCode(t, err, "ValidationError")
}

func TestListGroupsPagesAndFiltersByPath(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	for i := 0; i < 5; i++ {
		path := "/"
		if i%2 == 0 {
			path = "/eng/"
		}
		gkCreateGroup(t, svc, root, fmt.Sprintf("g%d", i), path)
	}
	var names []string
	var marker *string
	for {
		page, err := svc.ListGroups(ctx, root, &iamtypes.ListGroupsRequest{Marker: marker, MaxItems: gkPtr(int32(2))})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, gkGroupNames(page.Groups))
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if strings.Join(names, "|") != "g0,g1|g2,g3|g4" {
		t.Fatalf("paged %v", names)
	}
	eng, err := svc.ListGroups(ctx, root, &iamtypes.ListGroupsRequest{PathPrefix: str("/eng/")})
	if err != nil || gkGroupNames(eng.Groups) != "g0,g2,g4" {
		t.Fatalf("eng: %+v %v", eng, err)
	}
	none, err := svc.ListGroups(ctx, root, &iamtypes.ListGroupsRequest{PathPrefix: str("/none/")})
	if err != nil || none.Groups == nil || len(none.Groups) != 0 {
		t.Fatalf("an empty list is a list: %+v %v", none, err)
	}
}

func TestDeleteGroupRefusesWhileInUse(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(t *testing.T, svc *iam.Service, root *iam.Caller, g *iamtypes.Group)
		message string
	}{
		{"with a member", func(t *testing.T, svc *iam.Service, root *iam.Caller, g *iamtypes.Group) {
			gkCreateUser(t, svc, root, "alice")
			if err := svc.AddUserToGroup(context.Background(), root, &iamtypes.AddUserToGroupRequest{GroupName: g.GroupName, UserName: "alice"}); err != nil {
				t.Fatal(err)
			}
		}, "Cannot delete entity, must remove users from group first."},
		{"with an attached managed policy", func(t *testing.T, svc *iam.Service, root *iam.Caller, g *iamtypes.Group) {
			err := svc.AttachGroupPolicy(context.Background(), root, &iamtypes.AttachGroupPolicyRequest{GroupName: g.GroupName, PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"})
			if err != nil {
				t.Fatal(err)
			}
		}, "Cannot delete entity, must detach all policies first."},
		{"with an inline policy", func(t *testing.T, svc *iam.Service, root *iam.Caller, g *iamtypes.Group) {
			gkSetGroupPolicy(t, svc, root, g.GroupName, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
		}, "Cannot delete entity, must delete policies first."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			svc, root := newService(t)
			g := gkCreateGroup(t, svc, root, "dev", "/")
			tc.prepare(t, svc, root, g)
			gkWantMessage(t, svc.DeleteGroup(ctx, root, &iamtypes.DeleteGroupRequest{GroupName: "dev"}), "DeleteConflict", tc.message)
			if _, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "dev"}); err != nil {
				t.Fatalf("the refused delete removed the group: %v", err)
			}
		})
	}
}

func TestGroupsPerAccountQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := 0; i < iam.MaxGroupsPerAccount; i++ {
			name := fmt.Sprintf("g%03d", i)
			data, _ := json.Marshal(iam.Group{GroupName: name, GroupID: fmt.Sprintf("AGPATEST%013d", i), Path: "/"})
			if err := tx.Insert(ctx, &store.Entity{Account: testAccount, Kind: iam.KindGroup, Name: name, Path: "/", ID: fmt.Sprintf("AGPATEST%013d", i), Data: data}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: "one-too-many"})
	gkWantMessage(t, err, "LimitExceeded", "Cannot exceed quota for GroupsPerAccount: 300")
	_, err = svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "one-too-many"})
	wantCode(t, err, "NoSuchEntity")
}

func TestAddUserToGroup(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	gkCreateGroup(t, svc, root, "dev", "/")
	for i := 0; i < 2; i++ { // adding a member again is a no-op, as in AWS
		if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "dev", UserName: "alice"}); err != nil {
			t.Fatalf("add #%d: %v", i+1, err)
		}
	}
	got, err := svc.ListGroupsForUser(ctx, root, &iamtypes.ListGroupsForUserRequest{UserName: "alice"})
	if err != nil || gkGroupNames(got.Groups) != "dev" {
		t.Fatalf("groups of alice: %+v %v", got, err)
	}
	cases := []struct {
		name, group, user, code, message string
	}{
		{"missing group", "nope", "alice", "NoSuchEntity", "The group with name nope cannot be found."},
		{"missing user", "dev", "bob", "NoSuchEntity", "The user with name bob cannot be found."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gkWantMessage(t, svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: tc.group, UserName: tc.user}), tc.code, tc.message)
			gkWantMessage(t, svc.RemoveUserFromGroup(ctx, root, &iamtypes.RemoveUserFromGroupRequest{GroupName: tc.group, UserName: tc.user}), tc.code, tc.message)
		})
	}
}

func TestGroupsPerUserQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	for i := 0; i <= iam.MaxGroupsPerUser; i++ {
		gkCreateGroup(t, svc, root, fmt.Sprintf("g%02d", i), "/")
	}
	for i := 0; i < iam.MaxGroupsPerUser; i++ {
		if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: fmt.Sprintf("g%02d", i), UserName: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	// Re-adding to a group the user is in is not a new membership.
	if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "g00", UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "g10", UserName: "alice"})
	gkWantMessage(t, err, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
	got, err := svc.GetGroup(ctx, root, &iamtypes.GetGroupRequest{GroupName: "g10"})
	if err != nil || len(got.Users) != 0 {
		t.Fatalf("the refused add changed g10: %+v %v", got, err)
	}
}

func TestRemoveUserFromGroup(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	gkCreateGroup(t, svc, root, "dev", "/")
	gkCreateGroup(t, svc, root, "ops", "/")
	for _, g := range []string{"dev", "ops"} {
		if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: g, UserName: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	gkWantMessage(t, svc.DeleteUser(ctx, root, &iamtypes.DeleteUserRequest{UserName: "alice"}),
		"DeleteConflict", "Cannot delete entity, must remove users from group first.")
	if err := svc.RemoveUserFromGroup(ctx, root, &iamtypes.RemoveUserFromGroupRequest{GroupName: "DEV", UserName: "Alice"}); err != nil {
		t.Fatal(err)
	}
	// Removing a user who is not a member succeeds, as in AWS.
	if err := svc.RemoveUserFromGroup(ctx, root, &iamtypes.RemoveUserFromGroupRequest{GroupName: "dev", UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.ListGroupsForUser(ctx, root, &iamtypes.ListGroupsForUserRequest{UserName: "alice"})
	if err != nil || gkGroupNames(got.Groups) != "ops" {
		t.Fatalf("groups of alice: %+v %v", got, err)
	}
}

func TestListGroupsForUserPagesByName(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	for _, g := range []string{"delta", "Alpha", "charlie", "Bravo"} {
		gkCreateGroup(t, svc, root, g, "/")
		if err := svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: g, UserName: "alice"}); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string
	var marker *string
	for {
		page, err := svc.ListGroupsForUser(ctx, root, &iamtypes.ListGroupsForUserRequest{UserName: "alice", Marker: marker, MaxItems: gkPtr(int32(3))})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, gkGroupNames(page.Groups))
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if strings.Join(pages, "|") != "Alpha,Bravo,charlie|delta" {
		t.Fatalf("pages %v", pages)
	}
	_, err := svc.ListGroupsForUser(ctx, root, &iamtypes.ListGroupsForUserRequest{UserName: "nobody"})
	gkWantMessage(t, err, "NoSuchEntity", "The user with name nobody cannot be found.")
}

func TestGroupsAuthorization(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateGroup(t, svc, root, "builders", "/eng/")
	gkCreateGroup(t, svc, root, "finance", "/")
	gkCreateUser(t, svc, root, "carol")
	bob := userCaller(t, svc, root, "bob")

	// No policy: denied, with AWS's message naming the group's ARN.
	_, err := svc.CreateGroup(ctx, bob, &iamtypes.CreateGroupRequest{GroupName: "x", Path: str("/eng/")})
	gkWantMessage(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateGroup on resource: arn:aws:iam::123456789012:group/eng/x because no identity-based policy allows the iam:CreateGroup action")

	// A narrow policy: groups under /eng/ only, and ListGroups on that path only.
	gkGrant(t, svc, root, bob, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:GetGroup","iam:AddUserToGroup","iam:RemoveUserFromGroup","iam:UpdateGroup","iam:DeleteGroup","iam:CreateGroup"],"Resource":"arn:aws:iam::123456789012:group/eng/*"},
		{"Effect":"Allow","Action":"iam:ListGroups","Resource":"arn:aws:iam::123456789012:group/eng/"},
		{"Effect":"Allow","Action":"iam:ListGroupsForUser","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}`)

	cases := []struct {
		name string
		call func() error
		code string // "" when allowed
	}{
		{"get a group under /eng/", func() error {
			_, err := svc.GetGroup(ctx, bob, &iamtypes.GetGroupRequest{GroupName: "builders"})
			return err
		}, ""},
		{"get a group elsewhere", func() error {
			_, err := svc.GetGroup(ctx, bob, &iamtypes.GetGroupRequest{GroupName: "finance"})
			return err
		}, "AccessDenied"},
		{"a missing group is denied, not reported missing", func() error {
			_, err := svc.GetGroup(ctx, bob, &iamtypes.GetGroupRequest{GroupName: "ghost"})
			return err
		}, "AccessDenied"},
		{"create under /eng/", func() error {
			_, err := svc.CreateGroup(ctx, bob, &iamtypes.CreateGroupRequest{GroupName: "testers", Path: str("/eng/")})
			return err
		}, ""},
		{"create at the root path", func() error {
			_, err := svc.CreateGroup(ctx, bob, &iamtypes.CreateGroupRequest{GroupName: "rogue"})
			return err
		}, "AccessDenied"},
		{"add a user to a group under /eng/", func() error {
			return svc.AddUserToGroup(ctx, bob, &iamtypes.AddUserToGroupRequest{GroupName: "builders", UserName: "carol"})
		}, ""},
		{"add a user to a group elsewhere", func() error {
			return svc.AddUserToGroup(ctx, bob, &iamtypes.AddUserToGroupRequest{GroupName: "finance", UserName: "carol"})
		}, "AccessDenied"},
		{"move a group out of /eng/ needs the new ARN too", func() error {
			return svc.UpdateGroup(ctx, bob, &iamtypes.UpdateGroupRequest{GroupName: "testers", NewPath: str("/")})
		}, "AccessDenied"},
		{"rename within /eng/", func() error {
			return svc.UpdateGroup(ctx, bob, &iamtypes.UpdateGroupRequest{GroupName: "testers", NewGroupName: str("qa")})
		}, ""},
		{"delete a group under /eng/", func() error {
			return svc.DeleteGroup(ctx, bob, &iamtypes.DeleteGroupRequest{GroupName: "qa"})
		}, ""},
		{"delete a group elsewhere", func() error {
			return svc.DeleteGroup(ctx, bob, &iamtypes.DeleteGroupRequest{GroupName: "finance"})
		}, "AccessDenied"},
		{"list groups under /eng/", func() error {
			_, err := svc.ListGroups(ctx, bob, &iamtypes.ListGroupsRequest{PathPrefix: str("/eng/")})
			return err
		}, ""},
		{"list all groups", func() error {
			_, err := svc.ListGroups(ctx, bob, &iamtypes.ListGroupsRequest{})
			return err
		}, "AccessDenied"},
		{"list own groups", func() error {
			_, err := svc.ListGroupsForUser(ctx, bob, &iamtypes.ListGroupsForUserRequest{UserName: "bob"})
			return err
		}, ""},
		{"list another user's groups", func() error {
			_, err := svc.ListGroupsForUser(ctx, bob, &iamtypes.ListGroupsForUserRequest{UserName: "carol"})
			return err
		}, "AccessDenied"},
		{"remove a user from a group under /eng/", func() error {
			return svc.RemoveUserFromGroup(ctx, bob, &iamtypes.RemoveUserFromGroupRequest{GroupName: "builders", UserName: "carol"})
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.code == "" {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			wantCode(t, err, tc.code)
		})
	}
	// The denied ListGroups names the path ARN.
	_, err = svc.ListGroups(ctx, bob, &iamtypes.ListGroupsRequest{})
	if err == nil || !strings.Contains(err.Error(), "on resource: arn:aws:iam::123456789012:group/ ") {
		t.Fatalf("list: %v", err)
	}
}

func gkPtr[T any](v T) *T { return &v }
