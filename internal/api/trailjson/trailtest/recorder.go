package trailtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Recorder is a dispatch.Trail that keeps what it was told: Events lists "request" and "response" in the order
// they came, and JSON writes the event's two members from the encoders.
type Recorder struct {
	Events            []string
	request, response func([]byte) []byte
}

// Request keeps the encoder of the call's input.
func (r *Recorder) Request(enc func(b []byte) []byte) {
	r.Events = append(r.Events, "request")
	r.request = enc
}

// Response keeps the encoder of the call's output.
func (r *Recorder) Response(enc func(b []byte) []byte) {
	r.Events = append(r.Events, "response")
	r.response = enc
}

// JSON returns {"requestParameters": ..., "responseElements": ...} as an event would hold them, null for what
// the Recorder was not told, indented; it fails the test when an encoder wrote no valid JSON.
func (r *Recorder) JSON(t testing.TB) []byte {
	t.Helper()
	member := func(enc func([]byte) []byte) json.RawMessage {
		if enc == nil {
			return json.RawMessage("null")
		}
		b := enc(nil)
		if !json.Valid(b) {
			t.Fatalf("the trail encoder wrote no valid JSON: %s", b)
		}
		return b
	}
	out, err := json.MarshalIndent(struct {
		RequestParameters json.RawMessage `json:"requestParameters"`
		ResponseElements  json.RawMessage `json:"responseElements"`
	}{member(r.request), member(r.response)}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// MatchGolden compares got with the file at path; update rewrites the file first.
func MatchGolden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; run go test -update and review the diff:\n%s", path, got)
	}
}

// Golden runs call with a Recorder as the context's dispatch.Trail, compares the event's requestParameters and
// responseElements with the golden file at path (update rewrites it), and fails the test when any of secrets is
// in them.
func Golden(t *testing.T, path string, update bool, secrets []string, call func(context.Context) error) {
	t.Helper()
	var rec Recorder
	if err := call(dispatch.WithTrail(context.Background(), &rec)); err != nil {
		t.Fatal(err)
	}
	got := rec.JSON(t)
	MatchGolden(t, path, got, update)
	for _, secret := range secrets {
		if secret != "" && bytes.Contains(got, []byte(secret)) {
			t.Errorf("the secret %q is in the trail:\n%s", secret, got)
		}
	}
}

// QueryGolden is Golden for a query-protocol operation of ops (IAM, STS): it runs the operation named action
// on the form of the URL-encoded query and compares the trail with testdata/trail/<name>.json.
func QueryGolden(t *testing.T, ops map[string]dispatch.QueryOperation, namespace, name, action, query string, update bool, secrets []string) {
	t.Helper()
	form, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	Golden(t, filepath.Join("testdata", "trail", name+".json"), update, secrets, func(ctx context.Context) error {
		return ops[action].Call(ctx, &iam.Caller{}, form, awsquery.NewResponse(action, namespace))
	})
}
