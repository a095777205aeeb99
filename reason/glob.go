package reason

import (
	"slices"
	"strings"
	"unicode"

	"github.com/iamd-dev/iamd/policy"
)

// tokKind is one element of a wildcard pattern as an automaton reads it.
type tokKind uint8

const (
	tokLit  tokKind = iota // one rune out of runes
	tokOne                 // any one rune of the class
	tokStar                // any run of runes of the class
)

// class is the set of runes a wildcard may stand for.
type class uint8

const (
	classAny      class = iota // every rune
	classNotColon              // every rune but ':' (inside one ARN component)
)

type token struct {
	kind  tokKind
	runes []rune // tokLit: the rune and, for case-insensitive matching, its case variants
	class class
}

func (t *token) matches(r rune) bool {
	switch t.kind {
	case tokLit:
		return slices.Contains(t.runes, r)
	default:
		return (t.class == classAny || r != ':') && !slices.Contains(t.runes, r)
	}
}

func literalTokens(s string) []token {
	var out []token
	for _, r := range s {
		switch r {
		case looseRune:
			out = append(out, token{kind: tokStar, class: classAny})
		case neverRune:
			out = append(out, token{kind: tokLit})
		default:
			out = append(out, token{kind: tokLit, runes: []rune{r}})
		}
	}
	return out
}

// foldTokens makes every literal match its Unicode simple case-fold orbit, as strings.EqualFold compares.
func foldTokens(ts []token) []token {
	out := make([]token, len(ts))
	for i, t := range ts {
		if t.kind == tokLit && len(t.runes) == 1 {
			r := t.runes[0]
			rs := []rune{r}
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				rs = append(rs, f)
			}
			slices.Sort(rs)
			t.runes = rs
		}
		out[i] = t
	}
	return out
}

// globDFA compiles a token sequence by the subset construction over token positions.
func globDFA(ts []token) *dfa { return globsDFA([][]token{ts}) }

// globsDFA compiles the union of token sequences by one subset construction over (sequence, position) pairs.
func globsDFA(seqs [][]token) *dfa {
	type pos struct{ p, i int32 }
	at := func(x pos) *token {
		if int(x.i) < len(seqs[x.p]) {
			return &seqs[x.p][x.i]
		}
		return nil
	}
	cmpPos := func(a, b pos) int {
		if a.p != b.p {
			return int(a.p - b.p)
		}
		return int(a.i - b.i)
	}
	closure := func(set []pos) []pos {
		var out []pos
		for _, x := range set {
			for {
				out = append(out, x)
				if t := at(x); t != nil && t.kind == tokStar {
					x.i++
					continue
				}
				break
			}
		}
		slices.SortFunc(out, cmpPos)
		return slices.Compact(out)
	}
	d := &dfa{}
	index := map[string]int32{}
	var sets [][]pos
	var kb []byte
	add := func(set []pos) int32 {
		kb = kb[:0]
		for _, x := range set {
			kb = append(kb, byte(x.p), byte(x.p>>8), byte(x.i), byte(x.i>>8), byte(x.i>>16))
		}
		if i, ok := index[string(kb)]; ok {
			return i
		}
		i := int32(len(d.states))
		index[string(kb)] = i
		acc := false
		for _, x := range set {
			acc = acc || at(x) == nil
		}
		d.states = append(d.states, dstate{acc: acc})
		sets = append(sets, set)
		return i
	}
	move := func(set []pos, r rune, explicit bool) []pos {
		var next []pos
		for _, x := range set {
			t := at(x)
			if t == nil {
				continue
			}
			var ok bool
			if explicit {
				ok = t.matches(r)
			} else {
				ok = t.kind != tokLit // the default rune: nothing names it, and it is not ':'
			}
			if !ok {
				continue
			}
			if t.kind == tokStar {
				next = append(next, x)
			} else {
				next = append(next, pos{x.p, x.i + 1})
			}
		}
		return closure(next)
	}
	var starts []pos
	for p := range seqs {
		starts = append(starts, pos{int32(p), 0})
	}
	d.start = add(closure(starts))
	for q := 0; q < len(sets); q++ {
		set := sets[q]
		var runes []rune
		for _, x := range set {
			switch t := at(x); {
			case t == nil:
			case t.kind == tokLit:
				runes = append(runes, t.runes...)
			case t.class == classNotColon:
				runes = append(append(runes, ':'), t.runes...)
			default:
				runes = append(runes, t.runes...)
			}
		}
		slices.Sort(runes)
		runes = slices.Compact(runes)
		def := add(move(set, 0, false))
		var edges []edge
		for _, r := range runes {
			if to := add(move(set, r, true)); to != def {
				edges = append(edges, edge{r, to})
			}
		}
		d.states[q].edges, d.states[q].def = edges, def
	}
	return d.minimize()
}

// piece is one element of a pattern as package policy reads it: literal text, '?', '*', or a policy variable.
type piece struct {
	kind   byte // 'l' literal, '?' one, '*' star, '$' variable
	text   string
	key    string // variable: the context key, lower-cased
	def    string // variable: the default
	hasDef bool
}

// splitPattern reads text as package policy does (see policy.PatternPieces).
func splitPattern(text string, vars bool) []piece {
	pp := policy.PatternPieces(text, vars)
	out := make([]piece, len(pp))
	for i, p := range pp {
		out[i] = piece{kind: p.Kind, text: p.Text, key: p.Key, def: p.Text, hasDef: p.HasDefault}
	}
	return out
}

// parseVariable parses the inside of ${...} as package policy does.
func parseVariable(body string) (piece, bool) {
	key, def, hasDef, ok := policy.ParseVariable(body)
	return piece{kind: '$', key: key, def: def, hasDef: hasDef}, ok
}

// hasVariable reports whether text holds a policy variable (when variables are enabled).
func hasVariable(text string, vars bool) bool {
	if !vars || !strings.Contains(text, "${") {
		return false
	}
	for _, p := range splitPattern(text, true) {
		if p.kind == '$' {
			return true
		}
	}
	return false
}

// bindings gives policy variables values: a concrete value (the witness search), a symbol (the proof that a
// check holds for every value), "unset" (the key has no single value, so the variable takes its default or the
// pattern matches nothing) or "loose" (any string). A key that is not bound makes a pattern that uses it inexact.
type bindings map[string]string

// Private-use runes stand for what a variable is bound to; policies and witnesses never hold them.
const (
	symBase   rune = 0xF0000 // symBase+i: the value of the i-th variable key, whatever it is
	neverRune rune = 0xF00FD // a pattern position that matches nothing
	looseRune rune = 0xF00FF // any string
	unsetVal       = "\U000F00FE"
)

func isSym(r rune) bool { return r >= symBase && r < symBase+0xF0 }

// value returns a variable's value under b; false when the key is not bound.
func (b bindings) value(p piece) (string, bool) {
	v, ok := b[p.key]
	switch {
	case !ok:
		return "", false
	case v == unsetVal && p.hasDef:
		return p.def, true
	case v == unsetVal:
		return string(neverRune), true
	}
	return v, true
}

// syms lists the symbols b binds.
func (b bindings) syms() []rune {
	var out []rune
	for _, v := range b {
		for _, r := range v {
			if isSym(r) {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return out
}

// excludeSyms narrows the wildcards that stay inside one ARN component, and every '?', so that they do not match a
// symbol: a symbol may stand for a value with a colon, or of another length than one.
func excludeSyms(ts []token, syms []rune) []token {
	if len(syms) == 0 {
		return ts
	}
	out := slices.Clone(ts)
	for i := range out {
		if t := &out[i]; t.kind == tokOne || (t.kind == tokStar && t.class == classNotColon) {
			t.runes = syms
		}
	}
	return out
}

// substitute writes text with its variables replaced by their bound values as package policy does; ok is false
// when a variable is not bound.
func substitute(text string, b bindings) (string, bool) {
	unbound := false
	out, _ := policy.SubstituteVariables(text, func(key, def string, hasDef bool) (string, bool) {
		v, ok := b.value(piece{kind: '$', key: key, def: def, hasDef: hasDef})
		unbound = unbound || !ok
		return v, true
	})
	return out, !unbound
}

// tokens turns pieces into automaton tokens; variables are replaced by their bound values (read literally), and
// ok is false when one is not bound.
func tokens(ps []piece, one, star class, b bindings) ([]token, bool) {
	var out []token
	for _, p := range ps {
		switch p.kind {
		case 'l':
			out = append(out, literalTokens(p.text)...)
		case '?':
			out = append(out, token{kind: tokOne, class: one})
		case '*':
			out = append(out, token{kind: tokStar, class: star})
		case '$':
			v, ok := b.value(p)
			if !ok {
				return nil, false
			}
			out = append(out, literalTokens(v)...)
		}
	}
	return out, true
}

// looseTokens over-approximates a pattern: every wildcard may stand for any runes, colons included, and every
// variable for any string.
func looseTokens(text string, vars bool) []token {
	var out []token
	for _, p := range splitPattern(text, vars) {
		switch p.kind {
		case 'l':
			out = append(out, literalTokens(p.text)...)
		case '?':
			out = append(out, token{kind: tokOne, class: classAny})
		default:
			out = append(out, token{kind: tokStar, class: classAny})
		}
	}
	return out
}

// resourceTokens compiles a Resource or NotResource value as package policy matches it: the pattern and the ARN
// are split at colons, '*' and '?' stay inside one component, and a component ending in '*' may run over the
// components after it. exact is false when the pattern uses a variable that b does not bind; the tokens then
// over-approximate it.
func resourceTokens(text string, vars bool, b bindings) (ts []token, exact bool) {
	if text == "*" {
		return []token{{kind: tokStar, class: classAny}}, true
	}
	if hasVariable(text, vars) {
		sub, ok := substitute(text, b)
		if !ok {
			return looseTokens(text, vars), false
		}
		text = sub
		vars = true
	}
	segs := strings.Split(text, ":")
	for i, seg := range segs {
		if i > 0 {
			ts = append(ts, token{kind: tokLit, runes: []rune{':'}})
		}
		expand := strings.HasSuffix(seg, "*") && !strings.HasSuffix(seg, "${*}")
		ps := splitPattern(seg, vars)
		st, _ := tokens(ps, classNotColon, classNotColon, nil)
		if expand && len(st) > 0 && st[len(st)-1].kind == tokStar {
			st[len(st)-1].class = classAny
		}
		ts = append(ts, st...)
	}
	return ts, true
}

// arnCondTokens compiles a value of an Arn* condition operator: six colon-separated components, the last of
// which keeps any further colons; a value with fewer components matches nothing.
func arnCondTokens(text string, vars bool, b bindings) (ts []token, ok, exact bool) {
	if text == "*" {
		return []token{{kind: tokStar, class: classAny}}, true, true
	}
	if hasVariable(text, vars) {
		sub, bound := substitute(text, b)
		if !bound {
			return looseTokens(text, vars), true, false
		}
		text = sub
		vars = true
	}
	parts := strings.SplitN(text, ":", 6)
	if len(parts) < 6 {
		return nil, false, true
	}
	for i, p := range parts {
		cl := classNotColon
		if i == 5 {
			cl = classAny
			ts = append(ts, token{kind: tokLit, runes: []rune{':'}})
		} else if i > 0 {
			ts = append(ts, token{kind: tokLit, runes: []rune{':'}})
		}
		pt, _ := tokens(splitPattern(p, vars), cl, cl, nil)
		ts = append(ts, pt...)
	}
	return ts, true, true
}

// templateTokens compiles a value of StringEquals and friends: only variables are special.
func templateTokens(text string, vars bool, b bindings) (ts []token, exact bool) {
	if !hasVariable(text, vars) {
		return literalTokens(text), true
	}
	ps := splitPattern(strings.NewReplacer("*", "${*}", "?", "${?}").Replace(text), true)
	if t, ok := tokens(ps, classAny, classAny, b); ok {
		return t, true
	}
	return looseTokens(strings.NewReplacer("*", "${*}", "?", "${?}").Replace(text), true), false
}

// likeTokens compiles a value of StringLike.
func likeTokens(text string, vars bool, b bindings) (ts []token, exact bool) {
	ps := splitPattern(text, vars)
	if t, ok := tokens(ps, classAny, classAny, b); ok {
		return t, true
	}
	return looseTokens(text, vars), false
}

// actionUniverse is the set of action names a request can carry, as the engine compares them: a service prefix
// without a colon, a colon, then the name, with ASCII letters folded to lower case.
func actionUniverse() *dfa {
	// [^:A-Z]+ ':' [^A-Z]*
	d := &dfa{states: make([]dstate, 4)}
	upper := func(to int32) []edge {
		var es []edge
		for r := 'A'; r <= 'Z'; r++ {
			es = append(es, edge{r, to})
		}
		return es
	}
	dead := int32(3)
	// 0: start; 1: in service; 2: in name (accepting); 3: dead.
	d.states[0] = dstate{edges: append([]edge{{':', dead}}, upper(dead)...), def: 1}
	d.states[1] = dstate{edges: append([]edge{{':', 2}}, upper(dead)...), def: 1}
	d.states[2] = dstate{edges: upper(dead), def: 2, acc: true}
	d.states[3] = dstate{def: dead}
	for i := range d.states {
		slices.SortFunc(d.states[i].edges, func(a, b edge) int { return int(a.r) - int(b.r) })
	}
	return d
}

// actionTokens compiles an Action value the way package policy matches it: the service part is a pattern over
// the text before the first colon, the name part over the rest, both lower-cased.
func actionTokens(raw string) []token {
	if raw == "*" {
		return []token{{kind: tokStar, class: classAny}}
	}
	svc, name, _ := strings.Cut(raw, ":")
	svc, name = strings.ToLower(svc), strings.ToLower(name)
	ts, _ := tokens(splitPattern(svc, false), classNotColon, classNotColon, nil)
	ts = append(ts, token{kind: tokLit, runes: []rune{':'}})
	nt, _ := tokens(splitPattern(name, false), classAny, classAny, nil)
	return append(ts, nt...)
}
