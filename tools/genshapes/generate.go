package main

import (
	"bytes"
	"fmt"
	"go/format"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Options control one generation.
type Options struct {
	// Package is the Go package name of the output.
	Package string
	// Source names the model file in the header (base name only, so output does not depend on paths).
	Source string
}

// Generate writes the Go source for a model. The rules:
//
//   - Shapes: every structure reachable from an operation's input or output becomes a struct named after the
//     shape with its first letter upper-cased; exception shapes only feed the Errors table.
//   - Members keep model order and are named after the member with the first letter upper-cased.
//   - Required scalar members (in the structure's "required" list) are plain values (string, int32, int64,
//     bool, float64, time.Time, or the enum's named type); optional ones are pointers. Nested structures are
//     always pointers, so absence is visible; lists ([]T, elements by value) and maps (named map types) are
//     never pointers: nil means absent. Blobs are []byte.
//   - A string shape with an enum becomes a named string type with one constant per value
//     (TypeName + value in CamelCase) and a Values method; other scalar shapes use Go's built-in types.
//   - No tags and no wire methods: the shapes are plain Go, and the wire names and encodings live in the
//     codec generated into the wire layer (genshapes -codec: querycodec.go for IAM and STS, jsoncodec.go for
//     Organizations).
//   - Validate: for every structure reachable from an input, checks in model order, per member: not null
//     (required; a required string that is empty counts as null when the shape's minimum length is at least
//     1, since "" could not be valid there anyway; required numbers, booleans and timestamps cannot be seen
//     missing and are not checked), length (characters for strings, items for lists and maps,
//     bytes for blobs), pattern (anchored to the whole value; \uXXXX rewritten for RE2; patterns RE2 cannot
//     compile are skipped with a comment), enum membership, numeric range; then nested structures and list
//     elements ('tags.1.member.key').
func Generate(m *Model, opt Options) ([]byte, error) {
	g := &gen{m: m, opt: opt, goNames: map[string]string{}, inputReach: map[string]bool{}, reach: map[string]bool{}, patterns: map[string]*patternInfo{}}
	if err := g.collect(); err != nil {
		return nil, err
	}
	g.write()
	src, err := format.Source(g.buf.Bytes())
	if err != nil {
		return g.buf.Bytes(), fmt.Errorf("gofmt of generated code: %w", err)
	}
	return src, nil
}

type patternInfo struct {
	source  string
	goExpr  string // "" when the pattern does not compile under RE2
	varName string
	err     string
}

type gen struct {
	m          *Model
	opt        Options
	buf        bytes.Buffer
	ops        []*Operation
	structs    []string // shape names, sorted by Go name
	enums      []string
	maps       []string
	goNames    map[string]string // shape name → Go type name for generated types
	reach      map[string]bool
	inputReach map[string]bool
	patterns   map[string]*patternInfo
}

func (g *gen) shape(name string) *Shape { return g.m.Shapes[name] }

// collect walks the operations and decides what to generate.
func (g *gen) collect() error {
	for _, op := range g.m.Operations {
		g.ops = append(g.ops, op)
	}
	sort.Slice(g.ops, func(i, j int) bool { return g.ops[i].Name < g.ops[j].Name })
	var walk func(name string, input bool)
	walk = func(name string, input bool) {
		if g.reach[name] && (!input || g.inputReach[name]) {
			return
		}
		g.reach[name] = true
		if input {
			g.inputReach[name] = true
		}
		s := g.shape(name)
		switch s.Type {
		case "structure":
			for _, mb := range s.Members {
				walk(mb.Ref.Shape, input)
			}
		case "list":
			walk(s.Member.Shape, input)
		case "map":
			walk(s.Key.Shape, input)
			walk(s.Value.Shape, input)
		}
	}
	for _, op := range g.ops {
		if op.Input != nil {
			walk(op.Input.Shape, true)
		}
		if op.Output != nil {
			walk(op.Output.Shape, false)
		}
	}
	taken := map[string]string{}
	for name := range g.reach {
		s := g.shape(name)
		var kind *[]string
		switch {
		case s.Type == "structure":
			kind = &g.structs
		case s.Type == "string" && len(s.Enum) > 0:
			kind = &g.enums
		case s.Type == "map":
			kind = &g.maps
		}
		if s.Type == "map" && (s.Flattened) {
			return fmt.Errorf("shape %s: flattened maps are not supported", name)
		}
		if kind == nil {
			continue
		}
		gn := exportName(name)
		if other, dup := taken[gn]; dup {
			return fmt.Errorf("shapes %s and %s both map to Go name %s", other, name, gn)
		}
		taken[gn] = name
		g.goNames[name] = gn
		*kind = append(*kind, name)
	}
	byGo := func(list []string) {
		sort.Slice(list, func(i, j int) bool { return g.goNames[list[i]] < g.goNames[list[j]] })
	}
	byGo(g.structs)
	byGo(g.enums)
	byGo(g.maps)
	// Patterns used by input-reachable string shapes, numbered in sorted order for stable output.
	var sources []string
	for name := range g.inputReach {
		if p := g.shape(name).Pattern; p != "" && g.patterns[p] == nil {
			g.patterns[p] = &patternInfo{source: p}
			sources = append(sources, p)
		}
	}
	sort.Strings(sources)
	for i, src := range sources {
		pi := g.patterns[src]
		pi.varName = "pattern" + strconv.Itoa(i+1)
		expr, err := javaToRE2(src)
		if err != nil {
			pi.err = err.Error()
			continue
		}
		pi.goExpr = expr
	}
	return nil
}

var javaUnicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// javaToRE2 rewrites a model pattern (Java syntax, matched against the whole value) for Go's regexp.
// Java's \uXXXX escape takes exactly four hex digits; RE2 spells it \x{XXXX}.
func javaToRE2(p string) (string, error) {
	expr := `\A(?:` + javaUnicodeEscape.ReplaceAllString(p, `\x{$1}`) + `)\z`
	if _, err := regexp.Compile(expr); err != nil {
		return "", err
	}
	return expr, nil
}

// exportName upper-cases the first letter and drops characters that cannot be in an identifier.
func exportName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	r, n := utf8.DecodeRuneInString(out)
	if unicode.IsDigit(r) {
		return "X" + out
	}
	return string(unicode.ToUpper(r)) + out[n:]
}

// lowerFirst is AWS's member path form: the member name with its first letter lower-cased.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// enumConstName is TypeName + the value in CamelCase (non-alphanumerics split words).
func enumConstName(typeName, value string) string {
	var b strings.Builder
	b.WriteString(typeName)
	up := true
	for _, r := range value {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	htmlBlockTag = regexp.MustCompile(`(?i)</?(p|li|ul|ol|br|dl|dt|dd|div|note|important|h[1-6])\b[^>]*>`)
	htmlTag      = regexp.MustCompile(`<[^>]*>`)
)

// docLine reduces model documentation (HTML) to one line: tags stripped, entities decoded, whitespace
// collapsed, cut at the end of the first sentence and at 200 characters.
func docLine(doc string) string {
	s := htmlBlockTag.ReplaceAllString(doc, " ")
	s = htmlTag.ReplaceAllString(s, "")
	s = html.UnescapeString(s)
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if utf8.RuneCountInString(s) > 200 {
		rs := []rune(s)
		s = strings.TrimSpace(string(rs[:197])) + "..."
	}
	return s
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.buf, format, args...) }

func (g *gen) comment(indent, name, doc string) {
	line := docLine(doc)
	if line == "" {
		return
	}
	g.p("%s// %s: %s\n", indent, name, line)
}

// goType returns the Go type of a reference; required selects the plain form of scalars.
func (g *gen) goType(shapeName string, required bool) string {
	s := g.shape(shapeName)
	ptr := "*"
	if required {
		ptr = ""
	}
	switch s.Type {
	case "string":
		if len(s.Enum) > 0 {
			return ptr + g.goNames[shapeName]
		}
		return ptr + "string"
	case "integer":
		return ptr + "int32"
	case "long":
		return ptr + "int64"
	case "boolean":
		return ptr + "bool"
	case "float":
		return ptr + "float32"
	case "double":
		return ptr + "float64"
	case "timestamp":
		return ptr + "time.Time"
	case "blob":
		return "[]byte"
	case "structure":
		return "*" + g.goNames[shapeName]
	case "list":
		return "[]" + g.elemType(s.Member.Shape)
	case "map":
		return g.goNames[shapeName]
	}
	panic("genshapes: unsupported shape type " + s.Type + " for " + shapeName)
}

// elemType is the type of a list element or map value: plain, structures by value.
func (g *gen) elemType(shapeName string) string {
	if g.shape(shapeName).Type == "structure" {
		return g.goNames[shapeName]
	}
	return g.goType(shapeName, true)
}

// json reports whether the model is of the AWS JSON protocol or of REST-JSON.
func (g *gen) json() bool {
	return g.m.Metadata.Protocol == "json" || g.m.Metadata.Protocol == "rest-json"
}

func (g *gen) write() {
	md := g.m.Metadata
	src := ""
	if g.opt.Source != "" {
		src = " (" + g.opt.Source + ")"
	}
	g.p("// Code generated by genshapes from the botocore model of %s %s%s. DO NOT EDIT.\n\n", md.ServiceID, md.APIVersion, src)
	g.p("package %s\n\n", g.opt.Package)
	header := g.buf.Len()
	g.p("// Service metadata from the model.\nconst (\n")
	if g.m.Metadata.Protocol == "rest-json" {
		g.p("\tServiceID = %q\n\tAPIVersion = %q\n\tEndpointPrefix = %q\n\tSigningName = %q\n)\n\n", md.ServiceID, md.APIVersion, md.EndpointPrefix, md.SigningName)
	} else if g.json() {
		g.p("\tServiceID = %q\n\tAPIVersion = %q\n\tEndpointPrefix = %q\n\tJSONVersion = %q\n\tTargetPrefix = %q\n)\n\n", md.ServiceID, md.APIVersion, md.EndpointPrefix, md.JSONVersion, md.TargetPrefix)
	} else {
		g.p("\tServiceID = %q\n\tAPIVersion = %q\n\tEndpointPrefix = %q\n\tXMLNamespace = %q\n)\n\n", md.ServiceID, md.APIVersion, md.EndpointPrefix, md.XMLNamespace)
	}

	g.writePatterns()
	for _, name := range g.enums {
		g.writeEnum(name)
	}
	for _, name := range g.maps {
		g.writeMap(name)
	}
	for _, name := range g.structs {
		g.writeStruct(name)
	}
	// Imports, from what the body uses.
	body := g.buf.String()[header:]
	var std, local []string
	for _, im := range []struct{ path, use string }{
		{"regexp", "regexp.MustCompile("},
		{"strconv", "strconv.Itoa("},
		{"time", "time.Time"},
		{"github.com/iamd-dev/iamd/internal/apitypes", "apitypes."},
	} {
		if !strings.Contains(body, im.use) {
			continue
		}
		if strings.Contains(im.path, ".") {
			local = append(local, strconv.Quote(im.path))
		} else {
			std = append(std, strconv.Quote(im.path))
		}
	}
	var head bytes.Buffer
	head.Write(g.buf.Bytes()[:header])
	if len(std)+len(local) > 0 {
		head.WriteString("import (\n")
		for _, group := range [][]string{std, local} {
			for _, im := range group {
				head.WriteString("\t" + im + "\n")
			}
			if len(group) > 0 {
				head.WriteString("\n")
			}
		}
		head.WriteString(")\n\n")
	}
	head.WriteString(body)
	g.buf = head
}

func (g *gen) writePatterns() {
	var list []*patternInfo
	for _, p := range g.patterns {
		list = append(list, p)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].source < list[j].source })
	if len(list) == 0 {
		return
	}
	g.p("// Patterns from the model, compiled once; the model's source is kept for error messages.\n")
	g.p("var (\n")
	for _, p := range list {
		if p.goExpr == "" {
			g.p("\t// %s: %s is not RE2 syntax (%s); members with it are not checked against it.\n", p.varName, strconv.Quote(p.source), p.err)
			continue
		}
		g.p("\t%s = regexp.MustCompile(%s) // %s\n", p.varName, backquote(p.goExpr), strconv.Quote(p.source))
	}
	g.p(")\n\n")
}

func backquote(s string) string {
	if !strings.Contains(s, "`") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func (g *gen) writeEnum(name string) {
	s := g.shape(name)
	gn := g.goNames[name]
	g.comment("", gn, s.Documentation)
	if docLine(s.Documentation) == "" {
		g.p("// %s is the enum shape %s.\n", gn, name)
	}
	g.p("type %s string\n\n", gn)
	g.p("// Values of %s.\nconst (\n", gn)
	used := map[string]bool{}
	var consts []string
	for i, v := range s.Enum {
		cn := enumConstName(gn, v)
		if used[cn] {
			cn += "_" + strconv.Itoa(i)
		}
		used[cn] = true
		consts = append(consts, cn)
		g.p("\t%s %s = %q\n", cn, gn, v)
	}
	g.p(")\n\n")
	g.p("// Values returns the values the model lists for %s, in model order.\n", gn)
	g.p("func (%s) Values() []%s {\n\treturn []%s{%s}\n}\n\n", gn, gn, gn, strings.Join(consts, ", "))
}

func (g *gen) writeMap(name string) {
	s := g.shape(name)
	gn := g.goNames[name]
	keyType := g.elemType(s.Key.Shape)
	valType := g.elemType(s.Value.Shape)
	g.comment("", gn, s.Documentation)
	if docLine(s.Documentation) == "" {
		g.p("// %s is the map shape %s.\n", gn, name)
	}
	g.p("type %s map[%s]%s\n\n", gn, keyType, valType)
}

func (g *gen) writeStruct(name string) {
	s := g.shape(name)
	gn := g.goNames[name]
	g.comment("", gn, s.Documentation)
	if docLine(s.Documentation) == "" {
		g.p("// %s is the structure shape %s.\n", gn, name)
	}
	g.p("type %s struct {\n", gn)
	fieldNames := map[string]bool{}
	for _, mb := range s.Members {
		fn := g.fieldName(mb.Name, fieldNames)
		req := s.IsRequired(mb.Name)
		g.comment("\t", fn, mb.Ref.Documentation)
		g.p("\t%s %s", fn, g.goType(mb.Ref.Shape, req))
		g.p("\n")
	}
	g.p("}\n\n")
	if g.inputReach[name] {
		g.writeValidate(name)
	}
}

func (g *gen) fieldName(member string, used map[string]bool) string {
	fn := exportName(member)
	for used[fn] {
		fn += "_"
	}
	used[fn] = true
	return fn
}

func (g *gen) writeValidate(name string) {
	s := g.shape(name)
	gn := g.goNames[name]
	g.p("// Validate checks %s against the model's constraints and returns a *apitypes.ValidationError\n// listing every violation, or nil.\n", gn)
	g.p("func (in *%s) Validate() error {\n\tvar v apitypes.Validation\n\tin.validate(&v, \"\")\n\treturn v.Err()\n}\n\n", gn)
	g.p("func (in *%s) validate(v *apitypes.Validation, p string) {\n", gn)
	used := map[string]bool{}
	for _, mb := range s.Members {
		fn := g.fieldName(mb.Name, used)
		g.memberChecks(mb, "in."+fn, s.IsRequired(mb.Name))
	}
	g.p("}\n\n")
}

// memberChecks writes the checks for one member; expr is the field expression.
func (g *gen) memberChecks(mb Member, expr string, required bool) {
	shapeName := mb.Ref.Shape
	s := g.shape(shapeName)
	path := "p+" + strconv.Quote(lowerFirst(mb.Name))
	switch s.Type {
	case "string":
		checks := g.stringChecks(shapeName, path, g.asString(shapeName, expr, required))
		if minLen, _, _ := bound(s.Min); required && minLen < 1 {
			// "" is a value this shape allows (an empty tag value), so it cannot stand for null.
			g.p("%s", strings.ReplaceAll(checks, "\t\t", "\t"))
		} else if required {
			g.p("\tif %s == \"\" {\n\t\tv.Null(%s)\n\t}", expr, path)
			if checks != "" {
				g.p(" else {\n%s\t}", checks)
			}
			g.p("\n")
		} else if onlyComments(checks) {
			g.p("%s", strings.ReplaceAll(checks, "\t\t", "\t"))
		} else if checks != "" {
			g.p("\tif %s != nil {\n%s\t}\n", expr, checks)
		}
	case "integer", "long":
		val := "int64(" + expr + ")"
		if !required {
			val = "int64(*" + expr + ")"
		}
		checks := g.numberChecks(shapeName, path, val)
		if checks == "" {
			return
		}
		if required {
			g.p("%s", checks)
		} else {
			g.p("\tif %s != nil {\n%s\t}\n", expr, checks)
		}
	case "blob", "list", "map", "structure":
		var checks string
		switch s.Type {
		case "structure":
			checks = fmt.Sprintf("\t\t%s.validate(v, %s+\".\")\n", expr, path)
		case "blob":
			checks = g.lengthChecks(shapeName, path, expr)
		case "list":
			checks = g.lengthChecks(shapeName, path, expr) + g.elementChecks(s.Member.Shape, path, expr)
		case "map":
			checks = g.lengthChecks(shapeName, path, expr)
		}
		if required {
			g.p("\tif %s == nil {\n\t\tv.Null(%s)\n\t}", expr, path)
			if checks != "" {
				g.p(" else {\n%s\t}", checks)
			}
			g.p("\n")
		} else if checks != "" {
			g.p("\tif %s != nil {\n%s\t}\n", expr, checks)
		}
	}
}

func (g *gen) asString(shapeName, expr string, plain bool) string {
	if !plain {
		expr = "*" + expr
	}
	if len(g.shape(shapeName).Enum) > 0 {
		return "string(" + expr + ")"
	}
	return expr
}

// stringChecks returns the length, pattern and enum checks of a string shape applied to val.
func (g *gen) stringChecks(shapeName, path, val string) string {
	s := g.shape(shapeName)
	var b strings.Builder
	minV, hasMin, _ := bound(s.Min)
	maxV, hasMax, _ := bound(s.Max)
	if hasMin || hasMax {
		if !hasMin {
			minV = -1
		}
		if !hasMax {
			maxV = -1
		}
		fmt.Fprintf(&b, "\t\tv.StringLength(%s, %s, %d, %d, %v)\n", path, val, minV, maxV, s.Sensitive)
	}
	if s.Pattern != "" {
		pi := g.patterns[s.Pattern]
		if pi.goExpr == "" {
			fmt.Fprintf(&b, "\t\t// pattern %s skipped: not RE2 syntax.\n", strconv.Quote(s.Pattern))
		} else {
			fmt.Fprintf(&b, "\t\tv.Pattern(%s, %s, %s, %s, %v)\n", path, val, pi.varName, backquote(s.Pattern), s.Sensitive)
		}
	}
	if len(s.Enum) > 0 {
		var q []string
		for _, e := range s.Enum {
			q = append(q, strconv.Quote(e))
		}
		fmt.Fprintf(&b, "\t\tv.Enum(%s, %s, []string{%s}, %v)\n", path, val, strings.Join(q, ", "), s.Sensitive)
	}
	return b.String()
}

func (g *gen) numberChecks(shapeName, path, val string) string {
	s := g.shape(shapeName)
	minV, hasMin, _ := bound(s.Min)
	maxV, hasMax, _ := bound(s.Max)
	if !hasMin && !hasMax {
		return ""
	}
	return fmt.Sprintf("\t\tv.IntRange(%s, %s, %d, %v, %d, %v, %v)\n", path, val, minV, hasMin, maxV, hasMax, s.Sensitive)
}

func (g *gen) lengthChecks(shapeName, path, expr string) string {
	s := g.shape(shapeName)
	minV, hasMin, _ := bound(s.Min)
	maxV, hasMax, _ := bound(s.Max)
	if !hasMin && !hasMax {
		return ""
	}
	if !hasMin {
		minV = -1
	}
	if !hasMax {
		maxV = -1
	}
	return fmt.Sprintf("\t\tv.Length(%s, len(%s), %s, %d, %d, %v)\n", path, expr, expr, minV, maxV, s.Sensitive)
}

// elementChecks validates list elements at 'name.N.member'.
func (g *gen) elementChecks(elemShape, path, expr string) string {
	s := g.shape(elemShape)
	elemPath := path + "+\".\"+strconv.Itoa(i+1)+\".member\""
	var inner string
	switch s.Type {
	case "structure":
		inner = fmt.Sprintf("\t\t\t%s[i].validate(v, %s+\".\")\n", expr, elemPath)
	case "string":
		c := g.stringChecks(elemShape, elemPath, g.asString(elemShape, expr+"[i]", true))
		if c == "" {
			return ""
		}
		inner = indent(c)
	case "integer", "long":
		c := g.numberChecks(elemShape, elemPath, "int64("+expr+"[i])")
		if c == "" {
			return ""
		}
		inner = indent(c)
	default:
		return ""
	}
	return fmt.Sprintf("\t\tfor i := range %s {\n%s\t\t}\n", expr, inner)
}

func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString("\t")
			b.WriteString(l)
		}
	}
	return b.String()
}

// onlyComments reports whether generated checks are comment lines only (a skipped pattern).
func onlyComments(checks string) bool {
	if checks == "" {
		return false
	}
	for _, l := range strings.Split(strings.TrimSpace(checks), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			return false
		}
	}
	return true
}
