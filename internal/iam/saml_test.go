package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/samlsp/samltest"
	"github.com/iamd-dev/iamd/internal/store"
)

func samlIdP(t testing.TB, entityID string) *samltest.IdP {
	t.Helper()
	idp, err := samltest.New(entityID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return idp
}

func TestSAMLProviderLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	idp := samlIdP(t, "https://idp.example.com/one")
	arn := "arn:aws:iam::" + testAccount + ":saml-provider/corp"

	created, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "corp", SAMLMetadataDocument: idp.Metadata(),
		Tags: []iamtypes.Tag{{Key: "team", Value: "sec"}}})
	if err != nil {
		t.Fatal(err)
	}
	if *created.SAMLProviderArn != arn || len(created.Tags) != 1 {
		t.Fatalf("create %+v", created)
	}
	got, err := svc.GetSAMLProvider(ctx, root, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if *got.SAMLMetadataDocument != idp.Metadata() || got.CreateDate == nil || got.ValidUntil == nil || !got.ValidUntil.After(*got.CreateDate) ||
		len(*got.SAMLProviderUUID) != 36 || len(got.Tags) != 1 {
		t.Fatalf("get %+v", got)
	}

	// Update replaces the document and what is kept of it.
	idp2 := samlIdP(t, "https://idp.example.com/two")
	if _, err := svc.UpdateSAMLProvider(ctx, root, &iamtypes.UpdateSAMLProviderRequest{SAMLProviderArn: arn, SAMLMetadataDocument: str(idp2.Metadata())}); err != nil {
		t.Fatal(err)
	}
	var p *iam.SAMLProvider
	err = svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
		var err error
		p, err = svc.SAMLProviderByARN(ctx, r, arn)
		return err
	})
	if err != nil || p.EntityID != "https://idp.example.com/two" || len(p.Certs) != 1 {
		t.Fatalf("after update: %v %+v", err, p)
	}

	// Tags.
	if err := svc.TagSAMLProvider(ctx, root, &iamtypes.TagSAMLProviderRequest{SAMLProviderArn: arn, Tags: []iamtypes.Tag{{Key: "env", Value: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UntagSAMLProvider(ctx, root, &iamtypes.UntagSAMLProviderRequest{SAMLProviderArn: arn, TagKeys: []string{"TEAM"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := svc.ListSAMLProviderTags(ctx, root, &iamtypes.ListSAMLProviderTagsRequest{SAMLProviderArn: arn})
	if err != nil || len(tags.Tags) != 1 || tags.Tags[0].Key != "env" {
		t.Fatalf("tags %v %+v", err, tags)
	}

	list, err := svc.ListSAMLProviders(ctx, root, &iamtypes.ListSAMLProvidersRequest{})
	if err != nil || len(list.SAMLProviderList) != 1 || *list.SAMLProviderList[0].Arn != arn {
		t.Fatalf("list %v %+v", err, list)
	}
	if err := svc.DeleteSAMLProvider(ctx, root, &iamtypes.DeleteSAMLProviderRequest{SAMLProviderArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetSAMLProvider(ctx, root, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "Manifest not found for arn "+arn) {
		t.Fatalf("message: %v", err)
	}
}

func TestSAMLProviderErrors(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	idp := samlIdP(t, "https://idp.example.com/e")
	arn := "arn:aws:iam::" + testAccount + ":saml-provider/corp"
	if _, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "corp", SAMLMetadataDocument: idp.Metadata()}); err != nil {
		t.Fatal(err)
	}
	bob := userCaller(t, svc, root, "bob")
	required := iamtypes.AssertionEncryptionModeTypeRequired
	padded := func(s string) string { return s + strings.Repeat(" ", 1000) }
	cases := []struct {
		name string
		call func() error
		code string
	}{
		{"invalid metadata", func() error {
			_, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "bad", SAMLMetadataDocument: padded("<not-metadata/>")})
			return err
		}, "InvalidInput"},
		{"duplicate name", func() error {
			_, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "corp", SAMLMetadataDocument: idp.Metadata()})
			return err
		}, "EntityAlreadyExists"},
		{"encryption required is not implemented", func() error {
			_, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "enc", SAMLMetadataDocument: idp.Metadata(), AssertionEncryptionMode: &required})
			return err
		}, "InvalidInput"},
		{"update with invalid metadata", func() error {
			_, err := svc.UpdateSAMLProvider(ctx, root, &iamtypes.UpdateSAMLProviderRequest{SAMLProviderArn: arn, SAMLMetadataDocument: str(padded("<x/>"))})
			return err
		}, "InvalidInput"},
		{"get missing", func() error {
			_, err := svc.GetSAMLProvider(ctx, root, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn + "x"})
			return err
		}, "NoSuchEntity"},
		{"delete missing", func() error {
			return svc.DeleteSAMLProvider(ctx, root, &iamtypes.DeleteSAMLProviderRequest{SAMLProviderArn: arn + "x"})
		}, "NoSuchEntity"},
		{"another account's provider", func() error {
			_, err := svc.GetSAMLProvider(ctx, root, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: "arn:aws:iam::210987654321:saml-provider/corp"})
			return err
		}, "NoSuchEntity"},
		{"create denied without a policy", func() error {
			_, err := svc.CreateSAMLProvider(ctx, bob, &iamtypes.CreateSAMLProviderRequest{Name: "b", SAMLMetadataDocument: idp.Metadata()})
			return err
		}, "AccessDenied"},
		{"get denied without a policy", func() error {
			_, err := svc.GetSAMLProvider(ctx, bob, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn})
			return err
		}, "AccessDenied"},
		{"get of a missing provider denied without a policy", func() error {
			_, err := svc.GetSAMLProvider(ctx, bob, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn + "x"})
			return err
		}, "AccessDenied"},
		{"list denied without a policy", func() error {
			_, err := svc.ListSAMLProviders(ctx, bob, &iamtypes.ListSAMLProvidersRequest{})
			return err
		}, "AccessDenied"},
		{"delete denied without a policy", func() error {
			return svc.DeleteSAMLProvider(ctx, bob, &iamtypes.DeleteSAMLProviderRequest{SAMLProviderArn: arn})
		}, "AccessDenied"},
		{"tag denied without a policy", func() error {
			return svc.TagSAMLProvider(ctx, bob, &iamtypes.TagSAMLProviderRequest{SAMLProviderArn: arn, Tags: []iamtypes.Tag{{Key: "a", Value: "b"}}})
		}, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.call(), tc.code)
		})
	}
	// Nothing changed: the provider is the one created.
	got, err := svc.GetSAMLProvider(ctx, root, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn})
	if err != nil || *got.SAMLMetadataDocument != idp.Metadata() || len(got.Tags) != 0 {
		t.Fatalf("after failures: %v %+v", err, got)
	}
}

func TestSAMLProviderQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	doc := samlIdP(t, "https://idp.example.com/q").Metadata()
	for i := range iam.MaxSAMLProvidersPerAccount {
		if _, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: fmt.Sprintf("p%d", i), SAMLMetadataDocument: doc}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "one-too-many", SAMLMetadataDocument: doc})
	wantCode(t, err, "LimitExceeded")
	list, err := svc.ListSAMLProviders(ctx, root, &iamtypes.ListSAMLProvidersRequest{})
	if err != nil || len(list.SAMLProviderList) != iam.MaxSAMLProvidersPerAccount {
		t.Fatalf("list: %v %d", err, len(list.SAMLProviderList))
	}
}

// TestSAMLProviderWithoutParserFailsClosed: a service built without a SAMLMetadataParser stores no metadata
// document unread: CreateSAMLProvider and UpdateSAMLProvider with a document fail (ServiceFailure) and change nothing.
func TestSAMLProviderWithoutParserFailsClosed(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	idp := samlIdP(t, "https://idp.example.com/n")
	arn := "arn:aws:iam::" + testAccount + ":saml-provider/corp"
	if _, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "corp", SAMLMetadataDocument: idp.Metadata()}); err != nil {
		t.Fatal(err)
	}
	bare := iam.New(svc.Store, svc.Catalog, svc.Box, svc.Now, "us-east-1", iam.Options{})
	_, err := bare.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "other", SAMLMetadataDocument: idp.Metadata()})
	wantCode(t, err, "ServiceFailure")
	other := samlIdP(t, "https://idp.example.com/other").Metadata()
	_, err = bare.UpdateSAMLProvider(ctx, root, &iamtypes.UpdateSAMLProviderRequest{SAMLProviderArn: arn, SAMLMetadataDocument: str(other)})
	wantCode(t, err, "ServiceFailure")
	list, err := bare.ListSAMLProviders(ctx, root, &iamtypes.ListSAMLProvidersRequest{})
	if err != nil || len(list.SAMLProviderList) != 1 {
		t.Fatalf("list: %v %+v", err, list)
	}
	got, err := bare.GetSAMLProvider(ctx, root, &iamtypes.GetSAMLProviderRequest{SAMLProviderArn: arn})
	if err != nil || *got.SAMLMetadataDocument != idp.Metadata() {
		t.Fatalf("after failures: %v %+v", err, got)
	}
}
