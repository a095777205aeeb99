package iam

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// Console-style sign-in: an IAM user proves a password (and an MFA code when the user has an MFA device) and gets
// a short-lived session token signed with a per-account key.

// signinKeySetting is the per-account setting holding the session-token signing key, sealed with the service's
// box.
const signinKeySetting = "signin-key"

// SignInSessionDuration is how long a sign-in session token is valid.
const SignInSessionDuration = time.Hour

// signinTokenVersion prefixes the signed payload, so that a later format cannot be confused with this one.
const signinTokenVersion = "iamd-signin-v1"

// Public messages of failed sign-ins. A wrong account, user, password or MFA code, a user without a password and
// a locked-out user or address all read the same, so a caller cannot tell which users exist.
const (
	SignInFailedMessage      = "Your authentication information is incorrect. Please try again."
	SignInMFARequiredMessage = "An MFA code is required to sign in as this user."
	SignInHardExpiredMessage = "Your password has expired. Ask your administrator to reset it."
)

// SignInError is a refused sign-in: Public is what the client may see, Reason is for the log only.
type SignInError struct {
	Public string
	Reason string
}

func (e *SignInError) Error() string { return e.Public }

func signinFailed(reason string) error {
	return &SignInError{Public: SignInFailedMessage, Reason: reason}
}

// SignInResult is a successful sign-in. When PasswordResetRequired or PasswordExpired is set, a console must make
// the user choose a new password (ChangePassword) before anything else.
type SignInResult struct {
	Account               string
	UserName              string
	UserID                string
	ARN                   string // the user's ARN
	MFAUsed               bool   // the user has an MFA device and its code was checked
	SessionToken          string
	Expiration            time.Time
	PasswordResetRequired bool
	PasswordExpired       bool
	// Used is the sign-in's time as the user's PasswordLastUsed records it (to the second): the audit trail's
	// ConsoleLogin event takes it as its eventTime, so that the two agree.
	Used time.Time
}

// SignInMFAChecker is what sign-in needs from MFA: whether the user has an enabled MFA device and, if so, whether
// code is valid for it now (recording its use in tx so that it cannot be replayed). When *Service implements it
// (the MFA operations, in mfa*.go), SignIn requires and checks MFA codes; until then no user has an MFA device.
type SignInMFAChecker interface {
	CheckSignInMFA(ctx context.Context, tx store.Tx, account string, user *User, code string) (required, valid bool, err error)
}

// SignIn checks an IAM user's password, and MFA code when the user has an MFA device, and returns a session token.
// The password is verified outside any write transaction; a user without a password or a nonexistent user costs
// the same hashing work as a wrong password. Every refusal is a *SignInError. SignIn does not rate-limit: use
// SignInLimiter.SignIn where callers are untrusted (sourceIP is for the
// caller's records; limiting by address is the limiter's job).
func (s *Service) SignIn(ctx context.Context, account, userName, password, mfaCode, sourceIP string) (*SignInResult, error) {
	if account == "" || userName == "" || password == "" {
		passwordsBurn(password)
		return nil, signinFailed("missing account, user name or password")
	}
	var prof *PasswordProfile
	locked := false
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		// A lock-out of the source address recorded by any node (signinshared.go).
		var err error
		if locked, err = signinSourceLocked(ctx, r, sourceIP, s.Now()); err != nil || locked {
			return err
		}
		e, err := r.Get(ctx, account, KindUser, userName)
		if err != nil {
			return err
		}
		// A lock-out recorded by any node (signinshared.go).
		f, err := signinFailuresOf(ctx, r, account, e.ID)
		if err != nil {
			return err
		}
		if locked = f.lockedAt(s.Now()); locked {
			return nil
		}
		prof, err = passwordsProfile(ctx, r, account, userName)
		return err
	})
	if err != nil && !notFound(err) {
		return nil, err
	}
	if locked {
		passwordsBurn(password)
		return nil, signinFailed(signinLockedReason)
	}
	if prof == nil {
		passwordsBurn(password)
		if err != nil {
			return nil, signinFailed("no such user")
		}
		return nil, signinFailed("user has no password")
	}
	if !passwordsVerify(password, prof.Hash) {
		return nil, signinFailed("wrong password")
	}

	now := s.Now().UTC()
	res := &SignInResult{Account: account}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, account, userName)
		if err != nil {
			return signinFailed("user deleted during sign-in")
		}
		cur, err := passwordsProfile(ctx, tx, account, u.UserName)
		if err != nil {
			return err
		}
		if cur == nil || cur.Hash != prof.Hash || cur.UserID != u.UserID {
			return signinFailed("password changed during sign-in")
		}
		if m, ok := any(s).(SignInMFAChecker); ok {
			required, valid, err := m.CheckSignInMFA(ctx, tx, account, u, mfaCode)
			if err != nil {
				return err
			}
			if required && mfaCode == "" {
				return &SignInError{Public: SignInMFARequiredMessage, Reason: "MFA code required"}
			}
			if required && !valid {
				return signinFailed("wrong MFA code")
			}
			res.MFAUsed = required
		}
		pol, err := pwpolicyLoad(ctx, tx, account)
		if err != nil {
			return err
		}
		res.PasswordExpired = cur.Expired(pol, now)
		if res.PasswordExpired && pol.HardExpiry != nil && *pol.HardExpiry {
			return &SignInError{Public: SignInHardExpiredMessage, Reason: "password expired (hard expiry)"}
		}
		res.PasswordResetRequired = cur.PasswordResetRequired
		key, err := s.signinKey(ctx, tx, account)
		if err != nil {
			return err
		}
		if err := clearSignInFailures(ctx, tx, account, u.UserID); err != nil {
			return err
		}
		used := now.Truncate(time.Second)
		u.PasswordLastUsed = &used
		res.Used = used
		if err := putUser(ctx, tx, account, u, false); err != nil {
			return err
		}
		res.UserName, res.UserID, res.ARN = u.UserName, u.UserID, u.ARN
		res.Expiration = now.Add(SignInSessionDuration).Truncate(time.Second)
		res.SessionToken = signinToken(key, account, u.UserName, u.UserID, res.Expiration)
		return nil
	})
	if err != nil {
		var se *SignInError
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, err
	}
	return res, nil
}

// signinKey returns the account's token signing key, creating it on first use.
func (s *Service) signinKey(ctx context.Context, tx store.Tx, account string) ([]byte, error) {
	aad := []byte(signinKeySetting + ":" + account)
	sealed, err := tx.Setting(ctx, account, signinKeySetting)
	if err == nil {
		return s.Box.Open(sealed, aad)
	}
	if !notFound(err) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := tx.PutSetting(ctx, account, signinKeySetting, s.Box.Seal(key, aad)); err != nil {
		return nil, err
	}
	return key, nil
}

// signinPayload is the signed part of a token.
func signinPayload(account, userName, userID string, exp time.Time) string {
	return strings.Join([]string{signinTokenVersion, account, userName, userID, strconv.FormatInt(exp.Unix(), 10)}, "|")
}

func signinMAC(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// signinToken is base64url(payload) "." base64url(HMAC-SHA256(key, payload)).
func signinToken(key []byte, account, userName, userID string, exp time.Time) string {
	p := signinPayload(account, userName, userID, exp)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(p)) + "." + enc.EncodeToString(signinMAC(key, p))
}

// SignInSession is what a valid session token proves.
type SignInSession struct {
	Account    string
	UserName   string
	UserID     string
	Expiration time.Time
}

// ErrSignInToken is returned for a session token that is malformed, forged, expired or whose user no longer
// exists.
var ErrSignInToken = errors.New("iam: invalid or expired sign-in session token")

// VerifySessionToken checks a token SignIn issued: its signature (in constant time), its expiry, and that the
// user still exists with the same ID and still has a password.
func (s *Service) VerifySessionToken(ctx context.Context, token string) (*SignInSession, error) {
	enc := base64.RawURLEncoding
	pb, mb, ok := strings.Cut(token, ".")
	payload, err1 := enc.DecodeString(pb)
	mac, err2 := enc.DecodeString(mb)
	if !ok || err1 != nil || err2 != nil {
		return nil, ErrSignInToken
	}
	f := strings.Split(string(payload), "|")
	if len(f) != 5 || f[0] != signinTokenVersion {
		return nil, ErrSignInToken
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return nil, ErrSignInToken
	}
	sess := &SignInSession{Account: f[1], UserName: f[2], UserID: f[3], Expiration: time.Unix(exp, 0).UTC()}
	err = s.view(ctx, func(ctx context.Context, r store.Reader) error {
		sealed, err := r.Setting(ctx, sess.Account, signinKeySetting)
		if err != nil {
			return err
		}
		key, err := s.Box.Open(sealed, []byte(signinKeySetting+":"+sess.Account))
		if err != nil {
			return err
		}
		if !hmac.Equal(mac, signinMAC(key, string(payload))) {
			return ErrSignInToken
		}
		if !s.Now().Before(sess.Expiration) {
			return ErrSignInToken
		}
		u, err := getUser(ctx, r, sess.Account, sess.UserName)
		if err != nil || u.UserID != sess.UserID {
			return ErrSignInToken
		}
		p, err := passwordsProfile(ctx, r, sess.Account, u.UserName)
		if err != nil || p == nil {
			return ErrSignInToken
		}
		return nil
	})
	if err != nil {
		if notFound(err) || errors.Is(err, ErrSignInToken) {
			return nil, ErrSignInToken
		}
		return nil, err
	}
	return sess, nil
}

// SignInLimiter rate-limits failed sign-ins: after MaxFailures failures within Window for one user (of one account)
// or from one source address, further attempts for that key fail for Lockout, whatever the password. A lock-out
// reads like a wrong password. It counts in memory, and counts each existing user's failures and each source
// address's failures in the store as well (signinshared.go), so that the failures on every iamd node sharing the
// database add up and a lock-out, of a user or of an address, holds on all of them. The zero value is not usable;
// use NewSignInLimiter.
type SignInLimiter struct {
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
	now         func() time.Time

	mu      sync.Mutex
	entries map[string]*signinEntry
}

type signinEntry struct {
	failures    []time.Time
	lockedUntil time.Time
}

// signinMaxEntries bounds the limiter's memory: past it, entries with nothing recent are dropped.
const signinMaxEntries = 100000

// NewSignInLimiter returns a limiter allowing 5 failures in 5 minutes, then locking for 5 minutes.
func NewSignInLimiter(now func() time.Time) *SignInLimiter {
	return &SignInLimiter{MaxFailures: 5, Window: 5 * time.Minute, Lockout: 5 * time.Minute, now: now, entries: map[string]*signinEntry{}}
}

func signinUserKey(account, userName string) string {
	return "user:" + account + "/" + strings.ToLower(userName)
}
func signinIPKey(ip string) string { return "ip:" + ip }

// locked reports whether any key is locked out now.
func (l *SignInLimiter) locked(keys ...string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if e := l.entries[k]; e != nil && now.Before(e.lockedUntil) {
			return true
		}
	}
	return false
}

// fail records a failure against every key.
func (l *SignInLimiter) fail(keys ...string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= signinMaxEntries {
		l.prune(now)
	}
	for _, k := range keys {
		e := l.entries[k]
		if e == nil {
			e = &signinEntry{}
			l.entries[k] = e
		}
		kept := e.failures[:0]
		for _, t := range e.failures {
			if now.Sub(t) < l.Window {
				kept = append(kept, t)
			}
		}
		e.failures = append(kept, now)
		if len(e.failures) >= l.MaxFailures {
			e.lockedUntil = now.Add(l.Lockout)
			e.failures = nil
		}
	}
}

// succeed forgets a key's failures.
func (l *SignInLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, key)
}

// prune drops entries with no lock and no failure in the window; if that is not enough, it starts over rather
// than grow without bound.
func (l *SignInLimiter) prune(now time.Time) {
	for k, e := range l.entries {
		recent := false
		for _, t := range e.failures {
			recent = recent || now.Sub(t) < l.Window
		}
		if !recent && !now.Before(e.lockedUntil) {
			delete(l.entries, k)
		}
	}
	if len(l.entries) >= signinMaxEntries {
		clear(l.entries)
	}
}

// signinLockedReason is the reason (for the log) of a sign-in refused by a lock-out; such a refusal is not counted
// as one more failure.
const signinLockedReason = "locked out after repeated failures"

// SignIn runs s.SignIn under the limiter: a locked-out user or source address is refused before any password
// check, failures count against both, and a success clears the user's failures.
func (l *SignInLimiter) SignIn(ctx context.Context, s *Service, account, userName, password, mfaCode, sourceIP string) (*SignInResult, error) {
	uk, ik := signinUserKey(account, userName), signinIPKey(sourceIP)
	if l.locked(uk, ik) {
		passwordsBurn(password)
		return nil, signinFailed(signinLockedReason)
	}
	res, err := s.SignIn(ctx, account, userName, password, mfaCode, sourceIP)
	var se *SignInError
	switch {
	case err == nil:
		l.succeed(uk)
	case errors.As(err, &se) && se.Public != SignInMFARequiredMessage && se.Reason != signinLockedReason:
		l.fail(uk, ik)
		// Counted for every node too. Should the store fail to take it, the sign-in's answer stands: this node's
		// own count still applies.
		_ = s.recordSignInFailure(ctx, l, account, userName, sourceIP)
	}
	return res, err
}

// SignInSubject is what the audit trail records of a refused sign-in: whether the account and the user named
// exist, and the user's ID when it does (CloudTrail writes a failed sign-in's user name only for a user that
// exists). It reads only.
type SignInSubject struct {
	AccountExists bool
	// UserID is the user's unique ID; empty when the account has no such user.
	UserID string
}

// SignInSubjectOf looks up the account and user a sign-in named, for the record of a refused sign-in.
func (s *Service) SignInSubjectOf(ctx context.Context, account, userName string) (SignInSubject, error) {
	var out SignInSubject
	if account == "" {
		return out, nil
	}
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		ok, err := s.AccountExists(ctx, r, account)
		if err != nil || !ok {
			return err
		}
		out.AccountExists = true
		if userName == "" {
			return nil
		}
		e, err := r.Get(ctx, account, KindUser, userName)
		if notFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		out.UserID = e.ID
		return nil
	})
	return out, err
}
