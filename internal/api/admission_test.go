package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// TestAdmissionAnswersServiceUnavailableWhenFull: with every slot taken, a request of either protocol is answered
// at once with 503 ServiceUnavailable in its protocol's shape; once a slot is free it is served again.
func TestAdmissionAnswersServiceUnavailableWhenFull(t *testing.T) {
	h := New(fakeAuth{}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	h.AddJSONService("organizations", orgtypes.TargetPrefix, fakeOrgOps())
	a := NewAdmission(1)
	h.Admit(a)
	jsonCall := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.DescribeOrganization")
		r.Header.Set("Authorization", "ok")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	leave, ok := a.enter()
	if !ok {
		t.Fatal("an empty Admission refused")
	}
	if _, ok := a.enter(); ok {
		t.Fatal("a full Admission admitted")
	}
	if w := jsonCall(); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"__type":"ServiceUnavailable"`) {
		t.Fatalf("JSON with the slot taken: %d %s", w.Code, w.Body)
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader("Action=ListUsers&Version=2010-05-08"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "ok")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "<Code>ServiceUnavailable</Code>") ||
		!strings.Contains(w.Body.String(), "<Type>Receiver</Type>") {
		t.Fatalf("query with the slot taken: %d %s", w.Code, w.Body)
	}
	leave()
	if w := jsonCall(); w.Code != http.StatusOK {
		t.Fatalf("JSON with the slot free: %d %s", w.Code, w.Body)
	}
}

// syncer is a Syncer that counts its calls and fails while err is set.
type syncer struct {
	calls int
	err   error
}

func (s *syncer) Sync(context.Context) error { s.calls++; return s.err }

// TestSyncRunsOncePerRequestAndItsFailureIsServiceUnavailable: the pipeline brings the store up to date once per
// request, before authenticating it; when the store cannot say what other nodes committed, the request is answered
// 503 ServiceUnavailable (retryable), never from caches that may be stale.
func TestSyncRunsOncePerRequestAndItsFailureIsServiceUnavailable(t *testing.T) {
	h := New(fakeAuth{}, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	h.AddJSONService("organizations", orgtypes.TargetPrefix, fakeOrgOps())
	s := &syncer{}
	h.SyncStore(s)
	call := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.DescribeOrganization")
		r.Header.Set("Authorization", "ok")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := call(); w.Code != http.StatusOK || s.calls != 1 {
		t.Fatalf("with the store in sync: %d %s after %d Syncs, want 200 after 1", w.Code, w.Body, s.calls)
	}
	s.err = errors.New("database unreachable")
	if w := call(); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"__type":"ServiceUnavailable"`) {
		t.Fatalf("with Sync failing: %d %s, want 503 ServiceUnavailable", w.Code, w.Body)
	}
}
