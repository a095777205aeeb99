package iam

import (
	"context"
	"encoding/json"
	"time"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// A user's failed sign-ins are kept in the store as well as in each node's SignInLimiter, so that a user locked
// out on one iamd node is locked out on every node sharing the database, and failures on different nodes add up.
// They are an account setting keyed by the user's ID (a new user of the same name starts afresh), written only for
// a user that exists (a sign-in naming anyone else makes no record, and no account appears for it), through
// UpdateStamps: counting a failure retires no compiled evaluator and no cached credential on any node. A success
// removes the record in the sign-in's own transaction. Source addresses are limited by each node's memory only.

// signinFailuresSetting prefixes the setting that holds a user's recent failed sign-ins, followed by the user's ID.
const signinFailuresSetting = "iam.signin-failures/"

// signinFailures is the stored record of a user's failed sign-ins.
type signinFailures struct {
	Failures    []time.Time `json:"failures,omitempty"` // within the limiter's window
	LockedUntil *time.Time  `json:"lockedUntil,omitempty"`
}

// signinFailuresOf reads the record of a user's failed sign-ins; none when there is no record.
func signinFailuresOf(ctx context.Context, r store.Reader, account, userID string) (*signinFailures, error) {
	v, err := r.Setting(ctx, account, signinFailuresSetting+userID)
	if notFound(err) {
		return &signinFailures{}, nil
	}
	if err != nil {
		return nil, err
	}
	var f signinFailures
	if err := json.Unmarshal(v, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// lockedAt reports whether the record locks the user out at now.
func (f *signinFailures) lockedAt(now time.Time) bool {
	return f.LockedUntil != nil && now.Before(*f.LockedUntil)
}

// recordSignInFailure counts a failed sign-in of a user in the store, as the limiter l counts them: the failures
// within its window, and a lock-out for its Lockout once they reach MaxFailures. A user that does not exist gets
// no record.
func (s *Service) recordSignInFailure(ctx context.Context, l *SignInLimiter, account, userName string) error {
	now := l.now()
	return s.Store.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, account, userName)
		if _, ok := awserr.As(err); ok {
			return nil // no such user (or account): nothing to lock
		}
		if err != nil {
			return err
		}
		f, err := signinFailuresOf(ctx, tx, account, u.UserID)
		if err != nil {
			return err
		}
		kept := f.Failures[:0]
		for _, t := range f.Failures {
			if now.Sub(t) < l.Window {
				kept = append(kept, t)
			}
		}
		f.Failures = append(kept, now)
		if len(f.Failures) >= l.MaxFailures {
			until := now.Add(l.Lockout)
			f.Failures, f.LockedUntil = nil, &until
		}
		return tx.PutSetting(ctx, account, signinFailuresSetting+u.UserID, encode(f))
	})
}

// clearSignInFailures removes a user's record of failed sign-ins in tx (a successful sign-in's transaction).
func clearSignInFailures(ctx context.Context, tx store.Tx, account, userID string) error {
	if err := tx.DeleteSetting(ctx, account, signinFailuresSetting+userID); err != nil && !notFound(err) {
		return err
	}
	return nil
}
