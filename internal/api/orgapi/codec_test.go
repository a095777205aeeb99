package orgapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/api/jsonproto"
)

// The generated codec must answer exactly as encoding/json did over the json-tagged shapes it replaces
// (zz_legacy_shapes_test.go): for every input shape the same decoded value or an error from both, for every
// output shape the same bytes. Reflection is fine here: it is the reference.

type codecInput struct {
	shape     string
	newPlain  func() any
	newLegacy func() any
	decode    func([]byte, any) error
}

type codecOutput struct {
	shape     string
	newPlain  func() any
	newLegacy func() any
	append    func([]byte, any) []byte
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	legacyTimeType = reflect.TypeFor[legacyTimestamp]()
)

func TestCodecTableCoversEveryOperation(t *testing.T) {
	ins, outs := map[string]bool{}, map[string]bool{}
	for _, c := range codecInputs {
		ins[c.shape] = true
	}
	for _, c := range codecOutputs {
		outs[c.shape] = true
	}
	// The operations' input and output shapes, read off the generated interface (its methods take and return
	// the shapes named as in the model).
	api := reflect.TypeFor[Organizations]()
	for i := range api.NumMethod() {
		m := api.Method(i)
		if m.Type.NumIn() == 3 {
			if in := m.Type.In(2).Elem().Name(); !ins[in] {
				t.Errorf("%s: input %s has no decoder in the test table", m.Name, in)
			}
		}
		if m.Type.NumOut() == 2 {
			if out := m.Type.Out(0).Elem().Name(); !outs[out] {
				t.Errorf("%s: output %s has no encoder in the test table", m.Name, out)
			}
		}
	}
}

// sameValue compares a value decoded by encoding/json into a tagged shape with one decoded by the codec into the
// plain shape: same nil-ness of pointers and lists (nil and empty lists differ), same scalars, same times.
func sameValue(path string, legacy, plain reflect.Value) error {
	if legacy.Type() == legacyTimeType {
		if lt, pt := legacy.Interface().(legacyTimestamp).Time, plain.Interface().(time.Time); lt != pt {
			return fmt.Errorf("%s: %v (encoding/json) != %v (codec)", path, lt, pt)
		}
		return nil
	}
	switch legacy.Kind() {
	case reflect.Pointer:
		if legacy.IsNil() != plain.IsNil() {
			return fmt.Errorf("%s: nil %v (encoding/json) != nil %v (codec)", path, legacy.IsNil(), plain.IsNil())
		}
		if legacy.IsNil() {
			return nil
		}
		return sameValue(path, legacy.Elem(), plain.Elem())
	case reflect.Slice:
		if legacy.IsNil() != plain.IsNil() || legacy.Len() != plain.Len() {
			return fmt.Errorf("%s: list nil %v len %d (encoding/json) != nil %v len %d (codec)", path, legacy.IsNil(), legacy.Len(), plain.IsNil(), plain.Len())
		}
		for i := range legacy.Len() {
			if err := sameValue(fmt.Sprintf("%s[%d]", path, i), legacy.Index(i), plain.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if legacy.NumField() != plain.NumField() {
			return fmt.Errorf("%s: %d fields (legacy) != %d (plain)", path, legacy.NumField(), plain.NumField())
		}
		for i := range legacy.NumField() {
			if err := sameValue(path+"."+plain.Type().Field(i).Name, legacy.Field(i), plain.Field(i)); err != nil {
				return err
			}
		}
	case reflect.String:
		if legacy.String() != plain.String() {
			return fmt.Errorf("%s: %q (encoding/json) != %q (codec)", path, legacy.String(), plain.String())
		}
	case reflect.Int32, reflect.Int64:
		if legacy.Int() != plain.Int() {
			return fmt.Errorf("%s: %d (encoding/json) != %d (codec)", path, legacy.Int(), plain.Int())
		}
	case reflect.Bool:
		if legacy.Bool() != plain.Bool() {
			return fmt.Errorf("%s: %v (encoding/json) != %v (codec)", path, legacy.Bool(), plain.Bool())
		}
	default:
		return fmt.Errorf("%s: kind %s not compared", path, legacy.Kind())
	}
	return nil
}

// checkDecode decodes body with encoding/json into the tagged shape and with the codec into the plain one.
func checkDecode(t testing.TB, in codecInput, body []byte) {
	t.Helper()
	legacy, plain := in.newLegacy(), in.newPlain()
	errL := json.Unmarshal(body, legacy)
	errP := in.decode(body, plain)
	if absent := (*jsonproto.Absent)(nil); errors.As(errP, &absent) {
		errP = nil // read completely; it reports required members left out, which Validate turns into nulls
	}
	if (errL == nil) != (errP == nil) {
		t.Fatalf("%s %q: encoding/json says %v, the codec %v", in.shape, body, errL, errP)
	}
	if errL == nil {
		if err := sameValue(in.shape, reflect.ValueOf(legacy).Elem(), reflect.ValueOf(plain).Elem()); err != nil {
			t.Fatalf("%s %q: %v", in.shape, body, err)
		}
	}
}

// toLegacy copies a plain value into the tagged shape type lt, times as the domain used to hand them over
// (apitypes.NewTimestamp: UTC, truncated to milliseconds).
func toLegacy(plain reflect.Value, lt reflect.Type) reflect.Value {
	out := reflect.New(lt).Elem()
	if lt == legacyTimeType {
		out.Set(reflect.ValueOf(newLegacyTimestamp(plain.Interface().(time.Time))))
		return out
	}
	switch lt.Kind() {
	case reflect.Pointer:
		if !plain.IsNil() {
			out.Set(toLegacy(plain.Elem(), lt.Elem()).Addr())
		}
	case reflect.Slice:
		if !plain.IsNil() {
			out.Set(reflect.MakeSlice(lt, plain.Len(), plain.Len()))
			for i := range plain.Len() {
				out.Index(i).Set(toLegacy(plain.Index(i), lt.Elem()))
			}
		}
	case reflect.Struct:
		for i := range lt.NumField() {
			out.Field(i).Set(toLegacy(plain.Field(i), lt.Field(i).Type))
		}
	case reflect.String:
		out.SetString(plain.String())
	case reflect.Int32, reflect.Int64:
		out.SetInt(plain.Int())
	case reflect.Bool:
		out.SetBool(plain.Bool())
	default:
		panic("toLegacy: kind " + lt.Kind().String())
	}
	return out
}

// checkEncode writes a plain value with the codec and its tagged copy with encoding/json.
func checkEncode(t testing.TB, out codecOutput, plain any) {
	t.Helper()
	legacy := toLegacy(reflect.ValueOf(plain).Elem(), reflect.TypeOf(out.newLegacy()).Elem()).Addr().Interface()
	want, err := json.Marshal(legacy)
	if err != nil {
		t.Fatalf("%s: encoding/json: %v", out.shape, err)
	}
	if got := out.append(nil, plain); !bytes.Equal(got, want) {
		t.Fatalf("%s:\ncodec         %s\nencoding/json %s", out.shape, got, want)
	}
}

// goStrings are string values worth encoding: HTML characters, escapes, control characters, U+2028/9, invalid
// UTF-8.
var goStrings = []string{"", "a", "o-exampleorgid", "<script>&amp;</script>", "\"\\/", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"café", "😀", "\u2028\u2029", "\xff", "a\xed\xa0\x80b", "\xe2\x82", "\ufffd", "arn:aws:organizations::123456789012:account/o-x/1"}

// filler fills plain shapes with random values.
type filler struct {
	r    *rand.Rand
	text string // fuzz input mixed into the strings
}

func (f *filler) str() string {
	switch f.r.IntN(4) {
	case 0:
		b := make([]byte, f.r.IntN(12))
		for i := range b {
			b[i] = byte(f.r.IntN(256))
		}
		return string(b)
	case 1:
		if f.text != "" {
			return f.text
		}
	}
	return goStrings[f.r.IntN(len(goStrings))]
}

func (f *filler) fill(v reflect.Value, depth int) {
	if v.Type() == timeType {
		sec := f.r.Int64N(2e10) - 1e10
		ns := f.r.Int64N(1e9)
		switch f.r.IntN(3) {
		case 0:
			ns = ns / 1e6 * 1e6
		case 1:
			ns = 0
		}
		t := time.Unix(sec, ns)
		if f.r.IntN(2) == 0 {
			t = t.In(time.FixedZone("x", 3600*(f.r.IntN(25)-12)))
		}
		v.Set(reflect.ValueOf(t))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 4 || f.r.IntN(4) == 0 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Slice:
		n := 0
		switch k := f.r.IntN(6); {
		case depth > 4 || k == 0:
			return // nil
		case k == 1:
		default:
			n = 1 + f.r.IntN(3)
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i), depth)
		}
	case reflect.String:
		v.SetString(f.str())
	case reflect.Int32:
		v.SetInt(int64(int32(f.r.Uint32())))
	case reflect.Int64:
		v.SetInt(int64(f.r.Uint64()))
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	default:
		panic("fill: kind " + v.Kind().String())
	}
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, out := range codecOutputs {
		t.Run(out.shape, func(t *testing.T) {
			checkEncode(t, out, out.newPlain()) // the zero value: required members written as null or ""
			f := &filler{r: r}
			for range 300 {
				v := out.newPlain()
				f.fill(reflect.ValueOf(v).Elem(), 0)
				checkEncode(t, out, v)
			}
		})
	}
}

// FuzzEncodeMatchesEncodingJSON fills an output shape from a seed and the fuzzer's text.
func FuzzEncodeMatchesEncodingJSON(f *testing.F) {
	for i := range codecOutputs {
		f.Add(uint16(i), uint64(i), goStrings[i%len(goStrings)])
	}
	f.Fuzz(func(t *testing.T, shape uint16, seed uint64, text string) {
		out := codecOutputs[int(shape)%len(codecOutputs)]
		v := out.newPlain()
		(&filler{r: rand.New(rand.NewPCG(seed, 7)), text: text}).fill(reflect.ValueOf(v).Elem(), 0)
		checkEncode(t, out, v)
	})
}

// JSON texts for the body generator, some of them not JSON.
var (
	jsonStrings = []string{`""`, `"a"`, `"o-exampleorgid"`, `"caf\u00e9"`, `"\ud83d\ude00"`, `"\ud800"`, `"\udc00\ud800"`,
		`"\ud800\u0041"`, `"\ud800\\"`, `"a\/b"`, `"\b\f\n\r\t\"\\"`, "\"\xff\xfe\"", "\"\xed\xa0\x80\"", `"é"`, "\"\x01\"", `"\x"`,
		`"\u12"`, `"<&>"`, "\"\u2028\"", `"2024-11-25T13:27:14Z"`, `"2024-11-25T13:27:14.123456789+02:00"`,
		`"2024-11-25T13:27:14\u005a"`, `"2024-11-25T13:27:14Z\/"`, `"2024-11-25 13:27:14"`, `"yesterday"`, `"r-ab12"`,
		`"SERVICE_CONTROL_POLICY"`, `"ACCOUNT"`, `"\u0000"`}
	jsonNumbers = []string{"0", "-0", "1", "20", "2147483647", "2147483648", "-2147483648", "-2147483649",
		"9223372036854775808", "1.0", "1.5", "1e2", "1E+2", "-1.5e-3", "1732541234", "1732541234.125", "1732541234.0005",
		"1e12", "1e13", "-1e12", "01", "-", "1.", ".5", "1e", "+1", "0x10"}
	jsonLiterals = []string{"true", "false", "null", "nul", "True", "[]", "{}", `[1,"a",{"b":null}]`, `{"a":[{}]}`}
)

// bodyGen writes random JSON bodies for a shape: the shape's members under their names and variants of them
// (case, Unicode folding, escapes), unknown members, duplicates, nulls, values of the wrong type, whitespace,
// and byte mutations.
type bodyGen struct {
	r *rand.Rand
	b []byte
}

func (g *bodyGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *bodyGen) space() {
	if g.r.IntN(10) == 0 {
		g.b = append(g.b, g.pick([]string{" ", "\t", "\n", "\r\n  "})...)
	}
}

func (g *bodyGen) any(depth int) {
	switch k := g.r.IntN(4); {
	case k == 0 && depth < 3:
		g.b = append(g.b, '[')
		for i := range g.r.IntN(3) {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.any(depth + 1)
		}
		g.b = append(g.b, ']')
	case k == 1 && depth < 3:
		g.b = append(g.b, '{')
		for i := range g.r.IntN(3) {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.b = append(g.b, g.pick(jsonStrings)...)
			g.b = append(g.b, ':')
			g.any(depth + 1)
		}
		g.b = append(g.b, '}')
	case k == 2:
		g.b = append(g.b, g.pick(jsonStrings)...)
	default:
		g.b = append(g.b, g.pick(append(jsonNumbers, jsonLiterals...))...)
	}
}

// name writes a variant of a member name.
func (g *bodyGen) name(n string) {
	switch g.r.IntN(12) {
	case 0:
		n = strings.ToLower(n)
	case 1:
		n = strings.ToUpper(n)
	case 2:
		n = strings.NewReplacer("K", "\u212a", "k", "\u212a", "S", "\u017f", "s", "\u017f").Replace(n)
	case 3:
		n = strings.NewReplacer("K", `\u212a`, "s", `\u017f`).Replace(n)
	case 4:
		n = fmt.Sprintf(`\u%04x`, n[0]) + n[1:]
	case 5:
		n += "x"
	case 6:
		n = strings.ToLower(n[:1]) + n[1:]
	}
	g.b = append(g.b, '"')
	g.b = append(g.b, n...)
	g.b = append(g.b, '"')
}

func (g *bodyGen) value(t reflect.Type, depth int) {
	g.space()
	defer g.space()
	switch k := g.r.IntN(25); {
	case k == 0:
		g.any(depth)
		return
	case k == 1:
		g.b = append(g.b, "null"...)
		return
	}
	if t == timeType {
		if g.r.IntN(2) == 0 {
			g.b = append(g.b, g.pick(jsonNumbers)...)
		} else {
			g.b = append(g.b, g.pick(jsonStrings[19:25])...)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		g.value(t.Elem(), depth)
	case reflect.Slice:
		g.b = append(g.b, '[')
		for i := range g.r.IntN(4) {
			if i > 0 {
				g.b = append(g.b, ',')
			}
			g.value(t.Elem(), depth+1)
		}
		g.b = append(g.b, ']')
	case reflect.Struct:
		g.b = append(g.b, '{')
		first := true
		for range g.r.IntN(t.NumField() + 3) {
			if !first {
				g.b = append(g.b, ',')
			}
			first = false
			g.space()
			if t.NumField() == 0 || g.r.IntN(6) == 0 || depth > 4 {
				g.b = append(g.b, g.pick(jsonStrings)...)
				g.b = append(g.b, ':')
				g.any(depth + 1)
				continue
			}
			f := t.Field(g.r.IntN(t.NumField()))
			g.name(f.Name)
			g.space()
			g.b = append(g.b, ':')
			g.value(f.Type, depth+1)
		}
		g.b = append(g.b, '}')
	case reflect.String:
		g.b = append(g.b, g.pick(jsonStrings)...)
	case reflect.Int32, reflect.Int64:
		g.b = append(g.b, g.pick(jsonNumbers)...)
	case reflect.Bool:
		g.b = append(g.b, g.pick([]string{"true", "false"})...)
	default:
		panic("value: kind " + t.Kind().String())
	}
}

// body returns a random body for the plain type t.
func (g *bodyGen) body(t reflect.Type) []byte {
	g.b = g.b[:0]
	g.value(t, 0)
	for range g.r.IntN(8) - 5 { // mostly none
		switch i := g.r.IntN(len(g.b) + 1); g.r.IntN(4) {
		case 0:
			g.b = g.b[:i]
		case 1:
			if i < len(g.b) {
				g.b = append(g.b[:i], g.b[i+1:]...)
			}
		case 2:
			const junk = "{}[],:\"\\ 0tn\xff"
			g.b = append(g.b[:i], append([]byte{junk[g.r.IntN(len(junk))]}, g.b[i:]...)...)
		case 3:
			g.b = append(g.b, g.pick([]string{" ", "x", "{}", "\x00"})...)
		}
	}
	return bytes.Clone(g.b)
}

func inputByShape(t testing.TB, shape string) codecInput {
	for _, in := range codecInputs {
		if in.shape == shape {
			return in
		}
	}
	t.Fatalf("no input shape %s", shape)
	return codecInput{}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	deep := func(n int) string { return `{"Unknown":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}` }
	cases := []struct{ name, shape, body string }{
		{"members matched case-insensitively", "CreateAccountRequest", `{"email":"a@example.com","ACCOUNTNAME":"x"}`},
		{"the Kelvin sign folds to K", "CreateAccountRequest", `{"Tags":[{"\u212aey":"k","VALUE":"v"},{"` + "\u212a" + `EY":"k2"}]}`},
		{"the long s folds to S", "CreateAccountRequest", `{"Tags":[{"Key":"k"}],"Tag` + "\u017f" + `":null}`},
		{"escaped member name", "CreateAccountRequest", `{"\u0045mail":"e"}`},
		{"unknown members skipped", "CreateAccountRequest", `{"Nope":{"a":[1,2,{"b":null}]},"Email":"e"}`},
		{"a repeated structure merges", "InviteAccountToOrganizationRequest", `{"Target":{"Id":"1"},"Target":{"Type":"ACCOUNT"}}`},
		{"a repeated list reuses its elements", "CreateAccountRequest", `{"Tags":[{"Key":"a","Value":"b"},{"Key":"c","Value":"d"}],"Tags":[{"Key":"x"}],"Tags":[{},{}]}`},
		{"a null element keeps the old one", "CreateAccountRequest", `{"Tags":[{"Key":"a"}],"Tags":[null,null]}`},
		{"an empty list is not nil", "CreateAccountRequest", `{"Tags":[]}`},
		{"a null list is nil", "CreateAccountRequest", `{"Tags":[{"Key":"a"}],"Tags":null}`},
		{"null leaves a required string", "CreateAccountRequest", `{"Email":"e","Email":null}`},
		{"null clears an optional string", "CreateAccountRequest", `{"RoleName":"r","RoleName":null}`},
		{"null body", "CreateAccountRequest", `null`},
		{"array body", "CreateAccountRequest", `[]`},
		{"string body", "CreateAccountRequest", `"x"`},
		{"trailing data", "CreateAccountRequest", `{} x`},
		{"two objects", "CreateAccountRequest", `{}{}`},
		{"trailing white space", "CreateAccountRequest", "{}\r\n\t "},
		{"byte order mark", "CreateAccountRequest", "\ufeff{}"},
		{"nesting 10000 deep", "CreateAccountRequest", deep(9999)},
		{"nesting 10001 deep", "CreateAccountRequest", deep(10000)},
		{"int32 in range", "ListAccountsRequest", `{"MaxResults":2147483647}`},
		{"int32 out of range", "ListAccountsRequest", `{"MaxResults":2147483648}`},
		{"negative zero", "ListAccountsRequest", `{"MaxResults":-0}`},
		{"integer with exponent", "ListAccountsRequest", `{"MaxResults":1e1}`},
		{"integer with fraction", "ListAccountsRequest", `{"MaxResults":1.0}`},
		{"integer as string", "ListAccountsRequest", `{"MaxResults":"1"}`},
		{"string as number", "CreateAccountRequest", `{"Email":1}`},
		{"boolean", "ListPoliciesRequest", `{"AwsManaged":true,"Filter":"TAG_POLICY"}`},
		{"boolean as string", "ListPoliciesRequest", `{"AwsManaged":"true"}`},
		{"timestamp in epoch seconds", "InviteOrganizationToTransferResponsibilityRequest", `{"StartTimestamp":1732541234.1235}`},
		{"timestamp in ISO 8601", "InviteOrganizationToTransferResponsibilityRequest", `{"StartTimestamp":"2024-11-25T13:27:14.123456789+02:00"}`},
		{"timestamp with a JSON-only escape", "InviteOrganizationToTransferResponsibilityRequest", `{"StartTimestamp":"2024-11-25T13:27:14Z\/"}`},
		{"timestamp too large", "InviteOrganizationToTransferResponsibilityRequest", `{"StartTimestamp":1e13}`},
		{"timestamp as boolean", "InviteOrganizationToTransferResponsibilityRequest", `{"StartTimestamp":true}`},
		{"timestamp null", "InviteOrganizationToTransferResponsibilityRequest", `{"StartTimestamp":1,"StartTimestamp":null}`},
		{"lone surrogate", "CreateAccountRequest", `{"Email":"\ud800x\udc00"}`},
		{"surrogate pair", "CreateAccountRequest", `{"Email":"\ud83d\ude00"}`},
		{"invalid UTF-8", "CreateAccountRequest", "{\"Email\":\"a\xffb\xed\xa0\x80\"}"},
		{"control character", "CreateAccountRequest", "{\"Email\":\"a\x01\"}"},
		{"bad escape", "CreateAccountRequest", `{"Email":"\q"}`},
		{"missing colon", "CreateAccountRequest", `{"Email" "e"}`},
		{"trailing comma", "CreateAccountRequest", `{"Email":"e",}`},
		{"leading zero", "ListAccountsRequest", `{"MaxResults":01}`},
		{"truncated", "CreateAccountRequest", `{"Email":`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkDecode(t, inputByShape(t, tc.shape), []byte(tc.body)) })
	}
	g := &bodyGen{r: rand.New(rand.NewPCG(3, 4))}
	for _, in := range codecInputs {
		t.Run("random/"+in.shape, func(t *testing.T) {
			typ := reflect.TypeOf(in.newPlain()).Elem()
			for range 500 {
				checkDecode(t, in, g.body(typ))
			}
		})
	}
}

// FuzzDecodeMatchesEncodingJSON decodes arbitrary bodies as an input shape with both decoders.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	g := &bodyGen{r: rand.New(rand.NewPCG(5, 6))}
	for i, in := range codecInputs {
		f.Add(uint16(i), g.body(reflect.TypeOf(in.newPlain()).Elem()))
	}
	f.Add(uint16(0), []byte(`{"Tags":[{"\u212aey":"k"}],"Tags":[null]}`))
	f.Fuzz(func(t *testing.T, shape uint16, body []byte) {
		checkDecode(t, codecInputs[int(shape)%len(codecInputs)], body)
	})
}
