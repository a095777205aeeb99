package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

const ptTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// ptEntity drives the attach, detach and inline-policy operations of one kind of entity, so that one table covers
// users, groups and roles.
type ptEntity struct {
	kind   string // "user", "group", "role"
	create func(t testing.TB, svc *iam.Service, root *iam.Caller, name, path string) string
	attach func(svc *iam.Service, c *iam.Caller, name, arn string) error
	detach func(svc *iam.Service, c *iam.Caller, name, arn string) error
	list   func(svc *iam.Service, c *iam.Caller, name string, prefix *string) ([]iamtypes.AttachedPolicy, error)
}

var ptEntities = []ptEntity{
	{
		kind: "user",
		create: func(t testing.TB, svc *iam.Service, root *iam.Caller, name, path string) string {
			t.Helper()
			out, err := svc.CreateUser(context.Background(), root, &iamtypes.CreateUserRequest{UserName: name, Path: &path})
			if err != nil {
				t.Fatal(err)
			}
			return out.User.UserId
		},
		attach: func(svc *iam.Service, c *iam.Caller, name, arn string) error {
			return svc.AttachUserPolicy(context.Background(), c, &iamtypes.AttachUserPolicyRequest{UserName: name, PolicyArn: arn})
		},
		detach: func(svc *iam.Service, c *iam.Caller, name, arn string) error {
			return svc.DetachUserPolicy(context.Background(), c, &iamtypes.DetachUserPolicyRequest{UserName: name, PolicyArn: arn})
		},
		list: func(svc *iam.Service, c *iam.Caller, name string, prefix *string) ([]iamtypes.AttachedPolicy, error) {
			out, err := svc.ListAttachedUserPolicies(context.Background(), c, &iamtypes.ListAttachedUserPoliciesRequest{UserName: name, PathPrefix: prefix})
			if err != nil {
				return nil, err
			}
			return out.AttachedPolicies, nil
		},
	},
	{
		kind: "group",
		create: func(t testing.TB, svc *iam.Service, root *iam.Caller, name, path string) string {
			t.Helper()
			out, err := svc.CreateGroup(context.Background(), root, &iamtypes.CreateGroupRequest{GroupName: name, Path: &path})
			if err != nil {
				t.Fatal(err)
			}
			return out.Group.GroupId
		},
		attach: func(svc *iam.Service, c *iam.Caller, name, arn string) error {
			return svc.AttachGroupPolicy(context.Background(), c, &iamtypes.AttachGroupPolicyRequest{GroupName: name, PolicyArn: arn})
		},
		detach: func(svc *iam.Service, c *iam.Caller, name, arn string) error {
			return svc.DetachGroupPolicy(context.Background(), c, &iamtypes.DetachGroupPolicyRequest{GroupName: name, PolicyArn: arn})
		},
		list: func(svc *iam.Service, c *iam.Caller, name string, prefix *string) ([]iamtypes.AttachedPolicy, error) {
			out, err := svc.ListAttachedGroupPolicies(context.Background(), c, &iamtypes.ListAttachedGroupPoliciesRequest{GroupName: name, PathPrefix: prefix})
			if err != nil {
				return nil, err
			}
			return out.AttachedPolicies, nil
		},
	},
	{
		kind: "role",
		create: func(t testing.TB, svc *iam.Service, root *iam.Caller, name, path string) string {
			t.Helper()
			out, err := svc.CreateRole(context.Background(), root, &iamtypes.CreateRoleRequest{RoleName: name, Path: &path, AssumeRolePolicyDocument: ptTrust})
			if err != nil {
				t.Fatal(err)
			}
			return out.Role.RoleId
		},
		attach: func(svc *iam.Service, c *iam.Caller, name, arn string) error {
			return svc.AttachRolePolicy(context.Background(), c, &iamtypes.AttachRolePolicyRequest{RoleName: name, PolicyArn: arn})
		},
		detach: func(svc *iam.Service, c *iam.Caller, name, arn string) error {
			return svc.DetachRolePolicy(context.Background(), c, &iamtypes.DetachRolePolicyRequest{RoleName: name, PolicyArn: arn})
		},
		list: func(svc *iam.Service, c *iam.Caller, name string, prefix *string) ([]iamtypes.AttachedPolicy, error) {
			out, err := svc.ListAttachedRolePolicies(context.Background(), c, &iamtypes.ListAttachedRolePoliciesRequest{RoleName: name, PathPrefix: prefix})
			if err != nil {
				return nil, err
			}
			return out.AttachedPolicies, nil
		},
	},
}

func ptAttachedNames(list []iamtypes.AttachedPolicy) string {
	var ns []string
	for _, p := range list {
		ns = append(ns, *p.PolicyName)
	}
	return strings.Join(ns, " ")
}

func TestAttachAndDetachManagedPolicies(t *testing.T) {
	for _, ent := range ptEntities {
		t.Run(ent.kind, func(t *testing.T) {
			ctx := context.Background()
			svc, root := newService(t)
			ent.create(t, svc, root, "Target", "/")
			local := ptCreatePolicy(t, svc, root, "Local", "/team/", ptAllow("*", "s3:GetObject"))
			const aws = "arn:aws:iam::aws:policy/ReadOnlyAccess"
			for _, arn := range []string{local, aws, local} { // attaching twice changes nothing
				if err := ent.attach(svc, root, "target", arn); err != nil {
					t.Fatal(err)
				}
			}
			list, err := ent.list(svc, root, "TARGET", nil)
			if err != nil || ptAttachedNames(list) != "Local ReadOnlyAccess" || *list[0].PolicyArn != local {
				t.Fatalf("attached: %q %v", ptAttachedNames(list), err)
			}
			if list, _ := ent.list(svc, root, "Target", str("/team/")); ptAttachedNames(list) != "Local" {
				t.Fatalf("under /team/: %q", ptAttachedNames(list))
			}
			p, err := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: local})
			if err != nil || *p.Policy.AttachmentCount != 1 {
				t.Fatalf("attachment count: %+v %v", p, err)
			}
			ents, err := svc.ListEntitiesForPolicy(ctx, root, &iamtypes.ListEntitiesForPolicyRequest{PolicyArn: aws})
			if err != nil || len(ents.PolicyUsers)+len(ents.PolicyGroups)+len(ents.PolicyRoles) != 1 {
				t.Fatalf("entities: %+v %v", ents, err)
			}
			ptWantError(t, svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: local}), "DeleteConflict", "Cannot delete a policy attached to entities.")

			if err := ent.detach(svc, root, "Target", local); err != nil {
				t.Fatal(err)
			}
			ptWantError(t, ent.detach(svc, root, "Target", local), "NoSuchEntity", "Policy "+local+" was not found.")
			if list, _ := ent.list(svc, root, "Target", nil); ptAttachedNames(list) != "ReadOnlyAccess" {
				t.Fatalf("after detach: %q", ptAttachedNames(list))
			}
			if err := svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: local}); err != nil {
				t.Fatalf("delete after detach: %v", err)
			}
		})
	}
}

func TestAttachRejects(t *testing.T) {
	for _, ent := range ptEntities {
		t.Run(ent.kind, func(t *testing.T) {
			svc, root := newService(t)
			ent.create(t, svc, root, "Target", "/")
			quota := map[string]string{"user": "PoliciesPerUser", "group": "PoliciesPerGroup", "role": "PoliciesPerRole"}[ent.kind]
			tests := []struct {
				name, entity, arn, code, message string
			}{
				{"missing customer policy", "Target", "arn:aws:iam::123456789012:policy/none", "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/none does not exist or is not attachable."},
				{"missing AWS policy", "Target", "arn:aws:iam::aws:policy/NotAPolicy", "NoSuchEntity", "Policy arn:aws:iam::aws:policy/NotAPolicy does not exist or is not attachable."},
				{"another account's policy", "Target", "arn:aws:iam::999999999999:policy/p0", "NoSuchEntity", "Policy arn:aws:iam::999999999999:policy/p0 does not exist or is not attachable."},
				{"wrong path", "Target", "arn:aws:iam::123456789012:policy/other/p0", "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/other/p0 does not exist or is not attachable."},
				{"not a policy ARN", "Target", "arn:aws:iam::123456789012:role/r", "InvalidInput", "ARN arn:aws:iam::123456789012:role/r is not valid."},
				{"service-linked role policy", "Target", "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy", "PolicyNotAttachable", "Cannot attach a Service Role Policy to a Customer Role."},
				{"missing entity", "Nobody", "arn:aws:iam::aws:policy/ReadOnlyAccess", "NoSuchEntity", fmt.Sprintf("The %s with name Nobody cannot be found.", ent.kind)},
				{"over the quota", "Target", "arn:aws:iam::123456789012:policy/p10", "LimitExceeded", "Cannot exceed quota for " + quota + ": 10"},
			}
			for i := 0; i <= 10; i++ {
				arn := ptCreatePolicy(t, svc, root, fmt.Sprintf("p%d", i), "/", ptAllow("*", "s3:GetObject"))
				if i < 10 {
					if err := ent.attach(svc, root, "Target", arn); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					ptWantError(t, ent.attach(svc, root, tt.entity, tt.arn), tt.code, tt.message)
					if list, _ := ent.list(svc, root, "Target", nil); len(list) != 10 {
						t.Fatalf("a refused attach changed the attachments: %d", len(list))
					}
				})
			}
			ptWantError(t, ent.detach(svc, root, "Nobody", "arn:aws:iam::123456789012:policy/p0"), "NoSuchEntity", fmt.Sprintf("The %s with name Nobody cannot be found.", ent.kind))
			ptWantError(t, ent.detach(svc, root, "Target", "arn:aws:iam::123456789012:policy/p10"), "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/p10 was not found.")
		})
	}
}

func TestServiceLinkedRolePermissionsAreUnmodifiable(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	out, err := svc.CreateServiceLinkedRole(ctx, root, &iamtypes.CreateServiceLinkedRoleRequest{AWSServiceName: "autoscaling.amazonaws.com"})
	if err != nil {
		t.Fatal(err)
	}
	name := out.Role.RoleName
	want := "Cannot perform the operation on the protected role '" + name + "' - this role is only modifiable by AWS"
	attached, err := svc.ListAttachedRolePolicies(ctx, root, &iamtypes.ListAttachedRolePoliciesRequest{RoleName: name})
	if err != nil {
		t.Fatal(err)
	}
	ptWantError(t, svc.AttachRolePolicy(ctx, root, &iamtypes.AttachRolePolicyRequest{RoleName: name, PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}), "UnmodifiableEntity", want)
	for _, p := range attached.AttachedPolicies {
		ptWantError(t, svc.DetachRolePolicy(ctx, root, &iamtypes.DetachRolePolicyRequest{RoleName: name, PolicyArn: *p.PolicyArn}), "UnmodifiableEntity", want)
	}
	ptWantError(t, svc.PutRolePolicy(ctx, root, &iamtypes.PutRolePolicyRequest{RoleName: name, PolicyName: "extra", PolicyDocument: ptAllow("*", "s3:*")}), "UnmodifiableEntity", want)
	ptWantError(t, svc.DeleteRolePolicy(ctx, root, &iamtypes.DeleteRolePolicyRequest{RoleName: name, PolicyName: "extra"}), "UnmodifiableEntity", want)
}

func TestListEntitiesForPolicy(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := ptCreatePolicy(t, svc, root, "Shared", "/", ptAllow("*", "s3:GetObject"))
	ids := map[string]string{}
	for _, ent := range ptEntities {
		for _, n := range []string{"a", "b"} {
			path := "/"
			if n == "b" {
				path = "/eng/"
			}
			name := ent.kind + "-" + n
			ids[name] = ent.create(t, svc, root, name, path)
			if err := ent.attach(svc, root, name, arn); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "bounded", PermissionsBoundary: &arn}); err != nil {
		t.Fatal(err)
	}
	summary := func(out *iamtypes.ListEntitiesForPolicyResponse) string {
		var parts []string
		for _, g := range out.PolicyGroups {
			parts = append(parts, "g:"+*g.GroupName)
			if *g.GroupId != ids[*g.GroupName] {
				t.Fatalf("group ID %s", *g.GroupId)
			}
		}
		for _, u := range out.PolicyUsers {
			parts = append(parts, "u:"+*u.UserName)
		}
		for _, r := range out.PolicyRoles {
			parts = append(parts, "r:"+*r.RoleName)
			if *r.RoleId != ids[*r.RoleName] {
				t.Fatalf("role ID %s", *r.RoleId)
			}
		}
		return strings.Join(parts, " ")
	}
	tests := []struct {
		name string
		in   iamtypes.ListEntitiesForPolicyRequest
		want string
	}{
		{"all", iamtypes.ListEntitiesForPolicyRequest{}, "g:group-a g:group-b u:bounded u:user-a u:user-b r:role-a r:role-b"},
		{"permissions policy", iamtypes.ListEntitiesForPolicyRequest{PolicyUsageFilter: ptrTo(iamtypes.PolicyUsageTypePermissionsPolicy)}, "g:group-a g:group-b u:user-a u:user-b r:role-a r:role-b"},
		{"boundary", iamtypes.ListEntitiesForPolicyRequest{PolicyUsageFilter: ptrTo(iamtypes.PolicyUsageTypePermissionsBoundary)}, "u:bounded"},
		{"roles", iamtypes.ListEntitiesForPolicyRequest{EntityFilter: ptrTo(iamtypes.EntityTypeRole)}, "r:role-a r:role-b"},
		{"path", iamtypes.ListEntitiesForPolicyRequest{PathPrefix: str("/eng/")}, "g:group-b u:user-b r:role-b"},
		{"local policy", iamtypes.ListEntitiesForPolicyRequest{EntityFilter: ptrTo(iamtypes.EntityTypeLocalManagedPolicy), PathPrefix: str("/eng/")}, "g:group-b u:user-b r:role-b"},
		{"AWS policy", iamtypes.ListEntitiesForPolicyRequest{EntityFilter: ptrTo(iamtypes.EntityTypeAWSManagedPolicy)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.PolicyArn = arn
			out, err := svc.ListEntitiesForPolicy(ctx, root, &tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(out); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	var pages []string
	var marker *string
	for {
		out, err := svc.ListEntitiesForPolicy(ctx, root, &iamtypes.ListEntitiesForPolicyRequest{PolicyArn: arn, MaxItems: ptrTo(int32(3)), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, summary(out))
		if !*out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if fmt.Sprint(pages) != "[g:group-a g:group-b u:bounded u:user-a u:user-b r:role-a r:role-b]" || len(pages) != 3 {
		t.Fatalf("pages %q", pages)
	}
	p, _ := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn})
	if *p.Policy.AttachmentCount != 6 || *p.Policy.PermissionsBoundaryUsageCount != 1 {
		t.Fatalf("counts %d %d", *p.Policy.AttachmentCount, *p.Policy.PermissionsBoundaryUsageCount)
	}
	_, err := svc.ListEntitiesForPolicy(ctx, root, &iamtypes.ListEntitiesForPolicyRequest{PolicyArn: "arn:aws:iam::123456789012:policy/none"})
	ptWantError(t, err, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/none was not found.")
}

func TestDeletePolicyUsedAsBoundaryConflicts(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := ptCreatePolicy(t, svc, root, "Boundary", "/", ptAllow("*", "s3:GetObject"))
	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "bounded", PermissionsBoundary: &arn}); err != nil {
		t.Fatal(err)
	}
	ptWantError(t, svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: arn}), "DeleteConflict", "Cannot delete a policy attached to entities.")
	if _, err := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn}); err != nil {
		t.Fatalf("the refused delete removed the policy: %v", err)
	}
}

func TestAttachIsAuthorizedWithThePolicyARN(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "alice")
	const readOnly, admin = "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/AdministratorAccess"

	err := svc.AttachUserPolicy(ctx, bob, &iamtypes.AttachUserPolicyRequest{UserName: "alice", PolicyArn: readOnly})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:AttachUserPolicy on resource: arn:aws:iam::123456789012:user/alice because no identity-based policy allows the iam:AttachUserPolicy action")
	_, err = svc.ListAttachedUserPolicies(ctx, bob, &iamtypes.ListAttachedUserPoliciesRequest{UserName: "alice"})
	wantCode(t, err, "AccessDenied")
	// A missing user is not revealed to a caller who may not ask.
	wantCode(t, svc.AttachUserPolicy(ctx, bob, &iamtypes.AttachUserPolicyRequest{UserName: "nobody", PolicyArn: readOnly}), "AccessDenied")

	grant := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:DetachUserPolicy"],"Resource":"arn:aws:iam::123456789012:user/*",
		 "Condition":{"ArnEquals":{"iam:PolicyARN":"` + readOnly + `"}}},
		{"Effect":"Allow","Action":"iam:ListAttachedUserPolicies","Resource":"arn:aws:iam::123456789012:user/alice"}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "delegate", PolicyDocument: grant}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AttachUserPolicy(ctx, bob, &iamtypes.AttachUserPolicyRequest{UserName: "alice", PolicyArn: readOnly}); err != nil {
		t.Fatalf("allowed attach: %v", err)
	}
	wantCode(t, svc.AttachUserPolicy(ctx, bob, &iamtypes.AttachUserPolicyRequest{UserName: "alice", PolicyArn: admin}), "AccessDenied")
	list, err := svc.ListAttachedUserPolicies(ctx, bob, &iamtypes.ListAttachedUserPoliciesRequest{UserName: "alice"})
	if err != nil || ptAttachedNames(list.AttachedPolicies) != "ReadOnlyAccess" {
		t.Fatalf("list: %+v %v", list, err)
	}
	// With permission to ask, a missing user is NoSuchEntity.
	ptWantError(t, svc.AttachUserPolicy(ctx, bob, &iamtypes.AttachUserPolicyRequest{UserName: "nobody", PolicyArn: readOnly}), "NoSuchEntity", "The user with name nobody cannot be found.")
}

func TestListAttachedPoliciesPages(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "u")
	for i := 0; i < 5; i++ {
		arn := ptCreatePolicy(t, svc, root, fmt.Sprintf("p%d", i), "/", ptAllow("*", "s3:GetObject"))
		if err := svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "u", PolicyArn: arn}); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string
	var marker *string
	for {
		out, err := svc.ListAttachedUserPolicies(ctx, root, &iamtypes.ListAttachedUserPoliciesRequest{UserName: "u", MaxItems: ptrTo(int32(2)), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ptAttachedNames(out.AttachedPolicies))
		if !*out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if fmt.Sprint(pages) != "[p0 p1 p2 p3 p4]" || len(pages) != 3 {
		t.Fatalf("pages %q", pages)
	}
}

// TestAttachedPolicyAuthorizesTheUser proves that authorization runs on what the operations store: a customer
// managed policy attached to bob lets him read users, and detaching it takes that away again.
func TestAttachedPolicyAuthorizesTheUser(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "alice")
	arn := ptCreatePolicy(t, svc, root, "ReadUsers", "/", ptAllow("arn:aws:iam::123456789012:user/*", "iam:GetUser"))

	getAlice := func() error {
		_, err := svc.GetUser(ctx, bob, &iamtypes.GetUserRequest{UserName: str("alice")})
		return err
	}
	wantCode(t, getAlice(), "AccessDenied")
	if err := svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "bob", PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	if err := getAlice(); err != nil {
		t.Fatalf("bob with the policy: %v", err)
	}
	_, err := svc.CreateUser(ctx, bob, &iamtypes.CreateUserRequest{UserName: "eve"})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::123456789012:user/eve because no identity-based policy allows the iam:CreateUser action")
	if err := svc.DetachUserPolicy(ctx, root, &iamtypes.DetachUserPolicyRequest{UserName: "bob", PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	ptWantError(t, getAlice(), "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:GetUser on resource: arn:aws:iam::123456789012:user/alice because no identity-based policy allows the iam:GetUser action")
}
