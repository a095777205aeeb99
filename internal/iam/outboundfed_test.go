package iam_test

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/store"
)

const testIssuerBase = "http://127.0.0.1:4566"

// TestOutboundFederationLifecycle walks the feature through enable, disable and enable again: the errors AWS's
// model gives for doing either twice, the issuer URL under iamd's base, and keys that outlive a disable.
func TestOutboundFederationLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	svc.SetOutboundIssuerBase(testIssuerBase + "/")
	issuer := testIssuerBase + "/iamd/v1/oidc/" + testAccount

	_, err := svc.GetOutboundWebIdentityFederationInfo(ctx, root)
	wantCode(t, err, "FeatureDisabled")
	if _, found, err := svc.OutboundPublicKeys(ctx, testAccount); err != nil || found {
		t.Fatalf("keys before enabling: found=%t err=%v", found, err)
	}
	wantCode(t, svc.DisableOutboundWebIdentityFederation(ctx, root), "FeatureDisabled")

	en, err := svc.EnableOutboundWebIdentityFederation(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if got := *en.IssuerIdentifier; got != issuer {
		t.Fatalf("IssuerIdentifier = %s, want %s", got, issuer)
	}
	_, err = svc.EnableOutboundWebIdentityFederation(ctx, root)
	wantCode(t, err, "FeatureEnabled")
	info, err := svc.GetOutboundWebIdentityFederationInfo(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if *info.IssuerIdentifier != issuer || !*info.JwtVendingEnabled {
		t.Fatalf("info = %s %t", *info.IssuerIdentifier, *info.JwtVendingEnabled)
	}
	keys, found, err := svc.OutboundPublicKeys(ctx, testAccount)
	if err != nil || !found || len(keys) != 2 {
		t.Fatalf("keys: %d found=%t err=%v", len(keys), found, err)
	}
	for i, alg := range iam.OutboundAlgorithms() {
		if keys[i].Algorithm != alg || keys[i].KeyID == "" || !keys[i].IsPublic() || keys[i].Use != "sig" {
			t.Errorf("key %d = %+v, want a public %s signing key with an ID", i, keys[i], alg)
		}
	}

	if err := svc.DisableOutboundWebIdentityFederation(ctx, root); err != nil {
		t.Fatal(err)
	}
	wantCode(t, svc.DisableOutboundWebIdentityFederation(ctx, root), "FeatureDisabled")
	info, err = svc.GetOutboundWebIdentityFederationInfo(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if *info.IssuerIdentifier != issuer || *info.JwtVendingEnabled {
		t.Fatalf("info after disabling = %s %t", *info.IssuerIdentifier, *info.JwtVendingEnabled)
	}
	if _, err := signingKey(svc, testAccount, iam.OutboundES384); !errors.Is(err, iam.ErrOutboundFederationDisabled) {
		t.Fatalf("signing key while disabled: %v", err)
	}
	after, found, err := svc.OutboundPublicKeys(ctx, testAccount)
	if err != nil || !found || len(after) != 2 {
		t.Fatalf("keys after disabling: %d found=%t err=%v (tokens issued before must stay verifiable)", len(after), found, err)
	}

	if _, err := svc.EnableOutboundWebIdentityFederation(ctx, root); err != nil {
		t.Fatal(err)
	}
	again, _, err := svc.OutboundPublicKeys(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	for i := range keys {
		if again[i].KeyID != keys[i].KeyID {
			t.Errorf("key %d changed on enabling again: %s, was %s (iamd does not rotate)", i, again[i].KeyID, keys[i].KeyID)
		}
	}
}

// TestOutboundFederationNeedsPermission checks that each operation is authorized on its IAM action.
func TestOutboundFederationNeedsPermission(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	svc.SetOutboundIssuerBase(testIssuerBase)
	bob := userCaller(t, svc, root, "bob")
	calls := map[string]func() error{
		"iam:EnableOutboundWebIdentityFederation": func() error {
			_, err := svc.EnableOutboundWebIdentityFederation(ctx, bob)
			return err
		},
		"iam:GetOutboundWebIdentityFederationInfo": func() error {
			_, err := svc.GetOutboundWebIdentityFederationInfo(ctx, bob)
			return err
		},
		"iam:DisableOutboundWebIdentityFederation": func() error { return svc.DisableOutboundWebIdentityFederation(ctx, bob) },
	}
	for _, action := range []string{"iam:EnableOutboundWebIdentityFederation", "iam:GetOutboundWebIdentityFederationInfo", "iam:DisableOutboundWebIdentityFederation"} {
		t.Run(action, func(t *testing.T) {
			wantCode(t, calls[action](), "AccessDenied")
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":"*"}]}`
			if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "p", PolicyDocument: doc}); err != nil {
				t.Fatal(err)
			}
			if err := calls[action](); err != nil {
				t.Fatalf("allowed %s: %v", action, err)
			}
		})
	}
}

// TestOutboundSigningKeysAreSealed checks that the private keys open only with the master key they were sealed
// with, and that the signing key matches the published one.
func TestOutboundSigningKeysAreSealed(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	svc.SetOutboundIssuerBase(testIssuerBase)
	if _, err := svc.EnableOutboundWebIdentityFederation(ctx, root); err != nil {
		t.Fatal(err)
	}
	pub, _, err := svc.OutboundPublicKeys(ctx, testAccount)
	if err != nil {
		t.Fatal(err)
	}
	for i, alg := range iam.OutboundAlgorithms() {
		k, err := signingKey(svc, testAccount, alg)
		if err != nil {
			t.Fatal(err)
		}
		if k.KeyID != pub[i].KeyID || k.Issuer != testIssuerBase+"/iamd/v1/oidc/"+testAccount {
			t.Errorf("%s key %s of %s, published %s", alg, k.KeyID, k.Issuer, pub[i].KeyID)
		}
		type equaler interface{ Equal(x crypto.PublicKey) bool }
		if !k.Key.Public().(equaler).Equal(pub[i].Key) {
			t.Errorf("%s: the signing key is not the published key", alg)
		}
	}
	other, err := secret.NewBox(bytes.Repeat([]byte{2}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	wrong := iam.New(svc.Store, svc.Catalog, other, time.Now, "us-east-1", iam.Options{})
	wrong.SetOutboundIssuerBase(testIssuerBase)
	if _, err := signingKey(wrong, testAccount, iam.OutboundRS256); !errors.Is(err, secret.ErrDecrypt) {
		t.Fatalf("opening with another master key: %v, want %v", err, secret.ErrDecrypt)
	}
}

// signingKey reads an account's signing key in a read transaction of the service's store.
func signingKey(svc *iam.Service, account, alg string) (k *iam.OutboundSigningKey, err error) {
	err = svc.Store.View(context.Background(), func(ctx context.Context, r store.Reader) error {
		k, err = svc.OutboundSigningKey(ctx, r, account, alg)
		return err
	})
	return k, err
}
