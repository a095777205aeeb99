package analyzer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/policy"
)

const pgAccount = "111122223333"

// grants maps each action of a generated policy to the resources its statements name.
func grants(t *testing.T, docs []string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, doc := range docs {
		if _, err := policy.Parse([]byte(doc), policy.TypeIdentity); err != nil {
			t.Fatalf("generated policy does not parse: %v\n%s", err, doc)
		}
		var p struct {
			Statement []struct {
				Action, Resource json.RawMessage
			}
		}
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			t.Fatal(err)
		}
		list := func(raw json.RawMessage) []string {
			var one string
			if json.Unmarshal(raw, &one) == nil {
				return []string{one}
			}
			var many []string
			_ = json.Unmarshal(raw, &many)
			return many
		}
		for _, st := range p.Statement {
			for _, a := range list(st.Action) {
				out[a] = append(out[a], list(st.Resource)...)
			}
		}
	}
	for a := range out {
		slices.Sort(out[a])
	}
	return out
}

func userARNs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func TestGeneratedPolicies(t *testing.T) {
	users := "arn:aws:iam::" + pgAccount + ":user/app/"
	roles := "arn:aws:iam::" + pgAccount + ":role/"
	tests := []struct {
		name string
		used []analyzer.UsedAction
		opts analyzer.PolicyOptions
		want map[string][]string
	}{
		{"more resources under one prefix than CollapseAbove become the prefix and a wildcard",
			[]analyzer.UsedAction{{Action: "iam:GetUser", Resources: userARNs(users, 6)}}, analyzer.PolicyOptions{Resources: true},
			map[string][]string{"iam:GetUser": {users + "*"}}},
		{"as many as CollapseAbove stay apart",
			[]analyzer.UsedAction{{Action: "iam:GetUser", Resources: userARNs(users, 5)}}, analyzer.PolicyOptions{Resources: true},
			map[string][]string{"iam:GetUser": userARNs(users, 5)}},
		{"a negative CollapseAbove never collapses",
			[]analyzer.UsedAction{{Action: "iam:GetUser", Resources: userARNs(users, 6)}}, analyzer.PolicyOptions{Resources: true, CollapseAbove: -1},
			map[string][]string{"iam:GetUser": userARNs(users, 6)}},
		{"the roles passed are never collapsed",
			[]analyzer.UsedAction{{Action: "iam:PassRole", Resources: userARNs(roles, 8)}}, analyzer.PolicyOptions{Resources: true},
			map[string][]string{"iam:PassRole": userARNs(roles, 8)}},
		{"without resources every action is on * but the roles passed",
			[]analyzer.UsedAction{{Action: "iam:GetUser", Resources: userARNs(users, 2)}, {Action: "iam:PassRole", Resources: []string{roles + "a"}}},
			analyzer.PolicyOptions{},
			map[string][]string{"iam:GetUser": {"*"}, "iam:PassRole": {roles + "a"}}},
		{"an action used on * is on *",
			[]analyzer.UsedAction{{Action: "iam:ListUsers", Resources: []string{"*", users}}}, analyzer.PolicyOptions{Resources: true},
			map[string][]string{"iam:ListUsers": {"*"}}},
		{"wildcard and variable characters of a resource are escaped",
			[]analyzer.UsedAction{{Action: "s3:GetObject", Resources: []string{"arn:aws:s3:::b/a*b?c${d}"}}}, analyzer.PolicyOptions{Resources: true},
			map[string][]string{"s3:GetObject": {"arn:aws:s3:::b/a${*}b${?}c${$}{d}"}}},
		{"resources without a slash collapse on their last colon",
			[]analyzer.UsedAction{{Action: "sqs:SendMessage", Resources: userARNs("arn:aws:sqs:us-east-1:"+pgAccount+":q", 6)}}, analyzer.PolicyOptions{Resources: true},
			map[string][]string{"sqs:SendMessage": {"arn:aws:sqs:us-east-1:" + pgAccount + ":*"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &analyzer.Usage{Used: tt.used}
			got := grants(t, u.Policies(tt.opts))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestGeneratedPoliciesSplitAtTheSizeQuota: a usage too large for one policy is answered as several, each within
// MaxGeneratedPolicySize, together granting every resource used.
func TestGeneratedPoliciesSplitAtTheSizeQuota(t *testing.T) {
	var used []analyzer.UsedAction
	var want []string
	for i := range 40 {
		// Distinct prefixes, so that nothing collapses.
		rs := []string{fmt.Sprintf("arn:aws:s3:::bucket-%02d/object-with-a-long-name", i)}
		want = append(want, rs...)
		used = append(used, analyzer.UsedAction{Action: "s3:GetObject", Resources: rs})
	}
	for i := range 400 {
		used = append(used, analyzer.UsedAction{Action: fmt.Sprintf("svc%03d:Action", i), Resources: []string{"*"}})
	}
	u := &analyzer.Usage{Used: []analyzer.UsedAction{{Action: "s3:GetObject", Resources: want}}}
	u.Used = append(u.Used, used[40:]...)
	docs := u.Policies(analyzer.PolicyOptions{Resources: true})
	if len(docs) < 2 {
		t.Fatalf("%d policies", len(docs))
	}
	for _, d := range docs {
		if len(d) > analyzer.MaxGeneratedPolicySize {
			t.Fatalf("policy of %d characters", len(d))
		}
	}
	got := grants(t, docs)
	slices.Sort(want)
	if !slices.Equal(got["s3:GetObject"], want) || len(got) != 401 {
		t.Fatalf("%d actions, s3:GetObject on %v", len(got), got["s3:GetObject"])
	}
}

// pgStore is a store with a role (with a path) and a user of pgAccount, created at created.
func pgStore(t testing.TB, created time.Time) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for _, e := range []*store.Entity{
			{Account: pgAccount, Kind: iam.KindRole, Name: "worker", Path: "/svc/", ID: "AROAWORKER", ARN: "arn:aws:iam::" + pgAccount + ":role/svc/worker", Created: created, Data: []byte("{}")},
			{Account: pgAccount, Kind: iam.KindUser, Name: "alice", Path: "/", ID: "AIDAALICE", ARN: "arn:aws:iam::" + pgAccount + ":user/alice", Created: created, Data: []byte("{}")},
		} {
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// pgEvent is an event of principal at time at, with iamd's explanation (additional) as its additionalEventData.
func pgEvent(id, principal string, at time.Time, source, name, additional string) *store.Event {
	ev := map[string]any{"eventVersion": audit.EventVersion, "eventTime": at.UTC().Format(audit.TimeFormat), "eventSource": source, "eventName": name,
		"userIdentity": map[string]any{"type": "AssumedRole", "arn": "arn:aws:sts::" + pgAccount + ":assumed-role/worker/s"}, "recipientAccountId": pgAccount}
	if additional != "" {
		ev["additionalEventData"] = json.RawMessage(additional)
	}
	data, _ := json.Marshal(ev)
	return &store.Event{Account: pgAccount, ID: id, Time: at, Fresh: true, Data: data,
		Attrs: []store.EventAttr{{Name: audit.AttrPrincipal, Value: principal}, {Name: audit.AttrEventName, Value: name}}}
}

func TestUsedReadsWhatThePrincipalWasAllowed(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := pgStore(t, created)
	role := "arn:aws:iam::" + pgAccount + ":role/svc/worker"
	short := "arn:aws:iam::" + pgAccount + ":role/worker"
	at := func(m int) time.Time { return created.Add(time.Duration(m) * time.Minute) }
	allowed := func(action, resource string) string {
		return `{"iamdDecision":{"decision":"allowed","action":"` + action + `","resource":"` + resource + `",` +
			`"decidingStatements":[{"policy":"p","layer":"identity","index":0,"effect":"Allow","attachedTo":"role/worker"}]}}`
	}
	events := []*store.Event{
		pgEvent("e0", role, created.Add(-time.Hour), "iam.amazonaws.com", "DeleteUser", allowed("iam:DeleteUser", "arn:aws:iam::"+pgAccount+":user/old")),
		pgEvent("e1", role, at(1), "iam.amazonaws.com", "GetUser", allowed("iam:GetUser", "arn:aws:iam::"+pgAccount+":user/alice")),
		pgEvent("e2", role, at(2), "iam.amazonaws.com", "CreateRole", `{"iamdDecision":{"decision":"allowed","action":"iam:TagRole","resource":"arn:aws:iam::`+pgAccount+`:role/r"},`+
			`"iamdAuthorized":[{"action":"iam:CreateRole","resource":"arn:aws:iam::`+pgAccount+`:role/r","identity":true},{"action":"iam:TagRole","resource":"arn:aws:iam::`+pgAccount+`:role/r","identity":true}]}`),
		pgEvent("e3", role, at(3), "iam.amazonaws.com", "DeleteRole", `{"iamdDecision":{"decision":"implicitDeny","action":"iam:DeleteRole","resource":"arn:aws:iam::`+pgAccount+`:role/r"}}`),
		pgEvent("e4", role, at(4), "sts.amazonaws.com", "GetCallerIdentity", ""),
		// A data event of the decision API names the role without its path, and the action as the service asked.
		pgEvent("e5", short, at(5), "s3.amazonaws.com", "getobject", allowed("s3:getobject", "arn:aws:s3:::b/k")),
		// A trust policy that names the role lets it assume another role without an identity policy: the identity
		// policy generated need not grant it.
		pgEvent("e7", role, at(6), "sts.amazonaws.com", "AssumeRole", `{"iamdDecision":{"decision":"allowed","action":"sts:AssumeRole","resource":"arn:aws:iam::`+pgAccount+`:role/next",`+
			`"decidingStatements":[{"policy":"trust policy of role/next","layer":"resource","index":0,"effect":"Allow"}]}}`),
		pgEvent("e6", role, at(100), "iam.amazonaws.com", "ListRoles", allowed("iam:ListRoles", "arn:aws:iam::"+pgAccount+":role/")),
	}
	if err := st.AppendEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	var u *analyzer.Usage
	view := func(f func(r store.Reader) error) {
		t.Helper()
		if err := st.View(ctx, func(ctx context.Context, r store.Reader) error { return f(r) }); err != nil {
			t.Fatal(err)
		}
	}
	view(func(r store.Reader) (err error) {
		u, err = analyzer.Used(ctx, r, pgAccount, role, created.Add(-2*time.Hour), at(10), analyzer.UsedOptions{Catalog: cat})
		return err
	})
	want := []analyzer.UsedAction{
		{Action: "iam:CreateRole", Resources: []string{"arn:aws:iam::" + pgAccount + ":role/r"}},
		{Action: "iam:GetUser", Resources: []string{"arn:aws:iam::" + pgAccount + ":user/alice"}},
		{Action: "iam:TagRole", Resources: []string{"arn:aws:iam::" + pgAccount + ":role/r"}},
		{Action: "s3:GetObject", Resources: []string{"arn:aws:s3:::b/k"}},
	}
	if fmt.Sprint(u.Used) != fmt.Sprint(want) || u.Events != 6 || u.Refused != 1 || !u.Complete || !u.Start.Equal(created) {
		t.Fatalf("used %+v", u)
	}
	t.Run("a window with more events than MaxEvents is not complete", func(t *testing.T) {
		view(func(r store.Reader) (err error) {
			u, err = analyzer.Used(ctx, r, pgAccount, role, created, at(200), analyzer.UsedOptions{MaxEvents: 2})
			return err
		})
		if u.Complete || u.Events != 2 {
			t.Fatalf("used %+v", u)
		}
	})
	t.Run("a principal the account does not have", func(t *testing.T) {
		for _, p := range []string{"arn:aws:iam::" + pgAccount + ":role/other", "arn:aws:iam::" + pgAccount + ":role/elsewhere/worker",
			"arn:aws:iam::444455556666:user/alice", "arn:aws:iam::" + pgAccount + ":group/alice"} {
			view(func(r store.Reader) error {
				_, err := analyzer.Used(ctx, r, pgAccount, p, created, at(10), analyzer.UsedOptions{})
				if !errors.Is(err, analyzer.ErrPrincipalNotFound) {
					t.Errorf("%s: %v", p, err)
				}
				return nil
			})
		}
	})
	t.Run("a user's events are its own", func(t *testing.T) {
		view(func(r store.Reader) (err error) {
			u, err = analyzer.Used(ctx, r, pgAccount, "arn:aws:iam::"+pgAccount+":user/alice", created, at(10), analyzer.UsedOptions{})
			return err
		})
		if len(u.Used) != 0 || u.Events != 0 || !strings.HasSuffix(u.Principal, ":user/alice") {
			t.Fatalf("used %+v", u)
		}
	})
}

// TestPolicyGenerationQuotasAndRetention: an account starts at most GenerationsPerDay generations in 24 hours
// (ServiceQuotaExceededException after), a client token given again answers its job without counting, and jobs
// are listed, and readable, for seven days.
func TestPolicyGenerationQuotasAndRetention(t *testing.T) {
	ctx := context.Background()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	st := pgStore(t, created)
	clock := created.Add(time.Hour)
	svc, err := analyzer.New(st, fakeIAM{}, analyzer.Options{Validator: listValidator{}, Generation: analyzer.GenerationOptions{Now: func() time.Time { return clock }}})
	if err != nil {
		t.Fatal(err)
	}
	c := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::" + pgAccount + ":root", Account: pgAccount}}
	start := func(token string) (string, error) {
		in := &aatypes.StartPolicyGenerationRequest{PolicyGenerationDetails: &aatypes.PolicyGenerationDetails{PrincipalArn: "arn:aws:iam::" + pgAccount + ":user/alice"}}
		if token != "" {
			in.ClientToken = &token
		}
		out, err := svc.StartPolicyGeneration(ctx, c, in)
		if err != nil {
			return "", err
		}
		return out.JobId, nil
	}
	first, err := start("t0")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < analyzer.GenerationsPerDay; i++ {
		if _, err := start(fmt.Sprintf("t%d", i)); err != nil {
			t.Fatalf("generation %d: %v", i+1, err)
		}
	}
	if again, err := start("t0"); err != nil || again != first {
		t.Fatalf("the first token again: %s %v, want %s", again, err, first)
	}
	_, err = start("")
	if ae, ok := awserr.As(err); !ok || ae.Code != "ServiceQuotaExceededException" || ae.HTTPStatus != 402 {
		t.Fatalf("generation %d: %v, want ServiceQuotaExceededException", analyzer.GenerationsPerDay+1, err)
	}
	clock = clock.Add(25 * time.Hour)
	if _, err := start(""); err != nil {
		t.Fatalf("a day later: %v", err)
	}
	list, err := svc.ListPolicyGenerations(ctx, c, &aatypes.ListPolicyGenerationsRequest{})
	if err != nil || len(list.PolicyGenerations) != analyzer.GenerationsPerDay+1 {
		t.Fatalf("%d jobs listed, %v", len(list.PolicyGenerations), err)
	}
	clock = clock.Add(7*24*time.Hour + time.Minute)
	list, err = svc.ListPolicyGenerations(ctx, c, &aatypes.ListPolicyGenerationsRequest{})
	if err != nil || len(list.PolicyGenerations) != 0 {
		t.Fatalf("%d jobs listed eight days later, %v", len(list.PolicyGenerations), err)
	}
	_, err = svc.GetGeneratedPolicy(ctx, c, &aatypes.GetGeneratedPolicyRequest{JobId: first})
	if ae, ok := awserr.As(err); !ok || ae.Code != "ValidationException" {
		t.Fatalf("a job of eight days ago: %v", err)
	}
}
