package iam_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// taggableKind drives the Tag, Untag and List*Tags operations of one kind of IAM entity for TestTagUntagEveryKind.
type taggableKind struct {
	name string
	// create makes a fresh entity of the kind as root and returns what the tag operations name it by.
	create func(t *testing.T, n int) string
	// missing names no entity; noSuch is the kind's NoSuchEntity message for it.
	missing, noSuch string
	// missingDenied is the error code a caller without permissions gets for the missing entity.
	missingDenied string
	tag           func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error
	untag         func(ctx context.Context, c *iam.Caller, id string, keys []string) error
	list          func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error)
}

// taggableKinds lists the eight kinds of IAM entity that have Tag and Untag operations.
func taggableKinds(t *testing.T, svc *iam.Service, root *iam.Caller) []taggableKind {
	ctx := context.Background()
	acct := "arn:aws:iam::" + testAccount + ":"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	return []taggableKind{
		{
			name: "user",
			create: func(t *testing.T, n int) string {
				userCaller(t, svc, root, "tagged"+strconv.Itoa(n))
				return "tagged" + strconv.Itoa(n)
			},
			missing: "nobody", noSuch: "The user with name nobody cannot be found.", missingDenied: "NoSuchEntity",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagUser(ctx, c, &iamtypes.TagUserRequest{UserName: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagUser(ctx, c, &iamtypes.UntagUserRequest{UserName: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListUserTags(ctx, c, &iamtypes.ListUserTagsRequest{UserName: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "role",
			create: func(t *testing.T, n int) string {
				_, err := svc.CreateRole(ctx, root, &iamtypes.CreateRoleRequest{RoleName: "tagged" + strconv.Itoa(n), AssumeRolePolicyDocument: trust})
				must(t, err)
				return "tagged" + strconv.Itoa(n)
			},
			missing: "nobody", noSuch: "The role with name nobody cannot be found.", missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagRole(ctx, c, &iamtypes.TagRoleRequest{RoleName: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagRole(ctx, c, &iamtypes.UntagRoleRequest{RoleName: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListRoleTags(ctx, c, &iamtypes.ListRoleTagsRequest{RoleName: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "policy",
			create: func(t *testing.T, n int) string {
				return ptCreatePolicy(t, svc, root, "tagged"+strconv.Itoa(n), "/", ptAllow("*", "s3:GetObject"))
			},
			missing: acct + "policy/nobody", noSuch: "Policy " + acct + "policy/nobody was not found.", missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagPolicy(ctx, c, &iamtypes.TagPolicyRequest{PolicyArn: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagPolicy(ctx, c, &iamtypes.UntagPolicyRequest{PolicyArn: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListPolicyTags(ctx, c, &iamtypes.ListPolicyTagsRequest{PolicyArn: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "instance profile",
			create: func(t *testing.T, n int) string {
				_, err := svc.CreateInstanceProfile(ctx, root, &iamtypes.CreateInstanceProfileRequest{InstanceProfileName: "tagged" + strconv.Itoa(n)})
				must(t, err)
				return "tagged" + strconv.Itoa(n)
			},
			missing: "nobody", noSuch: "Instance Profile nobody cannot be found.", missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagInstanceProfile(ctx, c, &iamtypes.TagInstanceProfileRequest{InstanceProfileName: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagInstanceProfile(ctx, c, &iamtypes.UntagInstanceProfileRequest{InstanceProfileName: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListInstanceProfileTags(ctx, c, &iamtypes.ListInstanceProfileTagsRequest{InstanceProfileName: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "OIDC provider",
			create: func(t *testing.T, n int) string {
				return createOIDC(t, svc, root, "https://tagged"+strconv.Itoa(n)+".example.com")
			},
			missing: acct + "oidc-provider/none.example.com", noSuch: "OpenIDConnect Provider not found for arn " + acct + "oidc-provider/none.example.com",
			missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagOpenIDConnectProvider(ctx, c, &iamtypes.TagOpenIDConnectProviderRequest{OpenIDConnectProviderArn: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagOpenIDConnectProvider(ctx, c, &iamtypes.UntagOpenIDConnectProviderRequest{OpenIDConnectProviderArn: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListOpenIDConnectProviderTags(ctx, c, &iamtypes.ListOpenIDConnectProviderTagsRequest{OpenIDConnectProviderArn: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "SAML provider",
			create: func(t *testing.T, n int) string {
				out, err := svc.CreateSAMLProvider(ctx, root, &iamtypes.CreateSAMLProviderRequest{Name: "tagged" + strconv.Itoa(n),
					SAMLMetadataDocument: samlIdP(t, "https://idp.example.com/"+strconv.Itoa(n)).Metadata()})
				must(t, err)
				return *out.SAMLProviderArn
			},
			missing: acct + "saml-provider/nobody", noSuch: "Manifest not found for arn " + acct + "saml-provider/nobody", missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagSAMLProvider(ctx, c, &iamtypes.TagSAMLProviderRequest{SAMLProviderArn: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagSAMLProvider(ctx, c, &iamtypes.UntagSAMLProviderRequest{SAMLProviderArn: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListSAMLProviderTags(ctx, c, &iamtypes.ListSAMLProviderTagsRequest{SAMLProviderArn: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "server certificate",
			create: func(t *testing.T, n int) string {
				cert, key := certsMake(t, certsRSAKey(t, 0), certsFuture)
				_, err := svc.UploadServerCertificate(ctx, root, &iamtypes.UploadServerCertificateRequest{ServerCertificateName: "tagged" + strconv.Itoa(n),
					CertificateBody: cert, PrivateKey: key})
				must(t, err)
				return "tagged" + strconv.Itoa(n)
			},
			missing: "nobody", noSuch: "The Server Certificate with name nobody cannot be found.", missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagServerCertificate(ctx, c, &iamtypes.TagServerCertificateRequest{ServerCertificateName: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagServerCertificate(ctx, c, &iamtypes.UntagServerCertificateRequest{ServerCertificateName: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListServerCertificateTags(ctx, c, &iamtypes.ListServerCertificateTagsRequest{ServerCertificateName: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
		{
			name: "MFA device",
			create: func(t *testing.T, n int) string {
				serial, _ := mfaCreate(t, svc, root, "tagged"+strconv.Itoa(n))
				return serial
			},
			missing: acct + "mfa/nobody", noSuch: "VirtualMFADevice with serial number " + acct + "mfa/nobody does not exist.", missingDenied: "AccessDenied",
			tag: func(ctx context.Context, c *iam.Caller, id string, tags []iamtypes.Tag) error {
				return svc.TagMFADevice(ctx, c, &iamtypes.TagMFADeviceRequest{SerialNumber: id, Tags: tags})
			},
			untag: func(ctx context.Context, c *iam.Caller, id string, keys []string) error {
				return svc.UntagMFADevice(ctx, c, &iamtypes.UntagMFADeviceRequest{SerialNumber: id, TagKeys: keys})
			},
			list: func(ctx context.Context, c *iam.Caller, id string) ([]iamtypes.Tag, error) {
				out, err := svc.ListMFADeviceTags(ctx, c, &iamtypes.ListMFADeviceTagsRequest{SerialNumber: id})
				if err != nil {
					return nil, err
				}
				return out.Tags, nil
			},
		},
	}
}

// tagString renders tags sorted by key as "k=v,k=v".
func tagString(tags []iamtypes.Tag) string {
	s := make([]string, 0, len(tags))
	for _, t := range tags {
		s = append(s, t.Key+"="+t.Value)
	}
	sort.Strings(s)
	return fmt.Sprint(s)
}

// TestTagUntagEveryKind checks, for each of the eight taggable kinds of IAM entity, what the shared Tag/Untag step
// promises: tags merge and are removed by key case-insensitively; a request naming a key twice is InvalidInput and
// one passing 50 tags on an entity is LimitExceeded, with AWS's texts, changing nothing; a missing entity is the kind's
// own NoSuchEntity; the caller is authorized with the entity's tags as aws:ResourceTag/* and the request's as
// aws:RequestTag/* and aws:TagKeys.
func TestTagUntagEveryKind(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	// bob may tag and untag only entities tagged owner=bob, and only the keys env and owner.
	bob := userCaller(t, svc, root, "bob")
	bobPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Tag*","iam:Untag*"],"Resource":"*",
		"Condition":{"StringEquals":{"aws:ResourceTag/owner":"bob"},"ForAllValues:StringEquals":{"aws:TagKeys":["env","owner"]}}}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "tagging", PolicyDocument: bobPolicy}); err != nil {
		t.Fatal(err)
	}
	for _, k := range taggableKinds(t, svc, root) {
		t.Run(k.name, func(t *testing.T) {
			id := k.create(t, 1)
			other := k.create(t, 2)
			wantTags := func(want string) {
				t.Helper()
				got, err := k.list(ctx, root, id)
				if err != nil {
					t.Fatal(err)
				}
				if tagString(got) != want {
					t.Fatalf("tags %s, want %s", tagString(got), want)
				}
			}
			if err := k.tag(ctx, root, id, []iamtypes.Tag{{Key: "owner", Value: "bob"}, {Key: "team", Value: "a"}}); err != nil {
				t.Fatal(err)
			}
			if err := k.tag(ctx, root, id, []iamtypes.Tag{{Key: "TEAM", Value: "b"}}); err != nil {
				t.Fatal(err)
			}
			wantTags("[TEAM=b owner=bob]")
			if err := k.untag(ctx, root, id, []string{"team", "absent"}); err != nil {
				t.Fatal(err)
			}
			wantTags("[owner=bob]")

			ptWantError(t, k.tag(ctx, root, id, []iamtypes.Tag{{Key: "x", Value: "1"}, {Key: "X", Value: "2"}}),
				"InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
			var many []iamtypes.Tag
			for i := range 50 {
				many = append(many, iamtypes.Tag{Key: "k" + strconv.Itoa(i), Value: "v"})
			}
			ptWantError(t, k.tag(ctx, root, id, many), "LimitExceeded", "The number of tags has reached the maximum limit.")
			wantTags("[owner=bob]")

			ptWantError(t, k.tag(ctx, root, k.missing, []iamtypes.Tag{{Key: "a", Value: "1"}}), "NoSuchEntity", k.noSuch)
			ptWantError(t, k.untag(ctx, root, k.missing, []string{"a"}), "NoSuchEntity", k.noSuch)
			wantCode(t, k.tag(ctx, bob, k.missing, []iamtypes.Tag{{Key: "env", Value: "1"}}), k.missingDenied)
			wantCode(t, k.untag(ctx, bob, k.missing, []string{"env"}), k.missingDenied)

			// bob: allowed by the entity's tag and the request's keys, denied by either.
			if err := k.tag(ctx, bob, id, []iamtypes.Tag{{Key: "env", Value: "prod"}}); err != nil {
				t.Fatalf("bob tags env: %v", err)
			}
			wantCode(t, k.tag(ctx, bob, id, []iamtypes.Tag{{Key: "team", Value: "c"}}), "AccessDenied")
			wantCode(t, k.tag(ctx, bob, other, []iamtypes.Tag{{Key: "env", Value: "prod"}}), "AccessDenied")
			wantCode(t, k.untag(ctx, bob, id, []string{"team"}), "AccessDenied")
			wantCode(t, k.untag(ctx, bob, other, []string{"env"}), "AccessDenied")
			if err := k.untag(ctx, bob, id, []string{"env"}); err != nil {
				t.Fatalf("bob untags env: %v", err)
			}
			wantTags("[owner=bob]")
		})
	}
}
