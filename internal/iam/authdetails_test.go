package iam_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// authDetailsFixture fills the test account with two of every kind GetAccountAuthorizationDetails lists: users (in a
// group, with inline, attached and boundary policies), groups, roles (one in an instance profile), customer managed
// policies and attached AWS managed policies.
func authDetailsFixture(t *testing.T, svc *iam.Service, root *iam.Caller) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	local := ptCreatePolicy(t, svc, root, "Local", "/", ptAllow("*", "s3:GetObject"))
	ptCreatePolicy(t, svc, root, "Unused", "/team/", ptAllow("*", "s3:PutObject"))
	for _, name := range []string{"alice", "bob"} {
		userCaller(t, svc, root, name)
	}
	for _, name := range []string{"admins", "devs"} {
		_, err := svc.CreateGroup(ctx, root, &iamtypes.CreateGroupRequest{GroupName: name})
		must(err)
	}
	for _, name := range []string{"app", "ops"} {
		_, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: name, AssumeRolePolicyDocument: trust})
		must(err)
	}
	must(svc.AddUserToGroup(ctx, root, &iamtypes.AddUserToGroupRequest{GroupName: "devs", UserName: "alice"}))
	must(svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "inline", PolicyDocument: ptAllow("*", "sqs:SendMessage")}))
	must(svc.PutGroupPolicy(ctx, root, &iamtypes.PutGroupPolicyRequest{GroupName: "devs", PolicyName: "ginline", PolicyDocument: ptAllow("*", "sns:Publish")}))
	must(svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "alice", PolicyArn: local}))
	must(svc.AttachGroupPolicy(ctx, root, &iamtypes.AttachGroupPolicyRequest{GroupName: "admins", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}))
	must(svc.AttachRolePolicy(ctx, root, &iamtypes.AttachRolePolicyRequest{RoleName: "app", PolicyArn: local}))
	must(svc.PutUserPermissionsBoundary(ctx, root, &iamtypes.PutUserPermissionsBoundaryRequest{UserName: "bob", PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess"}))
	_, err := svc.CreateInstanceProfile(ctx, root, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "app"})
	must(err)
	must(svc.AddRoleToInstanceProfile(ctx, root, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: "app", RoleName: "app"}))
}

// authDetailsCount is the number of items of a response across its lists.
func authDetailsCount(out *iamtypes.GetAccountAuthorizationDetailsResponse) int {
	return len(out.UserDetailList) + len(out.GroupDetailList) + len(out.RoleDetailList) + len(out.Policies)
}

// TestAuthorizationDetailsPagesAcrossKinds checks that one Marker/MaxItems sequence runs across the entity kinds in
// AWS's order (users, groups, roles, customer managed then attached AWS managed policies): the pages of any size,
// joined, are the unpaged answer, every page but the last is full and truncated, and the marker counts items.
func TestAuthorizationDetailsPagesAcrossKinds(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	authDetailsFixture(t, svc, root)
	filters := map[string][]iamtypes.EntityType{
		"all":            nil,
		"users+roles":    {iamtypes.EntityTypeRole, iamtypes.EntityTypeUser},
		"policies":       {iamtypes.EntityTypeLocalManagedPolicy, iamtypes.EntityTypeAWSManagedPolicy},
		"aws-policies":   {iamtypes.EntityTypeAWSManagedPolicy},
		"groups":         {iamtypes.EntityTypeGroup},
		"groups+aws+usr": {iamtypes.EntityTypeAWSManagedPolicy, iamtypes.EntityTypeGroup, iamtypes.EntityTypeUser},
	}
	wantTotal := map[string]int{"all": 10, "users+roles": 4, "policies": 4, "aws-policies": 2, "groups": 2, "groups+aws+usr": 6}
	for name, filter := range filters {
		t.Run(name, func(t *testing.T) {
			whole, err := svc.GetAccountAuthorizationDetails(ctx, root, &iamtypes.GetAccountAuthorizationDetailsRequest{Filter: filter})
			if err != nil {
				t.Fatal(err)
			}
			if n := authDetailsCount(whole); n != wantTotal[name] || *whole.IsTruncated || whole.Marker != nil {
				t.Fatalf("unpaged: %d items truncated=%v marker=%v, want %d, not truncated", n, *whole.IsTruncated, whole.Marker, wantTotal[name])
			}
			for size := int32(1); size <= int32(wantTotal[name])+1; size++ {
				joined := &iamtypes.GetAccountAuthorizationDetailsResponse{}
				var marker *string
				for pages := 0; ; pages++ {
					if pages > wantTotal[name] {
						t.Fatalf("size %d: more pages than items", size)
					}
					page, err := svc.GetAccountAuthorizationDetails(ctx, root, &iamtypes.GetAccountAuthorizationDetailsRequest{Filter: filter, MaxItems: &size, Marker: marker})
					if err != nil {
						t.Fatal(err)
					}
					joined.UserDetailList = append(joined.UserDetailList, page.UserDetailList...)
					joined.GroupDetailList = append(joined.GroupDetailList, page.GroupDetailList...)
					joined.RoleDetailList = append(joined.RoleDetailList, page.RoleDetailList...)
					joined.Policies = append(joined.Policies, page.Policies...)
					if !*page.IsTruncated {
						if page.Marker != nil {
							t.Fatalf("size %d: last page has a marker %q", size, *page.Marker)
						}
						break
					}
					if n := authDetailsCount(page); n != int(size) {
						t.Fatalf("size %d: a truncated page holds %d items", size, n)
					}
					if want := strconv.Itoa((pages + 1) * int(size)); page.Marker == nil || *page.Marker != want {
						t.Fatalf("size %d page %d: marker %v, want %s", size, pages, page.Marker, want)
					}
					marker = page.Marker
				}
				joined.IsTruncated = whole.IsTruncated
				if !reflect.DeepEqual(joined, whole) {
					t.Fatalf("size %d: pages joined differ from the unpaged answer:\n%+v\n%+v", size, joined, whole)
				}
			}
		})
	}
}

// TestAuthorizationDetailsRejectsBadMarker checks that a marker GetAccountAuthorizationDetails did not issue is a
// ValidationError.
func TestAuthorizationDetailsRejectsBadMarker(t *testing.T) {
	svc, root := newService(t)
	for _, m := range []string{"x", "-1"} {
		_, err := svc.GetAccountAuthorizationDetails(context.Background(), root, &iamtypes.GetAccountAuthorizationDetailsRequest{Marker: &m})
		ptWantError(t, err, "ValidationError", "Invalid Marker.")
	}
}

// TestAuthorizationDetailsSendsEmptyLists checks that an entry's lists are present and empty, not absent, for a
// user, group or role without inline or attached policies, groups or tags, as AWS sends them (the API reference's
// sample response and the AWS CLI's example output; see authdetails.go), while an entity that has them lists them;
// and that a role never used has an empty RoleLastUsed.
func TestAuthorizationDetailsSendsEmptyLists(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	authDetailsFixture(t, svc, root)
	out, err := svc.GetAccountAuthorizationDetails(ctx, root, &iamtypes.GetAccountAuthorizationDetailsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// present reports, for each named list, whether it is non-nil and how long it is.
	type lists map[string][2]int
	present := func(ls ...any) [][2]int {
		var got [][2]int
		for _, l := range ls {
			v := reflect.ValueOf(l)
			p := 0
			if !v.IsNil() {
				p = 1
			}
			got = append(got, [2]int{p, v.Len()})
		}
		return got
	}
	check := func(t *testing.T, name string, names []string, got [][2]int, want lists) {
		t.Helper()
		for i, n := range names {
			if got[i] != want[n] {
				t.Errorf("%s %s: (present, len) = %v, want %v", name, n, got[i], want[n])
			}
		}
	}
	userLists := []string{"UserPolicyList", "GroupList", "AttachedManagedPolicies", "Tags"}
	wantUsers := map[string]lists{
		"alice": {"UserPolicyList": {1, 1}, "GroupList": {1, 1}, "AttachedManagedPolicies": {1, 1}, "Tags": {1, 0}},
		"bob":   {"UserPolicyList": {1, 0}, "GroupList": {1, 0}, "AttachedManagedPolicies": {1, 0}, "Tags": {1, 0}},
	}
	for _, u := range out.UserDetailList {
		check(t, *u.UserName, userLists, present(u.UserPolicyList, u.GroupList, u.AttachedManagedPolicies, u.Tags), wantUsers[*u.UserName])
	}
	groupLists := []string{"GroupPolicyList", "AttachedManagedPolicies"}
	wantGroups := map[string]lists{
		"admins": {"GroupPolicyList": {1, 0}, "AttachedManagedPolicies": {1, 1}},
		"devs":   {"GroupPolicyList": {1, 1}, "AttachedManagedPolicies": {1, 0}},
	}
	for _, g := range out.GroupDetailList {
		check(t, *g.GroupName, groupLists, present(g.GroupPolicyList, g.AttachedManagedPolicies), wantGroups[*g.GroupName])
	}
	roleLists := []string{"RolePolicyList", "AttachedManagedPolicies", "InstanceProfileList", "Tags"}
	wantRoles := map[string]lists{
		"app": {"RolePolicyList": {1, 0}, "AttachedManagedPolicies": {1, 1}, "InstanceProfileList": {1, 1}, "Tags": {1, 0}},
		"ops": {"RolePolicyList": {1, 0}, "AttachedManagedPolicies": {1, 0}, "InstanceProfileList": {1, 0}, "Tags": {1, 0}},
	}
	for _, r := range out.RoleDetailList {
		check(t, *r.RoleName, roleLists, present(r.RolePolicyList, r.AttachedManagedPolicies, r.InstanceProfileList, r.Tags), wantRoles[*r.RoleName])
		if r.PermissionsBoundary != nil {
			t.Errorf("role %s: boundary %v; want none", *r.RoleName, r.PermissionsBoundary)
		}
		if lu := r.RoleLastUsed; lu == nil || lu.LastUsedDate != nil || lu.Region != nil {
			t.Errorf("role %s: RoleLastUsed %+v; want present and empty for a role never used", *r.RoleName, lu)
		}
	}
	if len(out.UserDetailList) != 2 || len(out.GroupDetailList) != 2 || len(out.RoleDetailList) != 2 {
		t.Fatalf("got %d users, %d groups, %d roles; want 2 of each", len(out.UserDetailList), len(out.GroupDetailList), len(out.RoleDetailList))
	}
}
