package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// History answers IAM's questions about past requests (iam.AccessHistory) from the trail: each is one read of the
// trail's attribute index, newest first, with a limit of one.
type History struct{}

var _ iam.AccessHistory = History{}

// historyPage bounds the events read at once when the newest ones of a service must be skipped (unauthenticated
// calls carry no principal).
const historyPage = 16

// LastAccess implements iam.AccessHistory.
func (History) LastAccess(ctx context.Context, r store.Reader, q iam.AccessQuery) (*iam.Access, error) {
	eq := store.EventQuery{Account: q.Account, From: q.Since, Limit: 1}
	switch {
	case q.AccessKeyID != "":
		eq.Attr = store.EventAttr{Name: AttrAccessKeyID, Value: q.AccessKeyID}
	case q.Principal != "" && q.Action != "":
		eq.Attr = store.EventAttr{Name: AttrPrincipalAction, Value: PrincipalAction(q.Principal, q.Service, q.Action)}
	case q.Principal != "" && q.Service != "":
		eq.Attr = store.EventAttr{Name: AttrPrincipalService, Value: PrincipalService(q.Principal, q.Service)}
	case q.Principal != "":
		eq.Attr = store.EventAttr{Name: AttrPrincipal, Value: q.Principal}
	case q.Service != "":
		// Any principal of the account: the events of the service, skipping those no principal made.
		eq.Attr = store.EventAttr{Name: AttrEventSource, Value: q.Service + ".amazonaws.com"}
		eq.Limit = historyPage
	default:
		return nil, fmt.Errorf("access history: a query names a principal, a service or an access key")
	}
	for {
		evs, err := r.Events(ctx, eq)
		if err != nil {
			return nil, fmt.Errorf("access history: %w", err)
		}
		for _, e := range evs {
			// Only what the answer needs: the rest of the record (its parameters, answer and explanation) is
			// skipped, not decoded.
			var ev struct {
				UserIdentity UserIdentity `json:"userIdentity"`
				EventSource  string       `json:"eventSource"`
				AWSRegion    string       `json:"awsRegion"`
			}
			if err := json.Unmarshal(e.Data, &ev); err != nil {
				return nil, fmt.Errorf("access history: event %s: %w", e.ID, err)
			}
			p := principalOf(&ev.UserIdentity)
			if p == "" {
				continue
			}
			return &iam.Access{Time: e.Time, Principal: p, Region: ev.AWSRegion, Service: (&Event{EventSource: ev.EventSource}).Namespace()}, nil
		}
		if len(evs) < eq.Limit {
			return nil, nil
		}
		eq.After = evs[len(evs)-1].Cursor()
	}
}
