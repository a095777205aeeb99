package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// KeyType is the type of a condition key, in the service reference's words.
type KeyType string

// The key types that occur in the data.
const (
	TypeString        KeyType = "String"
	TypeArrayOfString KeyType = "ArrayOfString"
	TypeARN           KeyType = "ARN"
	TypeArrayOfARN    KeyType = "ArrayOfARN"
	TypeBool          KeyType = "Bool"
	TypeArrayOfBool   KeyType = "ArrayOfBool"
	TypeNumeric       KeyType = "Numeric"
	TypeDate          KeyType = "Date"
	TypeIPAddress     KeyType = "IPAddress"
)

// Elem returns the type of one value: t without its "ArrayOf" prefix.
func (t KeyType) Elem() KeyType { return KeyType(strings.TrimPrefix(string(t), "ArrayOf")) }

// ConditionKey is a condition key and its types.
type ConditionKey struct {
	// Name is the key as AWS spells it. Keys that stand for a family keep
	// their placeholder: aws:RequestTag/${TagKey}, s3:ExistingObjectTag/<key>,
	// token.actions.${Domain}.ghe.com:sub.
	Name  string
	Types []KeyType // usually one; aws:EpochTime is both Date and Numeric
	// Global reports that the key is one of the global condition keys of
	// global-condition-keys.json (matched by name, ignoring case), whether this
	// entry comes from that file or from a service that lists the key.
	Global bool
	// Multivalued reports that the key holds a set of values: an ArrayOf* type,
	// or ValueType "Multivalued" in global-condition-keys.json.
	Multivalued bool
	// Sensitive reports that global-condition-keys.json marks the key
	// sensitive (identifiers of accounts, organizations and networks, such as
	// aws:PrincipalOrgID and aws:SourceVpc): IAM Access Analyzer takes no
	// wildcards or policy variables in patterns of such keys.
	Sensitive bool
	// Category is the global key's group in global-condition-keys.json
	// ("Properties of the principal", "Properties of the network", ...), or "".
	Category string
}

type rawConditionKey struct {
	Name      string
	Types     []KeyType
	ValueType string // only in global-condition-keys.json
	Sensitive bool   // only in global-condition-keys.json
	Category  string // only in global-condition-keys.json
}

func (r rawConditionKey) key() ConditionKey {
	k := ConditionKey{Name: r.Name, Types: r.Types, Multivalued: r.ValueType == "Multivalued", Sensitive: r.Sensitive,
		Category: r.Category}
	for _, t := range r.Types {
		if strings.HasPrefix(string(t), "ArrayOf") {
			k.Multivalued = true
		}
	}
	return k
}

func (c *Catalog) loadGlobalKeys(data []byte) error {
	c.global = make(map[string]*ConditionKey)
	if data == nil {
		return nil
	}
	var raw []rawConditionKey
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	keys := make([]ConditionKey, len(raw))
	for i, r := range raw {
		if r.Name == "" {
			return fmt.Errorf("key %d has no name", i)
		}
		n := lower(r.Name)
		if _, dup := c.global[n]; dup {
			return fmt.Errorf("key %q appears twice", r.Name)
		}
		keys[i] = r.key()
		keys[i].Global = true
		c.global[n] = &keys[i]
	}
	return nil
}

// ConditionKey returns the condition key with the given name, ignoring case.
//
// A name that is not listed as such resolves to the listed family it belongs
// to: aws:RequestTag/CostCenter gives aws:RequestTag/${TagKey}, and
// s3:ExistingObjectTag/team gives s3:ExistingObjectTag/<key>. A placeholder
// (${...} or <...>) stands for one or more characters of any kind. An exact
// name wins over a placeholder; among placeholders the entry with the most
// fixed characters wins.
//
// When several sources list the same name, the global keys file wins, then
// the service whose prefix is the key's prefix, then the first service by
// prefix. (identitystore:UserId, for example, is String in the global keys
// and ArrayOfString in the q and qbusiness documents.)
//
// The first call reads the ConditionKeys of every service.
func (c *Catalog) ConditionKey(name string) (*ConditionKey, bool) {
	ix := c.keyIndex()
	if k, ok := lookupFold(ix.exact, name); ok {
		return k, true
	}
	candidates := ix.general
	if i := strings.IndexByte(name, ':'); i > 0 {
		if ts, ok := lookupFold(ix.byPrefix, name[:i]); ok {
			candidates = ts
		}
	}
	for i := range candidates {
		if candidates[i].match(name) {
			return candidates[i].key, true
		}
	}
	return nil, false
}

// keyIndex indexes every condition key of the catalog.
type keyIndex struct {
	exact map[string]*ConditionKey // by lowercase name
	// The templates, most fixed characters first. Those whose fixed start
	// includes a colon are filed under the lowercase text before it, together
	// with the general ones, whose placeholder comes before the first colon.
	byPrefix map[string][]keyTemplate
	general  []keyTemplate
}

// keyTemplate is a condition key whose name has placeholders.
type keyTemplate struct {
	key   *ConditionKey
	parts []string // fixed text around the placeholders; len(parts) >= 2
	fixed int      // total length of parts
}

func (c *Catalog) keyIndex() *keyIndex {
	c.keysOnce.Do(func() {
		ix := &c.keys
		ix.exact = make(map[string]*ConditionKey, 2048)
		for n, k := range c.global {
			ix.exact[n] = k
		}
		// First the keys a service lists under its own prefix, then the others.
		for _, own := range []bool{true, false} {
			for _, e := range c.entries {
				keys, err := e.conditionKeys(c)
				if err != nil {
					panic(corrupt(err))
				}
				for _, k := range keys {
					n := lower(k.Name)
					if (keyPrefix(n) == e.prefix) != own {
						continue
					}
					if _, ok := ix.exact[n]; !ok {
						ix.exact[n] = k
					}
				}
			}
		}
		var all []keyTemplate
		for _, k := range ix.exact {
			if parts := splitTemplate(k.Name); parts != nil {
				t := keyTemplate{key: k, parts: parts}
				for _, p := range parts {
					t.fixed += len(p)
				}
				all = append(all, t)
			}
		}
		slices.SortFunc(all, compareTemplates)
		ix.byPrefix = make(map[string][]keyTemplate)
		for _, t := range all {
			if i := strings.IndexByte(t.parts[0], ':'); i < 0 {
				ix.general = append(ix.general, t)
			} else {
				p := lower(t.parts[0][:i])
				ix.byPrefix[p] = append(ix.byPrefix[p], t)
			}
		}
		// A general template can match a name filed under p only if its
		// fixed start is a prefix of p.
		for p, ts := range ix.byPrefix {
			for _, g := range ix.general {
				if hasPrefixFold(p, g.parts[0]) {
					ts = append(ts, g)
				}
			}
			slices.SortFunc(ts, compareTemplates)
			ix.byPrefix[p] = ts
		}
	})
	return &c.keys
}

// compareTemplates orders templates by precedence: most fixed characters
// first, then by name.
func compareTemplates(a, b keyTemplate) int {
	if a.fixed != b.fixed {
		return b.fixed - a.fixed
	}
	return strings.Compare(lower(a.key.Name), lower(b.key.Name))
}

// keyPrefix returns the part of a condition key's name before the first colon.
func keyPrefix(name string) string {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return ""
}

// splitTemplate splits a key name at its placeholders, ${...} and <...>, and
// returns the fixed text around them, or nil if the name has none. A few
// services spell the tag-key placeholder as plain text ("secretsmanager:
// ResourceTag/tag-key", "ssm:resourceTag/tag-key"); a final "Tag/tag-key" is
// a placeholder too.
func splitTemplate(name string) []string {
	if strings.HasSuffix(strings.ToLower(name), "tag/tag-key") {
		return []string{name[:len(name)-len("tag-key")], ""}
	}
	var parts []string
	start := 0
	for i := 0; i < len(name); i++ {
		var end int
		switch {
		case name[i] == '$' && i+1 < len(name) && name[i+1] == '{':
			end = strings.IndexByte(name[i:], '}')
		case name[i] == '<':
			end = strings.IndexByte(name[i:], '>')
		default:
			continue
		}
		if end < 0 {
			continue
		}
		parts = append(parts, name[start:i])
		i += end
		start = i + 1
	}
	if parts == nil {
		return nil
	}
	return append(parts, name[start:])
}

// match reports whether name is an instance of the template, ignoring case.
// Each placeholder must stand for at least one character.
func (t *keyTemplate) match(name string) bool {
	p := t.parts
	first, last := p[0], p[len(p)-1]
	if len(name) < t.fixed+len(p)-1 || !hasPrefixFold(name, first) ||
		!equalFold(name[len(name)-len(last):], last) {
		return false
	}
	// Placing each fixed part as early as possible leaves the most room for
	// the rest, so the first placement found is enough.
	end := len(name) - len(last)
	i := len(first)
	for _, lit := range p[1 : len(p)-1] {
		j := indexFold(name[:end], lit, i+1)
		if j < 0 {
			return false
		}
		i = j + len(lit)
	}
	return end-i >= 1
}
