package audit

import (
	"testing"
	"time"

	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	"github.com/iamd-dev/iamd/internal/store"
)

// FuzzParseToken: a NextToken from the client never panics the parser; one it accepts is bound to the query and
// reads back to the same token (the parser accepts only what formatToken writes).
func FuzzParseToken(f *testing.F) {
	in := &cttypes.LookupEventsRequest{}
	b := queryBinding("111111111111", store.EventAttr{Name: AttrUsername, Value: "alice"}, in)
	for _, c := range []store.EventCursor{{Time: time.Unix(1767225600, 5).UTC(), Seq: 42}, {Time: time.Unix(0, 0).UTC(), Seq: 0}} {
		f.Add(formatToken(c, b))
	}
	f.Add("")
	f.Add("AAAA")
	f.Add("not a token!")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := parseToken(tok, b)
		if err != nil {
			return
		}
		if again := formatToken(c, b); again != tok {
			t.Fatalf("accepted %q, which reads back as %q", tok, again)
		}
	})
}
