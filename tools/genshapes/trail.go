package main

import (
	"bytes"
	"fmt"
	"go/format"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Import paths of the trail encoders' runtime and of the check of their table (-trailcases).
const (
	trailjsonImport = "github.com/iamd-dev/iamd/internal/api/trailjson"
	trailtestImport = "github.com/iamd-dev/iamd/internal/api/trailjson/trailtest"
)

// secretByName reports whether a member holds a secret by its name, whatever the model says of its shape: the
// members the audit trail hides besides those botocore marks sensitive (STS's SessionToken and TokenCode, IAM's
// MFA codes), and the model-sensitive ones again, so that a model update that drops the trait cannot let one in.
func secretByName(member string) bool {
	switch member {
	case "SecretAccessKey", "SessionToken", "Password", "OldPassword", "NewPassword", "SAMLAssertion",
		"WebIdentityToken", "AuthenticationCode1", "AuthenticationCode2", "Base32StringSeed", "QRCodePNG",
		"PrivateKey", "AddPrivateKey", "ServicePassword", "ServiceCredentialSecret", "TokenCode", "TradeInToken",
		"ContextAssertion":
		return true
	}
	return false
}

// secret reports whether member mb holds a secret: its shape is sensitive in the model, or its name says so.
func (g *gen) secret(mb Member) bool {
	return g.shape(mb.Ref.Shape).Sensitive || secretByName(mb.Name)
}

// GenerateTrail writes the audit-trail encoders of a model's shapes (genshapes -trail), for the wire layer, with
// no reflection (the runtime is internal/api/trailjson): per structure reachable from an operation's input or
// output, trail<Shape>(b, v) []byte, which appends v as CloudTrail writes requestParameters and
// responseElements — a JSON object with the members in model order under their names with the first letter
// lower-cased, absent members (nil pointers, lists, maps and blobs; required strings that are empty where the
// model does not allow empty) left out, lists as arrays, maps as objects with sorted keys, timestamps in
// CloudTrail's "Jan 2, 2006, 3:04:05 PM" form, blobs in base64. A member that holds a secret (see secret) is
// written as audit.Hidden when present. The dispatch file (GenerateDispatch) hands these to the Calls. Members
// of a type the encoders do not write (floating point, lists of lists, maps of lists or maps) are an
// error, so that a model change cannot silently drop one.
func GenerateTrail(m *Model, opt CodecOptions) ([]byte, error) {
	if opt.Package == "" || opt.TypesName == "" || opt.TypesImport == "" {
		return nil, fmt.Errorf("trail: package and types are required")
	}
	g := &gen{m: m, goNames: map[string]string{}, inputReach: map[string]bool{}, reach: map[string]bool{}, patterns: map[string]*patternInfo{}}
	if err := g.collect(); err != nil {
		return nil, err
	}
	c := &trailGen{gen: g, t: opt.TypesName}
	c.p("%s", header("-trail", m, opt.Source, opt.Package))
	body := c.buf.Len()
	for _, name := range g.structs {
		if err := c.encoder(name); err != nil {
			return nil, err
		}
	}
	if err := c.writeMaps(); err != nil {
		return nil, err
	}
	code := c.buf.Bytes()[body:]
	var imports bytes.Buffer
	imports.WriteString("import (\n")
	if bytes.Contains(code, []byte("jsonproto.")) {
		fmt.Fprintf(&imports, "\t%q\n", jsonprotoImport)
	}
	if bytes.Contains(code, []byte("trailjson.")) {
		fmt.Fprintf(&imports, "\t%q\n", trailjsonImport)
	}
	fmt.Fprintf(&imports, "\t%s %q\n)\n\n", opt.TypesName, opt.TypesImport)
	out := append(append(append([]byte{}, c.buf.Bytes()[:body]...), imports.Bytes()...), code...)
	formatted, err := format.Source(out)
	if err != nil {
		return out, fmt.Errorf("gofmt of generated code: %w", err)
	}
	return formatted, nil
}

type trailGen struct {
	*gen
	t    string // the shapes package name
	buf  bytes.Buffer
	maps []string // the map shapes that are list elements, whose encoders writeMaps writes
}

func (c *trailGen) p(format string, args ...any) { fmt.Fprintf(&c.buf, format, args...) }

func (c *trailGen) unsupported(owner, member, typ string) error {
	return fmt.Errorf("trail: %s member %s: %s members are not supported by the trail encoders", owner, member, typ)
}

// scalarWriter returns the function that appends a scalar of shape given by value, and whether it takes a
// type argument (the generic jsonproto writers of named string and integer types).
func (c *trailGen) scalarWriter(shape string) (string, bool) {
	switch c.shape(shape).Type {
	case "string":
		return "jsonproto.AppendString", true
	case "integer", "long":
		return "jsonproto.AppendInt", true
	case "boolean":
		return "jsonproto.AppendBool", false
	case "timestamp":
		return "trailjson.Time", false
	case "blob":
		return "trailjson.Blob", false
	}
	return "", false
}

// elemWriter returns the function that writes a list element of shape by address.
func (c *trailGen) elemWriter(shape string, hidden bool) (string, bool) {
	s := c.shape(shape)
	if hidden {
		return "trailjson.HiddenElem[" + c.g(shape) + "]", true
	}
	switch s.Type {
	case "structure":
		return "trail" + c.goNames[shape], true
	case "string":
		return "jsonproto.StringElem[" + c.g(shape) + "]", true
	case "integer", "long":
		return "jsonproto.IntElem[" + c.g(shape) + "]", true
	case "boolean":
		return "jsonproto.BoolElem", true
	case "timestamp":
		return "trailjson.TimeElem", true
	case "blob":
		return "trailjson.BlobElem", true
	case "map":
		if _, err := c.mapValueWriter(s); err != nil {
			return "", false
		}
		c.maps = append(c.maps, shape)
		return "trail" + c.goNames[shape], true
	}
	return "", false
}

// mapValueWriter returns the expression that writes a map's values, for trailjson.Map (by value) or, for
// structures, trailjson.MapRef (by address).
func (c *trailGen) mapValueWriter(ms *Shape) (string, error) {
	val := c.shape(ms.Value.Shape)
	if key := c.shape(ms.Key.Shape); key.Type != "string" {
		return "", fmt.Errorf("map with %s keys", key.Type)
	}
	if val.Sensitive {
		return "trailjson.HiddenValue[" + c.g(ms.Value.Shape) + "]", nil
	}
	if val.Type == "structure" {
		return "trail" + c.goNames[ms.Value.Shape], nil
	}
	vw, generic := c.scalarWriter(ms.Value.Shape)
	if vw == "" {
		return "", fmt.Errorf("map of %s", val.Type)
	}
	if generic {
		vw += "[" + c.g(ms.Value.Shape) + "]"
	}
	return vw, nil
}

// mapCall is the call that appends the map f of shape ms.
func (c *trailGen) mapCall(ms *Shape, f string) (string, error) {
	vw, err := c.mapValueWriter(ms)
	if err != nil {
		return "", err
	}
	if c.shape(ms.Value.Shape).Type == "structure" && !c.shape(ms.Value.Shape).Sensitive {
		return fmt.Sprintf("trailjson.MapRef(b, %s, %s)", f, vw), nil
	}
	return fmt.Sprintf("trailjson.Map(b, %s, %s)", f, vw), nil
}

// writeMaps writes the encoders of the map shapes that are list elements (elemWriter collected them), each once.
func (c *trailGen) writeMaps() error {
	names := slices.Clone(c.maps)
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(c.goNames[a], c.goNames[b]) })
	for _, name := range slices.Compact(names) {
		call, err := c.mapCall(c.shape(name), "*v")
		if err != nil {
			return err
		}
		gn := c.goNames[name]
		c.p("// trail%s appends *v as a JSON object, its keys sorted.\n", gn)
		c.p("func trail%s(b []byte, v *%s.%s) []byte {\n\treturn %s\n}\n\n", gn, c.t, gn, call)
	}
	return nil
}

// g is the Go type of a list element or map key or value of shape, qualified with the shapes package.
func (c *trailGen) g(shape string) string {
	typ := c.elemType(shape)
	if _, ok := c.goNames[shape]; ok {
		return c.t + "." + typ
	}
	return typ
}

func (c *trailGen) encoder(name string) error {
	s := c.shape(name)
	gn := c.goNames[name]
	c.p("// trail%s appends v as CloudTrail writes it in requestParameters and responseElements.\n", gn)
	c.p("func trail%s(b []byte, v *%s.%s) []byte {\n\tb = append(b, '{')\n", gn, c.t, gn)
	if len(s.Members) > 0 {
		c.p("\tn := len(b)\n")
	}
	used := map[string]bool{}
	for _, mb := range s.Members {
		f := "v." + c.fieldName(mb.Name, used)
		key := lowerFirst(mb.Name)
		if _, err := wireName(Member{Name: key, Ref: &Ref{}}); err != nil {
			return fmt.Errorf("trail: %w", err)
		}
		member := "b = jsonproto.Member(b, n, " + backquote(strconv.Quote(key)+":") + ")\n"
		hidden := c.secret(mb)
		required := s.IsRequired(mb.Name)
		ms := c.shape(mb.Ref.Shape)
		var write, guard string
		switch ms.Type {
		case "structure":
			guard = f + " != nil"
			write = fmt.Sprintf("b = trail%s(b, %s)\n", c.goNames[mb.Ref.Shape], f)
		case "list":
			elem := c.shape(ms.Member.Shape)
			w, ok := c.elemWriter(ms.Member.Shape, elem.Sensitive)
			if !ok {
				return c.unsupported(name, mb.Name, "list of "+elem.Type)
			}
			guard = f + " != nil"
			write = fmt.Sprintf("b = jsonproto.AppendList(b, %s, %s)\n", f, w)
		case "map":
			call, err := c.mapCall(ms, f)
			if err != nil {
				return c.unsupported(name, mb.Name, err.Error())
			}
			guard = f + " != nil"
			write = "b = " + call + "\n"
		case "blob":
			guard = f + " != nil"
			write = fmt.Sprintf("b = trailjson.Blob(b, %s)\n", f)
		default:
			w, _ := c.scalarWriter(mb.Ref.Shape)
			if w == "" {
				return c.unsupported(name, mb.Name, ms.Type)
			}
			expr := f
			switch {
			case !required:
				guard = f + " != nil"
				expr = "*" + f
			case ms.Type == "string" && minAtLeastOne(ms):
				// As the query encoder does: a required string the model says is never empty is absent when empty.
				guard = f + ` != ""`
			}
			write = fmt.Sprintf("b = %s(b, %s)\n", w, expr)
		}
		if hidden {
			write = "b = trailjson.Hidden(b)\n"
		}
		if guard == "" {
			c.p("\t%s\t%s", member, write)
		} else {
			c.p("\tif %s {\n\t\t%s\t\t%s\t}\n", guard, member, write)
		}
	}
	c.p("\treturn append(b, '}')\n}\n\n")
	return nil
}

// trailOperation is one row of the table GenerateTrailCases writes.
type trailOperation struct {
	name, in, out string
}

// GenerateTrailCases writes, for a package's tests (genshapes -trailcases), trailCases(): per operation of the
// model, sorted by name, a trailtest.Case with a new input and output and closures of their trail encoders, so
// that a test can fill every member and check what the trail shows of it against the model (trailtest.Check).
func GenerateTrailCases(m *Model, opt CodecOptions) ([]byte, error) {
	if opt.Package == "" || opt.TypesName == "" || opt.TypesImport == "" {
		return nil, fmt.Errorf("trail: package and types are required")
	}
	var ops []trailOperation
	for name, op := range m.Operations {
		o := trailOperation{name: name}
		if op.Input != nil {
			o.in = exportName(op.Input.Shape)
		}
		if op.Output != nil {
			o.out = exportName(op.Output.Shape)
		}
		ops = append(ops, o)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	var buf bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&buf, format, args...) }
	p("%s", header("-trailcases", m, opt.Source, opt.Package))
	p("import (\n\t%q\n\t%s %q\n)\n\n", trailtestImport, opt.TypesName, opt.TypesImport)
	p("// trailCases returns a new case per operation of the model, sorted by name: the encoders read In and Out.\n")
	p("func trailCases() []trailtest.Case {\n\tvar cases []trailtest.Case\n")
	for _, o := range ops {
		p("\t{\n\t\tc := trailtest.Case{Name: %q, InShape: %q, OutShape: %q}\n", o.name, shapeOf(m, o.name, true), shapeOf(m, o.name, false))
		if o.in != "" {
			p("\t\tin := new(%s.%s)\n\t\tc.In, c.TrailIn = in, func(b []byte) []byte { return trail%s(b, in) }\n", opt.TypesName, o.in, o.in)
		}
		if o.out != "" {
			p("\t\tout := new(%s.%s)\n\t\tc.Out, c.TrailOut = out, func(b []byte) []byte { return trail%s(b, out) }\n", opt.TypesName, o.out, o.out)
		}
		p("\t\tcases = append(cases, c)\n\t}\n")
	}
	p("\treturn cases\n}\n")
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return buf.Bytes(), fmt.Errorf("gofmt of generated code: %w", err)
	}
	return out, nil
}

// shapeOf is the model name of an operation's input or output shape, "" when it has none.
func shapeOf(m *Model, op string, input bool) string {
	r := m.Operations[op].Output
	if input {
		r = m.Operations[op].Input
	}
	if r == nil {
		return ""
	}
	return r.Shape
}

// header is the start of a generated file: the generated-code comment naming the flag, the model and its source
// file (base name only), and the package clause.
func header(flag string, m *Model, source, pkg string) string {
	src := ""
	if source != "" {
		src = " (" + source + ")"
	}
	return fmt.Sprintf("// Code generated by genshapes %s from the botocore model of %s %s%s. DO NOT EDIT.\n\npackage %s\n\n",
		flag, m.Metadata.ServiceID, m.Metadata.APIVersion, src, pkg)
}
