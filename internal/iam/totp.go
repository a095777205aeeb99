package iam

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"time"
)

// Time-based one-time passwords as RFC 6238 defines them and AWS virtual MFA devices use them: HMAC-SHA1 over the
// count of 30-second steps since the Unix epoch, dynamically truncated (RFC 4226 section 5.3) to 6 decimal digits.
const (
	totpPeriod = 30 // seconds per step
	totpDigits = 6
)

// totpStep returns the RFC 6238 time step of t (T0 = 0, X = 30 seconds).
func totpStep(t time.Time) int64 {
	u := t.Unix()
	if u < 0 {
		return (u - totpPeriod + 1) / totpPeriod // floor for times before the epoch
	}
	return u / totpPeriod
}

// totpCode returns the HOTP value of key at counter step, with the given number of decimal digits (1 to 9),
// zero-padded on the left.
func totpCode(key []byte, step int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	v := bin % mod
	out := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		out[i] = byte('0' + v%10)
		v /= 10
	}
	return string(out)
}

// totpParseCode accepts exactly six ASCII digits, the only form an authentication code takes; anything else (other
// lengths, signs, spaces, non-ASCII digits) is rejected.
func totpParseCode(s string) (string, bool) {
	if len(s) != totpDigits {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// totpMatch finds the step in [center-window, center+window] whose code equals code, skipping steps at or before
// after (steps already used: a code cannot be replayed). It compares every candidate in constant time, so the time
// taken does not reveal which step matched. It returns the matched step, or false when none does or the code is
// malformed.
func totpMatch(key []byte, code string, center int64, window int, after int64) (int64, bool) {
	c, ok := totpParseCode(code)
	if !ok {
		return 0, false
	}
	var found int64
	matched := 0
	for d := -int64(window); d <= int64(window); d++ {
		step := center + d
		eq := subtle.ConstantTimeCompare([]byte(totpCode(key, step, totpDigits)), []byte(c))
		if eq == 1 && step > after && matched == 0 {
			found, matched = step, 1
		}
	}
	return found, matched == 1
}

// totpValidate checks a code at time now with a window of ±1 step (RFC 6238 section 5.2 recommends at most one step
// of network delay), refusing steps at or before after. It returns the step that matched.
func totpValidate(key []byte, code string, now time.Time, after int64) (int64, bool) {
	return totpMatch(key, code, totpStep(now), 1, after)
}

// totpMatchPair finds a step s such that code1 is the code of s and code2 the code of s+1 (two consecutive codes, as
// EnableMFADevice and ResyncMFADevice take), with both steps in [center-window, center+window] and s after after.
// It returns s+1, the step of the later code.
func totpMatchPair(key []byte, code1, code2 string, center int64, window int, after int64) (int64, bool) {
	c1, ok1 := totpParseCode(code1)
	c2, ok2 := totpParseCode(code2)
	if !ok1 || !ok2 {
		return 0, false
	}
	var found int64
	matched := 0
	for d := -int64(window); d < int64(window); d++ {
		s := center + d
		eq1 := subtle.ConstantTimeCompare([]byte(totpCode(key, s, totpDigits)), []byte(c1))
		eq2 := subtle.ConstantTimeCompare([]byte(totpCode(key, s+1, totpDigits)), []byte(c2))
		if eq1&eq2 == 1 && s > after && matched == 0 {
			found, matched = s+1, 1
		}
	}
	return found, matched == 1
}
