package apitypes

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Timestamp is a timestamp member of an AWS JSON protocol shape. The protocol writes timestamps as epoch seconds,
// a JSON number with up to millisecond precision (1732541234.123); on input it also accepts an ISO 8601 string,
// as SDKs may send one.
type Timestamp struct{ time.Time }

// NewTimestamp returns t as a Timestamp, truncated to milliseconds in UTC.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t.UTC().Truncate(time.Millisecond)} }

// MarshalJSON writes epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads epoch seconds or an ISO 8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := strconv.Unquote(string(b))
		if err != nil {
			return fmt.Errorf("timestamp %s: %w", b, err)
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp %q is not ISO 8601: %w", s, err)
		}
		t.Time = v.UTC()
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 {
		return fmt.Errorf("timestamp %s is not epoch seconds", b)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
	return nil
}
