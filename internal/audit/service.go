package audit

import (
	"context"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/awsregion"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// IAM is what CloudTrail's API needs of the IAM service: to authorize the caller, to know the partition of its
// account (the trail's ARN), and its clock. *iam.Service implements it.
type IAM interface {
	Authorize(ctx context.Context, r store.Reader, c *iam.Caller, a iam.Authorization) error
	AccountPartition(ctx context.Context, r store.Reader, account string) (awsregion.Partition, error)
	// Time is the time on IAM's clock (the test clock when it is offset).
	Time() time.Time
}

var _ IAM = (*iam.Service)(nil)

// DefaultRetention is how far back LookupEvents looks when the request gives no StartTime: CloudTrail's 90 days
// of event history.
const DefaultRetention = 90 * 24 * time.Hour

// ServiceOptions configure the Service.
type ServiceOptions struct {
	// Retention is how long events are kept (--audit-retention), the default window of LookupEvents;
	// DefaultRetention when zero.
	Retention time.Duration
	// Started is when the trail began to record (the server's start), GetTrailStatus's StartLoggingTime; IAM's
	// time at New when zero.
	Started time.Time
}

// Service is CloudTrail's API over the audit trail: LookupEvents reads the caller's account's events from the
// store's index; DescribeTrails, GetTrail, GetTrailStatus, GetEventSelectors and ListTrails show the account's one
// trail (DefaultTrailName), which is always on; ListPublicKeys lists the keys that sign the trail's digests
// (DigestPublicKeys). Every call is authorized by IAM's engine as cloudtrail:<Operation>.
type Service struct {
	st   store.Store
	iam  IAM
	opts ServiceOptions
}

// NewService returns CloudTrail's API over the trail kept in st.
func NewService(st store.Store, iamSvc IAM, opts ServiceOptions) *Service {
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Started.IsZero() {
		opts.Started = iamSvc.Time()
	}
	return &Service{st: st, iam: iamSvc, opts: opts}
}

// authorize runs the IAM check of action (cloudtrail:Operation) on resource for the caller. A refusal is
// CloudTrail's AccessDeniedException (HTTP 400, as the JSON services answer it); for an action without a resource
// type (resource "*") its message names no resource, as AWS words it: "User: ARN is not authorized to perform:
// cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action".
func (s *Service) authorize(ctx context.Context, r store.Reader, c *iam.Caller, action, resource string) error {
	err := s.iam.Authorize(ctx, r, c, iam.Authorization{Action: "cloudtrail:" + action, Resource: resource})
	ae, ok := awserr.As(err)
	if !ok || ae.Code != "AccessDenied" {
		return err
	}
	msg := ae.Message
	if resource == "*" {
		msg = strings.Replace(msg, " on resource: * ", " ", 1)
	}
	return &awserr.Error{Code: "AccessDeniedException", HTTPStatus: 400, Message: msg, Cause: ae.Cause}
}
