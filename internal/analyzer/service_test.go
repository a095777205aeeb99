package analyzer_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/analyzer"
	"github.com/iamd-dev/iamd/internal/apitypes"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/reason"
)

// noStore runs a View with no reader: the fake IAM reads nothing.
type noStore struct{}

func (noStore) View(ctx context.Context, fn func(ctx context.Context, r store.Reader) error) error {
	return fn(ctx, nil)
}

// fakeIAM allows every action but those it denies, as IAM's Authorize words a denial.
type fakeIAM struct{ deny map[string]bool }

func (f fakeIAM) Authorize(ctx context.Context, r store.Reader, c *iam.Caller, a iam.Authorization) error {
	if f.deny[a.Action] {
		return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403,
			Message: "User: arn:aws:iam::111122223333:user/x is not authorized to perform: " + a.Action + " on resource: * because no identity-based policy allows the " + a.Action + " action"}
	}
	return nil
}

// listValidator answers n findings for every document.
type listValidator struct{ n int }

func (v listValidator) Validate(ctx context.Context, doc, policyType, resourceType string) ([]analyzer.Finding, error) {
	out := make([]analyzer.Finding, v.n)
	for i := range out {
		out[i] = analyzer.Finding{FindingDetails: "finding " + string(rune('a'+i)), FindingType: "WARNING", IssueCode: "X", LearnMoreLink: "l",
			Locations: []analyzer.Location{{Path: []analyzer.PathElement{{Value: ptr("Statement")}, {Index: ptr(i)}}, Span: analyzer.Span{End: analyzer.Position{Line: 1, Column: 3, Offset: 3}}}}}
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

func newService(t *testing.T, opts analyzer.Options, deny ...string) *analyzer.Service {
	t.Helper()
	if opts.Validator == nil {
		opts.Validator = listValidator{n: 3}
	}
	d := map[string]bool{}
	for _, a := range deny {
		d[a] = true
	}
	s, err := analyzer.New(noStore{}, fakeIAM{deny: d}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var caller = &iam.Caller{}

// checkCase is one case of testdata/checks.json, with the AWS source it rests on.
type checkCase struct {
	Name, Source, Op   string
	Existing, Policy   json.RawMessage
	Actions, Resources []string
	Result, Message    string
	Reasons            []struct {
		Description    string
		StatementIndex int
		StatementID    string `json:"statementId"`
	}
}

// TestChecksAnswerAsAWSDoes runs testdata/checks.json: each custom check answers the result, message and reasons
// (AWS's description, before iamd's witness) that the case's AWS source shows, and every FAIL's witness is a
// request object.
func TestChecksAnswerAsAWSDoes(t *testing.T) {
	b, err := os.ReadFile("testdata/checks.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []checkCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	s := newService(t, analyzer.Options{})
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var result, message string
			var reasons []aatypes.ReasonSummary
			switch tc.Op {
			case "CheckNoNewAccess":
				out, err := s.CheckNoNewAccess(context.Background(), caller, &aatypes.CheckNoNewAccessRequest{NewPolicyDocument: string(tc.Policy),
					ExistingPolicyDocument: string(tc.Existing), PolicyType: aatypes.AccessCheckPolicyTypeIDENTITYPOLICY})
				if err != nil {
					t.Fatal(err)
				}
				result, message, reasons = string(*out.Result), *out.Message, out.Reasons
			case "CheckAccessNotGranted":
				out, err := s.CheckAccessNotGranted(context.Background(), caller, &aatypes.CheckAccessNotGrantedRequest{PolicyDocument: string(tc.Policy),
					Access: []aatypes.Access{{Actions: tc.Actions, Resources: tc.Resources}}, PolicyType: aatypes.AccessCheckPolicyTypeIDENTITYPOLICY})
				if err != nil {
					t.Fatal(err)
				}
				result, message, reasons = string(*out.Result), *out.Message, out.Reasons
			default:
				t.Fatalf("unknown op %q", tc.Op)
			}
			if result != tc.Result || (tc.Message != "" && message != tc.Message) || len(reasons) != len(tc.Reasons) {
				t.Fatalf("%s %q %+v; want %s %q with %d reasons (source: %s)", result, message, reasons, tc.Result, tc.Message, len(tc.Reasons), tc.Source)
			}
			for i, want := range tc.Reasons {
				got := reasons[i]
				aws, witness, ok := strings.Cut(*got.Description, analyzer.WitnessMarker)
				var w struct{ Principal, Action, Resource string }
				if !ok || json.Unmarshal([]byte(witness), &w) != nil || w.Action == "" || w.Resource == "" {
					t.Errorf("reason %d: %q has no witness", i, *got.Description)
				}
				if aws != want.Description || got.StatementIndex == nil || int(*got.StatementIndex) != want.StatementIndex ||
					(want.StatementID != "" && (got.StatementId == nil || *got.StatementId != want.StatementID)) {
					t.Errorf("reason %d: %q index %v id %v; want %+v", i, aws, got.StatementIndex, got.StatementId, want)
				}
			}
		})
	}
}

// TestUndecidableChecksFailWithTheirReason: a check that reason cannot decide never answers PASS: a budget that
// runs out, and a policy reason does not model (a grant to a canonical user, which the engine matches to no
// caller), answer FAIL with a reason saying why. A public grant fails with its statement and a witness.
func TestUndecidableChecksFailWithTheirReason(t *testing.T) {
	ctx := context.Background()
	broad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::a*/*","Condition":{"StringLike":{"aws:PrincipalTag/team":"x*"}}}]}`
	narrow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::ab/*"}]}`
	t.Run("budget exhausted", func(t *testing.T) {
		s := newService(t, analyzer.Options{Checker: reason.New(reason.Options{Budget: 1})})
		out, err := s.CheckNoNewAccess(ctx, caller, &aatypes.CheckNoNewAccessRequest{NewPolicyDocument: broad, ExistingPolicyDocument: narrow, PolicyType: "IDENTITY_POLICY"})
		if err != nil {
			t.Fatal(err)
		}
		if *out.Result != "FAIL" || len(out.Reasons) != 1 || !strings.Contains(*out.Reasons[0].Description, "budget") {
			t.Fatalf("got %s %+v", *out.Result, out.Reasons)
		}
	})
	t.Run("a grant to a canonical user", func(t *testing.T) {
		s := newService(t, analyzer.Options{})
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
		existing := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
		out, err := s.CheckNoNewAccess(ctx, caller, &aatypes.CheckNoNewAccessRequest{NewPolicyDocument: doc, ExistingPolicyDocument: existing, PolicyType: "RESOURCE_POLICY"})
		if err != nil {
			t.Fatal(err)
		}
		if *out.Result != "FAIL" || len(out.Reasons) != 1 || !strings.Contains(*out.Reasons[0].Description, "canonical user") {
			t.Fatalf("got %s %q", *out.Result, *out.Reasons[0].Description)
		}
	})
	t.Run("public access is a FAIL with its statement and witness", func(t *testing.T) {
		s := newService(t, analyzer.Options{})
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
		out, err := s.CheckNoPublicAccess(ctx, caller, &aatypes.CheckNoPublicAccessRequest{PolicyDocument: doc, ResourceType: aatypes.AccessCheckResourceTypeAWSS3Bucket})
		if err != nil {
			t.Fatal(err)
		}
		if *out.Result != "FAIL" || *out.Message != "The resource policy grants public access for the given resource type." ||
			len(out.Reasons) != 1 || out.Reasons[0].StatementIndex == nil || *out.Reasons[0].StatementIndex != 0 ||
			!strings.Contains(*out.Reasons[0].Description, analyzer.WitnessMarker) {
			t.Fatalf("got %s %q %+v", *out.Result, *out.Message, out.Reasons)
		}
	})
}

// TestCheckNoPublicAccessProvesAPass: a key policy that names one account's root passes, through reason.
func TestCheckNoPublicAccessProvesAPass(t *testing.T) {
	s := newService(t, analyzer.Options{})
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:Decrypt","Resource":"*"}]}`
	out, err := s.CheckNoPublicAccess(context.Background(), caller, &aatypes.CheckNoPublicAccessRequest{PolicyDocument: doc, ResourceType: aatypes.AccessCheckResourceTypeAWSKMSKey})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Result != "PASS" || *out.Message != "The resource policy does not grant public access for the given resource type." || len(out.Reasons) != 0 {
		t.Fatalf("got %s %q %+v", *out.Result, *out.Message, out.Reasons)
	}
}

// TestValidatePolicyPaginatesFindings: maxResults findings at a time, with a nextToken until the last page.
func TestValidatePolicyPaginatesFindings(t *testing.T) {
	s := newService(t, analyzer.Options{Validator: listValidator{n: 5}})
	var got []string
	var next *string
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("more than 3 pages of 2")
		}
		out, err := s.ValidatePolicy(context.Background(), caller, &aatypes.ValidatePolicyRequest{PolicyDocument: "{}", PolicyType: "IDENTITY_POLICY",
			MaxResults: ptr(int32(2)), NextToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Findings {
			got = append(got, f.FindingDetails)
			if len(f.Locations) != 1 || *f.Locations[0].Path[0].Value != "Statement" || f.Locations[0].Span.End.Column != 3 {
				t.Fatalf("finding %+v", f)
			}
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if strings.Join(got, ",") != "finding a,finding b,finding c,finding d,finding e" {
		t.Fatalf("got %v", got)
	}
}

// TestInputErrorsAnswerAsAWSDoes: what the model cannot check is refused by the domain with Access Analyzer's
// errors: ValidationException (reason fieldValidationFailed, the member in fieldList through the
// *apitypes.ValidationError cause) or InvalidParameterException for a policy that does not parse, and
// AccessDeniedException (403, no resource named) for a caller IAM denies.
func TestInputErrorsAnswerAsAWSDoes(t *testing.T) {
	ctx := context.Background()
	s := newService(t, analyzer.Options{})
	ok := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	for _, tc := range []struct {
		name, code, field string
		call              func(s *analyzer.Service) error
	}{
		{"maxResults 0", "ValidationException", "maxResults", func(s *analyzer.Service) error {
			_, err := s.ValidatePolicy(ctx, caller, &aatypes.ValidatePolicyRequest{PolicyDocument: ok, PolicyType: "IDENTITY_POLICY", MaxResults: ptr(int32(0))})
			return err
		}},
		{"a token never given", "ValidationException", "nextToken", func(s *analyzer.Service) error {
			_, err := s.ValidatePolicy(ctx, caller, &aatypes.ValidatePolicyRequest{PolicyDocument: ok, PolicyType: "IDENTITY_POLICY", NextToken: ptr("nope")})
			return err
		}},
		{"a resource type for an identity policy", "ValidationException", "validatePolicyResourceType", func(s *analyzer.Service) error {
			rt := aatypes.ValidatePolicyResourceTypeAWSS3Bucket
			_, err := s.ValidatePolicy(ctx, caller, &aatypes.ValidatePolicyRequest{PolicyDocument: ok, PolicyType: "IDENTITY_POLICY", ValidatePolicyResourceType: &rt})
			return err
		}},
		{"an empty document", "ValidationException", "policyDocument", func(s *analyzer.Service) error {
			_, err := s.ValidatePolicy(ctx, caller, &aatypes.ValidatePolicyRequest{PolicyDocument: " ", PolicyType: "IDENTITY_POLICY"})
			return err
		}},
		{"a document over the bound", "ValidationException", "newPolicyDocument", func(s *analyzer.Service) error {
			_, err := s.CheckNoNewAccess(ctx, caller, &aatypes.CheckNoNewAccessRequest{NewPolicyDocument: strings.Repeat(" ", analyzer.MaxPolicyDocument) + ok,
				ExistingPolicyDocument: ok, PolicyType: "IDENTITY_POLICY"})
			return err
		}},
		{"access with neither actions nor resources", "ValidationException", "access", func(s *analyzer.Service) error {
			_, err := s.CheckAccessNotGranted(ctx, caller, &aatypes.CheckAccessNotGrantedRequest{PolicyDocument: ok, Access: []aatypes.Access{{}}, PolicyType: "IDENTITY_POLICY"})
			return err
		}},
		{"a document that does not parse", "InvalidParameterException", "", func(s *analyzer.Service) error {
			_, err := s.CheckNoNewAccess(ctx, caller, &aatypes.CheckNoNewAccessRequest{NewPolicyDocument: `{"Statement":`, ExistingPolicyDocument: ok, PolicyType: "IDENTITY_POLICY"})
			return err
		}},
		{"a denied caller", "AccessDeniedException", "", func(*analyzer.Service) error {
			_, err := newService(t, analyzer.Options{}, "access-analyzer:CheckNoPublicAccess").CheckNoPublicAccess(ctx, caller,
				&aatypes.CheckNoPublicAccessRequest{PolicyDocument: ok, ResourceType: "AWS::S3::Bucket"})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(s)
			ae, ok := awserr.As(err)
			if !ok || ae.Code != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
			var ve *apitypes.ValidationError
			switch {
			case tc.field != "" && (!errors.As(err, &ve) || ve.Violations[0].Path != tc.field || ae.Reason != "fieldValidationFailed"):
				t.Fatalf("err = %v (reason %q), want the field %s", err, ae.Reason, tc.field)
			case tc.code == "AccessDeniedException" && (ae.HTTPStatus != 403 || strings.Contains(ae.Message, "on resource")):
				t.Fatalf("denied: %d %q", ae.HTTPStatus, ae.Message)
			}
		})
	}
}
