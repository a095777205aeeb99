package orgapi

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// legacyTimestamp is apitypes.Timestamp as it was when the Organizations shapes carried json tags (removed with
// issue #12), kept for the differential tests: the timestamp members of the frozen tagged shapes.
type legacyTimestamp struct{ time.Time }

func newLegacyTimestamp(t time.Time) legacyTimestamp {
	return legacyTimestamp{t.UTC().Truncate(time.Millisecond)}
}

func (t legacyTimestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func (t *legacyTimestamp) UnmarshalJSON(b []byte) error {
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
