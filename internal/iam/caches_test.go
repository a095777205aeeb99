package iam_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestCredentialCacheFollowsKeyChanges: a cached credential stays cached across a key's last-used stamp (the same
// answer, not re-read), and every change of the key (status, deletion) is seen by the next lookup, while lookups,
// stamps and reads of the user run concurrently (run with -race).
func TestCredentialCacheFollowsKeyChanges(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	key, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}
	id := key.AccessKey.AccessKeyId
	first, err := svc.LookupAccessKey(ctx, id)
	if err != nil || !first.Active {
		t.Fatalf("lookup: %+v %v", first, err)
	}
	if err := svc.RecordKeyUse(ctx, id, "iam", "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if again, err := svc.LookupAccessKey(ctx, id); err != nil || again != first {
		t.Fatalf("a last-used stamp dropped the cached credential: %p %p %v", first, again, err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := svc.LookupAccessKey(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("lookup: %v", err)
				}
				if err := svc.RecordKeyUse(ctx, id, "iam", "us-east-1"); err != nil {
					t.Errorf("key use: %v", err)
				}
				if _, err := svc.GetUser(ctx, root, &iamtypes.GetUserRequest{UserName: str("alice")}); err != nil {
					t.Errorf("get user: %v", err)
				}
			}
		}()
	}
	for i, status := range []string{"Inactive", "Active", "Inactive", "Active"} {
		if err := svc.UpdateAccessKey(ctx, root, &iamtypes.UpdateAccessKeyRequest{UserName: str("alice"), AccessKeyId: id, Status: iamtypes.StatusType(status)}); err != nil {
			t.Fatal(err)
		}
		if cred, err := svc.LookupAccessKey(ctx, id); err != nil || cred.Active != (status == "Active") {
			t.Fatalf("change %d to %s: %+v %v", i, status, cred, err)
		}
	}
	if err := svc.DeleteAccessKey(ctx, root, &iamtypes.DeleteAccessKeyRequest{UserName: str("alice"), AccessKeyId: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LookupAccessKey(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted key still found: %v", err)
	}
	close(stop)
	wg.Wait()
}
