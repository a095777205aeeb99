package policy

import "errors"

// JSONKind is the JSON type of a JSONNode.
type JSONKind uint8

// The JSON types.
const (
	JSONNull JSONKind = iota
	JSONBool
	JSONNumber
	JSONString
	JSONArray
	JSONObject
)

func (k JSONKind) String() string { return kind(k).String() }

// JSONNode is one value of a policy document as written, with the byte range it came from: the tree that Parse
// reads, for tools that report on the text itself (policy/validate). Object members keep their order, and
// duplicate keys are kept.
type JSONNode struct {
	Kind       JSONKind
	Start, End int    // byte offsets: the value's first byte, and just past its last
	Text       string // a string's value (unescaped), a number's literal, "true" or "false"
	Items      []JSONNode
	Members    []JSONMember
}

// JSONMember is one key of an object and its value.
type JSONMember struct {
	Key              string
	KeyStart, KeyEnd int // byte offsets of the quoted key, quotes included
	Value            JSONNode
}

// JSONSyntaxError is a document that is not JSON, and the byte offset where reading it failed.
type JSONSyntaxError struct {
	Offset int
	Msg    string
}

func (e *JSONSyntaxError) Error() string { return e.Msg }

// ParseJSONTree reads a document as the policy parser does (one JSON value, nesting bounded, strings checked as
// UTF-8). A document that is not JSON gives a *JSONSyntaxError.
func ParseJSONTree(doc []byte) (JSONNode, error) {
	n, err := parseJSON(doc)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return JSONNode{}, &JSONSyntaxError{Offset: se.off, Msg: se.msg}
		}
		return JSONNode{}, &JSONSyntaxError{Msg: err.Error()}
	}
	return exportNode(&n), nil
}

func exportNode(n *node) JSONNode {
	out := JSONNode{Kind: JSONKind(n.kind), Start: n.start, End: n.end, Text: n.text}
	if len(n.items) > 0 {
		out.Items = make([]JSONNode, len(n.items))
		for i := range n.items {
			out.Items[i] = exportNode(&n.items[i])
		}
	}
	if len(n.keys) > 0 {
		out.Members = make([]JSONMember, len(n.keys))
		for i := range n.keys {
			m := &n.keys[i]
			out.Members[i] = JSONMember{Key: m.key, KeyStart: m.keyStart, KeyEnd: m.keyEnd, Value: exportNode(&m.value)}
		}
	}
	return out
}
