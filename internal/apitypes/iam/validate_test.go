package iamtypes

import (
	"errors"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/apitypes"
)

func ptr[T any](v T) *T { return &v }

// TestValidateSpeaksAWS: Validate's messages, checked against messages AWS returned (sources in comments).
func TestValidateSpeaksAWS(t *testing.T) {
	name65 := strings.Repeat("u", 65)
	cases := []struct {
		name string
		in   apitypes.Validator
		want string // "" when valid
	}{
		// An IAM error table quoting AWS: "1 validation error detected: Value '<userName>' at 'userName' failed to
		// satisfy constraint: Member must have length less than or equal to 64"; the same wording for roleName in
		// github.com/faizanbashir/python-ses-dynamodb-contactform/issues/4.
		{"user name longer than 64", &CreateUserRequest{UserName: name65},
			"1 validation error detected: Value '" + name65 + "' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		// Same table: "Value null at 'groupName' failed to satisfy constraint: Member must not be null".
		{"user name missing", &CreateUserRequest{},
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		// AWS prints the model's pattern verbatim (Lambda: "...pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+",
		// github.com/aarondfrancis/sidecar/issues/147), \u escapes included.
		{"path not between slashes", &CreateUserRequest{UserName: "bob", Path: ptr("team")},
			"1 validation error detected: Value 'team' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"},
		// Several violations: "2 validation errors detected: ...; ..." (DynamoDB: length then pattern on one member,
		// as in "2 validation errors detected: Value '' at 'tableName' ... length ...; Value '' at 'tableName' ... pattern ...").
		{"two errors at once", &CreateUserRequest{UserName: name65 + "!"},
			"2 validation errors detected: Value '" + name65 + "!' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; " +
				"Value '" + name65 + "!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"errors in model member order", &CreateUserRequest{Path: ptr("x")},
			"2 validation errors detected: Value 'x' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); " +
				"Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		// A tag value from IAM via the SDK: "Value 'SourceIP: ..., UserAgent: ...' at 'tags.6.member.value' failed to satisfy
		// constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*" (github.com/SWO-GS/auto-tag/issues/90).
		{"tag value with a comma", &TagUserRequest{UserName: "bob", Tags: []Tag{{Key: "a", Value: "ok"}, {Key: "b", Value: "x, y"}}},
			"1 validation error detected: Value 'x, y' at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"},
		{"empty tag value is valid", &TagUserRequest{UserName: "bob", Tags: []Tag{{Key: "a"}}}, ""},
		{"tag key missing", &TagUserRequest{UserName: "bob", Tags: []Tag{{Value: "v"}}},
			"1 validation error detected: Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"},
		{"tag list missing", &TagUserRequest{UserName: "bob"},
			"1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
		// Numeric bounds: "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
		// (github.com/aws/aws-cli/issues/5843).
		{"max items zero", &ListUsersRequest{MaxItems: ptr(int32(0))},
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"max items above 1000", &ListUsersRequest{MaxItems: ptr(int32(1001))},
			"1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		// Enums: "Value '11111' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [...]"
		// (an IAM-compatible service's test suite); AWS's own order of the set differs, see the report.
		{"assignment status not in the enum", &ListVirtualMFADevicesRequest{AssignmentStatus: ptr(AssignmentStatusType("11111"))},
			"1 validation error detected: Value '11111' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Assigned, Unassigned, Any]"},
		// Sensitive members are not echoed: "Value at 'username' failed to satisfy constraint: ..." (Cognito).
		{"password not echoed", &ChangePasswordRequest{OldPassword: "old", NewPassword: "caf\u0100"},
			"1 validation error detected: Value at 'newPassword' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"},
		{"valid request", &CreateUserRequest{UserName: "bob.smith@example.com", Path: ptr("/eng/")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
			var ve *apitypes.ValidationError
			if !errors.As(err, &ve) || ve.ErrorCode() != "ValidationError" || ve.HTTPStatus() != 400 {
				t.Errorf("error %T is not a ValidationError with status 400", err)
			}
		})
	}
}

func TestValidateListLength(t *testing.T) {
	tags := make([]Tag, 51)
	for i := range tags {
		tags[i] = Tag{Key: "k", Value: "v"}
	}
	err := (&TagUserRequest{UserName: "bob", Tags: tags}).Validate()
	if err == nil || !strings.HasPrefix(err.Error(), "1 validation error detected: Value '[{Key: k,Value: v}, ") ||
		!strings.HasSuffix(err.Error(), "' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50") {
		t.Errorf("got %v", err)
	}
}
