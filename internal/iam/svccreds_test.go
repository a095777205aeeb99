package iam_test

import (
	"context"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

func TestServiceSpecificCredentialsLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "alice")
	first, err := svc.CreateServiceSpecificCredential(ctx, root, &iamtypes.CreateServiceSpecificCredentialRequest{UserName: "alice", ServiceName: "codecommit.amazonaws.com"})
	if err != nil {
		t.Fatal(err)
	}
	c := first.ServiceSpecificCredential
	if *c.ServiceUserName != "alice-at-"+testAccount || len(*c.ServicePassword) != 44 || len(c.ServiceSpecificCredentialId) != 21 ||
		c.ServiceSpecificCredentialId[:4] != "ACCA" || c.Status != "Active" || c.UserName != "alice" {
		t.Fatalf("created %+v", c)
	}
	second, err := svc.CreateServiceSpecificCredential(ctx, root, &iamtypes.CreateServiceSpecificCredentialRequest{UserName: "alice", ServiceName: "codecommit.amazonaws.com"})
	if err != nil || *second.ServiceSpecificCredential.ServiceUserName != "alice+1-at-"+testAccount {
		t.Fatalf("second %+v %v", second, err)
	}
	if _, err := svc.CreateServiceSpecificCredential(ctx, root, &iamtypes.CreateServiceSpecificCredentialRequest{UserName: "alice", ServiceName: "cassandra.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	ok, err := svc.VerifyServiceSpecificCredential(ctx, testAccount, "codecommit.amazonaws.com", "alice-at-"+testAccount, *c.ServicePassword)
	if err != nil || !ok {
		t.Fatalf("password does not verify: %v", err)
	}

	list, err := svc.ListServiceSpecificCredentials(ctx, root, &iamtypes.ListServiceSpecificCredentialsRequest{UserName: str("alice"), ServiceName: str("codecommit.amazonaws.com")})
	if err != nil || len(list.ServiceSpecificCredentials) != 2 {
		t.Fatalf("list %+v %v", list, err)
	}
	all, err := svc.ListServiceSpecificCredentials(ctx, root, &iamtypes.ListServiceSpecificCredentialsRequest{UserName: str("alice")})
	if err != nil || len(all.ServiceSpecificCredentials) != 3 {
		t.Fatalf("list all %+v %v", all, err)
	}

	reset, err := svc.ResetServiceSpecificCredential(ctx, root, &iamtypes.ResetServiceSpecificCredentialRequest{UserName: str("alice"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId})
	if err != nil || *reset.ServiceSpecificCredential.ServicePassword == *c.ServicePassword {
		t.Fatalf("reset %+v %v", reset, err)
	}
	if ok, _ := svc.VerifyServiceSpecificCredential(ctx, testAccount, "codecommit.amazonaws.com", "alice-at-"+testAccount, *c.ServicePassword); ok {
		t.Fatal("the old password still verifies after a reset")
	}
	newPassword := *reset.ServiceSpecificCredential.ServicePassword
	if err := svc.UpdateServiceSpecificCredential(ctx, root, &iamtypes.UpdateServiceSpecificCredentialRequest{UserName: str("alice"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := svc.VerifyServiceSpecificCredential(ctx, testAccount, "codecommit.amazonaws.com", "alice-at-"+testAccount, newPassword); ok {
		t.Fatal("an inactive credential verifies")
	}
	if err := svc.DeleteServiceSpecificCredential(ctx, root, &iamtypes.DeleteServiceSpecificCredentialRequest{UserName: str("alice"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId}); err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteServiceSpecificCredential(ctx, root, &iamtypes.DeleteServiceSpecificCredentialRequest{UserName: str("alice"), ServiceSpecificCredentialId: c.ServiceSpecificCredentialId})
	wantCode(t, err, "NoSuchEntity")
}

func TestServiceSpecificCredentialErrorsChangeNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	alice := userCaller(t, svc, root, "alice")
	userCaller(t, svc, root, "full")
	for range iam.MaxServiceCredentialsPerUserPerService {
		if _, err := svc.CreateServiceSpecificCredential(ctx, root, &iamtypes.CreateServiceSpecificCredentialRequest{UserName: "full", ServiceName: "codecommit.amazonaws.com"}); err != nil {
			t.Fatal(err)
		}
	}
	days := int32(30)
	cases := []struct {
		name   string
		caller *iam.Caller
		in     iamtypes.CreateServiceSpecificCredentialRequest
		code   string
	}{
		{"unsupported service", root, iamtypes.CreateServiceSpecificCredentialRequest{UserName: "alice", ServiceName: "s3.amazonaws.com"}, "NotSupportedService"},
		{"age for a password credential", root, iamtypes.CreateServiceSpecificCredentialRequest{UserName: "alice", ServiceName: "codecommit.amazonaws.com", CredentialAgeDays: &days}, "InvalidInput"},
		{"third for one service", root, iamtypes.CreateServiceSpecificCredentialRequest{UserName: "full", ServiceName: "codecommit.amazonaws.com"}, "LimitExceeded"},
		{"no such user", root, iamtypes.CreateServiceSpecificCredentialRequest{UserName: "carol", ServiceName: "codecommit.amazonaws.com"}, "NoSuchEntity"},
		{"user without policy", alice, iamtypes.CreateServiceSpecificCredentialRequest{UserName: "alice", ServiceName: "codecommit.amazonaws.com"}, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := credSnapshot(t, svc)
			_, err := svc.CreateServiceSpecificCredential(ctx, tc.caller, &tc.in)
			wantCode(t, err, tc.code)
			if credSnapshot(t, svc) != before {
				t.Fatal("a failed create changed the store")
			}
		})
	}
	_, err := svc.ResetServiceSpecificCredential(ctx, root, &iamtypes.ResetServiceSpecificCredentialRequest{UserName: str("alice"), ServiceSpecificCredentialId: "ACCAAAAAAAAAAAAAAAAAA"})
	wantCode(t, err, "NoSuchEntity")
	_, err = svc.ListServiceSpecificCredentials(ctx, alice, &iamtypes.ListServiceSpecificCredentialsRequest{})
	wantCode(t, err, "AccessDenied")
}
