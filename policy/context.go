package policy

import "strings"

// Context holds the request context keys of one request: a key's values, single- or multivalued, as text. Keys are
// stored lower-cased because AWS compares condition key names case-insensitively; use Set and Get, which fold.
type Context map[string][]string

// Set sets key to values, replacing what was there.
func (c Context) Set(key string, values ...string) { c[strings.ToLower(key)] = values }

// Add appends values to key.
func (c Context) Add(key string, values ...string) {
	k := strings.ToLower(key)
	c[k] = append(c[k], values...)
}

// Get returns the values of key and whether the key is present.
func (c Context) Get(key string) ([]string, bool) {
	v, ok := c[lowerASCII(key)]
	return v, ok
}

// Delete removes key.
func (c Context) Delete(key string) { delete(c, strings.ToLower(key)) }

// lowerASCII lower-cases s, without allocating when s is already lower case.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
