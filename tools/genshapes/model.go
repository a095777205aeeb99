package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Model is the part of a botocore service-2.json that the generator reads.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
	// Others are the operations SelectOperations left out, by name: the REST-JSON dispatch still routes them
	// (their HTTP method and requestUri) to answer NotImplemented.
	Others map[string]*Operation `json:"-"`
}

// Metadata is the model's metadata block.
type Metadata struct {
	APIVersion     string `json:"apiVersion"`
	EndpointPrefix string `json:"endpointPrefix"`
	Protocol       string `json:"protocol"`
	ServiceID      string `json:"serviceId"`
	XMLNamespace   string `json:"xmlNamespace"`
	JSONVersion    string `json:"jsonVersion"`
	TargetPrefix   string `json:"targetPrefix"`
	SigningName    string `json:"signingName"`
}

// Operation is one operation.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input         *Ref   `json:"input"`
	Output        *Ref   `json:"output"`
	Errors        []*Ref `json:"errors"`
	Documentation string `json:"documentation"`
}

// Ref is a reference to a shape, from an operation or a member, with its serialisation traits.
type Ref struct {
	Shape         string `json:"shape"`
	ResultWrapper string `json:"resultWrapper"`
	LocationName  string `json:"locationName"`
	// Location is where a REST protocol carries the member: "uri" (a path label), "querystring", "header",
	// or "" for the body.
	Location      string `json:"location"`
	Flattened     bool   `json:"flattened"`
	Documentation string `json:"documentation"`
}

// Shape is one shape.
type Shape struct {
	Type         string      `json:"type"`
	Members      Members     `json:"members"`
	Required     []string    `json:"required"`
	Min          json.Number `json:"min"`
	Max          json.Number `json:"max"`
	Pattern      string      `json:"pattern"`
	Enum         []string    `json:"enum"`
	Member       *Ref        `json:"member"`
	Key          *Ref        `json:"key"`
	Value        *Ref        `json:"value"`
	Flattened    bool        `json:"flattened"`
	LocationName string      `json:"locationName"`
	Sensitive    bool        `json:"sensitive"`
	// TimestampFormat is a timestamp's wire format when the model names one (iso8601, unixTimestamp).
	TimestampFormat string `json:"timestampFormat"`
	Exception       bool   `json:"exception"`
	Documentation   string `json:"documentation"`
	Error           *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
		SenderFault    bool   `json:"senderFault"`
	} `json:"error"`
}

// Member is one structure member; Members keeps them in model order, which a Go map would lose.
type Member struct {
	Name string
	Ref  *Ref
}

// Members is a structure's members in model order.
type Members []Member

// UnmarshalJSON reads the members object token by token to keep its order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("members: want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, ok := tok.(string)
		if !ok {
			return fmt.Errorf("members: want a name, got %v", tok)
		}
		var r Ref
		if err := dec.Decode(&r); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, Member{Name: name, Ref: &r})
	}
	_, err = dec.Token()
	return err
}

// IsRequired reports whether the structure lists member name as required.
func (s *Shape) IsRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// bound returns a numeric trait as an int64 and whether the model sets it.
func bound(n json.Number) (int64, bool, error) {
	if n == "" {
		return 0, false, nil
	}
	if i, err := n.Int64(); err == nil {
		return i, true, nil
	}
	f, err := n.Float64()
	if err != nil {
		return 0, false, err
	}
	return int64(f), true, nil
}

// ReadModel reads a service-2.json, gzip-compressed or not.
func ReadModel(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	return DecodeModel(r)
}

// DecodeModel decodes a model and checks that the references it uses resolve.
func DecodeModel(r io.Reader) (*Model, error) {
	var m Model
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decoding model: %w", err)
	}
	if m.Metadata.Protocol != "query" && m.Metadata.Protocol != "json" && m.Metadata.Protocol != "rest-json" {
		return nil, fmt.Errorf("model protocol is %q; genshapes writes query, JSON and REST-JSON protocol shapes only", m.Metadata.Protocol)
	}
	check := func(where string, r *Ref) error {
		if r == nil {
			return nil
		}
		if _, ok := m.Shapes[r.Shape]; !ok {
			return fmt.Errorf("%s refers to unknown shape %q", where, r.Shape)
		}
		return nil
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
		for _, r := range append([]*Ref{op.Input, op.Output}, op.Errors...) {
			if err := check("operation "+name, r); err != nil {
				return nil, err
			}
		}
	}
	for name, s := range m.Shapes {
		for _, mb := range s.Members {
			if err := check("shape "+name+" member "+mb.Name, mb.Ref); err != nil {
				return nil, err
			}
		}
		for _, r := range []*Ref{s.Member, s.Key, s.Value} {
			if err := check("shape "+name, r); err != nil {
				return nil, err
			}
		}
	}
	return &m, nil
}

// SelectOperations keeps only the named operations in m and returns the names of the others, sorted: a service
// of which iamd serves a few operations (CloudTrail) gets the shapes, codec and dispatch of those alone, so the
// generator never meets the shapes of the rest (maps, floats, lists of lists), and the dispatch table lists the
// others by name only (DispatchOptions.Others). A name the model does not have is an error.
func (m *Model) SelectOperations(names []string) ([]string, error) {
	keep := map[string]bool{}
	for _, n := range names {
		if _, ok := m.Operations[n]; !ok {
			return nil, fmt.Errorf("operation %q is not in the model", n)
		}
		keep[n] = true
	}
	var others []string
	for n, op := range m.Operations {
		if !keep[n] {
			others = append(others, n)
			if m.Others == nil {
				m.Others = map[string]*Operation{}
			}
			m.Others[n] = op
			delete(m.Operations, n)
		}
	}
	sort.Strings(others)
	return others, nil
}
