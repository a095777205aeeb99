package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateRESTJSONMatchesGolden: the codec and dispatch of the mini REST-JSON model (testdata/minirest.json)
// are exactly testdata/minirest_codec.go.golden and minirest_dispatch.go.golden (go test -update rewrites them):
// members outside the body are left out of the body's codec and read by bind<Input> by their location and wire
// name, an input with such members is dispatched with dispatch.RESTInputOutput (dispatch.RESTInputOnly without
// output, whose members outside the body are bound too), and Routes lists every operation's method, requestUri and
// status, those SelectOperations left out included.
func TestGenerateRESTJSONMatchesGolden(t *testing.T) {
	m, err := ReadModel(filepath.Join("testdata", "minirest.json"))
	if err != nil {
		t.Fatal(err)
	}
	others, err := m.SelectOperations([]string{"GetThing", "ListThings", "DeleteThing"})
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := Generate(m, Options{Package: "miniresttypes", Source: "minirest.json"})
	if err != nil {
		t.Fatal(err)
	}
	codec, err := GenerateJSONCodec(m, CodecOptions{Package: "minirestapi", Source: "minirest.json", TypesName: "miniresttypes", TypesImport: "example.com/miniresttypes"})
	if err != nil {
		t.Fatal(err)
	}
	dispatch, err := GenerateDispatch(m, DispatchOptions{Package: "minirestapi", Source: "minirest.json", TypesName: "miniresttypes",
		TypesImport: "example.com/miniresttypes", CallerImport: "github.com/iamd-dev/iamd/internal/iam", CallerType: "Caller", Others: others})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"minirest_codec.go.golden": codec, "minirest_dispatch.go.golden": dispatch} {
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("generated code differs from %s; run go test -update and review the diff", golden)
		}
	}
	for _, s := range []string{`SigningName = "mini-rest"`} {
		if !strings.Contains(squeeze(string(shapes)), squeeze(s)) {
			t.Errorf("shapes lack %q", s)
		}
	}
	for _, s := range []string{
		`jsonproto.ParamString(p, "uri", "name", &v.Name)`,
		`jsonproto.ParamBoolPtr(p, "querystring", "verbose", &v.Verbose)`,
		`jsonproto.ParamStringPtr(p, "header", "X-Mini-Token", &v.Token)`,
		`jsonproto.ParamInt32Ptr(p, "querystring", "maxResults", &v.MaxResults)`,
		`jsonproto.NewMembers("", "filter", "colors")`,
	} {
		if !strings.Contains(squeeze(string(codec)), squeeze(s)) {
			t.Errorf("codec lacks %q", s)
		}
	}
	for _, s := range []string{
		"Call: dispatch.RESTInputOutput(decodeGetThingRequest, bindGetThingRequest, trailGetThingRequest, impl.GetThing, appendGetThingResponse, trailGetThingResponse),",
		`{Method: "DELETE", URI: "/things/{name}", Name: "DeleteThing", Status: 204},`,
		`{Method: "GET", URI: "/things/{name}", Name: "GetThing", Status: 200},`,
		`{Method: "POST", URI: "/things", Name: "ListThings", Status: 200},`,
		"Call: dispatch.RESTInputOnly(decodeDeleteThingRequest, bindDeleteThingRequest, trailDeleteThingRequest, impl.DeleteThing),",
	} {
		if !strings.Contains(squeeze(string(dispatch)), squeeze(s)) {
			t.Errorf("dispatch lacks %q", s)
		}
	}
}
