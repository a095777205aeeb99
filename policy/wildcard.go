package policy

import (
	"strings"
	"unicode/utf8"
)

// pieceKind is one element of a wildcard segment.
type pieceKind uint8

const (
	pieceLit pieceKind = iota // literal text
	pieceOne                  // '?': exactly one character
	pieceVar                  // ${key} or ${key, 'default'}
)

type piece struct {
	kind   pieceKind
	lit    string // literal text; for pieceVar the default value
	key    string // pieceVar: the context key, lower-cased
	hasDef bool   // pieceVar: a default was given
}

// pattern is a compiled wildcard pattern: '*' matches any run of characters (including none), '?' exactly one
// character, and — when variables are enabled — ${key} is replaced by the single value of a context key and matched
// literally. A star-free pattern is a single segment; otherwise the segments lie between the stars.
//
// Matching never backtracks over earlier segments: each segment between stars is placed at its leftmost
// occurrence, which is optimal for star-only globs, so the cost is linear in the text times the length of the
// longest segment that starts with '?' or a variable (literal-led segments are found with strings.Index).
type pattern struct {
	raw          string
	segs         [][]piece
	leadingStar  bool
	trailingStar bool
	stars        bool
	hasVars      bool
	literal      bool   // no wildcard and no variable: lit is compared directly
	lit          string // the literal text when literal or prefixOnly is set
	prefixOnly   bool   // the pattern is a literal followed by one '*': a prefix test decides
}

// compilePattern parses text as a wildcard pattern. When vars is true, ${...} is a policy variable and ${*}, ${?} and
// ${$} are the literal characters; otherwise the text is taken as it is.
func compilePattern(text string, vars bool) pattern {
	p := pattern{raw: text}
	segs := [][]piece{nil}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			segs[len(segs)-1] = append(segs[len(segs)-1], piece{kind: pieceLit, lit: lit.String()})
			lit.Reset()
		}
	}
	add := func(pc piece) {
		flush()
		segs[len(segs)-1] = append(segs[len(segs)-1], pc)
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '*':
			flush()
			p.stars = true
			segs = append(segs, nil)
			i++
			continue
		case c == '?':
			add(piece{kind: pieceOne})
			i++
			continue
		case vars && c == '$' && i+1 < len(text) && text[i+1] == '{':
			end := strings.IndexByte(text[i:], '}')
			if end < 0 {
				break
			}
			body := text[i+2 : i+end]
			i += end + 1
			switch body {
			case "*", "?", "$":
				lit.WriteString(body)
				continue
			}
			v, ok := parseVariable(body)
			if !ok {
				lit.WriteString("${" + body + "}")
				continue
			}
			p.hasVars = true
			add(v)
			continue
		}
		lit.WriteByte(c)
		i++
	}
	flush()
	if !p.stars {
		p.segs = segs
		seg := segs[0]
		switch {
		case len(seg) == 0:
			p.literal = true
		case len(seg) == 1 && seg[0].kind == pieceLit:
			p.literal, p.lit = true, seg[0].lit
		}
		return p
	}
	p.leadingStar = len(segs[0]) == 0
	p.trailingStar = len(segs[len(segs)-1]) == 0
	for _, s := range segs {
		if len(s) > 0 {
			p.segs = append(p.segs, s)
		}
	}
	if !p.leadingStar && p.trailingStar && len(p.segs) == 1 && len(p.segs[0]) == 1 && p.segs[0][0].kind == pieceLit {
		p.prefixOnly, p.lit = true, p.segs[0][0].lit
	}
	return p
}

// PatternPiece is one element of a wildcard pattern as the engine reads it.
type PatternPiece struct {
	Kind       byte   // 'l' literal text, '?' any one character, '*' any run of characters, '$' a policy variable
	Text       string // 'l': the text; '$': the default
	Key        string // '$': the context key, lower-cased
	HasDefault bool   // '$': a default was given
}

// PatternPieces reads text as the engine reads a wildcard pattern: '*' and '?' are wildcards and, when vars is
// true, ${key} (or ${key, 'default'}) is a policy variable and ${*}, ${?} and ${$} are the literal characters.
// Runs of '*' come out as one.
func PatternPieces(text string, vars bool) []PatternPiece {
	p := compilePattern(text, vars)
	var out []PatternPiece
	seg := func(s []piece) {
		for _, pc := range s {
			switch pc.kind {
			case pieceLit:
				out = append(out, PatternPiece{Kind: 'l', Text: pc.lit})
			case pieceOne:
				out = append(out, PatternPiece{Kind: '?'})
			case pieceVar:
				out = append(out, PatternPiece{Kind: '$', Key: pc.key, Text: pc.lit, HasDefault: pc.hasDef})
			}
		}
	}
	star := PatternPiece{Kind: '*'}
	if !p.stars {
		seg(p.segs[0])
		return out
	}
	if p.leadingStar || len(p.segs) == 0 {
		out = append(out, star)
	}
	for i, s := range p.segs {
		if i > 0 {
			out = append(out, star)
		}
		seg(s)
	}
	if p.trailingStar && len(p.segs) > 0 {
		out = append(out, star)
	}
	return out
}

// parseVariable parses the inside of ${...}: a key, optionally followed by a comma and a quoted default.
func parseVariable(body string) (piece, bool) {
	key, def, hasDef := strings.Cut(body, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " '\"${}") {
		return piece{}, false
	}
	v := piece{kind: pieceVar, key: strings.ToLower(key)}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return piece{}, false
		}
		v.lit, v.hasDef = def[1:len(def)-1], true
	}
	return v, true
}

// isAny reports whether the pattern matches every string.
func (p *pattern) isAny() bool { return p.stars && len(p.segs) == 0 }

// match reports whether s matches the pattern; ctx supplies variable values.
func (p *pattern) match(s string, ctx Context) bool {
	if p.literal {
		return s == p.lit
	}
	if p.prefixOnly {
		return strings.HasPrefix(s, p.lit)
	}
	if p.isAny() {
		return true
	}
	segs := p.segs
	if !p.stars {
		e, ok := matchAt(segs[0], s, 0, ctx)
		return ok && e == len(s)
	}
	pos, end := 0, len(s)
	if !p.leadingStar {
		e, ok := matchAt(segs[0], s, 0, ctx)
		if !ok {
			return false
		}
		pos = e
		segs = segs[1:]
	}
	if !p.trailingStar {
		last := segs[len(segs)-1]
		k, ok := matchBackward(last, s, ctx)
		if !ok || k < pos {
			return false
		}
		end = k
		segs = segs[:len(segs)-1]
	}
	for _, seg := range segs {
		e, ok := find(seg, s[:end], pos, ctx)
		if !ok {
			return false
		}
		pos = e
	}
	return true
}

// varValue resolves a variable: the key's single value, else the default; a missing or multivalued key without a
// default has no value, and then the pattern matches nothing.
func varValue(pc *piece, ctx Context) (string, bool) {
	if vs, ok := ctx[pc.key]; ok && len(vs) == 1 {
		return vs[0], true
	}
	if pc.hasDef {
		return pc.lit, true
	}
	return "", false
}

// matchAt matches seg at s[k:] and returns the end offset.
func matchAt(seg []piece, s string, k int, ctx Context) (int, bool) {
	for i := range seg {
		pc := &seg[i]
		switch pc.kind {
		case pieceLit:
			if !strings.HasPrefix(s[k:], pc.lit) {
				return 0, false
			}
			k += len(pc.lit)
		case pieceOne:
			if k >= len(s) {
				return 0, false
			}
			_, size := utf8.DecodeRuneInString(s[k:])
			k += size
		case pieceVar:
			v, ok := varValue(pc, ctx)
			if !ok || !strings.HasPrefix(s[k:], v) {
				return 0, false
			}
			k += len(v)
		}
	}
	return k, true
}

// matchBackward matches seg so that it ends exactly at len(s) and returns its start offset.
func matchBackward(seg []piece, s string, ctx Context) (int, bool) {
	k := len(s)
	for i := len(seg) - 1; i >= 0; i-- {
		pc := &seg[i]
		switch pc.kind {
		case pieceLit:
			if !strings.HasSuffix(s[:k], pc.lit) {
				return 0, false
			}
			k -= len(pc.lit)
		case pieceOne:
			if k == 0 {
				return 0, false
			}
			_, size := utf8.DecodeLastRuneInString(s[:k])
			k -= size
		case pieceVar:
			v, ok := varValue(pc, ctx)
			if !ok || !strings.HasSuffix(s[:k], v) {
				return 0, false
			}
			k -= len(v)
		}
	}
	return k, true
}

// find places seg at its leftmost occurrence in s at or after pos and returns the end offset.
func find(seg []piece, s string, pos int, ctx Context) (int, bool) {
	var lead string
	switch seg[0].kind {
	case pieceLit:
		lead = seg[0].lit
	case pieceVar:
		v, ok := varValue(&seg[0], ctx)
		if !ok {
			return 0, false
		}
		lead = v
	}
	for k := pos; k <= len(s); {
		if lead != "" {
			i := strings.Index(s[k:], lead)
			if i < 0 {
				return 0, false
			}
			k += i
		}
		if e, ok := matchAt(seg, s, k, ctx); ok {
			return e, true
		}
		if k == len(s) {
			break
		}
		_, size := utf8.DecodeRuneInString(s[k:])
		k += size
	}
	return 0, false
}

// resolve returns the text of a variable-only template with its variables replaced; false when a variable has no
// value.
func (p *pattern) resolve(ctx Context) (string, bool) {
	if p.literal {
		return p.lit, true
	}
	var b strings.Builder
	for _, seg := range p.segs {
		for i := range seg {
			pc := &seg[i]
			switch pc.kind {
			case pieceLit:
				b.WriteString(pc.lit)
			case pieceOne:
				b.WriteByte('?')
			case pieceVar:
				v, ok := varValue(pc, ctx)
				if !ok {
					return "", false
				}
				b.WriteString(v)
			}
		}
	}
	return b.String(), true
}

// arnPattern matches ARNs as AWS does in Resource elements and Arn* conditions. The pattern and the ARN are split
// at colons into segments, and each pattern segment matches one segment of the ARN with '*' and '?' inside it; a
// segment whose last character is '*' may also expand past colons over any number of following segments
// ("arn:aws:sqs:*:queue1" covers region and account, "arn:aws:logs:...:log-group:g*" covers the log streams).
// '*' crosses '/'. Policy variables are substituted before the pattern is split, since a value may hold a colon
// (aws:userid of a role session does).
type arnPattern struct {
	raw        string
	any        bool // "*"
	literal    bool // no wildcard, no variable
	vars       bool // variables enabled
	hasVars    bool
	segs       []arnSeg
	prefix     string // literal text before the first wildcard: a quick reject
	prefixStar bool   // the pattern is prefix + "*": a prefix test decides
	needle     string // the longest literal run after the prefix: it must occur in a match
}

type arnSeg struct {
	glob   pattern
	expand bool // the segment ends with '*' and may consume following segments
}

func compileARNPattern(text string, vars bool) arnPattern {
	a := arnPattern{raw: text, vars: vars}
	if text == "*" {
		a.any = true
		return a
	}
	if vars && strings.Contains(text, "${") {
		for _, pc := range compilePattern(text, true).segs {
			for _, x := range pc {
				if x.kind == pieceVar {
					a.hasVars = true
				}
			}
		}
		if a.hasVars {
			return a
		}
	}
	a.literal = !strings.ContainsAny(text, "*?") && !(vars && strings.Contains(text, "${"))
	if a.literal {
		return a
	}
	for _, seg := range strings.Split(text, ":") {
		a.segs = append(a.segs, arnSeg{glob: compilePattern(seg, vars), expand: strings.HasSuffix(seg, "*") && !strings.HasSuffix(seg, "${*}")})
	}
	if i := strings.IndexAny(text, "*?$"); i >= 0 {
		a.prefix = text[:i]
		// A final '*' expands over everything after the prefix, colons included.
		a.prefixStar = i == len(text)-1 && text[i] == '*'
		// The longest run of plain text after the first wildcard must occur in any matching ARN.
		for _, run := range strings.FieldsFunc(text[i:], func(r rune) bool { return r == '*' || r == '?' || r == '$' || r == '{' || r == '}' }) {
			if len(run) > len(a.needle) {
				a.needle = run
			}
		}
		if len(a.needle) < 4 {
			a.needle = "" // too short to pay for the search
		}
	}
	return a
}

// maxStackSegs is how many ARN segments a Target holds without allocating.
const maxStackSegs = 10

// Target is a request's resource, split at its colons at most once however many statements look at it. The zero
// value is empty; Reset fills it.
type Target struct {
	s     string
	n     int // parts filled; -1 before the first split
	parts [maxStackSegs]string
	more  []string // all parts, when there are more than maxStackSegs
}

// Reset makes t the target for resource.
func (t *Target) Reset(resource string) {
	t.s, t.n, t.more = resource, -1, nil
}

// String returns the resource.
func (t *Target) String() string { return t.s }

// Parts returns the colon-separated parts, splitting on first use.
func (t *Target) Parts() []string {
	if t.n < 0 {
		t.split()
	}
	if t.more != nil {
		return t.more
	}
	return t.parts[:t.n]
}

func (t *Target) split() {
	t.n = 0
	s := t.s
	for {
		i := strings.IndexByte(s, ':')
		part := s
		if i >= 0 {
			part = s[:i]
		}
		if t.n < maxStackSegs {
			t.parts[t.n] = part
		} else {
			if t.more == nil {
				t.more = append([]string(nil), t.parts[:]...)
			}
			t.more = append(t.more, part)
		}
		t.n++
		if i < 0 {
			return
		}
		s = s[i+1:]
	}
}

func (a *arnPattern) match(s string, ctx Context) bool {
	switch {
	case a.any:
		return true
	case a.literal:
		return s == a.raw
	case a.hasVars:
		text, ok := substitute(a.raw, ctx)
		if !ok {
			return false
		}
		sub := compileARNPattern(text, true)
		return sub.match(s, ctx)
	}
	if !strings.HasPrefix(s, a.prefix) {
		return false
	}
	if a.prefixStar {
		return true
	}
	var t Target
	t.Reset(s)
	return a.matchParts(t.Parts(), ctx)
}

// matchTarget is match for a resource already split into a Target.
func (a *arnPattern) matchTarget(t *Target, ctx Context) bool {
	switch {
	case a.any:
		return true
	case a.literal:
		return t.s == a.raw
	case a.hasVars:
		return a.match(t.s, ctx)
	}
	if !strings.HasPrefix(t.s, a.prefix) {
		return false
	}
	if a.prefixStar {
		return true
	}
	if a.needle != "" && !strings.Contains(t.s[len(a.prefix):], a.needle) {
		return false
	}
	return a.matchParts(t.Parts(), ctx)
}

// matchParts matches the colon-separated parts of an ARN.
func (a *arnPattern) matchParts(parts []string, ctx Context) bool {
	segs := a.segs
	pos := 0
	for first := true; len(segs) > 0; first = false {
		n := 0
		for n < len(segs) && !segs[n].expand {
			n++
		}
		if n < len(segs) {
			n++ // the chunk ends with its expanding segment
		}
		chunk := segs[:n]
		segs = segs[n:]
		floatsRight := chunk[n-1].expand
		switch {
		case first && len(segs) == 0 && !floatsRight:
			return len(parts)-pos == n && chunkAt(chunk, parts, pos, ctx)
		case first:
			if !chunkAt(chunk, parts, pos, ctx) {
				return false
			}
			pos += n
		case len(segs) == 0 && !floatsRight:
			k := len(parts) - n
			return k >= pos && chunkAt(chunk, parts, k, ctx)
		default:
			found := false
			for k := pos; k+n <= len(parts); k++ {
				if chunkAt(chunk, parts, k, ctx) {
					pos, found = k+n, true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

// chunkAt reports whether the segments of chunk match parts[k:] one for one.
func chunkAt(chunk []arnSeg, parts []string, k int, ctx Context) bool {
	if k+len(chunk) > len(parts) {
		return false
	}
	for i := range chunk {
		if !chunk[i].glob.match(parts[k+i], ctx) {
			return false
		}
	}
	return true
}

// substitute replaces the policy variables of text with their values, writing '*', '?' and '$' in values as the
// escapes ${*}, ${?} and ${$} so that they stay literal; false when a variable has no value.
func substitute(text string, ctx Context) (string, bool) {
	return SubstituteVariables(text, func(key, def string, hasDef bool) (string, bool) {
		return varValue(&piece{kind: pieceVar, key: key, lit: def, hasDef: hasDef}, ctx)
	})
}

// SubstituteVariables replaces the policy variables of text (a Resource or Arn* value under version 2012-10-17)
// with what value gives for each (its lower-cased key and default), writing '*', '?' and '$' in values as the
// escapes ${*}, ${?} and ${$} so that they stay literal; false when value has none. The engine matches a pattern
// with variables by substituting them this way and then compiling the result.
func SubstituteVariables(text string, value func(key, def string, hasDef bool) (string, bool)) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(text); {
		if text[i] == '$' && i+1 < len(text) && text[i+1] == '{' {
			if end := strings.IndexByte(text[i:], '}'); end >= 0 {
				body := text[i+2 : i+end]
				if v, ok := parseVariable(body); ok && body != "*" && body != "?" && body != "$" {
					val, ok := value(v.key, v.lit, v.hasDef)
					if !ok {
						return "", false
					}
					for j := 0; j < len(val); j++ {
						switch val[j] {
						case '*', '?', '$':
							b.WriteString("${" + val[j:j+1] + "}")
						default:
							b.WriteByte(val[j])
						}
					}
					i += end + 1
					continue
				}
				b.WriteString(text[i : i+end+1])
				i += end + 1
				continue
			}
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String(), true
}

// ParseVariable parses the inside of ${...} as the engine does: a key (returned lower-cased), optionally a comma
// and a quoted default; ok is false when the text is not a variable (it is then literal text).
func ParseVariable(body string) (key, def string, hasDef, ok bool) {
	v, ok := parseVariable(body)
	return v.key, v.lit, v.hasDef, ok
}

// arnCondPattern matches ARNs as the Arn* condition operators do: pattern and value are each split into their six
// colon-separated components (the last keeps any further colons) and each component is matched on its own, so a
// '*' never spills into the next component. A value or pattern with fewer than six components matches nothing,
// except the pattern "*".
type arnCondPattern struct {
	raw     string
	any     bool
	hasVars bool
	parts   [6]pattern
	ok      bool // the pattern has six components
}

func compileARNCondPattern(text string, vars bool) arnCondPattern {
	a := arnCondPattern{raw: text}
	if text == "*" {
		a.any = true
		return a
	}
	if vars && strings.Contains(text, "${") && compilePattern(text, true).hasVars {
		a.hasVars = true
		return a
	}
	var parts [6]string
	rest := text
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return a
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	parts[5] = rest
	for i, p := range parts {
		a.parts[i] = compilePattern(p, vars)
	}
	a.ok = true
	return a
}

func (a *arnCondPattern) match(s string, ctx Context) bool {
	switch {
	case a.any:
		return true
	case a.hasVars:
		text, ok := substitute(a.raw, ctx)
		if !ok {
			return false
		}
		sub := compileARNCondPattern(text, true)
		return sub.match(s, ctx)
	case !a.ok:
		return false
	}
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 || !a.parts[i].match(rest[:j], ctx) {
			return false
		}
		rest = rest[j+1:]
	}
	return a.parts[5].match(rest, ctx)
}
