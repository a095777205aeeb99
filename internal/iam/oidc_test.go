package iam_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

const testIssuer = "https://idp.example.com/tenant"

func createOIDC(t *testing.T, svc *iam.Service, root *iam.Caller, url string, clientIDs ...string) string {
	t.Helper()
	out, err := svc.CreateOpenIDConnectProvider(context.Background(), root, &iamtypes.CreateOpenIDConnectProviderRequest{Url: url, ClientIDList: clientIDs})
	if err != nil {
		t.Fatal(err)
	}
	return *out.OpenIDConnectProviderArn
}

func TestCreateOpenIDConnectProvider(t *testing.T) {
	thumb := strings.Repeat("ab", 20)
	tests := []struct {
		name     string
		in       iamtypes.CreateOpenIDConnectProviderRequest
		wantCode string
		wantARN  string
	}{
		{"https URL with a path", iamtypes.CreateOpenIDConnectProviderRequest{Url: testIssuer, ClientIDList: []string{"app"}},
			"", "arn:aws:iam::" + testAccount + ":oidc-provider/idp.example.com/tenant"},
		{"thumbprints are optional and kept", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://a.example.com", ThumbprintList: []string{thumb}},
			"", "arn:aws:iam::" + testAccount + ":oidc-provider/a.example.com"},
		{"with tags", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://t.example.com", Tags: []iamtypes.Tag{{Key: "team", Value: "x"}}},
			"", "arn:aws:iam::" + testAccount + ":oidc-provider/t.example.com"},
		{"http URL", iamtypes.CreateOpenIDConnectProviderRequest{Url: "http://idp.example.com"}, "InvalidInput", ""},
		{"query parameters", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://idp.example.com/?a=b"}, "InvalidInput", ""},
		{"six thumbprints", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://b.example.com",
			ThumbprintList: []string{thumb, thumb, thumb, thumb, thumb, thumb}}, "InvalidInput", ""},
		{"thumbprint not hex", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://c.example.com",
			ThumbprintList: []string{strings.Repeat("zz", 20)}}, "InvalidInput", ""},
		{"101 client IDs", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://d.example.com", ClientIDList: manyIDs(101)}, "LimitExceeded", ""},
		{"duplicate tag keys", iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://e.example.com",
			Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}, "InvalidInput", ""},
	}
	svc, root := newService(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := svc.CreateOpenIDConnectProvider(context.Background(), root, &tc.in)
			if tc.wantCode != "" {
				wantCode(t, err, tc.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *out.OpenIDConnectProviderArn != tc.wantARN {
				t.Errorf("ARN = %s, want %s", *out.OpenIDConnectProviderArn, tc.wantARN)
			}
		})
	}
	t.Run("same URL twice", func(t *testing.T) {
		_, err := svc.CreateOpenIDConnectProvider(context.Background(), root, &iamtypes.CreateOpenIDConnectProviderRequest{Url: testIssuer})
		wantCode(t, err, "EntityAlreadyExists")
		if !strings.Contains(err.Error(), "Provider with url "+testIssuer+" already exists.") {
			t.Errorf("message: %v", err)
		}
	})
}

func manyIDs(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "client-"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	return out
}

func TestOpenIDConnectProviderLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := createOIDC(t, svc, root, testIssuer, "app1")

	steps := []struct {
		name string
		do   func() error
	}{
		{"add a client ID", func() error {
			return svc.AddClientIDToOpenIDConnectProvider(ctx, root, &iamtypes.AddClientIDToOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, ClientID: "app2"})
		}},
		{"adding it again changes nothing", func() error {
			return svc.AddClientIDToOpenIDConnectProvider(ctx, root, &iamtypes.AddClientIDToOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, ClientID: "app2"})
		}},
		{"remove a client ID", func() error {
			return svc.RemoveClientIDFromOpenIDConnectProvider(ctx, root, &iamtypes.RemoveClientIDFromOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, ClientID: "app1"})
		}},
		{"removing an absent one changes nothing", func() error {
			return svc.RemoveClientIDFromOpenIDConnectProvider(ctx, root, &iamtypes.RemoveClientIDFromOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, ClientID: "nope"})
		}},
		{"replace the thumbprints", func() error {
			return svc.UpdateOpenIDConnectProviderThumbprint(ctx, root, &iamtypes.UpdateOpenIDConnectProviderThumbprintRequest{OpenIDConnectProviderArn: arn, ThumbprintList: []string{strings.Repeat("0f", 20)}})
		}},
		{"tag", func() error {
			return svc.TagOpenIDConnectProvider(ctx, root, &iamtypes.TagOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn,
				Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}})
		}},
		{"untag", func() error {
			return svc.UntagOpenIDConnectProvider(ctx, root, &iamtypes.UntagOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, TagKeys: []string{"a"}})
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	got, err := svc.GetOpenIDConnectProvider(ctx, root, &iamtypes.GetOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Url != "idp.example.com/tenant" || !slices.Equal(got.ClientIDList, []string{"app2"}) ||
		!slices.Equal(got.ThumbprintList, []string{strings.Repeat("0f", 20)}) || len(got.Tags) != 1 || got.Tags[0].Key != "b" || got.CreateDate == nil {
		t.Errorf("GetOpenIDConnectProvider = %+v", got)
	}
	tags, err := svc.ListOpenIDConnectProviderTags(ctx, root, &iamtypes.ListOpenIDConnectProviderTagsRequest{OpenIDConnectProviderArn: arn})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("ListOpenIDConnectProviderTags = %+v, %v", tags, err)
	}
	list, err := svc.ListOpenIDConnectProviders(ctx, root, &iamtypes.ListOpenIDConnectProvidersRequest{})
	if err != nil || len(list.OpenIDConnectProviderList) != 1 || *list.OpenIDConnectProviderList[0].Arn != arn {
		t.Fatalf("ListOpenIDConnectProviders = %+v, %v", list, err)
	}
	if err := svc.DeleteOpenIDConnectProvider(ctx, root, &iamtypes.DeleteOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetOpenIDConnectProvider(ctx, root, &iamtypes.GetOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn})
	wantCode(t, err, "NoSuchEntity")
	if !strings.Contains(err.Error(), "OpenIDConnect Provider not found for arn "+arn) {
		t.Errorf("message: %v", err)
	}
}

// TestDeleteOpenIDConnectProviderIsIdempotent checks that deleting a provider that does not exist, or no longer
// does, succeeds, as the API reference says: "This operation is idempotent; it does not fail or return an error if
// you call the operation for a provider that does not exist." (TestOpenIDConnectProviderDeniedWithoutPolicy checks
// that a caller without the permission is refused all the same.)
func TestDeleteOpenIDConnectProviderIsIdempotent(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := createOIDC(t, svc, root, testIssuer, "app")
	for _, tc := range []struct{ name, arn string }{
		{"delete", arn},
		{"delete again", arn},
		{"delete one never created", "arn:aws:iam::" + testAccount + ":oidc-provider/never.example.com"},
	} {
		if err := svc.DeleteOpenIDConnectProvider(ctx, root, &iamtypes.DeleteOpenIDConnectProviderRequest{OpenIDConnectProviderArn: tc.arn}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	list, err := svc.ListOpenIDConnectProviders(ctx, root, &iamtypes.ListOpenIDConnectProvidersRequest{})
	if err != nil || len(list.OpenIDConnectProviderList) != 0 {
		t.Fatalf("ListOpenIDConnectProviders = %+v, %v; want none", list, err)
	}
}

func TestOpenIDConnectProviderForIssuer(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := createOIDC(t, svc, root, testIssuer, "app")
	tests := []struct {
		name, account, issuer string
		found                 bool
	}{
		{"the registered issuer", testAccount, testIssuer, true},
		{"another account", "210987654321", testIssuer, false},
		{"a trailing slash is another issuer", testAccount, testIssuer + "/", false},
		{"http is never an issuer", testAccount, "http://idp.example.com/tenant", false},
		{"unregistered", testAccount, "https://other.example.com", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p *iam.OIDCProvider
			err := svc.Store.View(ctx, func(ctx context.Context, r store.Reader) error {
				var err error
				p, err = svc.OIDCProviderForIssuer(ctx, r, tc.account, tc.issuer)
				return err
			})
			if tc.found {
				if err != nil || p.ARN != arn {
					t.Fatalf("got %+v, %v", p, err)
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v, want store.ErrNotFound", err)
			}
		})
	}
}

func TestOpenIDConnectProviderDeniedWithoutPolicy(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := createOIDC(t, svc, root, testIssuer, "app")
	alice := userCaller(t, svc, root, "alice")
	missing := "arn:aws:iam::" + testAccount + ":oidc-provider/missing.example.com"
	tests := []struct {
		name string
		do   func() error
	}{
		{"create", func() error {
			_, err := svc.CreateOpenIDConnectProvider(ctx, alice, &iamtypes.CreateOpenIDConnectProviderRequest{Url: "https://new.example.com"})
			return err
		}},
		{"get", func() error {
			_, err := svc.GetOpenIDConnectProvider(ctx, alice, &iamtypes.GetOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn})
			return err
		}},
		{"get a missing provider says nothing of it", func() error {
			_, err := svc.GetOpenIDConnectProvider(ctx, alice, &iamtypes.GetOpenIDConnectProviderRequest{OpenIDConnectProviderArn: missing})
			return err
		}},
		{"list", func() error {
			_, err := svc.ListOpenIDConnectProviders(ctx, alice, &iamtypes.ListOpenIDConnectProvidersRequest{})
			return err
		}},
		{"delete", func() error {
			return svc.DeleteOpenIDConnectProvider(ctx, alice, &iamtypes.DeleteOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn})
		}},
		{"delete a missing provider is still authorized first", func() error {
			return svc.DeleteOpenIDConnectProvider(ctx, alice, &iamtypes.DeleteOpenIDConnectProviderRequest{OpenIDConnectProviderArn: missing})
		}},
		{"add client ID", func() error {
			return svc.AddClientIDToOpenIDConnectProvider(ctx, alice, &iamtypes.AddClientIDToOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, ClientID: "x"})
		}},
		{"tag", func() error {
			return svc.TagOpenIDConnectProvider(ctx, alice, &iamtypes.TagOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn, Tags: []iamtypes.Tag{{Key: "k", Value: "v"}}})
		}},
		{"list tags", func() error {
			_, err := svc.ListOpenIDConnectProviderTags(ctx, alice, &iamtypes.ListOpenIDConnectProviderTagsRequest{OpenIDConnectProviderArn: arn})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.do(), "AccessDenied")
		})
	}
	// Nothing changed.
	got, err := svc.GetOpenIDConnectProvider(ctx, root, &iamtypes.GetOpenIDConnectProviderRequest{OpenIDConnectProviderArn: arn})
	if err != nil || !slices.Equal(got.ClientIDList, []string{"app"}) || len(got.Tags) != 0 {
		t.Fatalf("provider changed: %+v, %v", got, err)
	}
}

func TestOpenIDConnectProviderTagConditions(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	// bob may create providers only with the tag team=blue.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateOpenIDConnectProvider","iam:TagOpenIDConnectProvider"],"Resource":"*",
		"Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "p", PolicyDocument: doc}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		tags     []iamtypes.Tag
		wantCode string
	}{
		{"the required tag", []iamtypes.Tag{{Key: "team", Value: "blue"}}, ""},
		{"another value", []iamtypes.Tag{{Key: "team", Value: "red"}}, "AccessDenied"},
		{"no tag", nil, "AccessDenied"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CreateOpenIDConnectProvider(ctx, bob, &iamtypes.CreateOpenIDConnectProviderRequest{
				Url: "https://idp" + string(rune('a'+i)) + ".example.com", Tags: tc.tags})
			if tc.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.wantCode)
		})
	}
}
