package gate_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/gate"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

// FuzzMiddlewareFailsClosed serves arbitrary answers (status and body) from a stand-in iamd and checks that the
// middleware lets a request through only when the verify answer says authenticated and the authorize answer is a
// 200 with the decision "allowed", and that it never panics.
func FuzzMiddlewareFailsClosed(f *testing.F) {
	okVerify := `{"authenticated":true,"accessKeyId":"AKIAALICEEXAMPLE0001","region":"us-east-1","principal":{"arn":"arn:aws:iam::123456789012:user/alice","account":"123456789012","type":"User","userId":"AIDAALICE"}}`
	f.Add(200, okVerify, 200, `{"decision":"allowed","principal":"arn:aws:iam::123456789012:user/alice"}`)
	f.Add(200, okVerify, 200, `{"decision":"implicitDeny"}`)
	f.Add(200, okVerify, 200, `{"decision":"Allowed"}`)
	f.Add(200, okVerify, 403, `{"code":"AccessDenied","message":"no"}`)
	f.Add(200, `{"authenticated":false,"error":{"code":"SignatureDoesNotMatch","message":"x"}}`, 200, `{"decision":"allowed"}`)
	f.Add(200, `{"authenticated":false}`, 200, `{"decision":"allowed"}`)
	f.Add(200, `{"authenticated":"true"}`, 200, `{"decision":"allowed"}`)
	f.Add(500, `{"code":"ServiceFailure"}`, 200, `{"decision":"allowed"}`)
	f.Add(200, `null`, 200, `null`)
	f.Add(200, okVerify, 200, `{"decision":"allowed"}{"decision":"explicitDeny"}`)
	// One stand-in iamd for all inputs, answering what the current input says; a worker runs inputs one at a time.
	var (
		mu                      sync.Mutex
		verifyStatus, authzStat int
		verifyBody, authzAnswer string
	)
	iamd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status, body := authzStat, authzAnswer
		if r.URL.Path == "/iamd/v1/verify" {
			status, body = verifyStatus, verifyBody
		}
		mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	f.Cleanup(iamd.Close)
	c := &gate.Client{Endpoint: iamd.URL, Credentials: gate.Credentials{AccessKeyID: serviceKey, SecretAccessKey: serviceSec}, Region: "us-east-1", HTTPClient: iamd.Client()}
	f.Fuzz(func(t *testing.T, vStatus int, vBody string, aStatus int, aBody string) {
		if vStatus < 200 || vStatus > 599 || aStatus < 200 || aStatus > 599 {
			return
		}
		mu.Lock()
		verifyStatus, verifyBody, authzStat, authzAnswer = vStatus, vBody, aStatus, aBody
		mu.Unlock()
		passed := false
		h := gate.Middleware(c, gate.Options{
			Service: "notes",
			Resolve: func(*http.Request) (string, string, map[string]any, error) { return "notes:GetNote", "*", nil, nil },
			Logger:  slog.New(slog.DiscardHandler),
		})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := gate.IdentityFrom(r.Context()); !ok {
				t.Fatal("handler without identity")
			}
			passed = true
		}))
		r := httptest.NewRequest("GET", "http://notes.example/notes/7", nil)
		sigv4.Sign(r, nil, alice, "us-east-1", "notes", time.Now().UTC())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		var v struct {
			Authenticated *bool `json:"authenticated"`
		}
		var a struct {
			Decision string `json:"decision"`
		}
		verified := vStatus == 200 && json.Unmarshal([]byte(vBody), &v) == nil && v.Authenticated != nil && *v.Authenticated
		allowed := aStatus == 200 && json.Unmarshal([]byte(aBody), &a) == nil && a.Decision == "allowed"
		if passed && (!verified || !allowed) {
			t.Fatalf("request passed with verify %d %q and authorize %d %q", vStatus, vBody, aStatus, aBody)
		}
		if !passed && w.Code == 200 {
			t.Fatalf("refused with 200")
		}
		if w.Code == 500 && !strings.Contains(w.Body.String(), `"InternalFailure"`) {
			t.Fatalf("500 body %s", w.Body)
		}
	})
}
