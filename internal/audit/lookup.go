package audit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// LookupEvents limits (CloudTrail API reference, LookupEvents: "The default number of results returned is 50,
// with a maximum of 50 possible").
const (
	DefaultMaxResults = 50
	MaxMaxResults     = 50
)

// lookupKeys are the attribute keys LookupEvents accepts, each the name the store indexes the attribute under.
var lookupKeys = map[cttypes.LookupAttributeKey]string{
	cttypes.LookupAttributeKeyEventId:      AttrEventID,
	cttypes.LookupAttributeKeyEventName:    AttrEventName,
	cttypes.LookupAttributeKeyReadOnly:     AttrReadOnly,
	cttypes.LookupAttributeKeyUsername:     AttrUsername,
	cttypes.LookupAttributeKeyResourceType: AttrResourceType,
	cttypes.LookupAttributeKeyResourceName: AttrResourceName,
	cttypes.LookupAttributeKeyEventSource:  AttrEventSource,
	cttypes.LookupAttributeKeyAccessKeyId:  AttrAccessKeyID,
}

// LookupEvents returns the events of the caller's account that match the request, newest first, from the store's
// index (never a scan), a page of at most MaxResults (default 50) with a NextToken when more follow.
//
//   - LookupAttributes: at most one; its key is one of CloudTrail's eight and its value 1 to 2000 characters
//     (ReadOnly: true or false); otherwise InvalidLookupAttributesException. Values compare exactly.
//   - StartTime and EndTime are inclusive, to the second as eventTime is written: EndTime 12:00:00 includes an
//     event of 12:00:00.7. EndTime defaults to now, StartTime to Retention (90 days) before EndTime or now,
//     whichever is earlier. StartTime after EndTime is InvalidTimeRangeException.
//   - EventCategory insight answers no events: iamd records no Insights events.
//   - NextToken is opaque: the place of the page's last event and a hash of the request's other parameters
//     (not MaxResults), so a token altered, or used with another account's or another query's parameters, is
//     InvalidNextTokenException.
func (s *Service) LookupEvents(ctx context.Context, c *iam.Caller, in *cttypes.LookupEventsRequest) (*cttypes.LookupEventsResponse, error) {
	var attr store.EventAttr
	switch len(in.LookupAttributes) {
	case 0:
	case 1:
		a := in.LookupAttributes[0]
		name, ok := lookupKeys[a.AttributeKey]
		switch {
		case !ok:
			return nil, errInvalidLookupAttributes("Lookup attribute key " + strconv.Quote(string(a.AttributeKey)) + " is not valid; " +
				"valid keys are EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.")
		case a.AttributeValue == "" || len([]rune(a.AttributeValue)) > 2000:
			return nil, errInvalidLookupAttributes("The value of lookup attribute " + string(a.AttributeKey) + " must be 1 to 2000 characters long.")
		case name == AttrReadOnly && a.AttributeValue != "true" && a.AttributeValue != "false":
			return nil, errInvalidLookupAttributes("The value of lookup attribute ReadOnly must be true or false.")
		}
		attr = store.EventAttr{Name: name, Value: a.AttributeValue}
	default:
		return nil, errInvalidLookupAttributes("Currently the list of lookup attributes can contain only one item.")
	}
	limit := DefaultMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > MaxMaxResults {
			return nil, errInvalidMaxResults()
		}
		limit = int(*in.MaxResults)
	}
	if in.StartTime != nil && in.EndTime != nil && in.StartTime.After(*in.EndTime) {
		return nil, errInvalidTimeRange()
	}
	insight := false
	if in.EventCategory != nil {
		if *in.EventCategory != cttypes.EventCategoryInsight {
			return nil, errInvalidEventCategory()
		}
		insight = true
	}
	account := c.Account()
	bind := queryBinding(account, attr, in)
	var after store.EventCursor
	if in.NextToken != nil {
		cur, err := parseToken(*in.NextToken, bind)
		if err != nil {
			return nil, err
		}
		after = cur
	}
	now := s.iam.Time()
	to := now
	if in.EndTime != nil {
		to = *in.EndTime
	}
	from := minTime(to, now).Add(-s.opts.Retention)
	if in.StartTime != nil {
		from = *in.StartTime
	}

	from = from.Truncate(time.Second)
	to = to.Truncate(time.Second).Add(time.Second - 1)
	out := &cttypes.LookupEventsResponse{Events: []cttypes.Event{}}
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.authorize(ctx, r, c, "LookupEvents", "*"); err != nil {
			return err
		}
		if insight || from.After(to) {
			return nil
		}
		q := store.EventQuery{Account: account, Attr: attr, From: from, To: to, After: after, Limit: limit + 1}
		if attr.Name == AttrEventID {
			// The store finds an event by its ID; events carry no EventId attribute (one per event would be an index
			// row per event).
			q.Attr, q.ID = store.EventAttr{}, attr.Value
		}
		events, err := r.Events(ctx, q)
		if err != nil {
			return fmt.Errorf("lookup events: %w", err)
		}
		more := len(events) > limit
		if more {
			events = events[:limit]
		}
		for _, e := range events {
			ev, err := lookupEvent(e)
			if err != nil {
				return err
			}
			out.Events = append(out.Events, ev)
		}
		if more {
			tok := formatToken(events[len(events)-1].Cursor(), bind)
			out.NextToken = &tok
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lookupEvent is the answer's view of a stored event: its record's lookup fields, and the record itself as
// CloudTrailEvent.
func lookupEvent(e *store.Event) (cttypes.Event, error) {
	var rec Event
	if err := json.Unmarshal(e.Data, &rec); err != nil {
		return cttypes.Event{}, fmt.Errorf("lookup events: event %s: %w", e.ID, err)
	}
	id, t, data := e.ID, e.Time.UTC().Truncate(time.Second), string(e.Data)
	ev := cttypes.Event{EventId: &id, EventName: nonEmpty(rec.EventName), ReadOnly: ptr(strconv.FormatBool(rec.ReadOnly)),
		AccessKeyId: nonEmpty(rec.UserIdentity.AccessKeyID), EventTime: &t, EventSource: nonEmpty(rec.EventSource),
		Resources: []cttypes.Resource{}, CloudTrailEvent: &data}
	ev.Username = nonEmpty(usernameOf(&rec.UserIdentity))
	for _, r := range LookupResources(&rec) {
		ev.Resources = append(ev.Resources, cttypes.Resource{ResourceType: nonEmpty(r.Type), ResourceName: nonEmpty(r.Name)})
	}
	return ev, nil
}

// Tokens: base64url of a version byte, the cursor (Time in Unix nanoseconds, Seq) and the first bytes of the
// query's binding.
const (
	tokenVersion = 1
	bindingLen   = 8
	tokenLen     = 1 + 8 + 8 + bindingLen
)

type binding [bindingLen]byte

// queryBinding hashes what a NextToken must be used with again: the account and the request's parameters but
// MaxResults (a client may change its page size), as given (the default window moves with the clock).
func queryBinding(account string, attr store.EventAttr, in *cttypes.LookupEventsRequest) binding {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	timeField := func(t *time.Time) {
		if t == nil {
			field("")
			return
		}
		field(strconv.FormatInt(t.UnixNano(), 10))
	}
	field("iamd LookupEvents token")
	field(account)
	field(attr.Name)
	field(attr.Value)
	timeField(in.StartTime)
	timeField(in.EndTime)
	if in.EventCategory != nil {
		field(string(*in.EventCategory))
	} else {
		field("")
	}
	var b binding
	copy(b[:], h.Sum(nil))
	return b
}

func formatToken(c store.EventCursor, b binding) string {
	var raw [tokenLen]byte
	raw[0] = tokenVersion
	binary.BigEndian.PutUint64(raw[1:9], uint64(c.Time.UnixNano()))
	binary.BigEndian.PutUint64(raw[9:17], uint64(c.Seq))
	copy(raw[17:], b[:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// parseToken reads a NextToken made by formatToken for a query with binding b.
func parseToken(tok string, b binding) (store.EventCursor, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	if err != nil || len(raw) != tokenLen || raw[0] != tokenVersion || binding(raw[17:]) != b {
		return store.EventCursor{}, errInvalidNextToken()
	}
	seq := int64(binary.BigEndian.Uint64(raw[9:17]))
	if seq < 0 {
		return store.EventCursor{}, errInvalidNextToken()
	}
	return store.EventCursor{Time: time.Unix(0, int64(binary.BigEndian.Uint64(raw[1:9]))).UTC(), Seq: seq}, nil
}

func ptr[T any](v T) *T { return &v }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
