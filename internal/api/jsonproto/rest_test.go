package jsonproto

import (
	"errors"
	"testing"
)

// params is a request's members outside its body, by location then name.
type params map[string]map[string]string

func (p params) Param(location, name string) (string, bool) {
	v, ok := p[location][name]
	return v, ok
}

// TestParamsReadMembersOutsideTheBody: the REST binders read a member by its location and wire name, leave an
// absent optional member nil, and refuse text that is not of the member's type with a *ParamError naming it.
func TestParamsReadMembersOutsideTheBody(t *testing.T) {
	p := params{"querystring": {"maxResults": "25", "big": "2147483648", "neg": "-3", "flag": "true", "bad": "TRUE"}, "uri": {"name": "a b"}}
	var n *int32
	if err := ParamInt32Ptr(p, "querystring", "maxResults", &n); err != nil || n == nil || *n != 25 {
		t.Fatalf("maxResults: %v %v", n, err)
	}
	var absent *int32
	if err := ParamInt32Ptr(p, "querystring", "nope", &absent); err != nil || absent != nil {
		t.Fatalf("absent: %v %v", absent, err)
	}
	var neg int32
	if err := ParamInt32(p, "querystring", "neg", &neg); err != nil || neg != -3 {
		t.Fatalf("neg: %v %v", neg, err)
	}
	var pe *ParamError
	if err := ParamInt32Ptr(p, "querystring", "big", &n); !errors.As(err, &pe) || pe.Name != "big" || pe.Location != "querystring" {
		t.Fatalf("out of range: %v", err)
	}
	var b *bool
	if err := ParamBoolPtr(p, "querystring", "flag", &b); err != nil || b == nil || !*b {
		t.Fatalf("flag: %v %v", b, err)
	}
	if err := ParamBoolPtr(p, "querystring", "bad", &b); !errors.As(err, &pe) {
		t.Fatalf("TRUE: %v", err)
	}
	var name string
	var opt *string
	if err := ParamString(p, "uri", "name", &name); err != nil || name != "a b" {
		t.Fatalf("name: %q %v", name, err)
	}
	if err := ParamStringPtr(p, "header", "X-Nope", &opt); err != nil || opt != nil {
		t.Fatalf("header: %v %v", opt, err)
	}
}
