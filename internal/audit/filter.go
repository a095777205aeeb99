package audit

import (
	"encoding/json"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// Filter selects events as "iamd events tail" does: every field that is set must match.
type Filter struct {
	Account     string // recipientAccountId: the account the event is kept in
	Username    string // LookupEvents' Username: the IAM user's name, "root", the role session's name, ...
	EventName   string
	EventSource string // "iam.amazonaws.com"
	// ErrorsOnly keeps the events that carry an errorCode or errorMessage (denials, failed sign-ins, ...).
	ErrorsOnly bool
	// Since, when not zero, keeps the events whose eventTime is not before it.
	Since time.Time
}

// Attr is the lookup attribute that the store's index answers the filter by (the most selective one it names:
// Username, EventName, then EventSource), or the zero attribute when it names none.
func (f Filter) Attr() store.EventAttr {
	switch {
	case f.Username != "":
		return store.EventAttr{Name: AttrUsername, Value: f.Username}
	case f.EventName != "":
		return store.EventAttr{Name: AttrEventName, Value: f.EventName}
	case f.EventSource != "":
		return store.EventAttr{Name: AttrEventSource, Value: f.EventSource}
	}
	return store.EventAttr{}
}

// Match reports whether a stored event passes the filter. An event whose record does not decode matches nothing.
func (f Filter) Match(e *store.Event) bool {
	if f.Account != "" && e.Account != f.Account {
		return false
	}
	if !f.Since.IsZero() && e.Time.Before(f.Since) {
		return false
	}
	var ev Event
	if json.Unmarshal(e.Data, &ev) != nil {
		return false
	}
	switch {
	case f.Username != "" && usernameOf(&ev.UserIdentity) != f.Username,
		f.EventName != "" && ev.EventName != f.EventName,
		f.EventSource != "" && ev.EventSource != f.EventSource,
		f.ErrorsOnly && ev.ErrorCode == "" && ev.ErrorMessage == "":
		return false
	}
	return true
}
