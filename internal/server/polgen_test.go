package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamsdktypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// The broad policy of the generation round trip: all of IAM but one action, and reading the objects of a bucket
// (asked of the decision API by the role's own service).
const polgenBroad = `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iam:*","Resource":"*"},
 {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::polgen-bucket/*"},
 {"Effect":"Deny","Action":"iam:DeleteAccountPasswordPolicy","Resource":"*"}]}`

// polgenStep is one call of the round trip's workload, made as the role's session.
type polgenStep struct {
	name   string
	denied bool // the broad policy refuses it
	call   func(ctx context.Context, c polgenClients) error
}

type polgenClients struct {
	iam  *awsiam.Client
	sts  *awssts.Client
	ask  func(action, resource string) (string, error) // the decision API, asked about the session
	role string                                        // the session's ARN
}

// polgenWorkload is the workload of the round trip: calls that need one authorization, calls that need several
// (CreateRole with tags needs iam:TagRole, AddRoleToInstanceProfile iam:PassRole), more users under one path than
// policy generation keeps apart, a call that needs no permission, one a trust policy allows alone, a call the
// broad policy refuses and decision API data events.
func polgenWorkload() []polgenStep {
	var steps []polgenStep
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		steps = append(steps, polgenStep{name: "CreateUser /app/pg-" + n, call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("pg-" + n), Path: aws.String("/app/")})
			return err
		}})
	}
	return append(steps,
		polgenStep{name: "GetUser", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("pg-a")})
			return err
		}},
		polgenStep{name: "ListUsers", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.ListUsers(ctx, &awsiam.ListUsersInput{PathPrefix: aws.String("/app/")})
			return err
		}},
		polgenStep{name: "CreateRole with tags", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("pg-ec2"), Tags: []iamsdktypes.Tag{{Key: aws.String("team"), Value: aws.String("pg")}},
				AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			return err
		}},
		polgenStep{name: "CreateInstanceProfile", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: aws.String("pg-profile")})
			return err
		}},
		polgenStep{name: "AddRoleToInstanceProfile passes the role", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("pg-profile"), RoleName: aws.String("pg-ec2")})
			return err
		}},
		polgenStep{name: "GetCallerIdentity needs no permission", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.sts.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
			return err
		}},
		polgenStep{name: "AssumeRole of a role whose trust policy names the role", call: func(ctx context.Context, c polgenClients) error {
			_, err := c.sts.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + account + ":role/polgen-next"), RoleSessionName: aws.String("next")})
			return err
		}},
		polgenStep{name: "DeleteAccountPasswordPolicy is refused", denied: true, call: func(ctx context.Context, c polgenClients) error {
			_, err := c.iam.DeleteAccountPasswordPolicy(ctx, &awsiam.DeleteAccountPasswordPolicyInput{})
			return err
		}},
		polgenStep{name: "the service asks the decision API for s3:GetObject", call: func(ctx context.Context, c polgenClients) error {
			for _, key := range []string{"reports/1", "reports/2"} {
				if d, err := c.ask("s3:GetObject", "arn:aws:s3:::polgen-bucket/"+key); err != nil || d != "allowed" {
					return errors.Join(err, errors.New("decision "+d))
				}
			}
			return nil
		}},
	)
}

// TestPolicyGenerationRoundTrip is the generation round trip of issue #17: a workload of calls under a broad role
// (aws-sdk-go-v2 against the real server), a policy generated for its window with StartPolicyGeneration and
// GetGeneratedPolicy, the role's policy replaced by it and the workload replayed: nothing it allowed before is
// denied, and the generated policy grants strictly less than the broad one (CheckNoNewAccess passes one way and
// fails the other).
func TestPolicyGenerationRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	root := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
	aa := accessanalyzer.NewFromConfig(s.sdkConfig(rootCreds))
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	const roleARN = "arn:aws:iam::" + account + ":role/polgen-worker"
	must(root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("polgen-worker"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`)}))
	must(root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("polgen-worker"), PolicyName: aws.String("broad"), PolicyDocument: aws.String(polgenBroad)}))
	// A role the worker may assume by its trust policy alone, with no identity policy allowing sts:AssumeRole.
	must(root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("polgen-next"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + roleARN + `"},"Action":"sts:AssumeRole"}]}`)}))
	assumer := sdkUserWithKey(t, root, "polgen-assumer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+roleARN+`"}]}`)
	service := sdkUserWithKey(t, root, "polgen-service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}]}`)
	session := func(name string) polgenClients {
		t.Helper()
		out, err := awssts.NewFromConfig(s.sdkConfig(assumer)).AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.sdkConfig(rootCreds)
		cr := out.Credentials
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
		sessionARN := "arn:aws:sts::" + account + ":assumed-role/polgen-worker/" + name
		return polgenClients{iam: awsiam.NewFromConfig(cfg), sts: awssts.NewFromConfig(cfg), role: sessionARN,
			ask: func(action, resource string) (string, error) {
				code, ans := s.authorizeRaw(t, service, `{"principal":"`+sessionARN+`","action":"`+action+`","resource":"`+resource+`"}`)
				d, _ := ans["decision"].(string)
				if code != 200 {
					return d, fmt.Errorf("decision API answered %d", code)
				}
				return d, nil
			}}
	}
	run := func(c polgenClients, phase string) {
		t.Helper()
		for _, st := range polgenWorkload() {
			err := st.call(ctx, c)
			var ae smithy.APIError
			denied := errors.As(err, &ae) && strings.Contains(ae.ErrorCode(), "AccessDenied")
			switch {
			case st.denied && !denied:
				t.Fatalf("%s: %s: want AccessDenied, got %v", phase, st.name, err)
			case !st.denied && err != nil:
				t.Fatalf("%s: %s: %v", phase, st.name, err)
			}
		}
	}

	start := time.Now().Add(-time.Second)
	run(session("first"), "workload")

	gen, err := aa.StartPolicyGeneration(ctx, &accessanalyzer.StartPolicyGenerationInput{
		PolicyGenerationDetails: &aatypes.PolicyGenerationDetails{PrincipalArn: aws.String(roleARN)},
		CloudTrailDetails: &aatypes.CloudTrailDetails{StartTime: aws.Time(start), EndTime: aws.Time(time.Now().Add(time.Minute)),
			AccessRole: aws.String("arn:aws:iam::" + account + ":role/service-role/AccessAnalyzerMonitorServiceRole"),
			Trails:     []aatypes.Trail{{CloudTrailArn: aws.String("arn:aws:cloudtrail:us-east-1:" + account + ":trail/iamd"), AllRegions: aws.Bool(true)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := aa.GetGeneratedPolicy(ctx, &accessanalyzer.GetGeneratedPolicyInput{JobId: gen.JobId, IncludeResourcePlaceholders: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if got.JobDetails.Status != aatypes.JobStatusSucceeded || got.JobDetails.CompletedOn == nil || got.GeneratedPolicyResult == nil ||
		len(got.GeneratedPolicyResult.GeneratedPolicies) != 1 {
		t.Fatalf("job %+v result %+v", got.JobDetails, got.GeneratedPolicyResult)
	}
	props := got.GeneratedPolicyResult.Properties
	if aws.ToString(props.PrincipalArn) != roleARN || !aws.ToBool(props.IsComplete) || props.CloudTrailProperties == nil ||
		len(props.CloudTrailProperties.TrailProperties) != 1 || aws.ToString(props.CloudTrailProperties.TrailProperties[0].CloudTrailArn) != "arn:aws:cloudtrail:us-east-1:"+account+":trail/iamd" {
		t.Fatalf("properties %+v", props)
	}
	generated := aws.ToString(got.GeneratedPolicyResult.GeneratedPolicies[0].Policy)
	t.Logf("generated policy: %s", generated)
	granted := policyGrants(t, generated)
	for action, want := range map[string]string{
		"iam:CreateUser":               "arn:aws:iam::" + account + ":user/app/*", // seven users under one path
		"iam:GetUser":                  "arn:aws:iam::" + account + ":user/app/pg-a",
		"iam:ListUsers":                "arn:aws:iam::" + account + ":user/app/", // iamd authorizes ListUsers on its path prefix
		"iam:CreateRole":               "arn:aws:iam::" + account + ":role/pg-ec2",
		"iam:TagRole":                  "arn:aws:iam::" + account + ":role/pg-ec2",
		"iam:PassRole":                 "arn:aws:iam::" + account + ":role/pg-ec2",
		"iam:AddRoleToInstanceProfile": "arn:aws:iam::" + account + ":instance-profile/pg-profile",
		"s3:GetObject":                 "arn:aws:s3:::polgen-bucket/reports/1",
	} {
		if !slices.Contains(granted[action], want) {
			t.Errorf("%s: resources %q, want %s", action, granted[action], want)
		}
	}
	for _, action := range []string{"iam:DeleteAccountPasswordPolicy", "sts:GetCallerIdentity", "sts:AssumeRole"} {
		if _, ok := granted[action]; ok {
			t.Errorf("%s granted: %v", action, granted[action])
		}
	}

	t.Run("the generated policy grants strictly less than the broad one", func(t *testing.T) {
		check := func(existing, updated string) aatypes.CheckNoNewAccessResult {
			out, err := aa.CheckNoNewAccess(ctx, &accessanalyzer.CheckNoNewAccessInput{PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy,
				ExistingPolicyDocument: aws.String(existing), NewPolicyDocument: aws.String(updated)})
			if err != nil {
				t.Fatal(err)
			}
			return out.Result
		}
		if r := check(polgenBroad, generated); r != aatypes.CheckNoNewAccessResultPass {
			t.Errorf("generated vs broad: %s, want PASS", r)
		}
		if r := check(generated, polgenBroad); r != aatypes.CheckNoNewAccessResultFail {
			t.Errorf("broad vs generated: %s, want FAIL", r)
		}
	})

	t.Run("the workload replayed under the generated policy is allowed", func(t *testing.T) {
		// Undo the workload's changes as root, so that its calls make the same changes again.
		must(root.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("pg-profile"), RoleName: aws.String("pg-ec2")}))
		must(root.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: aws.String("pg-profile")}))
		must(root.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("pg-ec2")}))
		for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			must(root.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("pg-" + n)}))
		}
		must(root.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("polgen-worker"), PolicyName: aws.String("broad")}))
		must(root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("polgen-worker"), PolicyName: aws.String("generated"), PolicyDocument: aws.String(generated)}))
		c := session("replay")
		run(c, "replay")
		// What the window did not use is denied now.
		_, err := c.iam.ListRoles(ctx, &awsiam.ListRolesInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
			t.Errorf("ListRoles: %v, want AccessDenied", err)
		}
		if d, err := c.ask("s3:PutObject", "arn:aws:s3:::polgen-bucket/reports/1"); err != nil || d == "allowed" {
			t.Errorf("s3:PutObject: %s %v, want a denial", d, err)
		}
	})

	t.Run("ListPolicyGenerations lists the job, CancelPolicyGeneration leaves it succeeded", func(t *testing.T) {
		list, err := aa.ListPolicyGenerations(ctx, &accessanalyzer.ListPolicyGenerationsInput{PrincipalArn: aws.String(roleARN)})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.PolicyGenerations) != 1 || aws.ToString(list.PolicyGenerations[0].JobId) != aws.ToString(gen.JobId) ||
			list.PolicyGenerations[0].Status != aatypes.JobStatusSucceeded {
			t.Fatalf("list %+v", list.PolicyGenerations)
		}
		must(aa.CancelPolicyGeneration(ctx, &accessanalyzer.CancelPolicyGenerationInput{JobId: gen.JobId}))
		again, err := aa.GetGeneratedPolicy(ctx, &accessanalyzer.GetGeneratedPolicyInput{JobId: gen.JobId})
		if err != nil {
			t.Fatal(err)
		}
		if again.JobDetails.Status != aatypes.JobStatusSucceeded {
			t.Fatalf("status %s", again.JobDetails.Status)
		}
		// Without includeResourcePlaceholders, every action but iam:PassRole is on "*", as AWS writes it.
		star := policyGrants(t, aws.ToString(again.GeneratedPolicyResult.GeneratedPolicies[0].Policy))
		if !slices.Equal(star["iam:CreateUser"], []string{"*"}) || !slices.Equal(star["iam:PassRole"], []string{"arn:aws:iam::" + account + ":role/pg-ec2"}) {
			t.Fatalf("without resources: %v", star)
		}
	})
}

// TestPolicyGenerationRequests: Access Analyzer's answers to the requests policy generation refuses or treats
// specially, through aws-sdk-go-v2.
func TestPolicyGenerationRequests(t *testing.T) {
	ctx := context.Background()
	s := sharedServer(t, "polgen_test.go")
	aa := accessanalyzer.NewFromConfig(s.sdkConfig(rootCreds))
	root := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("polgen-requests")}); err != nil {
		t.Fatal(err)
	}
	userARN := "arn:aws:iam::" + account + ":user/polgen-requests"
	start := func(principal string, window time.Duration, token string) (*accessanalyzer.StartPolicyGenerationOutput, error) {
		in := &accessanalyzer.StartPolicyGenerationInput{PolicyGenerationDetails: &aatypes.PolicyGenerationDetails{PrincipalArn: aws.String(principal)}}
		if window > 0 {
			in.CloudTrailDetails = &aatypes.CloudTrailDetails{StartTime: aws.Time(time.Now().Add(-window)), AccessRole: aws.String("arn:aws:iam::" + account + ":role/r"),
				Trails: []aatypes.Trail{{CloudTrailArn: aws.String("arn:aws:cloudtrail:us-east-1:" + account + ":trail/iamd")}}}
		}
		if token != "" {
			in.ClientToken = aws.String(token)
		}
		return aa.StartPolicyGeneration(ctx, in)
	}
	validation := func(t *testing.T, err error) {
		t.Helper()
		var ve *aatypes.ValidationException
		if !errors.As(err, &ve) {
			t.Fatalf("err %v, want ValidationException", err)
		}
	}
	t.Run("a window of more than 90 days is a ValidationException", func(t *testing.T) {
		_, err := start(userARN, 91*24*time.Hour, "")
		validation(t, err)
	})
	t.Run("an unknown job is a ValidationException", func(t *testing.T) {
		_, err := aa.GetGeneratedPolicy(ctx, &accessanalyzer.GetGeneratedPolicyInput{JobId: aws.String("00000000-0000-4000-8000-000000000000")})
		validation(t, err)
	})
	t.Run("a principal that does not exist fails the job", func(t *testing.T) {
		out, err := start("arn:aws:iam::"+account+":role/no-such-role", time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := aa.GetGeneratedPolicy(ctx, &accessanalyzer.GetGeneratedPolicyInput{JobId: out.JobId})
		if err != nil {
			t.Fatal(err)
		}
		if got.JobDetails.Status != aatypes.JobStatusFailed || got.JobDetails.JobError == nil || got.JobDetails.JobError.Code != aatypes.JobErrorCodeResourceNotFoundError {
			t.Fatalf("job %+v", got.JobDetails)
		}
	})
	t.Run("a client token given again answers the same job", func(t *testing.T) {
		a, err := start(userARN, time.Hour, "polgen-token-1")
		if err != nil {
			t.Fatal(err)
		}
		b, err := start(userARN, time.Hour, "polgen-token-1")
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(a.JobId) != aws.ToString(b.JobId) {
			t.Fatalf("jobs %s and %s", aws.ToString(a.JobId), aws.ToString(b.JobId))
		}
	})
	t.Run("resources collapse only where the principal's policies allow the pattern", func(t *testing.T) {
		// The role may read six users by name, and reads them all: user/team/* would grant more than its policy.
		var names []string
		for i := range 6 {
			names = append(names, fmt.Sprintf(`"arn:aws:iam::%s:user/team/u%d"`, account, i))
		}
		const narrowARN = "arn:aws:iam::" + account + ":role/polgen-narrow"
		if _, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("polgen-narrow"),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
			t.Fatal(err)
		}
		if _, err := root.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("polgen-narrow"), PolicyName: aws.String("six"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":[` + strings.Join(names, ",") + `]}]}`)}); err != nil {
			t.Fatal(err)
		}
		assumer := sdkUserWithKey(t, root, "polgen-narrow-assumer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+narrowARN+`"}]}`)
		sess, err := awssts.NewFromConfig(s.sdkConfig(assumer)).AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(narrowARN), RoleSessionName: aws.String("narrow")})
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.sdkConfig(rootCreds)
		cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(sess.Credentials.AccessKeyId), aws.ToString(sess.Credentials.SecretAccessKey), aws.ToString(sess.Credentials.SessionToken))
		for i := range 6 {
			name := aws.String(fmt.Sprintf("u%d", i))
			if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: name, Path: aws.String("/team/")}); err != nil {
				t.Fatal(err)
			}
			if _, err := awsiam.NewFromConfig(cfg).GetUser(ctx, &awsiam.GetUserInput{UserName: name}); err != nil {
				t.Fatalf("GetUser %s: %v", *name, err)
			}
		}
		out, err := start(narrowARN, time.Hour, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := aa.GetGeneratedPolicy(ctx, &accessanalyzer.GetGeneratedPolicyInput{JobId: out.JobId, IncludeResourcePlaceholders: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		g := policyGrants(t, aws.ToString(got.GeneratedPolicyResult.GeneratedPolicies[0].Policy))
		if len(g["iam:GetUser"]) != 6 {
			t.Fatalf("iam:GetUser on %v, want the six users apart", g["iam:GetUser"])
		}
	})
	t.Run("a principal that used nothing gets no policy, and the list pages", func(t *testing.T) {
		out, err := start(userARN, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := aa.GetGeneratedPolicy(ctx, &accessanalyzer.GetGeneratedPolicyInput{JobId: out.JobId})
		if err != nil {
			t.Fatal(err)
		}
		if got.JobDetails.Status != aatypes.JobStatusSucceeded || len(got.GeneratedPolicyResult.GeneratedPolicies) != 0 {
			t.Fatalf("job %+v result %+v", got.JobDetails, got.GeneratedPolicyResult)
		}
		var ids []string
		p := accessanalyzer.NewListPolicyGenerationsPaginator(aa, &accessanalyzer.ListPolicyGenerationsInput{PrincipalArn: aws.String(userARN), MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range page.PolicyGenerations {
				ids = append(ids, aws.ToString(g.JobId))
			}
		}
		if len(ids) != 2 || !slices.Contains(ids, aws.ToString(out.JobId)) {
			t.Fatalf("listed %v", ids)
		}
	})
}

// policyGrants maps each action of an identity policy's Allow statements to the resources it names.
func policyGrants(t *testing.T, doc string) map[string][]string {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect   string
			Action   json.RawMessage
			Resource json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("policy %s: %v", doc, err)
	}
	list := func(raw json.RawMessage) []string {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			return []string{one}
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			t.Fatalf("policy %s: %v", doc, err)
		}
		return many
	}
	out := map[string][]string{}
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, a := range list(st.Action) {
			out[a] = append(out[a], list(st.Resource)...)
		}
	}
	return out
}

// polgenNormalizers replace the job IDs and the times of policy generation's answers.
var polgenNormalizers = []jsonNormalizer{
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`), "JOB-ID"},
	{regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`), `"TIME"`},
}

// TestGoldenPolicyGeneration pins the JSON wire format of policy generation's answers and errors: a user that
// read itself, its generated policy, the list of jobs, a cancel, and the errors of an unknown job and a window
// longer than AWS's 90 days.
func TestGoldenPolicyGeneration(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	root := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
	reader := sdkUserWithKey(t, root, "golden-reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	if _, err := awsiam.NewFromConfig(s.sdkConfig(reader)).GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("golden-reader")}); err != nil {
		t.Fatal(err)
	}
	call := func(name, method, target, body string) string {
		t.Helper()
		status, out := s.callAccessAnalyzer(t, rootCreds, method, target, body)
		goldenJSONIn(t, "accessanalyzer", polgenNormalizers, name, status, out)
		return out
	}
	user := "arn:aws:iam::" + account + ":user/golden-reader"
	out := call("StartPolicyGeneration", "PUT", "/policy/generation", `{"policyGenerationDetails":{"principalArn":"`+user+`"},"clientToken":"golden-1"}`)
	var started struct{ JobID string }
	if err := json.Unmarshal([]byte(out), &started); err != nil || started.JobID == "" {
		t.Fatalf("%s: %v", out, err)
	}
	call("GetGeneratedPolicy", "GET", "/policy/generation/"+started.JobID+"?includeResourcePlaceholders=true", "")
	call("ListPolicyGenerations", "GET", "/policy/generation?principalArn="+url.QueryEscape(user), "")
	call("CancelPolicyGeneration", "PUT", "/policy/generation/"+started.JobID, "")
	call("GetGeneratedPolicy-unknown-job", "GET", "/policy/generation/00000000-0000-4000-8000-000000000000", "")
	call("StartPolicyGeneration-window-too-long", "PUT", "/policy/generation", `{"policyGenerationDetails":{"principalArn":"`+user+`"},`+
		`"cloudTrailDetails":{"trails":[],"accessRole":"arn:aws:iam::`+account+`:role/r","startTime":"2020-01-01T00:00:00Z","endTime":"2020-06-01T00:00:00Z"}}`)
}

// TestAWSCLIPolicyGeneration runs the commands docs/policy-generation.md shows with the AWS CLI: a user reads
// itself, start-policy-generation (without cloudTrailDetails: the last 90 days of iamd's trail),
// get-generated-policy with --include-resource-placeholders, list-policy-generations.
func TestAWSCLIPolicyGeneration(t *testing.T) {
	s := sharedServer(t, "polgen_test.go")
	needRealClient(t, "aws")
	root := awsiam.NewFromConfig(s.sdkConfig(rootCreds))
	reader := sdkUserWithKey(t, root, "cli-reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	s.mustCLI(t, reader, nil, "iam", "get-user", "--user-name", "cli-reader")
	user := "arn:aws:iam::" + account + ":user/cli-reader"
	var started struct{ JobID string }
	s.mustCLI(t, rootCreds, &started, "accessanalyzer", "start-policy-generation", "--policy-generation-details", "principalArn="+user)
	var got struct {
		JobDetails            struct{ Status string }
		GeneratedPolicyResult struct {
			Properties        struct{ IsComplete bool }
			GeneratedPolicies []struct{ Policy string }
		}
	}
	s.mustCLI(t, rootCreds, &got, "accessanalyzer", "get-generated-policy", "--job-id", started.JobID, "--include-resource-placeholders")
	if got.JobDetails.Status != "SUCCEEDED" || !got.GeneratedPolicyResult.Properties.IsComplete || len(got.GeneratedPolicyResult.GeneratedPolicies) != 1 {
		t.Fatalf("answer %+v", got)
	}
	if g := policyGrants(t, got.GeneratedPolicyResult.GeneratedPolicies[0].Policy); len(g) != 1 || !slices.Equal(g["iam:GetUser"], []string{user}) {
		t.Fatalf("policy %s", got.GeneratedPolicyResult.GeneratedPolicies[0].Policy)
	}
	var list struct{ PolicyGenerations []struct{ JobID string } }
	s.mustCLI(t, rootCreds, &list, "accessanalyzer", "list-policy-generations", "--principal-arn", user)
	if len(list.PolicyGenerations) != 1 || list.PolicyGenerations[0].JobID != started.JobID {
		t.Fatalf("list %+v", list)
	}
}
