package reason

import (
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// u128 is an unsigned 128-bit number: the common order that numbers, dates and IP addresses are mapped into.
type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi != b.hi:
		if a.hi < b.hi {
			return -1
		}
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a u128) inc() u128 {
	lo, c := bits.Add64(a.lo, 1, 0)
	return u128{a.hi + c, lo}
}

func (a u128) dec() u128 {
	lo, b := bits.Sub64(a.lo, 1, 0)
	return u128{a.hi - b, lo}
}

// span is a closed interval.
type span struct{ lo, hi u128 }

// domain is a kind of ordered value: numbers, dates or IP addresses.
type domain uint8

const (
	domNumber domain = iota + 1
	domDate
	domIP
)

// bounds returns the smallest and largest key of the domain.
func (d domain) bounds() span {
	switch d {
	case domNumber:
		return span{u128{0, numKey(math.Inf(-1))}, u128{0, numKey(math.Inf(1))}}
	case domDate:
		hi, lo := bits.Mul64(math.MaxUint64, 1e9)
		lo, c := bits.Add64(lo, 999999999, 0)
		return span{u128{}, u128{hi + c, lo}}
	default:
		return span{u128{}, u128{math.MaxUint64, math.MaxUint64}}
	}
}

// iset is a set of request values of one domain: the values that parse, as sorted disjoint intervals of keys, and
// whether it also holds the strings that do not parse (which no comparison of the domain matches).
type iset struct {
	dom   domain
	spans []span
	other bool
}

func (s *iset) isEmpty() bool { return len(s.spans) == 0 && !s.other }

// normalize sorts and merges the spans.
func (s *iset) normalize() {
	slices.SortFunc(s.spans, func(a, b span) int { return a.lo.cmp(b.lo) })
	var out []span
	top := u128{math.MaxUint64, math.MaxUint64}
	for _, x := range s.spans {
		if n := len(out); n > 0 && (out[n-1].hi == top || x.lo.cmp(out[n-1].hi.inc()) <= 0) {
			if x.hi.cmp(out[n-1].hi) > 0 {
				out[n-1].hi = x.hi
			}
			continue
		}
		out = append(out, x)
	}
	s.spans = out
}

func (s *iset) intersect(t *iset) *iset {
	out := &iset{dom: s.dom, other: s.other && t.other}
	for _, a := range s.spans {
		for _, b := range t.spans {
			lo, hi := a.lo, a.hi
			if b.lo.cmp(lo) > 0 {
				lo = b.lo
			}
			if b.hi.cmp(hi) < 0 {
				hi = b.hi
			}
			if lo.cmp(hi) <= 0 {
				out.spans = append(out.spans, span{lo, hi})
			}
		}
	}
	out.normalize()
	return out
}

func (s *iset) complement() *iset {
	b := s.dom.bounds()
	out := &iset{dom: s.dom, other: !s.other}
	next := b.lo
	open := true
	for _, x := range s.spans {
		if x.lo.cmp(next) > 0 && open {
			out.spans = append(out.spans, span{next, x.lo.dec()})
		}
		if x.hi.cmp(b.hi) >= 0 {
			open = false
			break
		}
		next = x.hi.inc()
	}
	if open && next.cmp(b.hi) <= 0 {
		out.spans = append(out.spans, span{next, b.hi})
	}
	return out
}

// sample returns a request value in the set.
func (s *iset) sample() (string, bool) {
	for _, x := range s.spans {
		if v, ok := s.dom.format(x); ok {
			return v, true
		}
	}
	if s.other {
		return "not-a-" + [...]string{"", "number", "date", "ip"}[s.dom], true
	}
	return "", false
}

// numKey maps a float to an order-preserving key in which -0 and +0 are one value.
func numKey(f float64) uint64 {
	b := math.Float64bits(f)
	if f == 0 {
		b = 0
	}
	if b>>63 == 1 {
		return ^b + 1
	}
	return b | 1<<63
}

func numFromKey(k uint64) float64 {
	if k >= 1<<63 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^(k - 1))
}

func dateKey(t time.Time) u128 {
	hi, lo := bits.Mul64(uint64(t.Unix())^(1<<63), 1e9)
	lo, c := bits.Add64(lo, uint64(t.Nanosecond()), 0)
	return u128{hi + c, lo}
}

func dateFromKey(k u128) (sec int64, nsec int64) {
	q, r := bits.Div64(k.hi, k.lo, 1e9)
	return int64(q ^ (1 << 63)), int64(r)
}

// v4Base is where IPv4 addresses sit among IPv6 keys: the IPv4-mapped block ::ffff:0:0/96, which the engine
// reads as IPv4 (it unmaps addresses before comparing).
const v4Base = 0xffff << 32

func ipKey(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, v4Base | uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}
	}
	b := a.As16()
	var hi, lo uint64
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return u128{hi, lo}
}

func (d domain) format(x span) (string, bool) {
	switch d {
	case domNumber:
		lo, hi := numFromKey(x.lo.lo), numFromKey(x.hi.lo)
		f := lo
		switch {
		case lo <= 0 && hi >= 0:
			f = 0
		case math.IsInf(lo, -1) && !math.IsInf(hi, 1):
			f = hi
		case math.Ceil(lo) <= hi && !math.IsInf(lo, 0):
			f = math.Ceil(lo)
		}
		return strconv.FormatFloat(f, 'g', -1, 64), true
	case domDate:
		sec, nsec := dateFromKey(x.lo)
		if nsec != 0 {
			whole := dateKey(time.Unix(sec+1, 0))
			if sec+1 > sec && whole.cmp(x.hi) <= 0 {
				return strconv.FormatInt(sec+1, 10), true
			}
			t := time.Unix(sec, nsec).UTC()
			if t.Year() < 0 || t.Year() > 9999 {
				return "", false
			}
			return t.Format(time.RFC3339Nano), true
		}
		return strconv.FormatInt(sec, 10), true
	default:
		k := x.lo
		if k.hi == 0 && k.lo>>32 == 0xffff {
			v := uint32(k.lo)
			return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String(), true
		}
		var b [16]byte
		for i := 0; i < 8; i++ {
			b[7-i] = byte(k.hi >> (8 * i))
			b[15-i] = byte(k.lo >> (8 * i))
		}
		return netip.AddrFrom16(b).String(), true
	}
}

// numberSet is the set of request values that a numeric comparison with v accepts.
func compareSet(dom domain, k u128, op string) *iset {
	b := dom.bounds()
	s := &iset{dom: dom}
	switch op {
	case "eq":
		s.spans = []span{{k, k}}
	case "lt":
		if k.cmp(b.lo) > 0 {
			s.spans = []span{{b.lo, k.dec()}}
		}
	case "le":
		s.spans = []span{{b.lo, k}}
	case "gt":
		if k.cmp(b.hi) < 0 {
			s.spans = []span{{k.inc(), b.hi}}
		}
	case "ge":
		s.spans = []span{{k, b.hi}}
	}
	return s
}

// prefixSet is the set of addresses an IpAddress value accepts: an IPv4 prefix holds IPv4 addresses only, an
// IPv6 prefix IPv6 addresses only (so never the IPv4-mapped block, which the engine reads as IPv4).
func prefixSet(p netip.Prefix) *iset {
	lo := ipKey(p.Masked().Addr())
	var hostBits int
	if p.Addr().Is4() {
		hostBits = 32 - p.Bits()
	} else {
		hostBits = 128 - p.Bits()
	}
	hi := lo
	switch {
	case hostBits >= 128:
		hi = u128{math.MaxUint64, math.MaxUint64}
	case hostBits >= 64:
		hi = u128{lo.hi | (1<<(hostBits-64) - 1), math.MaxUint64}
	case hostBits > 0:
		hi = u128{lo.hi, lo.lo | (1<<hostBits - 1)}
	}
	s := &iset{dom: domIP, spans: []span{{lo, hi}}}
	if !p.Addr().Is4() {
		mapped := &iset{dom: domIP, spans: []span{{u128{0, v4Base}, u128{0, v4Base | 0xffffffff}}}}
		s = s.intersect(mapped.complement())
		s.other = false
	}
	return s
}

func (s *iset) union(t *iset) *iset {
	out := &iset{dom: s.dom, other: s.other || t.other, spans: append(append([]span(nil), s.spans...), t.spans...)}
	out.normalize()
	return out
}
