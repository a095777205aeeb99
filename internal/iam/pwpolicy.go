package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/store"
)

// pwpolicySetting is the per-account setting that holds the account password policy. Its absence means the
// account has no custom password policy (GetAccountPasswordPolicy answers NoSuchEntity).
const pwpolicySetting = "password-policy"

// Limits and defaults of the account password policy, as the IAM API reference states them for
// UpdateAccountPasswordPolicy: a parameter left out takes its default (MinimumPasswordLength 6, every boolean
// false, no expiry, no reuse prevention); the operation does not support partial updates.
const (
	pwpolicyDefaultMinLength = 6
	pwpolicyMinLength        = 6
	pwpolicyMaxLength        = 128
	pwpolicyMaxAge           = 1095
	pwpolicyMaxReuse         = 24
)

// pwpolicySymbols are the non-alphanumeric characters AWS counts as symbols for RequireSymbols:
// ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '
const pwpolicySymbols = "!@#$%^&*()_+-=[]{}|'"

// PasswordPolicy is the stored account password policy. Zero MaxPasswordAge and PasswordReusePrevention mean
// "not set"; HardExpiry is a pointer because AWS reports it only when it was given.
type PasswordPolicy struct {
	MinimumPasswordLength      int   `json:"minLen"`
	RequireSymbols             bool  `json:"symbols,omitempty"`
	RequireNumbers             bool  `json:"numbers,omitempty"`
	RequireUppercaseCharacters bool  `json:"upper,omitempty"`
	RequireLowercaseCharacters bool  `json:"lower,omitempty"`
	AllowUsersToChangePassword bool  `json:"allowChange,omitempty"`
	MaxPasswordAge             int   `json:"maxAge,omitempty"`
	PasswordReusePrevention    int   `json:"reuse,omitempty"`
	HardExpiry                 *bool `json:"hardExpiry,omitempty"`
}

// pwpolicyIsSymbol reports whether r is one of AWS's password symbols.
func pwpolicyIsSymbol(r rune) bool {
	return r < utf8.RuneSelf && strings.ContainsRune(pwpolicySymbols, r)
}

// pwpolicyKinds reports which of AWS's four kinds of password characters the password has.
func pwpolicyKinds(password string) (upper, lower, digit, symbol bool) {
	for _, r := range password {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case pwpolicyIsSymbol(r):
			symbol = true
		}
	}
	return upper, lower, digit, symbol
}

// Check returns the first rule of the policy the password breaks, as AWS words it for PasswordPolicyViolation,
// or "" when the password satisfies every rule. Length is counted in characters. A nil policy has no rules.
func (p *PasswordPolicy) Check(password string) string {
	if p == nil {
		return ""
	}
	upper, lower, digit, symbol := pwpolicyKinds(password)
	switch {
	case utf8.RuneCountInString(password) < p.MinimumPasswordLength:
		return fmt.Sprintf("Password should have a minimum length of %d", p.MinimumPasswordLength)
	case p.RequireUppercaseCharacters && !upper:
		return "Password should have at least one uppercase letter"
	case p.RequireLowercaseCharacters && !lower:
		return "Password should have at least one lowercase letter"
	case p.RequireNumbers && !digit:
		return "Password should have at least one number"
	case p.RequireSymbols && !symbol:
		return "Password should have at least one symbol"
	}
	return ""
}

// The default password policy AWS applies when the account has no custom one (IAM User Guide, "Set an account
// password policy for IAM users", default password policy details,
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html#default-policy-details):
// a minimum length of 8 characters and a maximum of 128; at least three of the four kinds uppercase, lowercase,
// numbers and the symbols ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '; not identical to the account's name or email.
// It is not a "set" policy: GetAccountPasswordPolicy still answers NoSuchEntity.
const (
	pwpolicyDefaultMin   = 8
	pwpolicyDefaultKinds = 3
)

// checkDefault returns the first rule of AWS's default password policy that the password breaks, or "". names
// are what the account is called (its ID and alias; iamd keeps no account name or email address): a password
// identical to one of them, compared without case, is refused. The texts are AWS's as users have reported them
// ("Password should have a minimum length of 8"; "Password should meet 1 more of the following requirements:
// Password should have at least one uppercase letter, Password should have at least one symbol"); the text for a
// password identical to the account name could not be confirmed and is iamd's own.
func pwpolicyCheckDefault(password string, names []string) string {
	if utf8.RuneCountInString(password) < pwpolicyDefaultMin {
		return fmt.Sprintf("Password should have a minimum length of %d", pwpolicyDefaultMin)
	}
	if utf8.RuneCountInString(password) > pwpolicyMaxLength {
		// the wire layer already refuses more than 128 characters; kept for callers that bypass it
		return fmt.Sprintf("Password should have a maximum length of %d", pwpolicyMaxLength)
	}
	upper, lower, digit, symbol := pwpolicyKinds(password)
	var missing []string
	for _, k := range []struct {
		have bool
		msg  string
	}{
		{upper, "Password should have at least one uppercase letter"},
		{lower, "Password should have at least one lowercase letter"},
		{digit, "Password should have at least one number"},
		{symbol, "Password should have at least one symbol"},
	} {
		if !k.have {
			missing = append(missing, k.msg)
		}
	}
	if need := pwpolicyDefaultKinds - (4 - len(missing)); need > 0 {
		return fmt.Sprintf("Password should meet %d more of the following requirements: %s", need, strings.Join(missing, ", "))
	}
	for _, n := range names {
		if n != "" && strings.EqualFold(password, n) {
			return "Password should not be identical to the account name or email address"
		}
	}
	return ""
}

// pwpolicyAccountNames returns what the account is called, for the default policy's last rule: its ID and alias.
func pwpolicyAccountNames(ctx context.Context, r store.Reader, account string) ([]string, error) {
	names := []string{account}
	page, err := r.List(ctx, store.ListQuery{Account: account, Kind: KindAccountAlias})
	if err != nil {
		return nil, err
	}
	for _, e := range page.Entities {
		names = append(names, e.Name)
	}
	return names, nil
}

// pwpolicyViolation is AWS's error for a password the account policy rejects.
func pwpolicyViolation(msg string) error {
	return awserr.New("PasswordPolicyViolation", 400, "%s", msg)
}

// pwpolicyNotFound is AWS's error when the account has no custom password policy.
func pwpolicyNotFound(account string) error {
	return awserr.NoSuchEntity("The Password Policy with domain name %s cannot be found.", account)
}

// pwpolicyLoad reads the account's password policy; nil, nil when it has none.
func pwpolicyLoad(ctx context.Context, r store.Reader, account string) (*PasswordPolicy, error) {
	b, err := r.Setting(ctx, account, pwpolicySetting)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p PasswordPolicy
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode password policy of %s: %w", account, err)
	}
	return &p, nil
}

// pwpolicyFromRequest builds the policy an UpdateAccountPasswordPolicy request sets: every parameter left out
// takes its default. It checks the ranges again so that a caller bypassing the wire layer cannot store an
// out-of-range policy.
func pwpolicyFromRequest(in *iamtypes.UpdateAccountPasswordPolicyRequest) (*PasswordPolicy, error) {
	p := &PasswordPolicy{MinimumPasswordLength: pwpolicyDefaultMinLength}
	b := func(v *bool) bool { return v != nil && *v }
	if in.MinimumPasswordLength != nil {
		p.MinimumPasswordLength = int(*in.MinimumPasswordLength)
	}
	if in.MaxPasswordAge != nil {
		p.MaxPasswordAge = int(*in.MaxPasswordAge)
	}
	if in.PasswordReusePrevention != nil {
		p.PasswordReusePrevention = int(*in.PasswordReusePrevention)
	}
	p.RequireSymbols, p.RequireNumbers = b(in.RequireSymbols), b(in.RequireNumbers)
	p.RequireUppercaseCharacters, p.RequireLowercaseCharacters = b(in.RequireUppercaseCharacters), b(in.RequireLowercaseCharacters)
	p.AllowUsersToChangePassword = b(in.AllowUsersToChangePassword)
	if in.HardExpiry != nil {
		p.HardExpiry = ptr(*in.HardExpiry)
	}
	var errs []string
	rng := func(path string, v *int32, lo, hi int32) {
		if v == nil {
			return
		}
		if *v < lo {
			errs = append(errs, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *v, path, lo))
		}
		if *v > hi {
			errs = append(errs, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *v, path, hi))
		}
	}
	rng("minimumPasswordLength", in.MinimumPasswordLength, pwpolicyMinLength, pwpolicyMaxLength)
	rng("maxPasswordAge", in.MaxPasswordAge, 1, pwpolicyMaxAge)
	rng("passwordReusePrevention", in.PasswordReusePrevention, 1, pwpolicyMaxReuse)
	if len(errs) > 0 {
		noun := "errors"
		if len(errs) == 1 {
			noun = "error"
		}
		return nil, awserr.ValidationError("%d validation %s detected: %s", len(errs), noun, strings.Join(errs, "; "))
	}
	return p, nil
}

// shape converts the stored policy to the API's PasswordPolicy: MaxPasswordAge, PasswordReusePrevention and
// HardExpiry appear only when set, ExpirePasswords is derived from MaxPasswordAge.
func (p *PasswordPolicy) shape() *iamtypes.PasswordPolicy {
	out := &iamtypes.PasswordPolicy{
		MinimumPasswordLength:      ptr(int32(p.MinimumPasswordLength)),
		RequireSymbols:             ptr(p.RequireSymbols),
		RequireNumbers:             ptr(p.RequireNumbers),
		RequireUppercaseCharacters: ptr(p.RequireUppercaseCharacters),
		RequireLowercaseCharacters: ptr(p.RequireLowercaseCharacters),
		AllowUsersToChangePassword: ptr(p.AllowUsersToChangePassword),
		ExpirePasswords:            ptr(p.MaxPasswordAge > 0),
	}
	if p.MaxPasswordAge > 0 {
		out.MaxPasswordAge = ptr(int32(p.MaxPasswordAge))
	}
	if p.PasswordReusePrevention > 0 {
		out.PasswordReusePrevention = ptr(int32(p.PasswordReusePrevention))
	}
	if p.HardExpiry != nil {
		out.HardExpiry = ptr(*p.HardExpiry)
	}
	return out
}

// UpdateAccountPasswordPolicy sets the account password policy, replacing the whole of any previous one.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, c *Caller, in *iamtypes.UpdateAccountPasswordPolicyRequest) error {
	acct := c.Account()
	p, err := pwpolicyFromRequest(in)
	if err != nil {
		return err
	}
	err = s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:UpdateAccountPasswordPolicy", Resource: "*"}); err != nil {
			return err
		}
		return tx.PutSetting(ctx, acct, pwpolicySetting, encode(p))
	})
	return internal(err)
}

// GetAccountPasswordPolicy returns the account password policy, or NoSuchEntity when the account has none.
// Users may read it without permission when the policy lets them change their own passwords, as AWS documents
// for AllowUsersToChangePassword.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, c *Caller) (*iamtypes.GetAccountPasswordPolicyResponse, error) {
	acct := c.Account()
	var out *iamtypes.PasswordPolicy
	err := s.view(ctx, func(ctx context.Context, r store.Reader) error {
		p, err := pwpolicyLoad(ctx, r, acct)
		if err != nil {
			return err
		}
		authorize := s.Authorize
		if p != nil && p.AllowUsersToChangePassword && c.Principal.Type == authz.PrincipalUser {
			authorize = s.authorizeAsIfAllowed
		}
		if err := authorize(ctx, r, c, Authorization{Action: "iam:GetAccountPasswordPolicy", Resource: "*"}); err != nil {
			return err
		}
		if p == nil {
			return pwpolicyNotFound(acct)
		}
		out = p.shape()
		return nil
	})
	if err != nil {
		return nil, internal(err)
	}
	return &iamtypes.GetAccountPasswordPolicyResponse{PasswordPolicy: out}, nil
}

// DeleteAccountPasswordPolicy removes the account password policy; NoSuchEntity when there is none.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, c *Caller) error {
	acct := c.Account()
	err := s.update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := s.Authorize(ctx, tx, c, Authorization{Action: "iam:DeleteAccountPasswordPolicy", Resource: "*"}); err != nil {
			return err
		}
		if err := tx.DeleteSetting(ctx, acct, pwpolicySetting); err != nil {
			if notFound(err) {
				return pwpolicyNotFound(acct)
			}
			return err
		}
		return nil
	})
	return internal(err)
}

// authorizeAsIfAllowed decides an action that the account grants every IAM user by setting, as an attached policy
// would (AllowUsersToChangePassword "does the same thing as attaching IAMUserChangePassword to every user"): only
// the lack of an identity-based Allow is made good; an explicit deny, a boundary, a session policy or an SCP still
// refuses.
func (s *Service) authorizeAsIfAllowed(ctx context.Context, r store.Reader, c *Caller, a Authorization) error {
	err := s.Authorize(ctx, r, c, a)
	var f *AuthorizationFailure
	if err != nil && errors.As(err, &f) && !f.ExplicitDeny && f.Missing == authz.LayerIdentity {
		return nil
	}
	return err
}
