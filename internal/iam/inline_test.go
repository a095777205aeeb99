package iam_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
)

// ptInline drives the inline-policy operations of one kind of entity.
type ptInline struct {
	kind, maxSize string
	create        func(t testing.TB, svc *iam.Service, root *iam.Caller, name, path string) string
	put           func(svc *iam.Service, c *iam.Caller, entity, name, doc string) error
	get           func(svc *iam.Service, c *iam.Caller, entity, name string) (owner, policy, doc string, err error)
	del           func(svc *iam.Service, c *iam.Caller, entity, name string) error
	list          func(svc *iam.Service, c *iam.Caller, entity string, marker *string, max *int32) ([]string, *string, error)
}

var ptInlines = []ptInline{
	{
		kind: "user", maxSize: "2048", create: ptEntities[0].create,
		put: func(svc *iam.Service, c *iam.Caller, entity, name, doc string) error {
			return svc.PutUserPolicy(context.Background(), c, &iamtypes.PutUserPolicyRequest{UserName: entity, PolicyName: name, PolicyDocument: doc})
		},
		get: func(svc *iam.Service, c *iam.Caller, entity, name string) (string, string, string, error) {
			out, err := svc.GetUserPolicy(context.Background(), c, &iamtypes.GetUserPolicyRequest{UserName: entity, PolicyName: name})
			if err != nil {
				return "", "", "", err
			}
			return out.UserName, out.PolicyName, out.PolicyDocument, nil
		},
		del: func(svc *iam.Service, c *iam.Caller, entity, name string) error {
			return svc.DeleteUserPolicy(context.Background(), c, &iamtypes.DeleteUserPolicyRequest{UserName: entity, PolicyName: name})
		},
		list: func(svc *iam.Service, c *iam.Caller, entity string, marker *string, max *int32) ([]string, *string, error) {
			out, err := svc.ListUserPolicies(context.Background(), c, &iamtypes.ListUserPoliciesRequest{UserName: entity, Marker: marker, MaxItems: max})
			if err != nil {
				return nil, nil, err
			}
			return out.PolicyNames, out.Marker, nil
		},
	},
	{
		kind: "group", maxSize: "5120", create: ptEntities[1].create,
		put: func(svc *iam.Service, c *iam.Caller, entity, name, doc string) error {
			return svc.PutGroupPolicy(context.Background(), c, &iamtypes.PutGroupPolicyRequest{GroupName: entity, PolicyName: name, PolicyDocument: doc})
		},
		get: func(svc *iam.Service, c *iam.Caller, entity, name string) (string, string, string, error) {
			out, err := svc.GetGroupPolicy(context.Background(), c, &iamtypes.GetGroupPolicyRequest{GroupName: entity, PolicyName: name})
			if err != nil {
				return "", "", "", err
			}
			return out.GroupName, out.PolicyName, out.PolicyDocument, nil
		},
		del: func(svc *iam.Service, c *iam.Caller, entity, name string) error {
			return svc.DeleteGroupPolicy(context.Background(), c, &iamtypes.DeleteGroupPolicyRequest{GroupName: entity, PolicyName: name})
		},
		list: func(svc *iam.Service, c *iam.Caller, entity string, marker *string, max *int32) ([]string, *string, error) {
			out, err := svc.ListGroupPolicies(context.Background(), c, &iamtypes.ListGroupPoliciesRequest{GroupName: entity, Marker: marker, MaxItems: max})
			if err != nil {
				return nil, nil, err
			}
			return out.PolicyNames, out.Marker, nil
		},
	},
	{
		kind: "role", maxSize: "10240", create: ptEntities[2].create,
		put: func(svc *iam.Service, c *iam.Caller, entity, name, doc string) error {
			return svc.PutRolePolicy(context.Background(), c, &iamtypes.PutRolePolicyRequest{RoleName: entity, PolicyName: name, PolicyDocument: doc})
		},
		get: func(svc *iam.Service, c *iam.Caller, entity, name string) (string, string, string, error) {
			out, err := svc.GetRolePolicy(context.Background(), c, &iamtypes.GetRolePolicyRequest{RoleName: entity, PolicyName: name})
			if err != nil {
				return "", "", "", err
			}
			return out.RoleName, out.PolicyName, out.PolicyDocument, nil
		},
		del: func(svc *iam.Service, c *iam.Caller, entity, name string) error {
			return svc.DeleteRolePolicy(context.Background(), c, &iamtypes.DeleteRolePolicyRequest{RoleName: entity, PolicyName: name})
		},
		list: func(svc *iam.Service, c *iam.Caller, entity string, marker *string, max *int32) ([]string, *string, error) {
			out, err := svc.ListRolePolicies(context.Background(), c, &iamtypes.ListRolePoliciesRequest{RoleName: entity, Marker: marker, MaxItems: max})
			if err != nil {
				return nil, nil, err
			}
			return out.PolicyNames, out.Marker, nil
		},
	},
}

func TestInlinePolicyLifecycle(t *testing.T) {
	doc := "{\n\t\"Version\": \"2012-10-17\",\n\t\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/x y&z=1+2\"}\n}"
	for _, ent := range ptInlines {
		t.Run(ent.kind, func(t *testing.T) {
			svc, root := newService(t)
			ent.create(t, svc, root, "Owner", "/")
			for _, name := range []string{"Zeta", "alpha", "Mid"} {
				if err := ent.put(svc, root, "owner", name, doc); err != nil {
					t.Fatal(err)
				}
			}
			owner, name, got, err := ent.get(svc, root, "OWNER", "alpha")
			if err != nil || owner != "Owner" || name != "alpha" {
				t.Fatalf("get: %q %q %v", owner, name, err)
			}
			if strings.ContainsAny(got, " \n\t{\"+&=") || ptDecode(t, got) != doc {
				t.Fatalf("document %q does not decode to the stored one", got)
			}
			names, _, err := ent.list(svc, root, "Owner", nil, nil)
			if err != nil || strings.Join(names, " ") != "alpha Mid Zeta" {
				t.Fatalf("list: %v %v", names, err)
			}
			// Names compare ignoring case: putting "ALPHA" replaces alpha's document and keeps its name.
			if err := ent.put(svc, root, "Owner", "ALPHA", ptAllow("*", "s3:ListBucket")); err != nil {
				t.Fatal(err)
			}
			_, name, got, _ = ent.get(svc, root, "Owner", "Alpha")
			if name != "alpha" || ptDecode(t, got) != ptAllow("*", "s3:ListBucket") {
				t.Fatalf("replaced: %q %q", name, ptDecode(t, got))
			}
			if names, _, _ := ent.list(svc, root, "Owner", nil, nil); len(names) != 3 {
				t.Fatalf("after replace: %v", names)
			}
			if err := ent.del(svc, root, "Owner", "mid"); err != nil {
				t.Fatal(err)
			}
			_, _, _, err = ent.get(svc, root, "Owner", "Mid")
			ptWantError(t, err, "NoSuchEntity", fmt.Sprintf("The %s policy with name Mid cannot be found.", ent.kind))
			ptWantError(t, ent.del(svc, root, "Owner", "Mid"), "NoSuchEntity", fmt.Sprintf("The %s policy with name Mid cannot be found.", ent.kind))
			missing := fmt.Sprintf("The %s with name Nobody cannot be found.", ent.kind)
			ptWantError(t, ent.put(svc, root, "Nobody", "p", doc), "NoSuchEntity", missing)
			_, _, _, err = ent.get(svc, root, "Nobody", "p")
			ptWantError(t, err, "NoSuchEntity", missing)
			_, _, err = ent.list(svc, root, "Nobody", nil, nil)
			ptWantError(t, err, "NoSuchEntity", missing)
		})
	}
}

func TestInlinePoliciesShareASizeQuota(t *testing.T) {
	// A document of n non-whitespace characters, padded with whitespace that does not count.
	docOf := func(n int) string {
		base := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + `"}]}`
		return strings.Replace(base, `arn:aws:s3:::`, `arn:aws:s3:::`+strings.Repeat("a", n-len(base)), 1) + strings.Repeat(" \n", 500)
	}
	for _, ent := range ptInlines {
		t.Run(ent.kind, func(t *testing.T) {
			svc, root := newService(t)
			ent.create(t, svc, root, "Owner", "/")
			var limit int
			fmt.Sscan(ent.maxSize, &limit)
			if err := ent.put(svc, root, "Owner", "first", docOf(limit-1000)); err != nil {
				t.Fatal(err)
			}
			if err := ent.put(svc, root, "Owner", "second", docOf(1000)); err != nil {
				t.Fatalf("exactly at the quota: %v", err)
			}
			want := fmt.Sprintf("Maximum policy size of %s bytes exceeded for %s Owner", ent.maxSize, ent.kind)
			ptWantError(t, ent.put(svc, root, "owner", "third", docOf(150)), "LimitExceeded", want)
			ptWantError(t, ent.put(svc, root, "Owner", "second", docOf(1001)), "LimitExceeded", want)
			// Replacing a policy counts it at its new size.
			if err := ent.put(svc, root, "Owner", "first", docOf(limit-1150)); err != nil {
				t.Fatal(err)
			}
			if err := ent.put(svc, root, "Owner", "third", docOf(150)); err != nil {
				t.Fatalf("after shrinking: %v", err)
			}
		})
	}
}

func TestPutInlinePolicyRejectsMalformedDocuments(t *testing.T) {
	for _, ent := range ptInlines {
		t.Run(ent.kind, func(t *testing.T) {
			svc, root := newService(t)
			ent.create(t, svc, root, "Owner", "/")
			good := ptAllow("*", "s3:GetObject")
			if err := ent.put(svc, root, "Owner", "p", good); err != nil {
				t.Fatal(err)
			}
			wantCode(t, ent.put(svc, root, "Owner", "p", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`), "MalformedPolicyDocument")
			wantCode(t, ent.put(svc, root, "Owner", "q", `not json`), "MalformedPolicyDocument")
			_, _, got, err := ent.get(svc, root, "Owner", "p")
			if err != nil || ptDecode(t, got) != good {
				t.Fatalf("a refused put changed the policy: %v", err)
			}
			if names, _, _ := ent.list(svc, root, "Owner", nil, nil); len(names) != 1 {
				t.Fatalf("a refused put added a policy: %v", names)
			}
		})
	}
}

func TestListInlinePoliciesPages(t *testing.T) {
	svc, root := newService(t)
	ent := ptInlines[0]
	ent.create(t, svc, root, "Owner", "/")
	for i := 0; i < 5; i++ {
		if err := ent.put(svc, root, "Owner", fmt.Sprintf("p%d", i), ptAllow("*", "s3:GetObject")); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string
	var marker *string
	for {
		names, next, err := ent.list(svc, root, "Owner", marker, ptrTo(int32(2)))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, strings.Join(names, ","))
		if next == nil {
			break
		}
		marker = next
	}
	if fmt.Sprint(pages) != "[p0,p1 p2,p3 p4]" {
		t.Fatalf("pages %v", pages)
	}
}

func TestInlinePoliciesAreAuthorizedAndTakeEffect(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	bob := userCaller(t, svc, root, "bob")
	userCaller(t, svc, root, "alice")
	doc := ptAllow("*", "iam:ListUsers")

	err := svc.PutUserPolicy(ctx, bob, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "self", PolicyDocument: doc})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:PutUserPolicy on resource: arn:aws:iam::123456789012:user/bob because no identity-based policy allows the iam:PutUserPolicy action")
	_, err = svc.ListUsers(ctx, bob, &iamtypes.ListUsersRequest{})
	wantCode(t, err, "AccessDenied")

	// bob may edit his own inline policies only.
	grant := ptAllow("arn:aws:iam::123456789012:user/bob", "iam:PutUserPolicy", "iam:GetUserPolicy", "iam:ListUserPolicies", "iam:DeleteUserPolicy")
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "self-service", PolicyDocument: grant}); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutUserPolicy(ctx, bob, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "list", PolicyDocument: doc}); err != nil {
		t.Fatalf("own policy: %v", err)
	}
	err = svc.PutUserPolicy(ctx, bob, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "list", PolicyDocument: doc})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:PutUserPolicy on resource: arn:aws:iam::123456789012:user/alice because no identity-based policy allows the iam:PutUserPolicy action")
	if _, err := svc.GetUserPolicy(ctx, root, &iamtypes.GetUserPolicyRequest{UserName: "alice", PolicyName: "list"}); err == nil {
		t.Fatal("the denied put stored a policy")
	}
	// The policy bob put is in force for him.
	if _, err := svc.ListUsers(ctx, bob, &iamtypes.ListUsersRequest{}); err != nil {
		t.Fatalf("ListUsers with the inline policy: %v", err)
	}
	if err := svc.DeleteUserPolicy(ctx, bob, &iamtypes.DeleteUserPolicyRequest{UserName: "bob", PolicyName: "list"}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.ListUsers(ctx, bob, &iamtypes.ListUsersRequest{})
	wantCode(t, err, "AccessDenied")
	_, err = svc.GetUserPolicy(ctx, bob, &iamtypes.GetUserPolicyRequest{UserName: "alice", PolicyName: "x"})
	wantCode(t, err, "AccessDenied")
}
