package audit

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	cttypes "github.com/iamd-dev/iamd/internal/apitypes/cloudtrail"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// DefaultTrailName is the name of the one trail every account has: iamd records every call of every account, so
// the trail is always logging, in every Region, global service events included, with log file validation (the
// digests of `iamd events export`).
const DefaultTrailName = "iamd"

// trailView is the account's trail as DescribeTrails and GetTrailStatus show it.
type trailView struct {
	name, arn, homeRegion string
}

// accountTrail returns the trail of account: its home Region is the partition's first (the Region of IAM's
// global endpoint: us-east-1, cn-north-1, us-gov-west-1).
func (s *Service) accountTrail(ctx context.Context, r store.Reader, account string) (trailView, error) {
	p, err := s.iam.AccountPartition(ctx, r, account)
	if err != nil {
		return trailView{}, fmt.Errorf("trail of %s: %w", account, err)
	}
	home := p.IAMRegion()
	return trailView{name: DefaultTrailName, arn: p.ARN("cloudtrail", home, account, "trail/"+DefaultTrailName), homeRegion: home}, nil
}

func (t trailView) describe() cttypes.Trail {
	return cttypes.Trail{Name: ptr(t.name), IncludeGlobalServiceEvents: ptr(true), IsMultiRegionTrail: ptr(true),
		HomeRegion: ptr(t.homeRegion), TrailARN: ptr(t.arn), LogFileValidationEnabled: ptr(true),
		HasCustomEventSelectors: ptr(false), HasInsightSelectors: ptr(false), IsOrganizationTrail: ptr(false)}
}

// matches reports whether a trail name or ARN given by the caller names t; a name or ARN that is not well formed
// is CloudTrail's InvalidTrailNameException or CloudTrailARNInvalidException.
func (t trailView) matches(nameOrARN string) (bool, error) {
	if strings.HasPrefix(nameOrARN, "arn:") {
		a, err := arn.Parse(nameOrARN)
		if err != nil || a.Service != "cloudtrail" || a.Region == "" || a.Account == "" || !strings.HasPrefix(a.Resource, "trail/") ||
			checkTrailName(strings.TrimPrefix(a.Resource, "trail/")) != nil {
			return false, errTrailARNInvalid(nameOrARN)
		}
		return nameOrARN == t.arn, nil
	}
	if err := checkTrailName(nameOrARN); err != nil {
		return false, err
	}
	return nameOrARN == t.name, nil
}

// checkTrailName applies CloudTrail's rules for trail names (API reference, InvalidTrailNameException): ASCII
// letters, digits, periods, underscores and dashes; starts and ends with a letter or digit; 3 to 128 characters;
// no two periods, underscores or dashes in a row; not an IP address.
func checkTrailName(name string) error {
	if n := len(name); n < 3 || n > 128 {
		return errInvalidTrailName(fmt.Sprintf("Trail name %q is not valid: a trail name is between 3 and 128 characters long.", name))
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return errInvalidTrailName(fmt.Sprintf("Trail name %q is not valid: a trail name starts and ends with a letter or number.", name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if alnum(c) {
			continue
		}
		if c != '.' && c != '_' && c != '-' {
			return errInvalidTrailName(fmt.Sprintf("Trail name %q is not valid: a trail name contains only ASCII letters, numbers, periods, underscores and dashes.", name))
		}
		if !alnum(name[i+1]) {
			return errInvalidTrailName(fmt.Sprintf("Trail name %q is not valid: a trail name has no adjacent periods, underscores or dashes.", name))
		}
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return errInvalidTrailName(fmt.Sprintf("Trail name %q is not valid: a trail name is not in IP address format.", name))
	}
	return nil
}

// DescribeTrails describes the account's trail when trailNameList is empty or names it (by name or ARN); names of
// other trails are left out, as CloudTrail leaves out trails it does not find. Outside the trail's home Region the
// trail is a shadow trail, left out when IncludeShadowTrails is false. Authorized as cloudtrail:DescribeTrails on
// "*" (the action has no resource type).
func (s *Service) DescribeTrails(ctx context.Context, c *iam.Caller, in *cttypes.DescribeTrailsRequest) (*cttypes.DescribeTrailsResponse, error) {
	out := &cttypes.DescribeTrailsResponse{TrailList: []cttypes.Trail{}}
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.authorize(ctx, r, c, "DescribeTrails", "*"); err != nil {
			return err
		}
		t, err := s.accountTrail(ctx, r, c.Account())
		if err != nil {
			return err
		}
		found := len(in.TrailNameList) == 0
		for _, n := range in.TrailNameList {
			ok, err := t.matches(n)
			if err != nil {
				return err
			}
			found = found || ok
		}
		shadow := c.Region != "" && c.Region != t.homeRegion
		if found && !(shadow && in.IncludeShadowTrails != nil && !*in.IncludeShadowTrails) {
			out.TrailList = append(out.TrailList, t.describe())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTrails lists the account's trail. Authorized as cloudtrail:ListTrails on "*".
func (s *Service) ListTrails(ctx context.Context, c *iam.Caller, in *cttypes.ListTrailsRequest) (*cttypes.ListTrailsResponse, error) {
	var out *cttypes.ListTrailsResponse
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.authorize(ctx, r, c, "ListTrails", "*"); err != nil {
			return err
		}
		t, err := s.accountTrail(ctx, r, c.Account())
		if err != nil {
			return err
		}
		out = &cttypes.ListTrailsResponse{Trails: []cttypes.TrailInfo{{TrailARN: ptr(t.arn), Name: ptr(t.name), HomeRegion: ptr(t.homeRegion)}}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// namedTrail returns the account's trail when name (a name or an ARN) names it, once the caller is authorized for
// action on the trail's ARN (or on the ARN given, for another trail). A name or ARN that is not well formed is
// CloudTrail's InvalidTrailNameException or CloudTrailARNInvalidException; another trail is TrailNotFoundException.
func (s *Service) namedTrail(ctx context.Context, r store.Reader, c *iam.Caller, action, name string) (trailView, error) {
	account := c.Account()
	t, err := s.accountTrail(ctx, r, account)
	if err != nil {
		return trailView{}, err
	}
	ok, err := t.matches(name)
	if err != nil {
		return trailView{}, err
	}
	resource := t.arn
	if !ok && strings.HasPrefix(name, "arn:") {
		resource = name
	}
	if err := s.authorize(ctx, r, c, action, resource); err != nil {
		return trailView{}, err
	}
	if !ok {
		return trailView{}, errTrailNotFound(name, account)
	}
	return t, nil
}

// GetTrail describes the account's trail, named by name or ARN, as DescribeTrails does. Another trail is
// TrailNotFoundException. Authorized as cloudtrail:GetTrail on the trail's ARN.
func (s *Service) GetTrail(ctx context.Context, c *iam.Caller, in *cttypes.GetTrailRequest) (*cttypes.GetTrailResponse, error) {
	var out *cttypes.GetTrailResponse
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		t, err := s.namedTrail(ctx, r, c, "GetTrail", in.Name)
		if err != nil {
			return err
		}
		d := t.describe()
		out = &cttypes.GetTrailResponse{Trail: &d}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetEventSelectors answers for the account's trail, named by name or ARN, with the event selector of a trail
// created without any (the CloudTrail API reference, EventSelector): every read and write management event, no
// event source excluded, no data resources. It is what the checks of "a multi-Region trail that logs read and write
// management events" (CIS AWS Foundations 3.1, Security Hub CloudTrail.1) look for. The decision API's data events,
// which iamd records besides, are of the caller's own services, for which CloudTrail has no data resource type.
// Another trail is TrailNotFoundException. Authorized as cloudtrail:GetEventSelectors on the trail's ARN.
func (s *Service) GetEventSelectors(ctx context.Context, c *iam.Caller, in *cttypes.GetEventSelectorsRequest) (*cttypes.GetEventSelectorsResponse, error) {
	var out *cttypes.GetEventSelectorsResponse
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		t, err := s.namedTrail(ctx, r, c, "GetEventSelectors", in.TrailName)
		if err != nil {
			return err
		}
		all := cttypes.ReadWriteTypeAll
		out = &cttypes.GetEventSelectorsResponse{TrailARN: ptr(t.arn), EventSelectors: []cttypes.EventSelector{{ReadWriteType: &all,
			IncludeManagementEvents: ptr(true), DataResources: []cttypes.DataResource{}, ExcludeManagementEventSources: []string{}}}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetTrailStatus answers for the account's trail, named by name or ARN: it is logging since the trail began to
// record (ServiceOptions.Started), and its latest delivery is the account's newest event. Another trail is
// TrailNotFoundException. Authorized as cloudtrail:GetTrailStatus on the trail's ARN.
func (s *Service) GetTrailStatus(ctx context.Context, c *iam.Caller, in *cttypes.GetTrailStatusRequest) (*cttypes.GetTrailStatusResponse, error) {
	var out *cttypes.GetTrailStatusResponse
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		account := c.Account()
		if _, err := s.namedTrail(ctx, r, c, "GetTrailStatus", in.Name); err != nil {
			return err
		}
		started := s.opts.Started.UTC().Truncate(time.Second)
		out = &cttypes.GetTrailStatusResponse{IsLogging: ptr(true), StartLoggingTime: &started,
			TimeLoggingStarted: ptr(started.Format(TimeFormat))}
		newest, err := r.Events(ctx, store.EventQuery{Account: account, Limit: 1})
		if err != nil {
			return fmt.Errorf("trail status: %w", err)
		}
		if len(newest) == 1 {
			last := newest[0].Time.UTC().Truncate(time.Second)
			out.LatestDeliveryTime = &last
			out.LatestDeliveryAttemptTime = ptr(last.Format(TimeFormat))
			out.LatestDeliveryAttemptSucceeded = ptr(last.Format(TimeFormat))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPublicKeys lists the digest signing keys (DigestPublicKeys: none until the first export made one) valid at
// some time in [StartTime, EndTime], both defaulting to now: with neither, the key that signs now. StartTime after
// EndTime is InvalidTimeRangeException. Authorized as cloudtrail:ListPublicKeys on "*".
func (s *Service) ListPublicKeys(ctx context.Context, c *iam.Caller, in *cttypes.ListPublicKeysRequest) (*cttypes.ListPublicKeysResponse, error) {
	now := s.iam.Time()
	from, to := now, now
	if in.StartTime != nil {
		from = *in.StartTime
	}
	if in.EndTime != nil {
		to = *in.EndTime
	}
	if from.After(to) {
		return nil, errInvalidTimeRange()
	}
	var out *cttypes.ListPublicKeysResponse
	err := s.st.View(ctx, func(ctx context.Context, r store.Reader) error {
		if err := s.authorize(ctx, r, c, "ListPublicKeys", "*"); err != nil {
			return err
		}
		keys, err := DigestPublicKeys(ctx, r)
		if err != nil {
			return fmt.Errorf("list public keys: %w", err)
		}
		out = &cttypes.ListPublicKeysResponse{PublicKeyList: publicKeysValidIn(keys, from, to)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// publicKeysValidIn are the keys valid at some time in [from, to], as ListPublicKeys lists them; a key that still
// signs (no ValidityEndTime) is valid from its start on.
func publicKeysValidIn(keys []DigestPublicKey, from, to time.Time) []cttypes.PublicKey {
	out := []cttypes.PublicKey{}
	for _, k := range keys {
		if k.ValidityStartTime.After(to) || !k.ValidityEndTime.IsZero() && k.ValidityEndTime.Before(from) {
			continue
		}
		pk := cttypes.PublicKey{Value: k.Value, Fingerprint: ptr(k.Fingerprint), ValidityStartTime: ptr(k.ValidityStartTime.UTC())}
		if !k.ValidityEndTime.IsZero() {
			pk.ValidityEndTime = ptr(k.ValidityEndTime.UTC())
		}
		out = append(out, pk)
	}
	return out
}
