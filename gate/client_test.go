package gate_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/gate"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// TestAuthorizeErrors: a denial is a Decision; the call's own failures are typed so callers can branch.
func TestAuthorizeErrors(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(f *fakeIAMD, c *gate.Client)
		query    gate.Query
		want     gate.Outcome
		wantErr  func(error) bool
		wantText string
	}{
		{name: "allowed", query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, want: gate.Allowed},
		{name: "denied-is-not-an-error", query: gate.Query{AccessKeyID: aliceKey, Action: "notes:PutNote", Resource: "*"}, want: gate.ImplicitDeny},
		{name: "unknown-key-is-iamd-error", query: gate.Query{AccessKeyID: "AKIANOSUCHKEYEXAMPLE", Action: "notes:GetNote", Resource: "*"},
			wantErr: statusCode(404, "NoSuchEntity"), wantText: "NoSuchEntity"},
		{name: "service-not-allowed", setup: func(f *fakeIAMD, _ *gate.Client) { f.setMode("deny-service") },
			query: gate.Query{Principal: "arn:aws:iam::" + testAccount + ":user/alice", Action: "notes:GetNote", Resource: "*"}, wantErr: statusCode(403, "AccessDenied")},
		{name: "wrong-service-secret", setup: func(_ *fakeIAMD, c *gate.Client) { c.Credentials.SecretAccessKey = "wrong" },
			query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, wantErr: statusCode(403, "SignatureDoesNotMatch")},
		{name: "server-failure", setup: func(f *fakeIAMD, _ *gate.Client) { f.setMode("500") },
			query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, wantErr: statusCode(500, "ServiceFailure")},
		{name: "malformed", setup: func(f *fakeIAMD, _ *gate.Client) { f.setMode("garbage") },
			query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, wantErr: isErr(gate.ErrMalformedAnswer)},
		{name: "unknown-decision", setup: func(f *fakeIAMD, _ *gate.Client) { f.setMode("bad-decision") },
			query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, wantErr: isErr(gate.ErrMalformedAnswer), wantText: `"maybe"`},
		{name: "iamd-down", setup: func(f *fakeIAMD, _ *gate.Client) { f.srv.Close() },
			query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, wantErr: notIamdError},
		{name: "client-without-region", setup: func(_ *fakeIAMD, c *gate.Client) { c.Region = "" },
			query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*"}, wantErr: notIamdError, wantText: "needs an Endpoint, a Region"},
		{name: "both-principal-and-key", query: gate.Query{Principal: "arn:aws:iam::" + testAccount + ":user/alice", AccessKeyID: aliceKey, Action: "a:B", Resource: "*"},
			wantErr: notIamdError, wantText: "exactly one"},
		{name: "no-action", query: gate.Query{AccessKeyID: aliceKey, Resource: "*"}, wantErr: notIamdError},
		{name: "context-value-of-another-type", query: gate.Query{AccessKeyID: aliceKey, Action: "a:B", Resource: "*", Context: map[string]any{"k": map[string]string{}}},
			wantErr: notIamdError, wantText: `"k"`},
		{name: "context-nested-list", query: gate.Query{AccessKeyID: aliceKey, Action: "a:B", Resource: "*", Context: map[string]any{"k": []any{[]string{"a"}}}},
			wantErr: notIamdError},
		{name: "context-values-of-every-kind", query: gate.Query{AccessKeyID: aliceKey, Action: "notes:GetNote", Resource: "*",
			Context: map[string]any{"s": "x", "n": 3, "f": 1.5, "b": true, "l": []string{"a", "b"}, "m": []any{"a", 1, false}}}, want: gate.Allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeIAMD(t)
			c := f.client()
			if tt.setup != nil {
				tt.setup(f, c)
			}
			d, err := c.Authorize(context.Background(), tt.query)
			if tt.wantErr == nil {
				if err != nil || d.Outcome != tt.want || d.Allowed() != (tt.want == gate.Allowed) {
					t.Fatalf("decision %+v, err %v; want %s", d, err, tt.want)
				}
				return
			}
			if err == nil || !tt.wantErr(err) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err %v (%T)", err, err)
			}
		})
	}
}

func statusCode(status int, code string) func(error) bool {
	return func(err error) bool {
		e, ok := errors.AsType[*gate.Error](err)
		return ok && e.StatusCode == status && e.Code == code && e.Message != ""
	}
}

func isErr(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// notIamdError: an error that is neither iamd's answer nor a verdict on the request.
func notIamdError(err error) bool {
	_, isIAMD := errors.AsType[*gate.Error](err)
	return !isIAMD && !errors.Is(err, gate.ErrNotAuthenticated) && !errors.Is(err, gate.ErrMalformedAnswer)
}

// TestVerifyReturnsIdentityOrNotAuthenticated: Verify gives the signer with its session facts, or a
// NotAuthenticatedError carrying iamd's code and message.
func TestVerifyReturnsIdentityOrNotAuthenticated(t *testing.T) {
	f := newFakeIAMD(t)
	c := f.client()
	// A request as a server receives it: built here, signed, and verified without going over the wire.
	signed := func(creds sigv4.Credentials, body string) *http.Request {
		r, _ := http.NewRequest("POST", "http://notes.example:8080/notes?x=1", strings.NewReader(body))
		r.RequestURI = "/notes?x=1"
		sigv4.Sign(r, []byte(body), creds, "eu-west-1", "notes", time.Now().UTC())
		return r
	}
	id, err := c.Verify(context.Background(), signed(session, "hello"), []byte("hello"), "notes")
	if err != nil {
		t.Fatal(err)
	}
	if id.AccessKeyID != sessionKey || id.Region != "eu-west-1" || id.Principal.Type != "AssumedRole" || id.Session == nil || !id.Session.MFA || id.Session.Tags["team"] != "blue" {
		t.Fatalf("identity %+v", id)
	}
	if v := f.lastVerify(); v.URL != "http://notes.example:8080/notes?x=1" || v.Headers["Content-Length"][0] != "5" || v.BodySHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Fatalf("verify request %+v", v)
	}

	_, err = c.Verify(context.Background(), signed(alice, "hello"), []byte("hellO"), "notes")
	na, ok := errors.AsType[*gate.NotAuthenticatedError](err)
	if !ok || !errors.Is(err, gate.ErrNotAuthenticated) || na.Code != "SignatureDoesNotMatch" || !strings.HasPrefix(na.Message, "The request signature we calculated") {
		t.Fatalf("err %v", err)
	}
	for _, m := range []string{"no-authenticated", "unauthenticated-no-code"} {
		f.setMode(m)
		if _, err := c.Verify(context.Background(), signed(alice, ""), nil, "notes"); !errors.Is(err, gate.ErrMalformedAnswer) {
			t.Fatalf("%s: err %v", m, err)
		}
	}
}

// TestCredentialsDoNotPrintSecrets: formatting Credentials or a Client shows no secret or token.
func TestCredentialsDoNotPrintSecrets(t *testing.T) {
	c := gate.Client{Credentials: gate.Credentials{AccessKeyID: "AKIDX", SecretAccessKey: "s3cr3t", SessionToken: "t0k3n"}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, c); strings.Contains(out, "s3cr3t") || strings.Contains(out, "t0k3n") {
			t.Fatalf("%s: %s", verb, out)
		}
	}
}

// TestAuthorizeSendsResourcePolicyMustAllowOnlyWhenSet: nil leaves iamd's default (AWS's rule for the action);
// true and false are sent as they are.
func TestAuthorizeSendsResourcePolicyMustAllowOnlyWhenSet(t *testing.T) {
	yes, no := true, false
	for _, v := range []*bool{nil, &yes, &no} {
		f := newFakeIAMD(t)
		if _, err := f.client().Authorize(context.Background(), gate.Query{AccessKeyID: aliceKey, Action: "kms:Decrypt", Resource: "*",
			ResourcePolicyMustAllow: v}); err != nil {
			t.Fatal(err)
		}
		got := f.lastQuery().ResourcePolicyMustAllow
		if (got == nil) != (v == nil) || got != nil && *got != *v {
			t.Errorf("sent %v, want %v", got, v)
		}
	}
}
