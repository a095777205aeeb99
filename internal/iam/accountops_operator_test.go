package iam_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

func TestCreateAccountForTheOperator(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	const keyless = "210987654321" // an account Organizations made, without root credentials
	if err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error { return svc.EnsureAccountTx(ctx, tx, keyless) }); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, account, keyID, secret string
		want                         error  // nil for success
		wantMsg                      string // the error's message, when want is set
	}{
		{"a new account gets a generated root key", "111122223333", "", "", nil, ""},
		{"a new account with the operator's key", "444455556666", "AKIAEXAMPLEOPERATOR1", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOPERATOR1", nil, ""},
		{"an account with a root key is refused", "111122223333", "", "", iam.ErrAccountExists, "account 111122223333 already exists"},
		{"the default account is refused", testAccount, "", "", iam.ErrAccountExists, "account 123456789012 already exists"},
		{"a taken key ID is refused", "777788889999", "AKIAEXAMPLEOPERATOR1", "x", iam.ErrAccessKeyInUse, "access key ID AKIAEXAMPLEOPERATOR1 is already in use"},
		{"an ID of 11 digits", "11112222333", "", "", iam.ErrInvalidAccountRequest, `invalid account request: account ID "11112222333" must be 12 digits`},
		{"an ID with a letter", "11112222333a", "", "", iam.ErrInvalidAccountRequest, "must be 12 digits"},
		{"half a key pair", "777788889999", "AKIAEXAMPLEOPERATOR2", "", iam.ErrInvalidAccountRequest, "or neither"},
		{"a key ID with a dash", "777788889999", "AKIA-EXAMPLE-OPERATOR", "secret", iam.ErrInvalidAccountRequest, "access key ID"},
		{"a keyless account gets its first root key", keyless, "", "", nil, ""},
		{"and then is refused", keyless, "", "", iam.ErrAccountExists, "account 210987654321 already exists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := svc.CreateAccount(ctx, tc.account, tc.keyID, tc.secret)
			if tc.want != nil {
				if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.wantMsg) {
					t.Fatalf("err %v, want %v: %s", err, tc.want, tc.wantMsg)
				}
				if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
					t.Fatal("the error shows the secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rc.AccountID != tc.account || !rc.Created || (tc.keyID != "" && (rc.AccessKeyID != tc.keyID || rc.SecretAccessKey != tc.secret)) ||
				(tc.keyID == "" && (!strings.HasPrefix(rc.AccessKeyID, "AKIA") || len(rc.SecretAccessKey) != 40)) {
				t.Fatalf("credentials %s %s created=%t", rc.AccountID, rc.AccessKeyID, rc.Created)
			}
			cred, err := svc.LookupAccessKey(ctx, rc.AccessKeyID)
			if err != nil || string(cred.Secret) != rc.SecretAccessKey || cred.Caller.Principal.ARN != "arn:aws:iam::"+tc.account+":root" || !cred.Active {
				t.Fatalf("lookup %v", err)
			}
		})
	}
	t.Run("refusals change nothing", func(t *testing.T) {
		if err := svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
			ok, err := svc.AccountExists(ctx, r, "777788889999")
			if err != nil || ok {
				t.Errorf("777788889999 exists=%t err=%v", ok, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
