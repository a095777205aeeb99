package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	miniJSONTypesImport = "github.com/iamd-dev/iamd/tools/genshapes/internal_minijson/minijsontypes"
	miniJSONAPIDir      = "internal_minijson/minijsonapi"
)

// miniJSON returns the shapes, dispatch, codec and trail encoders of testdata/minijson.json (a JSON protocol model).
func miniJSON(t *testing.T) (shapes, dispatch, codec, trail []byte) {
	t.Helper()
	m, err := ReadModel(filepath.Join("testdata", "minijson.json"))
	if err != nil {
		t.Fatal(err)
	}
	if shapes, err = Generate(m, Options{Package: "minijsontypes", Source: "minijson.json"}); err != nil {
		t.Fatal(err)
	}
	if dispatch, err = GenerateDispatch(m, DispatchOptions{Package: "minijsonapi", Source: "minijson.json", TypesName: "minijsontypes",
		TypesImport: miniJSONTypesImport, CallerImport: "github.com/iamd-dev/iamd/internal/iam", CallerType: "Caller"}); err != nil {
		t.Fatal(err)
	}
	if codec, err = GenerateJSONCodec(m, CodecOptions{Package: "minijsonapi", Source: "minijson.json", TypesName: "minijsontypes",
		TypesImport: miniJSONTypesImport}); err != nil {
		t.Fatal(err)
	}
	if trail, err = GenerateTrail(m, CodecOptions{Package: "minijsonapi", Source: "minijson.json", TypesName: "minijsontypes",
		TypesImport: miniJSONTypesImport}); err != nil {
		t.Fatal(err)
	}
	return shapes, dispatch, codec, trail
}

// TestGenerateJSONCodecMatchesGolden: the mini JSON model's codec is exactly testdata/minijson_codec.go.golden
// (go test -update rewrites it), and its shapes carry no wire metadata.
func TestGenerateJSONCodecMatchesGolden(t *testing.T) {
	shapes, dispatch, codec, _ := miniJSON(t)
	golden := filepath.Join("testdata", "minijson_codec.go.golden")
	if *update {
		if err := os.WriteFile(golden, codec, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(codec, want) {
		t.Errorf("generated codec differs from %s; run go test -update and review the diff", golden)
	}
	for _, s := range []string{"`json:", "apitypes.Timestamp"} {
		if bytes.Contains(shapes, []byte(s)) {
			t.Errorf("JSON protocol shapes carry %s", s)
		}
	}
	for _, s := range []string{"Since time.Time", "Until *time.Time"} {
		if !strings.Contains(squeeze(string(shapes)), squeeze(s)) {
			t.Errorf("shapes lack %q", s)
		}
	}
	for _, s := range []string{
		"Call: dispatch.JSONInputOutput(decodePutThingRequest, trailPutThingRequest, impl.PutThing, appendPutThingResponse, trailPutThingResponse),",
		"Call: dispatch.JSONOutputOnly(impl.GetThing, appendGetThingResponse, trailGetThingResponse),",
		"Call: dispatch.JSONInputOnly(decodeDeleteThingRequest, trailDeleteThingRequest, impl.DeleteThing),",
		"Call: dispatch.Neither(impl.Ping),",
	} {
		if !strings.Contains(squeeze(string(dispatch)), squeeze(s)) {
			t.Errorf("generated dispatch lacks %q", s)
		}
	}
}

func TestGenerateJSONCodecRefuses(t *testing.T) {
	m, err := ReadModel(filepath.Join("testdata", "mini.json"))
	if err != nil {
		t.Fatal(err)
	}
	opt := CodecOptions{Package: "p", TypesName: "t", TypesImport: "example.com/t"}
	if _, err := GenerateJSONCodec(m, opt); err == nil || !strings.Contains(err.Error(), "JSON protocol") {
		t.Errorf("a query model: %v", err)
	}
	m.Metadata.Protocol = "json"
	m.Shapes["floatType"] = &Shape{Type: "float"}
	s := m.Shapes["Inner"]
	s.Members = append(s.Members, Member{Name: "Ratio", Ref: &Ref{Shape: "floatType"}})
	if _, err := GenerateJSONCodec(m, opt); err == nil || !strings.Contains(err.Error(), "Ratio: float members are not supported") {
		t.Errorf("a model with a float member: %v", err)
	}
}

// TestGeneratedJSONDispatchChecksSignatures builds the mini JSON model's shapes, dispatch and codec in a scratch
// package: a domain method with the exact signature compiles and runs through the generated decoder and encoder;
// one with another signature is a compile error, as for the query protocol.
func TestGeneratedJSONDispatchChecksSignatures(t *testing.T) {
	goBin := scratchGo(t)
	good := `package minijsonapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/tools/genshapes/internal_minijson/minijsontypes"
)

type domain struct{}

func (domain) PutThing(ctx context.Context, c *iam.Caller, in *minijsontypes.PutThingRequest) (*minijsontypes.PutThingResponse, error) {
	return &minijsontypes.PutThingResponse{Thing: in.Inner, Items: in.Items, Created: &in.Since, Count: in.Count,
		Tree: &minijsontypes.Node{Name: &in.Name, Children: []minijsontypes.Node{{}}}, Digest: in.Digest}, nil
}

type binding struct {
	UnimplementedMiniJSON
	domain
}

var _ MiniJSON = binding{}

type body []byte

func (body) Decode(any) error            { return errors.New("Decode called") }
func (body) Invalid(err error) error     { return errors.Join(errors.New("invalid"), err) }
func (b body) Body() []byte              { return b }
func (body) Malformed(err error) error   { return errors.Join(errors.New("malformed"), err) }

func TestDispatch(t *testing.T) {
	ctx := context.Background()
	ops := dispatch.Index(Operations(binding{}, domain{}))
	out, err := ops["PutThing"].Call(ctx, &iam.Caller{}, body(` + "`" + `{"name":"abc","Since":"2024-11-25T13:27:14.5+01:00","Items":["x","<y>"],"Inner":{"Key":"k"},"Count":3,"Other":[{}],"Digest":"aGk="}` + "`" + `))
	if err != nil {
		t.Fatal(err)
	}
	want := ` + "`" + `{"Thing":{"Key":"k"},"Items":["x","\u003cy\u003e"],"Created":1732537634.5,"Count":3,"Tree":{"Name":"abc","Children":[{}]},"Digest":"aGk="}` + "`" + `
	if got := string(out.(dispatch.JSONOutput).AppendJSON(nil)); got != want {
		t.Fatalf("PutThing:\n got %s\nwant %s", got, want)
	}
	if _, err := ops["PutThing"].Call(ctx, &iam.Caller{}, body(` + "`" + `{"Name":1}` + "`" + `)); err == nil || !strings.HasPrefix(err.Error(), "malformed") {
		t.Fatalf("a body of the wrong type is not answered by Malformed: %v", err)
	}
	if _, err := ops["PutThing"].Call(ctx, &iam.Caller{}, body(` + "`" + `{"Name":"much too long for the model"}` + "`" + `)); err == nil || !strings.HasPrefix(err.Error(), "invalid") {
		t.Fatalf("an invalid input is not answered by Invalid: %v", err)
	}
	for _, op := range []string{"GetThing", "DeleteThing", "Ping"} {
		_, err := ops[op].Call(ctx, &iam.Caller{}, body(nil))
		if ae, ok := awserr.As(err); !ok || ae.Code != "NotImplementedException" || ops[op].Implemented {
			t.Fatalf("%s: %v", op, err)
		}
	}
}
`
	bad := `
type wrongDomain struct{}

func (wrongDomain) PutThing(ctx context.Context, c *iam.Caller, in *minijsontypes.PutThingRequest) error { return nil }

var _ MiniJSON = struct {
	UnimplementedMiniJSON
	wrongDomain
}{}
`
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	shapes, dispatch, codec, trail := miniJSON(t)
	gs := filepath.Join(root, "tools", "genshapes")
	build := func(t *testing.T, extra string) ([]byte, error) {
		return buildScratch(t, goBin, map[string][]byte{
			filepath.Join(gs, "internal_minijson", "minijsontypes", "zz_generated_shapes.go"): shapes,
			filepath.Join(gs, miniJSONAPIDir, "zz_generated_dispatch.go"):                     dispatch,
			filepath.Join(gs, miniJSONAPIDir, "zz_generated_codec.go"):                        codec,
			filepath.Join(gs, miniJSONAPIDir, "zz_generated_trail.go"):                        trail,
			filepath.Join(gs, miniJSONAPIDir, "extra_test.go"):                                []byte(extra),
		}, miniJSONAPIDir)
	}
	t.Run("exact signature compiles and dispatches through the codec", func(t *testing.T) {
		if out, err := build(t, good); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})
	t.Run("wrong signature is a compile error", func(t *testing.T) {
		out, err := build(t, good+bad)
		if err == nil || !bytes.Contains(out, []byte("wrong type for method PutThing")) {
			t.Fatalf("a domain method with the wrong signature compiled (err %v):\n%s", err, out)
		}
	})
}

// TestSelectOperationsListsTheOthersByName: -operations keeps the shapes, codec and interface to the operations
// named; the dispatch table still names the model's others, never Implemented and without a Call, so the wire
// layer answers them NotImplemented; a name the model lacks is an error.
func TestSelectOperationsListsTheOthersByName(t *testing.T) {
	m, err := ReadModel(filepath.Join("testdata", "minijson.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.SelectOperations([]string{"PutThing", "Nope"}); err == nil || !strings.Contains(err.Error(), `"Nope"`) {
		t.Fatalf("an unknown operation: %v", err)
	}
	others, err := m.SelectOperations([]string{"PutThing"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(others, ","); got != "DeleteThing,GetThing,Ping" {
		t.Fatalf("others = %s", got)
	}
	opt := DispatchOptions{Package: "minijsonapi", TypesName: "minijsontypes", TypesImport: miniJSONTypesImport,
		CallerImport: "github.com/iamd-dev/iamd/internal/iam", CallerType: "Caller", Others: others}
	dispatch, err := GenerateDispatch(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	codec, err := GenerateJSONCodec(m, CodecOptions{Package: "minijsonapi", TypesName: "minijsontypes", TypesImport: miniJSONTypesImport})
	if err != nil {
		t.Fatal(err)
	}
	shapes, err := Generate(m, Options{Package: "minijsontypes"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`{Name: "DeleteThing"},`, `{Name: "GetThing"},`, `{Name: "Ping"},`, "impl.PutThing"} {
		if !strings.Contains(squeeze(string(dispatch)), squeeze(s)) {
			t.Errorf("dispatch lacks %q", s)
		}
	}
	for _, s := range []string{"impl.Ping", "GetThing(ctx", "appendGetThingResponse"} {
		if strings.Contains(string(dispatch)+string(codec), s) {
			t.Errorf("dispatch or codec has %q of an operation left out", s)
		}
	}
	if strings.Contains(string(shapes), "type GetThingResponse struct") {
		t.Error("shapes of an operation left out are generated")
	}
	opt.Others = append(opt.Others, "PutThing")
	if _, err := GenerateDispatch(m, opt); err == nil {
		t.Error("an operation both selected and listed among the others is accepted")
	}
}
