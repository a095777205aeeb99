package apitypes

import (
	"encoding/xml"
	"fmt"
	"reflect"
	"sort"
	"strconv"
)

// MarshalXMLMap writes a map in the query protocol's non-flattened form,
// <start><entry><key>k</key><value>v</value></entry>...</start>, keys sorted so output is stable.
// The generated map types' MarshalXML methods call it; m must be a map with string-kinded keys and
// scalar values.
func MarshalXMLMap(e *xml.Encoder, start xml.StartElement, m any, keyName, valueName string) error {
	rv := reflect.ValueOf(m)
	if rv.Kind() != reflect.Map {
		return fmt.Errorf("apitypes: MarshalXMLMap of %T", m)
	}
	keys := rv.MapKeys()
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, k := range keys {
		entry := xml.StartElement{Name: xml.Name{Local: "entry"}}
		if err := e.EncodeToken(entry); err != nil {
			return err
		}
		if err := e.EncodeElement(k.String(), xml.StartElement{Name: xml.Name{Local: keyName}}); err != nil {
			return err
		}
		if err := e.EncodeElement(rv.MapIndex(k).Interface(), xml.StartElement{Name: xml.Name{Local: valueName}}); err != nil {
			return err
		}
		if err := e.EncodeToken(entry.End()); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXMLMap reads what MarshalXMLMap writes into *m (a pointer to a map type).
func UnmarshalXMLMap(d *xml.Decoder, start xml.StartElement, m any, keyName, valueName string) error {
	pv := reflect.ValueOf(m)
	if pv.Kind() != reflect.Pointer || pv.Elem().Kind() != reflect.Map {
		return fmt.Errorf("apitypes: UnmarshalXMLMap into %T", m)
	}
	mv := pv.Elem()
	if mv.IsNil() {
		mv.Set(reflect.MakeMap(mv.Type()))
	}
	var entry struct {
		Items []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "entry" {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			entry.Items = nil
			if err := d.DecodeElement(&entry, &t); err != nil {
				return err
			}
			var key, val string
			for _, it := range entry.Items {
				switch it.XMLName.Local {
				case keyName:
					key = it.Text
				case valueName:
					val = it.Text
				}
			}
			k := reflect.New(mv.Type().Key()).Elem()
			k.SetString(key)
			v := reflect.New(mv.Type().Elem()).Elem()
			if err := setScalarText(v, val); err != nil {
				return err
			}
			mv.SetMapIndex(k, v)
		case xml.EndElement:
			return nil
		}
	}
}

func setScalarText(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("apitypes: map value of kind %s", v.Kind())
	}
	return nil
}
