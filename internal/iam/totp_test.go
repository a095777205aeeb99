package iam

import (
	"strings"
	"testing"
	"time"
)

// RFC 6238 Appendix B, SHA-1 column: the 20-byte ASCII seed "12345678901234567890".
var totpRFCVectors = []struct {
	unix  int64
	step  int64
	code8 string
}{
	{59, 0x1, "94287082"},
	{1111111109, 0x23523EC, "07081804"},
	{1111111111, 0x23523ED, "14050471"},
	{1234567890, 0x273EF07, "89005924"},
	{2000000000, 0x3F940AA, "69279037"},
	{20000000000, 0x27BC86AA, "65353130"},
}

var totpRFCKey = []byte("12345678901234567890")

func TestTOTPMatchesRFC6238Vectors(t *testing.T) {
	for _, v := range totpRFCVectors {
		t.Run(time.Unix(v.unix, 0).UTC().Format(time.RFC3339), func(t *testing.T) {
			step := totpStep(time.Unix(v.unix, 0))
			if step != v.step {
				t.Fatalf("step = %#x, want %#x", step, v.step)
			}
			if got := totpCode(totpRFCKey, step, 8); got != v.code8 {
				t.Errorf("8-digit code = %s, want %s", got, v.code8)
			}
			// Six digits are the same value modulo 10^6: the last six digits of the eight.
			if got, want := totpCode(totpRFCKey, step, 6), v.code8[2:]; got != want {
				t.Errorf("6-digit code = %s, want %s", got, want)
			}
		})
	}
}

func TestTOTPParseCodeAcceptsOnlySixASCIIDigits(t *testing.T) {
	cases := []struct {
		name, in string
		ok       bool
	}{
		{"six digits", "287082", true},
		{"leading zeros", "000000", true},
		{"five digits", "28708", false},
		{"seven digits", "2870820", false},
		{"empty", "", false},
		{"sign", "+87082", false},
		{"space", " 87082", false},
		{"trailing newline", "28708\n", false},
		{"letter", "28708a", false},
		{"arabic-indic digits", "٢٨٧٠٨٢", false},
		{"fullwidth digit", "28708２", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := totpParseCode(c.in); ok != c.ok {
				t.Errorf("totpParseCode(%q) ok = %v, want %v", c.in, ok, c.ok)
			}
		})
	}
}

func TestTOTPValidateAcceptsOneStepEitherSideAndRefusesReplay(t *testing.T) {
	now := time.Unix(1111111111, 0)
	cur := totpStep(now)
	cases := []struct {
		name   string
		step   int64
		after  int64
		wantOK bool
	}{
		{"current step", cur, 0, true},
		{"previous step", cur - 1, 0, true},
		{"next step", cur + 1, 0, true},
		{"two steps old", cur - 2, 0, false},
		{"two steps ahead", cur + 2, 0, false},
		{"already used step", cur, cur, false},
		{"step before the last used", cur - 1, cur, false},
		{"step after the last used", cur + 1, cur, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := totpCode(totpRFCKey, c.step, totpDigits)
			step, ok := totpValidate(totpRFCKey, code, now, c.after)
			if ok != c.wantOK {
				t.Fatalf("ok = %v, want %v", ok, c.wantOK)
			}
			if ok && step != c.step {
				t.Errorf("matched step %d, want %d", step, c.step)
			}
		})
	}
}

func TestTOTPMatchPairNeedsConsecutiveCodes(t *testing.T) {
	now := totpStep(time.Unix(1234567890, 0))
	code := func(s int64) string { return totpCode(totpRFCKey, s, totpDigits) }
	cases := []struct {
		name         string
		code1, code2 string
		window       int
		wantStep     int64
		wantOK       bool
	}{
		{"previous and current", code(now - 1), code(now), 2, now, true},
		{"current and next", code(now), code(now + 1), 2, now + 1, true},
		{"swapped", code(now), code(now - 1), 2, 0, false},
		{"same code twice", code(now), code(now), 2, 0, false},
		{"a step apart", code(now - 1), code(now + 1), 2, 0, false},
		{"outside the window", code(now - 5), code(now - 4), 2, 0, false},
		{"inside a resync window", code(now - 5), code(now - 4), 20, now - 4, true},
		{"malformed", "12345", code(now), 2, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step, ok := totpMatchPair(totpRFCKey, c.code1, c.code2, now, c.window, 0)
			if ok != c.wantOK || step != c.wantStep {
				t.Errorf("got (%d, %v), want (%d, %v)", step, ok, c.wantStep, c.wantOK)
			}
		})
	}
}

func TestMFAOTPAuthURINamesDeviceAndAccount(t *testing.T) {
	got := mfaOTPAuthURI("alice", "123456789012", "ABC")
	if want := "otpauth://totp/alice@123456789012?secret=ABC"; got != want {
		t.Errorf("uri = %s, want %s", got, want)
	}
	if got := mfaOTPAuthURI("a b", "my-alias", "ABC"); !strings.HasPrefix(got, "otpauth://totp/a%20b@my-alias?") {
		t.Errorf("uri = %s, want the label path-escaped", got)
	}
}

// FuzzTOTPValidate checks that parsing accepts only six ASCII digits and that validation accepts a code only when it
// is the code of a step within one of now and after the last used step.
func FuzzTOTPValidate(f *testing.F) {
	for _, v := range totpRFCVectors {
		f.Add(v.code8[2:], v.unix, int64(0))
		f.Add(v.code8, v.unix, v.step)
	}
	f.Add("", int64(0), int64(0))
	f.Add("٢٨٧٠٨٢", int64(59), int64(0))
	f.Add("-00001", int64(-1), int64(-5))
	f.Fuzz(func(t *testing.T, code string, unix, after int64) {
		if unix < -1<<40 || unix > 1<<40 {
			return
		}
		c, ok := totpParseCode(code)
		if ok {
			if len(c) != 6 || strings.Trim(c, "0123456789") != "" {
				t.Fatalf("totpParseCode accepted %q", code)
			}
		}
		now := time.Unix(unix, 0)
		step, valid := totpValidate(totpRFCKey, code, now, after)
		if !valid {
			return
		}
		if !ok {
			t.Fatalf("validated malformed code %q", code)
		}
		if d := step - totpStep(now); d < -1 || d > 1 {
			t.Fatalf("matched step %d, %d from now", step, d)
		}
		if step <= after {
			t.Fatalf("matched step %d at or before the last used %d", step, after)
		}
		if totpCode(totpRFCKey, step, 6) != code {
			t.Fatalf("step %d's code is not %q", step, code)
		}
	})
}
