package iam_test

import (
	"context"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

func TestAccountTxCreatesAnAccountWithTheAccessRole(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	const acct = "210987654321"
	update := func(fn func(tx store.Tx) error) error {
		return svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error { return fn(tx) })
	}
	cases := []struct {
		name    string
		run     func(tx store.Tx) error
		wantErr string // an AWS error code, "error" for any other error, "" for none
	}{
		{"a new account", func(tx store.Tx) error { return svc.EnsureAccountTx(ctx, tx, acct) }, ""},
		{"the same account again changes nothing", func(tx store.Tx) error { return svc.EnsureAccountTx(ctx, tx, acct) }, ""},
		{"an ID that is not 12 digits", func(tx store.Tx) error { return svc.EnsureAccountTx(ctx, tx, "12345") }, "error"},
		{"the access role", func(tx store.Tx) error {
			return svc.CreateAccessRoleTx(ctx, tx, acct, "OrganizationAccountAccessRole", testAccount)
		}, ""},
		{"the access role twice", func(tx store.Tx) error {
			return svc.CreateAccessRoleTx(ctx, tx, acct, "OrganizationAccountAccessRole", testAccount)
		}, "EntityAlreadyExists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := update(tc.run)
			switch ae, ok := awserr.As(err); {
			case tc.wantErr == "" && err != nil, tc.wantErr == "error" && (err == nil || ok), tc.wantErr != "" && tc.wantErr != "error" && (!ok || ae.Code != tc.wantErr):
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
	err := svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		if ok, err := svc.AccountExists(ctx, r, acct); err != nil || !ok {
			t.Fatalf("exists: %v %v", ok, err)
		}
		if ok, err := svc.HasRootKey(ctx, r, acct); err != nil || ok {
			t.Fatalf("root key: %v %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	root := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + acct + ":root", Account: acct}, UserID: acct}
	att, err := svc.ListAttachedRolePolicies(ctx, root, &iamtypes.ListAttachedRolePoliciesRequest{RoleName: "OrganizationAccountAccessRole"})
	if err != nil || len(att.AttachedPolicies) != 1 || *att.AttachedPolicies[0].PolicyArn != iam.AdministratorAccessARN {
		t.Fatalf("attached: %v %+v", err, att)
	}
}
