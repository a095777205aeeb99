package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/api/orgapi"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// fakeAuth accepts requests whose Authorization header is "ok" and answers others as SigV4 would.
type fakeAuth struct{}

func (fakeAuth) VerifyFor(ctx context.Context, r *http.Request, body []byte, service string) (*sigv4.Result, error) {
	switch r.Header.Get("Authorization") {
	case "ok":
		return &sigv4.Result{AccessKeyID: "AKIAFAKE", Service: service, Region: "us-east-1",
			Identity: &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::111122223333:root", Account: "111122223333"}}}, nil
	case "":
		return nil, &sigv4.Error{Code: sigv4.CodeMissingAuthenticationToken, HTTPStatus: 403, Message: "Request is missing Authentication Token"}
	}
	return nil, &sigv4.Error{Code: sigv4.CodeInvalidClientTokenID, HTTPStatus: 403, Message: "The security token included in the request is invalid."}
}

// fakeOrg implements two Organizations operations.
type fakeOrg struct{}

func (fakeOrg) DescribeOrganization(ctx context.Context, c *iam.Caller) (*orgtypes.DescribeOrganizationResponse, error) {
	id := "o-exampleorgid"
	return &orgtypes.DescribeOrganizationResponse{Organization: &orgtypes.Organization{Id: &id, MasterAccountId: &c.Principal.Account}}, nil
}

func (fakeOrg) CreateOrganizationalUnit(ctx context.Context, c *iam.Caller, in *orgtypes.CreateOrganizationalUnitRequest) (*orgtypes.CreateOrganizationalUnitResponse, error) {
	return nil, &awserr.Error{Code: "DuplicateOrganizationalUnitException", HTTPStatus: 400, Message: "An OU with the same name already exists."}
}

// fakeOrgOps binds fakeOrg as orgapi.Bind binds the domain: its two methods, NotImplementedException for the rest.
func fakeOrgOps() []dispatch.Operation {
	return orgapi.Operations(struct {
		orgapi.UnimplementedOrganizations
		fakeOrg
	}{}, fakeOrg{})
}

func TestJSONProtocol(t *testing.T) {
	h := New(fakeAuth{}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	h.AddJSONService("organizations", orgtypes.TargetPrefix, fakeOrgOps())
	cases := []struct {
		name, target, auth, body string
		status                   int
		want                     map[string]string
	}{
		{"operation with no input", "AWSOrganizationsV20161128.DescribeOrganization", "ok", "{}", 200, nil},
		{"domain error", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok", `{"ParentId":"r-ab12","Name":"prod"}`, 400,
			map[string]string{"__type": "DuplicateOrganizationalUnitException", "Message": "An OU with the same name already exists."}},
		{"model validation", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok", `{"ParentId":"r-ab12"}`, 400,
			map[string]string{"__type": "InvalidInputException", "Reason": "INPUT_REQUIRED"}},
		{"a tag without Value", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok",
			`{"ParentId":"r-ab12","Name":"prod","Tags":[{"Key":"a","Value":""},{"Key":"b"}]}`, 400,
			map[string]string{"__type": "InvalidInputException", "Reason": "INPUT_REQUIRED",
				"Message": "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null"}},
		{"a tag with a null Value", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok",
			`{"ParentId":"r-ab12","Name":"prod","Tags":[{"Key":"a","Value":null}]}`, 400,
			map[string]string{"__type": "InvalidInputException", "Reason": "INPUT_REQUIRED",
				"Message": "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"}},
		{"parent ID absent, not ''", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok", `{"Name":"prod"}`, 400,
			map[string]string{"__type": "InvalidInputException", "Reason": "INPUT_REQUIRED",
				"Message": "1 validation error detected: Value null at 'parentId' failed to satisfy constraint: Member must not be null"}},
		{"pattern", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok", `{"ParentId":"nope","Name":"x"}`, 400,
			map[string]string{"__type": "InvalidInputException", "Reason": "INVALID_PATTERN"}},
		{"bad JSON", "AWSOrganizationsV20161128.CreateOrganizationalUnit", "ok", `{"ParentId":`, 400,
			map[string]string{"__type": "SerializationException"}},
		{"not implemented", "AWSOrganizationsV20161128.ListRoots", "ok", `{}`, 501, map[string]string{"__type": "NotImplementedException"}},
		{"unknown operation", "AWSOrganizationsV20161128.Nope", "ok", `{}`, 400, map[string]string{"__type": "UnknownOperationException"}},
		{"unknown key", "AWSOrganizationsV20161128.DescribeOrganization", "bad", `{}`, 403, map[string]string{"__type": "UnrecognizedClientException"}},
		{"unsigned", "AWSOrganizationsV20161128.DescribeOrganization", "", `{}`, 403, map[string]string{"__type": "MissingAuthenticationTokenException"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r.Header.Set("X-Amz-Target", tc.target)
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || w.Header().Get("x-amzn-RequestId") == "" || w.Header().Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Fatalf("status %d headers %v body %s", w.Code, w.Header(), w.Body)
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %s: %v", w.Body, err)
			}
			if tc.want == nil {
				org, _ := got["Organization"].(map[string]any)
				if org["Id"] != "o-exampleorgid" || org["MasterAccountId"] != "111122223333" {
					t.Fatalf("body %s", w.Body)
				}
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("%s = %v, want %s (body %s)", k, got[k], v, w.Body)
				}
			}
		})
	}
}

// FuzzJSONProtocol feeds arbitrary targets and bodies to the JSON protocol: every answer is a JSON object with a
// request ID, and nothing but the service's own failures is a 5xx.
func FuzzJSONProtocol(f *testing.F) {
	h := New(fakeAuth{}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	h.AddJSONService("organizations", orgtypes.TargetPrefix, fakeOrgOps())
	f.Add("AWSOrganizationsV20161128.CreateOrganizationalUnit", `{"ParentId":"r-ab12","Name":"prod"}`)
	f.Add("AWSOrganizationsV20161128.DescribeOrganization", `{}`)
	f.Add("AWSOrganizationsV20161128.CreateOrganizationalUnit", `{"ParentId":12,"Name":null,"Tags":[{"Key":1}]}`)
	f.Add("Nope.Nope", `[`)
	f.Fuzz(func(t *testing.T, target, body string) {
		if target == "" {
			return // no X-Amz-Target: the query protocol's request
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Authorization", "ok")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 && w.Code != http.StatusNotImplemented {
			t.Fatalf("status %d for %q %q: %s", w.Code, target, body, w.Body)
		}
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Header().Get("x-amzn-RequestId") == "" {
			t.Fatalf("answer %q (%v) for %q %q", w.Body, err, target, body)
		}
	})
}
