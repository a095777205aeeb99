package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/api/awsquery"
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// records is a Recorder that keeps what it is told.
type records struct {
	mu   sync.Mutex
	list []Record
}

func (rs *records) Begin(ctx context.Context, c *audit.Call) (context.Context, error) {
	return ctx, nil
}

func (rs *records) RecordRequest(ctx context.Context, rec Record) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	// What the audit trail is given is checked by the trail's own tests.
	rec.Call, rec.ErrorMessage, rec.Err = nil, "", nil
	rs.list = append(rs.list, rec)
}

func (rs *records) take() []Record {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := rs.list
	rs.list = nil
	return out
}

// cancelingAuth is fakeAuth, except that it fails as a store read would once the client has gone.
type cancelingAuth struct{ fakeAuth }

func (a cancelingAuth) VerifyFor(ctx context.Context, r *http.Request, body []byte, service string) (*sigv4.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, awserr.Internal(err)
	}
	return a.fakeAuth.VerifyFor(ctx, r, body, service)
}

const rootARN = "arn:aws:iam::111122223333:root"

func newDecisionService(t *testing.T) *iam.Service {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	svc := iam.New(st, cat, box, time.Now, "us-east-1", iam.Options{})
	if _, err := svc.EnsureAccount(ctx, "111122223333", "", ""); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestPipelineRecordsEveryRequestOnce: the Recorder (the audit trail's stage) is told once about each request of
// the query protocol, the JSON protocol and the decision API, with the service, the operation, the caller, the
// outcome, the error code and the decision.
func TestPipelineRecordsEveryRequestOnce(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	rec := &records{}
	h := New(cancelingAuth{}, nil, nil, logger, nil)
	h.AddJSONService("organizations", orgtypes.TargetPrefix, fakeOrgOps())
	h.Record(rec)
	svc := newDecisionService(t)
	d := NewDecisionHandler(cancelingAuth{}, nil, svc, logger, nil)
	d.Record(rec)
	signin := NewSignInHandler(svc, logger)
	signin.Record(rec)
	own := newOwnEndpoint(logger)
	own.Record(rec)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	// A server-side deadline that has passed (the client is still there).
	deadline, cancelDeadline := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelDeadline()
	const signinBody = `{"account":"111122223333","userName":"bob","password":"not-the-password"}`
	cases := []struct {
		name    string
		handler http.Handler
		path    string
		target  string
		auth    string
		body    string
		ctx     context.Context
		status  int
		want    Record
	}{
		{"query", h, "/", "", "ok", "Action=GetUser&Version=2010-05-08", nil, 501,
			Record{Service: "iam", Operation: "GetUser", Caller: rootARN, Outcome: "error", ErrorCode: "NotImplemented"}},
		{"query unauthenticated", h, "/", "", "bad", "Action=ListUsers&Version=2010-05-08", nil, 403,
			Record{Service: "iam", Operation: "ListUsers", Outcome: "client_error", ErrorCode: "InvalidClientTokenId"}},
		{"query unknown action", h, "/", "", "ok", "Action=Nope&Version=2010-05-08", nil, 400,
			Record{Service: "iam", Operation: "unknown", Caller: rootARN, Outcome: "client_error", ErrorCode: "InvalidAction"}},
		{"json", h, "/", "AWSOrganizationsV20161128.DescribeOrganization", "ok", "{}", nil, 200,
			Record{Service: "organizations", Operation: "DescribeOrganization", Caller: rootARN, Outcome: "ok"}},
		{"json denied", h, "/", "AWSOrganizationsV20161128.DescribeOrganization", "", "{}", nil, 403,
			Record{Service: "organizations", Operation: "DescribeOrganization", Outcome: "client_error", ErrorCode: "MissingAuthenticationTokenException"}},
		{"decision", d, AuthorizePath, "", "ok", `{"principal":"` + rootARN + `","action":"iam:GetUser","resource":"arn:aws:iam::111122223333:user/bob"}`, nil, 200,
			Record{Service: "iamd", Operation: "Authorize", Caller: rootARN, Outcome: "ok", Decision: "allowed"}},
		// A client that has gone is never answered nor counted as a failure, whatever the protocol.
		{"query canceled", h, "/", "", "ok", "Action=GetUser&Version=2010-05-08", canceled, 200,
			Record{Service: "iam", Operation: "GetUser", Outcome: "canceled"}},
		{"json canceled", h, "/", "AWSOrganizationsV20161128.DescribeOrganization", "ok", "{}", canceled, 200,
			Record{Service: "organizations", Operation: "DescribeOrganization", Outcome: "canceled"}},
		{"decision canceled", d, AuthorizePath, "", "ok", `{}`, canceled, 200,
			Record{Service: "iamd", Operation: "Authorize", Outcome: "canceled"}},
		{"verify canceled", d, VerifyPath, "", "ok", `{}`, canceled, 200,
			Record{Service: "iamd", Operation: "Verify", Outcome: "canceled"}},
		{"sign-in refused", signin, "/iamd/v1/signin", "", "", signinBody, nil, 401,
			Record{Service: "iamd", Operation: "SignIn", Outcome: "client_error", ErrorCode: "SignInFailed"}},
		{"sign-in canceled", signin, "/iamd/v1/signin", "", "", signinBody, canceled, 200,
			Record{Service: "iamd", Operation: "SignIn", Outcome: "canceled"}},
		{"own endpoint", own, "/own", "", "Bearer ok", `{}`, nil, 201,
			Record{Service: "iamd", Operation: "Own", Outcome: "ok"}},
		{"own endpoint refused", own, "/own", "", "", `{}`, nil, 401,
			Record{Service: "iamd", Operation: "Own", Outcome: "client_error", ErrorCode: "MissingAuthenticationToken"}},
		{"own endpoint canceled", own, "/own", "", "Bearer ok", `{}`, canceled, 200,
			Record{Service: "iamd", Operation: "Own", Outcome: "canceled"}},
		// A server-side deadline is the protocol's ServiceUnavailable (which clients retry), never a 500.
		{"query deadline", h, "/", "", "ok", "Action=GetUser&Version=2010-05-08", deadline, 503,
			Record{Service: "iam", Operation: "GetUser", Outcome: "error", ErrorCode: "ServiceUnavailable"}},
		{"json deadline", h, "/", "AWSOrganizationsV20161128.DescribeOrganization", "ok", "{}", deadline, 503,
			Record{Service: "organizations", Operation: "DescribeOrganization", Outcome: "error", ErrorCode: "ServiceUnavailable"}},
		{"decision deadline", d, AuthorizePath, "", "ok", `{}`, deadline, 503,
			Record{Service: "iamd", Operation: "Authorize", Outcome: "error", ErrorCode: "ServiceUnavailable"}},
		{"verify deadline", d, VerifyPath, "", "ok", `{}`, deadline, 503,
			Record{Service: "iamd", Operation: "Verify", Outcome: "error", ErrorCode: "ServiceUnavailable"}},
		{"sign-in deadline", signin, "/iamd/v1/signin", "", "", signinBody, deadline, 503,
			Record{Service: "iamd", Operation: "SignIn", Outcome: "error", ErrorCode: "ServiceUnavailable"}},
		{"own endpoint deadline", own, "/own", "", "Bearer ok", `{}`, deadline, 503,
			Record{Service: "iamd", Operation: "Own", Outcome: "error", ErrorCode: "ServiceUnavailable"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			if tc.ctx != nil {
				r = r.WithContext(tc.ctx)
			}
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			} else if tc.path == "/" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			tc.handler.ServeHTTP(w, r)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.want.Outcome == "canceled" && w.Body.Len() != 0 {
				t.Fatalf("a canceled request was answered: %s", w.Body)
			}
			if tc.want.ErrorCode == "ServiceUnavailable" && !strings.Contains(w.Body.String(), "ServiceUnavailable") && tc.handler != signin {
				t.Errorf("a request past its deadline was answered %s", w.Body)
			}
			got := rec.take()
			if len(got) != 1 {
				t.Fatalf("%d records: %+v", len(got), got)
			}
			if got[0].RequestID == "" || got[0].RequestID != w.Header().Get("x-amzn-RequestId") && tc.want.Outcome != "canceled" {
				t.Errorf("request ID %q, answered %q", got[0].RequestID, w.Header().Get("x-amzn-RequestId"))
			}
			got[0].RequestID = ""
			if got[0] != tc.want {
				t.Errorf("record %+v\nwant   %+v", got[0], tc.want)
			}
		})
	}
}

// newOwnEndpoint is an Endpoint as the operator's are: a bearer token ("ok") as its credential, an error body of
// its own, a 201 answer; its work fails as a store read would once the request's context is done.
func newOwnEndpoint(logger *slog.Logger) *Endpoint[string] {
	return NewEndpoint(EndpointSpec[string]{Service: "iamd", Operation: "Own", MaxBody: 1 << 10,
		Authenticate: func(req *EndpointRequest) (string, error) {
			if req.HTTP.Header.Get("Authorization") != "Bearer ok" {
				return "", &awserr.Error{Code: "MissingAuthenticationToken", HTTPStatus: 401, Message: "no token"}
			}
			return "ok", nil
		},
		Call: func(req *EndpointRequest, tok string) (int, any, error) {
			if err := req.HTTP.Context().Err(); err != nil {
				return 0, nil, fmt.Errorf("store: %w", err)
			}
			return http.StatusCreated, map[string]string{"token": tok}, nil
		},
		ErrorAnswer: func(h http.Header, info awsquery.ErrorInfo) (int, any) {
			return info.HTTPStatus, map[string]string{"Code": info.Code, "Message": info.Message}
		}}, logger, nil)
}

// TestPipelineAnswersWithTheRequestIDTheServerGave: a request whose context carries a request ID (the server's
// in-flight tracker gives one to each) is answered, logged and recorded with it, on every path.
func TestPipelineAnswersWithTheRequestIDTheServerGave(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	rec := &records{}
	h := New(fakeAuth{}, nil, nil, logger, nil)
	h.Record(rec)
	own := newOwnEndpoint(logger)
	own.Record(rec)
	for _, tc := range []struct {
		name    string
		handler http.Handler
		path    string
	}{{"query", h, "/"}, {"own endpoint", own, "/own"}} {
		t.Run(tc.name, func(t *testing.T) {
			id := NewRequestID()
			r := httptest.NewRequest("POST", tc.path, strings.NewReader("Action=GetUser&Version=2010-05-08"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r = r.WithContext(WithRequestID(r.Context(), id))
			w := httptest.NewRecorder()
			tc.handler.ServeHTTP(w, r)
			if got := w.Header().Get("x-amzn-RequestId"); got != id {
				t.Errorf("answered request ID %q, want %q", got, id)
			}
			if got := rec.take(); len(got) != 1 || got[0].RequestID != id {
				t.Errorf("records %+v, want request ID %s", got, id)
			}
			if !strings.Contains(logs.String(), "request_id="+id) {
				t.Errorf("the log does not name %s:\n%s", id, logs.String())
			}
		})
	}
}
