package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// ManagedPolicy is an AWS managed policy at its default version.
type ManagedPolicy struct {
	Name             string // "ViewOnlyAccess"
	ARN              string // "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
	Path             string // "/job-function/"
	DefaultVersionID string // "v45"
	// Document is the default version's policy document as compact JSON,
	// exactly as AWS wrote it (a lone statement or action is not made a list).
	Document []byte
	// CreateDate is when the policy was created. UpdateDate is when its
	// default version was made (the data's lastUpdatedDate; the version's own
	// createdDate is unreliable in the source).
	CreateDate, UpdateDate time.Time
	// Deprecated reports that the name is in aws-managed-policies-deprecated.json.
	Deprecated bool
	// IsAttachable is true unless the data says otherwise with an
	// "isAttachable": false member. The current data has no such member: its
	// source lists only attachable policies, service-linked-role policies
	// included.
	IsAttachable bool
}

// ManagedPolicy returns the AWS managed policy with the given name
// ("ViewOnlyAccess") or ARN ("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
// ignoring case. The first call decodes all policies.
func (c *Catalog) ManagedPolicy(arnOrName string) (*ManagedPolicy, bool) {
	ps := c.policies.mustLoad()
	if hasPrefixFold(arnOrName, "arn:") {
		return lookupFold(ps.byARN, arnOrName)
	}
	return lookupFold(ps.byName, arnOrName)
}

// ManagedPolicies returns every AWS managed policy, sorted by ARN. The slice
// is the caller's.
func (c *Catalog) ManagedPolicies() []*ManagedPolicy {
	return slices.Clone(c.policies.mustLoad().list)
}

// policySet holds the managed policies, decoded on first use.
type policySet struct {
	raw        []byte          // aws-managed-policies.json, maybe gzipped, or nil
	data       []byte          // raw uncompressed, once loaded; Documents point into it
	deprecated map[string]bool // names

	once sync.Once
	ps   *policies
	err  error
}

type policies struct {
	list          []*ManagedPolicy // sorted by ARN
	byName, byARN map[string]*ManagedPolicy
	newest        string // the newest UpdateDate as YYYY-MM-DD, or ""
}

func (s *policySet) init(raw, deprecated []byte) error {
	s.raw = raw
	s.deprecated = make(map[string]bool)
	if deprecated == nil {
		return nil
	}
	var names []string
	if err := json.Unmarshal(deprecated, &names); err != nil {
		return fmt.Errorf("%s: %w", FileDeprecatedPolicies, err)
	}
	for _, n := range names {
		s.deprecated[n] = true
	}
	return nil
}

func (s *policySet) load() (*policies, error) {
	s.once.Do(func() {
		if s.data, s.err = gunzip(s.raw); s.err == nil {
			s.ps, s.err = decodePolicies(s.data, s.deprecated)
		}
		s.raw = nil
	})
	return s.ps, s.err
}

func (s *policySet) mustLoad() *policies {
	ps, err := s.load()
	if err != nil {
		panic(corrupt(err))
	}
	return ps
}

func decodePolicies(data []byte, deprecated map[string]bool) (*policies, error) {
	ps := &policies{
		byName: make(map[string]*ManagedPolicy, 2048),
		byARN:  make(map[string]*ManagedPolicy, 2048),
	}
	if data == nil {
		return ps, nil
	}
	type item struct {
		name string
		raw  []byte
		p    *ManagedPolicy
		err  error
	}
	var items []item
	err := eachMember(data, func(name string, val []byte) error {
		items = append(items, item{name: name, raw: val})
		return nil
	})
	if err != nil {
		return nil, err
	}
	parallel(len(items), func(i int) {
		it := &items[i]
		it.p, it.err = parsePolicy(it.name, it.raw)
	})
	var newest time.Time
	for _, it := range items {
		if it.err != nil {
			return nil, fmt.Errorf("policy %q: %w", it.name, it.err)
		}
		p := it.p
		p.Deprecated = deprecated[p.Name]
		ln, la := lower(p.Name), lower(p.ARN)
		if ps.byName[ln] != nil || ps.byARN[la] != nil {
			return nil, fmt.Errorf("policy %q appears twice", p.Name)
		}
		ps.byName[ln], ps.byARN[la] = p, p
		ps.list = append(ps.list, p)
		if p.UpdateDate.After(newest) {
			newest = p.UpdateDate
		}
	}
	slices.SortFunc(ps.list, func(a, b *ManagedPolicy) int { return strings.Compare(a.ARN, b.ARN) })
	if !newest.IsZero() {
		ps.newest = newest.UTC().Format(time.DateOnly)
	}
	return ps, nil
}

// parsePolicy reads one policy's entry. It picks the members out with the
// structural scanner rather than encoding/json: the documents are most of the
// data and are kept as they are, so there is no need to decode them. (An eager
// load checks the whole file with json.Valid.)
func parsePolicy(name string, data []byte) (*ManagedPolicy, error) {
	p := &ManagedPolicy{Name: name, IsAttachable: true}
	var created, updated string
	var versions []byte
	err := eachMember(data, func(key string, val []byte) error {
		switch key {
		case "arn":
			return jsonString(val, &p.ARN)
		case "latestVersionId":
			return jsonString(val, &p.DefaultVersionID)
		case "createdDate":
			return jsonString(val, &created)
		case "lastUpdatedDate":
			return jsonString(val, &updated)
		case "isAttachable":
			return json.Unmarshal(val, &p.IsAttachable)
		case "versions":
			versions = val
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// arn:aws:iam::aws:policy/<path><name>, the path beginning and ending with "/".
	_, res, ok := strings.Cut(p.ARN, ":policy/")
	if !ok || !strings.HasPrefix(p.ARN, "arn:") || !strings.HasSuffix("/"+res, "/"+name) {
		return nil, fmt.Errorf("ARN %q does not end in :policy/[path/]%s", p.ARN, name)
	}
	p.Path = "/" + res[:len(res)-len(name)]

	if versions != nil {
		err = eachMember(versions, func(id string, version []byte) error {
			if id != p.DefaultVersionID {
				return nil
			}
			return eachMember(version, func(key string, val []byte) error {
				if key == "document" {
					p.Document = val
				}
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("versions: %w", err)
		}
	}
	if len(p.Document) == 0 || p.Document[0] != '{' {
		return nil, fmt.Errorf("no document for default version %q", p.DefaultVersionID)
	}
	if !isCompact(p.Document) {
		var b bytes.Buffer
		if err := json.Compact(&b, p.Document); err != nil {
			return nil, err
		}
		p.Document = b.Bytes()
	}

	if p.CreateDate, err = parseDate(created); err != nil {
		return nil, fmt.Errorf("createdDate: %w", err)
	}
	if p.UpdateDate, err = parseDate(updated); err != nil {
		return nil, fmt.Errorf("lastUpdatedDate: %w", err)
	}
	return p, nil
}

// jsonString decodes a JSON string (or null, which leaves *dst alone).
func jsonString(val []byte, dst *string) error {
	if string(val) == "null" {
		return nil
	}
	if len(val) < 2 || val[0] != '"' {
		return fmt.Errorf("%.20s is not a string", val)
	}
	s, err := decodeKey(val)
	*dst = s
	return err
}

// isCompact reports whether the JSON value has no whitespace outside strings.
func isCompact(data []byte) bool {
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			return false
		case '"':
			end, err := skipString(data, i)
			if err != nil {
				return false
			}
			i = end - 1
		}
	}
	return true
}

// parseDate parses an RFC 3339 time such as 2015-02-06T18:39:46.000Z; "" is
// the zero time.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, s)
}
