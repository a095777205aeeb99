package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamd-dev/iamd/internal/sigv4"
)

// authorizeRaw sends one signed POST /iamd/v1/authorize with the body as given and returns the status and the
// decoded JSON answer.
func (s *testServer) authorizeRaw(t testing.TB, c creds, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/iamd/v1/authorize", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sigv4.Sign(req, []byte(body), sigv4.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, "us-east-1", "iamd", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

// TestDecisionAPISessionPoliciesByARN drives the real server: an assumed-role ARN is decided with its live
// sessions' session policies (inline and managed), and where several live sessions share the ARN the answer is the
// most restrictive one; an ARN with no live session, or a federated user's, is never allowed. On the code before
// the fix every one of these answered "allowed" by the role's own policy.
func TestDecisionAPISessionPoliciesByARN(t *testing.T) {
	ctx := context.Background()
	s, clk := startServerWithClock(t)
	cfg := s.sdkConfig(rootCreds)
	iamc := awsiam.NewFromConfig(cfg)
	mustDo := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	svc := sdkUserWithKey(t, iamc, "notes-service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)
	assumer := sdkUserWithKey(t, iamc, "assumer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	mustDo(iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("app"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)}))
	mustDo(iamc.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("rw"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}`)}))
	managed, err := iamc.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("get-only"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}

	stsc := awssts.NewFromConfig(s.sdkConfig(assumer))
	assume := func(name, sessionPolicy string, policyARNs ...string) string {
		t.Helper()
		in := &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String(name),
			DurationSeconds: aws.Int32(900)}
		if sessionPolicy != "" {
			in.Policy = aws.String(sessionPolicy)
		}
		for _, a := range policyARNs {
			in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
		}
		out, err := stsc.AssumeRole(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Credentials.AccessKeyId)
	}
	getOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	assume("s1", getOnly)
	assume("denier", `{"Version":"2012-10-17","Statement":[{"Sid":"NoPut","Effect":"Deny","Action":"s3:PutObject","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	assume("managed", "", aws.ToString(managed.Policy.Arn))
	assume("shared", "")
	narrow := assume("shared", getOnly)

	object := "arn:aws:s3:::bucket/key"
	ask := func(principal, action string) string {
		return `{"principal":"arn:aws:sts::123456789012:` + principal + `","action":"` + action + `","resource":"` + object + `"}`
	}
	tests := []authorizeCase{
		{"session policy allows only GetObject: PutObject by ARN is denied", ask("assumed-role/app/s1", "s3:PutObject"),
			map[string]any{"decision": "implicitDeny", "reason": "because no session policy allows the s3:PutObject action",
				"session": map[string]any{"liveSessions": 1}}},
		{"session policy allows GetObject by ARN", ask("assumed-role/app/s1", "s3:GetObject"),
			map[string]any{"decision": "allowed", "principal": "arn:aws:sts::123456789012:assumed-role/app/s1"}},
		{"explicit deny in the session policy", ask("assumed-role/app/denier", "s3:PutObject"),
			map[string]any{"decision": "explicitDeny", "reason": "with an explicit deny in a session policy",
				"matchedStatements": []any{map[string]any{"effect": "Deny", "layer": "session", "policy": "session-policy-1", "statementIndex": 0, "sid": "NoPut", "attachedTo": "session"}}}},
		{"managed session policy ARN", ask("assumed-role/app/managed", "s3:PutObject"),
			map[string]any{"decision": "implicitDeny", "reason": "because no session policy allows the s3:PutObject action"}},
		{"two live sessions with one ARN: the restrictive one decides", ask("assumed-role/app/shared", "s3:PutObject"),
			map[string]any{"decision": "implicitDeny", "session": map[string]any{"accessKeyId": narrow, "liveSessions": 2}}},
		{"two live sessions that both allow", ask("assumed-role/app/shared", "s3:GetObject"),
			map[string]any{"decision": "allowed", "session": map[string]any{"liveSessions": 2}}},
		{"no session ever had the ARN", ask("assumed-role/app/nobody", "s3:GetObject"),
			map[string]any{"decision": "implicitDeny", "reason": "because no live session has this assumed-role ARN (ask by accessKeyId to decide for one session)"}},
		{"a federated user by ARN", ask("federated-user/fed", "s3:GetObject"),
			map[string]any{"decision": "implicitDeny"}},
	}
	runAuthorizeCases(t, s, svc, tests)
	t.Run("expired sessions are not live", func(t *testing.T) {
		clk.advance(16 * time.Minute)
		status, out := s.authorizeRaw(t, svc, ask("assumed-role/app/s1", "s3:GetObject"))
		if status != 200 || out["decision"] != "implicitDeny" || out["session"] != nil {
			t.Fatalf("%d %v", status, out)
		}
	})
}

// TestDecisionAPIResourcePolicyMustAllow drives the real server: a KMS key policy that does not allow the principal
// denies though an identity-based policy allows (AWS KMS key policies must allow), unless the caller sets
// resourcePolicyMustAllow false; a role's trust policy must allow sts:AssumeRole by default. On the code before the
// fix both answered "allowed" by the identity-based policy alone.
func TestDecisionAPIResourcePolicyMustAllow(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	iamc := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
	svc := sdkUserWithKey(t, iamc, "notes-service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)
	sdkUserWithKey(t, iamc, "keyuser", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*","sts:AssumeRole"],"Resource":"*"}]}`)
	// role/locked trusts only the service user, not keyuser.
	if _, err := iamc.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("locked"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/notes-service"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	keyPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/notes-service"},"Action":"kms:*","Resource":"*"}]}`
	delegating := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}]}`
	const keyUser = `"principal":"arn:aws:iam::123456789012:user/keyuser"`
	tests := []authorizeCase{
		{"key policy not allowing the principal denies though identity allows",
			`{` + keyUser + `,"action":"kms:Decrypt","resource":"` + key + `","resourcePolicy":` + keyPolicy + `}`,
			map[string]any{"decision": "implicitDeny", "reason": "because no resource-based policy allows the kms:Decrypt action", "resourcePolicyMustAllow": true}},
		{"resourcePolicyMustAllow false: identity allows",
			`{` + keyUser + `,"action":"kms:Decrypt","resource":"` + key + `","resourcePolicy":` + keyPolicy + `,"resourcePolicyMustAllow":false}`,
			map[string]any{"decision": "allowed", "resourcePolicyMustAllow": false}},
		{"key policy delegating to the account",
			`{` + keyUser + `,"action":"kms:Decrypt","resource":"` + key + `","resourcePolicy":` + delegating + `}`,
			map[string]any{"decision": "allowed", "resourcePolicyMustAllow": true}},
		{"resourcePolicyMustAllow true on another service",
			`{` + keyUser + `,"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resourcePolicy":` + keyPolicy + `,"resourcePolicyMustAllow":true}`,
			map[string]any{"decision": "implicitDeny", "resourcePolicyMustAllow": true}},
		{"role trust policy must allow by default",
			`{` + keyUser + `,"action":"sts:AssumeRole","resource":"arn:aws:iam::123456789012:role/locked"}`,
			map[string]any{"decision": "implicitDeny", "reason": "because no resource-based policy allows the sts:AssumeRole action", "resourcePolicyMustAllow": true}},
		{"role trust default overridden",
			`{` + keyUser + `,"action":"sts:AssumeRole","resource":"arn:aws:iam::123456789012:role/locked","resourcePolicyMustAllow":false}`,
			map[string]any{"decision": "allowed"}},
	}
	runAuthorizeCases(t, s, svc, tests)
	t.Run("a non-boolean resourcePolicyMustAllow is a ValidationError", func(t *testing.T) {
		status, out := s.authorizeRaw(t, svc, `{`+keyUser+`,"action":"kms:Decrypt","resource":"*","resourcePolicyMustAllow":"no"}`)
		if status != 400 || out["code"] != "ValidationError" {
			t.Fatalf("%d %v", status, out)
		}
	})
}

// sdkUserWithKey creates a user with an inline policy and an access key, through aws-sdk-go-v2 as root.
func sdkUserWithKey(t *testing.T, c *awsiam.Client, name, policy string) creds {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return creds{aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)}
}

// authorizeCase is a call of /iamd/v1/authorize with the fields its 200 answer must have.
type authorizeCase struct {
	name string
	body string
	want map[string]any // fields of the 200 answer
}

// runAuthorizeCases asks each case as the service user svc, one subtest each.
func runAuthorizeCases(t *testing.T, s *testServer, svc creds, tests []authorizeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := s.authorizeRaw(t, svc, tt.body)
			if status != 200 {
				t.Fatalf("status %d: %v", status, out)
			}
			for k, want := range tt.want {
				if !subsetJSON(out[k], want) {
					t.Errorf("%s = %v, want %v (answer %v)", k, out[k], want, out)
				}
			}
		})
	}
}
