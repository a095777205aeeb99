package org_test

import (
	"context"
	"regexp"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/org"
)

// newOrgWithMember returns the service with an organization of mgmt, member joined under the root, and the root ID.
func newOrgWithMember(t *testing.T) (*service, string) {
	t.Helper()
	ctx := context.Background()
	s := newOrgService(t)
	if _, err := s.CreateOrganization(ctx, rootOf(mgmt), &orgtypes.CreateOrganizationRequest{}); err != nil {
		t.Fatal(err)
	}
	if err := org.JoinForTest(ctx, s.Service, mgmt, member); err != nil {
		t.Fatal(err)
	}
	roots, err := s.ListRoots(ctx, rootOf(mgmt), &orgtypes.ListRootsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return s, *roots.Roots[0].Id
}

func mustOU(t *testing.T, s *service, parent, name string) *orgtypes.OrganizationalUnit {
	t.Helper()
	out, err := s.CreateOrganizationalUnit(context.Background(), rootOf(mgmt), &orgtypes.CreateOrganizationalUnitRequest{ParentId: parent, Name: name})
	if err != nil {
		t.Fatalf("create OU %s under %s: %v", name, parent, err)
	}
	return out.OrganizationalUnit
}

func TestCreateOrganizationalUnitNestsFiveDeepWithUniqueNames(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	ou := mustOU(t, s, root, "prod")
	if !regexp.MustCompile(`^ou-`+root[2:]+`-[a-z0-9]{8}$`).MatchString(*ou.Id) || *ou.Name != "prod" ||
		*ou.Arn != "arn:aws:organizations::"+mgmt+":ou/"+(*ou.Path)[:12]+"/"+*ou.Id {
		t.Fatalf("OU %+v", ou)
	}
	parent := ou
	for i := 2; i <= 5; i++ {
		parent = mustOU(t, s, *parent.Id, "level")
	}
	if want := regexp.MustCompile(`^o-[a-z0-9]{10}/` + root + `/(ou-[a-z0-9-]+/){5}$`); !want.MatchString(*parent.Path) {
		t.Fatalf("path %s", *parent.Path)
	}
	for _, tc := range []struct {
		name, parent, ouName, code, reason string
		caller                             string
	}{
		{"a sixth level is too deep", *parent.Id, "deep", "ConstraintViolationException", "OU_DEPTH_LIMIT_EXCEEDED", mgmt},
		{"a sibling with the same name", root, "prod", "DuplicateOrganizationalUnitException", "", mgmt},
		{"an unknown parent", "ou-" + root[2:] + "-zzzzzzzz", "x", "ParentNotFoundException", "", mgmt},
		{"an unknown root", "r-zzzz", "x", "ParentNotFoundException", "", mgmt},
		{"a member account", root, "x", "AccessDeniedException", "", member},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateOrganizationalUnit(ctx, rootOf(tc.caller), &orgtypes.CreateOrganizationalUnitRequest{ParentId: tc.parent, Name: tc.ouName})
			wantCode(t, err, tc.code)
			wantReasonOf(t, err, tc.reason)
		})
	}
	// the same name under another parent is fine
	mustOU(t, s, *ou.Id, "prod")
}

func TestOrganizationalUnitRenameDescribeListDelete(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	a := mustOU(t, s, root, "a")
	b := mustOU(t, s, root, "b")
	child := mustOU(t, s, *a.Id, "child")

	_, err := s.UpdateOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.UpdateOrganizationalUnitRequest{OrganizationalUnitId: *b.Id, Name: sref("a")})
	wantCode(t, err, "DuplicateOrganizationalUnitException")
	up, err := s.UpdateOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.UpdateOrganizationalUnitRequest{OrganizationalUnitId: *b.Id, Name: sref("bee")})
	if err != nil || *up.OrganizationalUnit.Name != "bee" {
		t.Fatalf("rename: %v %+v", err, up)
	}
	d, err := s.DescribeOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.DescribeOrganizationalUnitRequest{OrganizationalUnitId: *child.Id})
	if err != nil || *d.OrganizationalUnit.Path != *a.Path+*child.Id+"/" {
		t.Fatalf("describe: %v %+v", err, d)
	}

	list, err := s.ListOrganizationalUnitsForParent(ctx, rootOf(mgmt), &orgtypes.ListOrganizationalUnitsForParentRequest{ParentId: root, MaxResults: sref(int32(1))})
	if err != nil || len(list.OrganizationalUnits) != 1 || list.NextToken == nil {
		t.Fatalf("first page: %v %+v", err, list)
	}
	list2, err := s.ListOrganizationalUnitsForParent(ctx, rootOf(mgmt), &orgtypes.ListOrganizationalUnitsForParentRequest{ParentId: root, NextToken: list.NextToken})
	if err != nil || len(list2.OrganizationalUnits) != 1 || list2.NextToken != nil || *list2.OrganizationalUnits[0].Id == *list.OrganizationalUnits[0].Id {
		t.Fatalf("second page: %v %+v", err, list2)
	}

	children, err := s.ListChildren(ctx, rootOf(mgmt), &orgtypes.ListChildrenRequest{ParentId: root, ChildType: orgtypes.ChildTypeACCOUNT})
	if err != nil || len(children.Children) != 2 {
		t.Fatalf("accounts under the root: %v %+v", err, children)
	}
	children, err = s.ListChildren(ctx, rootOf(mgmt), &orgtypes.ListChildrenRequest{ParentId: *a.Id, ChildType: orgtypes.ChildTypeORGANIZATIONALUNIT})
	if err != nil || len(children.Children) != 1 || *children.Children[0].Id != *child.Id {
		t.Fatalf("OUs under a: %v %+v", err, children)
	}
	for _, tc := range []struct{ child, parent, typ string }{
		{*child.Id, *a.Id, "ORGANIZATIONAL_UNIT"}, {*a.Id, root, "ROOT"}, {member, root, "ROOT"},
	} {
		p, err := s.ListParents(ctx, rootOf(mgmt), &orgtypes.ListParentsRequest{ChildId: tc.child})
		if err != nil || len(p.Parents) != 1 || *p.Parents[0].Id != tc.parent || string(*p.Parents[0].Type) != tc.typ {
			t.Fatalf("parents of %s: %v %+v", tc.child, err, p)
		}
	}
	_, err = s.ListParents(ctx, rootOf(mgmt), &orgtypes.ListParentsRequest{ChildId: "333333333333"})
	wantCode(t, err, "ChildNotFoundException")

	err = s.DeleteOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.DeleteOrganizationalUnitRequest{OrganizationalUnitId: *a.Id})
	wantCode(t, err, "OrganizationalUnitNotEmptyException")
	if err := s.MoveAccount(ctx, rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: member, SourceParentId: root, DestinationParentId: *b.Id}); err != nil {
		t.Fatal(err)
	}
	err = s.DeleteOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.DeleteOrganizationalUnitRequest{OrganizationalUnitId: *b.Id})
	wantCode(t, err, "OrganizationalUnitNotEmptyException")
	for _, id := range []string{*child.Id, *a.Id} {
		if err := s.DeleteOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.DeleteOrganizationalUnitRequest{OrganizationalUnitId: id}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.DescribeOrganizationalUnit(ctx, rootOf(mgmt), &orgtypes.DescribeOrganizationalUnitRequest{OrganizationalUnitId: *a.Id})
	wantCode(t, err, "OrganizationalUnitNotFoundException")
}

func TestMoveAccountChecksSourceAndDestination(t *testing.T) {
	ctx := context.Background()
	s, root := newOrgWithMember(t)
	a := mustOU(t, s, root, "a")
	missing := "ou-" + root[2:] + "-zzzzzzzz"
	for _, tc := range []struct {
		name                  string
		account, source, dest string
		code                  string
	}{
		{"an account not in the organization", "333333333333", root, *a.Id, "AccountNotFoundException"},
		{"an unknown source", member, missing, *a.Id, "SourceParentNotFoundException"},
		{"a source that is not the account's parent", member, *a.Id, root, "SourceParentNotFoundException"},
		{"an unknown destination", member, root, missing, "DestinationParentNotFoundException"},
		{"the parent it already has", member, root, root, "DuplicateAccountException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.MoveAccount(ctx, rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: tc.account, SourceParentId: tc.source, DestinationParentId: tc.dest})
			wantCode(t, err, tc.code)
		})
	}
	if err := s.MoveAccount(ctx, rootOf(mgmt), &orgtypes.MoveAccountRequest{AccountId: member, SourceParentId: root, DestinationParentId: *a.Id}); err != nil {
		t.Fatal(err)
	}
	p, err := s.ListParents(ctx, rootOf(mgmt), &orgtypes.ListParentsRequest{ChildId: member})
	if err != nil || *p.Parents[0].Id != *a.Id {
		t.Fatalf("parents: %v %+v", err, p)
	}
}

// sref returns a pointer to v.
func sref[T any](v T) *T { return &v }
