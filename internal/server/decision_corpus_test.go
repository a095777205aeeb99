package server_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/corpus"
	"github.com/iamd-dev/iamd/internal/server"
)

// corpusDir is the decision corpus the engine's own tests run (package authz).
const corpusDir = "../../authz/testdata/decisions"

// corpusDerivedKeys are the condition keys that /iamd/v1/authorize derives itself (from the principal iamd holds and
// its clock) and ignores when supplied: a case that supplies one asks about a request the API cannot express.
var corpusDerivedKeys = []string{
	"aws:principalarn", "aws:principalaccount", "aws:principaltype", "aws:principalorgid", "aws:principalorgpaths",
	"aws:principalisawsservice", "aws:principalservicename", "aws:principalservicenamelist", "aws:userid",
	"aws:username", "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:tokenissuetime",
	"aws:sourceidentity", "aws:currenttime", "aws:epochtime", "aws:federatedprovider",
	"aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths",
}

// corpusClockKeys are keys the API always sets from iamd's clock: a case whose policies read one with the key absent
// from its request is about a request iamd cannot make.
var corpusClockKeys = regexp.MustCompile(`(?i)aws:(CurrentTime|EpochTime)`)

// corpusUserARN is a user ARN as the corpus writes one: arn:aws:iam::ACCOUNT:user/PATH/NAME.
var corpusUserARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):user(/(?:[^/]+/)*)([^/]+)$`)

// corpusRoleARN is a role ARN: arn:aws:iam::ACCOUNT:role/PATH/NAME.
var corpusRoleARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role(/(?:[^/]+/)*)([^/]+)$`)

// trustCase reports whether the case's resource policy is a role's trust policy (an sts:AssumeRole* action on a
// role ARN, as the corpus reads it): the API takes no trust policy in the request but decides such a request with
// the trust policy of the role iamd holds, so the test creates the role with it.
func trustCase(c *corpus.Case) bool {
	return c.Policies.Resource != nil && strings.HasPrefix(strings.ToLower(c.Action), "sts:assumerole") && corpusRoleARN.MatchString(c.Resource)
}

// corpusRootARN is an account's root user.
var corpusRootARN = regexp.MustCompile(`^arn:aws:iam::(\d{12}):root$`)

// inexpressible says why a corpus case cannot be asked through /iamd/v1/authorize (its kind, for the count of
// skipped cases), or "" when it can: the principal must be an IAM user or an account's root user that iamd holds,
// its identity-based policies and boundary those iamd stores for it, and everything else the request's own fields.
func inexpressible(c *corpus.Case) string {
	p, pol := c.Principal, c.Policies
	switch {
	case p.Service != "":
		return "service principal: the API decides for IAM principals only"
	case p.Anonymous:
		return "anonymous caller: the API decides for IAM principals only"
	case strings.Contains(p.ARN, ":assumed-role/"):
		return "role session: the API decides an assumed-role ARN for its live sessions, which a case does not create"
	case strings.Contains(p.ARN, ":federated-user/"):
		return "federated user: the API answers implicitDeny for a federated-user ARN (its session is not named)"
	case !corpusUserARN.MatchString(p.ARN) && !corpusRootARN.MatchString(p.ARN):
		return "principal ARN of another kind"
	case p.UserID != "":
		return "fixed aws:userid: iamd assigns a user's unique ID"
	case len(pol.SCPs) > 0 || len(pol.RCPs) > 0:
		return "SCPs or RCPs: the API takes them from the organization iamd holds, not from the request"
	case len(pol.Session) > 0:
		return "session policies: an IAM user asked about by ARN has no session"
	case corpusRootARN.MatchString(p.ARN) && (len(pol.Identity) > 0 || pol.Boundary != nil || len(p.Tags) > 0):
		return "root user with identity-based policies, a boundary or tags, which IAM does not attach to the root user"
	}
	var ctxKeys map[string]json.RawMessage
	if len(c.Context) > 0 {
		if err := json.Unmarshal(c.Context, &ctxKeys); err != nil {
			return "context that is not a JSON object"
		}
	}
	keys := make([]string, 0, len(ctxKeys))
	for k := range ctxKeys {
		keys = append(keys, strings.ToLower(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(corpusDerivedKeys, k) || strings.HasPrefix(k, "aws:principaltag/") {
			return "context supplies " + k + ", which the API derives itself from the principal or iamd's clock"
		}
	}
	docs := make([]json.RawMessage, 0, len(pol.Identity)+2)
	for _, n := range pol.Identity {
		docs = append(docs, n.Document)
	}
	if pol.Resource != nil {
		docs = append(docs, pol.Resource.Document)
	}
	if pol.Boundary != nil {
		docs = append(docs, pol.Boundary.Document)
	}
	for _, d := range docs {
		if corpusClockKeys.Match(corpus.DocumentText(d)) {
			return "a policy reads aws:CurrentTime or aws:EpochTime, which the API always sets from iamd's clock"
		}
	}
	return ""
}

// corpusAccounts gives the root credentials of each account the corpus names, creating the account through the
// operator endpoint (as "iamd account create" does) the first time.
type corpusAccounts struct {
	s     *testServer
	roots map[string]creds
}

func (a *corpusAccounts) root(t *testing.T, id string) creds {
	t.Helper()
	if c, ok := a.roots[id]; ok {
		return c
	}
	got, err := server.CreateAccountOnServer(context.Background(), a.s.Data, server.AccountRequest{AccountId: id})
	if err != nil {
		t.Fatalf("account %s: %v", id, err)
	}
	c := creds{got.AccessKeyId, got.SecretAccessKey}
	a.roots[id] = c
	return c
}

// refused is a setup call IAM refused, which makes the case one the API cannot be asked (a document IAM does not
// store, say): the test counts it as skipped with IAM's error code.
type refused struct{ what, code string }

// corpusPrincipal creates the case's user in iamd (its path, tags, inline identity-based policies and boundary)
// and returns a function that deletes it again, so that the next case that names the same ARN starts afresh.
// names maps the policy names iamd reports in matched statements to the names the case gives.
func corpusPrincipal(t *testing.T, s *testServer, root creds, c *corpus.Case, seq int, names map[string]string) (cleanup func(), ref *refused) {
	t.Helper()
	m := corpusUserARN.FindStringSubmatch(c.Principal.ARN)
	var undo []url.Values
	cleanup = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			s.mustCall(t, root, "iam", undo[i])
		}
	}
	if m == nil { // the root user: nothing to create
		return cleanup, nil
	}
	try := func(what string, params url.Values, inverse url.Values) bool {
		t.Helper()
		status, body := s.call(t, root, "iam", params)
		if status != http.StatusOK {
			if status >= 500 {
				t.Fatalf("%s: %d %s", what, status, body)
			}
			ref = &refused{what: what, code: errorCode(body)}
			return false
		}
		if inverse != nil {
			undo = append(undo, inverse)
		}
		return true
	}
	user := m[3]
	if !try("CreateUser", url.Values{"Action": {"CreateUser"}, "UserName": {user}, "Path": {m[2]}},
		url.Values{"Action": {"DeleteUser"}, "UserName": {user}}) {
		return cleanup, ref
	}
	if len(c.Principal.Tags) > 0 {
		params := url.Values{"Action": {"TagUser"}, "UserName": {user}}
		keys := make([]string, 0, len(c.Principal.Tags))
		for k := range c.Principal.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			n := strconv.Itoa(i + 1)
			params.Set("Tags.member."+n+".Key", k)
			params.Set("Tags.member."+n+".Value", c.Principal.Tags[k])
		}
		if !try("TagUser", params, nil) {
			return cleanup, ref
		}
	}
	for _, p := range c.Policies.Identity {
		if !try("PutUserPolicy", url.Values{"Action": {"PutUserPolicy"}, "UserName": {user}, "PolicyName": {p.Name},
			"PolicyDocument": {string(corpus.DocumentText(p.Document))}},
			url.Values{"Action": {"DeleteUserPolicy"}, "UserName": {user}, "PolicyName": {p.Name}}) {
			return cleanup, ref
		}
		names[p.Name] = p.Name
	}
	if b := c.Policies.Boundary; b != nil {
		name := fmt.Sprintf("corpus-boundary-%d", seq)
		params := url.Values{"Action": {"CreatePolicy"}, "PolicyName": {name}, "PolicyDocument": {string(corpus.DocumentText(b.Document))}}
		status, body := s.call(t, root, "iam", params)
		if status != http.StatusOK {
			if status >= 500 {
				t.Fatalf("CreatePolicy: %d %s", status, body)
			}
			return cleanup, &refused{what: "CreatePolicy (boundary)", code: errorCode(body)}
		}
		var out struct {
			ARN string `xml:"CreatePolicyResult>Policy>Arn"`
		}
		if err := xml.Unmarshal([]byte(body), &out); err != nil || out.ARN == "" {
			t.Fatalf("CreatePolicy: %v %s", err, body)
		}
		// Deleted after the user (undo runs backwards).
		undo = slices.Insert(undo, 0, url.Values{"Action": {"DeletePolicy"}, "PolicyArn": {out.ARN}})
		if !try("PutUserPermissionsBoundary", url.Values{"Action": {"PutUserPermissionsBoundary"}, "UserName": {user}, "PermissionsBoundary": {out.ARN}},
			url.Values{"Action": {"DeleteUserPermissionsBoundary"}, "UserName": {user}}) {
			return cleanup, ref
		}
		names[name] = b.Name
	}
	return cleanup, nil
}

// TestDecisionCorpusThroughTheAuthorizeAPI runs the decision corpus (authz/testdata/decisions) through
// /iamd/v1/authorize on a real server: for every case the API can express, the case's user is created in iamd with
// its identity-based policies, tags and boundary, the resource policy and context go in the request, and the answer
// must be the case's decision with the case's matched statements. Cases the API cannot express are skipped and
// counted by kind.
func TestDecisionCorpusThroughTheAuthorizeAPI(t *testing.T) {
	cases, err := corpus.Load(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	serveFile(t, s.URL, s.Data) // the operator endpoint is up, for the corpus's other accounts
	accounts := &corpusAccounts{s: s, roots: map[string]creds{account: rootCreds}}
	skipped := map[string]int{}
	ran := 0
	for i := range cases {
		c := &cases[i]
		if why := inexpressible(c); why != "" {
			skipped[why]++
			continue
		}
		t.Run(strings.TrimSuffix(c.File, ".json")+"/"+c.Name, func(t *testing.T) {
			acct := regexp.MustCompile(`::(\d{12}):`).FindStringSubmatch(c.Principal.ARN)[1]
			root := accounts.root(t, acct)
			names := map[string]string{"resourcePolicy": ""}
			if c.Policies.Resource != nil {
				names["resourcePolicy"] = c.Policies.Resource.Name
			}
			cleanup, ref := corpusPrincipal(t, s, root, c, i, names)
			defer cleanup()
			if ref != nil {
				skipped["IAM refuses to store a policy of the case ("+ref.what+": "+ref.code+")"]++
				t.Logf("skipped %q: IAM refuses %s: %s", c.Name, ref.what, ref.code)
				return
			}
			if trustCase(c) { // after the user, whom the trust policy may name
				m := corpusRoleARN.FindStringSubmatch(c.Resource)
				owner := accounts.root(t, m[1])
				status, body := s.call(t, owner, "iam", url.Values{"Action": {"CreateRole"}, "RoleName": {m[3]}, "Path": {m[2]},
					"AssumeRolePolicyDocument": {string(corpus.DocumentText(c.Policies.Resource.Document))}})
				if status != http.StatusOK {
					if status >= 500 {
						t.Fatalf("CreateRole: %d %s", status, body)
					}
					skipped["IAM refuses to store a policy of the case (CreateRole: "+errorCode(body)+")"]++
					t.Logf("skipped %q: IAM refuses CreateRole: %s", c.Name, body)
					return
				}
				defer s.mustCall(t, owner, "iam", url.Values{"Action": {"DeleteRole"}, "RoleName": {m[3]}})
				names["trustPolicy"] = c.Policies.Resource.Name
			}
			ran++
			req := map[string]any{"principal": c.Principal.ARN, "action": c.Action, "resource": c.Resource,
				"resourcePolicyMustAllow": c.Policies.ResourcePolicyRequired}
			if c.Resource == "" {
				req["resource"] = "*"
			}
			if c.ResAcct != "" {
				req["resourceOwner"] = c.ResAcct
			}
			if len(c.Context) > 0 {
				req["context"] = c.Context
			}
			if r := c.Policies.Resource; r != nil && !trustCase(c) {
				req["resourcePolicy"] = string(corpus.DocumentText(r.Document))
			}
			body, err := json.Marshal(req)
			if err != nil {
				t.Fatal(err)
			}
			status, out := s.authorizeRaw(t, root, string(body))
			if status != http.StatusOK {
				t.Fatalf("%d %v\nrequest %s", status, out, body)
			}
			var got []string
			if list, ok := out["matchedStatements"].([]any); ok {
				for _, m := range list {
					m, _ := m.(map[string]any)
					name, _ := m["policy"].(string)
					idx, _ := m["statementIndex"].(float64)
					if n, ok := names[name]; ok {
						name = n
					}
					got = append(got, fmt.Sprintf("%s[%d]", name, int(idx)))
				}
			}
			want := slices.Clone(c.Expect.Statements)
			if c.Expect.Decision == "implicitDeny" {
				want = nil // the case names no statement; the answer names none either for an implicit deny
			}
			sort.Strings(got)
			sort.Strings(want)
			if out["decision"] != c.Expect.Decision || (c.Expect.Decision != "implicitDeny" && !slices.Equal(got, want)) {
				t.Errorf("decision %v %v, want %s %v (%s)\nrequest %s\nanswer %v", out["decision"], got, c.Expect.Decision, want, c.Doc, body, out)
			}
		})
	}
	kinds := make([]string, 0, len(skipped))
	total := 0
	for k, n := range skipped {
		kinds = append(kinds, fmt.Sprintf("%4d  %s", n, k))
		total += n
	}
	sort.Sort(sort.Reverse(sort.StringSlice(kinds)))
	t.Logf("decision corpus through /iamd/v1/authorize: %d of %d cases ran, %d skipped:\n%s", ran, len(cases), total, strings.Join(kinds, "\n"))
	if ran < len(cases)/2 {
		t.Errorf("only %d of %d corpus cases could be asked through the API", ran, len(cases))
	}
}
