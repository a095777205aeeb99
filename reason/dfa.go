package reason

import (
	"slices"
	"unicode"
)

// A dfa is a complete deterministic automaton over runes. Each state lists explicit transitions for some runes and
// one default transition for every other rune, so the alphabet (all of Unicode) never has to be enumerated: the
// runes that matter are the ones some pattern names, and all others behave alike.
type dfa struct {
	states []dstate
	start  int32
	co     *dfa // the complement, once asked for (a solver's automata are used from one goroutine)
}

type dstate struct {
	edges []edge // sorted by rune, no duplicates
	def   int32
	acc   bool
}

type edge struct {
	r  rune
	to int32
}

// step returns the state after reading r in state q.
func (d *dfa) step(q int32, r rune) int32 {
	es := d.states[q].edges
	i, ok := slices.BinarySearchFunc(es, r, func(e edge, r rune) int { return int(e.r) - int(r) })
	if ok {
		return es[i].to
	}
	return d.states[q].def
}

// accepts reports whether s is in the language.
func (d *dfa) accepts(s string) bool {
	q := d.start
	for _, r := range s {
		q = d.step(q, r)
	}
	return d.states[q].acc
}

// anyDFA accepts every string; noneDFA none.
func anyDFA() *dfa  { return &dfa{states: []dstate{{def: 0, acc: true}}} }
func noneDFA() *dfa { return &dfa{states: []dstate{{def: 0}}} }

// literalDFA accepts exactly s.
func literalDFA(s string) *dfa { return globDFA(literalTokens(s)) }

// complement accepts what d rejects (d is complete, so flipping acceptance is enough).
func (d *dfa) complement() *dfa {
	if d.co != nil {
		return d.co
	}
	out := &dfa{states: make([]dstate, len(d.states)), start: d.start}
	for i, s := range d.states {
		out.states[i] = dstate{edges: s.edges, def: s.def, acc: !s.acc}
	}
	out.co = d
	d.co = out
	return out
}

// product builds the reachable part of the product automaton; keep decides acceptance from the two states'.
// It stops and returns nil when the product would exceed limit states.
func product(a, b *dfa, keep func(x, y bool) bool, limit int) *dfa {
	type pair struct{ x, y int32 }
	index := map[pair]int32{}
	out := &dfa{}
	var queue []pair
	add := func(p pair) int32 {
		if i, ok := index[p]; ok {
			return i
		}
		i := int32(len(out.states))
		index[p] = i
		out.states = append(out.states, dstate{acc: keep(a.states[p.x].acc, b.states[p.y].acc)})
		queue = append(queue, p)
		return i
	}
	add(pair{a.start, b.start})
	for n := 0; n < len(queue); n++ {
		if len(out.states) > limit {
			return nil
		}
		p := queue[n]
		sa, sb := &a.states[p.x], &b.states[p.y]
		var edges []edge
		i, j := 0, 0
		for i < len(sa.edges) || j < len(sb.edges) {
			var r rune
			var x, y int32
			switch {
			case j >= len(sb.edges) || (i < len(sa.edges) && sa.edges[i].r < sb.edges[j].r):
				r, x, y = sa.edges[i].r, sa.edges[i].to, sb.def
				i++
			case i >= len(sa.edges) || sb.edges[j].r < sa.edges[i].r:
				r, x, y = sb.edges[j].r, sa.def, sb.edges[j].to
				j++
			default:
				r, x, y = sa.edges[i].r, sa.edges[i].to, sb.edges[j].to
				i++
				j++
			}
			edges = append(edges, edge{r, add(pair{x, y})})
		}
		def := add(pair{sa.def, sb.def})
		// Drop explicit edges that go where the default goes.
		k := 0
		for _, e := range edges {
			if e.to != def {
				edges[k] = e
				k++
			}
		}
		out.states[n].edges = edges[:k]
		out.states[n].def = def
	}
	if len(out.states) <= 2*(len(a.states)+len(b.states)) {
		return out
	}
	return out.minimize()
}

func and(x, y bool) bool    { return x && y }
func or(x, y bool) bool     { return x || y }
func andNot(x, y bool) bool { return x && !y }

// witness returns a shortest accepted string, or false when the language is empty.
func (d *dfa) witness() (string, bool) {
	prev := make([]int32, len(d.states))
	via := make([]rune, len(d.states))
	for i := range prev {
		prev[i] = -2
	}
	prev[d.start] = -1
	queue := []int32{d.start}
	for n := 0; n < len(queue); n++ {
		q := queue[n]
		if d.states[q].acc {
			var rs []rune
			for ; prev[q] >= 0; q = prev[q] {
				rs = append(rs, via[q])
			}
			slices.Reverse(rs)
			return string(rs), true
		}
		s := &d.states[q]
		visit := func(r rune, to int32) {
			if prev[to] == -2 {
				prev[to], via[to] = q, r
				queue = append(queue, to)
			}
		}
		for _, e := range s.edges {
			visit(e.r, e.to)
		}
		if r, ok := defaultRune(s.edges); ok {
			visit(r, s.def)
		}
	}
	return "", false
}

// empty reports whether the language is empty.
func (d *dfa) empty() bool {
	_, ok := d.witness()
	return !ok
}

// finiteWords lists the language when it is finite and has at most max words; ok is false otherwise.
func (d *dfa) finiteWords(max int) ([]string, bool) {
	// A language is infinite when an accepting state is reachable from a cycle on a co-reachable path; it is
	// simpler to enumerate by depth and give up past max words or len(states) letters.
	var out []string
	type item struct {
		q int32
		s string
	}
	live := d.live()
	level := []item{{d.start, ""}}
	for depth := 0; depth <= len(d.states); depth++ {
		var next []item
		for _, it := range level {
			if !live[it.q] {
				continue
			}
			s := &d.states[it.q]
			if s.acc {
				out = append(out, it.s)
				if len(out) > max {
					return nil, false
				}
			}
			for _, e := range s.edges {
				next = append(next, item{e.to, it.s + string(e.r)})
			}
			if live[s.def] {
				// A live default edge stands for infinitely many runes: the language is infinite.
				return nil, false
			}
		}
		if len(next) > 4*max+16 {
			return nil, false
		}
		level = next
	}
	if len(level) > 0 {
		for _, it := range level {
			if live[it.q] {
				return nil, false // a word longer than the number of states: there is a cycle
			}
		}
	}
	return out, true
}

// live marks the states from which an accepting state can be reached.
func (d *dfa) live() []bool {
	live := make([]bool, len(d.states))
	for i, s := range d.states {
		live[i] = s.acc
	}
	for changed := true; changed; {
		changed = false
		for i, s := range d.states {
			if live[i] {
				continue
			}
			ok := live[s.def]
			for _, e := range s.edges {
				ok = ok || live[e.to]
			}
			if ok {
				live[i], changed = true, true
			}
		}
	}
	return live
}

// defaultRune picks a rune that no explicit edge names, preferring readable ones.
func defaultRune(edges []edge) (rune, bool) {
	has := func(r rune) bool {
		_, ok := slices.BinarySearchFunc(edges, r, func(e edge, r rune) int { return int(e.r) - int(r) })
		return ok
	}
	for _, set := range []string{"abcdefghijklmnopqrstuvwxyz", "0123456789", "-_.", "xyzXYZ#@~"} {
		for _, r := range set {
			if !has(r) {
				return r, true
			}
		}
	}
	for r := rune(0x100); r < 0x10000; r++ {
		if !has(r) && unicode.IsLetter(r) {
			return r, true
		}
	}
	return 0, false
}

// minimize merges equivalent states (Moore's partition refinement) and drops unreachable ones.
func (d *dfa) minimize() *dfa {
	n := len(d.states)
	class := make([]int32, n)
	for i, s := range d.states {
		if s.acc {
			class[i] = 1
		}
	}
	nclass := 0
	var buf []byte
	put := func(v int32) { buf = append(buf, byte(v), byte(v>>8), byte(v>>16), byte(v>>24)) }
	for {
		sig := make(map[string]int32, nclass+2)
		next := make([]int32, n)
		for i, s := range d.states {
			buf = buf[:0]
			put(class[i])
			put(class[s.def])
			for _, e := range s.edges {
				if class[e.to] != class[s.def] {
					put(e.r)
					put(class[e.to])
				}
			}
			c, ok := sig[string(buf)]
			if !ok {
				c = int32(len(sig))
				sig[string(buf)] = c
			}
			next[i] = c
		}
		class = next
		if len(sig) == nclass {
			break
		}
		nclass = len(sig)
	}
	// Rebuild from the start state so unreachable classes vanish.
	out := &dfa{}
	newID := map[int32]int32{}
	var order []int // a representative state per new state
	var visit func(q int) int32
	visit = func(q int) int32 {
		if id, ok := newID[class[q]]; ok {
			return id
		}
		id := int32(len(out.states))
		newID[class[q]] = id
		out.states = append(out.states, dstate{})
		order = append(order, q)
		return id
	}
	out.start = visit(int(d.start))
	for k := 0; k < len(order); k++ {
		s := d.states[order[k]]
		def := visit(int(s.def))
		var edges []edge
		for _, e := range s.edges {
			to := visit(int(e.to))
			if to != def {
				edges = append(edges, edge{e.r, to})
			}
		}
		out.states[k] = dstate{edges: edges, def: def, acc: s.acc}
	}
	return out
}

// intersects reports whether a and b accept a common string, without building their product.
func intersects(a, b *dfa) bool {
	nb := int64(len(b.states))
	total := int64(len(a.states)) * nb
	var dense []bool
	var sparse map[int64]bool
	if total <= 1<<16 {
		dense = make([]bool, total)
	} else {
		sparse = map[int64]bool{}
	}
	queue := make([]int64, 0, 64)
	visit := func(x, y int32) {
		k := int64(x)*nb + int64(y)
		if dense != nil {
			if dense[k] {
				return
			}
			dense[k] = true
		} else {
			if sparse[k] {
				return
			}
			sparse[k] = true
		}
		queue = append(queue, k)
	}
	visit(a.start, b.start)
	for n := 0; n < len(queue); n++ {
		x, y := int32(queue[n]/nb), int32(queue[n]%nb)
		sa, sb := &a.states[x], &b.states[y]
		if sa.acc && sb.acc {
			return true
		}
		for _, e := range sa.edges {
			visit(e.to, b.step(y, e.r))
		}
		for _, e := range sb.edges {
			visit(a.step(x, e.r), e.to)
		}
		visit(sa.def, sb.def)
	}
	return false
}
