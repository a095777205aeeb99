package catalog

// Case-insensitive lookups: every index is keyed by the ASCII-lowercased name,
// and lookups lowercase the query into a stack buffer so that they do not
// allocate. IAM names are ASCII; other bytes are compared exactly.

// lower returns s with ASCII letters lowercased.
func lower(s string) string {
	if !hasUpper(s) {
		return s
	}
	return string(appendLower(make([]byte, 0, len(s)), s))
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// lookupFold looks s up in m, which must be keyed by lower(key).
func lookupFold[V any](m map[string]V, s string) (V, bool) {
	if !hasUpper(s) {
		v, ok := m[s]
		return v, ok
	}
	var buf [128]byte
	v, ok := m[string(appendLower(buf[:0], s))]
	return v, ok
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// equalFold is strings.EqualFold restricted to ASCII, which is all IAM uses.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// indexFold returns the index of the first occurrence of sub in s at or after
// from, ignoring ASCII case, or -1.
func indexFold(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if equalFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
