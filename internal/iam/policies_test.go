package iam_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// ptAllow is a policy document allowing actions on a resource.
func ptAllow(resource string, actions ...string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["%s"],"Resource":"%s"}]}`,
		strings.Join(actions, `","`), resource)
}

// ptCreatePolicy creates a customer managed policy as root and returns its ARN.
func ptCreatePolicy(t testing.TB, svc *iam.Service, root *iam.Caller, name, path, doc string) string {
	t.Helper()
	out, err := svc.CreatePolicy(context.Background(), root, &iamtypes.CreatePolicyRequest{PolicyName: name, Path: &path, PolicyDocument: doc})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Policy.Arn
}

// ptWantError fails unless err is an AWS error with the code and exact message.
func ptWantError(t testing.TB, err error, code, message string) {
	t.Helper()
	wantCode(t, err, code)
	if got := strings.TrimPrefix(err.Error(), code+": "); got != message {
		t.Fatalf("message:\n%s\nwant\n%s", got, message)
	}
}

// ptDecode URL-decodes a document as the SDKs do.
func ptDecode(t testing.TB, doc string) string {
	t.Helper()
	s, err := url.PathUnescape(doc)
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", doc, err)
	}
	return s
}

// ptVersionIDs lists version IDs in order.
func ptVersionIDs(vs []iamtypes.PolicyVersion) string {
	var ids []string
	for _, v := range vs {
		id := *v.VersionId
		if *v.IsDefaultVersion {
			id += "*"
		}
		ids = append(ids, id)
	}
	return strings.Join(ids, " ")
}

func TestManagedPolicyLifecycle(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/a b+c*\"}]\n}"
	created, err := svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "Reader", Path: str("/eng/"), PolicyDocument: doc,
		Description: str("reads b"), Tags: []iamtypes.Tag{{Key: "team", Value: "blue"}}})
	if err != nil {
		t.Fatal(err)
	}
	p := created.Policy
	arn := "arn:aws:iam::123456789012:policy/eng/Reader"
	if *p.Arn != arn || !strings.HasPrefix(*p.PolicyId, "ANPA") || len(*p.PolicyId) != 21 || *p.DefaultVersionId != "v1" ||
		*p.AttachmentCount != 0 || *p.PermissionsBoundaryUsageCount != 0 || !*p.IsAttachable || p.Description != nil || len(p.Tags) != 1 {
		t.Fatalf("created %+v", p)
	}
	_, err = svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "READER", PolicyDocument: doc})
	ptWantError(t, err, "EntityAlreadyExists", "A policy called READER already exists. Duplicate names are not allowed.")

	got, err := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn})
	if err != nil || *got.Policy.Description != "reads b" || got.Policy.Tags[0].Value != "blue" || *got.Policy.PolicyId != *p.PolicyId {
		t.Fatalf("get: %+v %v", got, err)
	}

	v2, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:ListBucket")})
	if err != nil || *v2.PolicyVersion.VersionId != "v2" || *v2.PolicyVersion.IsDefaultVersion || v2.PolicyVersion.Document != nil {
		t.Fatalf("v2: %+v %v", v2, err)
	}
	v3, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:*"), SetAsDefault: ptrTo(true)})
	if err != nil || *v3.PolicyVersion.VersionId != "v3" || !*v3.PolicyVersion.IsDefaultVersion {
		t.Fatalf("v3: %+v %v", v3, err)
	}
	list, err := svc.ListPolicyVersions(ctx, root, &iamtypes.ListPolicyVersionsRequest{PolicyArn: arn})
	if err != nil || ptVersionIDs(list.Versions) != "v3* v2 v1" || *list.IsTruncated || list.Versions[0].Document != nil {
		t.Fatalf("versions: %s %v", ptVersionIDs(list.Versions), err)
	}
	// Paging, newest first.
	var paged []string
	var marker *string
	for {
		page, err := svc.ListPolicyVersions(ctx, root, &iamtypes.ListPolicyVersionsRequest{PolicyArn: arn, MaxItems: ptrTo(int32(2)), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ptVersionIDs(page.Versions))
		if !*page.IsTruncated {
			break
		}
		marker = page.Marker
	}
	if fmt.Sprint(paged) != "[v3* v2 v1]" {
		t.Fatalf("paged versions %v", paged)
	}

	// The document comes back URL-encoded, and decodes to exactly what was stored.
	v1, err := svc.GetPolicyVersion(ctx, root, &iamtypes.GetPolicyVersionRequest{PolicyArn: arn, VersionId: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if enc := *v1.PolicyVersion.Document; strings.ContainsAny(enc, " {\"\n+*/") || ptDecode(t, enc) != doc {
		t.Fatalf("document %q", enc)
	}
	if *v1.PolicyVersion.IsDefaultVersion {
		t.Fatal("v1 still default")
	}
	_, err = svc.GetPolicyVersion(ctx, root, &iamtypes.GetPolicyVersionRequest{PolicyArn: arn, VersionId: "v9"})
	ptWantError(t, err, "NoSuchEntity", "Policy "+arn+" version v9 does not exist or is not attachable.")

	got, err = svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn})
	if err != nil || *got.Policy.DefaultVersionId != "v3" {
		t.Fatalf("get after v3: %+v %v", got, err)
	}
	if err := svc.SetDefaultPolicyVersion(ctx, root, &iamtypes.SetDefaultPolicyVersionRequest{PolicyArn: arn, VersionId: "v1"}); err != nil {
		t.Fatal(err)
	}
	ptWantError(t, svc.SetDefaultPolicyVersion(ctx, root, &iamtypes.SetDefaultPolicyVersionRequest{PolicyArn: arn, VersionId: "v7"}),
		"NoSuchEntity", "Policy "+arn+" version v7 does not exist or is not attachable.")
	ptWantError(t, svc.DeletePolicyVersion(ctx, root, &iamtypes.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: "v1"}),
		"DeleteConflict", "Cannot delete the default version of a policy.")
	ptWantError(t, svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: arn}),
		"DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	for _, v := range []string{"v2", "v3"} {
		if err := svc.DeletePolicyVersion(ctx, root, &iamtypes.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: arn}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn})
	ptWantError(t, err, "NoSuchEntity", "Policy "+arn+" was not found.")
	ptWantError(t, svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: arn}), "NoSuchEntity", "Policy "+arn+" was not found.")
}

func ptrTo[T any](v T) *T { return &v }

func TestPolicyVersionsAreLimitedAndNeverReused(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := ptCreatePolicy(t, svc, root, "p", "/", ptAllow("*", "s3:GetObject"))
	for i := 2; i <= 5; i++ {
		if _, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:GetObject")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:GetObject")})
	ptWantError(t, err, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
	if err := svc.DeletePolicyVersion(ctx, root, &iamtypes.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: "v5"}); err != nil {
		t.Fatal(err)
	}
	v, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:GetObject")})
	if err != nil || *v.PolicyVersion.VersionId != "v6" {
		t.Fatalf("after delete: %+v %v", v, err)
	}
	list, err := svc.ListPolicyVersions(ctx, root, &iamtypes.ListPolicyVersionsRequest{PolicyArn: arn})
	if err != nil || ptVersionIDs(list.Versions) != "v6 v4 v3 v2 v1*" {
		t.Fatalf("versions %s %v", ptVersionIDs(list.Versions), err)
	}
}

func TestCreatePolicyRejectsBadInput(t *testing.T) {
	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[` +
		strings.Repeat(`"arn:aws:s3:::bucket-with-a-long-name/*",`, 160) + `"*"]}]}`
	tests := []struct {
		name    string
		in      iamtypes.CreatePolicyRequest
		code    string
		message string
	}{
		{name: "malformed document", in: iamtypes.CreatePolicyRequest{PolicyName: "p", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"`}, code: "MalformedPolicyDocument"},
		{name: "document too large", in: iamtypes.CreatePolicyRequest{PolicyName: "p", PolicyDocument: big}, code: "LimitExceeded", message: "Cannot exceed quota for PolicySize: 6144"},
		{name: "duplicate tag keys", in: iamtypes.CreatePolicyRequest{PolicyName: "p", PolicyDocument: ptAllow("*", "s3:GetObject"),
			Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "A", Value: "2"}}}, code: "InvalidInput", message: "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			svc, root := newService(t)
			_, err := svc.CreatePolicy(ctx, root, &tt.in)
			if tt.message != "" {
				ptWantError(t, err, tt.code, tt.message)
			} else {
				wantCode(t, err, tt.code)
			}
			list, err := svc.ListPolicies(ctx, root, &iamtypes.ListPoliciesRequest{Scope: ptrTo(iamtypes.PolicyScopeTypeLocal)})
			if err != nil || len(list.Policies) != 0 {
				t.Fatalf("a failed CreatePolicy left %+v %v", list, err)
			}
		})
	}
}

func TestCreatePolicyStopsAtTheAccountQuota(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	err := svc.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := 0; i < iam.MaxPoliciesPerAccount; i++ {
			name := fmt.Sprintf("filler%04d", i)
			if err := tx.Insert(ctx, &store.Entity{Account: testAccount, Kind: iam.KindPolicy, Name: name, Path: "/", ID: fmt.Sprintf("ANPAFILLER%011d", i), Data: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreatePolicy(ctx, root, &iamtypes.CreatePolicyRequest{PolicyName: "one-too-many", PolicyDocument: ptAllow("*", "s3:GetObject")})
	ptWantError(t, err, "LimitExceeded", "Cannot exceed quota for PoliciesPerAccount: 1500")
}

func TestAWSManagedPoliciesAreReadOnly(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	const arn = "arn:aws:iam::aws:policy/AdministratorAccess"
	mp, ok := svc.Catalog.ManagedPolicy(arn)
	if !ok {
		t.Fatal("catalog has no AdministratorAccess")
	}
	got, err := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	p := got.Policy
	if *p.PolicyName != "AdministratorAccess" || *p.Path != "/" || *p.DefaultVersionId != mp.DefaultVersionID || !*p.IsAttachable ||
		!strings.HasPrefix(*p.PolicyId, "ANPA") || len(*p.PolicyId) != 21 || strings.Trim(*p.PolicyId, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("AWS policy %+v", p)
	}
	again, _ := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: arn})
	if *again.Policy.PolicyId != *p.PolicyId {
		t.Fatal("AWS managed policy ID is not stable")
	}
	v, err := svc.GetPolicyVersion(ctx, root, &iamtypes.GetPolicyVersionRequest{PolicyArn: arn, VersionId: mp.DefaultVersionID})
	if err != nil || ptDecode(t, *v.PolicyVersion.Document) != string(mp.Document) || !*v.PolicyVersion.IsDefaultVersion {
		t.Fatalf("AWS policy version: %+v %v", v, err)
	}
	_, err = svc.GetPolicyVersion(ctx, root, &iamtypes.GetPolicyVersionRequest{PolicyArn: arn, VersionId: "v999"})
	wantCode(t, err, "NoSuchEntity")
	list, err := svc.ListPolicyVersions(ctx, root, &iamtypes.ListPolicyVersionsRequest{PolicyArn: arn})
	if err != nil || ptVersionIDs(list.Versions) != mp.DefaultVersionID+"*" {
		t.Fatalf("AWS policy versions: %+v %v", list, err)
	}
	_, err = svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: "arn:aws:iam::aws:policy/NoSuchPolicyAtAll"})
	ptWantError(t, err, "NoSuchEntity", "Policy arn:aws:iam::aws:policy/NoSuchPolicyAtAll was not found.")

	denied := "User: arn:aws:iam::123456789012:root is not authorized to perform: %s on resource: " + arn
	edits := []struct {
		action string
		run    func() error
	}{
		{"iam:DeletePolicy", func() error { return svc.DeletePolicy(ctx, root, &iamtypes.DeletePolicyRequest{PolicyArn: arn}) }},
		{"iam:CreatePolicyVersion", func() error {
			_, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:*")})
			return err
		}},
		{"iam:SetDefaultPolicyVersion", func() error {
			return svc.SetDefaultPolicyVersion(ctx, root, &iamtypes.SetDefaultPolicyVersionRequest{PolicyArn: arn, VersionId: "v1"})
		}},
		{"iam:DeletePolicyVersion", func() error {
			return svc.DeletePolicyVersion(ctx, root, &iamtypes.DeletePolicyVersionRequest{PolicyArn: arn, VersionId: "v1"})
		}},
		{"iam:TagPolicy", func() error {
			return svc.TagPolicy(ctx, root, &iamtypes.TagPolicyRequest{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: "k", Value: "v"}}})
		}},
		{"iam:UntagPolicy", func() error {
			return svc.UntagPolicy(ctx, root, &iamtypes.UntagPolicyRequest{PolicyArn: arn, TagKeys: []string{"k"}})
		}},
	}
	for _, e := range edits {
		t.Run(e.action, func(t *testing.T) { ptWantError(t, e.run(), "AccessDenied", fmt.Sprintf(denied, e.action)) })
	}
}

func TestListPoliciesFiltersAndPages(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	for i, path := range []string{"/", "/eng/", "/eng/", "/ops/", "/"} {
		ptCreatePolicy(t, svc, root, fmt.Sprintf("p%d", i), path, ptAllow("*", "s3:GetObject"))
	}
	bob := userCaller(t, svc, root, "bob")
	_ = bob
	if err := svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "bob", PolicyArn: "arn:aws:iam::123456789012:policy/eng/p2"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "bob", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, root, &iamtypes.CreateUserRequest{UserName: "bounded", PermissionsBoundary: str("arn:aws:iam::123456789012:policy/p4")}); err != nil {
		t.Fatal(err)
	}
	names := func(in *iamtypes.ListPoliciesRequest) string {
		t.Helper()
		out, err := svc.ListPolicies(ctx, root, in)
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, p := range out.Policies {
			ns = append(ns, *p.PolicyName)
		}
		return strings.Join(ns, " ")
	}
	local := ptrTo(iamtypes.PolicyScopeTypeLocal)
	tests := []struct {
		name string
		in   iamtypes.ListPoliciesRequest
		want string
	}{
		{"local", iamtypes.ListPoliciesRequest{Scope: local}, "p0 p1 p2 p3 p4"},
		{"local under a path", iamtypes.ListPoliciesRequest{Scope: local, PathPrefix: str("/eng/")}, "p1 p2"},
		{"only attached, all scopes", iamtypes.ListPoliciesRequest{OnlyAttached: ptrTo(true)}, "p2 ReadOnlyAccess"},
		{"only attached, AWS", iamtypes.ListPoliciesRequest{OnlyAttached: ptrTo(true), Scope: ptrTo(iamtypes.PolicyScopeTypeAWS)}, "ReadOnlyAccess"},
		{"used as boundary", iamtypes.ListPoliciesRequest{PolicyUsageFilter: ptrTo(iamtypes.PolicyUsageTypePermissionsBoundary)}, "p4"},
		{"used as permissions policy", iamtypes.ListPoliciesRequest{Scope: local, PolicyUsageFilter: ptrTo(iamtypes.PolicyUsageTypePermissionsPolicy)}, "p2"},
		{"AWS under a path", iamtypes.ListPoliciesRequest{Scope: ptrTo(iamtypes.PolicyScopeTypeAWS), PathPrefix: str("/job-function/"), MaxItems: ptrTo(int32(2))}, "AmazonODBAutonomousVmClusterAdmin AmazonODBExadataInfrastructureAdmin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(&tt.in); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	// Paging through every AWS and customer policy returns each once, in order, with counts.
	seen := map[string]bool{}
	var marker *string
	var last string
	pages := 0
	for {
		out, err := svc.ListPolicies(ctx, root, &iamtypes.ListPoliciesRequest{MaxItems: ptrTo(int32(400)), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range out.Policies {
			if seen[*p.Arn] {
				t.Fatalf("%s listed twice", *p.Arn)
			}
			seen[*p.Arn] = true
			if k := strings.ToLower(*p.PolicyName); k < last {
				t.Fatalf("%s out of order after %s", k, last)
			} else {
				last = k
			}
			if *p.Arn == "arn:aws:iam::aws:policy/ReadOnlyAccess" && *p.AttachmentCount != 1 {
				t.Fatalf("ReadOnlyAccess attachment count %d", *p.AttachmentCount)
			}
			if p.Description != nil || p.Tags != nil {
				t.Fatalf("ListPolicies returned a description or tags: %+v", p)
			}
		}
		if !*out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	live := 0
	for _, mp := range svc.Catalog.ManagedPolicies() {
		if !mp.Deprecated {
			live++
		}
	}
	if len(seen) != live+5 || pages < 2 {
		t.Fatalf("listed %d policies in %d pages, want %d", len(seen), pages, live+5)
	}
}

func TestPolicyTags(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := ptCreatePolicy(t, svc, root, "p", "/", ptAllow("*", "s3:GetObject"))
	if err := svc.TagPolicy(ctx, root, &iamtypes.TagPolicyRequest{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c", Value: "3"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.TagPolicy(ctx, root, &iamtypes.TagPolicyRequest{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: "A", Value: "one"}}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.UntagPolicy(ctx, root, &iamtypes.UntagPolicyRequest{PolicyArn: arn, TagKeys: []string{"B"}}); err != nil {
		t.Fatal(err)
	}
	first, err := svc.ListPolicyTags(ctx, root, &iamtypes.ListPolicyTagsRequest{PolicyArn: arn, MaxItems: ptrTo(int32(1))})
	if err != nil || len(first.Tags) != 1 || first.Tags[0] != (iamtypes.Tag{Key: "A", Value: "one"}) || !*first.IsTruncated {
		t.Fatalf("first page %+v %v", first, err)
	}
	rest, err := svc.ListPolicyTags(ctx, root, &iamtypes.ListPolicyTagsRequest{PolicyArn: arn, Marker: first.Marker})
	if err != nil || len(rest.Tags) != 1 || rest.Tags[0].Key != "c" || *rest.IsTruncated {
		t.Fatalf("second page %+v %v", rest, err)
	}
	var many []iamtypes.Tag
	for i := 0; i < 49; i++ {
		many = append(many, iamtypes.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	ptWantError(t, svc.TagPolicy(ctx, root, &iamtypes.TagPolicyRequest{PolicyArn: arn, Tags: many}), "LimitExceeded", "The number of tags has reached the maximum limit.")
	all, _ := svc.ListPolicyTags(ctx, root, &iamtypes.ListPolicyTagsRequest{PolicyArn: arn})
	if len(all.Tags) != 2 {
		t.Fatalf("a refused TagPolicy changed the tags: %+v", all.Tags)
	}
	ptWantError(t, svc.TagPolicy(ctx, root, &iamtypes.TagPolicyRequest{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: "x", Value: "1"}, {Key: "X", Value: "2"}}}),
		"InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	_, err = svc.ListPolicyTags(ctx, root, &iamtypes.ListPolicyTagsRequest{PolicyArn: "arn:aws:iam::123456789012:policy/none"})
	ptWantError(t, err, "NoSuchEntity", "Policy arn:aws:iam::123456789012:policy/none was not found.")
}

func TestPolicyOperationsAreAuthorized(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	team := ptCreatePolicy(t, svc, root, "team-p", "/team/", ptAllow("*", "s3:GetObject"))
	other := ptCreatePolicy(t, svc, root, "other-p", "/other/", ptAllow("*", "s3:GetObject"))
	if err := svc.TagPolicy(ctx, root, &iamtypes.TagPolicyRequest{PolicyArn: team, Tags: []iamtypes.Tag{{Key: "owner", Value: "bob"}}}); err != nil {
		t.Fatal(err)
	}
	bob := userCaller(t, svc, root, "bob")

	// Without any policy, bob is denied with AWS's message.
	_, err := svc.CreatePolicy(ctx, bob, &iamtypes.CreatePolicyRequest{PolicyName: "mine", PolicyDocument: ptAllow("*", "s3:GetObject")})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreatePolicy on resource: arn:aws:iam::123456789012:policy/mine because no identity-based policy allows the iam:CreatePolicy action")
	_, err = svc.ListPolicies(ctx, bob, &iamtypes.ListPoliciesRequest{})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:ListPolicies on resource: * because no identity-based policy allows the iam:ListPolicies action")
	// A missing policy is not revealed to a caller who may not read it.
	_, err = svc.GetPolicy(ctx, bob, &iamtypes.GetPolicyRequest{PolicyArn: "arn:aws:iam::123456789012:policy/none"})
	wantCode(t, err, "AccessDenied")

	// A narrow policy: read and version policies under /team/, tag only what bob owns, create without tags.
	grant := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:GetPolicy","iam:GetPolicyVersion","iam:CreatePolicyVersion"],"Resource":"arn:aws:iam::123456789012:policy/team/*"},
		{"Effect":"Allow","Action":"iam:UntagPolicy","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/owner":"bob"}}},
		{"Effect":"Allow","Action":"iam:CreatePolicy","Resource":"*"},
		{"Effect":"Allow","Action":"iam:GetPolicy","Resource":"arn:aws:iam::aws:policy/ReadOnlyAccess"}]}`
	if err := svc.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "bob", PolicyName: "grant", PolicyDocument: grant}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GetPolicy(ctx, bob, &iamtypes.GetPolicyRequest{PolicyArn: team}); err != nil {
		t.Fatalf("team policy: %v", err)
	}
	_, err = svc.GetPolicy(ctx, bob, &iamtypes.GetPolicyRequest{PolicyArn: other})
	wantCode(t, err, "AccessDenied")
	if _, err := svc.GetPolicy(ctx, bob, &iamtypes.GetPolicyRequest{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}); err != nil {
		t.Fatalf("AWS policy: %v", err)
	}
	_, err = svc.GetPolicy(ctx, bob, &iamtypes.GetPolicyRequest{PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess"})
	ptWantError(t, err, "AccessDenied", "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:GetPolicy on resource: arn:aws:iam::aws:policy/AdministratorAccess because no identity-based policy allows the iam:GetPolicy action")
	if _, err := svc.CreatePolicyVersion(ctx, bob, &iamtypes.CreatePolicyVersionRequest{PolicyArn: team, PolicyDocument: ptAllow("*", "s3:ListBucket")}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreatePolicyVersion(ctx, bob, &iamtypes.CreatePolicyVersionRequest{PolicyArn: other, PolicyDocument: ptAllow("*", "s3:ListBucket")})
	wantCode(t, err, "AccessDenied")
	wantCode(t, svc.UntagPolicy(ctx, bob, &iamtypes.UntagPolicyRequest{PolicyArn: other, TagKeys: []string{"owner"}}), "AccessDenied")
	if err := svc.UntagPolicy(ctx, bob, &iamtypes.UntagPolicyRequest{PolicyArn: team, TagKeys: []string{"owner"}}); err != nil {
		t.Fatalf("untag own policy: %v", err)
	}
	// Creating with tags also needs iam:TagPolicy; the refused request creates nothing.
	_, err = svc.CreatePolicy(ctx, bob, &iamtypes.CreatePolicyRequest{PolicyName: "tagged", PolicyDocument: ptAllow("*", "s3:GetObject"), Tags: []iamtypes.Tag{{Key: "k", Value: "v"}}})
	wantCode(t, err, "AccessDenied")
	_, err = svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: "arn:aws:iam::123456789012:policy/tagged"})
	wantCode(t, err, "NoSuchEntity")
	if _, err := svc.CreatePolicy(ctx, bob, &iamtypes.CreatePolicyRequest{PolicyName: "untagged", PolicyDocument: ptAllow("*", "s3:GetObject")}); err != nil {
		t.Fatal(err)
	}
	// A user's edit of an AWS managed policy is a request on AWS's resource, which nothing allows.
	_, err = svc.CreatePolicyVersion(ctx, bob, &iamtypes.CreatePolicyVersionRequest{PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess", PolicyDocument: ptAllow("*", "s3:ListBucket")})
	wantCode(t, err, "AccessDenied")
}

func TestFailedPolicyChangesChangeNothing(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	arn := ptCreatePolicy(t, svc, root, "p", "/", ptAllow("*", "s3:GetObject"))
	_, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: `{"Version":"2012-10-17","Statement":[]`, SetAsDefault: ptrTo(true)})
	wantCode(t, err, "MalformedPolicyDocument")
	list, err := svc.ListPolicyVersions(ctx, root, &iamtypes.ListPolicyVersionsRequest{PolicyArn: arn})
	if err != nil || ptVersionIDs(list.Versions) != "v1*" {
		t.Fatalf("versions after a refused CreatePolicyVersion: %s %v", ptVersionIDs(list.Versions), err)
	}
	v, err := svc.CreatePolicyVersion(ctx, root, &iamtypes.CreatePolicyVersionRequest{PolicyArn: arn, PolicyDocument: ptAllow("*", "s3:ListBucket")})
	if err != nil || *v.PolicyVersion.VersionId != "v2" {
		t.Fatalf("the refused version used up an ID: %+v %v", v, err)
	}
}

// TestPolicyDetailsAgreeWithGetPolicy checks that GetAccountAuthorizationDetails reports managed policies, AWS's
// included (whose IDs are derived, not AWS's), exactly as GetPolicy does.
func TestPolicyDetailsAgreeWithGetPolicy(t *testing.T) {
	ctx := context.Background()
	svc, root := newService(t)
	userCaller(t, svc, root, "bob")
	local := ptCreatePolicy(t, svc, root, "Local", "/", ptAllow("*", "s3:GetObject"))
	for _, arn := range []string{local, "arn:aws:iam::aws:policy/ReadOnlyAccess"} {
		if err := svc.AttachUserPolicy(ctx, root, &iamtypes.AttachUserPolicyRequest{UserName: "bob", PolicyArn: arn}); err != nil {
			t.Fatal(err)
		}
	}
	details, err := svc.GetAccountAuthorizationDetails(ctx, root, &iamtypes.GetAccountAuthorizationDetailsRequest{
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeLocalManagedPolicy, iamtypes.EntityTypeAWSManagedPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	if len(details.Policies) != 2 {
		t.Fatalf("details list %d policies", len(details.Policies))
	}
	for _, d := range details.Policies {
		p, err := svc.GetPolicy(ctx, root, &iamtypes.GetPolicyRequest{PolicyArn: *d.Arn})
		if err != nil {
			t.Fatal(err)
		}
		if *p.Policy.PolicyId != *d.PolicyId || *p.Policy.DefaultVersionId != *d.DefaultVersionId || *p.Policy.AttachmentCount != *d.AttachmentCount {
			t.Fatalf("%s: GetPolicy %s %s %d, details %s %s %d", *d.Arn, *p.Policy.PolicyId, *p.Policy.DefaultVersionId, *p.Policy.AttachmentCount,
				*d.PolicyId, *d.DefaultVersionId, *d.AttachmentCount)
		}
	}
}
