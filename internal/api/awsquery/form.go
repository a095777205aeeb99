package awsquery

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The form reader: what the generated decoders of internal/api/iamapi and stsapi (tools/genshapes -codec) call.
// A generated decoder walks a Node tree with one function per structure shape; the rules it follows:
//
//   - scalars: Name=value; booleans true/false (any case), integers in base 10, timestamps in ISO 8601
//     (RFC 3339, with or without fractional seconds; no zone means UTC), blobs in base64;
//   - nested structures: Name.Field=value; a structure none of whose members is given stays nil;
//   - lists: Name.member.N (N from 1; gaps are closed and items ordered by N), lists of structures
//     Name.member.N.Field, and Name= (empty) for an empty list;
//   - maps: Name.entry.N.key / Name.entry.N.value.
//
// Parameters that name no member are ignored, as AWS ignores them. A value that cannot be converted, a list
// index that is not a positive integer, or a scalar member given sub-keys (UserName.1=x) is a *awserr.Error
// with code MalformedInput whose cause is a *ParamError naming the parameter.

// Node is one segment of the dotted parameter names of a query-protocol request: Tags.member.1.Key is
// root→Tags→member→1→Key. ParseForm builds the tree.
type Node struct {
	value    string
	has      bool
	children map[string]*Node
	tree     *tree
}

// tree is what the nodes of one request's parameters share: the required members found absent.
type tree struct {
	missing []string
}

// ParseForm returns the root of the parameter tree of form; of repeated values the first counts.
func ParseForm(form url.Values) *Node {
	root := &Node{tree: &tree{}}
	for key, vals := range form {
		n := root
		for _, seg := range strings.Split(key, ".") {
			if n.children == nil {
				n.children = map[string]*Node{}
			}
			c := n.children[seg]
			if c == nil {
				c = &Node{tree: root.tree}
				n.children[seg] = c
			}
			n = c
		}
		if len(vals) > 0 {
			n.value, n.has = vals[0], true
		}
	}
	return root
}

// Child returns the node of segment seg under n, or nil; n may be nil.
func (n *Node) Child(seg string) *Node {
	if n == nil {
		return nil
	}
	return n.children[seg]
}

// Missing records that the required member named by param (its parameter name, Tags.member.2.Value) is absent.
// A generated decoder calls it for the required members whose Go type cannot tell absent from given (a plain
// string the model allows empty, a number, a boolean, a timestamp): Validate cannot see their absence.
func (n *Node) Missing(param string) {
	if n != nil && n.tree != nil {
		n.tree.missing = append(n.tree.missing, param)
	}
}

// MissingPaths returns the member paths, in AWS's form ('tags.2.member.value'), of the required members that
// the decoders found absent (Missing), in the order found.
func (n *Node) MissingPaths() []string {
	if n == nil || n.tree == nil || len(n.tree.missing) == 0 {
		return nil
	}
	out := make([]string, len(n.tree.missing))
	for i, param := range n.tree.missing {
		out[i] = MemberPath(param)
	}
	return out
}

// MemberPath is the member path AWS's validation messages name for a parameter: each name with its first
// letter lowered and a list's index before its item name (Tags.member.2.Value is 'tags.2.member.value';
// PolicyArns.member.1.arn is 'policyArns.1.member.arn').
func MemberPath(param string) string {
	segs := strings.Split(param, ".")
	for i, seg := range segs {
		if seg != "" {
			segs[i] = strings.ToLower(seg[:1]) + seg[1:]
		}
	}
	for i := 1; i < len(segs); i++ {
		if (segs[i-1] == "member" || segs[i-1] == "entry") && isIndex(segs[i]) {
			segs[i-1], segs[i] = segs[i], segs[i-1]
			i++
		}
	}
	return strings.Join(segs, ".")
}

func isIndex(seg string) bool {
	if seg == "" {
		return false
	}
	for _, r := range seg {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Scalar decodes the scalar member at n into *dst with parse; it reports whether the member was given.
func Scalar[T any](n *Node, param string, dst *T, parse func(*Node, string, *T) error) (bool, error) {
	if len(n.children) == 0 && !n.has {
		return false, nil
	}
	if err := parse(n, param, dst); err != nil {
		return false, err
	}
	return true, nil
}

// Optional decodes the optional scalar member at n into a new *T stored in *dst with parse; it reports
// whether the member was given.
func Optional[T any](n *Node, param string, dst **T, parse func(*Node, string, *T) error) (bool, error) {
	if len(n.children) == 0 && !n.has {
		return false, nil
	}
	v := new(T)
	if err := parse(n, param, v); err != nil {
		return false, err
	}
	*dst = v
	return true, nil
}

// Struct decodes the nested structure at n with decode (a generated structure decoder) into a new *T stored
// in *dst when any of its members is given; it reports whether one was.
func Struct[T any](n *Node, param string, dst **T, decode func(*Node, string, *T) (bool, error)) (bool, error) {
	v := new(T)
	ok, err := decode(n, param+".", v)
	if err != nil || !ok {
		return false, err
	}
	*dst = v
	return true, nil
}

// Elem decodes a structure that is a list element or map value with decode (a generated structure decoder).
func Elem[T any](n *Node, param string, dst *T, decode func(*Node, string, *T) (bool, error)) error {
	_, err := decode(n, param+".", dst)
	return err
}

// List decodes the list member at n: items under n.item.N (item "" for a flattened list), each with elem.
// It reports whether the member was given.
func List[T any](n *Node, item, param string, dst *[]T, elem func(*Node, string, *T) error) (bool, error) {
	container := n
	if item != "" {
		container = n.Child(item)
		param += "." + item
	}
	if container == nil || len(container.children) == 0 {
		// Name= with no items is botocore's spelling of an empty list.
		if n.has && n.value == "" && len(n.children) == 0 {
			*dst = make([]T, 0)
			return true, nil
		}
		return false, nil
	}
	list, err := container.items(param)
	if err != nil {
		return false, err
	}
	out := make([]T, len(list))
	for k, it := range list {
		if err := elem(it.n, param+"."+strconv.Itoa(it.i), &out[k]); err != nil {
			return false, err
		}
	}
	*dst = out
	return true, nil
}

// Map decodes the map member at n: entries under n.item.N with the key under keyName and the value under
// valueName, the value decoded with elem. It reports whether the member was given.
func Map[M ~map[K]V, K ~string, V any](n *Node, item, keyName, valueName, param string, dst *M, elem func(*Node, string, *V) error) (bool, error) {
	container := n
	if item != "" {
		container = n.Child(item)
		param += "." + item
	}
	if container == nil || len(container.children) == 0 {
		return false, nil
	}
	list, err := container.items(param)
	if err != nil {
		return false, err
	}
	m := make(M, len(list))
	for _, it := range list {
		p := param + "." + strconv.Itoa(it.i)
		kn := it.n.Child(keyName)
		if kn == nil || !kn.has {
			return false, errMalformedInput(p, "Missing parameter "+p+"."+keyName+".")
		}
		var v V
		if vn := it.n.Child(valueName); vn != nil {
			if err := elem(vn, p+"."+valueName, &v); err != nil {
				return false, err
			}
		}
		m[K(kn.value)] = v
	}
	*dst = m
	return true, nil
}

type indexed struct {
	i int
	n *Node
}

// items returns the children of n, which must all be positive integer indices, ordered by index. Of several
// segments that are not indices, the first in byte order is named.
func (n *Node) items(param string) ([]indexed, error) {
	out := make([]indexed, 0, len(n.children))
	bad, isBad := "", false
	for seg, c := range n.children {
		i, err := strconv.Atoi(seg)
		if err != nil || i < 1 || seg[0] == '+' {
			if !isBad || seg < bad {
				bad, isBad = seg, true
			}
			continue
		}
		out = append(out, indexed{i, c})
	}
	if isBad {
		return nil, errMalformedInput(param+"."+bad, bad+" is not a valid index.")
	}
	sort.Slice(out, func(a, b int) bool { return out[a].i < out[b].i })
	for k := 1; k < len(out); k++ {
		if out[k].i == out[k-1].i {
			return nil, errMalformedInput(param, "Index "+strconv.Itoa(out[k].i)+" of "+param+" is given twice.")
		}
	}
	return out, nil
}

// text returns the value of a scalar at n, refusing sub-keys.
func (n *Node) text(param string) (string, error) {
	if len(n.children) > 0 {
		return "", errSubKeys(n, param)
	}
	return n.value, nil
}

func badValue(param, s, what string) error {
	return errMalformedInput(param, "Invalid value '"+s+"' for parameter "+param+": "+what+".")
}

// String reads a string.
func String(n *Node, param string, dst *string) error {
	s, err := n.text(param)
	*dst = s
	return err
}

// Enum reads a value of an enum (a named string type); values outside the enum are the model's Validate's to
// refuse.
func Enum[T ~string](n *Node, param string, dst *T) error {
	s, err := n.text(param)
	*dst = T(s)
	return err
}

// Bool reads true or false, in any case.
func Bool(n *Node, param string, dst *bool) error {
	s, err := n.text(param)
	if err != nil {
		return err
	}
	switch strings.ToLower(s) {
	case "true":
		*dst = true
	case "false":
		*dst = false
	default:
		return badValue(param, s, "expected true or false")
	}
	return nil
}

// Int32 reads a base-10 integer in the range of an int32.
func Int32(n *Node, param string, dst *int32) error {
	return scalar(n, param, dst, "expected an integer in range", func(s string) (int32, error) {
		v, err := strconv.ParseInt(s, 10, 32)
		return int32(v), err
	})
}

// Int64 reads a base-10 integer in the range of an int64.
func Int64(n *Node, param string, dst *int64) error {
	return scalar(n, param, dst, "expected an integer in range", func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// Float32 reads a number in the range of a float32.
func Float32(n *Node, param string, dst *float32) error {
	return scalar(n, param, dst, "expected a number", func(s string) (float32, error) {
		v, err := strconv.ParseFloat(s, 32)
		return float32(v), err
	})
}

// Float64 reads a number.
func Float64(n *Node, param string, dst *float64) error {
	return scalar(n, param, dst, "expected a number", func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
}

// Time reads an ISO 8601 timestamp.
func Time(n *Node, param string, dst *time.Time) error {
	return scalar(n, param, dst, "expected an ISO 8601 timestamp", parseTimestamp)
}

// Blob reads base64 (standard alphabet, padded).
func Blob(n *Node, param string, dst *[]byte) error {
	return scalar(n, param, dst, "expected base64", base64.StdEncoding.DecodeString)
}

// scalar reads the text at n with parse; what says what was expected when it does not parse.
func scalar[T any](n *Node, param string, dst *T, what string, parse func(string) (T, error)) error {
	s, err := n.text(param)
	if err != nil {
		return err
	}
	v, err := parse(s)
	if err != nil {
		return badValue(param, s, what)
	}
	*dst = v
	return nil
}

// parseTimestamp reads the ISO 8601 forms SDKs send: 2024-05-01T12:00:00Z, with fractional seconds or a
// numeric zone, or without a zone (taken as UTC).
func parseTimestamp(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// errSubKeys reports a scalar member given sub-keys (UserName.1=x), naming the first sub-key in order.
func errSubKeys(n *Node, param string) error {
	first, found := "", false
	for seg := range n.children {
		if !found || seg < first {
			first, found = seg, true
		}
	}
	return errMalformedInput(param, "Invalid parameter "+param+"."+first+": "+param+" takes a single value.")
}
