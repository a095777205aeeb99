package iam

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDefaultPasswordPolicy: AWS's default password policy never accepts fewer than 8 characters, fewer than three
// of the four kinds, or the account's ID or alias in any case, and every refusal has a message.
func FuzzDefaultPasswordPolicy(f *testing.F) {
	for _, seed := range []string{"", "Ab1!x", "abcdefgh12", "Horse-battery-9", "123456789012", "Example-Corp", "ÀÉÎõü12345", "        "} {
		f.Add(seed)
	}
	names := []string{"123456789012", "example-corp"}
	f.Fuzz(func(t *testing.T, pw string) {
		msg := pwpolicyCheckDefault(pw, names)
		if msg != "" {
			return
		}
		if n := utf8.RuneCountInString(pw); n < 8 || n > 128 {
			t.Fatalf("accepted %q of %d characters", pw, n)
		}
		kinds := 0
		for _, set := range []func(rune) bool{
			func(r rune) bool { return r >= 'A' && r <= 'Z' },
			func(r rune) bool { return r >= 'a' && r <= 'z' },
			func(r rune) bool { return r >= '0' && r <= '9' },
			pwpolicyIsSymbol,
		} {
			if strings.IndexFunc(pw, set) >= 0 {
				kinds++
			}
		}
		if kinds < 3 {
			t.Fatalf("accepted %q with %d kinds of characters", pw, kinds)
		}
		for _, n := range names {
			if strings.EqualFold(pw, n) {
				t.Fatalf("accepted the account's name %q", pw)
			}
		}
	})
}
