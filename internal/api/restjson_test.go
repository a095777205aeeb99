package api

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/aaapi"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of testdata/restjson")

// fakeAnalyzer implements Access Analyzer's four policy checks for the wire tests: each answers a fixed shape, or
// the error its input asks for.
type fakeAnalyzer struct{}

func (fakeAnalyzer) ValidatePolicy(ctx context.Context, c *iam.Caller, in *aatypes.ValidatePolicyRequest) (*aatypes.ValidatePolicyResponse, error) {
	key, idx := "Statement", int32(0)
	out := &aatypes.ValidatePolicyResponse{Findings: []aatypes.ValidatePolicyFinding{{
		FindingDetails: "Add a value to the empty string in the Sid element.", FindingType: aatypes.ValidatePolicyFindingTypeSUGGESTION,
		IssueCode: "EMPTY_SID_VALUE", LearnMoreLink: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html",
		Locations: []aatypes.Location{{Path: []aatypes.PathElement{{Value: &key}, {Index: &idx}},
			Span: &aatypes.Span{Start: &aatypes.Position{Line: 5, Column: 19, Offset: 79}, End: &aatypes.Position{Line: 5, Column: 21, Offset: 81}}}},
	}}}
	if in.MaxResults != nil {
		t := fmt.Sprintf("after-%d", *in.MaxResults)
		out.NextToken = &t
	}
	return out, nil
}

func (fakeAnalyzer) CheckNoNewAccess(ctx context.Context, c *iam.Caller, in *aatypes.CheckNoNewAccessRequest) (*aatypes.CheckNoNewAccessResponse, error) {
	switch in.NewPolicyDocument {
	case "deny":
		return nil, &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 403,
			Message: "User: arn:aws:iam::111122223333:user/x is not authorized to perform: access-analyzer:CheckNoNewAccess because no identity-based policy allows the access-analyzer:CheckNoNewAccess action"}
	case "crash":
		return nil, errors.New("the store broke")
	}
	res, msg, d, i := aatypes.CheckNoNewAccessResultFAIL, "The modified permissions grant new access compared to your existing policy.", "New access in the statement with index: 0.", int32(0)
	return &aatypes.CheckNoNewAccessResponse{Result: &res, Message: &msg, Reasons: []aatypes.ReasonSummary{{Description: &d, StatementIndex: &i}}}, nil
}

func (fakeAnalyzer) CheckAccessNotGranted(ctx context.Context, c *iam.Caller, in *aatypes.CheckAccessNotGrantedRequest) (*aatypes.CheckAccessNotGrantedResponse, error) {
	res, msg := aatypes.CheckAccessNotGrantedResultPASS, "The policy document does not grant access to perform one or more of the listed actions."
	return &aatypes.CheckAccessNotGrantedResponse{Result: &res, Message: &msg}, nil
}

func (fakeAnalyzer) CheckNoPublicAccess(ctx context.Context, c *iam.Caller, in *aatypes.CheckNoPublicAccessRequest) (*aatypes.CheckNoPublicAccessResponse, error) {
	res, msg := aatypes.CheckNoPublicAccessResultPASS, "The resource policy does not grant public access for the given resource type."
	return &aatypes.CheckNoPublicAccessResponse{Result: &res, Message: &msg}, nil
}

func newRESTHandler() *Handler {
	h := New(fakeAuth{}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	h.AddRESTJSONService(aatypes.SigningName, aaapi.Routes(), aaapi.BindTo(struct {
		aaapi.UnimplementedAccessAnalyzer
		fakeAnalyzer
	}{}, fakeAnalyzer{}))
	return h
}

// okAuth is the Authorization header fakeAuth accepts.
const okAuth = "ok"

// restCases are the golden cases of the REST-JSON protocol: each request, and the file its answer is in.
var restCases = []struct {
	name, method, target, auth, body string
}{
	{"validate_policy", "POST", "/policy/validation", okAuth, `{"policyDocument":"{}","policyType":"IDENTITY_POLICY"}`},
	{"validate_policy_max_results", "POST", "/policy/validation?maxResults=1&nextToken=x", okAuth, `{"policyDocument":"{}","policyType":"IDENTITY_POLICY"}`},
	{"max_results_not_a_number", "POST", "/policy/validation?maxResults=ten", okAuth, `{"policyDocument":"{}","policyType":"IDENTITY_POLICY"}`},
	{"check_no_new_access", "POST", "/policy/check-no-new-access", okAuth, `{"newPolicyDocument":"a","existingPolicyDocument":"b","policyType":"IDENTITY_POLICY"}`},
	{"required_member_absent", "POST", "/policy/check-no-new-access", okAuth, `{"newPolicyDocument":"a","existingPolicyDocument":"b"}`},
	{"enum_violation", "POST", "/policy/check-no-public-access", okAuth, `{"policyDocument":"{}","resourceType":"AWS::Nope::Thing"}`},
	{"two_violations", "POST", "/policy/check-access-not-granted", okAuth, `{"policyDocument":"{}","access":[{},{}],"policyType":"SESSION"}`},
	{"malformed_body", "POST", "/policy/check-no-new-access", okAuth, `{"newPolicyDocument":`},
	{"access_denied", "POST", "/policy/check-no-new-access", okAuth, `{"newPolicyDocument":"deny","existingPolicyDocument":"b","policyType":"IDENTITY_POLICY"}`},
	{"internal_error", "POST", "/policy/check-no-new-access", okAuth, `{"newPolicyDocument":"crash","existingPolicyDocument":"b","policyType":"IDENTITY_POLICY"}`},
	{"not_implemented", "GET", "/analyzer", okAuth, ``},
	{"not_implemented_with_label", "DELETE", "/analyzer/my-analyzer", okAuth, ``},
	{"unknown_path", "POST", "/policy/nope", okAuth, `{}`},
	{"method_not_allowed", "GET", "/policy/validation", okAuth, ``},
	{"unsigned", "POST", "/policy/validation", "", `{}`},
	{"bad_credentials", "POST", "/policy/validation", "bad", `{}`},
}

// TestRESTJSONProtocolGolden: the REST-JSON protocol's answers, status, headers and body, match
// testdata/restjson/NAME.golden (go test -run TestRESTJSONProtocolGolden -update rewrites them): successes with the
// operation's status and a JSON body, errors with x-amzn-ErrorType and {"message"} — ValidationException with
// its reason and fieldList — as botocore's rest-json parser reads them.
func TestRESTJSONProtocolGolden(t *testing.T) {
	h := newRESTHandler()
	for _, tc := range restCases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.restServe(rec, req)
			if rec.Header().Get("x-amzn-RequestId") == "" {
				t.Errorf("no x-amzn-RequestId")
			}
			got := restAnswer(rec)
			path := filepath.Join("testdata", "restjson", tc.name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("answer:\n%s\nwant (%s):\n%s", got, path, want)
			}
		})
	}
}

// restServe serves a test request to the handler's one REST-JSON service, as ServeHTTP does a request signed
// for it (fakeAuth's Authorization headers carry no credential scope; TestRESTJSONRoutesByCredentialScope tests
// the routing).
func (h *Handler) restServe(w http.ResponseWriter, r *http.Request) {
	h.serveREST(w, r, &h.rest[0])
}

// restAnswer is an answer as its golden file holds it: the status line, the headers clients read (sorted), and the
// body.
func restAnswer(rec *httptest.ResponseRecorder) string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d\n", rec.Code)
	var names []string
	for k := range rec.Header() {
		if k != "X-Amzn-Requestid" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&b, "%s: %s\n", k, rec.Header().Get(k))
	}
	b.WriteString("\n")
	b.WriteString(rec.Body.String())
	b.WriteString("\n")
	return b.String()
}

// TestRESTJSONRoutesByCredentialScope: ServeHTTP sends a request signed for access-analyzer to the REST-JSON
// service, one signed for another service (or for none, on a path no route has) to the query protocol.
func TestRESTJSONRoutesByCredentialScope(t *testing.T) {
	h := newRESTHandler()
	for _, tc := range []struct {
		name, path, auth string
		rest             bool
	}{
		{"signed for access-analyzer", "/policy/validation", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20250101/us-east-1/access-analyzer/aws4_request, SignedHeaders=host, Signature=00", true},
		{"signed for iam", "/", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00", false},
		{"unsigned on a route's path", "/policy/validation", "", true},
		{"unsigned elsewhere", "/", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.path, strings.NewReader("{}"))
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if got := h.restTarget(req) != nil; got != tc.rest {
				t.Fatalf("routed to REST-JSON: %v, want %v", got, tc.rest)
			}
		})
	}
}

// TestRESTJSONBusyIsThrottling: a server too busy to admit the request answers the REST-JSON services'
// ThrottlingException, 429 with Retry-After, which the SDKs retry with backoff.
func TestRESTJSONBusyIsThrottling(t *testing.T) {
	h := newRESTHandler()
	req := httptest.NewRequest("POST", "/policy/validation", strings.NewReader("{}"))
	rec := httptest.NewRecorder()
	ex := h.p.begin(req, aatypes.SigningName)
	h.p.end(rec, req, ex, restJSONProtocol{}, errBusy())
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("x-amzn-ErrorType") != "ThrottlingException" || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("got %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}
