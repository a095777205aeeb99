package iam

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// A user's failed sign-ins are kept in the store as well as in each node's SignInLimiter, so that a user locked
// out on one iamd node is locked out on every node sharing the database, and failures on different nodes add up.
// They are an account setting keyed by the user's ID (a new user of the same name starts afresh), written only for
// a user that exists (a sign-in naming anyone else makes no record, and no account appears for it), through
// UpdateStamps: counting a failure retires no compiled evaluator and no cached credential on any node. A success
// removes the record in the sign-in's own transaction.
//
// Failures by source address are kept in the store too, in one store-wide value (signinSourcesMeta) that maps each
// address with recent failures to its record, so that an address that fails on several nodes is locked out on all
// of them, whatever accounts and user names it tries (existing or not). Every failed sign-in rewrites that value,
// pruned of the addresses with nothing recent and bounded (signinSourcesMax): failed sign-ins are written one at a
// time anyway (every write transaction serializes), and each costs a password hash first.

// signinFailuresSetting prefixes the setting that holds a user's recent failed sign-ins, followed by the user's ID.
const signinFailuresSetting = "iam.signin-failures/"

// signinSourcesMeta is the store-wide value that holds the recent failed sign-ins of each source address
// (signinSources, JSON). It belongs to no account, so an address that names unknown accounts makes none.
const signinSourcesMeta = "iam.signin-sources"

// signinSourcesMax bounds how many addresses signinSourcesMeta keeps: past it, those whose latest failure is
// oldest are dropped (an address locked out now is dropped last).
const signinSourcesMax = 1000

// signinSources are the records of failed sign-ins by source address.
type signinSources map[string]*signinFailures

// signinSourcesOf reads the records of failed sign-ins by source address; none when there are none.
func signinSourcesOf(ctx context.Context, r store.Reader) (signinSources, error) {
	v, err := r.Meta(ctx, signinSourcesMeta)
	if notFound(err) {
		return signinSources{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := signinSources{}
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// signinSourceLocked reports whether the stored record of the source address locks it out at now. An empty
// address (a caller that has none) is never locked.
func signinSourceLocked(ctx context.Context, r store.Reader, source string, now time.Time) (bool, error) {
	if source == "" {
		return false, nil
	}
	m, err := signinSourcesOf(ctx, r)
	if err != nil {
		return false, err
	}
	f := m[source]
	return f != nil && f.lockedAt(now), nil
}

// prune drops the addresses with no failure within window and no lock-out at now, then, past max, those whose
// latest failure (or lock-out) is oldest.
func (m signinSources) prune(now time.Time, window time.Duration, max int) {
	latest := func(f *signinFailures) time.Time {
		var t time.Time
		if f.LockedUntil != nil {
			t = *f.LockedUntil
		}
		for _, x := range f.Failures {
			if x.After(t) {
				t = x
			}
		}
		return t
	}
	for k, f := range m {
		f.Failures = recentFailures(f.Failures, now, window)
		if len(f.Failures) == 0 && !f.lockedAt(now) {
			delete(m, k)
		}
	}
	if len(m) <= max {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := latest(m[keys[i]]), latest(m[keys[j]])
		if !a.Equal(b) {
			return a.Before(b)
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys[:len(keys)-max] {
		delete(m, k)
	}
}

// recentFailures keeps the failures within window of now.
func recentFailures(failures []time.Time, now time.Time, window time.Duration) []time.Time {
	kept := failures[:0]
	for _, t := range failures {
		if now.Sub(t) < window {
			kept = append(kept, t)
		}
	}
	return kept
}

// count adds a failure at now to f, within window, locking for lockout once there are max of them.
func (f *signinFailures) count(now time.Time, window, lockout time.Duration, max int) {
	f.Failures = append(recentFailures(f.Failures, now, window), now)
	if len(f.Failures) >= max {
		until := now.Add(lockout)
		f.Failures, f.LockedUntil = nil, &until
	}
}

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

// recordSignInFailure counts a failed sign-in in the store, as the limiter l counts them (the failures within its
// window, and a lock-out for its Lockout once they reach MaxFailures): against the user, when it exists (a user
// that does not exist gets no record), and against the source address, when there is one.
func (s *Service) recordSignInFailure(ctx context.Context, l *SignInLimiter, account, userName, source string) error {
	now := l.now()
	return s.Store.UpdateStamps(ctx, func(ctx context.Context, tx store.Tx) error {
		if source != "" {
			m, err := signinSourcesOf(ctx, tx)
			if err != nil {
				return err
			}
			f := m[source]
			if f == nil {
				f = &signinFailures{}
				m[source] = f
			}
			f.count(now, l.Window, l.Lockout, l.MaxFailures)
			m.prune(now, l.Window, signinSourcesMax)
			if err := tx.PutMeta(ctx, signinSourcesMeta, encode(m)); err != nil {
				return err
			}
		}
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
		f.count(now, l.Window, l.Lockout, l.MaxFailures)
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
