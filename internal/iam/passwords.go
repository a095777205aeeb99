package iam

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/policy"
)

// KindLoginProfile is the store kind of a user's console password (its login profile). The entity is named after
// the user and owned by it (Parent is the user's name in lower case); it has no ID.
const KindLoginProfile store.Kind = "login-profile"

// Argon2id parameters for new password hashes: OWASP's recommended minimum for argon2id (19 MiB of memory, two
// passes, one lane), a 16-byte random salt per password and a 32-byte key. Each hash records its parameters, so
// hashes made under other parameters still verify if these change.
const (
	passwordsArgonTime    = 2
	passwordsArgonMemory  = 19 * 1024 // KiB
	passwordsArgonThreads = 1
	passwordsSaltLen      = 16
	passwordsKeyLen       = 32
	// passwordsMaxHistory is how many earlier password hashes a profile keeps for reuse prevention: the most a
	// policy can ask to remember.
	passwordsMaxHistory = pwpolicyMaxReuse
)

// PasswordProfile is the stored login profile of an IAM user: its console password as an argon2id hash, never
// the password itself.
type PasswordProfile struct {
	UserName              string    `json:"user"`
	UserID                string    `json:"userId"`
	CreateDate            time.Time `json:"created"`
	PasswordResetRequired bool      `json:"reset,omitempty"`
	Hash                  string    `json:"hash"`
	PasswordChanged       time.Time `json:"changed"`
	// History holds the hashes of earlier passwords, most recent first, at most passwordsMaxHistory.
	History []string `json:"history,omitempty"`
}

// Expired reports whether the password is older than the policy's MaxPasswordAge at now.
func (p *PasswordProfile) Expired(pol *PasswordPolicy, now time.Time) bool {
	if pol == nil || pol.MaxPasswordAge <= 0 {
		return false
	}
	return !now.Before(p.PasswordChanged.Add(time.Duration(pol.MaxPasswordAge) * 24 * time.Hour))
}

// passwordsHash returns the argon2id hash of a password in the PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$KEY with unpadded standard base64.
func passwordsHash(password string) string {
	salt := make([]byte, passwordsSaltLen)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	key := argon2.IDKey([]byte(password), salt, passwordsArgonTime, passwordsArgonMemory, passwordsArgonThreads, passwordsKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, passwordsArgonMemory, passwordsArgonTime,
		passwordsArgonThreads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// passwordsVerify reports, in time independent of where the keys differ, whether password matches a hash
// passwordsHash made. A malformed hash never matches.
func passwordsVerify(password, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<21 || t == 0 || t > 16 || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// passwordsBurn spends the time of one verification without a stored hash, so that a sign-in for a user without
// a password takes as long as one with a wrong password.
func passwordsBurn(password string) {
	salt := make([]byte, passwordsSaltLen)
	key := argon2.IDKey([]byte(password), salt, passwordsArgonTime, passwordsArgonMemory, passwordsArgonThreads, passwordsKeyLen)
	subtle.ConstantTimeCompare(key, make([]byte, passwordsKeyLen))
}

// passwordsNoProfile is AWS's error for a user without a login profile.
func passwordsNoProfile(user string) error {
	return awserr.NoSuchEntity("Login Profile for User %s cannot be found.", user)
}

// passwordsProfile loads the login profile of a user; nil, nil when the user has none. The credential report
// reads it too.
func passwordsProfile(ctx context.Context, r store.Reader, account, userName string) (*PasswordProfile, error) {
	e, err := r.Get(ctx, account, KindLoginProfile, userName)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decode[PasswordProfile](e)
}

func passwordsPut(ctx context.Context, tx store.Tx, account string, p *PasswordProfile, insert bool) error {
	e := &store.Entity{Account: account, Kind: KindLoginProfile, Name: p.UserName, Path: "/", Parent: strings.ToLower(p.UserName),
		Created: p.CreateDate, Data: encode(p)}
	if insert {
		return tx.Insert(ctx, e)
	}
	return tx.Update(ctx, e)
}

// passwordsUser resolves the user a login-profile operation names (by default the calling IAM user) and
// authorizes the action on the user's ARN.
func (s *Service) passwordsUser(ctx context.Context, r store.Reader, c *Caller, action string, userName *string) (*User, error) {
	acct := c.Account()
	name := str(userName, "")
	if name == "" {
		if c.Principal.Type != authz.PrincipalUser || c.Name == "" {
			return nil, awserr.ValidationError("Must specify userName when calling with non-User credentials")
		}
		name = c.Name
	}
	u, err := getUser(ctx, r, acct, name)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			// Authorize against the ARN the user would have, so a denied caller learns nothing.
			if aerr := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: arnFor(c.Partition(), acct, "user", "/", name)}); aerr != nil {
				return nil, aerr
			}
		}
		return nil, err
	}
	actx := policy.Context{}
	resourceTagContext(actx, u.Tags)
	if err := s.Authorize(ctx, r, c, Authorization{Action: action, Resource: u.ARN, Context: actx}); err != nil {
		return nil, err
	}
	return u, nil
}

// passwordsCheckNew applies the account policy to a new password: its character rules and, for a profile that
// exists, reuse of the current password and of the remembered earlier ones. An account without a custom policy
// gets AWS's default policy, which has no reuse rule.
func passwordsCheckNew(ctx context.Context, r store.Reader, account string, pol *PasswordPolicy, prof *PasswordProfile, password string) error {
	if pol == nil {
		names, err := pwpolicyAccountNames(ctx, r, account)
		if err != nil {
			return err
		}
		if msg := pwpolicyCheckDefault(password, names); msg != "" {
			return pwpolicyViolation(msg)
		}
		return nil
	}
	if msg := pol.Check(password); msg != "" {
		return pwpolicyViolation(msg)
	}
	if pol.PasswordReusePrevention <= 0 || prof == nil {
		return nil
	}
	recent := append([]string{prof.Hash}, prof.History...)
	if len(recent) > pol.PasswordReusePrevention {
		recent = recent[:pol.PasswordReusePrevention]
	}
	for _, h := range recent {
		if passwordsVerify(password, h) {
			return pwpolicyViolation("Password has been used previously. Please choose a different password.")
		}
	}
	return nil
}

// passwordsReplace sets a new password hash on a profile, remembering the old one.
func passwordsReplace(p *PasswordProfile, hash string, now time.Time) {
	p.History = append([]string{p.Hash}, p.History...)
	if len(p.History) > passwordsMaxHistory {
		p.History = p.History[:passwordsMaxHistory]
	}
	p.Hash, p.PasswordChanged = hash, now
}

func passwordsShape(p *PasswordProfile) *iamtypes.LoginProfile {
	return &iamtypes.LoginProfile{UserName: p.UserName, CreateDate: p.CreateDate, PasswordResetRequired: ptr(p.PasswordResetRequired)}
}

// CreateLoginProfile gives a user a console password, which must satisfy the account password policy.
func (s *Service) CreateLoginProfile(ctx context.Context, c *Caller, in *iamtypes.CreateLoginProfileRequest) (*iamtypes.CreateLoginProfileResponse, error) {
	acct := c.Account()
	if in.Password == nil {
		return nil, awserr.ValidationError("Password is required to create a login profile.")
	}
	now := s.Now().UTC().Truncate(time.Second)
	hash := passwordsHash(*in.Password) // outside the transaction, so the write lock is not held while hashing
	var out *iamtypes.LoginProfile
	resp, err := updateAnswering(ctx, s, func(ctx context.Context, tx store.Tx) error {
		u, err := s.passwordsUser(ctx, tx, c, "iam:CreateLoginProfile", in.UserName)
		if err != nil {
			return err
		}
		if prof, err := passwordsProfile(ctx, tx, acct, u.UserName); err != nil {
			return err
		} else if prof != nil {
			return awserr.EntityAlreadyExists("Login Profile for user %s already exists.", u.UserName)
		}
		pol, err := pwpolicyLoad(ctx, tx, acct)
		if err != nil {
			return err
		}
		if err := passwordsCheckNew(ctx, tx, acct, pol, nil, *in.Password); err != nil {
			return err
		}
		p := &PasswordProfile{UserName: u.UserName, UserID: u.UserID, CreateDate: now, PasswordChanged: now,
			PasswordResetRequired: in.PasswordResetRequired != nil && *in.PasswordResetRequired, Hash: hash}
		if err := passwordsPut(ctx, tx, acct, p, true); err != nil {
			if conflict(err) {
				return awserr.EntityAlreadyExists("Login Profile for user %s already exists.", u.UserName)
			}
			return err
		}
		out = passwordsShape(p)
		return nil
	}, func() *iamtypes.CreateLoginProfileResponse {
		return &iamtypes.CreateLoginProfileResponse{LoginProfile: out}
	})
	if err != nil {
		return nil, internal(err)
	}
	return resp, nil
}

// GetLoginProfile returns a user's login profile (never the password), by default the calling user's.
func (s *Service) GetLoginProfile(ctx context.Context, c *Caller, in *iamtypes.GetLoginProfileRequest) (*iamtypes.GetLoginProfileResponse, error) {
	acct := c.Account()
	var out *iamtypes.LoginProfile
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		u, err := s.passwordsUser(ctx, r, c, "iam:GetLoginProfile", in.UserName)
		if err != nil {
			return err
		}
		p, err := passwordsProfile(ctx, r, acct, u.UserName)
		if err != nil {
			return err
		}
		if p == nil {
			return passwordsNoProfile(u.UserName)
		}
		out = passwordsShape(p)
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetLoginProfileResponse{LoginProfile: out}, nil
}

// UpdateLoginProfile sets a user's password (as an administrator; the account policy still applies) and/or
// whether the user must choose a new one at the next sign-in. A parameter left out keeps its value.
func (s *Service) UpdateLoginProfile(ctx context.Context, c *Caller, in *iamtypes.UpdateLoginProfileRequest) error {
	acct := c.Account()
	now := s.Now().UTC().Truncate(time.Second)
	var hash string
	if in.Password != nil {
		hash = passwordsHash(*in.Password) // outside the transaction, so the write lock is not held while hashing
	}
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.passwordsUser(ctx, tx, c, "iam:UpdateLoginProfile", &in.UserName)
		if err != nil {
			return err
		}
		p, err := passwordsProfile(ctx, tx, acct, u.UserName)
		if err != nil {
			return err
		}
		if p == nil {
			return passwordsNoProfile(u.UserName)
		}
		if in.Password != nil {
			pol, err := pwpolicyLoad(ctx, tx, acct)
			if err != nil {
				return err
			}
			if err := passwordsCheckNew(ctx, tx, acct, pol, p, *in.Password); err != nil {
				return err
			}
			passwordsReplace(p, hash, now)
		}
		if in.PasswordResetRequired != nil {
			p.PasswordResetRequired = *in.PasswordResetRequired
		}
		return passwordsPut(ctx, tx, acct, p, false)
	})
	return internal(err)
}

// DeleteLoginProfile removes a user's console password, by default the calling user's.
func (s *Service) DeleteLoginProfile(ctx context.Context, c *Caller, in *iamtypes.DeleteLoginProfileRequest) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := s.passwordsUser(ctx, tx, c, "iam:DeleteLoginProfile", in.UserName)
		if err != nil {
			return err
		}
		if err := tx.Delete(ctx, acct, KindLoginProfile, u.UserName); err != nil {
			if notFound(err) {
				return passwordsNoProfile(u.UserName)
			}
			return err
		}
		return nil
	})
	return internal(err)
}

// ChangePassword lets an IAM user change their own password. The user may if the account password policy allows
// users to change their passwords, or else with iam:ChangePassword on their own ARN. The old password must match;
// the new one must satisfy the policy (reuse prevention included). It clears PasswordResetRequired.
func (s *Service) ChangePassword(ctx context.Context, c *Caller, in *iamtypes.ChangePasswordRequest) error {
	acct := c.Account()
	if c.Principal.Type != authz.PrincipalUser || c.Name == "" {
		return awserr.New("InvalidUserType", 400, "The request was rejected because the type of user for the transaction was incorrect.")
	}
	now := s.Now().UTC().Truncate(time.Second)
	newHash := passwordsHash(in.NewPassword) // outside the transaction: it does not depend on stored data
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		u, err := getUser(ctx, tx, acct, c.Name)
		if err != nil {
			return err
		}
		pol, err := pwpolicyLoad(ctx, tx, acct)
		if err != nil {
			return err
		}
		authorize := s.Authorize
		if pol != nil && pol.AllowUsersToChangePassword {
			authorize = s.authorizeAsIfAllowed
		}
		actx := policy.Context{}
		resourceTagContext(actx, u.Tags)
		if err := authorize(ctx, tx, c, Authorization{Action: "iam:ChangePassword", Resource: u.ARN, Context: actx}); err != nil {
			return err
		}
		p, err := passwordsProfile(ctx, tx, acct, u.UserName)
		if err != nil {
			return err
		}
		if p == nil {
			return passwordsNoProfile(u.UserName)
		}
		if !passwordsVerify(in.OldPassword, p.Hash) {
			return awserr.AccessDenied("The old password is incorrect.")
		}
		if err := passwordsCheckNew(ctx, tx, acct, pol, p, in.NewPassword); err != nil {
			return err
		}
		passwordsReplace(p, newHash, now)
		p.PasswordResetRequired = false
		return passwordsPut(ctx, tx, acct, p, false)
	})
	return internal(err)
}
