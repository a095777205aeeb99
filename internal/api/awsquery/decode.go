package awsquery

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Codec decodes query parameters into generated input structs and encodes responses, caching what it
// learns about each Go type (its field plan) so reflection over tags happens once per type. The zero value is
// ready to use and safe for concurrent use; a server keeps one.
type Codec struct {
	decodePlans sync.Map // reflect.Type → *structPlan
	encodePlans sync.Map // reflect.Type → *xmlPlan
}

// Decode fills v (a pointer to a generated input struct) from query parameters, with a one-off Codec.
func Decode(form url.Values, v any) error {
	var c Codec
	return c.Decode(form, v)
}

// Decode fills v (a pointer to a generated input struct) from query parameters, following the fields'
// query tags:
//
//   - scalars: Name=value; booleans true/false (any case), integers in base 10, timestamps in ISO 8601
//     (RFC 3339, with or without fractional seconds; no zone means UTC), blobs in base64;
//   - nested structures: Name.Field=value;
//   - lists: Name.member.N (N from 1; gaps are closed and items ordered by N), lists of structures
//     Name.member.N.Field, and Name= (empty) for an empty list;
//   - maps: Name.entry.N.key / Name.entry.N.value.
//
// Parameters that name no member are ignored, as AWS ignores them. A value that cannot be converted, a list
// index that is not a positive integer, or a scalar member given sub-keys (UserName.1=x) is a
// *awserr.Error with code MalformedInput whose cause is a *ParamError naming the parameter.
func (c *Codec) Decode(form url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsquery: Decode needs a non-nil pointer to a struct, got %T", v)
	}
	root := ParseForm(form)
	_, err := c.decodeStruct(root, rv.Elem(), "")
	return err
}

type fieldKind int

const (
	kindScalar fieldKind = iota
	kindStruct
	kindList
	kindMap
	kindBlob
)

type fieldPlan struct {
	index int
	name  string // the member's parameter name (first segment): Tags
	item  string // lists: element segment (member), "" when flattened; maps: entry segment
	key   string // maps: key and value segment names
	value string
	kind  fieldKind
}

type structPlan struct {
	fields []fieldPlan
}

var timeType = reflect.TypeFor[time.Time]()

func (c *Codec) plan(t reflect.Type) *structPlan {
	if p, ok := c.decodePlans.Load(t); ok {
		return p.(*structPlan)
	}
	p := &structPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("query")
		if !ok || tag == "-" || !f.IsExported() {
			continue
		}
		fp := fieldPlan{index: i, key: "key", value: "value"}
		spec, opts, _ := strings.Cut(tag, ",")
		for _, o := range strings.Split(opts, ",") {
			if k, v, ok := strings.Cut(o, "="); ok {
				switch k {
				case "key":
					fp.key = v
				case "value":
					fp.value = v
				}
			}
		}
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8:
			fp.kind = kindBlob
		case ft.Kind() == reflect.Slice:
			fp.kind = kindList
		case ft.Kind() == reflect.Map:
			fp.kind = kindMap
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && ft.Elem() != timeType:
			fp.kind = kindStruct
		default:
			fp.kind = kindScalar
		}
		if fp.kind == kindList || fp.kind == kindMap {
			fp.name, fp.item, _ = strings.Cut(spec, ".")
		} else {
			fp.name = spec
		}
		p.fields = append(p.fields, fp)
	}
	actual, _ := c.decodePlans.LoadOrStore(t, p)
	return actual.(*structPlan)
}

// decodeStruct fills the struct sv from n; it reports whether any member was set.
func (c *Codec) decodeStruct(n *Node, sv reflect.Value, prefix string) (bool, error) {
	set := false
	for _, fp := range c.plan(sv.Type()).fields {
		child := n.Child(fp.name)
		if child == nil {
			continue
		}
		ok, err := c.decodeField(child, sv.Field(fp.index), &fp, prefix+fp.name)
		if err != nil {
			return false, err
		}
		set = set || ok
	}
	return set, nil
}

func (c *Codec) decodeField(n *Node, fv reflect.Value, fp *fieldPlan, param string) (bool, error) {
	switch fp.kind {
	case kindStruct:
		nv := reflect.New(fv.Type().Elem())
		ok, err := c.decodeStruct(n, nv.Elem(), param+".")
		if err != nil || !ok {
			return false, err
		}
		fv.Set(nv)
		return true, nil
	case kindList:
		return c.decodeList(n, fv, fp, param)
	case kindMap:
		return c.decodeMap(n, fv, fp, param)
	default:
		if len(n.children) > 0 {
			return false, errSubKeys(n, param)
		}
		if !n.has {
			return false, nil
		}
		if err := setScalar(fv, n.value, param); err != nil {
			return false, err
		}
		return true, nil
	}
}

func (c *Codec) decodeList(n *Node, fv reflect.Value, fp *fieldPlan, param string) (bool, error) {
	container := n
	if fp.item != "" {
		container = n.Child(fp.item)
		param += "." + fp.item
	}
	if container == nil || len(container.children) == 0 {
		// Name= with no items is botocore's spelling of an empty list.
		if n.has && n.value == "" && len(n.children) == 0 {
			fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
			return true, nil
		}
		return false, nil
	}
	list, err := container.items(param)
	if err != nil {
		return false, err
	}
	et := fv.Type().Elem()
	out := reflect.MakeSlice(fv.Type(), 0, len(list))
	for _, it := range list {
		ev := reflect.New(et).Elem()
		p := param + "." + strconv.Itoa(it.i)
		if err := c.decodeElem(it.n, ev, p); err != nil {
			return false, err
		}
		out = reflect.Append(out, ev)
	}
	fv.Set(out)
	return true, nil
}

// decodeElem fills a list element or map value: a structure by value, or a scalar.
func (c *Codec) decodeElem(n *Node, ev reflect.Value, param string) error {
	if ev.Kind() == reflect.Struct && ev.Type() != timeType {
		_, err := c.decodeStruct(n, ev, param+".")
		return err
	}
	if len(n.children) > 0 {
		return errSubKeys(n, param)
	}
	return setScalar(ev, n.value, param)
}

func (c *Codec) decodeMap(n *Node, fv reflect.Value, fp *fieldPlan, param string) (bool, error) {
	container := n
	if fp.item != "" {
		container = n.Child(fp.item)
		param += "." + fp.item
	}
	if container == nil || len(container.children) == 0 {
		return false, nil
	}
	list, err := container.items(param)
	if err != nil {
		return false, err
	}
	mt := fv.Type()
	m := reflect.MakeMapWithSize(mt, len(list))
	for _, it := range list {
		p := param + "." + strconv.Itoa(it.i)
		kn := it.n.Child(fp.key)
		if kn == nil || !kn.has {
			return false, errMalformedInput(p, "Missing parameter "+p+"."+fp.key+".")
		}
		kv := reflect.New(mt.Key()).Elem()
		if err := setScalar(kv, kn.value, p+"."+fp.key); err != nil {
			return false, err
		}
		vv := reflect.New(mt.Elem()).Elem()
		if vn := it.n.Child(fp.value); vn != nil {
			if err := c.decodeElem(vn, vv, p+"."+fp.value); err != nil {
				return false, err
			}
		}
		m.SetMapIndex(kv, vv)
	}
	fv.Set(m)
	return true, nil
}

// setScalar converts s into v; v may be a pointer to the scalar, which is allocated.
func setScalar(v reflect.Value, s, param string) error {
	if v.Kind() == reflect.Pointer {
		nv := reflect.New(v.Type().Elem())
		if err := setScalar(nv.Elem(), s, param); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	}
	bad := func(what string) error {
		return errMalformedInput(param, "Invalid value '"+s+"' for parameter "+param+": "+what+".")
	}
	if v.Type() == timeType {
		t, err := parseTimestamp(s)
		if err != nil {
			return bad("expected an ISO 8601 timestamp")
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		switch strings.ToLower(s) {
		case "true":
			v.SetBool(true)
		case "false":
			v.SetBool(false)
		default:
			return bad("expected true or false")
		}
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return bad("expected an integer in range")
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return bad("expected a number")
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			return fmt.Errorf("awsquery: %s: unsupported list in scalar position", param)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return bad("expected base64")
		}
		v.SetBytes(b)
	default:
		return fmt.Errorf("awsquery: %s: unsupported kind %s", param, v.Kind())
	}
	return nil
}
