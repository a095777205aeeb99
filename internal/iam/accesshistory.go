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

// keyLastUse is an access key's last use: the newer of the use stamped on the key (RecordKeyUse writes it at most
// every keyUseInterval) and the history's newest request signed with the key, so that GetAccessKeyLastUsed and the
// credential report agree with the trail to the second, and keep the stamp once the trail's events are pruned.
func (s *Service) keyLastUse(ctx context.Context, r store.Reader, acct, id string, date *time.Time, service, region string) (*time.Time, string, string, error) {
	a, err := s.lastAccess(ctx, r, AccessQuery{Account: acct, AccessKeyID: id})
	if err != nil {
		return nil, "", "", err
	}
	if a != nil {
		t := a.Time.UTC().Truncate(time.Second)
		if date == nil || !t.Before(*date) {
			return &t, a.Service, a.Region, nil
		}
	}
	return date, service, region, nil
}

// roleLastUse is a role's RoleLastUsed: the newer of the use stamped on the role when it is assumed and the
// history's newest request of its sessions within the tracking period (and since the role was created: an older
// role of the same name is another role).
func (s *Service) roleLastUse(ctx context.Context, r store.Reader, acct string, ro *Role) (*RoleLastUsed, error) {
	since := s.Now().Add(-TrackingPeriod)
	if ro.CreateDate.After(since) {
		since = ro.CreateDate
	}
	a, err := s.lastAccess(ctx, r, AccessQuery{Account: acct, Principal: ro.ARN, Since: since})
	if err != nil {
		return nil, err
	}
	if a != nil {
		t := a.Time.UTC().Truncate(time.Second)
		if ro.LastUsed == nil || !t.Before(ro.LastUsed.Date) {
			return &RoleLastUsed{Date: t, Region: a.Region}, nil
		}
	}
	return ro.LastUsed, nil
}

// withLastUse is a copy of ro whose LastUsed is roleLastUse's.
func (s *Service) withLastUse(ctx context.Context, r store.Reader, acct string, ro *Role) (*Role, error) {
	lu, err := s.roleLastUse(ctx, r, acct, ro)
	if err != nil {
		return nil, err
	}
	cp := *ro
	cp.LastUsed = lu
	return &cp, nil
}
