package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/iamd-dev/iamd/arn"
	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/store"
)

// maxSessionsByARN bounds the session records (live, or expired and kept for sessionRetention) that one
// assumed-role ARN is decided over; beyond it the ARN form is refused and the caller must ask by accessKeyId.
const maxSessionsByARN = 100

// sessionTarget is one live session an assumed-role ARN names.
type sessionTarget struct {
	caller  *Caller
	expires time.Time
	// roleGone is set for a session whose role was deleted (and a role of the same name created since): such a
	// session can be allowed nothing.
	roleGone bool
}

// decideSessionsByARN decides a request for an assumed-role ARN. A role session's permissions are its role's
// narrowed by its session policies, with its session tags, source identity and MFA facts as condition keys: iamd
// knows them only for the sessions it issued. So each live (unexpired) session with exactly that ARN is decided,
// and the answer is the most restrictive of theirs (an explicit deny before an implicit deny before an allow),
// naming the session that gave it. With no live session the answer is implicitDeny: the session's policies, tags
// and source identity are facts iamd does not have, and the role's permissions without them could allow what the
// session may not do.
func (s *Service) decideSessionsByARN(ctx context.Context, r store.Reader, in *DecisionRequest, rp *authz.Attached, mustAllow bool, now time.Time) (*DecisionResult, error) {
	// The role must exist (NoSuchEntity otherwise), as for a role ARN.
	if _, err := s.principalByARN(ctx, r, in.Principal); err != nil {
		return nil, err
	}
	targets, err := s.liveSessionsByARN(ctx, r, in.Principal, now)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		// iamd's wording: AWS has no API that decides for a session by its ARN.
		return &DecisionResult{Decision: authz.ImplicitDeny,
			Reason: "because no live session has this assumed-role ARN (ask by accessKeyId to decide for one session)"}, nil
	}
	var best *DecisionResult
	var bestTarget sessionTarget
	for _, t := range targets {
		var res *DecisionResult
		if t.roleGone {
			res = &DecisionResult{Decision: authz.ImplicitDeny, Reason: "because the role of the session was deleted"}
		} else {
			t.caller.Time = now
			if res, err = s.decideFor(ctx, r, t.caller, in, rp, mustAllow); err != nil {
				return nil, err
			}
		}
		if best == nil || restrictiveness(res.Decision) > restrictiveness(best.Decision) {
			best, bestTarget = res, t
		}
		if best.Decision == authz.ExplicitDeny {
			break // nothing is more restrictive
		}
	}
	best.Session = &DecisionSession{AccessKeyID: bestTarget.caller.AccessKeyID, Expires: bestTarget.expires, LiveSessions: len(targets)}
	return best, nil
}

// restrictiveness orders decisions: allowed < implicitDeny < explicitDeny.
func restrictiveness(r authz.Result) int {
	switch r {
	case authz.Allowed:
		return 0
	case authz.ImplicitDeny:
		return 1
	}
	return 2
}

// liveSessionsByARN returns the unexpired role sessions whose ARN is exactly principalARN, in access key ID order,
// each as the caller authentication would make of it (lookupSession), without opening its secrets. It reads them
// through the store's index on ARNs.
func (s *Service) liveSessionsByARN(ctx context.Context, r store.Reader, principalARN string, now time.Time) ([]sessionTarget, error) {
	a, err := arn.Parse(principalARN)
	if err != nil {
		return nil, invalidParameter("The principal %s is not a valid ARN.", principalARN)
	}
	page, err := r.List(ctx, store.ListQuery{Account: a.Account, Kind: KindSession, ARN: principalARN, Limit: maxSessionsByARN})
	if err != nil {
		return nil, err
	}
	if page.Next != "" {
		// iamd's wording: a limit of iamd's own.
		return nil, invalidParameter("More than %d sessions have the ARN %s; name the session by its accessKeyId instead.", maxSessionsByARN, principalARN)
	}
	roleName := strings.Split(a.Resource, "/")[1] // checked by principalByARN
	re, err := r.Get(ctx, a.Account, KindRole, roleName)
	if err != nil {
		return nil, err // checked by principalByARN: the role exists
	}
	ro, err := decode[Role](re)
	if err != nil {
		return nil, err
	}
	var out []sessionTarget
	for _, e := range page.Entities {
		rec, err := decode[session](e)
		if err != nil {
			return nil, err
		}
		if rec.Role == nil || !now.Before(rec.Expiration) {
			continue
		}
		c := &Caller{AccessKeyID: rec.AccessKeyID, SessionToken: true, MFAPresent: rec.MFA, TokenIssueTime: rec.Issued}
		if rec.MFATime != nil {
			c.MFAAuthTime = *rec.MFATime
		}
		t := sessionTarget{caller: c, expires: rec.Expiration}
		// A session whose role was deleted is never decided with the policies of a later role of the same name:
		// the role IDs are compared here, whatever authentication makes of such a session.
		if rec.Role.RoleID == ro.RoleID {
			err = roleSessionCaller(ctx, r, rec, c)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		}
		if rec.Role.RoleID != ro.RoleID || err != nil {
			c.Principal = authz.Principal{Type: authz.PrincipalAssumedRole, ARN: principalARN, Account: a.Account, RoleARN: rec.Role.RoleARN}
			c.Name, c.RoleSession = roleName, true
			t.roleGone = true
		}
		out = append(out, t)
	}
	return out, nil
}
