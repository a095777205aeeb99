package api

import (
	"bytes"
	"context"
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
	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
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

func (rs *records) RecordRequest(ctx context.Context, rec Record) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
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
	d := NewDecisionHandler(cancelingAuth{}, nil, newDecisionService(t), logger, nil)
	d.Record(rec)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
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
