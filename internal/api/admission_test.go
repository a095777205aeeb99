package api

import (
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
