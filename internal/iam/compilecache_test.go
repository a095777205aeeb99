package iam_test

import (
	"context"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestKeyUseStampKeepsEvaluatorsPolicyChangeDropsThem: the throttled last-used stamp an access key's use writes is
// a usage stamp, which no decision reads; it must leave the callers' compiled evaluators in place, while a change
// of a policy must drop them (and the next decision must follow the new policy).
func TestKeyUseStampKeepsEvaluatorsPolicyChangeDropsThem(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "p", PolicyDocument: allow}); err != nil {
		t.Fatal(err)
	}
	key, err := svc.CreateAccessKey(ctx, root, &iamtypes.CreateAccessKeyRequest{UserName: str("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice.AccessKeyID = key.AccessKey.AccessKeyId
	authorize := func() error {
		return svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
			return svc.Authorize(ctx, r, alice, iam.Authorization{Action: "iam:GetUser", Resource: "*"})
		})
	}
	if err := authorize(); err != nil {
		t.Fatalf("allowed by its policy: %v", err)
	}
	if n := iam.CachedEvaluators(svc); n != 1 {
		t.Fatalf("%d evaluators cached after alice's first decision, want 1", n)
	}

	gen := svc.Store.Generation()
	if err := svc.RecordKeyUse(ctx, alice.AccessKeyID, "iam", "us-east-1"); err != nil {
		t.Fatal(err)
	}
	if svc.Store.Generation() == gen {
		t.Fatal("the key's use wrote nothing: the test proves nothing")
	}
	last, err := svc.GetAccessKeyLastUsed(ctx, root, &iamtypes.GetAccessKeyLastUsedRequest{AccessKeyId: alice.AccessKeyID})
	if err != nil || last.AccessKeyLastUsed == nil || last.AccessKeyLastUsed.LastUsedDate == nil {
		t.Fatalf("last use not recorded: %v %+v", err, last)
	}
	if n := iam.CachedEvaluators(svc); n != 1 {
		t.Errorf("%d evaluators cached after a last-used stamp, want alice's 1 kept", n)
	}

	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:GetUser","Resource":"*"}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "p", PolicyDocument: deny}); err != nil {
		t.Fatal(err)
	}
	if n := iam.CachedEvaluators(svc); n != 0 {
		t.Errorf("%d evaluators still current after a policy change, want 0", n)
	}
	wantCode(t, authorize(), "AccessDenied")
}
