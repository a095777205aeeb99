package iam_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/samlsp"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

const testAccount = "123456789012"

// testCatalog is loaded once per test binary: it is immutable.
var testCatalog = func() func(t testing.TB) *catalog.Catalog {
	var cat *catalog.Catalog
	return func(t testing.TB) *catalog.Catalog {
		if cat == nil {
			c, err := catalog.Embedded()
			if err != nil {
				t.Fatal(err)
			}
			cat = c
		}
		return cat
	}
}()

// newService returns a service on a fresh SQLite file with the test account created, and the account's root caller.
// It reads SAML metadata as the server does (internal/samlsp).
func newService(t testing.TB) (*iam.Service, *iam.Caller) {
	t.Helper()
	return newServiceWith(t, iam.Options{SAML: samlsp.Provider{}})
}

// newServiceWith is newService with the service's options.
func newServiceWith(t testing.TB, opt iam.Options) (*iam.Service, *iam.Caller) {
	t.Helper()
	return newServiceAt(t, filepath.Join(t.TempDir(), "iamd.db"), opt)
}

// newServiceAt is newServiceWith on the database at path: a second service on the same path is a second iamd node
// on the same database.
func newServiceAt(t testing.TB, path string, opt iam.Options) (*iam.Service, *iam.Caller) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return newServiceOn(t, st, opt)
}

// newServiceOn is newServiceWith on the store st, which it closes when t ends.
func newServiceOn(t testing.TB, st store.Store, opt iam.Options) (*iam.Service, *iam.Caller) {
	t.Helper()
	t.Cleanup(func() { st.Close() })
	box, err := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	svc := iam.New(st, testCatalog(t), box, func() time.Time { return time.Now() }, "us-east-1", opt)
	if _, err := svc.EnsureAccount(context.Background(), testAccount, "", ""); err != nil {
		t.Fatal(err)
	}
	root := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + testAccount + ":root", Account: testAccount}, UserID: testAccount}
	return svc, root
}

// userCaller creates a user as root and returns a caller acting as that user.
func userCaller(t testing.TB, svc *iam.Service, root *iam.Caller, name string) *iam.Caller {
	t.Helper()
	out, err := svc.CreateUser(context.Background(), root, &iamtypes.CreateUserRequest{UserName: name})
	if err != nil {
		t.Fatal(err)
	}
	return &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: out.User.Arn, Account: testAccount}, Name: name, UserID: out.User.UserId}
}

// wantCode fails unless err is an AWS error with the code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	ae, ok := awserr.As(err)
	if !ok || ae.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func str(s string) *string { return &s }
