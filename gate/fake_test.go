package gate_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/iamd-dev/iamd/gate"
	"github.com/iamd-dev/iamd/internal/sigv4"
)

const (
	testAccount  = "123456789012"
	serviceKey   = "AKIASERVICEEXAMPLE01"
	serviceSec   = "c2VydmljZS1zZWNyZXQtZXhhbXBsZS1rZXktMDAx"
	aliceKey     = "AKIAALICEEXAMPLE0001"
	aliceSecret  = "YWxpY2Utc2VjcmV0LWV4YW1wbGUta2V5LTAwMDAx"
	sessionKey   = "ASIASESSIONEXAMPLE01"
	sessionSec   = "c2Vzc2lvbi1zZWNyZXQtZXhhbXBsZS1rZXktMDAx"
	sessionToken = "FwoGZXIvYXdzEXAMPLETOKEN"
)

// fakeKey is what the fake iamd knows of an access key.
type fakeKey struct {
	secret, token string
	principal     gate.Principal
	session       *gate.Session
}

// fakeIAMD speaks the decision API contract: it checks its caller's SigV4 signature (service "iamd"), verifies
// inner requests with the real sigv4 verifier from the fields the contract carries, and decides with decide.
// mode, when set, makes it misbehave.
type fakeIAMD struct {
	srv  *httptest.Server
	keys map[string]fakeKey
	// decide returns the decision for an authorize call.
	decide func(q authorizeBody) string

	mu       sync.Mutex
	mode     string // "", "500", "garbage", "bad-decision", "no-authenticated", "unauthenticated-no-code", "deny-service"
	queries  []authorizeBody
	verifies []verifyBody
}

type authorizeBody struct {
	Principal, AccessKeyID, Action, Resource string
	Context                                  map[string]any
	ResourcePolicyMustAllow                  *bool `json:"resourcePolicyMustAllow"`
}

type verifyBody struct {
	Service, Method, URL, Body, BodySHA256 string
	Headers                                map[string][]string
}

// keyStore adapts the fake's keys to sigv4.KeyStore.
type keyStore map[string]fakeKey

func (k keyStore) LookupKey(_ context.Context, id string) (sigv4.Key, error) {
	fk, ok := k[id]
	if !ok {
		return sigv4.Key{}, sigv4.ErrUnknownAccessKey
	}
	return sigv4.Key{Secret: []byte(fk.secret), SessionToken: fk.token, Identity: fk}, nil
}

func newFakeIAMD(t *testing.T) *fakeIAMD {
	t.Helper()
	f := &fakeIAMD{keys: map[string]fakeKey{
		serviceKey: {secret: serviceSec, principal: gate.Principal{ARN: "arn:aws:iam::" + testAccount + ":user/notes-service", Account: testAccount, Type: "User", UserID: "AIDASERVICE"}},
		aliceKey:   {secret: aliceSecret, principal: gate.Principal{ARN: "arn:aws:iam::" + testAccount + ":user/alice", Account: testAccount, Type: "User", UserID: "AIDAALICE"}},
		sessionKey: {secret: sessionSec, token: sessionToken, principal: gate.Principal{ARN: "arn:aws:sts::" + testAccount + ":assumed-role/r/s", Account: testAccount, Type: "AssumedRole", UserID: "AROAR:s"},
			session: &gate.Session{MFA: true, Tags: map[string]string{"team": "blue"}}},
	}}
	f.decide = func(q authorizeBody) string {
		if (q.AccessKeyID == aliceKey || q.AccessKeyID == sessionKey) && q.Action == "notes:GetNote" {
			return "allowed"
		}
		return "implicitDeny"
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIAMD) setMode(m string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = m
}

func (f *fakeIAMD) lastQuery() authorizeBody {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return authorizeBody{}
	}
	return f.queries[len(f.queries)-1]
}

func (f *fakeIAMD) lastVerify() verifyBody {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.verifies) == 0 {
		return verifyBody{}
	}
	return f.verifies[len(f.verifies)-1]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeIAMD) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	outer := sigv4.Verifier{Keys: keyStore(f.keys), Services: []string{"iamd"}}
	res, err := outer.Verify(r.Context(), r, body)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			writeJSON(w, se.HTTPStatus, map[string]string{"code": se.Code, "message": se.Message})
			return
		}
		writeJSON(w, 500, map[string]string{"code": "ServiceFailure", "message": err.Error()})
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		writeJSON(w, 400, map[string]string{"code": "ValidationError", "message": "Content-Type must be application/json"})
		return
	}
	f.mu.Lock()
	mode := f.mode
	f.mu.Unlock()
	switch mode {
	case "500":
		writeJSON(w, 500, map[string]string{"code": "ServiceFailure", "message": "database is locked"})
		return
	case "garbage":
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"decision": "allowed"`))
		return
	case "deny-service":
		writeJSON(w, 403, map[string]string{"code": "AccessDenied", "message": "User: " + res.Identity.(fakeKey).principal.ARN + " is not authorized to perform: iamd:Authorize on resource: *"})
		return
	}
	switch r.URL.Path {
	case "/iamd/v1/verify":
		var in verifyBody
		if err := json.Unmarshal(body, &in); err != nil {
			writeJSON(w, 400, map[string]string{"code": "ValidationError", "message": "bad JSON"})
			return
		}
		f.mu.Lock()
		f.verifies = append(f.verifies, in)
		f.mu.Unlock()
		switch mode {
		case "no-authenticated":
			writeJSON(w, 200, map[string]any{"accessKeyId": aliceKey})
			return
		case "unauthenticated-no-code":
			writeJSON(w, 200, map[string]any{"authenticated": false})
			return
		}
		f.verifyInner(w, in)
	case "/iamd/v1/authorize":
		var in authorizeBody
		if err := json.Unmarshal(body, &in); err != nil {
			writeJSON(w, 400, map[string]string{"code": "ValidationError", "message": "bad JSON"})
			return
		}
		f.mu.Lock()
		f.queries = append(f.queries, in)
		f.mu.Unlock()
		if mode == "bad-decision" {
			writeJSON(w, 200, map[string]any{"decision": "maybe"})
			return
		}
		p := in.Principal
		if in.AccessKeyID != "" {
			k, ok := f.keys[in.AccessKeyID]
			if !ok {
				writeJSON(w, 404, map[string]string{"code": "NoSuchEntity", "message": "The access key " + in.AccessKeyID + " cannot be found."})
				return
			}
			p = k.principal.ARN
		}
		writeJSON(w, 200, map[string]any{"decision": f.decide(in), "principal": p, "matchedStatements": []any{}, "reason": "fake"})
	default:
		writeJSON(w, 404, map[string]string{"code": "NotFound", "message": "no such path"})
	}
}

// verifyInner rebuilds the inner request from the contract's fields, as iamd must, and verifies it.
func (f *fakeIAMD) verifyInner(w http.ResponseWriter, in verifyBody) {
	u, err := url.Parse(in.URL)
	if err != nil {
		writeJSON(w, 400, map[string]string{"code": "ValidationError", "message": "bad url"})
		return
	}
	r := &http.Request{Method: in.Method, URL: u, Host: u.Host, Header: http.Header{}, RequestURI: u.RequestURI()}
	for k, v := range in.Headers {
		r.Header[http.CanonicalHeaderKey(k)] = v
	}
	if h := r.Header.Get("Host"); h != "" {
		r.Host = h
	}
	var sum [32]byte
	if n, err := hex.Decode(sum[:], []byte(in.BodySHA256)); err != nil || n != len(sum) {
		sum = sha256.Sum256(nil)
		if in.BodySHA256 != "" {
			writeJSON(w, 400, map[string]string{"code": "ValidationError", "message": "bad bodySHA256"})
			return
		}
	}
	inner := sigv4.Verifier{Keys: keyStore(f.keys), Services: []string{in.Service}}
	res, err := inner.VerifyPayloadHash(context.Background(), r, sum)
	if err != nil {
		var se *sigv4.Error
		if !errors.As(err, &se) {
			writeJSON(w, 500, map[string]string{"code": "ServiceFailure", "message": err.Error()})
			return
		}
		writeJSON(w, 200, map[string]any{"authenticated": false, "error": map[string]string{"code": se.Code, "message": se.Message}})
		return
	}
	k := res.Identity.(fakeKey)
	out := map[string]any{"authenticated": true, "accessKeyId": res.AccessKeyID, "region": res.Region, "principal": k.principal}
	if k.session != nil {
		out["session"] = k.session
	}
	writeJSON(w, 200, out)
}

// client is a gate.Client of the fake with the service's key.
func (f *fakeIAMD) client() *gate.Client {
	return &gate.Client{
		Endpoint:    f.srv.URL,
		Credentials: gate.Credentials{AccessKeyID: serviceKey, SecretAccessKey: serviceSec},
		Region:      "us-east-1",
		HTTPClient:  f.srv.Client(),
	}
}

// stringsHas is strings.Contains, named for the assertions.
func stringsHas(s, sub string) bool { return strings.Contains(s, sub) }
