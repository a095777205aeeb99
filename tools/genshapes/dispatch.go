package main

import (
	"bytes"
	"fmt"
	"go/format"
	"path"
	"sort"
	"strconv"
	"strings"
)

// DispatchOptions control the generation of a service's dispatch file (genshapes -dispatch).
type DispatchOptions struct {
	// Package is the Go package name of the output (iamapi).
	Package string
	// Source names the model file in the header (base name only, so output does not depend on paths).
	Source string
	// TypesName and TypesImport name the package of the service's generated shapes (iamtypes,
	// github.com/iamd-dev/iamd/internal/apitypes/iam).
	TypesName, TypesImport string
	// CallerImport and CallerType name the type of the authenticated caller every method takes a pointer to
	// (github.com/iamd-dev/iamd/internal/iam, Caller).
	CallerImport, CallerType string
	// Others are operations of the service that the model given leaves out (Model.SelectOperations): the table
	// lists them by name, never Implemented and without a Call, so that the wire layer answers them NotImplemented
	// rather than as unknown operations.
	Others []string
}

// Import paths the dispatch file uses besides the ones DispatchOptions name.
const (
	dispatchImport = "github.com/iamd-dev/iamd/internal/api/dispatch"
	awserrImport   = "github.com/iamd-dev/iamd/internal/awserr"
)

// GenerateDispatch writes the typed dispatch of a model's operations, for the wire layer:
//
//   - an interface named after the service (IAM, STS, Organizations) with one method per operation, sorted by
//     name, in the shape the domain implements it: (ctx, *Caller, *XxxRequest) (*XxxResponse, error), the input
//     left out when the operation has none and the output when it returns none;
//   - Unimplemented<Service>, a struct whose methods answer every operation with the protocol's NotImplemented
//     error (awserr.NotImplemented for the query protocol, awserr.NotImplementedException for JSON). Its methods
//     sit one level down (on an embedded unexported struct) so that a struct embedding both it and a domain
//     service takes the domain's method wherever there is one;
//   - Operations(impl, domain), the table: per operation a dispatch.Operation whose Call (dispatch.InputOutput
//     and its siblings, by the operation's shape) decodes the input, validates it and calls impl's method, and
//     whose Implemented says whether domain has the method itself. The Calls read and write with the generated
//     codec of the same package (genshapes -codec): for a query-protocol service the table holds
//     dispatch.QueryOperation values built with dispatch.QueryInputOutput and its siblings (decodeXxxRequest,
//     encodeXxxResponse, the result element named after the operation, <XxxResult>); for a JSON protocol service
//     dispatch.JSONInputOutput and its siblings (decodeXxxRequest, appendXxxResponse). The Calls also take the
//     trail encoders of the input and output (trailXxxRequest, trailXxxResponse; genshapes -trail), with which
//     they report both to the audit trail. The operations in opt.Others follow, by name only: never Implemented,
//     with no Call.
//
// A domain method with the operation's name but another signature is a compile error where the binding asserts
// that its type implements the interface.
func GenerateDispatch(m *Model, opt DispatchOptions) ([]byte, error) {
	if opt.Package == "" || opt.TypesName == "" || opt.TypesImport == "" || opt.CallerImport == "" || opt.CallerType == "" {
		return nil, fmt.Errorf("dispatch: package, types and caller are required")
	}
	var ops []*Operation
	for _, op := range m.Operations {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	goNames := map[string]string{}
	for _, op := range ops {
		for _, r := range []*Ref{op.Input, op.Output} {
			if r == nil {
				continue
			}
			if s := m.Shapes[r.Shape]; s.Type != "structure" {
				return nil, fmt.Errorf("operation %s: shape %s is a %s, not a structure", op.Name, r.Shape, s.Type)
			}
			goNames[r.Shape] = exportName(r.Shape)
		}
		if !isIdent(op.Name) {
			return nil, fmt.Errorf("operation name %q is not a Go identifier", op.Name)
		}
	}
	svc := exportName(strings.ReplaceAll(m.Metadata.ServiceID, " ", ""))
	callerPkg := path.Base(opt.CallerImport)
	caller := "*" + callerPkg + "." + opt.CallerType
	if callerPkg == opt.Package || callerPkg == opt.TypesName || callerPkg == "dispatch" || callerPkg == "awserr" || callerPkg == "context" {
		return nil, fmt.Errorf("dispatch: caller package name %s clashes with another import", callerPkg)
	}
	typ := func(shape string) string { return "*" + opt.TypesName + "." + goNames[shape] }
	// sig is the method's parameter and result lists; named adds the parameter names.
	sig := func(op *Operation, named bool) string {
		var b strings.Builder
		if named {
			b.WriteString("(ctx context.Context, c " + caller)
		} else {
			b.WriteString("(context.Context, " + caller)
		}
		if op.Input != nil {
			if named {
				b.WriteString(", in ")
			} else {
				b.WriteString(", ")
			}
			b.WriteString(typ(op.Input.Shape))
		}
		b.WriteString(")")
		if op.Output != nil {
			b.WriteString(" (" + typ(op.Output.Shape) + ", error)")
		} else {
			b.WriteString(" error")
		}
		return b.String()
	}

	var buf bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&buf, format, args...) }
	md := m.Metadata
	p("%s", header("-dispatch", m, opt.Source, opt.Package))
	p("import (\n\t\"context\"\n\n\t%q\n\t%s %q\n\t%q\n\t%q\n)\n\n", dispatchImport, opt.TypesName, opt.TypesImport, awserrImport, opt.CallerImport)

	p("// %s is the %s API: one method per operation of the model, as the wire layer calls it. A domain service\n", svc, md.ServiceID)
	p("// implements it directly, or through a binding that embeds Unimplemented%s for the operations it lacks.\n", svc)
	p("type %s interface {\n", svc)
	for i, op := range ops {
		if i > 0 {
			p("\n")
		}
		if line := docLine(op.Documentation); line != "" {
			p("\t// %s: %s\n", op.Name, line)
		}
		p("\t%s%s\n", op.Name, sig(op, true))
	}
	p("}\n\n")

	p("// Unimplemented%s answers every operation of %s with NotImplemented. Embed it in a struct beside the domain\n", svc, svc)
	p("// service: the struct then implements %s, the domain's methods win (they are one level shallower), and a domain\n", svc)
	p("// method with an operation's name but another signature makes the struct fail to implement %s.\n", svc)
	p("type Unimplemented%s struct{ unimplemented%s }\n\n", svc, svc)
	p("type unimplemented%s struct{}\n\n", svc)
	for _, op := range ops {
		p("func (unimplemented%s) %s%s {\n\treturn ", svc, op.Name, sig(op, false))
		if op.Output != nil {
			p("nil, ")
		}
		p("notImplemented(%q)\n}\n\n", op.Name)
	}
	p("// notImplemented is the %s protocol's answer to an operation iamd does not run.\n", protocolName(md.Protocol))
	if md.Protocol == "json" || md.Protocol == "rest-json" {
		p("func notImplemented(op string) error { return awserr.NotImplementedException(op) }\n\n")
	} else {
		p("func notImplemented(op string) error { return awserr.NotImplemented(op) }\n\n")
	}

	p("// Operations binds every operation of the model to impl, sorted by name. Each Call decodes the input, validates\n")
	p("// it against the model and calls impl's method. domain is the service impl takes its methods from: an operation\n")
	p("// is Implemented when domain has its method with its exact signature (a nil domain implements none).\n")
	table := "Operation"
	if md.Protocol == "query" {
		table = "QueryOperation"
	}
	p("func Operations(impl %s, domain any) []dispatch.%s {\n\treturn []dispatch.%s{\n", svc, table, table)
	for _, op := range ops {
		p("\t\t{\n\t\t\tName: %q,\n", op.Name)
		p("\t\t\tImplemented: dispatch.Has[interface{ %s%s }](domain),\n", op.Name, sig(op, false))
		bind := "Neither"
		switch {
		case op.Input != nil && op.Output != nil:
			bind = "InputOutput"
		case op.Input != nil:
			bind = "InputOnly"
		case op.Output != nil:
			bind = "OutputOnly"
		}
		if md.Protocol == "rest-json" && op.Input != nil && hasLocated(m.Shapes[op.Input.Shape]) {
			bind = "REST" + bind
		}
		p("\t\t\tCall: %s,\n\t\t},\n", callExpr(md.Protocol, bind, op, goNames))
	}
	if len(opt.Others) > 0 {
		p("\t\t// The service's other operations: no shapes are generated for them, and iamd does not run them.\n")
		for _, name := range opt.Others {
			if !isIdent(name) {
				return nil, fmt.Errorf("operation name %q is not a Go identifier", name)
			}
			if _, dup := m.Operations[name]; dup {
				return nil, fmt.Errorf("dispatch: %s is both an operation of the model and one of the others", name)
			}
			p("\t\t{Name: %q},\n", name)
		}
	}
	p("\t}\n}\n")
	if md.Protocol == "rest-json" {
		if err := writeRoutes(p, m); err != nil {
			return nil, err
		}
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return buf.Bytes(), fmt.Errorf("gofmt of generated code: %w", err)
	}
	return out, nil
}

// callExpr is the Call of op, which reads and writes with the generated codec of the same package (genshapes
// -codec) and reports to the audit trail with its trail encoders (genshapes -trail): for the query protocol
// dispatch.Query<bind> with decode<Input>, trail<Input>, the method, encode<Output>, trail<Output> and the result
// element's name (GenerateQueryCodec); for the JSON protocol dispatch.JSON<bind> with decode<Input>,
// trail<Input>, the method, append<Output> and trail<Output> (GenerateJSONCodec). A JSON operation with neither input nor output is
// dispatch.Neither.
func callExpr(protocol, bind string, op *Operation, goNames map[string]string) string {
	if protocol == "query" {
		var args []string
		if op.Input != nil {
			args = append(args, "decode"+goNames[op.Input.Shape], "trail"+goNames[op.Input.Shape])
		}
		args = append(args, "impl."+op.Name)
		if op.Output != nil {
			args = append(args, "encode"+goNames[op.Output.Shape], "trail"+goNames[op.Output.Shape], strconv.Quote(op.Name+"Result"))
		}
		return "dispatch.Query" + bind + "(" + strings.Join(args, ", ") + ")"
	}
	if bind == "Neither" {
		return "dispatch." + bind + "(impl." + op.Name + ")"
	}
	switch bind {
	case "RESTInputOutput":
		in, out := goNames[op.Input.Shape], goNames[op.Output.Shape]
		return "dispatch.RESTInputOutput(decode" + in + ", bind" + in + ", trail" + in + ", impl." + op.Name + ", append" + out + ", trail" + out + ")"
	case "RESTInputOnly":
		in := goNames[op.Input.Shape]
		return "dispatch.RESTInputOnly(decode" + in + ", bind" + in + ", trail" + in + ", impl." + op.Name + ")"
	}
	var args []string
	if op.Input != nil {
		args = append(args, "decode"+goNames[op.Input.Shape], "trail"+goNames[op.Input.Shape])
	}
	args = append(args, "impl."+op.Name)
	if op.Output != nil {
		args = append(args, "append"+goNames[op.Output.Shape], "trail"+goNames[op.Output.Shape])
	}
	return "dispatch.JSON" + bind + "(" + strings.Join(args, ", ") + ")"
}

func protocolName(p string) string {
	switch p {
	case "json":
		return "AWS JSON"
	case "rest-json":
		return "REST-JSON"
	}
	return "query"
}

// isIdent reports whether s is an exported Go identifier made of ASCII letters and digits, as operation names are.
func isIdent(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// writeRoutes writes Routes(), the HTTP method, requestUri and success status of every operation of a REST-JSON
// model (Model.Others included), sorted by name, for the wire layer's router.
func writeRoutes(p func(string, ...any), m *Model) error {
	all := map[string]*Operation{}
	for n, op := range m.Operations {
		all[n] = op
	}
	for n, op := range m.Others {
		all[n] = op
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	p("\n// Routes is where each operation of the model is served: its HTTP method, requestUri and success status.\n")
	p("func Routes() []dispatch.Route {\n\treturn []dispatch.Route{\n")
	for _, n := range names {
		op := all[n]
		if op.HTTP.Method == "" || !strings.HasPrefix(op.HTTP.RequestURI, "/") {
			return fmt.Errorf("dispatch: operation %s has no HTTP method or requestUri", n)
		}
		status := op.HTTP.ResponseCode
		if status == 0 {
			status = 200
		}
		p("\t\t{Method: %q, URI: %q, Name: %q, Status: %d},\n", op.HTTP.Method, op.HTTP.RequestURI, n, status)
	}
	p("\t}\n}\n")
	return nil
}
