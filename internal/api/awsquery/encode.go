package awsquery

import (
	"encoding/base64"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ContentType is the Content-Type IAM and STS send with query-protocol responses.
const ContentType = "text/xml"

// EncodeResponse writes a query-protocol response with a one-off Codec.
func EncodeResponse(w io.Writer, action, xmlns string, result any, requestID string) error {
	var c Codec
	return c.EncodeResponse(w, action, xmlns, result, requestID)
}

// EncodeResponse writes the response to action as IAM and STS write it, indented by two spaces and
// without an XML declaration:
//
//	<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//	  <CreateUserResult>
//	    ...
//	  </CreateUserResult>
//	  <ResponseMetadata>
//	    <RequestId>...</RequestId>
//	  </ResponseMetadata>
//	</CreateUserResponse>
//
// result is a generated output struct (or a pointer to one); nil writes only ResponseMetadata, as for
// operations without output. Members follow their xml tags: nil pointers are left out, timestamps are
// written in UTC as 2024-05-01T12:00:00Z (milliseconds only when there are any), booleans as true/false,
// blobs in base64. A list is <Users><member>...</member></Users>; an empty one is <Users/>, and a nil one is
// left out when its tag has omitempty (optional members) and written <Users/> otherwise (required ones).
// The whole document is built before anything is written to w.
func (c *Codec) EncodeResponse(w io.Writer, action, xmlns string, result any, requestID string) error {
	e := &xmlWriter{Writer: NewResponse(action, xmlns), c: c}
	rv := reflect.ValueOf(result)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			rv = reflect.Value{}
			break
		}
		rv = rv.Elem()
	}
	if rv.IsValid() {
		if rv.Kind() != reflect.Struct {
			return fmt.Errorf("awsquery: EncodeResponse: result is %T, not a struct", result)
		}
		if err := e.structElem(1, action+"Result", rv); err != nil {
			return err
		}
	}
	return e.WriteResponse(w, action, requestID)
}

// EncodeError writes a query-protocol error response:
//
//	<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
//	  <Error>
//	    <Type>Sender</Type>
//	    <Code>NoSuchEntity</Code>
//	    <Message>The user with name bob cannot be found.</Message>
//	  </Error>
//	  <RequestId>...</RequestId>
//	</ErrorResponse>
//
// An empty Type is written as Sender. The caller sets the HTTP status (e.HTTPStatus) before calling it.
func EncodeError(w io.Writer, xmlns string, e ErrorInfo, requestID string) error {
	x := &Writer{}
	typ := e.Type
	if typ == "" {
		typ = "Sender"
	}
	x.open(0, "ErrorResponse", xmlns)
	x.Open(1, "Error")
	x.String(2, "Type", typ)
	x.String(2, "Code", e.Code)
	x.String(2, "Message", e.Message)
	x.Close(1, "Error")
	x.String(1, "RequestId", requestID)
	x.Close(0, "ErrorResponse")
	_, err := w.Write(x.b.Bytes())
	return err
}

type xmlWriter struct {
	*Writer
	c *Codec
}

type xmlField struct {
	index     int
	name      string // element name (the outer one for lists)
	item      string // list element name; "" for flattened lists
	key       string // map entry names
	value     string
	omitempty bool
}

type xmlPlan struct {
	fields []xmlField
}

func (c *Codec) xmlPlanFor(t reflect.Type) *xmlPlan {
	if c != nil {
		if p, ok := c.encodePlans.Load(t); ok {
			return p.(*xmlPlan)
		}
	}
	p := &xmlPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("xml")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if !ok || tag == "" {
			tag = f.Name
		}
		spec, opts, _ := strings.Cut(tag, ",")
		xf := xmlField{index: i, key: "key", value: "value", omitempty: strings.Contains(","+opts+",", ",omitempty,")}
		xf.name, xf.item, _ = strings.Cut(spec, ">")
		if xf.name == "" {
			xf.name = f.Name
		}
		if q, ok := f.Tag.Lookup("query"); ok {
			_, qopts, _ := strings.Cut(q, ",")
			for _, o := range strings.Split(qopts, ",") {
				if k, v, ok := strings.Cut(o, "="); ok {
					switch k {
					case "key":
						xf.key = v
					case "value":
						xf.value = v
					}
				}
			}
		}
		p.fields = append(p.fields, xf)
	}
	if c == nil {
		return p
	}
	actual, _ := c.encodePlans.LoadOrStore(t, p)
	return actual.(*xmlPlan)
}

// structElem writes <name>members</name>, or <name/> when no member is written.
func (x *xmlWriter) structElem(depth int, name string, sv reflect.Value) error {
	// Write the opening tag, then the members; if there were none, take the tag back and write <name/>.
	m := x.StartStruct(depth, name)
	if err := x.members(depth+1, sv); err != nil {
		return err
	}
	x.EndStruct(m, depth, name)
	return nil
}

func (x *xmlWriter) members(depth int, sv reflect.Value) error {
	for _, f := range x.c.xmlPlanFor(sv.Type()).fields {
		if err := x.field(depth, &f, sv.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

func (x *xmlWriter) field(depth int, f *xmlField, v reflect.Value) error {
	switch {
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return x.value(depth, f.name, v.Elem())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() != reflect.Uint8:
		if v.IsNil() && f.omitempty {
			return nil
		}
		if f.item == "" { // flattened: the elements stand in the parent, one element each
			for i := 0; i < v.Len(); i++ {
				if err := x.value(depth, f.name, v.Index(i)); err != nil {
					return err
				}
			}
			return nil
		}
		if v.Len() == 0 {
			x.Empty(depth, f.name)
			return nil
		}
		x.Open(depth, f.name)
		for i := 0; i < v.Len(); i++ {
			if err := x.value(depth+1, f.item, v.Index(i)); err != nil {
				return err
			}
		}
		x.Close(depth, f.name)
		return nil
	case v.Kind() == reflect.Slice: // blob
		if v.IsNil() && f.omitempty {
			return nil
		}
		return x.value(depth, f.name, v)
	case v.Kind() == reflect.Map:
		if v.IsNil() && f.omitempty {
			return nil
		}
		if v.Len() == 0 {
			x.Empty(depth, f.name)
			return nil
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i].Interface()) < fmt.Sprint(keys[j].Interface()) })
		x.Open(depth, f.name)
		for _, k := range keys {
			x.Open(depth+1, "entry")
			if err := x.value(depth+2, f.key, k); err != nil {
				return err
			}
			if err := x.value(depth+2, f.value, v.MapIndex(k)); err != nil {
				return err
			}
			x.Close(depth+1, "entry")
		}
		x.Close(depth, f.name)
		return nil
	default:
		return x.value(depth, f.name, v)
	}
}

// value writes one element holding v: a structure's members or a scalar's text.
func (x *xmlWriter) value(depth int, name string, v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		x.String(depth, name, FormatTimestamp(v.Interface().(time.Time)))
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		return x.structElem(depth, name, v)
	case reflect.String:
		x.String(depth, name, v.String())
	case reflect.Bool:
		x.String(depth, name, strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x.String(depth, name, strconv.FormatInt(v.Int(), 10))
	case reflect.Float32, reflect.Float64:
		x.String(depth, name, strconv.FormatFloat(v.Float(), 'f', -1, v.Type().Bits()))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			x.String(depth, name, base64.StdEncoding.EncodeToString(v.Bytes()))
			return nil
		}
		return fmt.Errorf("awsquery: cannot encode nested list in %s", name)
	default:
		return fmt.Errorf("awsquery: cannot encode %s (%s)", name, v.Type())
	}
	return nil
}
