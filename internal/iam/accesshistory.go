package iam

import (
	"context"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// AccessHistory tells when principals last used services, actions and access keys. iamd's audit trail implements
// it (internal/audit's History, which reads the trail's indexed events); IAM cannot import the trail, which imports
// IAM, and the trail's record format is the trail's business, so IAM asks its questions through this interface.
type AccessHistory interface {
	// LastAccess returns the newest recorded request that matches q, made at or after q.Since, or nil when there
	// is none. It reads through r, the transaction the operation runs in.
	LastAccess(ctx context.Context, r store.Reader, q AccessQuery) (*Access, error)
}

// AccessQuery selects recorded requests of one account.
type AccessQuery struct {
	Account string
	// Principal is the IAM entity whose permissions the requests used: a user's ARN, a role's ARN (for its
	// sessions' requests) or the account's root ARN. Empty: any authenticated principal of the account.
	Principal string
	// Service is a service namespace ("s3"); Action, with Service, an action's name ("GetObject"). Both empty:
	// any request of Principal.
	Service, Action string
	// AccessKeyID, when set, selects the requests signed with this access key (Principal, Service and Action are
	// then ignored).
	AccessKeyID string
	// Since bounds the requests' time from below (the tracking period).
	Since time.Time
}

// Access is one recorded request, as last-accessed data reports it.
type Access struct {
	Time      time.Time
	Principal string // the IAM entity ARN whose permissions the request used
	Region    string
	Service   string // the service namespace
}

// TrackingPeriod is how far back IAM reports service and action last accessed data (IAM User Guide, "Refining
// permissions in AWS using last accessed information": "IAM reports activity for at least the last 400 days").
const TrackingPeriod = 400 * 24 * time.Hour

// lastAccess asks the service's history; with none, nothing was recorded.
func (s *Service) lastAccess(ctx context.Context, r store.Reader, q AccessQuery) (*Access, error) {
	if s.history == nil {
		return nil, nil
	}
	return s.history.LastAccess(ctx, r, q)
}
