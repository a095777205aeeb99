package ststypes

import (
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestValidateSpeaksAWS(t *testing.T) {
	cases := []struct {
		name string
		in   AssumeRoleRequest
		want string
	}{
		{"valid", AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "sess", DurationSeconds: ptr(int32(900))}, ""},
		{"duration below 900", AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "sess", DurationSeconds: ptr(int32(800))},
			"1 validation error detected: Value '800' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"session name with a space", AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "my session"},
			"1 validation error detected: Value 'my session' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
		{"nothing given", AssumeRoleRequest{},
			"2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"},
		{"policy ARN too short", AssumeRoleRequest{RoleArn: "arn:aws:iam::123456789012:role/r", RoleSessionName: "sess", PolicyArns: []PolicyDescriptorType{{Arn: ptr("arn")}}},
			"1 validation error detected: Value 'arn' at 'policyArns.1.member.arn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
