package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

// TestCreatesAreWrittenCompleteWithTheirChange: a create whose answer CloudTrail records (responseElements) tells
// it from within its change's transaction, so the event written with the change is already complete and stays
// where the change put it: each create's event comes before the event of the call made right after it (a
// PutUserPolicy, written with its own change), which would not be so had the trail's writer appended a completed
// copy later. The events carry their answers, and the secrets in them are hidden. STS's AssumeRole and
// Organizations' CreateOrganization and CreateAccount do the same.
func TestCreatesAreWrittenCompleteWithTheirChange(t *testing.T) {
	s := startServer(t)
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	creates := []struct {
		params url.Values
		answer string // what responseElements starts with
	}{
		{url.Values{"Action": {"CreateUser"}, "UserName": {"alice"}}, `{"user":{"path":"/","userName":"alice"`},
		{url.Values{"Action": {"CreateRole"}, "RoleName": {"app"}, "AssumeRolePolicyDocument": {trust}}, `{"role":{"path":"/","roleName":"app"`},
		{url.Values{"Action": {"CreateGroup"}, "GroupName": {"devs"}}, `{"group":{"path":"/","groupName":"devs"`},
		{url.Values{"Action": {"CreatePolicy"}, "PolicyName": {"list"}, "PolicyDocument": {doc}}, `{"policy":{"policyName":"list"`},
		{url.Values{"Action": {"CreatePolicyVersion"}, "PolicyArn": {"arn:aws:iam::" + account + ":policy/list"}, "PolicyDocument": {doc}},
			`{"policyVersion":{`},
		{url.Values{"Action": {"CreateAccessKey"}, "UserName": {"alice"}}, `{"accessKey":{"userName":"alice"`},
		{url.Values{"Action": {"CreateLoginProfile"}, "UserName": {"alice"}, "Password": {"Cr3ate-Compl3te!"}}, `{"loginProfile":{"userName":"alice"`},
		{url.Values{"Action": {"CreateInstanceProfile"}, "InstanceProfileName": {"web"}}, `{"instanceProfile":{"path":"/","instanceProfileName":"web"`},
		// The QR code is drawn after the change: the event hides it, present, as it hides the seed.
		{url.Values{"Action": {"CreateVirtualMFADevice"}, "VirtualMFADeviceName": {"phone"}}, `{"virtualMFADevice":{"serialNumber":"arn:aws:iam::` +
			account + `:mfa/phone","base32StringSeed":"HIDDEN_DUE_TO_SECURITY_REASONS","qRCodePNG":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`},
	}
	var alice creds // the access key CreateAccessKey made, which then assumes a role
	for i, c := range creates {
		c.params.Set("Version", "2010-05-08")
		status, body := s.call(t, rootCreds, "iam", c.params)
		if status != 200 {
			t.Fatalf("%s: %d %s", c.params.Get("Action"), status, body)
		}
		if c.params.Get("Action") == "CreateAccessKey" {
			alice = creds{between(body, "<AccessKeyId>", "</AccessKeyId>"), between(body, "<SecretAccessKey>", "</SecretAccessKey>")}
		}
		next := url.Values{"Action": {"PutUserPolicy"}, "Version": {"2010-05-08"}, "UserName": {"alice"}, "PolicyName": {"p" + string(rune('a'+i))},
			"PolicyDocument": {doc}}
		if status, body := s.call(t, rootCreds, "iam", next); status != 200 {
			t.Fatalf("PutUserPolicy: %d %s", status, body)
		}
	}
	// STS tells its answer too: alice assumes a role that trusts her, then root changes something.
	trustAlice := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account +
		`:user/alice"},"Action":"sts:AssumeRole"}]}`
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"assumable"},
		"AssumeRolePolicyDocument": {trustAlice}}); status != 200 {
		t.Fatalf("CreateRole: %d %s", status, body)
	}
	status, body := s.call(t, alice, "sts", url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
		"RoleArn": {"arn:aws:iam::" + account + ":role/assumable"}, "RoleSessionName": {"s1"}})
	if status != 200 {
		t.Fatalf("AssumeRole: %d %s", status, body)
	}
	sessionKey := between(body, "<AccessKeyId>", "</AccessKeyId>")
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"DeleteUserPolicy"}, "Version": {"2010-05-08"}, "UserName": {"alice"},
		"PolicyName": {"pa"}}); status != 200 {
		t.Fatalf("DeleteUserPolicy: %d %s", status, body)
	}
	// Organizations tells its answer too.
	if status, body := s.callJSON(t, rootCreds, "CreateOrganization", `{"FeatureSet":"ALL"}`); status != 200 {
		t.Fatalf("CreateOrganization: %d %s", status, body)
	}
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"DeleteUserPolicy"}, "Version": {"2010-05-08"}, "UserName": {"alice"},
		"PolicyName": {"pb"}}); status != 200 {
		t.Fatalf("DeleteUserPolicy: %d %s", status, body)
	}
	if status, body := s.callJSON(t, rootCreds, "CreateAccount", `{"Email":"made@example.com","AccountName":"made"}`); status != 200 {
		t.Fatalf("CreateAccount: %d %s", status, body)
	}
	if status, body := s.call(t, rootCreds, "iam", url.Values{"Action": {"DeleteUserPolicy"}, "Version": {"2010-05-08"}, "UserName": {"alice"},
		"PolicyName": {"pc"}}); status != 200 {
		t.Fatalf("DeleteUserPolicy: %d %s", status, body)
	}
	events := storedTrail(t, s)
	var names []string
	for _, e := range events {
		if e.EventSource == "iam.amazonaws.com" && e.UserIdentity.Type == "Root" {
			names = append(names, e.EventName)
		}
	}
	var want []string
	for _, c := range creates {
		want = append(want, c.params.Get("Action"), "PutUserPolicy")
	}
	if len(names) > len(want) {
		names = names[:len(want)] // then the role alice assumes, and the change after it
	}
	if got := strings.Join(names, " "); got != strings.Join(want, " ") {
		t.Errorf("the trail's order is\n%s\nwant\n%s", got, strings.Join(want, " "))
	}
	i := 0
	for _, e := range events {
		if i == len(creates) || e.EventName != creates[i].params.Get("Action") {
			continue
		}
		if got := string(e.ResponseElements); !strings.HasPrefix(got, creates[i].answer) {
			t.Errorf("%s: responseElements %s, want it to start with %s", e.EventName, got, creates[i].answer)
		}
		i++
	}
	var tail []string // the last three calls' events, in the trail's order
	for _, e := range events {
		switch e.EventName {
		case "AssumeRole":
			tail = append(tail, e.EventName)
			if got := string(e.ResponseElements); !strings.Contains(got, `"accessKeyId":"`+sessionKey+`"`) ||
				!strings.Contains(got, `"sessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS"`) {
				t.Errorf("AssumeRole's responseElements: %s", got)
			}
		case "CreateOrganization":
			tail = append(tail, e.EventName)
			if got := string(e.ResponseElements); !strings.HasPrefix(got, `{"organization":{"id":"o-`) {
				t.Errorf("CreateOrganization's responseElements: %s", got)
			}
		case "CreateAccount":
			tail = append(tail, e.EventName)
			if got := string(e.ResponseElements); !strings.HasPrefix(got, `{"createAccountStatus":{"id":"car-`) {
				t.Errorf("CreateAccount's responseElements: %s", got)
			}
		case "DeleteUserPolicy":
			tail = append(tail, e.EventName)
		}
	}
	if got := strings.Join(tail, " "); got != "AssumeRole DeleteUserPolicy CreateOrganization DeleteUserPolicy CreateAccount DeleteUserPolicy" {
		t.Errorf("an event was written after the change that followed it: %s", got)
	}
	for _, e := range events {
		if e.EventName == "CreateAccessKey" && !strings.Contains(string(e.ResponseElements), `"secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS"`) {
			t.Errorf("CreateAccessKey's secret is not hidden: %s", e.ResponseElements)
		}
	}
}

// between returns the text of s between the first open and the close after it, or "".
func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// storedTrail lets s's trail catch up and returns every event its store holds, in the trail's order.
func storedTrail(t *testing.T, s *testServer) []audit.Event {
	t.Helper()
	if err := s.srv.FlushTrail(context.Background()); err != nil {
		t.Fatal(err)
	}
	var events []audit.Event
	err := server.StoreOf(s.srv).View(context.Background(), func(ctx context.Context, r store.Reader) error {
		evs, err := r.EventsSince(ctx, 0, 0)
		for _, e := range evs {
			var ev audit.Event
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				return fmt.Errorf("not JSON: %s", e.Data)
			}
			events = append(events, ev)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return events
}
