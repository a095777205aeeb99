package iamapi

import (
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
)

func form(t *testing.T, s string) *awsquery.Node {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	return awsquery.ParseForm(v)
}

// TestDecodeGeneratedShapes: what botocore sends for real operations lands in the generated structs.
func TestDecodeGeneratedShapes(t *testing.T) {
	var create iamtypes.CreateUserRequest
	_, err := decodeCreateUserRequest(form(t, "Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2Fteam%2F"+
		"&Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=empty&Tags.member.2.Value="), "", &create)
	if err != nil {
		t.Fatal(err)
	}
	want := iamtypes.CreateUserRequest{UserName: "bob", Path: ptr("/team/"), Tags: []iamtypes.Tag{{Key: "env", Value: "prod"}, {Key: "empty"}}}
	if !reflect.DeepEqual(create, want) {
		t.Errorf("got %+v want %+v", create, want)
	}
	if err := create.Validate(); err != nil {
		t.Errorf("valid request fails: %v", err)
	}

	var sim iamtypes.SimulateCustomPolicyRequest
	_, err = decodeSimulateCustomPolicyRequest(form(t, "PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject"+
		"&ContextEntries.member.1.ContextKeyName=aws:username&ContextEntries.member.1.ContextKeyType=string"+
		"&ContextEntries.member.1.ContextKeyValues.member.2=b&ContextEntries.member.1.ContextKeyValues.member.1=a"), "", &sim)
	if err != nil {
		t.Fatal(err)
	}
	entry := iamtypes.ContextEntry{ContextKeyName: ptr("aws:username"), ContextKeyType: ptr(iamtypes.ContextKeyTypeEnumString),
		ContextKeyValues: []string{"a", "b"}}
	if len(sim.ContextEntries) != 1 || !reflect.DeepEqual(sim.ContextEntries[0], entry) || sim.ActionNames[0] != "s3:GetObject" {
		t.Errorf("got %+v", sim)
	}
}

// TestGeneratedCodecIsSafeForConcurrentUse: the generated functions keep no state; many requests use them at
// once (go test -race).
func TestGeneratedCodecIsSafeForConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				var in iamtypes.CreateUserRequest
				if _, err := decodeCreateUserRequest(form(t, "UserName=a&Tags.member.1.Key=k"), "", &in); err != nil {
					t.Error(err)
					return
				}
				x := awsquery.NewResponse("ListUsers", iamtypes.XMLNamespace)
				encodeListUsersResponse(x, 1, "ListUsersResult", &iamtypes.ListUsersResponse{})
				var b strings.Builder
				if err := x.WriteResponse(&b, "ListUsers", "r"); err != nil || !strings.Contains(b.String(), "<Users/>") {
					t.Errorf("%v %s", err, b.String())
					return
				}
			}
		}()
	}
	wg.Wait()
}
