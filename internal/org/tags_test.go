package org_test

import (
	"context"
	"fmt"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

func TestTagsOnRootsOUsAccountsAndPolicies(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	ou := mustOU(t, s, root, "tagged")
	pol := mustPolicy(t, s, orgtypes.PolicyTypeSERVICECONTROLPOLICY, "p", denyCreateUser)
	for _, id := range []string{root, *ou.Id, member, pol} {
		t.Run(id[:2], func(t *testing.T) {
			if err := s.TagResource(ctx, rootOf(mgmt), &orgtypes.TagResourceRequest{ResourceId: id,
				Tags: []orgtypes.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}}}); err != nil {
				t.Fatal(err)
			}
			if err := s.TagResource(ctx, rootOf(mgmt), &orgtypes.TagResourceRequest{ResourceId: id, Tags: []orgtypes.Tag{{Key: "team", Value: "b"}}}); err != nil {
				t.Fatal(err)
			}
			if err := s.UntagResource(ctx, rootOf(mgmt), &orgtypes.UntagResourceRequest{ResourceId: id, TagKeys: []string{"env", "absent"}}); err != nil {
				t.Fatal(err)
			}
			out, err := s.ListTagsForResource(ctx, rootOf(mgmt), &orgtypes.ListTagsForResourceRequest{ResourceId: id})
			if err != nil || len(out.Tags) != 1 || out.Tags[0] != (orgtypes.Tag{Key: "team", Value: "b"}) {
				t.Fatalf("tags: %v %+v", err, out)
			}
		})
	}
	// the OU keeps its name after tagging; the policy its content
	d, err := s.DescribeOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.DescribeOrganizationalUnitRequest{OrganizationalUnitId: *ou.Id})
	if err != nil || *d.OrganizationalUnit.Name != "tagged" {
		t.Fatalf("OU after tagging: %v %+v", err, d)
	}

	fifty := make([]orgtypes.Tag, 50)
	for i := range fifty {
		fifty[i] = orgtypes.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	for _, tc := range []struct {
		name, id string
		tags     []orgtypes.Tag
		code     string
		reason   string
	}{
		{"more than 50 tags", *ou.Id, fifty, "ConstraintViolationException", "MAX_TAG_LIMIT_EXCEEDED"},
		{"a reserved aws: key", *ou.Id, []orgtypes.Tag{{Key: "aws:x", Value: "v"}}, "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER"},
		{"an unknown OU", "ou-" + root[2:] + "-zzzzzzzz", []orgtypes.Tag{{Key: "k", Value: "v"}}, "TargetNotFoundException", ""},
		{"an account outside the organization", "333333333333", []orgtypes.Tag{{Key: "k", Value: "v"}}, "TargetNotFoundException", ""},
		{"an AWS managed policy", "p-FullAWSAccess", []orgtypes.Tag{{Key: "k", Value: "v"}}, "TargetNotFoundException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.TagResource(ctx, rootOf(mgmt), &orgtypes.TagResourceRequest{ResourceId: tc.id, Tags: tc.tags})
			wantCode(t, err, tc.code)
			wantReasonOf(t, err, tc.reason)
		})
	}
	// nothing changed by the failed calls
	out, err := s.ListTagsForResource(ctx, rootOf(mgmt), &orgtypes.ListTagsForResourceRequest{ResourceId: *ou.Id})
	if err != nil || len(out.Tags) != 1 {
		t.Fatalf("tags after failures: %v %+v", err, out)
	}
	err = s.TagResource(ctx, rootOf(member), &orgtypes.TagResourceRequest{ResourceId: member, Tags: []orgtypes.Tag{{Key: "k", Value: "v"}}})
	wantCode(t, err, "AccessDeniedException")

	// tags given on create
	created, err := s.CreateOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationalUnitRequest{ParentId: root, Name: "with-tags",
		Tags: []orgtypes.Tag{{Key: "a", Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err = s.ListTagsForResource(ctx, rootOf(mgmt), &orgtypes.ListTagsForResourceRequest{ResourceId: *created.OrganizationalUnit.Id})
	if err != nil || len(out.Tags) != 1 || out.Tags[0].Key != "a" {
		t.Fatalf("tags on create: %v %+v", err, out)
	}
}
