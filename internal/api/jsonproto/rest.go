package jsonproto

import (
	"fmt"
	"strconv"
)

// Params is what a REST-JSON request carries outside its body: its path labels ("uri"), query-string members
// ("querystring") and headers ("header"), each found by its wire name (the member's locationName). Param reports
// the value and whether the request has it.
type Params interface {
	Param(location, name string) (string, bool)
}

// ParamError is a member outside the body whose text is not of the member's type (a query-string integer that is
// not one).
type ParamError struct {
	Location, Name, Value, Want string
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%s member %s: %q is not %s", e.Location, e.Name, e.Value, e.Want)
}

// ParamString reads a required string member.
func ParamString[S ~string](p Params, location, name string, v *S) error {
	if s, ok := p.Param(location, name); ok {
		*v = S(s)
	}
	return nil
}

// ParamStringPtr reads an optional string member: nil when the request does not have it.
func ParamStringPtr[S ~string](p Params, location, name string, v **S) error {
	if s, ok := p.Param(location, name); ok {
		x := S(s)
		*v = &x
	}
	return nil
}

// ParamInt32Ptr reads an optional integer member: nil when the request does not have it.
func ParamInt32Ptr[I ~int32](p Params, location, name string, v **I) error {
	s, ok := p.Param(location, name)
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return &ParamError{Location: location, Name: name, Value: s, Want: "a 32-bit integer"}
	}
	x := I(n)
	*v = &x
	return nil
}

// ParamInt32 reads a required integer member.
func ParamInt32[I ~int32](p Params, location, name string, v *I) error {
	var x *I
	if err := ParamInt32Ptr(p, location, name, &x); err != nil || x == nil {
		return err
	}
	*v = *x
	return nil
}

// ParamBoolPtr reads an optional boolean member ("true" or "false").
func ParamBoolPtr(p Params, location, name string, v **bool) error {
	s, ok := p.Param(location, name)
	if !ok {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil || (s != "true" && s != "false") {
		return &ParamError{Location: location, Name: name, Value: s, Want: "true or false"}
	}
	*v = &b
	return nil
}

// ListParams is Params that also gives every value of a member the request repeats: a query-string list
// (?tagKeys=a&tagKeys=b) has one value per element.
type ListParams interface {
	Params
	ParamValues(location, name string) []string
}

// ParamStrings reads a list member outside the body: every value the request gives it, in order (a Params that
// is no ListParams gives the first); nil when the request has none.
func ParamStrings[S ~string](p Params, location, name string, v *[]S) error {
	var vs []string
	if lp, ok := p.(ListParams); ok {
		vs = lp.ParamValues(location, name)
	} else if s, ok := p.Param(location, name); ok {
		vs = []string{s}
	}
	if len(vs) == 0 {
		return nil
	}
	out := make([]S, len(vs))
	for i, s := range vs {
		out[i] = S(s)
	}
	*v = out
	return nil
}
