package iam_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

func gkKeyIDs(list []iamtypes.AccessKeyMetadata) []string {
	var ids []string
	for _, m := range list {
		ids = append(ids, *m.AccessKeyId)
	}
	return ids
}

func TestAccessKeysLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	out, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("ALICE")})
	if err != nil {
		t.Fatal(err)
	}
	k := out.AccessKey
	if !strings.HasPrefix(k.AccessKeyId, "AKIA") || len(k.AccessKeyId) != 20 || len(k.SecretAccessKey) != 40 ||
		k.Status != iamtypes.StatusTypeActive || k.UserName != "alice" || k.CreateDate == nil || k.CreateDate.Nanosecond() != 0 {
		t.Fatalf("created %+v", k)
	}

	// The secret is stored sealed, bound to the key ID, never in clear.
	err = svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		e, err := r.GetByID(ctx, k.AccessKeyId)
		if err != nil {
			return err
		}
		if e.Kind != iam.KindAccessKey || e.Name != k.AccessKeyId || e.Parent != "alice" || e.Account != testAccount {
			t.Errorf("entity %+v", e)
		}
		if bytes.Contains(e.Data, []byte(k.SecretAccessKey)) {
			t.Errorf("secret stored in clear")
		}
		var rec iam.AccessKey
		if err := json.Unmarshal(e.Data, &rec); err != nil {
			return err
		}
		plain, err := svc.Box.Open(rec.SealedSecret, []byte(k.AccessKeyId))
		if err != nil || string(plain) != k.SecretAccessKey {
			t.Errorf("sealed secret does not open to the secret: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := svc.LookupAccessKey(ctx, k.AccessKeyId)
	if err != nil || !cred.Active || string(cred.Secret) != k.SecretAccessKey || cred.Caller.Name != "alice" {
		t.Fatalf("lookup: %+v %v", cred, err)
	}

	list, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("alice")})
	if err != nil || len(list.AccessKeyMetadata) != 1 || *list.AccessKeyMetadata[0].AccessKeyId != k.AccessKeyId ||
		*list.AccessKeyMetadata[0].UserName != "alice" || *list.AccessKeyMetadata[0].Status != "Active" || *list.IsTruncated {
		t.Fatalf("list: %+v %v", list, err)
	}

	// An inactive key no longer authenticates; reactivated, it does again.
	if err := svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{UserName: str("alice"), AccessKeyId: k.AccessKeyId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	if cred, err := svc.LookupAccessKey(ctx, k.AccessKeyId); err != nil || cred.Active {
		t.Fatalf("inactive key: %+v %v", cred, err)
	}
	list, _ = svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("alice")})
	if *list.AccessKeyMetadata[0].Status != "Inactive" {
		t.Fatalf("listed status %s", *list.AccessKeyMetadata[0].Status)
	}
	if err := svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{UserName: str("alice"), AccessKeyId: k.AccessKeyId, Status: "Active"}); err != nil {
		t.Fatal(err)
	}
	if cred, err := svc.LookupAccessKey(ctx, k.AccessKeyId); err != nil || !cred.Active {
		t.Fatalf("reactivated key: %+v %v", cred, err)
	}

	// A user with keys cannot be deleted; renamed, the user keeps them.
	wantCode(t, svc.DeleteUser(ctx, root, &iamtypes.DeleteUserRequest{UserName: "alice"}), "DeleteConflict")
	if err := svc.UpdateUser(ctx, root, &iamtypes.UpdateUserRequest{UserName: "alice", NewUserName: str("alicia")}); err != nil {
		t.Fatal(err)
	}
	list, err = svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("alicia")})
	if err != nil || len(list.AccessKeyMetadata) != 1 || *list.AccessKeyMetadata[0].UserName != "alicia" {
		t.Fatalf("keys after rename: %+v %v", list, err)
	}

	if err := svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{UserName: str("alicia"), AccessKeyId: k.AccessKeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LookupAccessKey(ctx, k.AccessKeyId); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted key still found: %v", err)
	}
	gkWantMessage(t, svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{UserName: str("alicia"), AccessKeyId: k.AccessKeyId}),
		"NoSuchEntity", "The Access Key with id "+k.AccessKeyId+" cannot be found.")
	if err := svc.DeleteUser(ctx, root, &iamtypes.DeleteUserRequest{UserName: "alicia"}); err != nil {
		t.Fatal(err)
	}
}

func TestAccessKeysPerUserQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	for i := 0; i < iam.MaxAccessKeysPerUser; i++ {
		if _, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")})
	gkWantMessage(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	list, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("alice"), MaxItems: gkPtr(int32(1))})
	if err != nil || len(list.AccessKeyMetadata) != 1 || !*list.IsTruncated {
		t.Fatalf("first page: %+v %v", list, err)
	}
	next, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("alice"), Marker: list.Marker})
	if err != nil || len(next.AccessKeyMetadata) != 1 || *next.IsTruncated || *next.AccessKeyMetadata[0].AccessKeyId == *list.AccessKeyMetadata[0].AccessKeyId {
		t.Fatalf("second page: %+v %v", next, err)
	}
}

func TestAccessKeysDefaultToTheCallingUser(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	gkCreateUser(t, svc, root, "carol")
	gkGrant(t, svc, root, bob, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:UpdateAccessKey","iam:DeleteAccessKey","iam:GetAccessKeyLastUsed"],
		"Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}`)

	out, err := svc.CreateAccessKey(ctx, bob, &iamtypes.CreateAccessKeyRequest{})
	if err != nil || out.AccessKey.UserName != "bob" {
		t.Fatalf("create own key: %+v %v", out, err)
	}
	id := out.AccessKey.AccessKeyId
	list, err := svc.ListAccessKeys(ctx, bob, &iamtypes.ListAccessKeysRequest{})
	if err != nil || len(list.AccessKeyMetadata) != 1 || *list.AccessKeyMetadata[0].AccessKeyId != id {
		t.Fatalf("list own keys: %+v %v", list, err)
	}
	if err := svc.UpdateAccessKey(ctx, bob, &iamtypes.UpdateAccessKeyRequest{AccessKeyId: id, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	last, err := svc.GetAccessKeyLastUsed(ctx, bob, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: id})
	if err != nil || *last.UserName != "bob" {
		t.Fatalf("last used: %+v %v", last, err)
	}

	// Another user's keys: denied, with AWS's message naming that user's ARN.
	_, err = svc.CreateAccessKey(ctx, bob, &iamtypes.CreateAccessKeyRequest{UserName: str("carol")})
	gkWantMessage(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateAccessKey on resource: arn:aws:iam::123456789012:user/carol because no identity-based policy allows the iam:CreateAccessKey action")
	carolKey, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("carol")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetAccessKeyLastUsed(ctx, bob, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: carolKey.AccessKey.AccessKeyId})
	wantCode(t, err, "AccessDenied")
	// A key bob does not own, named as his own: not found under him.
	gkWantMessage(t, svc.DeleteAccessKey(ctx, bob, &iamtypes.DeleteAccessKeyRequest{AccessKeyId: carolKey.AccessKey.AccessKeyId}),
		"NoSuchEntity", "The Access Key with id "+carolKey.AccessKey.AccessKeyId+" cannot be found.")
	// A missing key: bob may not read every user's keys, so he is denied rather than told it is missing.
	_, err = svc.GetAccessKeyLastUsed(ctx, bob, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: "AKIAAAAAAAAAAAAAAAAA"})
	wantCode(t, err, "AccessDenied")

	if err := svc.DeleteAccessKey(ctx, bob, &iamtypes.DeleteAccessKeyRequest{AccessKeyId: id}); err != nil {
		t.Fatal(err)
	}

	// A role session must name the user.
	role := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalAssumedRole, ARN: "arn:aws:sts::123456789012:assumed-role/r/s", Account: testAccount}, Name: "r"}
	_, err = svc.ListAccessKeys(ctx, role, &iamtypes.ListAccessKeysRequest{})
	gkWantMessage(t, err, "ValidationError", "Must specify userName when calling with non-User credentials")
}

func TestAccessKeyErrors(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	gkCreateUser(t, svc, root, "carol")
	k, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}
	id := k.AccessKey.AccessKeyId
	cases := []struct {
		name          string
		call          func() error
		code, message string
	}{
		{"create for a missing user", func() error {
			_, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("nobody")})
			return err
		}, "NoSuchEntity", "The user with name nobody cannot be found."},
		{"list for a missing user", func() error {
			_, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("nobody")})
			return err
		}, "NoSuchEntity", "The user with name nobody cannot be found."},
		{"update another user's key", func() error {
			return svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{UserName: str("carol"), AccessKeyId: id, Status: "Inactive"})
		}, "NoSuchEntity", "The Access Key with id " + id + " cannot be found."},
		{"update a user's key as the root user's", func() error {
			return svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{AccessKeyId: id, Status: "Inactive"})
		}, "NoSuchEntity", "The Access Key with id " + id + " cannot be found."},
		{"delete a missing key", func() error {
			return svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{UserName: str("alice"), AccessKeyId: "AKIAAAAAAAAAAAAAAAAA"})
		}, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
		{"last use of a missing key", func() error {
			_, err := svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: "AKIAAAAAAAAAAAAAAAAA"})
			return err
		}, "NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
		{"expired is not a status one can set", func() error {
			return svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{UserName: str("alice"), AccessKeyId: id, Status: "Expired"})
		}, "ValidationError", "1 validation error detected: Value 'Expired' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gkWantMessage(t, tc.call(), tc.code, tc.message)
		})
	}
	// None of the failures changed the key.
	cred, err := svc.LookupAccessKey(ctx, id)
	if err != nil || !cred.Active || cred.Caller.Name != "alice" {
		t.Fatalf("key after failures: %+v %v", cred, err)
	}
}

func TestGetAccessKeyLastUsed(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	gkCreateUser(t, svc, root, "alice")
	k, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}
	id := k.AccessKey.AccessKeyId
	got, err := svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: id})
	if err != nil {
		t.Fatal(err)
	}
	// A key never used: AWS answers N/A for the service and region, and no date.
	if *got.UserName != "alice" || got.AccessKeyLastUsed.LastUsedDate != nil || got.AccessKeyLastUsed.ServiceName != "N/A" || got.AccessKeyLastUsed.Region != "N/A" {
		t.Fatalf("unused: %+v %+v", got, got.AccessKeyLastUsed)
	}

	used := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	err = svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		e, err := tx.GetByID(ctx, id)
		if err != nil {
			return err
		}
		var rec iam.AccessKey
		if err := json.Unmarshal(e.Data, &rec); err != nil {
			return err
		}
		rec.LastUsedDate, rec.LastService, rec.LastRegion = &used, "iam", "us-east-1"
		e.Data, _ = json.Marshal(rec)
		return tx.Update(ctx, e)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err = svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: id})
	if err != nil || !got.AccessKeyLastUsed.LastUsedDate.Equal(used) || got.AccessKeyLastUsed.ServiceName != "iam" || got.AccessKeyLastUsed.Region != "us-east-1" {
		t.Fatalf("used: %+v %v", got.AccessKeyLastUsed, err)
	}

	// A key of another account is not found from this one.
	other := "210987654321"
	creds, err := svc.EnsureAccount(ctx, other, "", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: creds.AccessKeyID})
	wantCode(t, err, "NoSuchEntity")
}

func TestRootAccessKeys(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	list, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{})
	if err != nil || len(list.AccessKeyMetadata) != 1 || list.AccessKeyMetadata[0].UserName != nil {
		t.Fatalf("the account's first root key: %+v %v", list, err)
	}
	first := *list.AccessKeyMetadata[0].AccessKeyId

	out, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	id := out.AccessKey.AccessKeyId
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(out.AccessKey.SecretAccessKey) != 40 {
		t.Fatalf("root key %+v", out.AccessKey)
	}
	cred, err := svc.LookupAccessKey(ctx, id)
	if err != nil || cred.Caller.Principal.Type != authz.PrincipalRoot || cred.Caller.Principal.Account != testAccount || string(cred.Secret) != out.AccessKey.SecretAccessKey {
		t.Fatalf("lookup root key: %+v %v", cred, err)
	}
	_, err = svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{})
	gkWantMessage(t, err, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")

	list, err = svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{})
	if err != nil || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("root keys: %+v %v", list, err)
	}
	last, err := svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: id})
	if err != nil || last.UserName != nil || last.AccessKeyLastUsed.ServiceName != "N/A" {
		t.Fatalf("root key last used: %+v %v", last, err)
	}
	if err := svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{AccessKeyId: id, Status: "Active"}); err != nil {
		t.Fatalf("activating an active root key: %v", err)
	}
	if err := svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{AccessKeyId: id, Status: "Inactive"}); err != nil {
		t.Fatalf("deactivating a root key: %v", err)
	}
	if cred, err := svc.LookupAccessKey(ctx, id); err != nil || cred.Active {
		t.Fatalf("root key after deactivation: %+v %v", cred, err)
	}
	list, err = svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{})
	if err != nil || len(list.AccessKeyMetadata) != 2 {
		t.Fatalf("root keys: %+v %v", list, err)
	}
	inactive := 0
	for _, m := range list.AccessKeyMetadata {
		if *m.Status == iamtypes.StatusTypeInactive {
			inactive++
		}
	}
	if inactive != 1 {
		t.Fatalf("inactive root keys listed: %d", inactive)
	}

	// The root user's keys are not an IAM user's: a user's key ID is not found among them and vice versa.
	gkCreateUser(t, svc, root, "alice")
	gkWantMessage(t, svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{UserName: str("alice"), AccessKeyId: id}),
		"NoSuchEntity", "The Access Key with id "+id+" cannot be found.")

	if err := svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{AccessKeyId: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LookupAccessKey(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted root key still found: %v", err)
	}
	list, _ = svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{})
	if ids := gkKeyIDs(list.AccessKeyMetadata); len(ids) != 1 || ids[0] != first {
		t.Fatalf("root keys after delete: %v", ids)
	}
}

func TestAccessKeysDeniedWithoutPolicy(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	cases := []struct {
		name, action string
		call         func() error
	}{
		{"create", "iam:CreateAccessKey", func() error {
			_, err := svc.CreateAccessKey(ctx, bob, &iamtypes.CreateAccessKeyRequest{})
			return err
		}},
		{"list", "iam:ListAccessKeys", func() error {
			_, err := svc.ListAccessKeys(ctx, bob, &iamtypes.ListAccessKeysRequest{})
			return err
		}},
		{"update", "iam:UpdateAccessKey", func() error {
			return svc.UpdateAccessKey(ctx, bob, &iamtypes.UpdateAccessKeyRequest{AccessKeyId: "AKIAAAAAAAAAAAAAAAAA", Status: "Inactive"})
		}},
		{"delete", "iam:DeleteAccessKey", func() error {
			return svc.DeleteAccessKey(ctx, bob, &iamtypes.DeleteAccessKeyRequest{AccessKeyId: "AKIAAAAAAAAAAAAAAAAA"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gkWantMessage(t, tc.call(), "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "+tc.action+
				" on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the "+tc.action+" action")
		})
	}
	list, err := svc.ListAccessKeys(ctx, root, &iamtypes.ListAccessKeysRequest{UserName: str("bob")})
	if err != nil || len(list.AccessKeyMetadata) != 0 {
		t.Fatalf("a denied create made a key: %+v %v", list, err)
	}
}
