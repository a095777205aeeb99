package sqlite

import (
	"bytes"
	"testing"

	"github.com/iamd-dev/iamd/internal/store"
)

// FuzzDecodeAttrs: any bytes decode to attributes or an error, never a panic, and what decodes encodes back to the
// same bytes.
func FuzzDecodeAttrs(f *testing.F) {
	f.Add(encodeAttrs([]store.EventAttr{{Name: "Username", Value: "alice"}, {Name: "AccessKeyId", Value: "AKIA1", Latest: true}}))
	f.Add(encodeAttrs([]store.EventAttr{{Name: "", Value: ""}, {Name: "x:y", Value: "12:3\x00é"}}))
	f.Add([]byte("05:Alice"))
	f.Add([]byte("199999999999:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, err := decodeAttrs(b)
		if err != nil {
			return
		}
		if again := encodeAttrs(attrs); !bytes.Equal(again, b) && len(attrs) > 0 {
			// Leading zeros in a length decode but encode without them: decode again to compare.
			back, err := decodeAttrs(again)
			if err != nil || len(back) != len(attrs) {
				t.Fatalf("%q: re-encoded %q decodes to %v, %v", b, again, back, err)
			}
		}
	})
}

// TestInsertEventIsTheOneRowInsert: a change's event and a batch of one share one prepared statement.
func TestInsertEventIsTheOneRowInsert(t *testing.T) {
	if want := "INSERT INTO events (account, id, time, attrs, data) VALUES " + rows(1, 5); insertEvent != want {
		t.Fatalf("insertEvent = %q, want %q", insertEvent, want)
	}
}
