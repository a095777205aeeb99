package apitypes

import (
	"encoding/base64"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validator is implemented by every generated input structure.
type Validator interface {
	Validate() error
}

// Violation is one failed constraint.
type Violation struct {
	// Path is the member path in AWS's form: 'userName', 'tags.1.member.key'.
	Path string
	// Value is the offending value as AWS prints it, without quotes. Null is true when the value was absent;
	// Redacted when the model marks the member sensitive, so its value is not repeated back.
	Value    string
	Null     bool
	Redacted bool
	// Constraint is the sentence after "failed to satisfy constraint: ".
	Constraint string
}

func (v Violation) String() string {
	var b strings.Builder
	b.WriteString("Value ")
	switch {
	case v.Null:
		b.WriteString("null ")
	case v.Redacted:
	default:
		b.WriteString("'")
		b.WriteString(v.Value)
		b.WriteString("' ")
	}
	b.WriteString("at '")
	b.WriteString(v.Path)
	b.WriteString("' failed to satisfy constraint: ")
	b.WriteString(v.Constraint)
	return b.String()
}

// ValidationError is AWS's query-protocol ValidationError: one or more violations, reported together.
type ValidationError struct {
	Violations []Violation
}

// Error renders the message exactly as AWS does:
// "1 validation error detected: ..." or "2 validation errors detected: ...; ...".
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(e.Violations)))
	if len(e.Violations) == 1 {
		b.WriteString(" validation error detected: ")
	} else {
		b.WriteString(" validation errors detected: ")
	}
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// ErrorCode is the wire code, ValidationError.
func (e *ValidationError) ErrorCode() string { return "ValidationError" }

// ErrorMessage is the wire message, the same as Error.
func (e *ValidationError) ErrorMessage() string { return e.Error() }

// HTTPStatus is 400 (Bad Request; a plain number, so that the shapes stay free of net/http).
func (e *ValidationError) HTTPStatus() int { return 400 }

// SenderFault is true: the caller sent a bad value.
func (e *ValidationError) SenderFault() bool { return true }

// WithNulls adds to err (nil or what a Validate method returned) the violation "Value null at '<path>' ...
// Member must not be null" for each of paths: required members a decoder found absent where the shape's Go type
// cannot show it (a tag without Value). Those come first, and replace any violation Validate reported at the
// same path (the zero value it saw there was never sent). It returns err unchanged when paths is empty.
func WithNulls(err error, paths []string) error {
	if len(paths) == 0 {
		return err
	}
	var v Validation
	null := make(map[string]bool, len(paths))
	for _, p := range paths {
		if !null[p] {
			null[p] = true
			v.Null(p)
		}
	}
	if err != nil {
		ve, ok := err.(*ValidationError)
		if !ok {
			return err
		}
		for _, x := range ve.Violations {
			if !null[x.Path] {
				v.Add(x)
			}
		}
	}
	return v.Err()
}

// Validation collects violations; generated Validate methods drive it. The zero value is ready to use.
type Validation struct {
	violations []Violation
}

// Err returns nil when nothing failed, otherwise a *ValidationError.
func (v *Validation) Err() error {
	if len(v.violations) == 0 {
		return nil
	}
	return &ValidationError{Violations: v.violations}
}

// Add records a violation.
func (v *Validation) Add(x Violation) { v.violations = append(v.violations, x) }

// Null records a required member that is absent.
func (v *Validation) Null(path string) {
	v.Add(Violation{Path: path, Null: true, Constraint: "Member must not be null"})
}

func (v *Validation) value(path, value string, sensitive bool, constraint string) {
	v.Add(Violation{Path: path, Value: value, Redacted: sensitive, Constraint: constraint})
}

// StringLength checks a string's length in characters against min and max; a bound < 0 is not checked.
func (v *Validation) StringLength(path, s string, min, max int, sensitive bool) {
	n := -1
	if min >= 0 {
		n = utf8.RuneCountInString(s)
		if n < min {
			v.value(path, s, sensitive, "Member must have length greater than or equal to "+strconv.Itoa(min))
		}
	}
	if max >= 0 {
		if n < 0 {
			n = utf8.RuneCountInString(s)
		}
		if n > max {
			v.value(path, s, sensitive, "Member must have length less than or equal to "+strconv.Itoa(max))
		}
	}
}

// Pattern checks that re matches the whole of s; source is the model's pattern, printed as AWS prints it.
func (v *Validation) Pattern(path, s string, re *regexp.Regexp, source string, sensitive bool) {
	if !re.MatchString(s) {
		v.value(path, s, sensitive, "Member must satisfy regular expression pattern: "+source)
	}
}

// Enum checks membership of a value set; values is the model's list in model order.
func (v *Validation) Enum(path, s string, values []string, sensitive bool) {
	for _, x := range values {
		if s == x {
			return
		}
	}
	v.value(path, s, sensitive, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// IntRange checks a number against the model's min and max; hasMin/hasMax say which bounds exist.
func (v *Validation) IntRange(path string, n int64, min int64, hasMin bool, max int64, hasMax bool, sensitive bool) {
	s := strconv.FormatInt(n, 10)
	if hasMin && n < min {
		v.value(path, s, sensitive, "Member must have value greater than or equal to "+strconv.FormatInt(min, 10))
	}
	if hasMax && n > max {
		v.value(path, s, sensitive, "Member must have value less than or equal to "+strconv.FormatInt(max, 10))
	}
}

// Length checks the number of items of a list or map (or bytes of a blob) against min and max; a bound < 0
// is not checked. value is the collection itself, rendered with FormatValue only when a check fails.
func (v *Validation) Length(path string, n int, value any, min, max int, sensitive bool) {
	if min >= 0 && n < min {
		v.value(path, FormatValue(value), sensitive, "Member must have length greater than or equal to "+strconv.Itoa(min))
	}
	if max >= 0 && n > max {
		v.value(path, FormatValue(value), sensitive, "Member must have length less than or equal to "+strconv.Itoa(max))
	}
}

// FormatValue renders a value roughly as AWS's Java services print one in a validation message: strings as
// they are, lists as [a, b], structures as {Key: k,Value: v}, absent members left out.
func FormatValue(x any) string {
	var b strings.Builder
	formatValue(&b, reflect.ValueOf(x))
	return b.String()
}

func formatValue(b *strings.Builder, v reflect.Value) {
	if !v.IsValid() {
		b.WriteString("null")
		return
	}
	if t, ok := v.Interface().(time.Time); ok {
		b.WriteString(t.UTC().Format(time.RFC3339))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		formatValue(b, v.Elem())
	case reflect.String:
		b.WriteString(v.String())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Float32, reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b.WriteString(base64.StdEncoding.EncodeToString(v.Bytes()))
			return
		}
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			formatValue(b, v.Index(i))
		}
		b.WriteString("]")
	case reflect.Map:
		b.WriteString("{")
		iter := v.MapRange()
		first := true
		for iter.Next() {
			if !first {
				b.WriteString(", ")
			}
			first = false
			formatValue(b, iter.Key())
			b.WriteString("=")
			formatValue(b, iter.Value())
		}
		b.WriteString("}")
	case reflect.Struct:
		b.WriteString("{")
		first := true
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := v.Field(i)
			if !t.Field(i).IsExported() || ((f.Kind() == reflect.Pointer || f.Kind() == reflect.Slice || f.Kind() == reflect.Map) && f.IsNil()) {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			b.WriteString(t.Field(i).Name)
			b.WriteString(": ")
			formatValue(b, f)
		}
		b.WriteString("}")
	default:
		b.WriteString(v.String())
	}
}
