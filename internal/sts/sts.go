// Package sts is the STS service's domain: the identity of a caller (GetCallerIdentity) and temporary credentials
// (GetSessionToken), role sessions (AssumeRole), later federation. It knows nothing of HTTP or storage engines.
package sts

import (
	"context"
	"errors"
	"time"

	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
)

// Service runs STS operations.
type Service struct {
	store  store.Store
	iam    IAM
	region string
	saml   SAMLVerifier // nil refuses every AssumeRoleWithSAML
	// WebIdentityKeys fetches OIDC issuers' signing keys for AssumeRoleWithWebIdentity; nil answers
	// IDPCommunicationError. New sets it from Options; a test may swap it before the service serves.
	WebIdentityKeys IssuerKeys
}

// Options are the STS service's settings.
type Options struct {
	// Region is the server's Region: its SAML sign-in endpoint is a recipient AssumeRoleWithSAML accepts.
	Region string
	// WebIdentityKeys fetches OIDC issuers' signing keys; nil answers IDPCommunicationError.
	WebIdentityKeys IssuerKeys
	// SAML verifies AssumeRoleWithSAML's responses (internal/samlsp); nil refuses every one with ServiceFailure.
	SAML SAMLVerifier
}

// New returns the STS service. It keeps its sessions in st, the store IAM uses, through the IAM service's
// transactions-taking methods.
func New(st store.Store, i IAM, opt Options) *Service {
	return &Service{store: st, iam: i, region: opt.Region, saml: opt.SAML, WebIdentityKeys: opt.WebIdentityKeys}
}

// GetCallerIdentity returns who signed the request. It needs no permission: AWS answers it even when a policy
// denies sts:GetCallerIdentity. For GetSessionToken credentials it names the user (or root) they stand for.
func (s *Service) GetCallerIdentity(ctx context.Context, c *iam.Caller, in *ststypes.GetCallerIdentityRequest) (*ststypes.GetCallerIdentityResponse, error) {
	return &ststypes.GetCallerIdentityResponse{UserId: ptr(c.UserID), Account: ptr(c.Account()), Arn: ptr(c.Principal.ARN)}, nil
}

// GetSessionToken limits, from the STS API reference (GetSessionToken, DurationSeconds): 900 seconds to 129,600
// seconds (36 hours) for IAM users, 43,200 seconds (12 hours) by default; sessions of the account's root user are
// restricted to 3,600 seconds and a longer duration defaults to one hour.
const (
	sessionDefaultDuration = 43200 * time.Second
	sessionRootMaxDuration = 3600 * time.Second
)

func accessDenied(msg string) error {
	return &awserr.Error{Code: "AccessDenied", HTTPStatus: 403, Message: msg}
}

// GetSessionToken issues temporary credentials for the IAM user (or root user) that signed with a long-term key,
// optionally after checking an MFA code. It needs no permission (AWS: sts:GetSessionToken cannot be controlled by
// policies). The credentials' use is limited as AWS limits it: IAM calls only when MFA was verified (enforced by
// iam.Service.Authorize); of STS, iamd implements only GetCallerIdentity, which they may call, and GetSessionToken,
// which they may not.
func (s *Service) GetSessionToken(ctx context.Context, c *iam.Caller, in *ststypes.GetSessionTokenRequest) (*ststypes.GetSessionTokenResponse, error) {
	if c.SessionToken {
		return nil, accessDenied("Cannot call GetSessionToken with session credentials")
	}
	d := sessionDefaultDuration
	if in.DurationSeconds != nil {
		d = time.Duration(*in.DurationSeconds) * time.Second // the model's range (900..129600) is checked on decode
	}
	if c.IsRoot() {
		if in.DurationSeconds == nil || d > sessionRootMaxDuration {
			d = sessionRootMaxDuration
		}
	}
	serial, code := deref(in.SerialNumber), deref(in.TokenCode)
	if (serial == "") != (code == "") {
		return nil, accessDenied("MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
	}
	mfa := serial != ""
	var out *iam.SessionCredentials
	resp, err := iam.UpdateAnswering(ctx, s.store, func(ctx context.Context, tx store.Tx) error {
		if mfa {
			if c.IsRoot() {
				return errMFAFailed() // iamd keeps no MFA device for the root user
			}
			err := s.iam.VerifyMFADevice(ctx, tx, c.Account(), c.Name, serial, code)
			if errors.Is(err, iam.ErrMFACodeInvalid) {
				return errMFAFailed()
			}
			if err != nil {
				return err
			}
		}
		var err error
		out, err = s.iam.NewSessionCredentials(ctx, tx, c, iam.SessionOptions{Duration: d, MFA: mfa})
		return err
	}, func() *ststypes.GetSessionTokenResponse {
		return &ststypes.GetSessionTokenResponse{Credentials: &ststypes.Credentials{AccessKeyId: out.AccessKeyID,
			SecretAccessKey: out.SecretAccessKey, SessionToken: out.SessionToken, Expiration: out.Expiration}}
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func errMFAFailed() error {
	return accessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr(s string) *string { return &s }
