package server_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// boto3Prelude starts every boto3 script: ARGS holds the arguments the Go test passed, client() is an IAM client
// for the test server, call() turns a ClientError into data and emit() prints the result as one line of JSON.
const boto3Prelude = `
import json, os
import boto3, botocore.exceptions
from botocore.config import Config

ARGS = json.loads(ARGS_JSON)

def client(service="iam"):
    return boto3.client(service, endpoint_url=os.environ["IAMD_ENDPOINT"], region_name="us-east-1",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))

def call(fn, **kw):
    try:
        return {"ok": fn(**kw)}
    except botocore.exceptions.ClientError as e:
        return {"error": {"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", ""),
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}}

def emit(v):
    print(json.dumps(v, default=str))
`

// boto3Outcome is what call() prints: the response, or the error boto3 raised.
type boto3Outcome struct {
	OK    json.RawMessage `json:"ok"`
	Error *boto3Error     `json:"error"`
}

// boto3Error is a botocore ClientError.
type boto3Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// runBoto3 runs body (Python, after boto3Prelude) with the credentials c and args as ARGS, requires it to exit 0
// and decodes the last line it printed into out.
func (s *testServer) runBoto3(t *testing.T, c creds, args any, body string, out any) {
	t.Helper()
	a, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	lit, err := json.Marshal(string(a)) // a JSON string literal is a valid Python string literal
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := s.python(t, c, strings.Replace(boto3Prelude, "ARGS_JSON", string(lit), 1)+body)
	if code != 0 {
		t.Fatalf("python exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), out); err != nil {
		t.Fatalf("decoding the script's output: %v\n%s", err, stdout)
	}
}

// requireAllowed fails the test when the call raised an error.
func requireAllowed(t *testing.T, what string, o boto3Outcome) {
	t.Helper()
	if o.Error != nil {
		t.Fatalf("%s: %+v", what, *o.Error)
	}
}

func TestBoto3NarrowManagedPolicyAllowsOnlyWhatItNames(t *testing.T) {
	needRealClient(t, "boto3")
	t.Parallel()
	s := startServer(t)
	policy := map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Action": []any{"iam:GetUser", "iam:ListUsers"}, "Resource": "arn:aws:iam::" + account + ":user/*",
		}},
	}
	var setup struct {
		Arn, KeyID, Secret, Status, PolicyArn string
		Attached                              []string
	}
	s.runBoto3(t, rootCreds, map[string]any{"policy": policy}, `
iam = client()
u = iam.create_user(UserName="dana", Tags=[{"Key": "team", "Value": "blue"}, {"Key": "cost-center", "Value": "42"}])["User"]
k = iam.create_access_key(UserName="dana")["AccessKey"]
p = iam.create_policy(PolicyName="DanaReadUsers", PolicyDocument=json.dumps(ARGS["policy"]))["Policy"]
iam.attach_user_policy(UserName="dana", PolicyArn=p["Arn"])
attached = iam.list_attached_user_policies(UserName="dana")["AttachedPolicies"]
emit({"Arn": u["Arn"], "KeyID": k["AccessKeyId"], "Secret": k["SecretAccessKey"], "Status": k["Status"],
    "PolicyArn": p["Arn"], "Attached": [a["PolicyArn"] for a in attached]})
`, &setup)
	danaArn := "arn:aws:iam::" + account + ":user/dana"
	if setup.Arn != danaArn || !strings.HasPrefix(setup.KeyID, "AKIA") || len(setup.Secret) != 40 || setup.Status != "Active" {
		t.Fatalf("setup: %+v", setup)
	}
	if want := "arn:aws:iam::" + account + ":policy/DanaReadUsers"; setup.PolicyArn != want || !slices.Equal(setup.Attached, []string{want}) {
		t.Fatalf("policy %s attached %v", setup.PolicyArn, setup.Attached)
	}

	var dana struct {
		GetUser, GetSelf, ListUsers, CreateUser boto3Outcome
	}
	s.runBoto3(t, creds{setup.KeyID, setup.Secret}, nil, `
iam = client()
emit({"GetUser": call(iam.get_user, UserName="dana"), "GetSelf": call(iam.get_user),
    "ListUsers": call(iam.list_users), "CreateUser": call(iam.create_user, UserName="x")})
`, &dana)

	t.Run("GetUser is allowed and returns the tags", func(t *testing.T) {
		requireAllowed(t, "get_user", dana.GetUser)
		var got struct {
			User struct {
				UserName, Arn string
				Tags          []struct{ Key, Value string }
			}
		}
		if err := json.Unmarshal(dana.GetUser.OK, &got); err != nil {
			t.Fatal(err)
		}
		tags := map[string]string{}
		for _, tg := range got.User.Tags {
			tags[tg.Key] = tg.Value
		}
		if got.User.Arn != danaArn || !reflect.DeepEqual(tags, map[string]string{"team": "blue", "cost-center": "42"}) {
			t.Fatalf("get_user: %s", dana.GetUser.OK)
		}
	})
	t.Run("GetUser without a name returns the caller", func(t *testing.T) {
		requireAllowed(t, "get_user()", dana.GetSelf)
		var got struct {
			User struct{ UserName, Arn string }
		}
		if err := json.Unmarshal(dana.GetSelf.OK, &got); err != nil {
			t.Fatal(err)
		}
		if got.User.UserName != "dana" || got.User.Arn != danaArn {
			t.Fatalf("get_user(): %s", dana.GetSelf.OK)
		}
	})
	t.Run("ListUsers is allowed", func(t *testing.T) {
		requireAllowed(t, "list_users", dana.ListUsers)
		var got struct{ Users []struct{ UserName string } }
		if err := json.Unmarshal(dana.ListUsers.OK, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Users) != 1 || got.Users[0].UserName != "dana" {
			t.Fatalf("list_users: %s", dana.ListUsers.OK)
		}
	})
	t.Run("CreateUser is denied as AWS words it", func(t *testing.T) {
		want := boto3Error{
			Code:   "AccessDenied",
			Status: 403,
			Message: "User: " + danaArn + " is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::" + account +
				":user/x because no identity-based policy allows the iam:CreateUser action",
		}
		if dana.CreateUser.Error == nil || *dana.CreateUser.Error != want {
			t.Fatalf("create_user: got %+v %s\nwant %+v", dana.CreateUser.Error, dana.CreateUser.OK, want)
		}
		var after boto3Outcome
		s.runBoto3(t, rootCreds, nil, `emit(call(client().get_user, UserName="x"))`, &after)
		if after.Error == nil || after.Error.Code != "NoSuchEntity" {
			t.Fatalf("the denied CreateUser created the user: %+v %s", after.Error, after.OK)
		}
	})
}

func TestBoto3PaginatorsReturnEveryUserOnce(t *testing.T) {
	needRealClient(t, "boto3")
	t.Parallel()
	s := startServer(t)
	names := []string{"pat", "quinn", "riley", "sam", "terry"}
	var got struct {
		Pages     [][]string
		FirstTwo  []string
		NextToken string
		Rest      []string
	}
	s.runBoto3(t, rootCreds, map[string]any{"names": names}, `
iam = client()
for n in ARGS["names"]:
    iam.create_user(UserName=n)
pager = iam.get_paginator("list_users")
pages = [[u["UserName"] for u in page["Users"]] for page in pager.paginate(PaginationConfig={"PageSize": 2})]
first = pager.paginate(PaginationConfig={"MaxItems": 2, "PageSize": 2}).build_full_result()
rest = pager.paginate(PaginationConfig={"PageSize": 2, "StartingToken": first["NextToken"]}).build_full_result()
emit({"Pages": pages, "FirstTwo": [u["UserName"] for u in first["Users"]], "NextToken": first.get("NextToken", ""),
    "Rest": [u["UserName"] for u in rest["Users"]]})
`, &got)

	var sizes []int
	var all []string
	for _, p := range got.Pages {
		sizes = append(sizes, len(p))
		all = append(all, p...)
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Errorf("page sizes %v, want [2 2 1]", sizes)
	}
	slices.Sort(all)
	if !slices.Equal(all, names) {
		t.Errorf("paginated users %v, want each of %v once", all, names)
	}
	resumed := slices.Concat(got.FirstTwo, got.Rest)
	slices.Sort(resumed)
	if len(got.FirstTwo) != 2 || got.NextToken == "" || !slices.Equal(resumed, names) {
		t.Errorf("MaxItems 2 then StartingToken: first %v token %q rest %v", got.FirstTwo, got.NextToken, got.Rest)
	}
}

func TestBoto3RejectsBadCredentials(t *testing.T) {
	needRealClient(t, "boto3")
	t.Parallel()
	s := startServer(t)
	cases := []struct {
		name  string
		creds creds
		want  boto3Error
	}{
		{"a tampered secret is SignatureDoesNotMatch", creds{rootKeyID, strings.Replace(rootSecret, "w", "x", 1)}, boto3Error{
			Code: "SignatureDoesNotMatch", Status: 403,
			Message: "The request signature we calculated does not match the signature you provided. " +
				"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
		}},
		{"an unknown key is InvalidClientTokenId", creds{"AKIAUNKNOWNUNKNOWN00", rootSecret}, boto3Error{
			Code: "InvalidClientTokenId", Status: 403, Message: "The security token included in the request is invalid.",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got boto3Outcome
			s.runBoto3(t, c.creds, nil, `emit(call(client().list_users))`, &got)
			if got.Error == nil || *got.Error != c.want {
				t.Fatalf("got %+v %s\nwant %+v", got.Error, got.OK, c.want)
			}
		})
	}
}

func TestBoto3DecodesPolicyDocumentsAsSent(t *testing.T) {
	needRealClient(t, "boto3")
	t.Parallel()
	s := startServer(t)
	sent := map[string]string{
		"trust": `{"Version":"2012-10-17","Statement":[{"Sid":"Services","Effect":"Allow",
			"Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole",
			"Condition":{"StringEquals":{"sts:ExternalId":"x y&z=1+2%20"}}}]}`,
		"inline": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],
			"Resource":"arn:aws:s3:::my-bucket/home/${aws:username}/*",
			"Condition":{"StringLike":{"aws:PrincipalTag/team":["a b","c&d","ü"]},"Bool":{"aws:SecureTransport":"true"}}}]}`,
		"v1": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`,
		"v2": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"NotResource":"arn:aws:iam::` + account + `:user/*",
			"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32"]}}}]}`,
	}
	args := map[string]any{}
	for k, v := range sent {
		var doc any
		if err := json.Unmarshal([]byte(v), &doc); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		args[k] = doc
	}
	var got map[string]struct {
		Type string
		Doc  any
	}
	// The documents go as boto3 users send them: json.dumps, compact or indented.
	s.runBoto3(t, rootCreds, args, `
iam = client()
iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(ARGS["trust"], indent=2))
iam.create_user(UserName="erin")
iam.put_user_policy(UserName="erin", PolicyName="home", PolicyDocument=json.dumps(ARGS["inline"]))
arn = iam.create_policy(PolicyName="Managed", PolicyDocument=json.dumps(ARGS["v1"]))["Policy"]["Arn"]
iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(ARGS["v2"], indent=4), SetAsDefault=True)
docs = {
    "trust": iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"],
    "inline": iam.get_user_policy(UserName="erin", PolicyName="home")["PolicyDocument"],
    "v1": iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"],
    "v2": iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"],
}
emit({k: {"Type": type(v).__name__, "Doc": v} for k, v in docs.items()})
`, &got)
	for _, name := range []string{"trust", "inline", "v1", "v2"} {
		t.Run(name, func(t *testing.T) {
			g, ok := got[name]
			if !ok {
				t.Fatalf("no document: %v", got)
			}
			if g.Type != "dict" {
				t.Errorf("boto3 gave a %s, not a dict: %v", g.Type, g.Doc)
			}
			if !reflect.DeepEqual(g.Doc, args[name]) {
				t.Errorf("document\n got %v\nwant %v", g.Doc, args[name])
			}
		})
	}
}
