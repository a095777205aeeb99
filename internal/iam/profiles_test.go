package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

func rpCreateProfile(t testing.TB, svc *iam.Service, c *iam.Caller, name, path string) *iamtypes.InstanceProfile {
	t.Helper()
	out, err := svc.CreateInstanceProfile(context.Background(), c, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: name, Path: &path})
	if err != nil {
		t.Fatal(err)
	}
	return out.InstanceProfile
}

func rpProfileNames(list []iamtypes.InstanceProfile) string {
	var names []string
	for _, p := range list {
		names = append(names, p.InstanceProfileName)
	}
	return strings.Join(names, ",")
}

func TestInstanceProfilesLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	created, err := svc.CreateInstanceProfile(ctx, root, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "Web", Path: str("/app/"),
		Tags: []iamtypes.Tag{{Key: "env", Value: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	p := created.InstanceProfile
	if p.Arn != "arn:aws:iam::123456789012:instance-profile/app/Web" || !strings.HasPrefix(p.InstanceProfileId, "AIPA") || len(p.InstanceProfileId) != 21 ||
		p.Roles == nil || len(p.Roles) != 0 || len(p.Tags) != 1 {
		t.Fatalf("created %+v", p)
	}
	_, err = svc.CreateInstanceProfile(ctx, root, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "web"})
	rpWant(t, err, "EntityAlreadyExists", "Instance Profile web already exists.")

	rpCreateRole(t, svc, root, "app")
	rpCreateRole(t, svc, root, "other")
	add := func(role string) error {
		return svc.AddRoleToInstanceProfile(ctx, root, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: "web", RoleName: role})
	}
	if err := add("APP"); err != nil {
		t.Fatal(err)
	}
	rpWant(t, add("app"), "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	rpWant(t, add("other"), "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	rpWant(t, add("ghost"), "NoSuchEntity", "The role with name ghost cannot be found.")
	rpWant(t, svc.AddRoleToInstanceProfile(ctx, root, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: "nope", RoleName: "app"}),
		"NoSuchEntity", "Instance Profile nope cannot be found.")

	got, err := svc.GetInstanceProfile(ctx, root, &iamtypes.GetInstanceProfileRequest{InstanceProfileName: "WEB"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.InstanceProfile.Roles) != 1 || got.InstanceProfile.Roles[0].RoleName != "app" || rpDecode(t, got.InstanceProfile.Roles[0].AssumeRolePolicyDocument) != rpTrust ||
		len(got.InstanceProfile.Tags) != 1 {
		t.Fatalf("get %+v", got.InstanceProfile)
	}
	list, err := svc.ListInstanceProfiles(ctx, root, &iamtypes.ListInstanceProfilesRequest{})
	if err != nil || rpProfileNames(list.InstanceProfiles) != "Web" || len(list.InstanceProfiles[0].Roles) != 1 || list.InstanceProfiles[0].Tags != nil {
		t.Fatalf("list %+v %v", list, err)
	}
	forRole, err := svc.ListInstanceProfilesForRole(ctx, root, &iamtypes.ListInstanceProfilesForRoleRequest{RoleName: "app"})
	if err != nil || rpProfileNames(forRole.InstanceProfiles) != "Web" {
		t.Fatalf("for role %+v %v", forRole, err)
	}

	rpWant(t, svc.DeleteInstanceProfile(ctx, root, &iamtypes.DeleteInstanceProfileRequest{InstanceProfileName: "web"}),
		"DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	remove := func(role string) error {
		return svc.RemoveRoleFromInstanceProfile(ctx, root, &iamtypes.RemoveRoleFromInstanceProfileRequest{InstanceProfileName: "web", RoleName: role})
	}
	rpWant(t, remove("other"), "NoSuchEntity", "Role other in Instance Profile Web cannot be found.")
	if err := remove("app"); err != nil {
		t.Fatal(err)
	}
	rpWant(t, remove("ghost"), "NoSuchEntity", "The role with name ghost cannot be found.")
	forRole, _ = svc.ListInstanceProfilesForRole(ctx, root, &iamtypes.ListInstanceProfilesForRoleRequest{RoleName: "app"})
	if len(forRole.InstanceProfiles) != 0 || *forRole.IsTruncated {
		t.Fatalf("after remove %+v", forRole)
	}
	if err := svc.DeleteInstanceProfile(ctx, root, &iamtypes.DeleteInstanceProfileRequest{InstanceProfileName: "web"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetInstanceProfile(ctx, root, &iamtypes.GetInstanceProfileRequest{InstanceProfileName: "web"})
	rpWant(t, err, "NoSuchEntity", "Instance Profile web cannot be found.")
}

func TestInstanceProfileListsPageAndFilter(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "app")
	for i, name := range []string{"p3", "P1", "p4", "p2", "p0"} {
		path := "/"
		if i%2 == 0 {
			path = "/eng/"
		}
		rpCreateProfile(t, svc, root, name, path)
		if name != "p0" {
			if err := svc.AddRoleToInstanceProfile(ctx, root, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: name, RoleName: "app"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var all, forRole []iamtypes.InstanceProfile
	var marker *string
	for {
		page, err := svc.ListInstanceProfiles(ctx, root, &iamtypes.ListInstanceProfilesRequest{Marker: marker, MaxItems: rpPtr(int32(2))})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.InstanceProfiles...)
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	marker = nil
	for {
		page, err := svc.ListInstanceProfilesForRole(ctx, root, &iamtypes.ListInstanceProfilesForRoleRequest{RoleName: "app", Marker: marker, MaxItems: rpPtr(int32(3))})
		if err != nil {
			t.Fatal(err)
		}
		forRole = append(forRole, page.InstanceProfiles...)
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if rpProfileNames(all) != "p0,P1,p2,p3,p4" || rpProfileNames(forRole) != "P1,p2,p3,p4" {
		t.Fatalf("all %s, for role %s", rpProfileNames(all), rpProfileNames(forRole))
	}
	eng, err := svc.ListInstanceProfiles(ctx, root, &iamtypes.ListInstanceProfilesRequest{PathPrefix: str("/eng/")})
	if err != nil || rpProfileNames(eng.InstanceProfiles) != "p0,p3,p4" {
		t.Fatalf("eng %+v %v", eng, err)
	}
	_, err = svc.ListInstanceProfilesForRole(ctx, root, &iamtypes.ListInstanceProfilesForRoleRequest{RoleName: "ghost"})
	rpWant(t, err, "NoSuchEntity", "The role with name ghost cannot be found.")
}

func TestInstanceProfileTags(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateProfile(t, svc, root, "web", "/")
	if err := svc.TagInstanceProfile(ctx, root, &iamtypes.TagInstanceProfileRequest{InstanceProfileName: "web",
		Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}}); err != nil {
		t.Fatal(err)
	}
	rpWant(t, svc.TagInstanceProfile(ctx, root, &iamtypes.TagInstanceProfileRequest{InstanceProfileName: "web",
		Tags: []iamtypes.Tag{{Key: "c", Value: "1"}, {Key: "C", Value: "2"}}}), "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	page, err := svc.ListInstanceProfileTags(ctx, root, &iamtypes.ListInstanceProfileTagsRequest{InstanceProfileName: "web", MaxItems: rpPtr(int32(1))})
	if err != nil || len(page.Tags) != 1 || !*page.IsTruncated || page.Marker == nil {
		t.Fatalf("page %+v %v", page, err)
	}
	page, err = svc.ListInstanceProfileTags(ctx, root, &iamtypes.ListInstanceProfileTagsRequest{InstanceProfileName: "web", Marker: page.Marker})
	if err != nil || len(page.Tags) != 1 || page.Tags[0].Key != "b" || *page.IsTruncated {
		t.Fatalf("second page %+v %v", page, err)
	}
	if err := svc.UntagInstanceProfile(ctx, root, &iamtypes.UntagInstanceProfileRequest{InstanceProfileName: "web", TagKeys: []string{"A"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := svc.GetInstanceProfile(ctx, root, &iamtypes.GetInstanceProfileRequest{InstanceProfileName: "web"})
	if len(got.InstanceProfile.Tags) != 1 || got.InstanceProfile.Tags[0].Key != "b" {
		t.Fatalf("tags %+v", got.InstanceProfile.Tags)
	}
	rpWant(t, svc.UntagInstanceProfile(ctx, root, &iamtypes.UntagInstanceProfileRequest{InstanceProfileName: "nope", TagKeys: []string{"a"}}),
		"NoSuchEntity", "Instance Profile nope cannot be found.")
}

func TestInstanceProfilesPerAccountQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := 0; i < iam.MaxInstanceProfilesPerAccount; i++ {
			name := fmt.Sprint("p", i)
			if err := tx.Insert(ctx, &store.Entity{Account: testAccount, Kind: iam.KindInstanceProfile, Name: name, Path: "/", ID: fmt.Sprint("AIPAFILL", i),
				Data: []byte(`{"name":"` + name + `"}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateInstanceProfile(ctx, root, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "one-too-many"})
	rpWant(t, err, "LimitExceeded", "Cannot exceed quota for InstanceProfilesPerAccount: 1000")
}

func TestInstanceProfileOperationsAreAuthorized(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	rpCreateRole(t, svc, root, "app")
	rpCreateRole(t, svc, root, "admin")
	rpCreateProfile(t, svc, root, "web", "/")
	nobody := userCaller(t, svc, root, "nobody")
	_, err := svc.CreateInstanceProfile(ctx, nobody, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "x", Path: str("/p/")})
	rpWant(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: iam:CreateInstanceProfile on resource: arn:aws:iam::123456789012:instance-profile/p/x because no identity-based policy allows the iam:CreateInstanceProfile action")
	_, err = svc.ListInstanceProfiles(ctx, nobody, &iamtypes.ListInstanceProfilesRequest{})
	if err == nil || !strings.Contains(err.Error(), "on resource: arn:aws:iam::123456789012:instance-profile/ ") {
		t.Fatalf("list: %v", err)
	}
	_, err = svc.GetInstanceProfile(ctx, nobody, &iamtypes.GetInstanceProfileRequest{InstanceProfileName: "ghost"})
	wantCode(t, err, "AccessDenied")

	ops := userCaller(t, svc, root, "ops")
	rpGrant(t, svc, root, ops, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:AddRoleToInstanceProfile","iam:RemoveRoleFromInstanceProfile","iam:GetInstanceProfile"],"Resource":"arn:aws:iam::123456789012:instance-profile/web"},
		{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/app","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}},
		{"Effect":"Allow","Action":["iam:CreateInstanceProfile","iam:TagInstanceProfile"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/env":"dev"}}}]}`)
	cases := []struct {
		name    string
		call    func() error
		allowed bool
		message string
	}{
		{name: "add a role it may pass", allowed: true, call: func() error {
			return svc.AddRoleToInstanceProfile(ctx, ops, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: "web", RoleName: "app"})
		}},
		{name: "remove it", allowed: true, call: func() error {
			return svc.RemoveRoleFromInstanceProfile(ctx, ops, &iamtypes.RemoveRoleFromInstanceProfileRequest{InstanceProfileName: "web", RoleName: "app"})
		}},
		{name: "add a role it may not pass", call: func() error {
			return svc.AddRoleToInstanceProfile(ctx, ops, &iamtypes.AddRoleToInstanceProfileRequest{InstanceProfileName: "web", RoleName: "admin"})
		}, message: "User: arn:aws:iam::123456789012:user/ops is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/admin because no identity-based policy allows the iam:PassRole action"},
		{name: "get its profile", allowed: true, call: func() error {
			_, err := svc.GetInstanceProfile(ctx, ops, &iamtypes.GetInstanceProfileRequest{InstanceProfileName: "web"})
			return err
		}},
		{name: "create with the required tag", allowed: true, call: func() error {
			_, err := svc.CreateInstanceProfile(ctx, ops, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "dev", Tags: []iamtypes.Tag{{Key: "env", Value: "dev"}}})
			return err
		}},
		{name: "create without it", call: func() error {
			_, err := svc.CreateInstanceProfile(ctx, ops, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "prod"})
			return err
		}},
		{name: "delete", call: func() error {
			return svc.DeleteInstanceProfile(ctx, ops, &iamtypes.DeleteInstanceProfileRequest{InstanceProfileName: "web"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			switch {
			case tc.allowed && err != nil:
				t.Fatalf("denied: %v", err)
			case !tc.allowed && tc.message != "":
				rpWant(t, err, "AccessDenied", tc.message)
			case !tc.allowed:
				wantCode(t, err, "AccessDenied")
			}
		})
	}
	got, _ := svc.GetInstanceProfile(ctx, root, &iamtypes.GetInstanceProfileRequest{InstanceProfileName: "web"})
	if len(got.InstanceProfile.Roles) != 0 {
		t.Fatalf("a denied AddRoleToInstanceProfile added the role: %+v", got.InstanceProfile.Roles)
	}
}
