// Package difftest runs the reflective query codec (awsquery.Codec, driven by the shapes' query and xml tags)
// and the generated one (tools/genshapes -codec) on the same inputs and requires identical results: the same
// decoded value or the same error, and the same XML bytes. It exists to prove the generated codec before the
// reflective one and the tags are removed (#12), and goes with them.
package difftest

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// Decoder is the generated decoder of one input structure.
type Decoder struct {
	Type   reflect.Type
	Decode func(n *awsquery.Node, v any) error
}

// Dec wraps a generated decoder.
func Dec[T any](f func(*awsquery.Node, string, *T) (bool, error)) Decoder {
	return Decoder{Type: reflect.TypeFor[T](), Decode: func(n *awsquery.Node, v any) error {
		_, err := f(n, "", v.(*T))
		return err
	}}
}

// Encoder is the generated encoder of one output structure.
type Encoder struct {
	Type   reflect.Type
	Encode func(x *awsquery.Writer, name string, v any)
}

// Enc wraps a generated encoder.
func Enc[T any](f func(*awsquery.Writer, int, string, *T)) Encoder {
	return Encoder{Type: reflect.TypeFor[T](), Encode: func(x *awsquery.Writer, name string, v any) {
		f(x, 1, name, v.(*T))
	}}
}

// CheckDecode decodes form with both codecs and reports any difference; it returns whether the form decoded.
func CheckDecode(t testing.TB, c *awsquery.Codec, d Decoder, form url.Values) bool {
	t.Helper()
	old := reflect.New(d.Type).Interface()
	oldErr := c.Decode(form, old)
	gen := reflect.New(d.Type).Interface()
	genErr := d.Decode(awsquery.ParseForm(form), gen)
	if o, g := describe(oldErr), describe(genErr); o != g {
		t.Fatalf("%s from %v:\nreflective: %s\ngenerated:  %s", d.Type, form, o, g)
	}
	if oldErr == nil && !reflect.DeepEqual(old, gen) {
		t.Fatalf("%s from %v:\nreflective: %+v\ngenerated:  %+v", d.Type, form, old, gen)
	}
	return oldErr == nil
}

func describe(err error) string {
	if err == nil {
		return "ok"
	}
	var ae *awserr.Error
	if !errors.As(err, &ae) {
		return "not an awserr: " + err.Error()
	}
	var pe *awsquery.ParamError
	param := ""
	if errors.As(err, &pe) {
		param = pe.Param
	}
	return ae.Code + " " + strconv.Itoa(ae.HTTPStatus) + " " + ae.Type() + " [" + param + "] " + ae.Message
}

// CheckEncode writes v (a pointer to e.Type) as the result of action with both codecs and reports any
// difference.
func CheckEncode(t testing.TB, c *awsquery.Codec, e Encoder, action string, v any) {
	t.Helper()
	var old bytes.Buffer
	if err := c.EncodeResponse(&old, action, "https://example.test/doc/", v, "req-1"); err != nil {
		t.Fatalf("reflective encode of %s: %v", e.Type, err)
	}
	x := awsquery.NewResponse(action, "https://example.test/doc/")
	if !reflect.ValueOf(v).IsNil() {
		e.Encode(x, action+"Result", v)
	}
	var gen bytes.Buffer
	if err := x.WriteResponse(&gen, action, "req-1"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old.Bytes(), gen.Bytes()) {
		t.Fatalf("%s %+v:\nreflective:\n%s\ngenerated:\n%s", e.Type, v, old.Bytes(), gen.Bytes())
	}
}

var timeType = reflect.TypeFor[time.Time]()

// queryName reads a field's query tag as the reflective decoder does: the member's first segment, the list
// element or map entry segment, and the map's key and value names.
func queryName(f reflect.StructField) (name, item, key, value string, ok bool) {
	tag, ok := f.Tag.Lookup("query")
	if !ok || tag == "-" || !f.IsExported() {
		return "", "", "", "", false
	}
	spec, opts, _ := strings.Cut(tag, ",")
	key, value = "key", "value"
	for _, o := range strings.Split(opts, ",") {
		if k, v, ok := strings.Cut(o, "="); ok {
			switch k {
			case "key":
				key = v
			case "value":
				value = v
			}
		}
	}
	ft := f.Type
	if (ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8) || ft.Kind() == reflect.Map {
		name, item, _ = strings.Cut(spec, ".")
	} else {
		name = spec
	}
	return name, item, key, value, true
}

var (
	strs    = []string{"", "a", "bob", "a&b <c>", "x\r\ny", "\u00e9t\u00e9", "\xff", "arn:aws:iam::123456789012:user/x", "true", "42", "2024-05-01T12:00:00Z", "aGk="}
	bools   = []string{"true", "false", "TRUE", "False", "yes", "", "1"}
	ints    = []string{"0", "1", "42", "-7", "900", "2147483647", "2147483648", "-9223372036854775808", "9223372036854775808", "abc", "", "1.5", "+3", "0x10"}
	floats  = []string{"0", "0.5", "-1e3", "NaN", "x", ""}
	times   = []string{"2024-05-01T12:00:00Z", "2024-05-01T14:00:00.123+02:00", "2024-05-01T12:00:00", "2024-05-01T12:00:00.5", "yesterday", "", "2024-13-01T00:00:00Z"}
	blobs   = []string{"", "aGk=", "aGk", "!!", "AAEC/w==", "aGk=\n"}
	indices = []string{"1", "2", "3", "10", "0", "01", "+1", "x", "", "-1", "99999999999999999999"}
)

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// scalarText returns a value for a scalar of type t, sometimes one that does not convert.
func scalarText(r *rand.Rand, t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if r.IntN(8) == 0 {
		return pick(r, strs)
	}
	switch {
	case t == timeType:
		return pick(r, times)
	case t.Kind() == reflect.Bool:
		return pick(r, bools)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return pick(r, ints)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return pick(r, floats)
	case t.Kind() == reflect.Slice:
		return pick(r, blobs)
	}
	return pick(r, strs)
}

func isStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && t != timeType
}

// RandomForm returns query parameters for the input structure t: members present or not, well or badly
// formed (bad values, list indices that are not indices or repeat, sub-keys on scalars, map entries without
// a key, empty lists, unknown parameters).
func RandomForm(r *rand.Rand, t reflect.Type) url.Values {
	form := url.Values{}
	if r.IntN(4) == 0 {
		form.Set("Action", "X")
		form.Set("Version", "2010-05-08")
	}
	addStruct(r, form, t, "", 0)
	return form
}

func add(r *rand.Rand, form url.Values, key, value string) {
	if r.IntN(40) == 0 {
		form[key] = append(form[key], value, "second")
		return
	}
	form[key] = append(form[key], value)
}

func addScalar(r *rand.Rand, form url.Values, t reflect.Type, key string) {
	switch r.IntN(24) {
	case 0:
		add(r, form, key+"."+pick(r, indices), "sub")
		if r.IntN(2) == 0 {
			add(r, form, key+"."+pick(r, strs), "sub")
		}
		return
	case 1:
		add(r, form, key+".member.1", "sub")
		return
	}
	add(r, form, key, scalarText(r, t))
}

func addStruct(r *rand.Rand, form url.Values, t reflect.Type, prefix string, depth int) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if r.IntN(16) == 0 {
		add(r, form, prefix+pick(r, []string{"Bogus", "member", "entry", "1"}), "x")
	}
	if depth > 4 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, item, key, value, ok := queryName(f)
		if !ok || r.IntN(3) == 0 {
			continue
		}
		p := prefix + name
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
			if r.IntN(8) == 0 {
				add(r, form, p, pick(r, []string{"", "x"}))
				if r.IntN(3) != 0 {
					continue
				}
			}
			container := p
			if item != "" {
				container += "." + item
			}
			if r.IntN(16) == 0 { // a wrong element segment
				container = p + ".item"
			}
			for n := r.IntN(4); n > 0; n-- {
				ip := container + "." + pick(r, indices)
				if isStruct(ft.Elem()) {
					addStruct(r, form, ft.Elem(), ip+".", depth+1)
					if r.IntN(10) == 0 {
						add(r, form, ip, "x")
					}
				} else {
					addScalar(r, form, ft.Elem(), ip)
				}
			}
		case ft.Kind() == reflect.Map:
			for n := r.IntN(4); n > 0; n-- {
				ep := p + "." + item + "." + pick(r, indices)
				if r.IntN(8) != 0 {
					add(r, form, ep+"."+key, pick(r, strs))
				}
				if r.IntN(6) != 0 {
					addScalar(r, form, ft.Elem(), ep+"."+value)
				}
			}
			if r.IntN(10) == 0 {
				add(r, form, p, "")
			}
		case isStruct(ft):
			addStruct(r, form, ft, p+".", depth+1)
			if r.IntN(10) == 0 {
				add(r, form, p, "x")
			}
		default:
			addScalar(r, form, ft, p)
		}
	}
}

// Fill sets v (settable) to a random value: nil and empty lists, maps and blobs, absent and present optional
// members, strings that need escaping, timestamps with and without milliseconds, in any zone.
func Fill(r *rand.Rand, v reflect.Value, depth int) {
	t := v.Type()
	switch {
	case t == timeType:
		sec := r.Int64N(4e9) - 1e9
		nsec := []int64{0, 0, 123e6, 5e5, 999999999, 1}[r.IntN(6)]
		zone := []*time.Location{time.UTC, time.FixedZone("x", 5*3600+1800), time.FixedZone("y", -8*3600)}[r.IntN(3)]
		v.Set(reflect.ValueOf(time.Unix(sec, nsec).In(zone)))
	case t.Kind() == reflect.Pointer:
		if r.IntN(3) == 0 || depth > 4 {
			return
		}
		nv := reflect.New(t.Elem())
		Fill(r, nv.Elem(), depth+1)
		v.Set(nv)
	case t.Kind() == reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() {
				Fill(r, v.Field(i), depth+1)
			}
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		switch r.IntN(3) {
		case 0:
		case 1:
			v.SetBytes([]byte{})
		default:
			b := make([]byte, r.IntN(8))
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			v.SetBytes(b)
		}
	case t.Kind() == reflect.Slice:
		if r.IntN(3) == 0 || depth > 4 {
			return
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(t, n, n)
		for i := 0; i < n; i++ {
			Fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case t.Kind() == reflect.Map:
		if r.IntN(3) == 0 {
			return
		}
		m := reflect.MakeMap(t)
		for n := r.IntN(5); n > 0; n-- {
			k := reflect.New(t.Key()).Elem()
			Fill(r, k, depth+1)
			e := reflect.New(t.Elem()).Elem()
			Fill(r, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case t.Kind() == reflect.String:
		v.SetString(pick(r, strs) + pick(r, []string{"", "", "z", "&", "\x01", "\ufffe"}))
	case t.Kind() == reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		limit := int64(1)<<(t.Bits()-1) - 1
		v.SetInt([]int64{0, 1, -1, 42, limit, -limit - 1, r.Int64N(1<<20) - 1<<19}[r.IntN(7)])
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		v.SetFloat([]float64{0, 0.5, -1e21, 3.25, 1e-7}[r.IntN(5)])
	}
}

var (
	flagCases = flag.Int("diff.cases", 0, "random forms and values per shape in the differential test (0: the test's default)")
	flagSeed  = flag.Uint64("diff.seed", 0, "seed of the differential test (0: the test's default)")
)

// Run checks every decoder on cases random forms and every encoder on cases random values, from seed; the
// flags -diff.cases and -diff.seed override both.
func Run(t *testing.T, decoders []Decoder, encoders []Encoder, cases int, seed uint64) {
	if *flagCases > 0 {
		cases = *flagCases
	}
	if *flagSeed > 0 {
		seed = *flagSeed
	}
	var c awsquery.Codec
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	decoded, refused := 0, 0
	for _, d := range decoders {
		for i := 0; i < cases; i++ {
			if CheckDecode(t, &c, d, RandomForm(r, d.Type)) {
				decoded++
			} else {
				refused++
			}
		}
	}
	t.Logf("%d forms for %d input shapes: %d decoded, %d refused alike; %d values for %d output shapes encoded alike",
		decoded+refused, len(decoders), decoded, refused, (cases+1)*len(encoders), len(encoders))
	for _, e := range encoders {
		CheckEncode(t, &c, e, "Op", reflect.Zero(reflect.PointerTo(e.Type)).Interface())
		for i := 0; i < cases; i++ {
			v := reflect.New(e.Type)
			Fill(r, v.Elem(), 0)
			CheckEncode(t, &c, e, "Op", v.Interface())
		}
	}
}

// Fuzz is the body of a fuzz target over decoders and encoders: which picks the shape, seed the random form or
// value, and raw (a query string) adds parameters of its own to the form.
func Fuzz(f *testing.F, decoders []Decoder, encoders []Encoder) {
	f.Add(uint16(0), uint64(1), "")
	f.Add(uint16(1), uint64(2), "Tags.member.1.Key=a&Tags.member.x=b")
	f.Add(uint16(2), uint64(3), "UserName.1=alice&Path=%2F")
	f.Add(uint16(3), uint64(4), "PolicyArns.member.1.arn=x&DurationSeconds=abc")
	var c awsquery.Codec
	f.Fuzz(func(t *testing.T, which uint16, seed uint64, raw string) {
		extra, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r := rand.New(rand.NewPCG(seed, uint64(which)))
		d := decoders[int(which)%len(decoders)]
		form := RandomForm(r, d.Type)
		for k, vs := range extra {
			form[k] = append(vs, form[k]...)
		}
		CheckDecode(t, &c, d, form)
		e := encoders[int(which)%len(encoders)]
		v := reflect.New(e.Type)
		Fill(r, v.Elem(), 0)
		CheckEncode(t, &c, e, "Op", v.Interface())
	})
}
