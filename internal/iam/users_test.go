package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

func TestUsersLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	out, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "Alice", Path: str("/ops/"), Tags: []iamtypes.Tag{{Key: "team", Value: "blue"}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.User.Arn != "arn:aws:iam::123456789012:user/ops/Alice" || !strings.HasPrefix(out.User.UserId, "AIDA") || len(out.User.UserId) != 21 {
		t.Fatalf("created %+v", out.User)
	}
	_, err = svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "alice"})
	wantCode(t, err, "EntityAlreadyExists")
	got, err := svc.GetUser(ctx, root, &iamtypes.GetUserRequest{UserName: str("ALICE")})
	if err != nil || got.User.UserName != "Alice" || len(got.User.Tags) != 1 {
		t.Fatalf("get: %+v %v", got, err)
	}
	if err := svc.UpdateUser(ctx, root, &iamtypes.UpdateUserRequest{UserName: "alice", NewUserName: str("alice2"), NewPath: str("/")}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetUser(ctx, root, &iamtypes.GetUserRequest{UserName: str("Alice")})
	wantCode(t, err, "NoSuchEntity")
	if err := svc.DeleteUser(ctx, root, &iamtypes.DeleteUserRequest{UserName: "alice2"}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.DeleteUser(ctx, root, &iamtypes.DeleteUserRequest{UserName: "alice2"}), "NoSuchEntity")
}

func TestListUsersPagesAndFiltersByPath(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	for i := 0; i < 5; i++ {
		path := "/"
		if i%2 == 0 {
			path = "/eng/"
		}
		if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: fmt.Sprintf("u%d", i), Path: &path}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	var marker *string
	for {
		max := int32(2)
		page, err := svc.ListUsers(ctx, root, &iamtypes.ListUsersRequest{Marker: marker, MaxItems: &max})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			names = append(names, u.UserName)
		}
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if fmt.Sprint(names) != "[u0 u1 u2 u3 u4]" {
		t.Fatalf("paged %v", names)
	}
	eng, err := svc.ListUsers(ctx, root, &iamtypes.ListUsersRequest{PathPrefix: str("/eng/")})
	if err != nil || len(eng.Users) != 3 {
		t.Fatalf("eng: %+v %v", eng, err)
	}
}

func TestUserWithoutPolicyIsDeniedWithAWSMessage(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	_, err := svc.CreateUser(ctx, bob, &iamtypes.CreateUserRequest{UserName: "eve"})
	wantCode(t, err, "AccessDenied")
	want := "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/eve because no identity-based policy allows the iam:CreateUser action"
	if err.Error() != "AccessDenied: "+want {
		t.Fatalf("message:\n%s\nwant\n%s", err.Error(), want)
	}
	_, err = svc.ListUsers(ctx, bob, &iamtypes.ListUsersRequest{})
	if err == nil || !strings.Contains(err.Error(), "on resource: arn:aws:iam::123456789012:user/ ") {
		t.Fatalf("list: %v", err)
	}
}

func TestParseQuotas(t *testing.T) {
	q, err := iam.ParseQuotas("RolesPerAccount=5000, PoliciesPerAccount=4000")
	if err != nil || q.RolesPerAccount != 5000 || q.PoliciesPerAccount != 4000 || q.UsersPerAccount != iam.MaxUsersPerAccount ||
		q.AccountsPerOrganization != 10 {
		t.Fatalf("%+v %v", q, err)
	}
	if q, err := iam.ParseQuotas("AccountsPerOrganization=50"); err != nil || q.AccountsPerOrganization != 50 {
		t.Fatalf("%+v %v", q, err)
	}
	for _, bad := range []string{"RolesPerAccount=5001", "Nope=1", "RolesPerAccount", "GroupsPerAccount=0"} {
		if _, err := iam.ParseQuotas(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestEnsureAccountKeepsKeysCreatedThroughTheAPI(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	if _, err := svc.EnsureAccount(ctx, testAccount, "AKIAOPERATOR00000001", "secret-one-secret-one-secret-one-secret1"); err != nil {
		t.Fatal(err)
	}
	// Make room: newService gave the root user a generated key.
	keys, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if *k.AccessKeyId != "AKIAOPERATOR00000001" {
			if err := svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{AccessKeyId: *k.AccessKeyId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	made, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// The operator rotates the configured key: the old configured key goes, the API-created one stays.
	if _, err := svc.EnsureAccount(ctx, testAccount, "AKIAOPERATOR00000002", "secret-two-secret-two-secret-two-secret2"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LookupAccessKey(ctx, made.AccessKey.AccessKeyId); err != nil {
		t.Fatalf("API-created root key lost: %v", err)
	}
	if _, err := svc.LookupAccessKey(ctx, "AKIAOPERATOR00000001"); err == nil {
		t.Fatal("the replaced configured key still authenticates")
	}
	if _, err := svc.LookupAccessKey(ctx, "AKIAOPERATOR00000002"); err != nil {
		t.Fatal(err)
	}
}

func TestRootKeyUseIsRecorded(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	keys, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{})
	if err != nil || len(keys.AccessKeyMetadata) != 1 {
		t.Fatalf("root keys: %+v %v", keys, err)
	}
	id := *keys.AccessKeyMetadata[0].AccessKeyId
	if err := svc.RecordKeyUse(ctx, id, "iam", "us-east-1"); err != nil {
		t.Fatal(err)
	}
	last, err := svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: id})
	if err != nil || last.AccessKeyLastUsed.LastUsedDate == nil || last.AccessKeyLastUsed.ServiceName != "iam" || last.AccessKeyLastUsed.Region != "us-east-1" {
		t.Fatalf("root key last used: %+v %v", last.AccessKeyLastUsed, err)
	}
}

// TestGetUserWithoutNameAsRootDescribesTheAccount checks GetUser without UserName called by the root user: AWS
// answers with the account's root ARN, the account ID as UserId and the account's creation date, and no Path and
// no UserName (a real answer, boto3's get_user() as root: {'UserId': '712755113868', 'Arn':
// 'arn:aws:iam::712755113868:root', 'CreateDate': ..., 'PasswordLastUsed': ...}, in grycap/scar#180). The shape's
// Path and UserName are required strings, so the domain leaves them empty; iamd has no root console sign-in, so no
// PasswordLastUsed either.
func TestGetUserWithoutNameAsRootDescribesTheAccount(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	before := time.Now().Add(-time.Minute)
	got, err := svc.GetUser(ctx, root, &iamtypes.GetUserRequest{})
	if err != nil {
		t.Fatal(err)
	}
	u := got.User
	if u.Path != "" || u.UserName != "" {
		t.Errorf("Path %q, UserName %q; want both absent (empty)", u.Path, u.UserName)
	}
	if u.UserId != testAccount || u.Arn != "arn:aws:iam::"+testAccount+":root" {
		t.Errorf("UserId %q, Arn %q; want the account ID and the root ARN", u.UserId, u.Arn)
	}
	if u.CreateDate.Before(before) || u.CreateDate.After(time.Now()) {
		t.Errorf("CreateDate %v; want the account's creation", u.CreateDate)
	}
	if u.PasswordLastUsed != nil || u.PermissionsBoundary != nil || u.Tags != nil {
		t.Errorf("PasswordLastUsed %v, PermissionsBoundary %v, Tags %v; want none", u.PasswordLastUsed, u.PermissionsBoundary, u.Tags)
	}
}
